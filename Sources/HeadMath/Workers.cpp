// Threads that stay up for a whole training run and share each call of the
// training kernels (see headmath_workers in HeadMath.h). A call is a job:
// every thread, the caller included, runs it once, and the job hands out its
// parts from an atomic counter, so a thread the system holds back leaves its
// parts to the others. Between jobs the workers spin for a while (the next
// job comes within a fraction of a millisecond during training), then sleep
// on a condition variable.
#include "HeadMath.h"
#include "Workers.h"

#include <algorithm>
#include <atomic>
#include <pthread.h>

namespace {

/// About 0.2 ms of spinning on the development machine before sleeping.
constexpr int spinsBeforeSleep = 4000;

inline void pause_briefly() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

}  // namespace

struct headmath_workers {
  int32_t count = 1;
  pthread_t threads[HEADMATH_MAXIMUM_THREADS];
  /// The job: run(context, thread) on every thread.
  void (*run)(void *, int32_t) = nullptr;
  void *context = nullptr;
  std::atomic<int64_t> generation{0};
  std::atomic<int32_t> running{0};
  std::atomic<bool> stopping{false};
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
  pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
  int32_t caller_sleeping = 0;
};

namespace {

struct WorkerStart {
  headmath_workers *workers;
  int32_t thread;
};

void *work(void *argument) {
  const WorkerStart start = *static_cast<WorkerStart *>(argument);
  delete static_cast<WorkerStart *>(argument);
  headmath_workers *workers = start.workers;
  int64_t seen = 0;
  while (true) {
    int spins = 0;
    while (workers->generation.load(std::memory_order_acquire) == seen) {
      if (spins < spinsBeforeSleep) {
        pause_briefly();
        spins++;
        continue;
      }
      pthread_mutex_lock(&workers->lock);
      while (workers->generation.load(std::memory_order_acquire) == seen) {
        pthread_cond_wait(&workers->wake, &workers->lock);
      }
      pthread_mutex_unlock(&workers->lock);
    }
    seen = workers->generation.load(std::memory_order_acquire);
    if (workers->stopping.load(std::memory_order_acquire)) return nullptr;
    workers->run(workers->context, start.thread);
    if (workers->running.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&workers->lock);
      if (workers->caller_sleeping) pthread_cond_signal(&workers->finished);
      pthread_mutex_unlock(&workers->lock);
    }
  }
}

/// Starts the job on every worker and returns at once.
void begin(headmath_workers *workers, void (*run)(void *, int32_t), void *context) {
  workers->run = run;
  workers->context = context;
  workers->running.store(workers->count - 1, std::memory_order_relaxed);
  pthread_mutex_lock(&workers->lock);
  workers->generation.fetch_add(1, std::memory_order_acq_rel);
  pthread_cond_broadcast(&workers->wake);
  pthread_mutex_unlock(&workers->lock);
}

}  // namespace

extern "C" headmath_workers *headmath_workers_start(int32_t thread_count) {
  headmath_workers *workers = new headmath_workers();
  const int32_t wanted = std::max(1, std::min(thread_count, HEADMATH_MAXIMUM_THREADS));
  // Threads that fail to start are left out: the others share their parts.
  for (int32_t thread = 1; thread < wanted; thread++) {
    WorkerStart *start = new WorkerStart{workers, workers->count};
    if (pthread_create(&workers->threads[workers->count], nullptr, work, start) != 0) {
      delete start;
      break;
    }
    workers->count++;
  }
  return workers;
}

extern "C" int32_t headmath_workers_count(const headmath_workers *workers) {
  return workers == nullptr ? 1 : workers->count;
}

extern "C" void headmath_workers_stop(headmath_workers *workers) {
  if (workers == nullptr) return;
  workers->stopping.store(true, std::memory_order_release);
  begin(workers, nullptr, nullptr);
  for (int32_t thread = 1; thread < workers->count; thread++) {
    pthread_join(workers->threads[thread], nullptr);
  }
  delete workers;
}

void headmath_workers_run(headmath_workers *workers, void (*run)(void *, int32_t),
                          void *context) {
  if (workers == nullptr || workers->count == 1) {
    run(context, 0);
    return;
  }
  begin(workers, run, context);
  run(context, 0);
  int spins = 0;
  while (workers->running.load(std::memory_order_acquire) != 0) {
    if (spins < spinsBeforeSleep) {
      pause_briefly();
      spins++;
      continue;
    }
    pthread_mutex_lock(&workers->lock);
    workers->caller_sleeping = 1;
    while (workers->running.load(std::memory_order_acquire) != 0) {
      pthread_cond_wait(&workers->finished, &workers->lock);
    }
    workers->caller_sleeping = 0;
    pthread_mutex_unlock(&workers->lock);
  }
}
