// pthreads and atomics for the inference engine's worker pool. Embedded
// Swift has no Dispatch and the C11 atomics are macros, so they live here.
#ifndef TEACHPAD_SHIM_THREADS_H
#define TEACHPAD_SHIM_THREADS_H

#include <pthread.h>
#include <sched.h>
#include <stdint.h>

/// Number of processors this process may run on (its affinity mask, else
/// every online one), no more than its cgroup's CPU quota, at least 1.
int shim_processor_count(void);

/// Whole processors that a cgroup v2 `cpu.max` text ("QUOTA PERIOD")
/// allows, rounded up; 0 for "max" or anything unreadable.
int shim_cpu_max_limit(const char *text);

/// A number no earlier call in this process returned (from 1), for
/// temporary file names; safe from any thread.
long shim_next_sequence_number(void);

/// Starts a joinable thread running `body(context)`. Returns 0 or an errno.
int shim_thread_start(pthread_t *thread, void (*body)(void *), void *context);
int shim_thread_join(pthread_t thread);

/// Sequentially consistent atomics on a plain 64-bit cell.
static inline int64_t shim_atomic_load(const int64_t *cell) {
  return __atomic_load_n(cell, __ATOMIC_ACQUIRE);
}
static inline void shim_atomic_store(int64_t *cell, int64_t value) {
  __atomic_store_n(cell, value, __ATOMIC_RELEASE);
}
/// Sequentially consistent, so a fetch-add followed by a load of another
/// cell is ordered (the sleep/wake handshakes rely on it).
static inline int64_t shim_atomic_fetch_add(int64_t *cell, int64_t delta) {
  return __atomic_fetch_add(cell, delta, __ATOMIC_SEQ_CST);
}
/// Replaces *cell with `desired` if it holds *expected; otherwise stores
/// what it holds in *expected. Returns whether it replaced.
static inline _Bool shim_atomic_compare_exchange(int64_t *cell,
                                                 int64_t *expected,
                                                 int64_t desired) {
  return __atomic_compare_exchange_n(cell, expected, desired, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/// A hint to the processor that this thread is spinning.
static inline void shim_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/// Futex-style sleep: waits while *cell == expected (or a spurious wake).
void shim_wait_while_equal(int64_t *cell, int64_t expected);
/// Wakes every thread sleeping on `cell`.
void shim_wake_all(int64_t *cell);

#endif
