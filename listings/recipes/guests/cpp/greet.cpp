// A C++ guest for the greet recipe: the host and the guest share one heap,
// C++'s operator new and delete, through two exports.
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

// libc++ reports a broken precondition or a failed allocation (with
// -fno-exceptions it cannot throw) by printing to stderr, and printing needs
// WASI's fd_write. Trap instead: the module then imports nothing.
void std::__libcpp_verbose_abort(const char *, ...) noexcept { __builtin_trap(); }

// extern "C": the exports keep their plain names, not C++ mangled ones.
extern "C" {

// The host calls this to get room for its input. operator new aligns to 16,
// more than the 8 the contract asks, and traps when memory runs out.
__attribute__((export_name("allocate")))
void *allocate(std::size_t len) { return ::operator new(len); }

// The host calls this for the input it allocated and for every greeting it
// was given. Sized delete takes the length the contract passes along.
__attribute__((export_name("deallocate")))
void deallocate(void *ptr, std::size_t len) { ::operator delete(ptr, len); }

// Reads the name the host wrote (and does not keep or free it), and returns
// "Hello, <name>!" packed in one i64: length in the high 32 bits, pointer in
// the low 32. The host frees it with deallocate(ptr, len).
__attribute__((export_name("greet")))
std::uint64_t greet(const char *name, std::size_t name_len) {
    std::string greeting = "Hello, ";
    greeting.append(name, name_len);
    greeting += '!';
    // The string frees its buffer when it goes out of scope (and a short one
    // lives inside the string object itself), so hand the host a copy in a
    // buffer of its own.
    std::size_t len = greeting.size();
    void *out = allocate(len);
    std::memcpy(out, greeting.data(), len);
    return std::uint64_t{len} << 32 | reinterpret_cast<std::uintptr_t>(out);
}

}
