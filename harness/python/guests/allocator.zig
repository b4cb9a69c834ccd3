//! A host's buffer of floats, allocated two ways (the atlas's Zig card):
//! through std.heap.WasmAllocator's vtable, as a reader did, with a `ctx` of
//! their own, and through the std.mem.Allocator interface. The host owns
//! every buffer these exports return until it gives it back to the matching
//! free export, with the same count.
const std = @import("std");

// The reader's way: the vtable's functions, called directly. Their first
// parameter, `ctx`, is the allocator's state; WasmAllocator keeps its state
// in a global and ignores it, so any pointer goes.
var ctx: u32 = 42;

export fn alloc_floats_vtable(count: usize) ?[*]f32 {
    const bytes = std.heap.WasmAllocator.vtable.alloc(&ctx, count * @sizeOf(f32), .of(f32), @returnAddress()) orelse return null;
    return @ptrCast(@alignCast(bytes));
}

export fn free_floats_vtable(ptr: [*]f32, count: usize) void {
    const bytes: [*]u8 = @ptrCast(ptr);
    std.heap.WasmAllocator.vtable.free(&ctx, bytes[0 .. count * @sizeOf(f32)], .of(f32), @returnAddress());
}

// The interface: `std.heap.wasm_allocator` is already a std.mem.Allocator,
// and its methods pass `ctx` and the alignment for you. (Another allocator's
// `.allocator()` makes one the same way.)
const allocator = std.heap.wasm_allocator;

export fn alloc_floats(count: usize) ?[*]f32 {
    const floats = allocator.alloc(f32, count) catch return null;
    return floats.ptr;
}

export fn free_floats(ptr: [*]f32, count: usize) void {
    allocator.free(ptr[0..count]);
}

/// Reads the host's floats; keeps nothing.
export fn sum(ptr: [*]const f32, count: usize) f32 {
    var total: f32 = 0;
    for (ptr[0..count]) |x| total += x;
    return total;
}

// An allocator that does use `ctx`: a FixedBufferAllocator's state is its
// own struct, and `.allocator()` puts that struct's address in `ctx`.
var buffer: [64]u8 = undefined;
var fixed = std.heap.FixedBufferAllocator.init(&buffer);

export fn fixed_ctx_is_its_state() bool {
    const interface = fixed.allocator();
    return interface.ptr == @as(*anyopaque, @ptrCast(&fixed));
}
