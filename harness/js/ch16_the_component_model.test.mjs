// Chapter 16: the components of listings/ch16-the-component-model under
// jco, which turns a component into JavaScript: the guest of `shouter`
// called with JavaScript values, then each lie of `lying-component.wat`
// as a JavaScript host sees it (wasmtime refuses each with an error).
import assert from 'node:assert/strict';
import test from 'node:test';

// jco, pinned by this room's package-lock.json.
import * as jco from '@bytecodealliance/jco';

import { artifact, expectFile, extractFunction, outcome } from './book.mjs';

// ANCHOR: transpile
/**
 * The component `artifactName` as JavaScript. jco writes an ES module,
 * `<name>.js`, and the core modules the component holds, as its CLI's
 * `jco transpile` would; here they stay in memory. With
 * `instantiation: 'async'` the module instantiates nothing when imported
 * and imports nothing itself: it exports `instantiate`, which takes the
 * component's imports as an object and makes a new instance per call
 * (and, optionally, the function that instantiates each core module:
 * `WebAssembly.instantiate` unless told otherwise).
 */
async function transpile(artifactName, name) {
  const { files } = await jco.transpile(artifact(artifactName), { name, instantiation: 'async' });
  const source = new TextDecoder().decode(files[`${name}.js`]);
  const { instantiate } = await import(`data:text/javascript,${encodeURIComponent(source)}`);
  // jco asks for each core module by file name.
  const coreModule = (file) => WebAssembly.compile(files[file]);
  return (imports, instantiateCore) => instantiate(coreModule, imports, instantiateCore);
}
// ANCHOR_END: transpile

/** The module `transpile` imports, as text (with the same options): the chapter quotes it. */
async function generated(artifactName, name) {
  const { files } = await jco.transpile(artifact(artifactName), { name, instantiation: 'async' });
  return new TextDecoder().decode(files[`${name}.js`]);
}

const instantiateShouter = await transpile('CH16_SHOUTER_COMPONENT', 'shouter');

// ANCHOR: imports
/**
 * A new instance of the shouter. A function the world imports,
 * `host-name`, is a module of its own to jco, whose default export is the
 * function.
 */
function newShouter() {
  return instantiateShouter({ 'host-name': { default: () => 'Node' } });
}
// ANCHOR_END: imports

test('shout: a JavaScript string in, a new JavaScript string out', async () => {
  const shouter = await newShouter();
  // ANCHOR: shout
  assert.equal(shouter.shout('hello, ünïcode'), 'HELLO, ÜNÏCODE');
  assert.equal(shouter.shout('crab 🦀'), 'CRAB 🦀');
  // ANCHOR_END: shout
});

test('checksum: a Uint8Array is a list<u8>', async () => {
  const shouter = await newShouter();
  // ANCHOR: checksum
  assert.equal(shouter.checksum(new Uint8Array([1, 2, 250])), 253);
  // ANCHOR_END: checksum
});

test('measure: a record is a plain object with one property per field', async () => {
  const shouter = await newShouter();
  // ANCHOR: measure
  const stats = shouter.measure(new TextEncoder().encode('abc'));
  assert.deepEqual(stats, { length: 3, checksum: 97 + 98 + 99 }); // deepEqual compares prototypes too
  // ANCHOR_END: measure
});

test('greet: the guest calls the host-name import', async () => {
  const shouter = await newShouter();
  // ANCHOR: greet
  assert.equal(shouter.greet(), 'Hello, Node!');
  // ANCHOR_END: greet
});

// ANCHOR: nothing_leaks
// After lifting a result of `shout` or `greet`, jco calls its post-return
// function, as wasmtime does: the guest frees the result then.
test('post-return frees every result: nothing is live after a thousand calls', async () => {
  const shouter = await newShouter();
  for (let round = 0; round < 1000; round++) {
    const text = `round ${round} ö`;
    assert.equal(shouter.shout(text), text.toUpperCase());
    shouter.greet();
    shouter.measure(new Uint8Array(4096));
  }
  assert.equal(shouter.live(), 0);
});
// ANCHOR_END: nothing_leaks

const instantiateLists = await transpile('CH16_BYTE_LISTS', 'byte-lists');

test('a list<u8> result is a Uint8Array with a buffer of its own', async () => {
  // ANCHOR: byte_lists
  // The component's memory, caught as jco instantiates its core module.
  let memory;
  const lists = await instantiateLists({}, async (module, imports) => {
    const instance = await WebAssembly.instantiate(module, imports);
    memory ??= instance.exports.memory;
    return instance;
  });
  const bytes = lists.echoU8(new Uint8Array([1, 2, 250]));
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([...bytes], [1, 2, 250]);
  // A copy: not a view of the guest's memory, where the same bytes still are.
  assert.notEqual(bytes.buffer, memory.buffer);
  assert.equal(bytes.buffer.byteLength, 3);
  // Other lists of numbers come back as typed arrays too, and go in as
  // typed arrays or as plain arrays.
  assert.ok(lists.echoU16([1, 65535]) instanceof Uint16Array);
  assert.ok(lists.echoU32(new Uint32Array([7])) instanceof Uint32Array);
  assert.deepEqual([...lists.echoF32([0.5, -2])], [0.5, -2]);
  assert.ok(lists.echoF32([0.5]) instanceof Float32Array);
  // ANCHOR_END: byte_lists
});

