// A block with `using`, in a module of its own: Node 22 cannot parse it,
// and dispose.test.mjs records that rather than failing to load.

// ANCHOR: using_block
/**
 * Copies `text` into the guest, reads it back and hands the bytes to
 * `check`; the buffer is given back at the closing brace, also when
 * `check` throws.
 */
export function readBack(guest, text, check) {
  using buffer = guest.copyIn(text);
  const bytes = guest.read(buffer);
  check(bytes);
  return bytes.length;
}
// ANCHOR_END: using_block
