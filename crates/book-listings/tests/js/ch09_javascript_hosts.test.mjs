// Chapter 9: a JavaScript host, with the plain WebAssembly API. Run by
// `cargo test -p book-listings` (tests/book/js_hosts.rs), which sets
// BOOK_ARTIFACTS.
import assert from 'node:assert/strict';
import test from 'node:test';

import { Guest } from '../../../wasm-memory-js/index.mjs';
import { artifact, expectFile } from '../../../wasm-memory-js/test/artifacts.mjs';

test('a round trip with the plain WebAssembly API', async () => {
  // ANCHOR: round_trip
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  const { memory, allocate, deallocate, greet } = instance.exports;

  // In: allocate in the guest, encode straight into its memory.
  const name = 'Ferris';
  const capacity = name.length * 3; // the most UTF-8 bytes a JS string can need
  const namePtr = allocate(capacity);
  const { written } = new TextEncoder().encodeInto(name, new Uint8Array(memory.buffer, namePtr, capacity));

  // The call. An i64 result arrives as a BigInt.
  const packed = greet(namePtr, written);
  assert.equal(typeof packed, 'bigint');
  deallocate(namePtr, capacity);

  // Out: unpack with BigInt arithmetic, then make Numbers of the halves.
  const ptr = Number(packed & 0xffffffffn);
  const len = Number(packed >> 32n);
  // A fresh view: the calls above may have grown the memory.
  const greeting = new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));
  deallocate(ptr, len);
  assert.equal(greeting, 'Hello, Ferris!');
  // ANCHOR_END: round_trip
});

test('BigInt and Number do not mix', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  const { allocate, greet } = instance.exports;
  const packed = greet(allocate(1), 1);
  // ANCHOR: bigint_error
  assert.throws(() => packed & 0xffffffff, {
    name: 'TypeError',
    message: 'Cannot mix BigInt and other types, use explicit conversions',
  });
  // ANCHOR_END: bigint_error
});

test('memory.grow detaches every view made before it', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  const { memory, allocate } = instance.exports;
  const greeting = new TextEncoder().encode('Hello');
  // ANCHOR: stale
  const view = new Uint8Array(memory.buffer); // made before the call...
  view.set(greeting, 1024);

  allocate(4 << 20); // ...which allocates 4 MiB, so the guest grows its memory

  assert.equal(view.length, 0); // the old ArrayBuffer is detached
  assert.equal(new TextDecoder().decode(view), ''); // decodes as empty
  view[1024] = 0x21; // and writes to it vanish, without an error
  assert.equal(view[1024], undefined);

  // A fresh view sees the memory as it is now.
  const fresh = new Uint8Array(memory.buffer);
  assert.equal(new TextDecoder().decode(fresh.subarray(1024, 1029)), 'Hello');
  // ANCHOR_END: stale
});

test('memory.grow(0) detaches too', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  const { memory } = instance.exports;
  // ANCHOR: grow_zero
  const view = new Uint8Array(memory.buffer);
  const pages = memory.grow(0); // grows by nothing...
  assert.equal(memory.buffer.byteLength, pages * 65536);
  assert.equal(view.length, 0); // ...and still detaches the old buffer
  // ANCHOR_END: grow_zero
});

test('a shared memory does not detach, but old views do not grow', () => {
  // ANCHOR: shared
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const view = new Uint8Array(memory.buffer);
  memory.grow(1);
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  assert.equal(view.length, 65536); // still usable, still one page long
  assert.equal(memory.buffer.byteLength, 131072); // the new page needs a new view
  // ANCHOR_END: shared
  // Node's TextDecoder accepts a view of shared memory (browsers refuse; see
  // the browser tests).
  assert.equal(new TextDecoder().decode(view.subarray(0, 1)), '\0');
});

test('encodeInto writes only what fits, and says so', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  const { memory, allocate } = instance.exports;
  // ANCHOR: encode_into
  const ptr = allocate(3);
  const result = new TextEncoder().encodeInto('héllo', new Uint8Array(memory.buffer, ptr, 3));
  // 'h' takes one byte and 'é' two; 'l' would be the fourth: it stops there.
  assert.deepEqual(result, { read: 2, written: 3 });
  // ANCHOR_END: encode_into
});

test("Node's row of the table of hosts (chapter 11)", async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  const greeting = new Guest(instance).export('greet').callString('Ferris');
  assert.equal(greeting, 'Hello, Ferris!');
  const { memory } = instance.exports;
  const size = memory.buffer.byteLength;
  assert.throws(() => new Uint8Array(memory.buffer, size - 2, 4), RangeError);
  const hex = Buffer.from(greeting).toString('hex');
  expectFile(
    'ch11-hosts-node.md',
    '| Node (JavaScript) | `new Uint8Array(memory.buffer, ptr, len)`: a view of the `ArrayBuffer` | ' +
      'the `ArrayBuffer` is detached: old views have length 0, read as empty, and drop writes | ' +
      `the \`Uint8Array\` constructor throws a \`RangeError\` | \`${hex}\` |\n`,
  );
});
