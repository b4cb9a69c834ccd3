// Chapter 3: passing bytes in from a JavaScript host, the twin of
// harness/rust/tests/chapters/ch03_passing_bytes_in.rs: the same compiled
// listings, the same steps, the same expected outputs.
import assert from 'node:assert/strict';
import test from 'node:test';

import { expectFile, hex, instantiate, rustDebug } from './book.mjs';

// ANCHOR: call_with_bytes
/**
 * Calls the guest export `name(ptr, len)` on a copy of `bytes` placed in
 * the guest's memory through its `allocate` and `deallocate` exports.
 */
function callWithBytes(exports, name, bytes) {
  // 1. The guest reserves room in its memory. The host owns that buffer now.
  const ptr = exports.allocate(bytes.length) >>> 0; // an i32 arrives signed
  if (ptr === 0) throw new Error(`the guest could not allocate ${bytes.length} bytes`);
  try {
    // 2. The host copies its bytes in, through a view made after `allocate`
    //    (which may have grown the memory). `set` checks the bounds.
    new Uint8Array(exports.memory.buffer).set(bytes, ptr);
    // 3. The guest reads them in place.
    return exports[name](ptr, bytes.length);
  } finally {
    // 4. The host frees its buffer, with the size it asked for, also when
    //    the call failed.
    exports.deallocate(ptr, bytes.length);
  }
}
// ANCHOR_END: call_with_bytes

/** A payload of `length` bytes, like the JSON of wasmtime-go#174. */
function payload(length) {
  const pattern = new TextEncoder().encode('{"key": "value"}, ');
  return Uint8Array.from({ length }, (_, index) => pattern[index % pattern.length]);
}

const upper = (bytes) => bytes.map((byte) => (byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte));

test('the round trip', async () => {
  const exports = await instantiate('CH03_SUM_BYTES');
  // ANCHOR: round_trip
  const sum = callWithBytes(exports, 'sum_bytes', new Uint8Array([1, 2, 3, 250]));
  assert.equal(sum, 256);
  // ANCHOR_END: round_trip
});

test('who owns the buffer at each step', async () => {
  const { memory, allocate, sum_bytes: sumBytes, deallocate } = await instantiate('CH03_SUM_BYTES');
  const input = [1, 2, 3, 250];
  const ptr = allocate(4) >>> 0;
  new Uint8Array(memory.buffer).set(input, ptr);
  const sum = sumBytes(ptr, 4);
  deallocate(ptr, 4);
  assert.equal(sum, 256);
  const end = ptr + input.length;
  expectFile('ch03-passing-bytes-in/round-trip.mmd',
    'flowchart LR\n'
    + `  allocated["host: allocate(4)<br/>guest: ${hex(ptr)}<br/>the host owns ${hex(ptr)}..${hex(end)}"]\n`
    + `  written["host writes ${input.map((byte) => byte.toString(16).padStart(2, '0')).join(' ')}<br/>at ${hex(ptr)}"]\n`
    + `  called["host: sum_bytes(${hex(ptr)}, 4)<br/>guest: ${sum}<br/>the guest borrowed the bytes"]\n`
    + `  freed["host: deallocate(${hex(ptr)}, 4)<br/>the guest's allocator owns ${hex(ptr)}..${hex(end)}"]\n`
    + '  allocated --> written --> called --> freed\n');
});

/** What became of a payload of `length` bytes written at address 0, then uppercased by `shout`. */
async function shoutAtZero(length) {
  const exports = await instantiate('CH08_RUST_SHOUT');
  const input = payload(length);
  let packed;
  try {
    // ANCHOR: at_zero
    const { memory, shout } = exports;

    memory.grow(64); // 4 MiB more: the payload fits in memory
    new Uint8Array(memory.buffer).set(input, 0); // address 0: nobody allocated it
    packed = shout(0, input.length);
    // ANCHOR_END: at_zero
  } catch (error) {
    assert.ok(error instanceof WebAssembly.RuntimeError, String(error));
    return 'the call traps';
  }
  const ptr = Number(packed & 0xffff_ffffn);
  const output = new Uint8Array(exports.memory.buffer, ptr, Number(packed >> 32n));
  const wanted = upper(input);
  const first = output.findIndex((byte, index) => byte !== wanted[index]);
  if (first < 0 && output.length === wanted.length) return 'the right result';
  return `a wrong result, and no error: it differs from byte 0x${first.toString(16)} on`;
}

