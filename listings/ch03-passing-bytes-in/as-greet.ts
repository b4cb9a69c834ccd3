// An AssemblyScript export that takes a string. To AssemblyScript, a
// `string` parameter is a pointer to an object of its runtime: UTF-16 code
// units, after a header whose last field, 4 bytes before the pointer, is
// the length in bytes. A host that is not JavaScript makes such an object
// with the runtime's `__new` (exported with `--exportRuntime`).
//
// Ownership: `name` belongs to the collector, like every object; the host
// pins it for the call. The result is an object of the collector too.

// ANCHOR: greet
/// Greets `name`, which must not be empty: an empty name is an error,
/// which AssemblyScript reports through the `abort` import, then traps.
export function greet(name: string): string {
  if (name.length == 0) throw new Error("a name cannot be empty");
  return "Hello, " + name + "!";
}
// ANCHOR_END: greet
