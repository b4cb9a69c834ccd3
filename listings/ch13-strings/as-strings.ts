// Strings the AssemblyScript way. A `string` is a managed object of class
// id 2 holding UTF-16LE code units; its length in bytes (twice the number
// of code units) is the 32-bit `rtSize` field 4 bytes before its first
// byte. The host creates one with `__new(2 * units, 2)`.

// ANCHOR: shout
/// Upper-cases a string the host made: a UTF-16 string in, a new one out.
/// The host owns neither: it reads the result at once, before the
/// collector can run again.
export function shout(text: string): string {
  return text.toUpperCase();
}
// ANCHOR_END: shout

// ANCHOR: join
/// Joins two strings the host made. Between the host's two `__new` calls
/// nothing refers to the first string but a number in the host, which the
/// collector cannot see: unless the host pins it, it may be collected.
export function join(first: string, second: string): string {
  return first + ", " + second;
}
// ANCHOR_END: join

// ANCHOR: utf8
/// The UTF-8 alternative: the host passes UTF-8 bytes in an `ArrayBuffer`
/// (class id 1) and gets UTF-8 bytes back, decoded and encoded by the
/// guest with `String.UTF8`.
export function shoutUtf8(bytes: ArrayBuffer): ArrayBuffer {
  return String.UTF8.encode(String.UTF8.decode(bytes).toUpperCase());
}
// ANCHOR_END: utf8

// ANCHOR: units
/// How many code units a string has: half its header's byte length.
export function units(text: string): i32 {
  return text.length;
}
// ANCHOR_END: units
