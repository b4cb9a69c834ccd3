// Chapter 10: the glue wasm-bindgen generates, for Node and for the web,
// running the guest of listings/ch10-wasm-bindgen/bindgen-greeter.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

import { artifactPath, expectFile, extractFunction, webGlue } from './book.mjs';

test('the nodejs glue: strings and bytes in and out', () => {
  // ANCHOR: nodejs
  const require = createRequire(import.meta.url);
  const glue = require(path.join(artifactPath('CH10_BINDGEN_GREETER_NODEJS'), 'ch10_bindgen_greeter.js'));

  assert.equal(glue.greet('Ferris'), 'Hello, Ferris!');
  assert.equal(glue.greet('wörld'), 'Hello, wörld!'); // not ASCII: realloc
  assert.deepEqual(glue.reverse_bytes(new Uint8Array([1, 2, 3])), new Uint8Array([3, 2, 1]));
  // ANCHOR_END: nodejs
});

test('the web glue, initialized from bytes as a page would from fetch', async () => {
  const dir = artifactPath('CH10_BINDGEN_GREETER_WEB');
  // ANCHOR: web
  const glue = await import(pathToFileURL(path.join(dir, 'ch10_bindgen_greeter.js')).href);
  glue.initSync({ module: fs.readFileSync(path.join(dir, 'ch10_bindgen_greeter_bg.wasm')) });
  assert.equal(glue.greet('web'), 'Hello, web!');
  // ANCHOR_END: web
});

test('ten thousand calls do not grow the memory: inputs and results are freed', async () => {
  const { glue, raw: exports } = await webGlue('CH10_BINDGEN_GREETER_WEB', 'ch10_bindgen_greeter');
  const name = 'ö'.repeat(100); // not ASCII: the realloc path too
  glue.greet(name);
  const size = exports.memory.buffer.byteLength;
  for (let i = 0; i < 10_000; i++) glue.greet(name);
  assert.equal(exports.memory.buffer.byteLength, size);
});

test('u64 and i64 are BigInts both ways, and the glue reads a u64 as unsigned', async () => {
  const { glue, raw, source } = await webGlue('CH10_BINDGEN_GREETER_WEB', 'ch10_bindgen_greeter');
  // ANCHOR: numbers
  assert.equal(glue.next_u64(2n ** 53n), 2n ** 53n + 1n); // exact past Number.MAX_SAFE_INTEGER
  assert.equal(glue.next_u64(2n ** 64n - 1n), 0n); // wraps, as u64 arithmetic does
  // The wasm function returns an i64, which arrives signed; the glue
  // makes a u64 non-negative again, and leaves an i64 as it is.
  assert.equal(raw.next_u64(2n ** 63n - 1n), -(2n ** 63n));
  assert.equal(glue.next_u64(2n ** 63n - 1n), 2n ** 63n);
  assert.equal(glue.next_i64(2n ** 63n - 1n), -(2n ** 63n));
  // No conversion on the way in: a Number is refused, as by the plain export.
  assert.throws(() => glue.next_u64(1), { name: 'TypeError', message: 'Cannot convert 1 to a BigInt' });
  // ANCHOR_END: numbers
  assert.match(extractFunction(source, 'export function next_u64('), /^ {4}return BigInt\.asUintN\(64, ret\);$/m);
  assert.doesNotMatch(extractFunction(source, 'export function next_i64('), /BigInt\.as/);
});

// What readers of wasm-bindgen programs run into with memory, on the guest
// of listings/ch10-wasm-bindgen/bindgen-memory (a memory of at most 16 MiB)
// and of bindgen-wee-alloc. Each test gets an instance of its own.

const memoryGuest = () => webGlue('CH10_BINDGEN_MEMORY_WEB', 'ch10_bindgen_memory');

// Node's release, where a message differs by release; in a page (the
// book's playgrounds), the browser's V8 is newer than every pinned Node's.
const nodeMajor = globalThis.process ? Number(process.versions.node.split('.')[0]) : Infinity;

test('Transaction.from_bytes works twelve times, then traps: nothing freed the objects', async () => {
  const { glue, raw } = await memoryGuest();
  // ANCHOR: never_freed
  const bytes = new Uint8Array(1 << 20); // 1 MiB, into a memory of at most 16 MiB
  let made = 0;
  assert.throws(() => {
    for (;;) {
      glue.Transaction.from_bytes(bytes); // garbage at once in JavaScript...
      made += 1; // ...but its megabyte stays in the guest's memory
    }
  }, (error) => String(error) === 'RuntimeError: unreachable'); // the allocator's failure aborts
  assert.equal(made, 12);
  assert.equal(raw.memory.buffer.byteLength, 255 * 65536); // one page short of 16 MiB: no room for another
  // ANCHOR_END: never_freed
});

