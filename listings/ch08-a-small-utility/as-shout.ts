// An AssemblyScript guest that takes bytes from the host and returns bytes:
// both are `ArrayBuffer`s, managed by the incremental collector.

// ANCHOR: shout
/// Uppercases the UTF-8 text in `input` into a new `ArrayBuffer`.
export function shout(input: ArrayBuffer): ArrayBuffer {
  return String.UTF8.encode(String.UTF8.decode(input).toUpperCase());
}
// ANCHOR_END: shout
