// Chapter 19: beyond one 32-bit memory, in a JavaScript host. Every test
// runs on each pinned Node release; where a release lacks a feature, the
// test asserts how it refuses, so the chapter's table of releases is
// checked too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { copyOut, readString } from 'wasm-memory-js';
import { artifact, artifactPath } from './book.mjs';

// The running Node's major release. In a page (the book's playgrounds run
// some of these blocks in Chromium, whose V8 is newer than every pinned
// Node's) the tests take the newest release's branch.
const nodeMajor = globalThis.process ? Number(process.versions.node.split('.')[0]) : Infinity;

async function instantiate(name, imports = {}, options) {
  const module = options
    ? new WebAssembly.Module(artifact(name), options)
    : new WebAssembly.Module(artifact(name));
  return (await WebAssembly.instantiate(module, imports)).exports;
}

test('memory64: every release runs the guest and hands over BigInt pointers', async (t) => {
  const { memory, allocate, shout_pair, tell, lie } = await instantiate('CH19_MEMORY64');
  // ANCHOR: memory64
  const text = new TextEncoder().encode('hello, memory64');
  const ptr = allocate(BigInt(text.length)); // an i64 parameter takes a BigInt...
  new Uint8Array(memory.buffer).set(text, Number(ptr)); // ...and a view takes a Number
  const [out, outLen] = shout_pair(ptr, BigInt(text.length)); // two results: an array
  assert.equal(typeof out, 'bigint');
  assert.equal(readString(memory, out, outLen), 'HELLO, MEMORY64');
  // ANCHOR_END: memory64
  await t.test('a Number where an i64 is expected is a TypeError', () => {
    assert.throws(() => allocate(16), { name: 'TypeError', message: 'Cannot convert 16 to a BigInt' });
  });
  await t.test('the checked read refuses a pointer past 4 GiB in BigInt arithmetic', () => {
    tell(2n ** 32n, 9n);
    const [lyingPtr, lyingLen] = lie();
    assert.throws(() => copyOut(memory, lyingPtr, lyingLen), {
      message: 'guest returned 9 bytes at 0x100000000, ending at 0x100000009, past the end of its 65536-byte memory',
    });
    // What `Number(ptr) >>> 0`, the 32-bit habit, would have read instead:
    assert.equal(readString(memory, Number(lyingPtr) >>> 0, Number(lyingLen)), 'page zero');
  });
  await t.test('an i64 arrives signed: a range that wraps past 2^64 is refused, not read', () => {
    tell(2n ** 64n - 8n, 16n);
    const [lyingPtr, lyingLen] = lie();
    assert.equal(lyingPtr, -8n, 'JavaScript sees the pointer as a negative BigInt');
    assert.throws(() => copyOut(memory, lyingPtr, lyingLen), {
      message: 'guest returned 16 bytes at 0xfffffffffffffff8: the end overflows a 64-bit address',
    });
  });
  await t.test('a BigInt pointer with a Number length is refused, not mixed', () => {
    assert.throws(() => copyOut(memory, out, 15), {
      name: 'TypeError',
      message: 'a pointer and a length are both Numbers (a 32-bit memory) or both BigInts (a 64-bit memory), not a bigint and a number',
    });
    // What JavaScript itself says when the two meet in arithmetic:
    assert.throws(() => out + 15, { name: 'TypeError', message: 'Cannot mix BigInt and other types, use explicit conversions' });
  });
  await t.test("the memory's own sizes: Numbers on Node 22, BigInts from Node 24", () => {
    if (nodeMajor < 24) {
      assert.equal(memory.grow(1), 1);
      assert.throws(() => memory.grow(1n), { name: 'TypeError', message: 'Cannot convert a BigInt value to a number' });
      return;
    }
    // ANCHOR: memory64_js
    assert.equal(memory.grow(1n), 1n); // pages, as BigInts
    const own = new WebAssembly.Memory({ address: 'i64', initial: 1n, maximum: 4n });
    assert.equal(own.buffer.byteLength, 65536);
    // ANCHOR_END: memory64_js
    assert.throws(() => memory.grow(1), { name: 'TypeError', message: 'Cannot convert 1 to a BigInt' });
  });
});

