// An AssemblyScript guest for the greet recipes. It exports memory,
// allocate, deallocate and greet, and imports nothing: build.sh replaces
// the `env.abort` import AssemblyScript adds by default with `abort` below.

/// Returns the address of `len` fresh bytes (heap.alloc aligns to 16). They
/// are unmanaged memory: the garbage collector neither sees nor frees them,
/// so they stay put until `deallocate`.
export function allocate(len: i32): usize {
  return heap.alloc(<usize>len);
}

/// Frees a block `allocate` or `greet` returned. heap.free knows the block's
/// size; `len` is there for guests whose allocator needs it.
export function deallocate(ptr: usize, len: i32): void {
  heap.free(ptr);
}

/// Reads a UTF-8 name at `ptr` and returns "Hello, <name>!" as UTF-8, in a
/// block the host frees with `deallocate`, packed as (len << 32) | ptr.
export function greet(ptr: usize, len: i32): u64 {
  // AssemblyScript strings are UTF-16: the name's UTF-8 bytes are decoded
  // into one, and the greeting encoded back to UTF-8.
  const name = String.UTF8.decodeUnsafe(ptr, <usize>len);
  const encoded = String.UTF8.encode("Hello, " + name + "!");
  // `encoded` is a managed ArrayBuffer: the garbage collector frees it once
  // nothing in the guest refers to it, which may be during the host's next
  // call, and heap.free must not be given it. So the bytes are copied into
  // an unmanaged block, which is the host's to free.
  const size = <usize>encoded.byteLength;
  const out = heap.alloc(size);
  memory.copy(out, changetype<usize>(encoded), size);
  return (<u64>size << 32) | <u64>out;
}

/// Replaces AssemblyScript's default `abort` (an import, `env.abort`, the
/// host would have to provide): a failed assertion or check traps instead.
function abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
