// Chapter 13: AssemblyScript strings from a JavaScript host, for the guest
// of listings/ch13-strings/as-strings.ts: first by hand, with the runtime's
// exports (`__new`, `__pin`, `__unpin`, `__collect`), then through the
// bindings asc generates beside the wasm.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import loader from '@assemblyscript/loader';
import { artifact, artifactPath, bindingsUrl, expectFile, extractFunction, instantiate } from './book.mjs';

// ANCHOR: class_ids
// The class ids of AssemblyScript's runtime, in every object's header.
const ARRAY_BUFFER_ID = 1;
const STRING_ID = 2;
// ANCHOR_END: class_ids

// ANCHOR: header
/**
 * The header of the managed object at `ptr`: its class id is the u32 8
 * bytes before it, its size in bytes the u32 4 bytes before it. The
 * DataView throws a RangeError if the header is outside memory.
 */
function objectHeader(memory, ptr) {
  const header = new DataView(memory.buffer, ptr - 8, 8);
  return { id: header.getUint32(0, true), byteLength: header.getUint32(4, true) };
}

/** The bytes of the managed object at `ptr` of class `id`, copied out. */
function liftObject(memory, ptr, id) {
  const header = objectHeader(memory, ptr);
  if (header.id !== id) throw new TypeError(`the object at ${ptr} has class id ${header.id}, not ${id}`);
  return new Uint8Array(memory.buffer, ptr, header.byteLength).slice();
}
// ANCHOR_END: header

// ANCHOR: lift_string
/** The AssemblyScript string at `ptr`: UTF-16LE code units. */
function liftString(memory, ptr) {
  return new TextDecoder('utf-16le').decode(liftObject(memory, ptr >>> 0, STRING_ID));
}
// ANCHOR_END: lift_string

// ANCHOR: lower_string
/**
 * A new AssemblyScript string holding `text`. Nothing in the guest refers
 * to it: it lives until the collector's next full cycle, which any later
 * allocation may complete.
 */
function lowerString(exports, text) {
  const ptr = exports.__new(2 * text.length, STRING_ID) >>> 0; // an i32 arrives signed
  // A view made after __new, which may have grown the memory; a JS
  // string's code units are UTF-16 already, written little-endian.
  const units = new DataView(exports.memory.buffer, ptr, 2 * text.length);
  for (let i = 0; i < text.length; i++) units.setUint16(2 * i, text.charCodeAt(i), true);
  return ptr;
}
// ANCHOR_END: lower_string

/**
 * The guest with its raw exports. Its one import, `env.abort`, receives
 * the message and the file name as AssemblyScript strings; it throws them,
 * as the generated bindings' abort does, so the call that aborted throws.
 */
async function instantiateStrings() {
  let exports; // assigned below: abort runs only during calls
  const env = {
    abort(message, fileName, line, column) {
      const where = `${liftString(exports.memory, fileName)}:${line >>> 0}:${column >>> 0}`;
      throw new Error(`${liftString(exports.memory, message)} in ${where}`);
    },
  };
  exports = await instantiate('CH13_AS_STRINGS', { imports: { env } });
  return exports;
}

test('a string in and a string out, by hand', async () => {
  const exports = await instantiateStrings();
  // ANCHOR: shout_by_hand
  const text = lowerString(exports, 'hello');
  const result = exports.shout(text) >>> 0;
  // Read at once: nothing refers to the result either.
  assert.deepEqual(objectHeader(exports.memory, result), { id: STRING_ID, byteLength: 10 }); // 5 code units
  assert.equal(liftString(exports.memory, result), 'HELLO');
  // ANCHOR_END: shout_by_hand
});

test('text that is not ASCII round-trips, and a length counts UTF-16 code units', async () => {
  const exports = await instantiateStrings();
  const shout = (text) => liftString(exports.memory, exports.shout(lowerString(exports, text)));
  assert.equal(shout('héllo wörld'), 'HÉLLO WÖRLD');
  assert.equal(shout('crab 🦀'), 'CRAB 🦀');
  // ANCHOR: units
  const crab = '🦀';
  assert.equal(exports.units(lowerString(exports, crab)), crab.length); // 2 code units...
  assert.equal(new TextEncoder().encode(crab).length, 4); // ...which are 4 bytes of UTF-8
  // ANCHOR_END: units
});