test('multi-memory: the host sees only the mailbox, on every release', async () => {
  const exports = await instantiate('CH19_MAILBOX');
  assert.deepEqual(Object.keys(exports).filter((name) => exports[name] instanceof WebAssembly.Memory), ['mailbox']);
  const request = new TextEncoder().encode('hello, mailbox');
  new Uint8Array(exports.mailbox.buffer).set(request, 0);
  const replyLen = exports.handle(request.length);
  assert.equal(readString(exports.mailbox, 0, replyLen), 'HELLO, MAILBOX');
  // The mailbox cannot grow, so its buffer is never detached.
  const buffer = exports.mailbox.buffer;
  assert.throws(() => exports.mailbox.grow(1), RangeError);
  assert.equal(exports.grow_heap(1), 1);
  assert.equal(exports.mailbox.buffer, buffer);
  assert.equal(buffer.byteLength, 65536);
});

// The worker: instantiates the writer with the shared memory it is sent,
// and publishes the greeting (or grows the memory) when told to.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, memory } = workerData;
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
parentPort.on('message', (order) => {
  if (order === 'publish') exports.publish(0, 64);
  if (order === 'grow') parentPort.postMessage(exports.grow(2));
  if (order === 'exit') process.exit(0);
});
parentPort.postMessage('ready');
`;

test('shared memory: a worker publishes, the main thread waits with Atomics.wait', async () => {
  // ANCHOR: shared
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  const worker = new Worker(WORKER, { eval: true, workerData: { bytes: artifact('CH19_SHARED_WRITER'), memory } });
  await new Promise((resolve) => worker.once('message', resolve)); // 'ready'
  worker.postMessage('publish');
  const flag = new Int32Array(memory.buffer, 0, 1);
  // Blocks this thread until the worker's `memory.atomic.notify`, unless
  // the flag is already set ('not-equal'); never 'timed-out' here.
  const woke = Atomics.wait(flag, 0, 0, 10_000);
  const message = readString(memory, 64, Atomics.load(flag, 0)); // a copy, then decoded
  // ANCHOR_END: shared
  assert.notEqual(woke, 'timed-out');
  assert.equal(message, 'hello from another thread');

  // ANCHOR: shared_grow
  const before = memory.buffer;
  worker.postMessage('grow');
  const oldPages = await new Promise((resolve) => worker.once('message', resolve));
  assert.equal(oldPages, 1);
  // Not detached: the old SharedArrayBuffer keeps its length and its bytes.
  assert.equal(before.byteLength, 65536);
  assert.equal(memory.buffer.byteLength, 3 * 65536);
  // ANCHOR_END: shared_grow
  assert.equal(new TextDecoder().decode(new Uint8Array(before, 64, 5)), 'hello');
  worker.postMessage('exit');
  await new Promise((resolve) => worker.once('exit', resolve));
});

test('WasmGC: the array is opaque to JavaScript, so bytes cross one call each', async () => {
  const { new_bytes, set_byte, byte_at, length, shout } = await instantiate('CH19_GC_BYTES');
  // ANCHOR: gc
  const text = new TextEncoder().encode('hello, gc');
  const array = new_bytes(text.length);
  text.forEach((byte, i) => set_byte(array, i, byte));
  const shouted = shout(array);
  const bytes = Uint8Array.from({ length: length(shouted) }, (_, i) => byte_at(shouted, i));
  // ANCHOR_END: gc
  assert.equal(new TextDecoder().decode(bytes), 'HELLO, GC');
  assert.equal(typeof shouted, 'object');
  assert.equal(shouted[0], undefined, 'no indexing from JavaScript');
  assert.deepEqual(Object.keys(shouted), []);
});

test('JS string builtins: strings cross with no memory, on every release', async () => {
  const wasmBytes = artifact('CH19_GC_STRINGS');
  // ANCHOR: builtins
  const module = new WebAssembly.Module(wasmBytes, { builtins: ['js-string'] });
  const { shout } = (await WebAssembly.instantiate(module, {})).exports;
  assert.equal(shout('hello, strings'), 'HELLO, STRINGS');
  // ANCHOR_END: builtins
  assert.equal(shout('caf\u00e9 \u{1d11e}'), 'CAF\u00e9 \u{1d11e}', 'UTF-16 code units, only ASCII shouted');
  // Without the option, the builtins are ordinary imports, and missing.
  await assert.rejects(instantiate('CH19_GC_STRINGS', {}), {
    name: 'TypeError',
    message: nodeMajor < 24
      ? 'WebAssembly.instantiate(): Import #0 module="wasm:js-string": module is not an object or function'
      : 'WebAssembly.instantiate(): Import #0 "wasm:js-string": module is not an object or function',
  });
});

test('resizable buffers: a view that follows growth, from Node 26', async () => {
  const { memory, grow } = await instantiate('CH19_GROWABLE');
  if (nodeMajor < 26) {
    assert.equal(memory.toResizableBuffer, undefined);
    return;
  }
  // ANCHOR: resizable
  const buffer = memory.toResizableBuffer();
  const view = new Uint8Array(buffer); // length-tracking: no length given
  assert.equal(view.length, 65536);
  grow(2);
  assert.equal(view.length, 3 * 65536); // still attached, and longer
  // ANCHOR_END: resizable
  assert.equal(buffer.resizable, true);
  assert.equal(buffer.maxByteLength, 4 * 65536, 'the maximum of the memory');
  assert.equal(memory.buffer, buffer, 'the memory hands out the same buffer from now on');
  // Resizing the buffer grows the memory, by whole pages and never down.
  buffer.resize(4 * 65536);
  assert.equal(view.length, 4 * 65536);
  assert.throws(() => buffer.resize(4 * 65536 - 1), RangeError);
  assert.throws(() => buffer.resize(65536), RangeError);
  // Switching back to a fixed-length buffer detaches the resizable one.
  memory.toFixedLengthBuffer();
  assert.equal(buffer.detached, true);
  assert.equal(view.length, 0);
  assert.throws(() => new WebAssembly.Memory({ initial: 1 }).toResizableBuffer(),
    { name: 'TypeError', message: 'WebAssembly.Memory.toResizableBuffer(): Memory must have a maximum' });
});

test('a module whose memory is not declared shared cannot be given a shared one', async () => {
  // ANCHOR: not_shared
  // wasm-bindgen's glue for a plain build: its memory's buffer is an ArrayBuffer.
  const glue = await import(pathToFileURL(path.join(artifactPath('CH10_BINDGEN_GREETER_WEB'), 'ch10_bindgen_greeter.js')).href);
  const raw = glue.initSync({ module: fs.readFileSync(path.join(artifactPath('CH10_BINDGEN_GREETER_WEB'), 'ch10_bindgen_greeter_bg.wasm')) });
  assert.equal(Object.prototype.toString.call(raw.memory.buffer), '[object ArrayBuffer]');

  // A Rust guest built on stable that imports its memory: handing it a
  // shared memory instead is refused when it is instantiated.
  const module = new WebAssembly.Module(artifact('CH12_IMPORTED_MEMORY'));
  const memory = new WebAssembly.Memory({ initial: 17, maximum: 64, shared: true });
  assert.throws(() => new WebAssembly.Instance(module, { env: { memory } }), {
    name: 'LinkError',
    message: nodeMajor < 24
      ? 'WebAssembly.Instance(): Import #0 module="env" function="memory": mismatch in shared state of memory, declared = 0, imported = 1'
      : 'WebAssembly.Instance(): Import #0 "env" "memory": mismatch in shared state of memory, declared = 0, imported = 1',
  });
  // ANCHOR_END: not_shared
});

test('emscripten#19345: 81920 pages is past a 32-bit memory; a 64-bit memory may have them', () => {
  // ANCHOR: past_4_gib
  // 5 GiB as a 32-bit memory: what -sMEMORY64=2 asks of the engine.
  assert.throws(() => new WebAssembly.Memory({ initial: 1, maximum: 81920 }), {
    name: 'RangeError',
    message: "WebAssembly.Memory(): Property 'maximum': value 81920 is above the upper bound 65536",
  });
  // The same maximum for a 64-bit memory: what -sMEMORY64 asks.
  const memory = nodeMajor < 24
    ? new WebAssembly.Memory({ index: 'i64', initial: 1, maximum: 81920 }) // Node 22: the draft's name, Numbers
    : new WebAssembly.Memory({ address: 'i64', initial: 1n, maximum: 81920n });
  memory.grow(nodeMajor < 24 ? 65536 : 65536n); // past 4 GiB
  assert.equal(memory.buffer.byteLength, 2 ** 32 + 65536);
  const bytes = new Uint8Array(memory.buffer);
  bytes[2 ** 32 + 5] = 7; // an address no 32-bit pointer can hold
  assert.equal(bytes[2 ** 32 + 5], 7);
  // ANCHOR_END: past_4_gib
  if (nodeMajor >= 24) {
    assert.throws(() => new WebAssembly.Memory({ address: 'i64', initial: 1n, maximum: 262145n }), {
      name: 'RangeError',
      message: "WebAssembly.Memory(): Property 'maximum': value 262145 is above the upper bound 262144",
    });
  }
});

// ANCHOR: strings
/** A new AssemblyScript string (class id 2) holding `text`, made by the runtime of `exports`. */
function lowerString(exports, memory, text) {
  const ptr = exports.__new(2 * text.length, 2) >>> 0;
  const units = new DataView(memory.buffer, ptr, 2 * text.length);
  for (let i = 0; i < text.length; i++) units.setUint16(2 * i, text.charCodeAt(i), true);
  return ptr;
}

/** The AssemblyScript string at `ptr`: its byte length is the u32 4 bytes before it. A copy, then decoded. */
function liftString(memory, ptr) {
  const byteLength = new DataView(memory.buffer).getUint32(ptr - 4, true);
  return new TextDecoder('utf-16le').decode(new Uint8Array(memory.buffer, ptr, byteLength).slice());
}
// ANCHOR_END: strings

/** listings/ch19-beyond-one-memory/as-threads.ts, compiled as AssemblyScript#606's reader did. */
async function compileForThreads() {
  const asc = await import(new URL('../../ci/assemblyscript/node_modules/assemblyscript/dist/asc.js', import.meta.url).href);
  const source = fs.readFileSync(fileURLToPath(new URL('../../listings/ch19-beyond-one-memory/as-threads.ts', import.meta.url)), 'utf8');
  // ANCHOR: as_threads_flags
  const { binary, error, stderr } = await asc.compileString({ 'as-threads.ts': source }, {
    importMemory: true, // env.memory, which the host makes and gives to every instance
    sharedMemory: true, // declared shared; asc requires a maximum
    maximumMemory: 16,
    enable: ['threads'],
    exportRuntime: true,
  });
  // ANCHOR_END: as_threads_flags
  assert.equal(error, null, String(stderr));
  return new WebAssembly.Module(binary);
}

test('AssemblyScript#606: a memory that is not shared reaches another thread only as a copy', async () => {
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (buffer) => {
      new Uint8Array(buffer)[1024] = 42;
      parentPort.postMessage('written');
    });`, { eval: true });
  const written = () => new Promise((resolve) => worker.once('message', resolve));
  // ANCHOR: copy_not_shared
  const plain = new WebAssembly.Memory({ initial: 1, maximum: 16 });
  assert.throws(() => worker.postMessage(plain), { name: 'DataCloneError', message: '#<Memory> could not be cloned.' });
  worker.postMessage(plain.buffer); // an ArrayBuffer is copied
  await written(); // the worker wrote 42 at address 1024 of its copy
  assert.equal(new Uint8Array(plain.buffer)[1024], 0); // the same address, other data

  const shared = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  worker.postMessage(shared.buffer); // a SharedArrayBuffer is shared
  await written();
  assert.equal(new Uint8Array(shared.buffer)[1024], 42);
  // ANCHOR_END: copy_not_shared
  await worker.terminate();
});

