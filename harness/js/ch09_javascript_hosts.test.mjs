// Chapter 9: a JavaScript host, with the plain WebAssembly API.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import test from 'node:test';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';

import { Guest } from 'wasm-memory-js';
import { artifact, artifactPath, expectFile, instantiate } from './book.mjs';

test('a round trip with the plain WebAssembly API', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  // ANCHOR: round_trip
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

test('a wrong address: the guest traps, and a typed array counts its offset in elements', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH02_OUT_OF_BOUNDS'));
  // ANCHOR: wrong_address
  const { memory, load_byte } = instance.exports;

  // One byte past the end: the guest's load traps.
  assert.throws(() => load_byte(memory.buffer.byteLength), (trap) =>
    trap instanceof WebAssembly.RuntimeError
      && String(trap) === 'RuntimeError: memory access out of bounds');

  // A byte address used as a Float32Array offset is four times too far.
  const samples = new Float32Array(1024).fill(0.5);
  const ptr = memory.buffer.byteLength - samples.byteLength; // room for the samples, at the end
  const floats = new Float32Array(memory.buffer);
  assert.throws(() => floats.set(samples, ptr), (error) =>
    String(error) === 'RangeError: offset is out of bounds');
  floats.set(samples, ptr / Float32Array.BYTES_PER_ELEMENT); // the offset in elements
  assert.equal(new DataView(memory.buffer).getFloat32(ptr, true), 0.5);
  // ANCHOR_END: wrong_address
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
  // ANCHOR: stale
  const { memory, allocate } = instance.exports;
  const view = new Uint8Array(memory.buffer); // made before the call...
  view.set(new TextEncoder().encode('Hello'), 1024);
  const pagesBefore = memory.buffer.byteLength / 65536;

  allocate(4 << 20); // ...which allocates 4 MiB, so the guest grows its memory

  assert.equal(view.length, 0); // the old ArrayBuffer is detached
  assert.equal(new TextDecoder().decode(view), ''); // decodes as empty
  view[1024] = 0x21; // and writes to it vanish, without an error
  assert.equal(view[1024], undefined);

  // A fresh view sees the memory as it is now.
  const fresh = new Uint8Array(memory.buffer);
  const pagesAfter = fresh.length / 65536;
  const hello = new TextDecoder().decode(fresh.subarray(1024, 1029));
  // ANCHOR_END: stale
  expectFile('ch09-javascript-hosts/stale-view.txt',
    `before the call: ${pagesBefore} pages\nafter allocate(4 MiB): ${pagesAfter} pages\na fresh view reads "${hello}" at 1024\n`);
  // The figure of the chapter: the views and buffers before and after, with this run's sizes.
  expectFile('ch09-javascript-hosts/stale-view.mmd', [
    'flowchart LR',
    '  subgraph before["before allocate(4 MiB)"]',
    `    view1["view: ${pagesBefore * 65536} bytes"] --> buffer1["ArrayBuffer: ${pagesBefore} pages"]`,
    '  end',
    '  subgraph after["after the call"]',
    `    view2["the same view: ${view.length} bytes"] --> buffer2["that ArrayBuffer: detached"]`,
    `    fresh["fresh view: ${fresh.length} bytes"] --> buffer3["memory.buffer: ${pagesAfter} pages"]`,
    '  end',
    '',
  ].join('\n'));
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
  assert.equal(Object.prototype.toString.call(memory.buffer), '[object SharedArrayBuffer]');
  assert.equal(view.length, 65536); // still usable, still one page long
  assert.equal(memory.buffer.byteLength, 131072); // the new page needs a new view
  // ANCHOR_END: shared
  // Node's TextDecoder accepts a view of shared memory (browsers refuse; see
  // the browser tests).
  assert.equal(new TextDecoder().decode(view.subarray(0, 1)), '\0');
});

