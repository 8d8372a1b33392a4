#define _GNU_SOURCE
#include "shim_threads.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int shim_processor_count(void) {
  // The processors this process may run on (taskset, a unit's
  // CPUAffinity, a container's cpuset), else every online one.
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) > 0) {
    return CPU_COUNT(&allowed);
  }
  long count = sysconf(_SC_NPROCESSORS_ONLN);
  return count < 1 ? 1 : (int)count;
}

struct thread_start {
  void (*body)(void *);
  void *context;
};

static void *thread_trampoline(void *argument) {
  struct thread_start start = *(struct thread_start *)argument;
  free(argument);
  start.body(start.context);
  return NULL;
}

int shim_thread_start(pthread_t *thread, void (*body)(void *), void *context) {
  struct thread_start *start = malloc(sizeof *start);
  if (start == NULL) return ENOMEM;
  start->body = body;
  start->context = context;
  int status = pthread_create(thread, NULL, thread_trampoline, start);
  if (status != 0) free(start);
  return status;
}

int shim_thread_join(pthread_t thread) { return pthread_join(thread, NULL); }

// The futex word is the low 32 bits of the 64-bit cell (little endian on
// both x86_64 and aarch64 Linux); a change in the high bits alone is not
// seen, so callers count in steps that always change the low word.
void shim_wait_while_equal(int64_t *cell, int64_t expected) {
  if (__atomic_load_n(cell, __ATOMIC_ACQUIRE) != expected) return;
  syscall(SYS_futex, (int32_t *)cell, FUTEX_WAIT_PRIVATE, (int32_t)expected,
          NULL, NULL, 0);
}

void shim_wake_all(int64_t *cell) {
  syscall(SYS_futex, (int32_t *)cell, FUTEX_WAKE_PRIVATE, INT_MAX, NULL,
          NULL, 0);
}
