// Chapter 4: returning bytes out, from JavaScript. Each anchor shown on the
// page has a twin in the wasmtime, wazero and Python rooms that asserts the
// same thing on the same compiled listing, and writes the same expected file.
import assert from 'node:assert/strict';
import test from 'node:test';

import { expectFile, instantiate } from './book.mjs';

// ANCHOR: checked_range
/** The most bytes this host copies out of a guest in one read. */
const MAX_LEN = 64 * 1024;

/**
 * Where `len` bytes at `ptr` lie in a memory of `memorySize` bytes, as
 * `[start, end]`, or a RangeError that says why the host refuses them. The
 * cap comes first, before any arithmetic or allocation; `ptr + len` is exact
 * in a JavaScript number, so an end past 32 bits is seen, not wrapped.
 */
function checkedRange(ptr, len, memorySize) {
  const at = `${len} bytes at 0x${ptr.toString(16)}`;
  if (len > MAX_LEN) throw new RangeError(`${at}: more than the ${MAX_LEN} bytes the host accepts`);
  const end = ptr + len;
  if (end > 0xffff_ffff) throw new RangeError(`${at}: the end overflows a 32-bit address`);
  if (end > memorySize) throw new RangeError(`${at}: past the end of the ${memorySize}-byte memory`);
  return [ptr, end];
}
// ANCHOR_END: checked_range

test('the host unpacks, reads and frees', async () => {
  const exports = await instantiate('CH04_PACKED_RETURN');
  // ANCHOR: read_packed
  const { memory, allocate, deallocate, greet } = exports;

  // The name goes in as in chapter 3, and is freed after the call.
  const name = new TextEncoder().encode('Ferris');
  const namePtr = allocate(name.length);
  new Uint8Array(memory.buffer, namePtr, name.length).set(name);
  // An i64 arrives as a BigInt, signed: read it as unsigned.
  const packed = BigInt.asUintN(64, greet(namePtr, name.length));
  deallocate(namePtr, name.length);

  // This book's order: pointer low, length high.
  const ptr = Number(packed & 0xffff_ffffn);
  const len = Number(packed >> 32n);
  const [start, end] = checkedRange(ptr, len, memory.buffer.byteLength);
  // `slice` copies: the bytes stay right after the guest frees them.
  const greeting = new TextDecoder('utf-8', { fatal: true })
    .decode(new Uint8Array(memory.buffer).slice(start, end));
  // The buffer is the host's now: free it with the length the guest gave.
  deallocate(ptr, len);

  assert.equal(greeting, 'Hello, Ferris!');
  // ANCHOR_END: read_packed
});

test('the wrong bit order is caught', async () => {
  const { memory, allocate, greet } = await instantiate('CH04_PACKED_RETURN');
  const namePtr = allocate(6);
  new Uint8Array(memory.buffer, namePtr, 6).set(new TextEncoder().encode('Ferris'));
  const packed = BigInt.asUintN(64, greet(namePtr, 6));

  // ANCHOR: wrong_order
  // wazero's examples put the pointer in the high bits. Read this
  // book's packing that way and the two numbers trade places:
  const ptr = Number(packed >> 32n);
  const len = Number(packed & 0xffff_ffffn);
  assert.throws(() => checkedRange(ptr, len, memory.buffer.byteLength), RangeError);
  // ANCHOR_END: wrong_order

  let refused;
  try {
    checkedRange(ptr, len, memory.buffer.byteLength);
  } catch (error) {
    refused = error;
  }
  expectFile(
    'ch04-returning-bytes-out/packed-return.txt',
    `packed = 0x${packed.toString(16).padStart(16, '0')}\n${refused.message}\n`,
  );
});

test('two results arrive as an array', async () => {
  const exports = await instantiate('CH04_MULTI_VALUE');
  // ANCHOR: call_multi_value
  const { memory, greeting } = exports;

  // A function with two results returns them in an array.
  const [ptr, len] = greeting();
  const [start, end] = checkedRange(ptr, len, memory.buffer.byteLength);
  const text = new TextDecoder().decode(new Uint8Array(memory.buffer).slice(start, end));
  assert.equal(text, 'Hello, multi-value!');
  // ANCHOR_END: call_multi_value
});

test('the host passes the out-pointer first', async () => {
  const exports = await instantiate('CH04_OUT_POINTER');
  // ANCHOR: call_hidden
  const { memory, allocate, deallocate, uppercase } = exports;

  const textPtr = allocate(5);
  new Uint8Array(memory.buffer, textPtr, 5).set(new TextEncoder().encode('shout'));
  // 8 bytes for the returned `GuestSlice { ptr, len }`.
  const out = allocate(8);

  // The hidden out-pointer comes first, before the Rust parameters.
  uppercase(out, textPtr, 5);

  const slot = new DataView(memory.buffer, out, 8);
  const ptr = slot.getUint32(0, true); // wasm is little-endian
  const len = slot.getUint32(4, true);
  const [start, end] = checkedRange(ptr, len, memory.buffer.byteLength);
  const shouted = new TextDecoder().decode(new Uint8Array(memory.buffer).slice(start, end));

  // Three buffers, three owners' duties: all three are the host's.
  deallocate(ptr, len);
  deallocate(out, 8);
  deallocate(textPtr, 5);
  assert.equal(shouted, 'SHOUT');
  // ANCHOR_END: call_hidden
});

test('every lie is caught with its own error', async () => {
  const exports = await instantiate('CH04_LYING_GUEST');
  // ANCHOR: lies
  const { memory } = exports;
  let report = '';
  for (const name of ['ends_past_memory', 'length_wraps_around', 'huge_length', 'invalid_utf8']) {
    // Signed as it arrives: a length of 2 GiB or more would come out negative.
    const packed = BigInt.asUintN(64, exports[name]());
    const ptr = Number(packed & 0xffff_ffffn);
    const len = Number(packed >> 32n);
    let refused;
    try {
      const [start, end] = checkedRange(ptr, len, memory.buffer.byteLength);
      // In bounds: the bytes must still be the UTF-8 the host expects.
      new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(memory.buffer, start, end - start));
    } catch (error) {
      refused = error instanceof RangeError
        ? error.message
        : `${len} bytes at 0x${ptr.toString(16)}: not UTF-8`; // a fatal TextDecoder's TypeError
    }
    assert.ok(refused, `${name} told the truth`);
    report += `${name}: ${refused}\n`;
  }
  // ANCHOR_END: lies
  expectFile('ch04-returning-bytes-out/lying-guest.txt', report);
});