test('UTF-8 instead: an ArrayBuffer in, an ArrayBuffer out', async () => {
  const exports = await instantiateStrings();
  // ANCHOR: utf8_by_hand
  const bytes = new TextEncoder().encode('héllo 🦀');
  const ptr = exports.__new(bytes.length, ARRAY_BUFFER_ID) >>> 0;
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  const result = exports.shoutUtf8(ptr) >>> 0;
  const text = new TextDecoder('utf-8', { fatal: true }).decode(liftObject(exports.memory, result, ARRAY_BUFFER_ID));
  assert.equal(text, 'HÉLLO 🦀');
  // ANCHOR_END: utf8_by_hand
});

test('two strings in: without a pin, the first is collected and its block reused', async () => {
  const exports = await instantiateStrings();
  // ANCHOR: hazard
  const first = lowerString(exports, 'Hello');
  exports.__collect(); // a full cycle, as any allocation may complete one
  const second = lowerString(exports, 'World'); // the same size
  assert.equal(second, first); // `first` was unreachable: its block is `second` now
  assert.equal(liftString(exports.memory, exports.join(first, second)), 'World, World');
  // ANCHOR_END: hazard
});

test('two strings in: pinned, the first survives until the call returns', async () => {
  const exports = await instantiateStrings();
  // ANCHOR: pinned
  const first = lowerString(exports, 'Hello');
  exports.__pin(first); // a root now: the collector keeps it
  try {
    exports.__collect();
    const second = lowerString(exports, 'World');
    assert.notEqual(second, first);
    assert.equal(liftString(exports.memory, exports.join(first, second)), 'Hello, World');
  } finally {
    exports.__unpin(first); // collectable again
  }
  // ANCHOR_END: pinned
});

test('unpinning what is not pinned, or pinning twice, aborts', async () => {
  // Each on an instance of its own: an abort leaves the guest mid-call.
  const unpinned = await instantiateStrings();
  assert.throws(() => unpinned.__unpin(lowerString(unpinned, 'Hello')), {
    message: /^Object is not pinned in ~lib\/rt\/itcms\.ts:\d+:\d+$/,
  });
  const pinned = await instantiateStrings();
  const text = lowerString(pinned, 'Hello');
  pinned.__pin(text);
  assert.throws(() => pinned.__pin(text), { message: /^Object already pinned in ~lib\/rt\/itcms\.ts:\d+:\d+$/ });
});

test('the generated bindings take and return JavaScript strings', async () => {
  // ANCHOR: bindings
  // The ES module asc generated beside the wasm (--bindings esm): importing
  // it instantiates the wasm.
  const bindings = await import(bindingsUrl('CH13_AS_STRINGS'));
  assert.equal(bindings.shout('héllo 🦀'), 'HÉLLO 🦀');
  assert.equal(bindings.join('Hello', 'World'), 'Hello, World'); // it pins the first for us
  // ANCHOR_END: bindings
});

/**
 * The chapter shows these functions of the generated bindings. If an
 * upgrade of asc renames or drops one, this fails; if one changes, it fails
 * until SNAPSHOTS=overwrite rewrites the excerpt, and the chapter is re-read.
 */
test('the bindings the chapter shows are the bindings asc generates', () => {
  const bindingsPath = artifactPath('CH13_AS_STRINGS').replace(/\.wasm$/, '.js');
  const bindings = fs.readFileSync(bindingsPath, 'utf8');
  for (const [start, file] of [
    ['join(first, second) {', 'ch13-strings/bindings-join.js'],
    ['function __lowerString(', 'ch13-strings/bindings-lowerString.js'],
    ['function __liftString(', 'ch13-strings/bindings-liftString.js'],
    ['function __retain(', 'ch13-strings/bindings-retain.js'],
  ]) {
    const excerpt = extractFunction(bindings, start);
    assert.ok(excerpt, `${bindingsPath} has no \`${start}\` any more: chapter 13, which explains it, must change too`);
    // asc names the source in comments by its path from the build's working
    // directory (such as `../../listings/...`): cut to `listings/...`, so
    // that the file is the same in every checkout.
    expectFile(file, excerpt.replaceAll(/\S*(?=listings\/ch13-strings\/)/g, ''));
  }
});

