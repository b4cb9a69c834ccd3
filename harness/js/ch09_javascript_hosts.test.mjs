// Chapter 9: a JavaScript host, with the plain WebAssembly API.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import test from 'node:test';

import { Guest, Reason, WasmMemoryError, copyOut } from 'wasm-memory-js';
import { artifact, expectFile, instantiate } from './book.mjs';

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

// ANCHOR: bytes_of
/**
 * A view of all of `memory` that renews itself: `bytes()` returns the same
 * Uint8Array until the memory grows, then a new one. `view.buffer !==
 * memory.buffer` notices growth for both kinds of memory: a plain memory's
 * old buffer is detached (its views read as empty), a shared memory's stays
 * attached but stops short of the new pages.
 */
function bytesOf(memory) {
  let view = new Uint8Array(memory.buffer);
  return () => {
    if (view.buffer !== memory.buffer) view = new Uint8Array(memory.buffer);
    return view;
  };
}
// ANCHOR_END: bytes_of

test('after a grow, view.buffer !== memory.buffer: the one sign for both kinds of memory', () => {
  // ANCHOR: stale_sign
  const plain = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const plainView = new Uint8Array(plain.buffer);
  plain.grow(1);
  assert.equal(plainView.byteLength, 0); // detached: a length of 0 gives it away
  assert.notEqual(plainView.buffer, plain.buffer);

  const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const sharedView = new Uint8Array(shared.buffer);
  shared.grow(1);
  assert.equal(sharedView.byteLength, 65536); // never detached: its length says nothing
  assert.notEqual(sharedView.buffer, shared.buffer); // only this does
  // ANCHOR_END: stale_sign
});

test('bytesOf keeps one view until the memory grows, then renews it', () => {
  for (const shared of [false, true]) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared });
    const bytes = bytesOf(memory);
    const first = bytes();
    assert.equal(bytes(), first, `shared: ${shared}; no growth, no new view`);
    memory.grow(1);
    assert.notEqual(bytes(), first, `shared: ${shared}`);
    assert.equal(bytes().byteLength, 2 * 65536, `shared: ${shared}; the new view covers the new page`);
  }
});

test('a Number for an i64 parameter is a TypeError; a BigInt is the way in', async () => {
  const { next_i64 } = await instantiate('CH09_NUMBERS');
  // ANCHOR: bigint_param
  assert.equal(next_i64(1n), 2n);
  assert.throws(() => next_i64(1), { name: 'TypeError', message: 'Cannot convert 1 to a BigInt' });
  const count = 1; // a Number from elsewhere in the program
  assert.equal(next_i64(BigInt(count)), 2n); // converted first
  // ANCHOR_END: bigint_param
});

test('an i32 result arrives signed; >>> 0 reads it unsigned', async () => {
  const { next_i32 } = await instantiate('CH09_NUMBERS');
  // ANCHOR: i32_signed
  const wrapped = next_i32(2 ** 31 - 1); // the largest i32, plus one
  assert.equal(wrapped, -(2 ** 31)); // a pointer at 2 GiB would arrive like this
  assert.equal(wrapped >>> 0, 2 ** 31); // the unsigned reading
  assert.equal(next_i32(2 ** 32 - 1), 0); // a Number argument is taken modulo 2^32
  // ANCHOR_END: i32_signed
});

test('the same 64 bits, read signed and unsigned', async () => {
  const { next_i64 } = await instantiate('CH09_NUMBERS');
  // ANCHOR: two_readings
  assert.equal(next_i64(-1n), 0n);
  const wrapped = next_i64(2n ** 63n - 1n); // the largest i64, plus one
  assert.equal(wrapped, -(2n ** 63n)); // an i64 result arrives signed
  assert.equal(BigInt.asUintN(64, wrapped), 2n ** 63n); // the same bits as a u64
  assert.equal(BigInt.asIntN(64, 2n ** 63n), wrapped); // and back
  // An argument is taken modulo 2^64: 2^64 - 1 has the bits of -1.
  assert.equal(next_i64(2n ** 64n - 1n), 0n);
  // ANCHOR_END: two_readings
});

