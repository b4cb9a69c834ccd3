// The canonical ABI's side of `shout: func(text: string) -> string`,
// written by hand in AssemblyScript, which no generator of wit-bindgen
// targets. `as-component.wat` makes a component of this module.
//
// Ownership: the argument's buffer comes from `cabi_realloc` and belongs to
// `shout` once called, which frees it; the result's buffer belongs to the
// host until it calls `cabi_post_shout`, which frees it. Both are blocks of
// the runtime's heap (`heap.alloc`), not objects of its collector, so no
// collection can free them while only the host knows where they are.

// ANCHOR: realloc
/// The allocator the host calls to put arguments in: `realloc(0, 0, align,
/// size)` allocates, a non-zero `ptr` reallocates. AssemblyScript's heap
/// aligns every block to 16 bytes.
export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (align > 16) unreachable();
  if (newSize == 0) return align; // no block: any non-zero aligned address
  if (oldSize == 0) return heap.alloc(newSize);
  return heap.realloc(ptr, newSize);
}
// ANCHOR_END: realloc

// ANCHOR: shout
/// Where `shout` returns its result's (ptr, len): a static area of 8 bytes.
const RETURN_AREA = memory.data(8, 4);

/// Takes the UTF-8 at (ptr, len), frees it, and returns the address of the
/// return area, which holds the uppercased text's (ptr, len).
export function shout(ptr: usize, len: usize): usize {
  const text = String.UTF8.decodeUnsafe(ptr, len); // a managed string (UTF-16)
  if (len != 0) heap.free(ptr); // the argument is ours: free it
  const bytes = String.UTF8.encode(text.toUpperCase()); // a managed ArrayBuffer
  const length = <usize>bytes.byteLength;
  // Out of the collector's reach: a heap block, which the host owns until
  // it calls cabi_post_shout.
  const result = length == 0 ? 1 : heap.alloc(length);
  memory.copy(result, changetype<usize>(bytes), length);
  store<u32>(RETURN_AREA, <u32>result);
  store<u32>(RETURN_AREA, <u32>length, 4);
  return RETURN_AREA;
}

/// Post-return: called with what `shout` returned, once the host has copied
/// the result out.
export function cabi_post_shout(area: usize): void {
  if (load<u32>(area, 4) != 0) heap.free(load<u32>(area));
}
// ANCHOR_END: shout

/// The memory's size in pages: a test checks that calls leave none behind.
export function pages(): i32 {
  return memory.size();
}
