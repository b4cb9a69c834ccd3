//! A Zig export that returns an extern struct (ziglang/zig#13711). Its wasm
//! signature returns nothing: the struct is written to memory at an address
//! the caller passes as a hidden first parameter, the C ABI's out-pointer.
const std = @import("std");

// The reader's struct and function, as they wrote them.
const V = extern struct {
    x: u32 = 10,
    y: u32 = 20,
};

export fn foo() V {
    return .{};
}

// A struct with a single scalar field is returned directly, as that scalar.
const One = extern struct {
    x: u32 = 10,
};

export fn one() One {
    return .{};
}

// Room for the out-pointer, which the host asks for and gives back with the
// same length, as the Zig recipe's guest does.
const allocator = std.heap.wasm_allocator;

export fn allocate(len: usize) ?[*]u8 {
    const bytes = allocator.alloc(u8, len) catch return null;
    return bytes.ptr;
}

export fn deallocate(ptr: [*]u8, len: usize) void {
    allocator.free(ptr[0..len]);
}