test('with free() (or Symbol.dispose), a hundred calls stay in the same memory', async () => {
  const { glue, raw } = await memoryGuest();
  const bytes = new Uint8Array(1 << 20);
  glue.Transaction.from_bytes(bytes).free();
  const size = raw.memory.buffer.byteLength;
  // ANCHOR: freed
  for (let i = 0; i < 100; i++) {
    const transaction = glue.Transaction.from_bytes(bytes);
    assert.equal(transaction.size(), bytes.length);
    transaction.free(); // the guest drops it: its megabyte is reused by the next
  }
  // ANCHOR_END: freed
  assert.equal(raw.memory.buffer.byteLength, size);
  // The glue makes free() the class's Symbol.dispose too, for `using`.
  assert.equal(glue.Transaction.prototype[Symbol.dispose], glue.Transaction.prototype.free);
  const disposed = glue.Transaction.from_bytes(bytes);
  disposed[Symbol.dispose]();
  assert.equal(raw.memory.buffer.byteLength, size);
});

test('weak references free garbage objects only after the collector ran and the program yielded', async () => {
  const { glue, raw, source } = await memoryGuest();
  const bytes = new Uint8Array(1 << 20);
  // The constructor registers each object with the FinalizationRegistry
  // (before wasm-bindgen 0.2.93 it did not: wasm-bindgen#3854).
  expectFile('ch10-wasm-bindgen/glue-Transaction-constructor.js', extractFunction(source, 'constructor(bytes) {'));
  // Synchronous code: no finalizer can run before the loop returns.
  let made = 0;
  assert.throws(() => {
    for (;;) {
      new glue.Transaction(bytes);
      made += 1;
    }
  }, { name: 'RuntimeError', message: 'unreachable' });
  assert.equal(made, 12);

  // A fresh guest, and a program that yields, with the collector forced to
  // run (`gc`, which only a flag of V8 exposes): then the registry frees them.
  const { glue: again, raw: rawAgain } = await memoryGuest();
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  // ANCHOR: weak_refs
  for (let i = 0; i < 200; i++) {
    new again.Transaction(bytes); // 200 MiB in all, through 16 MiB of memory
    gc(); // the collector finds the garbage wrapper...
    await new Promise((resolve) => setTimeout(resolve, 0)); // ...and, once we yield, its finalizer runs
  }
  // ANCHOR_END: weak_refs
  assert.ok(rawAgain.memory.buffer.byteLength < raw.memory.buffer.byteLength);
});

test('&mut [u8] is copied into the guest and copied back after the call', async () => {
  const { glue, raw, source } = await memoryGuest();
  // ANCHOR: mut_slice
  const input = new Uint8Array([1, 2, 3]);
  const output = new Uint8Array(3); // a JavaScript array, outside the guest's memory
  glue.expensive_work(input, output);
  assert.deepEqual(output, new Uint8Array([2, 4, 6])); // the guest's writes, copied back
  assert.notEqual(output.buffer, raw.memory.buffer);
  // ANCHOR_END: mut_slice
  expectFile('ch10-wasm-bindgen/glue-expensive_work.js', extractFunction(source, 'export function expensive_work('));
  const copyBack = source.split('\n').find((line) => line.includes('__wbindgen_copy_to_typed_array_'));
  assert.ok(copyBack, 'the glue has an import that copies a slice back into a JavaScript array');
});

test('a Vec<f32> is copied both ways; a Float32Array crosses as one handle', async () => {
  const { glue, raw, source } = await memoryGuest();
  // ANCHOR: copy_or_handle
  assert.deepEqual(glue.process_audio(new Float32Array([1, 2])), new Float32Array([0.5, 1]));
  assert.equal(glue.peak_of(new Float32Array([1, -3, 2])), 3);
  // Under the glue: a (ptr, len) into the guest's memory, or one reference.
  assert.equal(raw.process_audio.length, 2);
  assert.equal(raw.peak_of.length, 1);
  // ANCHOR_END: copy_or_handle
  expectFile('ch10-wasm-bindgen/glue-process_audio.js', extractFunction(source, 'export function process_audio('));
  expectFile('ch10-wasm-bindgen/glue-peak_of.js', extractFunction(source, 'export function peak_of('));
});

test('samples that live in the guest: written and read through a view, never copied', async () => {
  const { glue, raw } = await memoryGuest();
  // ANCHOR: samples_view
  const samples = new glue.Samples(4); // allocated in the guest's memory
  new Float32Array(raw.memory.buffer, samples.ptr(), samples.len()).set([2, 4, 6, 8]);
  samples.process(); // works on them in place
  // A fresh view: any call may have grown the memory.
  const view = new Float32Array(raw.memory.buffer, samples.ptr(), samples.len());
  assert.deepEqual(view, new Float32Array([1, 2, 3, 4]));
  samples.free();
  // ANCHOR_END: samples_view
});

