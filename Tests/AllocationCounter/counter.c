#include "AllocationCounter.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

// glibc exports its allocator under these names too.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static int counting;
static int64_t allocations;
static int wrapper_seen;

static void note(void) {
  wrapper_seen = 1;
  if (__atomic_load_n(&counting, __ATOMIC_RELAXED))
    __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t size) {
  note();
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  note();
  return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  note();
  return __libc_realloc(pointer, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  note();
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL) return 12;  // ENOMEM
  *result = pointer;
  return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

void allocation_counter_start(void) {
  __atomic_store_n(&allocations, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&counting, 1, __ATOMIC_SEQ_CST);
}

int64_t allocation_counter_stop(void) {
  __atomic_store_n(&counting, 0, __ATOMIC_SEQ_CST);
  return __atomic_load_n(&allocations, __ATOMIC_SEQ_CST);
}

int allocation_counter_is_active(void) {
  wrapper_seen = 0;
  void *probe = malloc(16);
  // Keep the compiler from eliding the call.
  __asm__ __volatile__("" : : "r"(probe) : "memory");
  free(probe);
  return wrapper_seen;
}