test('a payload written at address 0 paves over the guest', async () => {
  let report = "Chapter 8's Rust `shout`, the payload at address 0:\n";
  for (const kib of [100, 1024, 1100]) {
    report += `- ${kib} KiB: ${await shoutAtZero(kib * 1024)}\n`;
  }
  const exports = await instantiate('CH08_RUST_SHOUT');
  const input = payload(1100 * 1024);
  // ANCHOR: allocated
  // The same 1100 KiB where `allocate` puts them: the right result.
  const packed = callWithBytes(exports, 'shout', input);

  // `shout` returns its result's address and length packed in an i64, a
  // BigInt (chapter 4): copy the bytes out, then give the buffer back.
  const ptr = Number(packed & 0xffff_ffffn);
  const length = Number(packed >> 32n);
  const output = new Uint8Array(exports.memory.buffer, ptr, length).slice();
  exports.deallocate(ptr, length);
  assert.deepEqual(output, upper(input));
  // ANCHOR_END: allocated
  report += "Chapter 8's Rust `shout`, the payload where `allocate` put it:\n- 1100 KiB: the right result\n";
  expectFile('ch03-passing-bytes-in/payload-at-zero.txt', report);
});

test('host-owned pages are left alone', async () => {
  const exports = await instantiate('CH03_SUM_BYTES');
  // ANCHOR: host_owned_page
  const PAGE_SIZE = 65_536;
  const { memory, allocate, sum_bytes: sumBytes } = exports;

  // The host claims a page: it grows the memory and keeps the new page.
  const hostPage = memory.grow(1) * PAGE_SIZE;
  new Uint8Array(memory.buffer).set([1, 2, 3], hostPage);
  assert.equal(sumBytes(hostPage, 3), 6);

  // The guest allocates 1 MiB for itself: none of it is the host's page.
  for (let i = 0; i < 256; i += 1) {
    const ptr = allocate(4096) >>> 0;
    assert.ok(ptr + 4096 <= hostPage || ptr >= hostPage + PAGE_SIZE);
  }
  assert.deepEqual([...new Uint8Array(memory.buffer, hostPage, 3)], [1, 2, 3]);
  // ANCHOR_END: host_owned_page
});

test('the guest counts characters, not bytes', async () => {
  const exports = await instantiate('CH03_UTF8_STRINGS');
  // ANCHOR: count_chars
  // A JavaScript string is UTF-16: encode it as UTF-8 first.
  const text = new TextEncoder().encode('héllo, wörld');
  assert.equal(text.length, 14); // bytes
  assert.equal(callWithBytes(exports, 'count_chars', text), 12);

  // Bytes that are not UTF-8 are refused by the guest, not trusted.
  const notUtf8 = new Uint8Array([0x68, 0xff, 0x69]);
  assert.equal(callWithBytes(exports, 'count_chars', notUtf8), -1);
  // ANCHOR_END: count_chars
});

const STATE = new TextEncoder().encode("the host's state");

/**
 * The host grows the memory by a page and writes its state there, before
 * or after the guest starts (its `_initialize`); then the guest allocates
 * 16 blocks of 4 KiB. What is left of the host's state.
 */
async function hostPageAfter(name, growBeforeStart) {
  // WebAssembly.instantiate runs no `_initialize`: the host calls it.
  const exports = await instantiate(name);
  // ANCHOR: grown_before_start
  const PAGE_SIZE = 65_536;
  const { memory, allocate } = exports;
  // The guest's start-up code, if it has any (a Rust cdylib has none).
  const start = exports._initialize;
  if (start && !growBeforeStart) start();
  // The host claims a page, as the component adapter does for its state
  // and stack, and writes there.
  const hostPage = memory.grow(1) * PAGE_SIZE;
  new Uint8Array(memory.buffer).set(STATE, hostPage);
  if (start && growBeforeStart) start();
  const blocks = [];
  for (let i = 0; i < 16; i += 1) blocks.push(allocate(4096) >>> 0);
  const state = new Uint8Array(memory.buffer, hostPage, STATE.length);
  // ANCHOR_END: grown_before_start
  const inHostPage = blocks.filter((ptr) => ptr < hostPage + PAGE_SIZE && ptr + 4096 > hostPage);
  return `blocks in the host's page at 0x${hostPage.toString(16)}: `
    + `[${inHostPage.map((ptr) => `"0x${ptr.toString(16)}"`).join(', ')}]; `
    + `the host's state: ${rustDebug(state)}`;
}

