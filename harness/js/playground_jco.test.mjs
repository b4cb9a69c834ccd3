// The book's playgrounds run chapter 16's jco blocks in a page, where jco's
// Node API cannot run: the page's `transpile` (src/widgets/playground/jco.js)
// calls the code generator that API calls, jco-transpile's
// js-component-bindgen component, which ci/playgrounds.py serves. This
// checks the claim the page rests on: for the chapter's components, with
// the chapter's options, the component writes what jco's API writes.
import assert from 'node:assert/strict';
import test from 'node:test';

import * as jco from '@bytecodealliance/jco';
import { $init, generate } from '@bytecodealliance/jco-transpile/component';

import { artifact } from './book.mjs';

await $init;

for (const [name, file] of [
  ['CH16_SHOUTER_COMPONENT', 'shouter'],
  ['CH16_BYTE_LISTS', 'byte-lists'],
  ['CH16_LYING_COMPONENT', 'lying-component'],
]) {
  test(`${name}: jco-transpile's component writes what jco.transpile writes`, async () => {
    const { files } = await jco.transpile(artifact(name), { name: file, instantiation: 'async' });
    // What jco.js passes for `instantiation: 'async'`.
    const generated = Object.fromEntries(generate(artifact(name), { name: file, instantiation: { tag: 'async' } }).files);
    assert.deepEqual(Object.keys(generated).sort(), Object.keys(files).sort());
    for (const [path, bytes] of Object.entries(files)) {
      assert.ok(Buffer.from(generated[path]).equals(Buffer.from(bytes)), `${path} differs`);
    }
  });
}
