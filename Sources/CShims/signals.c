#include "shim_signals.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal = 0;

static void record_stop(int number) { stop_signal = number; }

void shim_install_stop_handlers(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = record_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  // A closed terminal (SIGHUP) and Ctrl-\ (SIGQUIT) stop as cleanly: the
  // default actions would end the process between a save's steps or
  // leave a replay's folder behind.
  sigaction(SIGHUP, &action, NULL);
  sigaction(SIGQUIT, &action, NULL);
  signal(SIGPIPE, SIG_IGN);
}

int shim_stop_signal(void) { return stop_signal; }

static const int held_numbers[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction held_previous[3];
static volatile sig_atomic_t held_pending[3];
static int hold_depth = 0;
/// Hold and release may come from several threads: the depth and the
/// saved actions change together under this lock.
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;

static void record_held(int number) {
  for (int index = 0; index < 3; index++) {
    if (held_numbers[index] == number) held_pending[index] = 1;
  }
}

void shim_hold_stop_signals(void) {
  pthread_mutex_lock(&hold_lock);
  if (hold_depth++ == 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record_held;
    action.sa_flags = SA_RESTART;
    sigfillset(&action.sa_mask);
    for (int index = 0; index < 3; index++) {
      held_pending[index] = 0;
      sigaction(held_numbers[index], NULL, &held_previous[index]);
      // An ignored signal stays ignored: there is nothing to hold back.
      if (held_previous[index].sa_handler == SIG_IGN) continue;
      sigaction(held_numbers[index], &action, NULL);
    }
  }
  pthread_mutex_unlock(&hold_lock);
}

void shim_release_stop_signals(void) {
  pthread_mutex_lock(&hold_lock);
  int raise_now[3] = {0, 0, 0};
  if (hold_depth > 0 && --hold_depth == 0) {
    for (int index = 0; index < 3; index++) {
      if (held_previous[index].sa_handler == SIG_IGN) continue;
      sigaction(held_numbers[index], &held_previous[index], NULL);
      raise_now[index] = held_pending[index];
      held_pending[index] = 0;
    }
  }
  pthread_mutex_unlock(&hold_lock);
  // Every signal that came, each once, in the order SIGINT, SIGTERM, SIGHUP.
  for (int index = 0; index < 3; index++) {
    if (raise_now[index]) raise(held_numbers[index]);
  }
}
