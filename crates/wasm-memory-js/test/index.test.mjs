import assert from 'node:assert/strict';
import test from 'node:test';

import {
  GuestMemoryError, POINTER_HIGH, POINTER_LOW, callWithBytes, callWithString, copyOut, packPtrLen,
  readString, unpackPtrLen,
} from '../index.mjs';
import { instantiate } from './artifacts.mjs';

test('unpacking and packing, in both orders', () => {
  const packed = 0x0000000e00110018n;
  assert.deepEqual(unpackPtrLen(packed), { ptr: 0x110018, len: 14 });
  assert.deepEqual(unpackPtrLen(packed, POINTER_HIGH), { ptr: 14, len: 0x110018 });
  assert.equal(packPtrLen(0x110018, 14), packed);
  assert.equal(packPtrLen(14, 0x110018, POINTER_HIGH), packed);
  // A pointer at or above 2 GiB makes the i64 negative; unpacking copes.
  assert.deepEqual(unpackPtrLen(-1n), { ptr: 0xffffffff, len: 0xffffffff });
});

test('a round trip with a Rust guest', async () => {
  const guest = await instantiate('CH04_PACKED_RETURN');
  assert.equal(callWithString(guest, 'greet', 'Ferris'), 'Hello, Ferris!');
  assert.deepEqual([...callWithBytes(guest, 'greet', new Uint8Array([0x41]))], [...new TextEncoder().encode('Hello, A!')]);
});

test('every lie of the lying guest is refused with its reason', async () => {
  const guest = await instantiate('CH04_LYING_GUEST');
  const read = (name) => {
    const { ptr, len } = unpackPtrLen(guest[name]());
    return () => readString(guest.memory, ptr, len, 64 * 1024);
  };
  assert.throws(read('ends_past_memory'), { name: 'GuestMemoryError', message: /past the end of its 1114112-byte memory/ });
  assert.throws(read('length_wraps_around'), { message: /ending at 0x100000010, past the end/ });
  assert.throws(read('huge_length'), { message: /more than the 65536 bytes the host accepts/ });
  assert.throws(read('invalid_utf8'), { message: /that are not UTF-8/ });
  assert.throws(() => copyOut(guest.memory, 0, 1, 0), GuestMemoryError);
});

test('the input and the result are freed, also when the guest traps', async () => {
  const messages = [];
  const guest = await instantiate('CH08_RUST_SHOUT', { messages });

  assert.equal(callWithString(guest, 'shout', 'hello'), 'HELLO');
  assert.equal(guest.live(), 0);
  // Not UTF-8: `shout` traps, and the `finally` still frees the input.
  assert.throws(() => callWithBytes(guest, 'shout', new Uint8Array([0xff])), WebAssembly.RuntimeError);
  assert.equal(guest.live(), 0);
  assert.deepEqual(messages, []);
});

test('the other packing order, with a malloc/free guest', async () => {
  const guest = await instantiate('CH08_MALLOC_SHOUT');
  // callWithBytes speaks allocate/deallocate; this guest has malloc/free.
  const exports = { ...guest, allocate: guest.malloc, deallocate: (ptr) => guest.free(ptr) };
  assert.equal(callWithString(exports, 'shout', 'order', { order: POINTER_HIGH }), 'ORDER');
  // The book's order on this guest: the length becomes the pointer; the
  // length cap refuses the heap address that became the length.
  assert.throws(() => callWithString(exports, 'shout', 'order', { order: POINTER_LOW, maxLen: 65536 }), {
    message: /guest returned \d+ bytes at 0x5, more than the 65536 bytes/,
  });
});