test('the list lifting the chapter quotes is what jco generates', async () => {
  const source = await generated('CH16_BYTE_LISTS', 'byte-lists');
  assert.ok(
    source.includes('new Uint8Array(memory0.buffer.slice(ptr1, ptr1 + len1 * 1))'),
    'jco no longer lifts a list<u8> with a slice of the buffer: chapter 16 quotes it, and must change too',
  );
});

test('a byte list result outlives a growth of the guest memory', async () => {
  const lists = await instantiateLists({});
  const first = lists.echoU8(new Uint8Array([1, 2, 3]));
  // 8 MiB in: the bump allocator grows the memory, which detaches every
  // view of the old buffer; the copy is not one.
  lists.echoU8(new Uint8Array(8 << 20));
  assert.deepEqual([...first], [1, 2, 3]);
});

const instantiateLiar = await transpile('CH16_LYING_COMPONENT', 'lying-component');

// ANCHOR: lie
/**
 * What JavaScript gets from the lying export `jsName`, on an instance of
 * its own: one lie writes where another reads.
 */
async function lie(jsName) {
  const liar = await instantiateLiar({});
  return outcome(() => liar[jsName]('hello'));
}
// ANCHOR_END: lie

test('each lie of the lying component, as JavaScript sees it', async () => {
  const lines = [];
  // The WIT names, and jco's names for them in JavaScript.
  for (const [witName, jsName] of [
    ['past-the-end', 'pastTheEnd'],
    ['misaligned', 'misaligned'],
    ['not-utf8', 'notUtf8'],
    ['realloc-past-the-end', 'reallocPastTheEnd'],
  ]) {
    lines.push(`${witName}: ${await lie(jsName)}`);
  }
  expectFile('ch16-the-component-model/lying-component-jco.txt', `${lines.join('\n')}\n`);
  // Chapter 17 tells the same lie in every model: this one.
  expectFile('ch17-choosing-a-model/liar-component-model-jco.txt', `${await lie('pastTheEnd')}\n`);
});

test('not-utf8: the decoder is not fatal, so the bad byte becomes U+FFFD', async () => {
  const liar = await instantiateLiar({});
  assert.equal(liar.notUtf8('hello'), 'fo\uFFFDo');
});

test('a lie does not poison the instance: the next call runs', async () => {
  const liar = await instantiateLiar({});
  assert.throws(() => liar.pastTheEnd('hello'), RangeError);
  assert.equal(liar.notUtf8('hello'), 'fo\uFFFDo');
});

/**
 * The chapter shows how the generated JavaScript lifts a string: if an
 * upgrade of jco changes it, this fails until SNAPSHOTS=overwrite rewrites
 * the excerpt, and the chapter is re-read.
 */
/** The same for lowering: how jco's code writes a JavaScript string into the guest. */
test('the string lowering the chapter shows is what jco generates', async () => {
  const source = await generated('CH16_SHOUTER_COMPONENT', 'shouter');
  const lower = extractFunction(source, 'function _utf8AllocateAndEncode(');
  assert.ok(lower, 'shouter.js has no `_utf8AllocateAndEncode` any more: chapter 16, which explains it, must change too');
  expectFile('ch16-the-component-model/jco-lower-string.js', lower);
});

test('the string lifting the chapter shows is what jco generates', async () => {
  const source = await generated('CH16_SHOUTER_COMPONENT', 'shouter');
  const decoder = source.match(/^ *(const TEXT_DECODER_UTF8 = new TextDecoder\(\);)$/m);
  assert.ok(decoder, 'shouter.js creates no `TEXT_DECODER_UTF8` any more: chapter 16, which explains it, must change too');
  const shout = extractFunction(source, 'function shout(');
  assert.ok(shout, 'shouter.js has no `function shout(` any more');
  const lift = shout.match(/^ *(var ptr1 = .*)\n *(var len1 = .*)\n *(var result1 = TEXT_DECODER_UTF8\.decode\(.*)$/m);
  assert.ok(lift, '`shout` no longer lifts its result with TEXT_DECODER_UTF8.decode: chapter 16 must change too');
  expectFile('ch16-the-component-model/jco-lift-string.js', `${decoder[1]}\n\n${lift.slice(1).join('\n')}\n`);
});
