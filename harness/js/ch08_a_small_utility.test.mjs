// Chapter 8 in the JavaScript room: the utility's JavaScript module,
// wasm-memory-js, on the chapter's guest (Listing 8-1) and on chapter 17's
// lying guest. The Rust, Go and Python rooms make the same calls and compare
// the same expected output.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ErrorKind, Guest, Reason } from 'wasm-memory-js';

import { expectFile, instantiate } from './book.mjs';

test('one call passes a string in and out; a lie is refused', async () => {
  const exports = await instantiate('CH08_RUST_SHOUT');
  // ANCHOR: shout
  const guest = new Guest(exports); // allocate/deallocate, pointer low: the defaults
  const shout = guest.export('shout'); // looked up and checked once
  const shouted = shout.callString('hello, host');
  assert.equal(shouted, 'HELLO, HOST');
  guest.checkLeaks(); // every buffer was given back
  // ANCHOR_END: shout

  const liarExports = await instantiate('CH17_LYING_SHOUT');
  // ANCHOR: liar
  const liar = new Guest(liarExports);
  assert.throws(() => liar.export('shout').callString('hello, host'),
    { kind: ErrorKind.BadResult, reason: Reason.OutOfBounds });
  // ANCHOR_END: liar
  const refused = (() => {
    try {
      liar.export('shout').callString('hello, host');
    } catch (error) {
      return error;
    }
    throw new Error('the lie was not refused');
  })();

  expectFile('ch08-a-small-utility/one-call-and-one-lie.txt',
    `shout("hello, host") = ${JSON.stringify(shouted)}; the guest holds ${exports.live()} buffers\n`
    + `the liar's shout returned ${refused.len} bytes at 0x${refused.ptr.toString(16)}, `
    + `past the end of its ${refused.memorySize}-byte memory\n`);
});
