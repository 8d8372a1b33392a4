// C side of the toolchain probe: a C function, libc through a header, and
// a thread, as teachpad's CShims uses them.
#ifndef PROBE_C_H
#define PROBE_C_H

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

/// The sum of 1 ... count, computed on a second thread.
int64_t probe_sum_on_thread(int64_t count);

/// The machine name from uname(2): "aarch64" under qemu-aarch64.
const char *probe_machine(void);

#endif
