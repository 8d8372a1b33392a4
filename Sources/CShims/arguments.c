#include "shim_arguments.h"

static int saved_count;
static char **saved_words;

// glibc calls .init_array functions with (argc, argv, envp) on Linux, on
// x86_64 and aarch64 alike, before main and before any Swift code runs.
__attribute__((constructor)) static void save_arguments(int count,
                                                        char **words,
                                                        char **environment) {
  (void)environment;
  saved_count = count;
  saved_words = words;
}

int shim_argument_count(void) { return saved_words == 0 ? 0 : saved_count; }

const char *shim_argument(int index) {
  if (index < 0 || index >= shim_argument_count()) return 0;
  return saved_words[index];
}