// Strings and arrays through the AssemblyScript loader, the helper most
// answers of 2019 to 2021 use, on listings/ch13-strings/as-loader.ts. The
// loader still works with asc 0.28 but has been deprecated since 0.20 in
// favour of the generated bindings, shown after it.

/** `CH13_AS_LOADER` (or other bytes), instantiated with an abort that throws its message. */
async function instantiateLoaderGuest(bytes = artifact('CH13_AS_LOADER')) {
  let exports;
  const env = {
    abort(message, fileName, line, column) {
      const where = `${liftString(exports.memory, fileName)}:${line >>> 0}:${column >>> 0}`;
      throw new Error(`${liftString(exports.memory, message)} in ${where}`);
    },
  };
  ({ exports } = await WebAssembly.instantiate(bytes, { env }).then(({ instance }) => instance));
  return exports;
}

test('a string out arrives as a pointer; the loader reads it with __getString', async () => {
  const raw = await instantiateLoaderGuest();
  // ANCHOR: pointer_out
  const pointer = raw.motto(); // the plain WebAssembly API: a number
  assert.equal(typeof pointer, 'number');
  assert.equal(liftString(raw.memory, pointer), 'Strings cross as pointers'); // read by hand
  // ANCHOR_END: pointer_out

  // ANCHOR: loader_strings
  const { exports } = await loader.instantiate(artifact('CH13_AS_LOADER'));
  assert.equal(exports.__getString(exports.motto()), 'Strings cross as pointers');
  // In: __newString (named __allocString before asc 0.17) makes a string in
  // the guest's memory; __new (named __alloc before 0.17) is the allocation under it.
  const text = exports.__newString('Hello');
  assert.equal(exports.__getString(exports.exclaim(text)), 'Hello!');
  // ANCHOR_END: loader_strings
});

test('a JavaScript array passed to an Array<i32> parameter arrives as a number', async () => {
  const raw = await instantiateLoaderGuest();
  // ANCHOR: array_as_number
  // WebAssembly converts the argument with ToNumber: [5] becomes the
  // "pointer" 5, and an array of two becomes NaN, which is 0.
  assert.equal(raw.passThrough([5]), 5);
  assert.equal(raw.passThrough([1, 2]), 0);
  // Reading an element at that address: asc 0.28 checks the index against
  // whatever length it finds there, and aborts.
  assert.throws(() => raw.foo([5]), { message: 'Index out of range in ~lib/array.ts:114:42' });
  // ANCHOR_END: array_as_number
});

test('the loader makes the array in the guest, pinned while the call runs, and reads the result', async () => {
  // ANCHOR: loader_arrays
  const { exports } = await loader.instantiate(artifact('CH13_AS_LOADER'));
  // __newArray (before asc 0.17: __allocArray) needs the array's class id,
  // which the guest exports (ARRAY_I32_ID, a global: its value).
  const array = exports.__pin(exports.__newArray(exports.ARRAY_I32_ID.value, [5])); // __retain before 0.18
  try {
    assert.deepEqual(exports.__getArray(exports.foo(array)), [5]);
    assert.deepEqual(exports.__getArray(exports.doubled(array)), [10]);
  } finally {
    exports.__unpin(array); // __release before 0.18
  }
  // ANCHOR_END: loader_arrays
});

test('the generated bindings take and return JavaScript arrays', async () => {
  // ANCHOR: bindings_arrays
  const bindings = await import(bindingsUrl('CH13_AS_LOADER'));
  assert.deepEqual(bindings.foo([5]), [5]);
  assert.deepEqual(bindings.doubled([1, 2, 3]), [2, 4, 6]);
  // ANCHOR_END: bindings_arrays
});

test('the array bindings the chapter shows are the bindings asc generates', () => {
  const source = fs.readFileSync(artifactPath('CH13_AS_LOADER').replace(/\.wasm$/, '.js'), 'utf8');
  for (const [start, file] of [
    ['foo(data) {', 'ch13-strings/bindings-foo.js'],
    ['function __lowerArray(', 'ch13-strings/bindings-lowerArray.js'],
    ['function __liftArray(', 'ch13-strings/bindings-liftArray.js'],
  ]) {
    const excerpt = extractFunction(source, start);
    assert.ok(excerpt, `the bindings have no \`${start}\` any more: chapter 13 must change too`);
    expectFile(file, excerpt.replaceAll(/\S*(?=listings\/ch13-strings\/)/g, ''));
  }
});

