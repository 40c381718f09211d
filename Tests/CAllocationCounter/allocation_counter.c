// malloc, defined in the test executable, takes the place of libc's for the whole process
// (ELF symbol interposition) and hands every request to glibc's own allocator, so free,
// realloc and the rest stay libc's and work on what it returns. The Swift runtime allocates
// objects through malloc, which is what the tests count.
#include "allocation_counter.h"
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define QUILL_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define QUILL_SANITIZED 1
#endif

static _Atomic int64_t calls;

#if defined(__GLIBC__) && !defined(QUILL_SANITIZED)
extern void *__libc_malloc(size_t size);

void *malloc(size_t size) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    return __libc_malloc(size);
}

int quill_allocation_counting(void) { return 1; }
#else
int quill_allocation_counting(void) { return 0; }
#endif

int64_t quill_allocation_count(void) { return atomic_load_explicit(&calls, memory_order_relaxed); }