test('instanceof SharedArrayBuffer: false across realms, true after postMessage; the buffer\'s own tag always tells', async () => {
  // ANCHOR: shared_realms
  // A shared memory made in another realm (a vm context here; an iframe in a page)
  // has that realm's SharedArrayBuffer, not this one's.
  const foreign = vm.runInNewContext('new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer');
  assert.equal(foreign instanceof SharedArrayBuffer, false);
  // Asking the buffer what it is works in every realm, and needs no global.
  const isShared = (buffer) => Object.prototype.toString.call(buffer) === '[object SharedArrayBuffer]';
  assert.equal(isShared(foreign), true);
  // ANCHOR_END: shared_realms

  // A worker receives a posted SharedArrayBuffer as one of its own realm's.
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    parentPort.once('message', (buffer) => parentPort.postMessage({
      instanceOf: buffer instanceof SharedArrayBuffer,
      tag: Object.prototype.toString.call(buffer),
    }));`, { eval: true });
  worker.postMessage(memory.buffer);
  const [seen] = await once(worker, 'message');
  await worker.terminate();
  assert.deepEqual(seen, { instanceOf: true, tag: '[object SharedArrayBuffer]' });

  // Where the global is missing (a page that is not cross-origin isolated;
  // here, a context without it), instanceof throws before it can answer.
  const context = vm.createContext({ buffer: memory.buffer });
  vm.runInContext('delete globalThis.SharedArrayBuffer', context);
  assert.throws(() => vm.runInContext('buffer instanceof SharedArrayBuffer', context), {
    name: 'ReferenceError',
    message: 'SharedArrayBuffer is not defined',
  });
  assert.equal(vm.runInContext('Object.prototype.toString.call(buffer)', context), '[object SharedArrayBuffer]');
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

test('the numbers of Listing 9-1, as every host of the book reads them', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH09_NUMBERS'));
  // ANCHOR: numbers_host
  const { next_i64, next_i32 } = instance.exports;
  // An i64 is a BigInt: all 64 bits, so 2^53 + 1 is exact.
  const exact = next_i64(2n ** 53n);
  assert.equal(exact, 2n ** 53n + 1n);
  // It arrives signed: the largest i64, plus one, is the smallest.
  const wrapped = next_i64(2n ** 63n - 1n);
  assert.equal(wrapped, -(2n ** 63n));
  const wrappedUnsigned = BigInt.asUintN(64, wrapped); // the same 64 bits, unsigned
  // An i32 is a Number, signed too: a pointer at 2 GiB arrives negative.
  const pointer = next_i32(2 ** 31 - 1);
  assert.equal(pointer, -(2 ** 31));
  const pointerUnsigned = pointer >>> 0; // the same 32 bits, unsigned
  // ANCHOR_END: numbers_host
  expectFile('ch09-javascript-hosts/numbers.txt',
    `next_i64(2^53) = ${exact}\n` +
    `next_i64(2^63 - 1) = ${wrapped}, unsigned ${wrappedUnsigned}\n` +
    `next_i32(2^31 - 1) = ${pointer}, unsigned ${pointerUnsigned}\n`);
});

test('an i32 result arrives signed; >>> 0 reads it unsigned', async () => {
  const { next_i32 } = await instantiate('CH09_NUMBERS');
  const wrapped = next_i32(2 ** 31 - 1); // the largest i32, plus one
  assert.equal(wrapped, -(2 ** 31)); // a pointer at 2 GiB would arrive like this
  assert.equal(wrapped >>> 0, 2 ** 31); // the unsigned reading
  assert.equal(next_i32(2 ** 32 - 1), 0); // a Number argument is taken modulo 2^32
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

/**
 * Run in a Node that has `toResizableBuffer`: TextDecoder and encodeInto on
 * views of a resizable buffer and of a growable shared one, as the browser
 * test `decode_resizable` runs them in Chromium.
 */
function decodeResizableViews() {
  const attempt = (action) => {
    try {
      return action();
    } catch (error) {
      return `${error.name}: ${error.message}`;
    }
  };
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const view = new Uint8Array(memory.toResizableBuffer(), 0, 5);
  view.set(new TextEncoder().encode('hello'));
  const decoded = attempt(() => new TextDecoder().decode(view));
  const encoded = attempt(() => new TextEncoder().encodeInto('hello', view).written);
  const copied = new TextDecoder().decode(view.slice());
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const sharedView = new Uint8Array(shared.toResizableBuffer(), 0, 5);
  sharedView.set(new TextEncoder().encode('hello'));
  const sharedDecoded = attempt(() => new TextDecoder().decode(sharedView));
  const sharedCopied = new TextDecoder().decode(sharedView.slice());
  return { decoded, encoded, copied, sharedDecoded, sharedCopied, growable: sharedView.buffer.growable };
}

test("TextDecoder and encodeInto: Node takes views of resizable and growable buffers, which Chromium refuses", () => {
  const row = RESIZABLE_BUFFERS[Number(process.versions.node.split('.')[0])];
  assert.ok(row, `Node ${process.versions.node} has no row in RESIZABLE_BUFFERS`);
  if (!row.byDefault && !row.behindFlag) return; // Node 22: no resizable buffer of a memory to decode
  const flags = row.byDefault ? [] : [RESIZABLE_BUFFERS_FLAG];
  const script = `JSON.stringify((${decodeResizableViews})())`;
  const output = execFileSync(process.execPath, [...flags, '-p', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(output), {
    decoded: 'hello',
    encoded: 5,
    copied: 'hello',
    sharedDecoded: 'hello',
    sharedCopied: 'hello',
    growable: true,
  }, `Node ${process.versions.node} ${flags}`);
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
 * A copy of the bytes at a length-prefixed pointer. The 4-byte length is
 * read from guest memory, so it is checked like the bytes it announces.
 */
function readPrefixed(memory, ptr) {
  const size = memory.buffer.byteLength;
  if (ptr + 4 > size) throw new RangeError(`the length at ${ptr} runs past the end of memory (${size} bytes)`);
  const len = new DataView(memory.buffer).getUint32(ptr, true); // little-endian, as wasm is
  if (ptr + 4 + len > size) {
    throw new RangeError(`${len} bytes at ${ptr + 4} run past the end of memory (${size} bytes)`);
  }
  return new Uint8Array(memory.buffer).slice(ptr + 4, ptr + 4 + len); // slice copies
}
// ANCHOR_END: read_prefixed

test('a length prefix: one i32 result, and a length that is one more claim to check', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH09_LENGTH_PREFIX'));
  // ANCHOR: prefixed_calls
  const { memory, greeting, lying_greeting } = instance.exports;
  assert.equal(typeof greeting(), 'number'); // an i32: no BigInt
  const text = new TextDecoder().decode(readPrefixed(memory, greeting()));
  assert.equal(text, 'Hello, prefix!');
  let refused;
  try {
    readPrefixed(memory, lying_greeting()); // its prefix says 1 GiB
  } catch (error) {
    refused = error.message;
  }
  // ANCHOR_END: prefixed_calls
  expectFile('ch09-javascript-hosts/length-prefix.txt', `greeting: ${JSON.stringify(text)}\nlying_greeting: ${refused}\n`);
});

test('how big a memory may be: 2 GiB or 4 GiB up front, and what is past the limit', () => {
  // ANCHOR: memory_limits
  // emscripten#5559's memory: 2 GiB up front, up to 65535 pages. Accepted today.
  const twoGiB = new WebAssembly.Memory({ initial: 32768, maximum: 65535 });
  assert.equal(twoGiB.buffer.byteLength, 2 ** 31);
  // All of a 32-bit memory, 65536 pages of 64 KiB: 4 GiB.
  assert.equal(new WebAssembly.Memory({ initial: 65536 }).buffer.byteLength, 2 ** 32);
  // One page more is refused, up front or as a maximum...
  assert.throws(() => new WebAssembly.Memory({ initial: 65537 }), {
    name: 'RangeError',
    message: "WebAssembly.Memory(): Property 'initial': value 65537 is above the upper bound 65536",
  });
  assert.throws(() => new WebAssembly.Memory({ initial: 1, maximum: 65537 }), {
    name: 'RangeError',
    message: "WebAssembly.Memory(): Property 'maximum': value 65537 is above the upper bound 65536",
  });
  // ...and growth past the declared maximum, or past 4 GiB without one, throws.
  assert.throws(() => new WebAssembly.Memory({ initial: 1, maximum: 2 }).grow(2), {
    name: 'RangeError',
    message: 'WebAssembly.Memory.grow(): Maximum memory size exceeded',
  });
  assert.throws(() => new WebAssembly.Memory({ initial: 1 }).grow(65536), {
    name: 'RangeError',
    message: 'WebAssembly.Memory.grow(): Unable to grow instance memory',
  });
  // ANCHOR_END: memory_limits
});

// ANCHOR: run_with_address_space
/**
 * Runs `script` in a child Node with `flags`, its address space limited to
 * `kib` KiB (the shell's `ulimit -v`), and returns what it prints.
 */
function runWithAddressSpace(kib, flags, script) {
  return execFileSync('/bin/sh', ['-c', `ulimit -v ${kib} && exec "$0" "$@"`, process.execPath, ...flags, '-e', script], {
    encoding: 'utf8',
  });
}
// ANCHOR_END: run_with_address_space

test('growth can fail below the maximum when the process runs out of address space', () => {
  // ANCHOR: grow_fails_early
  // A memory that may grow to 4 GiB, grown 64 MiB at a time, in a process
  // limited to 3 GB of address space and without the region of address
  // space V8 reserves for each memory on 64-bit machines: a small device.
  const script = `
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    let pages = 1;
    try {
      for (;;) { memory.grow(1024); pages += 1024; }
    } catch (error) {
      console.log(JSON.stringify({ pages, error: error.name + ': ' + error.message }));
    }`;
  const { pages, error } = JSON.parse(runWithAddressSpace(3_000_000, ['--disable-wasm-trap-handler'], script));
  assert.equal(error, 'RangeError: WebAssembly.Memory.grow(): Unable to grow instance memory');
  assert.ok(pages > 1 && pages < 65536, `stopped at ${pages} pages, below the maximum`);
  // ANCHOR_END: grow_fails_early
});

test('dcodeIO/webassembly#19: a view made once is stale after the guest grows, and reading a string through it throws', async () => {
  const module = await WebAssembly.compile(artifact('CH09_GROW_NOTIFY'));
  // ANCHOR: view_made_once
  let bytes; // one view of the guest's memory, made once, as the loader of that thread did
  const logged = [];
  const env = {
    console_log: (ptr, len) => logged.push(new TextDecoder().decode(bytes.subarray(ptr, ptr + len))),
    memory_grew: () => {}, // the guest tells; this host does not listen
  };
  const { exports } = await WebAssembly.instantiate(module, { env });
  bytes = new Uint8Array(exports.memory.buffer);
  // The guest allocates 1 MiB, which grows its memory, then logs.
  assert.throws(() => exports.log_after_allocating(1 << 20), {
    name: 'TypeError',
    message: 'Cannot perform Construct on a detached ArrayBuffer',
  });
  // ANCHOR_END: view_made_once
  assert.deepEqual(logged, []);
});

test('a guest that says when it grew: the host rebuilds its view in the callback, and polls nothing', async () => {
  const module = await WebAssembly.compile(artifact('CH09_GROW_NOTIFY'));
  // ANCHOR: rebuild_on_grow
  let memory;
  let bytes;
  const logged = [];
  const grownTo = [];
  const env = {
    console_log: (ptr, len) => logged.push(new TextDecoder().decode(bytes.subarray(ptr, ptr + len))),
    // Called by the guest's allocator, inside the call, right after growth.
    memory_grew: (pages) => {
      bytes = new Uint8Array(memory.buffer);
      grownTo.push(pages);
    },
  };
  const { exports } = await WebAssembly.instantiate(module, { env });
  memory = exports.memory;
  bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < 4; i++) exports.log_after_allocating(1 << 20);
  assert.deepEqual(logged, Array(4).fill('allocated 1048576 bytes'));
  // ANCHOR_END: rebuild_on_grow
  assert.ok(grownTo.length >= 1, 'the guest grew and said so');
  assert.equal(grownTo.at(-1), memory.buffer.byteLength / 65536, 'with its size in pages');
  assert.equal(bytes.buffer, memory.buffer, 'the view is the current one');
  expectFile('ch09-javascript-hosts/grow-notify.txt', `logged: ${JSON.stringify(logged)}\ngrew to: ${grownTo.join(', ')} pages\n`);
});

test('design#1162: an ArrayBuffer cannot become a memory, and a memory\'s buffer cannot be handed over', () => {
  // ANCHOR: no_memory_from_buffer
  const message = new ArrayBuffer(1024); // what a WebSocket's onmessage hands over
  // There is no constructor that wraps it: a memory is made by the engine, its way.
  assert.throws(() => new WebAssembly.Memory(message), {
    name: 'TypeError',
    message: "WebAssembly.Memory(): Property 'initial' is required",
  });
  // And a memory's buffer cannot be transferred away from it either.
  const memory = new WebAssembly.Memory({ initial: 1 });
  assert.throws(() => memory.buffer.transfer(), {
    name: 'TypeError',
    message: 'ArrayBuffer is not detachable and could not be cloned.',
  });
  // ANCHOR_END: no_memory_from_buffer
});

test('bytes from elsewhere: one copy with set, or written in place by an API that takes a view', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH03_SUM_BYTES'));
  const file = artifactPath('CH03_SUM_BYTES'); // any file: this one starts with "\0asm"
  // ANCHOR: bytes_in
  const { memory, allocate, deallocate, sum_bytes } = instance.exports;
  // A message that arrived as an ArrayBuffer of its own: one copy, with set.
  const message = new Uint8Array([1, 2, 3, 4]).buffer;
  const ptr = allocate(message.byteLength);
  new Uint8Array(memory.buffer, ptr, message.byteLength).set(new Uint8Array(message));
  const messageSum = sum_bytes(ptr, message.byteLength);
  deallocate(ptr, message.byteLength);

  // An API that writes into a view the caller passes needs no copy: the
  // bytes land in the guest's memory. Node's fs.readSync is one:
  const fd = fs.openSync(file, 'r');
  const at = allocate(4);
  const read = fs.readSync(fd, new Uint8Array(memory.buffer, at, 4), 0, 4, 0);
  fs.closeSync(fd);
  assert.equal(read, 4);
  const fileSum = sum_bytes(at, 4); // the guest reads the file's first bytes
  deallocate(at, 4);
  // ANCHOR_END: bytes_in
  expectFile('ch09-javascript-hosts/bytes-in.txt', `a message copied in: sum ${messageSum}\n4 bytes read in place: sum ${fileSum}\n`);
  // crypto.getRandomValues writes into the view it is given, too.
  const random = allocate(16);
  const filled = crypto.getRandomValues(new Uint8Array(memory.buffer, random, 16));
  assert.equal(filled.buffer, memory.buffer);
  deallocate(random, 16);
});

test('a stream\'s BYOB reader cannot read into a view of the memory: it would transfer the buffer', async () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  // ANCHOR: byob
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      controller.byobRequest.view[0] = 42;
      controller.byobRequest.respond(1);
    },
  });
  const reader = stream.getReader({ mode: 'byob' });
  // "Bring your own buffer": but the reader takes the buffer over, and a
  // memory's buffer cannot be taken.
  await assert.rejects(reader.read(new Uint8Array(memory.buffer, 0, 4)), {
    name: 'TypeError',
    message: 'ArrayBuffer is not detachable and could not be cloned.',
  });
  // ANCHOR_END: byob
});

// ANCHOR: big_memory_script
/** Runs the ES module `script` like runWithAddressSpace, and parses the JSON it prints. */
function runModuleWithAddressSpace(kib, script) {
  const output = execFileSync('/bin/sh', ['-c', `ulimit -v ${kib} && exec "$0" "$@"`, process.execPath,
    '--disable-wasm-trap-handler', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(output);
}

/** What the child process runs: instantiate CH09_BIG_MEMORY (1 GiB), then grow it from wasm and from JavaScript. */
const BIG_MEMORY_SCRIPT = (path) => `
  import fs from 'node:fs';
  const attempt = async (action) => {
    try { return await action(); } catch (error) { return error.name + ': ' + error.message; }
  };
  const seen = {};
  let exports;
  seen.instantiate = await attempt(async () => {
    ({ instance: { exports } } = await WebAssembly.instantiate(fs.readFileSync(${JSON.stringify(path)})));
    return exports.memory.buffer.byteLength;
  });
  seen.smaller = await attempt(() => new WebAssembly.Memory({ initial: 256 }).buffer.byteLength);
  if (exports) {
    let pages = 16384;
    let result;
    while ((result = exports.grow(1024)) !== -1) pages += 1024;
    seen.grewTo = pages;
    seen.growInWasm = result;
    seen.growFromJs = await attempt(() => exports.memory.grow(1024));
  }
  console.log(JSON.stringify(seen));`;
// ANCHOR_END: big_memory_script

test('out of memory at instantiation: a RangeError when the process has no room for the memory; a smaller memory fits', () => {
  // ANCHOR: oom_at_instantiation
  // A module whose memory is 1 GiB up front (Listing 9-4), in a process
  // whose whole address space is 1.5 GB: a 32-bit browser, roughly.
  const seen = runModuleWithAddressSpace(1_500_000, BIG_MEMORY_SCRIPT(artifactPath('CH09_BIG_MEMORY')));
  assert.deepEqual(seen, {
    instantiate: 'RangeError: WebAssembly.instantiate(): Out of memory: Cannot allocate Wasm memory for new instance',
    smaller: 16 << 20, // 16 MiB is found
  });
  // ANCHOR_END: oom_at_instantiation
});

test('spec#584: memory.grow in wasm returns -1, Memory.prototype.grow throws a RangeError', () => {
  // ANCHOR: grow_fails_both_ways
  // The same module with 3 GB of address space: it is instantiated, then
  // grows from inside until memory.grow says -1.
  const seen = runModuleWithAddressSpace(3_000_000, BIG_MEMORY_SCRIPT(artifactPath('CH09_BIG_MEMORY')));
  assert.equal(seen.instantiate, 1 << 30);
  assert.equal(seen.growInWasm, -1); // no trap: the guest gets -1 and decides
  assert.ok(seen.grewTo >= 16384 && seen.grewTo < 65536, `stopped at ${seen.grewTo} pages`);
  assert.equal(seen.growFromJs, 'RangeError: WebAssembly.Memory.grow(): Unable to grow instance memory');
  // ANCHOR_END: grow_fails_both_ways
});

// ANCHOR: reserved_address_space
/** The address space this process has reserved, in bytes (Linux). */
function reservedAddressSpace() {
  return Number(/VmSize:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
}
// ANCHOR_END: reserved_address_space

test('emscripten#20946: each memory reserves 8 GiB or more of address space, whatever its size', () => {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  // ANCHOR: reservation
  const before = reservedAddressSpace();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 }); // 64 KiB, at most 1 MiB
  const reserved = reservedAddressSpace() - before;
  // V8 reserves room for every 32-bit address, and guard pages after it, so
  // that the hardware does the bounds checks: 8 GiB (10 GiB on Node 22).
  assert.equal(Math.round(reserved / 2 ** 30), nodeMajor < 24 ? 10 : 8);
  // ANCHOR_END: reservation
  assert.equal(memory.buffer.byteLength, 65536);
});

test('emscripten#20946: in 100 GB of address space, about ten memories of one page each, then none', () => {
  // ANCHOR: reservations_run_out
  const script = `
    const kept = [];
    try {
      for (;;) kept.push(new WebAssembly.Memory({ initial: 1, maximum: 65536 }));
    } catch (error) {
      console.log(JSON.stringify({ memories: kept.length, error: error.name + ': ' + error.message }));
    }`;
  const output = execFileSync('/bin/sh', ['-c', `ulimit -v 100000000 && exec "$0" "$@"`, process.execPath, '-e', script], { encoding: 'utf8' });
  const { memories, error } = JSON.parse(output);
  assert.equal(error, 'RangeError: WebAssembly.Memory(): could not allocate memory');
  assert.ok(memories >= 6 && memories <= 12, `${memories} memories of 64 KiB each`);
  // ANCHOR_END: reservations_run_out
});
