// Counts heap allocations made by this process while counting is on, by
// wrapping malloc, calloc, realloc, posix_memalign and aligned_alloc and
// forwarding to glibc's own implementations. Linked only into tests.
#ifndef TEACHPAD_ALLOCATION_COUNTER_H
#define TEACHPAD_ALLOCATION_COUNTER_H

#include <stdint.h>

/// Starts counting from zero (all threads).
void allocation_counter_start(void);
/// Stops counting and returns the number of allocations seen.
int64_t allocation_counter_stop(void);
/// Whether the wrappers are in use (false if something else won the
/// symbol), so a test can refuse to pass vacuously.
int allocation_counter_is_active(void);

#endif
