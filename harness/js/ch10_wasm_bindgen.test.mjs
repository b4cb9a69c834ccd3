// Chapter 10: the glue wasm-bindgen generates, for Node and for the web,
// running the guest of listings/ch10-wasm-bindgen/bindgen-greeter.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';

import { artifactPath, extractFunction } from './book.mjs';

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
  const dir = artifactPath('CH10_BINDGEN_GREETER_WEB');
  const glue = await import(pathToFileURL(path.join(dir, 'ch10_bindgen_greeter.js')).href + '?fresh');
  const exports = glue.initSync({ module: fs.readFileSync(path.join(dir, 'ch10_bindgen_greeter_bg.wasm')) });
  const name = 'ö'.repeat(100); // not ASCII: the realloc path too
  glue.greet(name);
  const size = exports.memory.buffer.byteLength;
  for (let i = 0; i < 10_000; i++) glue.greet(name);
  assert.equal(exports.memory.buffer.byteLength, size);
});

test('u64 and i64 are BigInts both ways, and the glue reads a u64 as unsigned', async () => {
  const dir = artifactPath('CH10_BINDGEN_GREETER_WEB');
  const gluePath = path.join(dir, 'ch10_bindgen_greeter.js');
  const glue = await import(pathToFileURL(gluePath).href + '?numbers');
  const raw = glue.initSync({ module: fs.readFileSync(path.join(dir, 'ch10_bindgen_greeter_bg.wasm')) });
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
  const source = fs.readFileSync(gluePath, 'utf8');
  assert.match(extractFunction(source, 'export function next_u64('), /^ {4}return BigInt\.asUintN\(64, ret\);$/m);
  assert.doesNotMatch(extractFunction(source, 'export function next_i64('), /BigInt\.as/);
});
