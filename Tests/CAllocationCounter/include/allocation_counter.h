// Counts calls of malloc in this process, for tests that check a loop allocates nothing.
#ifndef QUILL_ALLOCATION_COUNTER_H
#define QUILL_ALLOCATION_COUNTER_H
#include <stdint.h>

/// 1 when malloc is being counted; 0 in builds where counting is off (sanitizers bring their
/// own malloc, which this must not replace).
int quill_allocation_counting(void);
/// Calls of malloc so far, from every thread.
int64_t quill_allocation_count(void);
#endif
