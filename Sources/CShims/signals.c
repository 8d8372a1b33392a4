#include "shim_signals.h"

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
  signal(SIGPIPE, SIG_IGN);
}

int shim_stop_signal(void) { return stop_signal; }

static const int held_numbers[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction held_previous[3];
static int hold_depth = 0;
static volatile sig_atomic_t held_signal = 0;

static void record_held(int number) {
  if (held_signal == 0) held_signal = number;
}

void shim_hold_stop_signals(void) {
  if (hold_depth++ > 0) return;
  held_signal = 0;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = record_held;
  sigfillset(&action.sa_mask);
  for (int index = 0; index < 3; index++) {
    sigaction(held_numbers[index], &action, &held_previous[index]);
  }
}

void shim_release_stop_signals(void) {
  if (hold_depth == 0 || --hold_depth > 0) return;
  for (int index = 0; index < 3; index++) {
    sigaction(held_numbers[index], &held_previous[index], NULL);
  }
  if (held_signal != 0) raise(held_signal);
}
