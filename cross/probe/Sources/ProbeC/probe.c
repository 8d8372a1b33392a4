#include "ProbeC.h"

#include <pthread.h>
#include <sys/utsname.h>

struct job {
  int64_t count;
  int64_t sum;
};

static void *add_up(void *argument) {
  struct job *job = argument;
  for (int64_t value = 1; value <= job->count; value++) job->sum += value;
  return NULL;
}

int64_t probe_sum_on_thread(int64_t count) {
  struct job job = {count, 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, add_up, &job) != 0) return -1;
  pthread_join(thread, NULL);
  return job.sum;
}

const char *probe_machine(void) {
  static struct utsname name;
  if (uname(&name) != 0) return "unknown";
  return name.machine;
}
