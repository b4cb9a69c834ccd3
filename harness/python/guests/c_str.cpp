// A C++ function that returns a C string to its host (the question in
// wasm-micro-runtime#567): first the c_str() of a local std::string, which
// dies with the call, then the fix, a copy in a block of its own that the
// host gives back to the exported free. Built with
// -Wl,--export=malloc -Wl,--export=free, the flags the maintainer named.
#include <cstdlib>
#include <cstring>
#include <string>

// libc++ reports a broken precondition by printing, which needs WASI; trap
// instead, as the C++ recipe does, so an optimised build imports nothing.
void std::__libcpp_verbose_abort(const char *, ...) noexcept { __builtin_trap(); }

extern "C" {

// The reader's function. `result` is destroyed when it returns, and its
// short text lived inside the object itself, in this call's stack frame.
__attribute__((export_name("local_c_str")))
const char *local_c_str() {
    std::string result = "12345";
    return result.c_str();
}

// Any later call that uses the stack, as the host's next call will: here one
// with a local string of its own.
__attribute__((export_name("another_call")))
int another_call() {
    std::string other = "abcde";
    return static_cast<int>(other.size());
}

// The fix: the text copied into a block of its own, NUL included. It lives
// until someone calls free on it; the host does, once it has read it. NULL
// when the heap is used up.
__attribute__((export_name("copied_c_str")))
char *copied_c_str() {
    std::string result = "12345";
    char *copy = static_cast<char *>(std::malloc(result.size() + 1));
    if (copy != nullptr) {
        std::memcpy(copy, result.c_str(), result.size() + 1);
    }
    return copy;
}
}
