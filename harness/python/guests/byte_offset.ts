// Where a typed array's bytes are, asked three ways (the atlas's
// AssemblyScript card). Each export hands the host the same three bytes,
// 1, 2, 3, through an import that reads them from this module's memory.
// The host owns nothing here: it reads during the call and keeps no pointer.

// ANCHOR: import
@external("env", "read_bytes")
declare function read_bytes(ptr: usize, len: i32): void;
// ANCHOR_END: import

function oneTwoThree(): Uint8Array {
  const value = new Uint8Array(3);
  value[0] = 1;
  value[1] = 2;
  value[2] = 3;
  return value;
}

// ANCHOR: byte_offset
/// The mistake: `byteOffset` is where the view starts in its own
/// `ArrayBuffer` (0 for a new array), not an address in linear memory.
export function withByteOffset(): void {
  const value = oneTwoThree();
  read_bytes(value.byteOffset, value.byteLength);
}
// ANCHOR_END: byte_offset

// ANCHOR: data_start
/// The address of the first byte: `dataStart`, the buffer's address plus
/// the view's `byteOffset`.
export function withDataStart(): void {
  const value = oneTwoThree();
  read_bytes(value.dataStart, value.byteLength);
}

/// The same for a view that does not start at its buffer's first byte: the
/// buffer's address (`changetype<usize>`) plus `byteOffset`, here 1.
export function subarrayWithBufferAddress(): void {
  const tail = oneTwoThree().subarray(1);
  read_bytes(changetype<usize>(tail.buffer) + tail.byteOffset, tail.byteLength);
}
// ANCHOR_END: data_start

/// The subarray's `byteOffset` alone: 1, an index into its buffer.
export function subarrayWithByteOffset(): void {
  const tail = oneTwoThree().subarray(1);
  read_bytes(tail.byteOffset, tail.byteLength);
}