/**
 * The same listing compiled with AssemblyScript's minimal runtime (the
 * builder uses the incremental one), by the pinned asc (ci/assemblyscript),
 * in memory.
 */
async function compileWithTheMinimalRuntime() {
  const asc = await import(new URL('../../ci/assemblyscript/node_modules/assemblyscript/dist/asc.js', import.meta.url).href);
  const source = fs.readFileSync(new URL('../../listings/ch13-strings/as-loader.ts', import.meta.url), 'utf8');
  const { error, stderr, binary } = await asc.compileString({ 'as-loader.ts': source }, {
    runtime: 'minimal', exportRuntime: true, optimizeLevel: 2,
  });
  assert.equal(error, null, String(stderr));
  return binary;
}

test('pinning keeps an object and everything it refers to, under both runtimes', async () => {
  const seen = {};
  for (const [runtime, bytes] of [['incremental', artifact('CH13_AS_LOADER')], ['minimal', await compileWithTheMinimalRuntime()]]) {
    for (const pinned of [false, true]) {
      const guest = await instantiateLoaderGuest(bytes);
      // ANCHOR: pinned_members
      const holder = guest.newHolder() >>> 0; // a Holder, whose Nested says 123456
      if (pinned) guest.__pin(holder);
      guest.__collect(); // a full cycle: an unpinned Holder and its Nested are freed
      guest.churn(100); // new objects take the freed blocks
      const field = guest.fieldOf(holder);
      // ANCHOR_END: pinned_members
      seen[`${runtime}, ${pinned ? 'pinned' : 'not pinned'}`] = field;
    }
  }
  assert.deepEqual(seen, {
    'incremental, not pinned': 0,
    'incremental, pinned': 123456,
    'minimal, not pinned': 0,
    'minimal, pinned': 123456,
  });
});

/** The pinned asc's API (ci/assemblyscript). */
const asc = () => import(new URL('../../ci/assemblyscript/node_modules/assemblyscript/dist/asc.js', import.meta.url).href);

/** The path of a listing of this chapter. */
const listing = (file) => fileURLToPath(new URL(`../../listings/ch13-strings/${file}`, import.meta.url));

test('AssemblyScript#2847: the bytes another runtime sees before "A" are its header', async () => {
  // The reader's module: getA alone, compiled as a release build (-O3), no runtime exported.
  const { binary, error, stderr } = await (await asc()).compileString(
    { 'index.ts': fs.readFileSync(listing('as-get-a.ts'), 'utf8') }, { optimizeLevel: 3 });
  assert.equal(error, null, String(stderr));
  const { instance } = await WebAssembly.instantiate(binary, {});
  // ANCHOR: header_before_a
  const { getA, memory } = instance.exports;
  const ptr = getA();
  assert.equal(ptr, 1056); // the address the reader's module returned too
  // From 8 bytes before it: the class id (2, a string), the length in
  // bytes (2), then the one UTF-16 code unit of "A": 65, 0.
  assert.deepEqual([...new Uint8Array(memory.buffer, ptr - 8, 10)], [2, 0, 0, 0, 2, 0, 0, 0, 65, 0]);
  assert.equal(liftString(memory, ptr), 'A');
  // ANCHOR_END: header_before_a
});

// ANCHOR: asc_main
/**
 * Compiles the listing `source` with the pinned asc and `flags`, to
 * `dir/release.wasm` (and, with --bindings, `dir/release.js`). `asc()`
 * imports the compiler's API (`assemblyscript/asc`), `listing(source)` is
 * the path of the listing's file.
 */
async function ascMain(source, dir, flags) {
  const { error, stderr } = await (await asc()).main([listing(source), '--outFile', path.join(dir, 'release.wasm'), ...flags]);
  assert.equal(error, null, String(stderr));
}
// ANCHOR_END: asc_main

