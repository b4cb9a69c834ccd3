// Chapter 5: who frees what, from JavaScript. Each anchor shown on the page
// has a twin in the wasmtime, wazero and Python rooms that asserts the same
// thing on the same compiled listing, and writes the same expected file.
import assert from 'node:assert/strict';
import test from 'node:test';

import { artifact, expectFile, instantiate } from './book.mjs';

// ANCHOR: report_error
/**
 * Instantiates `wasm` (its bytes) with the import its allocator and its
 * panic hook report through, `wasm_memory.report_error(ptr, len)`. Returns
 * the exports and the messages, for the host to read after the trap.
 */
async function instantiateReporting(wasm) {
  const messages = [];
  let memory; // the guest's, once it is instantiated
  const reportError = (ptr, len) => {
    [ptr, len] = [ptr >>> 0, len >>> 0]; // i32s arrive signed
    // A message is a (ptr, len) like any other: check it before reading.
    if (ptr + len > memory.buffer.byteLength) {
      messages.push(`(${len} bytes at 0x${ptr.toString(16)}, outside memory)`);
      return;
    }
    messages.push(new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len)));
  };
  const { instance } = await WebAssembly.instantiate(wasm, { wasm_memory: { report_error: reportError } });
  memory = instance.exports.memory;
  return { exports: instance.exports, messages };
}
// ANCHOR_END: report_error

test("std's allocator traps on some wrong sizes in every build", async () => {
  const releaseWasm = artifact('CH05_WRONG_FREE');
  const debugWasm = artifact('CH05_WRONG_FREE_DEBUG');
  let traps = 0;
  // ANCHOR: wrong_size
  let report = '';
  for (const [allocated, freed] of [[64, 14], [14, 0x8000_0000]]) {
    report += `allocate(${allocated}), then deallocate(ptr, ${freed}):\n`;
    for (const [build, wasm] of [['release', releaseWasm], ['debug', debugWasm]]) {
      // A fresh instance each time: after a trap, the heap is whatever the
      // allocator left half done.
      const { exports, messages } = await instantiateReporting(wasm);
      const ptr = exports.allocate(allocated);
      let outcome = 'quiet';
      try {
        exports.deallocate(ptr, freed); // 0x80000000 reaches wasm as the same 32 bits
      } catch (trap) {
        assert.ok(trap instanceof WebAssembly.RuntimeError);
        // The panic hook reported the message before the trap.
        outcome = messages.join(' ').replaceAll('\n', ' ');
        traps += 1;
      }
      report += `  ${build}: ${outcome}\n`;
    }
  }
  // ANCHOR_END: wrong_size
  assert.equal(traps, 4, report);
  expectFile('ch05-who-frees-what/wrong-size-free.txt', report);
});

test('mismatched sizes and double frees are caught', async () => {
  const checkedWasm = artifact('CH05_CHECKED_ALLOCATOR');
  // ANCHOR: checked
  let report = '';

  // Listing 5-1 hands over 14 bytes of a 64-byte buffer.
  const first = await instantiateReporting(checkedWasm);
  const { memory, allocate, deallocate, greet_with_spare_capacity: greet } = first.exports;
  const namePtr = allocate(6);
  new Uint8Array(memory.buffer, namePtr, 6).set(new TextEncoder().encode('Ferris'));
  const packed = BigInt.asUintN(64, greet(namePtr, 6));
  deallocate(namePtr, 6);
  const ptr = Number(packed & 0xffff_ffffn);
  const len = Number(packed >> 32n);
  assert.throws(() => deallocate(ptr, len), WebAssembly.RuntimeError);
  report += `deallocate(0x${ptr.toString(16)}, ${len}): ${first.messages.join(' ')}\n`;

  // A block freed twice, in a fresh instance.
  const second = await instantiateReporting(checkedWasm);
  const block = second.exports.allocate(14);
  second.exports.deallocate(block, 14); // its one owner, with its size: quiet
  assert.throws(() => second.exports.deallocate(block, 14), WebAssembly.RuntimeError);
  report += `deallocate(0x${block.toString(16)}, 14) again: ${second.messages.join(' ')}\n`;
  // ANCHOR_END: checked

  expectFile('ch05-who-frees-what/checked-allocator.txt', report);
});

test('a grown block may move, and its old place is reused', async () => {
  const exports = await instantiate('CH05_REALLOCATE');
  // ANCHOR: moved
  const { memory, allocate, deallocate, reallocate } = exports;
  const text = (ptr) => new TextDecoder().decode(new Uint8Array(memory.buffer).slice(ptr, ptr + 16));
  let report = '';

  const old = allocate(16);
  new Uint8Array(memory.buffer, old, 16).set(new TextEncoder().encode('0123456789abcdef'));
  const neighbour = allocate(16);
  report += `allocate(16) = 0x${old.toString(16)}, then 0x${neighbour.toString(16)}\n`;

  // The block cannot grow where it is: the neighbour is in the way.
  const moved = reallocate(old, 16, 64);
  report += `reallocate(0x${old.toString(16)}, 16, 64) = 0x${moved.toString(16)}, holding "${text(moved)}"\n`;

  // `old` is free now, and the next allocation of its size gets it.
  const other = allocate(16);
  new Uint8Array(memory.buffer, other, 16).set(new TextEncoder().encode("someone else's.."));
  report += `allocate(16) = 0x${other.toString(16)}: at 0x${old.toString(16)} the host now reads "${text(old)}"\n`;

  // The host's rule: after a reallocation, only the new pointer.
  deallocate(moved, 64);
  deallocate(other, 16);
  deallocate(neighbour, 16);
  // ANCHOR_END: moved

  assert.notEqual(moved, old);
  assert.equal(other, old);
  expectFile('ch05-who-frees-what/reallocate-moved.txt', report);
});
