// An AssemblyScript guest for AssemblyScript#606: objects in a memory that
// two instances share. The chapter's test compiles it with
// `--importMemory --sharedMemory --enable threads`, as the reader did.

// ANCHOR: greeting
/// A new string, "hello, " + name: allocated by this instance's runtime.
export function greeting(name: string): string {
  return "hello, " + name;
}
// ANCHOR_END: greeting