test('AssemblyScript#2244: bindings that call exports.__new, beside a wasm that does not export it', async () => {
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'ch13-bindings-'));
  // ANCHOR: new_is_not_a_function
  // The bindings of a build with --bindings esm...
  await ascMain('as-strings.ts', broken, ['--bindings', 'esm']);
  // ...beside the wasm of a build with neither --bindings nor --exportRuntime.
  await ascMain('as-strings.ts', broken, []);
  const bindings = await import(pathToFileURL(path.join(broken, 'release.js')).href);
  assert.throws(() => bindings.shout('Hello World'), { name: 'TypeError', message: 'exports.__new is not a function' });
  // ANCHOR_END: new_is_not_a_function

  // ANCHOR: export_runtime
  const fixed = fs.mkdtempSync(path.join(os.tmpdir(), 'ch13-bindings-'));
  await ascMain('as-strings.ts', fixed, ['--bindings', 'esm']);
  await ascMain('as-strings.ts', fixed, ['--exportRuntime']); // __new, __pin, __unpin, __collect
  const wasm = new WebAssembly.Module(fs.readFileSync(path.join(fixed, 'release.wasm')));
  assert.ok(['__new', '__pin', '__unpin'].every((name) => WebAssembly.Module.exports(wasm).some((e) => e.name === name)));
  assert.equal((await import(pathToFileURL(path.join(fixed, 'release.js')).href)).shout('Hello World'), 'HELLO WORLD');
  // ANCHOR_END: export_runtime

  // One build that writes both: asc 0.28 exports what its bindings call, without the flag.
  const oneBuild = fs.mkdtempSync(path.join(os.tmpdir(), 'ch13-bindings-'));
  await ascMain('as-strings.ts', oneBuild, ['--bindings', 'esm']);
  assert.equal((await import(pathToFileURL(path.join(oneBuild, 'release.js')).href)).shout('Hello World'), 'HELLO WORLD');
  for (const dir of [broken, fixed, oneBuild]) fs.rmSync(dir, { recursive: true });
});

test('AssemblyScript#1884: one page, and how much of it each runtime leaves for the heap', async () => {
  const seen = {};
  for (const [runtime, options] of [
    ['incremental', {}],
    ['incremental, --stackSize 1024', { stackSize: 1024 }],
    ['minimal', { runtime: 'minimal' }],
    ['stub', { runtime: 'stub' }],
  ]) {
    const { binary, error, stderr } = await (await asc()).compileString(
      { 'index.ts': fs.readFileSync(listing('as-one-page.ts'), 'utf8') },
      { initialMemory: 1, maximumMemory: 1, optimizeLevel: 2, ...options });
    assert.equal(error, null, String(stderr));
    const { instance } = await WebAssembly.instantiate(binary, { env: { abort() { throw new Error('abort'); } } });
    // ANCHOR: one_page
    const { keep, dataEnd, heapBase } = instance.exports;
    let kept = 0;
    assert.throws(() => {
      for (;;) kept = keep(); // 1 KiB more, kept, until the page is full
    }, { name: 'RuntimeError', message: 'unreachable' }); // memory.grow failed: the allocator traps
    seen[runtime] = { staticData: dataEnd(), heapStarts: heapBase(), keptKiB: kept };
    // ANCHOR_END: one_page
  }
  // The shadow stack is heapStarts - staticData: 32 KiB by default, none without the incremental runtime.
  assert.equal(seen.incremental.heapStarts - seen.incremental.staticData, 32768);
  assert.equal(seen['incremental, --stackSize 1024'].heapStarts - seen['incremental, --stackSize 1024'].staticData, 1024);
  assert.equal(seen.minimal.heapStarts, seen.minimal.staticData);
  assert.equal(seen.stub.heapStarts, seen.stub.staticData);
  const names = {
    'incremental': '`incremental` (the default)',
    'incremental, --stackSize 1024': '`incremental`, `--stackSize 1024`',
    'minimal': '`minimal`',
    'stub': '`stub` (never frees)',
  };
  const number = (n) => n.toLocaleString('en-US');
  expectFile('ch13-strings/as-one-page.md', [
    '| Runtime | Static data ends at | Heap starts at | 1 KiB buffers kept in one page |',
    '|---|---|---|---|',
    ...Object.entries(seen).map(([runtime, { staticData, heapStarts, keptKiB }]) =>
      `| ${names[runtime]} | ${number(staticData)} | ${number(heapStarts)} | ${keptKiB} |`),
  ].join('\n') + '\n');
});
