// The process's command-line words for Embedded Swift, whose standard
// library has no `CommandLine` on a `none` triple. glibc passes argc and
// argv to every ELF constructor; arguments.c keeps them from there.
#ifndef TEACHPAD_SHIM_ARGUMENTS_H
#define TEACHPAD_SHIM_ARGUMENTS_H

/// How many words the program was started with (argv[0] included).
int shim_argument_count(void);

/// Word `index` of argv, or NULL past the end.
const char *shim_argument(int index);

#endif
