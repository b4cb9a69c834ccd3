// Chapter 13: AssemblyScript strings from a JavaScript host, for the guest
// of listings/ch13-strings/as-strings.ts: first by hand, with the runtime's
// exports (`__new`, `__pin`, `__unpin`, `__collect`), then through the
// bindings asc generates beside the wasm.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import test from 'node:test';
import { pathToFileURL } from 'node:url';

import { artifactPath, expectFile, extractFunction, instantiate } from './book.mjs';

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
// ANCHOR_END: header

/** The bytes of the managed object at `ptr` of class `id`, copied out. */
function liftObject(memory, ptr, id) {
  const header = objectHeader(memory, ptr);
  if (header.id !== id) throw new TypeError(`the object at ${ptr} has class id ${header.id}, not ${id}`);
  return new Uint8Array(memory.buffer, ptr, header.byteLength).slice();
}

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

/** The ES module asc generated beside the wasm (`--bindings esm`). */
const bindingsPath = artifactPath('CH13_AS_STRINGS').replace(/\.wasm$/, '.js');

test('the generated bindings take and return JavaScript strings', async () => {
  // ANCHOR: bindings
  // Importing it instantiates the wasm beside it.
  const bindings = await import(pathToFileURL(bindingsPath).href);
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
