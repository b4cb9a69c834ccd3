// The task of chapter 17 in AssemblyScript: the bindings asc generates
// (`--bindings esm`) copy a JavaScript string or Uint8Array into a new
// managed object, and read a returned string out of memory at once.

// ANCHOR: guest
/// Upper-cases `text` into a new string. Both are managed by the
/// collector: the host owns neither, and the bindings read the result
/// before the collector can run again.
export function shout(text: string): string {
  return text.toUpperCase();
}

/// The wrapping sum of the bytes. Only a number comes back.
export function checksum(bytes: Uint8Array): u32 {
  let sum: u32 = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i];
  return sum;
}
// ANCHOR_END: guest

// ANCHOR: lie
/// The lie of chapter 17 in AssemblyScript's terms, where a string is a
/// pointer and the header before it says how many bytes it has: a "string"
/// 8 bytes before the end of memory whose header claims 16 bytes, so that
/// it ends 8 bytes past the end. It ignores `text`.
export function lie(text: string): string {
  // A new page at the end, of its own: the allocator never hands out a
  // page it did not grow itself, so the header overwrites nothing.
  memory.grow(1);
  const end = (<usize>memory.size()) << 16;
  const ptr = end - 8;
  store<u32>(ptr - 8, idof<string>()); // the class id
  store<u32>(ptr - 4, 16); // the length in bytes
  return changetype<string>(ptr);
}
// ANCHOR_END: lie
