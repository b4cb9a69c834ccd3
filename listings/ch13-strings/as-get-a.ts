// The function of AssemblyScript#2847, whose reader called it from another
// runtime and found the bytes [2, 0, 0, 0, 2, 0, 0, 0, 65] before the "A".

// ANCHOR: get_a
export function getA(): string {
  return "A";
}
// ANCHOR_END: get_a
