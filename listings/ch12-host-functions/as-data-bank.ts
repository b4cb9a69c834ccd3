// A module that reads a data bank the host wrote into memory before the
// module was instantiated. Built as every listing is, it defines and
// exports its memory; built with `--importMemory`, it imports `env.memory`
// instead, and the code below is the same: an imported memory is the
// module's one memory, read and written with the same loads and stores.
// `--memoryBase 65536` keeps the first page out of the module's reach.
//
// Ownership: the bank is the host's, and the module only reads it. The
// module's static data and its heap, from `--memoryBase` up, are its own;
// `keep` allocates on that heap and never frees.

// ANCHOR: bank
/// The sum of the `len` bytes of the bank at `ptr`: plain loads.
export function bankSum(ptr: usize, len: usize): u32 {
  let sum: u32 = 0;
  for (let i: usize = 0; i < len; i++) {
    sum += load<u8>(ptr + i);
  }
  return sum;
}
// ANCHOR_END: bank

/// A string of the module's static data, which it writes into memory when
/// it is instantiated.
export function name(): string {
  return "a data bank reader";
}

const kept = new Array<ArrayBuffer>();

/// Allocates `size` bytes on the module's heap and keeps them: the memory
/// grows past the host's first page and the module's data.
export function keep(size: i32): void {
  kept.push(new ArrayBuffer(size));
}