test("a heap that ends at memory.size takes the host's page", async () => {
  const before = await hostPageAfter('CH03_HEAP_TO_MEMORY_SIZE', true);
  const after = await hostPageAfter('CH03_HEAP_TO_MEMORY_SIZE', false);
  const rustBefore = await hostPageAfter('CH03_SUM_BYTES', true);
  assert.ok(rustBefore.endsWith(`[]; the host's state: "the host's state"`), rustBefore);
  expectFile('ch03-passing-bytes-in/heap-to-memory-size.txt',
    'A heap that ends at memory.size (heap-to-memory-size.wat), 16 blocks of 4 KiB:\n'
    + `- the host's page grown before the guest starts: ${before}\n`
    + `- the host's page grown after it started: ${after}\n`
    + "Rust's allocator (sum-bytes), the same 16 blocks:\n"
    + `- the host's page grown before the first allocation: ${rustBefore}\n`);
});

/**
 * Instantiates the AssemblyScript guest with the `env.abort` it imports,
 * which records the message (an AssemblyScript string) and returns, as the
 * wasmtime-dotnet reader's host did.
 */
async function instantiateAsGreet() {
  const aborts = [];
  let memory;
  const abort = (message) => aborts.push(readAssemblyScriptString(memory, message));
  const exports = await instantiate('CH03_AS_GREET', { imports: { env: { abort } } });
  memory = exports.memory;
  return { exports, aborts };
}

/** The AssemblyScript string at `ptr`: its byte length is the 4 bytes before it. */
function readAssemblyScriptString(memory, ptr) {
  const length = new DataView(memory.buffer).getUint32(ptr - 4, true);
  return new TextDecoder('utf-16le').decode(new Uint8Array(memory.buffer, ptr, length));
}

test('a pointer to raw bytes is not a string', async () => {
  const { exports, aborts } = await instantiateAsGreet();
  // ANCHOR: raw_bytes
  const PAGE_SIZE = 65_536;
  const { memory, greet } = exports;
  // "world" as UTF-8, in a page the host grew for itself, and its address.
  const ptr = memory.grow(1) * PAGE_SIZE + 16;
  new Uint8Array(memory.buffer).set(new TextEncoder().encode('world'), ptr);
  assert.throws(() => greet(ptr), { name: 'RuntimeError', message: 'unreachable' });
  // ANCHOR_END: raw_bytes
  assert.deepEqual(aborts, ['a name cannot be empty']);
});

test('a string made with __new and pinned for the call', async () => {
  const { exports, aborts } = await instantiateAsGreet();
  // ANCHOR: as_string
  /** AssemblyScript's class id for `String`, `__new`'s second argument. */
  const STRING_ID = 2;
  const { memory, __new, __pin, __unpin, greet } = exports;

  // An object of the runtime, with room for the UTF-16 code units.
  const name = 'world';
  const ptr = __new(name.length * 2, STRING_ID) >>> 0;
  const view = new DataView(memory.buffer);
  for (let i = 0; i < name.length; i += 1) view.setUint16(ptr + 2 * i, name.charCodeAt(i), true);
  // Pinned: `greet` allocates, and an allocation may run the collector,
  // which knows of no reference to `ptr` but the pin.
  __pin(ptr);
  let greeting;
  try {
    greeting = greet(ptr) >>> 0;
  } finally {
    __unpin(ptr);
  }
  // The result is an object of the collector: read it before the next
  // call. Its length in bytes is the 4 bytes before it.
  const length = new DataView(memory.buffer).getUint32(greeting - 4, true);
  const bytes = new Uint8Array(memory.buffer, greeting, length);
  assert.equal(new TextDecoder('utf-16le').decode(bytes), 'Hello, world!');
  // ANCHOR_END: as_string
  assert.deepEqual(aborts, []);
});
