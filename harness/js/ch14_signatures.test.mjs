// Chapter 14: what a JavaScript caller sees of Rust's hidden out-pointer.
import assert from 'node:assert/strict';
import test from 'node:test';

import { instantiate } from './book.mjs';

test('a Rust function that "returns a String" returns undefined to JavaScript', async () => {
  const { memory, greeting } = await instantiate('CH14_RUST_SIGNATURES');
  assert.equal(greeting.length, 1); // one parameter: the hidden out-pointer
  // Called as the Rust source suggests: the out-pointer is missing, so it
  // is 0, and the three words of the String are written at address 0.
  assert.equal(greeting(), undefined);
  const words = new Uint32Array(memory.buffer, 0, 3);
  assert.equal([...words].filter((word) => word === 5).length, 2, 'the length and the capacity of "hello"');
});