test('wasm-bindgen#4392: a view of the memory made before an allocation is stale mid-copy', async () => {
  // A fresh guest for each: once its table of objects has grown, it does not again.
  const { glue: checked } = await memoryGuest();
  const { glue: old } = await memoryGuest();
  const { glue: fixed } = await memoryGuest();
  // ANCHOR: stale_mid_copy
  // The reader's check: the 8,191st view made the old way had length 0, and
  // a second one made right after it had the memory's real length.
  assert.deepEqual(checked.first_stale_view(10_000), new Uint32Array([8190, 0, 1376256]));
  // So the copy as js-sys wrote it before 0.2.102 throws...
  assert.throws(() => old.copy_many_the_old_way(10_000), {
    name: 'TypeError',
    message: nodeMajor < 26
      ? 'Cannot perform %TypedArray%.prototype.set on a detached ArrayBuffer'
      : 'Cannot perform %TypedArray%.prototype.set on a detached or out-of-bounds ArrayBuffer',
  });
  // ...and js-sys's copy_to, which since 0.2.102 makes no view in between, does not.
  assert.equal(fixed.copy_many_with_js_sys(10_000), 10_000);
  // ANCHOR_END: stale_mid_copy
});

test('wee_alloc keeps two pages per call of reverse_bytes with 64 KiB; the default allocator none', async () => {
  const leaks = {};
  for (const [constant, stem] of [
    ['CH10_BINDGEN_WEE_ALLOC_WEB', 'ch10_bindgen_wee_alloc'],
    ['CH10_BINDGEN_GREETER_WEB', 'ch10_bindgen_greeter'],
  ]) {
    const { glue, raw } = await webGlue(constant, stem);
    leaks[stem] = {};
    for (const size of [1024, 16384, 32768, 65536]) {
      // ANCHOR: wee_alloc_leak
      const bytes = new Uint8Array(size);
      glue.reverse_bytes(bytes);
      const before = raw.memory.buffer.byteLength;
      for (let i = 0; i < 100; i++) glue.reverse_bytes(bytes); // input and result both freed
      const grownPerCall = (raw.memory.buffer.byteLength - before) / 100;
      // ANCHOR_END: wee_alloc_leak
      leaks[stem][size] = grownPerCall;
    }
  }
  assert.deepEqual(leaks, {
    ch10_bindgen_wee_alloc: { 1024: 0, 16384: 0, 32768: 65536, 65536: 131072 },
    ch10_bindgen_greeter: { 1024: 0, 16384: 0, 32768: 0, 65536: 0 },
  });
});

test('wasm-bindgen#2201: a callback holding memory, freed when JavaScript calls it, kept when it never does', async () => {
  const MiB = 1 << 20;
  // ANCHOR: once_called
  const { glue, raw } = await memoryGuest();
  const callNow = (callback) => callback(); // a JavaScript function that calls what it is given
  glue.hand_over_once(MiB, callNow);
  const size = raw.memory.buffer.byteLength;
  for (let i = 0; i < 100; i++) glue.hand_over_once(MiB, callNow); // 100 MiB through 16 MiB
  assert.equal(raw.memory.buffer.byteLength, size); // each call freed its megabyte
  // ANCHOR_END: once_called

  // ANCHOR: once_never_called
  const { glue: again } = await memoryGuest();
  const never = () => {}; // a JavaScript function that drops the callback
  let handedOver = 0;
  assert.throws(() => {
    for (;;) {
      again.hand_over_once(MiB, never);
      handedOver += 1;
    }
  }, { name: 'RuntimeError', message: 'unreachable' });
  assert.equal(handedOver, 14); // each callback kept its megabyte until the memory was full
  // ANCHOR_END: once_never_called
});

test('wasm-bindgen#2201: a callback never called is freed by the collector only if given up with into_js_value', async () => {
  const MiB = 1 << 20;
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const never = () => {};
  const outcome = {};
  for (const name of ['hand_over_once', 'hand_over_to_the_collector']) {
    const { glue } = await memoryGuest();
    // ANCHOR: collector_frees
    try {
      for (let i = 0; i < 100; i++) {
        glue[name](MiB, never); // 100 MiB of callbacks, none called, into 16 MiB
        gc(); // the collector finds the dropped function...
        await new Promise((resolve) => setTimeout(resolve, 0)); // ...and its finalizer runs
      }
      outcome[name] = 'freed';
    } catch (error) {
      outcome[name] = String(error);
    }
    // ANCHOR_END: collector_frees
  }
  assert.deepEqual(outcome, {
    hand_over_once: 'RuntimeError: unreachable', // Closure::once_into_js: freed only by calling it
    hand_over_to_the_collector: 'freed', // Closure::into_js_value: freed by the collector
  });
});

