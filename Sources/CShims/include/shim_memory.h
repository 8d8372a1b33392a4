// Heap statistics for replays and tests that check memory stays flat.
#ifndef TEACHPAD_SHIM_MEMORY_H
#define TEACHPAD_SHIM_MEMORY_H

/// Bytes of the main malloc arena in use now (glibc's mallinfo2
/// `uordblks`), or -1 where the C library does not say.
long long shim_heap_in_use(void);

#endif