test('AssemblyScript#606: an object in shared memory is visible to another thread; two runtimes on it collide', async () => {
  const module = await compileForThreads();
  const abort = () => { throw new Error('abort'); };
  // ANCHOR: object_across_threads
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  const first = new WebAssembly.Instance(module, { env: { memory, abort } }).exports;
  const hello = first.greeting(lowerString(first, memory, 'worker')) >>> 0;
  // Another thread, given the memory and the address, reads the object.
  const worker = new Worker(`
    const { parentPort, workerData: { memory, ptr } } = require('node:worker_threads');
    const byteLength = new DataView(memory.buffer).getUint32(ptr - 4, true);
    const units = new Uint8Array(memory.buffer, ptr, byteLength).slice();
    parentPort.postMessage(new TextDecoder('utf-16le').decode(units));`, { eval: true, workerData: { memory, ptr: hello } });
  assert.equal(await new Promise((resolve) => worker.once('message', resolve)), 'hello, worker');
  // ANCHOR_END: object_across_threads

  await worker.terminate();
  // ANCHOR: two_runtimes
  // Two instances of the guest on one shared memory, as two threads would
  // have them: two runtimes, each sure that the heap is its own.
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  const one = new WebAssembly.Instance(module, { env: { memory: shared, abort } }).exports;
  const other = new WebAssembly.Instance(module, { env: { memory: shared, abort } }).exports;
  const mine = lowerString(one, shared, 'mine');
  const theirs = lowerString(other, shared, 'theirs');
  assert.equal(theirs, mine); // the same address, handed out twice
  assert.equal(liftString(shared, mine), 'theirs'); // the first runtime's object is overwritten
  // ANCHOR_END: two_runtimes
});
