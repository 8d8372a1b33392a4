// Plain POSIX calls that Swift cannot reach directly: errno, variadic
// open/fcntl/ioctl, and the monotonic clock in one number.
#ifndef TEACHPAD_SHIM_SYSTEM_H
#define TEACHPAD_SHIM_SYSTEM_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

/// 1 when this processor and the operating system run AVX-512 F, BW, DQ,
/// VL and VNNI code (the engine's AVX-512 kernels); 0 elsewhere, on
/// aarch64 too. __builtin_cpu_supports checks the OS saves the vector
/// state.
static inline int shim_cpu_has_avx512_vnni(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
      && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
      && __builtin_cpu_supports("avx512vnni");
#else
  return 0;
#endif
}

/// The calling thread's errno.
static inline int shim_errno(void) { return errno; }
static inline void shim_set_errno(int value) { errno = value; }

/// open(2) without mode or with mode (open is variadic in C).
static inline int shim_open(const char *path, int flags) {
  return open(path, flags | O_CLOEXEC);
}
static inline int shim_open_mode(const char *path, int flags, unsigned mode) {
  return open(path, flags | O_CLOEXEC, (mode_t)mode);
}

/// fcntl(2) with an integer argument.
static inline int shim_fcntl_int(int fd, int command, int argument) {
  return fcntl(fd, command, argument);
}

/// ioctl(2) with a pointer argument.
static inline int shim_ioctl_ptr(int fd, unsigned long request, void *argument) {
  return ioctl(fd, request, argument);
}

/// CLOCK_MONOTONIC in nanoseconds.
static inline int64_t shim_monotonic_nanoseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/// Writes all bytes to a descriptor, retrying on EINTR and short writes.
/// Returns 0 or the errno of the failure.
int shim_write_all(int fd, const void *bytes, size_t count);

#endif
