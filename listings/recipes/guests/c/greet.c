// A C guest for the greet recipe: the host and the guest share one heap, the
// libc's malloc and free, through two exports.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The host calls this to get room for its input. malloc aligns to 16, more
// than the 8 the contract asks. Out of memory, trap: returning 0 would let
// the host write its input over address 0.
__attribute__((export_name("allocate")))
void *allocate(size_t len) {
    void *ptr = malloc(len);
    if (ptr == NULL) abort();
    return ptr;
}

// The host calls this for the input it allocated and for every greeting it
// was given. free() knows the size on its own; `len` is in the signature
// because other guests' allocators need it.
__attribute__((export_name("deallocate")))
void deallocate(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

// Reads the name the host wrote (and does not keep or free it), builds
// "Hello, <name>!" in a buffer of its own, and returns that buffer packed in
// one i64: length in the high 32 bits, pointer in the low 32. The host frees
// it with deallocate(ptr, len).
__attribute__((export_name("greet")))
uint64_t greet(const char *name, size_t name_len) {
    static const char prefix[] = "Hello, ";
    size_t prefix_len = sizeof prefix - 1;
    size_t len = prefix_len + name_len + 1;
    char *out = allocate(len);
    memcpy(out, prefix, prefix_len);
    memcpy(out + prefix_len, name, name_len);
    out[len - 1] = '!';
    return (uint64_t)len << 32 | (uintptr_t)out;
}