test('wasm-bindgen#2201: a callback that Rust keeps is freed by free(), whether or not it was called', async () => {
  const { glue, raw } = await memoryGuest();
  new glue.Callback(1 << 20).free();
  const size = raw.memory.buffer.byteLength;
  // ANCHOR: callback_free
  for (let i = 0; i < 100; i++) {
    const callback = new glue.Callback(1 << 20); // a closure holding 1 MiB, kept in Rust
    if (i % 2 === 0) assert.equal(callback.function()(), 1 << 20); // called, or not
    callback.free(); // Rust drops the closure: its megabyte is free, the function dead
  }
  // ANCHOR_END: callback_free
  assert.equal(raw.memory.buffer.byteLength, size);
});

test('wasm-bindgen#968 and #4395: a view made in Rust shares the memory, and the next growth detaches it', async () => {
  const { glue, raw } = await memoryGuest();
  // ANCHOR: views_from_rust
  const samples = new glue.Samples(4);
  const view = samples.view_by_subarray(); // Float32Array::new(&memory.buffer()).subarray(..)
  assert.equal(view.buffer, raw.memory.buffer); // the guest's memory itself: no copy
  assert.equal(view.byteOffset, samples.ptr());
  view.set([2, 4, 6, 8]); // so writes through it are the guest's samples
  samples.process();
  assert.deepEqual([...samples.view()], [1, 2, 3, 4]); // Float32Array::view: the same, made by js-sys

  const made = samples.view();
  glue.Transaction.from_bytes(new Uint8Array(2 << 20)); // any call that allocates enough to grow...
  assert.equal(made.length, 0); // ...detaches both
  assert.equal(view.length, 0);
  assert.deepEqual([...samples.view()], [1, 2, 3, 4]); // a view made after it is good
  // ANCHOR_END: views_from_rust
});

test('wasm-bindgen#2456: a Float64Array over memory the guest allocated; Rust reads it in place', async () => {
  const { glue, raw } = await memoryGuest();
  // ANCHOR: f64_view
  const values = [0.5, 1.5, 2, 4];
  const ptr = glue.alloc_f64s(values.length); // room in the guest's memory, at a byte address
  // The second and third arguments select the region: a byte offset, then a count of f64s.
  new Float64Array(raw.memory.buffer, ptr, values.length).set(values);
  assert.equal(glue.sum_f64s(ptr, values.length), 8); // the pointer and the count: no copy
  glue.free_f64s(ptr, values.length);
  // ANCHOR_END: f64_view
});

test('dlmalloc-rs#41: a string allocated for the worst case and freed with its length panics in dlmalloc', async () => {
  const { raw } = await memoryGuest();
  // ANCHOR: pass_string_before_0_2_92
  /**
   * How wasm-bindgen's glue passed a string before 0.2.92: room for the
   * worst case (3 bytes per UTF-16 unit after the first non-ASCII one),
   * then the length written, with the room never shrunk to it.
   */
  function passStringBefore0292(text) {
    let len = text.length;
    let ptr = raw.__wbindgen_malloc(len, 1) >>> 0;
    let offset = 0;
    for (; offset < len && text.charCodeAt(offset) <= 0x7f; offset++) {
      new Uint8Array(raw.memory.buffer)[ptr + offset] = text.charCodeAt(offset);
    }
    if (offset !== len) {
      const rest = text.slice(offset);
      ptr = raw.__wbindgen_realloc(ptr, len, len = offset + rest.length * 3, 1) >>> 0;
      offset += new TextEncoder().encodeInto(rest, new Uint8Array(raw.memory.buffer, ptr + offset, len - offset)).written;
      // 0.2.92 added: ptr = realloc(ptr, len, offset, 1) >>> 0;
    }
    return { ptr, len: offset };
  }
  // ANCHOR_END: pass_string_before_0_2_92

  // ANCHOR: freed_short
  const text = `é${'a'.repeat(137196)}`; // 137,198 bytes of UTF-8 in 411,591 bytes of room
  const { ptr, len } = passStringBefore0292(text);
  const reported = [];
  const consoleError = console.error;
  console.error = (message) => reported.push(message); // where the guest's panic hook writes
  try {
    assert.throws(() => raw.take_string(ptr, len), { name: 'RuntimeError', message: 'unreachable' });
  } finally {
    console.error = consoleError;
  }
  assert.deepEqual(reported, [
    'panicked at /rust/deps/dlmalloc-0.2.11/src/dlmalloc.rs:1207:13:\nassertion failed: psize <= size + max_overhead',
  ]);
  // ANCHOR_END: freed_short
  // The glue of 0.2.129 shrinks the room to what was written: the same string passes.
  const { glue: current } = await memoryGuest();
  assert.equal(current.take_string(text), 137198);
});