// ANCHOR: to_safe_number
/** `big` as a Number, or a RangeError if a Number cannot hold it exactly. */
function toSafeNumber(big) {
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${big} is not a safe integer: as a Number it would be rounded`);
  }
  return Number(big);
}
// ANCHOR_END: to_safe_number

test('2^53 + 1 is exact as a BigInt and rounded as a Number', async () => {
  const { next_i64 } = await instantiate('CH09_NUMBERS');
  // ANCHOR: past_safe
  assert.equal(next_i64(2n ** 53n), 2n ** 53n + 1n); // exact
  assert.equal(Number(2n ** 53n) + 1, 2 ** 53); // the same sum in Numbers: 1 is lost
  assert.equal(Number(next_i64(2n ** 53n)), 2 ** 53); // and converting rounds it too
  // ANCHOR_END: past_safe
});

test('toSafeNumber converts what a Number holds exactly, and refuses the rest', async () => {
  const { next_i64 } = await instantiate('CH09_NUMBERS');
  assert.equal(toSafeNumber(next_i64(2n ** 53n - 2n)), Number.MAX_SAFE_INTEGER);
  assert.throws(() => toSafeNumber(next_i64(2n ** 53n)), {
    name: 'RangeError',
    message: '9007199254740993 is not a safe integer: as a Number it would be rounded',
  });
  assert.throws(() => toSafeNumber(next_i64(-(2n ** 53n) - 1n)), {
    name: 'RangeError',
    message: '-9007199254740992 is not a safe integer: as a Number it would be rounded',
  });
});

// ANCHOR: resizable_table
/** The V8 flag that adds `toResizableBuffer` where it is not on by default. */
const RESIZABLE_BUFFERS_FLAG = '--experimental-wasm-rab-integration';

/**
 * What each pinned Node line does with
 * `WebAssembly.Memory.prototype.toResizableBuffer`, keyed by major version:
 * the V8 it ships (major.minor), whether the method is there by default,
 * and whether RESIZABLE_BUFFERS_FLAG adds it. A newly pinned line fails
 * until its row records what it does.
 */
const RESIZABLE_BUFFERS = {
  22: { v8: '12.4', byDefault: false, behindFlag: false },
  24: { v8: '13.6', byDefault: false, behindFlag: true },
  26: { v8: '14.6', byDefault: true, behindFlag: true },
};
// ANCHOR_END: resizable_table

/**
 * Run in a Node that has `toResizableBuffer`: a memory grown under a
 * length-tracking view of its resizable buffer.
 */
function lengthTrackingViewFollowsGrowth() {
  // ANCHOR: length_tracking
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const earlier = new Uint8Array(memory.buffer);
  const view = new Uint8Array(memory.toResizableBuffer()); // no length: it tracks the buffer's
  const before = view.byteLength;
  memory.grow(1);
  // ANCHOR_END: length_tracking
  return { earlier: earlier.byteLength, before, after: view.byteLength, sameBuffer: view.buffer === memory.buffer };
}

test('toResizableBuffer: what this Node has, as the table records it', () => {
  const thisNode = `Node ${process.versions.node} (V8 ${process.versions.v8})`;
  const row = RESIZABLE_BUFFERS[Number(process.versions.node.split('.')[0])];
  assert.ok(row, `${thisNode} has no row in RESIZABLE_BUFFERS: find out what it does and add one`);
  assert.ok(process.versions.v8.startsWith(`${row.v8}.`), `${thisNode}: the table says V8 ${row.v8}`);
  assert.equal(typeof WebAssembly.Memory.prototype.toResizableBuffer === 'function', row.byDefault, thisNode);
  const v8Options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  assert.equal(v8Options.includes(RESIZABLE_BUFFERS_FLAG), row.behindFlag, thisNode);

  // Where this Node can have it, a length-tracking view follows growth:
  // run in a Node started with the flag the row needs.
  if (row.byDefault || row.behindFlag) {
    const flags = row.byDefault ? [] : [RESIZABLE_BUFFERS_FLAG];
    const script = `JSON.stringify((${lengthTrackingViewFollowsGrowth})())`;
    const output = execFileSync(process.execPath, [...flags, '-p', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output), { earlier: 0, before: 65536, after: 131072, sameBuffer: true }, `${thisNode} ${flags}`);
  }
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
    'ch11-a-go-host-with-wazero/hosts-node.md',
    '| Node (JavaScript) | `new Uint8Array(memory.buffer, ptr, len)`: a view of the `ArrayBuffer` | ' +
      'the `ArrayBuffer` is detached: old views have length 0, read as empty, and drop writes | ' +
      `the \`Uint8Array\` constructor throws a \`RangeError\` | \`${hex}\` |\n`,
  );
});

// ANCHOR: read_prefixed
/**
 * The bytes at a length-prefixed pointer: all Numbers, no BigInt. The
 * 4-byte length is read from guest memory, so it is checked like the bytes
 * it announces (copyOut checks the range against the memory, and the cap).
 */
function readPrefixed(memory, ptr) {
  const len = new DataView(copyOut(memory, ptr, 4).buffer).getUint32(0, true); // little-endian, as wasm is
  return copyOut(memory, ptr + 4, len);
}
// ANCHOR_END: read_prefixed

test('a length prefix: one i32 result, and a length that is one more claim to check', async () => {
  const { memory, greeting, lying_greeting } = await instantiate('CH09_LENGTH_PREFIX');
  assert.equal(typeof greeting(), 'number');
  assert.equal(new TextDecoder().decode(readPrefixed(memory, greeting())), 'Hello, prefix!');
  assert.throws(() => readPrefixed(memory, lying_greeting()), (error) => {
    assert.ok(error instanceof WasmMemoryError);
    assert.equal(error.reason, Reason.TooLong); // 1 GiB is past copyOut's cap: refused before reading
    return true;
  });
});
