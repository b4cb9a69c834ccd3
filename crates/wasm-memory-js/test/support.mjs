// What the tests share: the package's own guests (fixtures/README.md says
// what they export), and how they compare errors. Not a test file: `node
// --test test/*.test.mjs` runs only those.
import fs from 'node:fs';

/** The compiled module of `fixtures/<name>.wasm`: `guest` or `liar`. */
export function fixtureModule(name) {
  return new WebAssembly.Module(fs.readFileSync(new URL(`./fixtures/${name}.wasm`, import.meta.url)));
}

/** The exports of a new instance of `fixtures/<name>.wasm`, which imports nothing. */
export function instantiateFixture(name) {
  return new WebAssembly.Instance(fixtureModule(name), {}).exports;
}

/**
 * The exports of a new liar, told what its allocator returns (`allocation`)
 * and what `lie` and `lie_about` return (`result`, a BigInt such as
 * packPtrLen makes: an i64 parameter takes its bits, modulo 2^64).
 */
export function instantiateLiar({ allocation = 1024, result = 0n } = {}) {
  const exports = instantiateFixture('liar');
  exports.tell(allocation, result);
  return exports;
}

/** What `assert.throws` compares a WasmMemoryError with: its kind, and the rest as given. */
export const refused = (kind, rest = {}) => ({ name: 'WasmMemoryError', kind, ...rest });

/** `n` as the messages write an address: `0x` and lowercase hex. */
export const hex = (n) => `0x${n.toString(16)}`;
