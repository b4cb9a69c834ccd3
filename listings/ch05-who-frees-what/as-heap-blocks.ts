// Blocks from AssemblyScript's `heap` module: its memory manager (TLSF),
// without the collector, like C's `malloc` and `free`.
//
// Ownership: every block is the guest's. `keepBlocks` keeps them all (it
// never frees one); `freeEachBlock` frees each before it asks for the next.
// The host passes numbers and gets none of the blocks.

// ANCHOR: blocks
/// Allocates `count` blocks of `size` bytes and keeps every one of them,
/// as the loop of AssemblyScript#2651 does.
export function keepBlocks(count: i32, size: usize): void {
  for (let i = 0; i < count; i++) {
    heap.alloc(size);
  }
}

/// The same blocks, each freed after use, as the maintainer suggested.
export function freeEachBlock(count: i32, size: usize): void {
  for (let i = 0; i < count; i++) {
    let ptr = heap.alloc(size);
    // ... use the block ...
    heap.free(ptr);
  }
}
// ANCHOR_END: blocks
