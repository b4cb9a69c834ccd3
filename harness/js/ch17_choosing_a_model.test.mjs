// Chapter 17: the task (`shout` and `checksum`) in the two models whose
// host side is generated JavaScript: wasm-bindgen's glue, for
// listings/ch17-choosing-a-model/bindgen-shout, and the bindings asc
// generates, for as-shout.ts. Then each model's lying guest: a string that
// claims 16 bytes from 8 bytes before the end of memory.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import test from 'node:test';

import { Guest } from 'wasm-memory-js';
import { artifact, artifactPath, bindingsUrl, expectFile, glueUrl, instantiate, outcome } from './book.mjs';

test('wasm-bindgen: shout and checksum through the nodejs glue', () => {
  // ANCHOR: bindgen
  const require = createRequire(import.meta.url);
  const glue = require(path.join(artifactPath('CH17_BINDGEN_SHOUT_NODEJS'), 'ch17_bindgen_shout.js'));
  assert.equal(glue.shout('hello, ünïcode'), 'HELLO, ÜNÏCODE');
  assert.equal(glue.checksum(new Uint8Array([1, 2, 250])), 253);
  // ANCHOR_END: bindgen
});

test('wasm-bindgen: the glue trusts the (ptr, len) it is given, and subarray cuts it short', async () => {
  // ANCHOR: bindgen_liar
  // The web glue of bindgen-shout, run over lying-bindgen.wat instead of
  // the wasm it was generated with.
  const glue = await import(glueUrl('CH17_BINDGEN_SHOUT_WEB', 'ch17_bindgen_shout.js'));
  glue.initSync({ module: artifact('CH17_LYING_BINDGEN') });
  // subarray(ptr, ptr + 16) stops at the end of memory: 8 zero bytes,
  // which are valid UTF-8, so the fatal decoder has nothing to refuse.
  assert.equal(glue.shout('hello'), '\0'.repeat(8));
  // ANCHOR_END: bindgen_liar
  expectFile('ch17-choosing-a-model/liar-wasm-bindgen.txt', `${outcome(() => glue.shout('hello'))}\n`);
});

test('AssemblyScript: shout and checksum through the generated bindings', async () => {
  // ANCHOR: assemblyscript
  // The ES module asc generated beside the wasm (--bindings esm).
  const bindings = await import(bindingsUrl('CH17_AS_SHOUT'));
  assert.equal(bindings.shout('hello, ünïcode'), 'HELLO, ÜNÏCODE');
  assert.equal(bindings.checksum(new Uint8Array([1, 2, 250])), 253);
  // ANCHOR_END: assemblyscript
});

test('AssemblyScript: the bindings trust the length in the header, and subarray cuts it short', async () => {
  const bindings = await import(bindingsUrl('CH17_AS_SHOUT'));
  // ANCHOR: assemblyscript_liar
  // The header claims 16 bytes, 8 UTF-16 code units; 4 are in memory, in
  // the page the lie grew, which is zero.
  assert.equal(bindings.lie('hello'), '\0'.repeat(4));
  // ANCHOR_END: assemblyscript_liar
  expectFile('ch17-choosing-a-model/liar-assemblyscript.txt', `${outcome(() => bindings.lie('hello'))}\n`);
});

test('wasm-memory-js: the same lie is an error that says what was wrong', async () => {
  const exports = await instantiate('CH17_LYING_SHOUT');
  // ANCHOR: utility_liar
  // The hand-written liar of this chapter, under the utility's JavaScript
  // module: every (ptr, len) is checked before a view is made.
  const guest = new Guest(exports);
  assert.throws(() => guest.export('shout').callString('hello'), { name: 'WasmMemoryError' });
  // ANCHOR_END: utility_liar
  expectFile('ch17-choosing-a-model/liar-utility-js.txt', `${outcome(() => guest.export('shout').callString('hello'))}\n`);
});

test('rustwasm/book#29: calls from wasm into JavaScript, and from JavaScript into wasm', async () => {
  const items = 1_000_000;
  // ANCHOR: calls_both_ways
  // From wasm into JavaScript: the guest calls `next` once per item.
  let item = 0;
  const imports = { env: { next: () => BigInt(item++) } };
  const { instance } = await WebAssembly.instantiate(artifact('CH17_SUM_BY_CALLS'), imports);
  const { exports } = instance;
  const sum = exports.sum_by_calls(items);
  // From JavaScript into wasm: an export that does nothing (no items).
  for (let i = 0; i < items; i++) assert.equal(exports.sum_in_memory(0, 0), 0n);
  // ANCHOR_END: calls_both_ways
  assert.equal(item, items);
  assert.equal(sum, BigInt((items * (items - 1)) / 2));
});
