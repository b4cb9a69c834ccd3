// BigInt and Number: an `i64` crosses as a BigInt (signed), an `i32` as a
// Number (signed), and a 64-bit memory hands over BigInt pointers. What
// the module does with each.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ErrorKind, Guest, POINTER_HIGH, Reason, copyOut, packPtrLen, readString, unpackPtrLen } from '../index.mjs';
import { instantiateLiar, refused } from './support.mjs';

test('unpacking and packing, in both orders', () => {
  const packed = 0x0000000e00110018n;
  assert.deepEqual(unpackPtrLen(packed), { ptr: 0x110018, len: 14 });
  assert.deepEqual(unpackPtrLen(packed, POINTER_HIGH), { ptr: 14, len: 0x110018 });
  assert.equal(packPtrLen(0x110018, 14), packed);
  assert.equal(packPtrLen(14, 0x110018, POINTER_HIGH), packed);
  // Bit 63 set (a length of 2 GiB or more in this order, a pointer of
  // 2 GiB or more pointer-high) makes the i64 negative, and `>> 32n` keeps
  // the sign; unpacking copes.
  assert.equal(-1n >> 32n, -1n);
  assert.deepEqual(unpackPtrLen(-1n), { ptr: 0xffffffff, len: 0xffffffff });
  assert.deepEqual(unpackPtrLen(-(2n ** 63n) + 16n), { ptr: 16, len: 2 ** 31 });
  // Packing is unsigned; an i64 parameter takes it as the same bits.
  assert.equal(packPtrLen(0xffffffff, 0xffffffff), 2n ** 64n - 1n);
  assert.throws(() => unpackPtrLen(16), { name: 'TypeError' }, 'a Number is not an i64');
});

test('a result whose i64 arrives negative is read as unsigned, then checked', () => {
  const exports = instantiateLiar({ result: packPtrLen(16, 2 ** 31) }); // bit 63: the length's top bit
  assert.ok(exports.lie() < 0n, 'the engine hands the i64 over signed');
  assert.throws(() => new Guest(exports).outputExport('lie').call(), refused(ErrorKind.BadResult, {
    reason: Reason.OutOfBounds, ptr: 16, len: 2 ** 31,
  }));
});

test('copyOut and readString take BigInts, both of them, as a 64-bit memory hands them over', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  new TextEncoder().encodeInto('hello', new Uint8Array(memory.buffer, 16, 5));
  assert.equal(readString(memory, 16n, 5n), 'hello');
  assert.deepEqual(copyOut(memory, 16n, 5n), copyOut(memory, 16, 5));

  // Past 4 GiB, where `Number(ptr) >>> 0` would have read address 0.
  assert.throws(() => copyOut(memory, 2n ** 32n, 9n), refused(ErrorKind.BadResult, {
    reason: Reason.OutOfBounds, ptr: 2n ** 32n, len: 9n,
    message: 'guest returned 9 bytes at 0x100000000, ending at 0x100000009, past the end of its 65536-byte memory',
  }));
  // An i64 arrives signed: -8n is 2^64 - 8, and 16 bytes from there wrap.
  assert.throws(() => copyOut(memory, -8n, 16n), refused(ErrorKind.BadResult, {
    reason: Reason.Overflow, ptr: 2n ** 64n - 8n,
    message: 'guest returned 16 bytes at 0xfffffffffffffff8: the end overflows a 64-bit address',
  }));
  assert.throws(() => copyOut(memory, 0n, 2n ** 40n), refused(ErrorKind.BadResult, {
    reason: Reason.TooLong, message: `guest returned ${2n ** 40n} bytes at 0x0, more than the ${16 << 20} bytes the host accepts`,
  }));
});

test('a BigInt pointer with a Number length, or the reverse, is refused, not mixed', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const message = (ptr, len) =>
    `a pointer and a length are both Numbers (a 32-bit memory) or both BigInts (a 64-bit memory), not a ${ptr} and a ${len}`;
  assert.throws(() => copyOut(memory, 16n, 5), { name: 'TypeError', message: message('bigint', 'number') });
  assert.throws(() => readString(memory, 16, 5n), { name: 'TypeError', message: message('number', 'bigint') });
});

test('i32 pointers arrive as signed Numbers; the module reads them unsigned', () => {
  // The liar's allocator returns what it was told; 0x80000000 crosses as -2^31.
  const exports = instantiateLiar({ allocation: 0x80000000 });
  assert.equal(exports.allocate(1), -(2 ** 31));
  assert.throws(() => new Guest(exports).copyIn('x'), refused(ErrorKind.BadAllocation, { ptr: 2 ** 31 }));
});
