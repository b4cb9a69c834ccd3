//! A Zig guest for the greet recipe: the host and the guest share one heap,
//! std.heap.wasm_allocator, through two exports.
const std = @import("std");

// Grows the guest's memory with memory.grow itself: the module imports nothing.
const allocator = std.heap.wasm_allocator;

/// The host calls this to get room for its input. The contract asks for 8-byte
/// alignment, so every buffer is allocated (and so freed) as align(8). For 0
/// bytes a Zig allocator returns no memory and the address 0xFFFFFFF8, which a
/// careful host refuses as outside memory: ask for at least one byte. Out of
/// memory, trap: there is no address to return.
export fn allocate(len: usize) [*]align(8) u8 {
    const buf = allocator.alignedAlloc(u8, .@"8", @max(len, 1)) catch @trap();
    return buf.ptr;
}

/// The host calls this for the input it allocated and for every greeting it
/// was given. A Zig allocator keeps no header before a buffer: free needs the
/// slice, length included, which is why the contract passes `len` back.
export fn deallocate(ptr: [*]align(8) u8, len: usize) void {
    allocator.free(ptr[0..@max(len, 1)]);
}

/// Reads the name the host wrote (and does not keep or free it), and returns
/// "Hello, <name>!" packed in one u64: length in the high 32 bits, pointer in
/// the low 32. The host frees it with deallocate(ptr, len).
export fn greet(name_ptr: [*]const u8, name_len: usize) u64 {
    const name = name_ptr[0..name_len];
    const prefix = "Hello, ";
    const len = prefix.len + name.len + 1;
    const out = allocate(len)[0..len];
    @memcpy(out[0..prefix.len], prefix);
    @memcpy(out[prefix.len..][0..name.len], name);
    out[len - 1] = '!';
    return @as(u64, len) << 32 | @intFromPtr(out.ptr);
}
