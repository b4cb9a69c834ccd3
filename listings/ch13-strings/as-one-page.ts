// What fills the one 64 KiB page of a small AssemblyScript guest, as in
// AssemblyScript#1884: static data, then (under the incremental runtime)
// the shadow stack, then the heap. The chapter's test compiles this file
// with each runtime and a memory that may not grow past one page.

// ANCHOR: keep
const kept = new Array<ArrayBuffer>();

/// Allocates 1 KiB and keeps it: how many are kept so far.
export function keep(): i32 {
  kept.push(new ArrayBuffer(1024));
  return kept.length;
}

/// Where static data ends.
export function dataEnd(): usize {
  return __data_end;
}

/// Where the heap starts: after static data and the shadow stack.
export function heapBase(): usize {
  return __heap_base;
}
// ANCHOR_END: keep
