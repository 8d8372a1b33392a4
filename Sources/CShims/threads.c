#define _GNU_SOURCE
#include "shim_threads.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int shim_cpu_max_limit(const char *text) {
  long long quota = 0, period = 0;
  if (text == NULL || sscanf(text, "%lld %lld", &quota, &period) != 2) return 0;
  if (quota <= 0 || period <= 0) return 0;
  long long limit = (quota + period - 1) / period;
  return limit > 4096 ? 4096 : (int)limit;
}

/// The tightest cgroup v2 CPU quota on the way from this process's cgroup
/// up to the root, rounded up to whole processors; 0 when there is none.
static int cgroup_processor_limit(void) {
  FILE *groups = fopen("/proc/self/cgroup", "r");
  if (groups == NULL) return 0;
  char line[4096];
  char path[4096] = "";
  while (fgets(line, sizeof line, groups) != NULL) {
    if (strncmp(line, "0::", 3) == 0) {
      snprintf(path, sizeof path, "%s", line + 3);
      path[strcspn(path, "\n")] = 0;
      break;
    }
  }
  fclose(groups);
  if (path[0] != '/') return 0;
  int tightest = 0;
  while (1) {
    char file[4200];
    snprintf(file, sizeof file, "/sys/fs/cgroup%s/cpu.max", strcmp(path, "/") == 0 ? "" : path);
    FILE *limit_file = fopen(file, "r");
    if (limit_file != NULL) {
      char text[128] = "";
      if (fgets(text, sizeof text, limit_file) != NULL) {
        int limit = shim_cpu_max_limit(text);
        if (limit > 0 && (tightest == 0 || limit < tightest)) tightest = limit;
      }
      fclose(limit_file);
    }
    char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path) {
      if (strcmp(path, "/") == 0) break;
      strcpy(path, "/");
      continue;
    }
    *slash = 0;
  }
  return tightest;
}

int shim_processor_count(void) {
  // The processors this process may run on (taskset, a unit's
  // CPUAffinity, a container's cpuset), else every online one; then no
  // more than its cgroup's CPU quota (a unit's CPUQuota, docker --cpus).
  int count = 0;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) count = CPU_COUNT(&allowed);
  if (count < 1) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    count = online < 1 ? 1 : (int)online;
  }
  int quota = cgroup_processor_limit();
  if (quota > 0 && quota < count) count = quota;
  return count;
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

long shim_next_sequence_number(void) {
  static long counter = 0;
  return __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}
