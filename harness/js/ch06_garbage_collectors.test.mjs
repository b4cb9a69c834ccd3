// Chapter 6 in the JavaScript room: Listing 6-1's Go guest (CH06_GO_GREETER)
// under Node, through node:wasi. The Rust, Go and Python rooms make the same
// calls and compare the same expected outputs.
import test from 'node:test';
import assert from 'node:assert/strict';

import { expectFile, hex, instantiateWasi, rustDebug } from './book.mjs';

test('a greeting nobody keeps becomes the buffer of a later allocate', async () => {
  const exports = await instantiateWasi('CH06_GO_GREETER');
  // ANCHOR: next_allocate
  const { greet, allocate, memory } = exports;

  const packed = greet(10); // an i64 arrives as a BigInt
  // This book's packing: the address low, the length high.
  const ptr = Number(packed & 0xffffffffn);
  const len = Number(packed >> 32n);
  // A copy of the bytes there now (a view would change with them).
  const read = () => new Uint8Array(memory.buffer, ptr, len).slice();
  const greeting = read();
  assert.ok(new TextDecoder().decode(greeting).startsWith('call 1: hello hello'));

  // The host prepares its next request: input buffers from the guest's
  // allocator. Between two calls the greeting cannot change; inside one of
  // them the collector runs and frees it.
  let calls = 0;
  let input;
  do {
    input = allocate(len);
    calls += 1;
    assert.ok(calls < 200_000, `intact after ${calls} calls`);
  } while (read().every((byte, index) => byte === greeting[index]));
  // That allocate handed out the greeting's own address, zeroed.
  assert.equal(input, ptr);
  assert.deepEqual(read(), new Uint8Array(len));
  // ANCHOR_END: next_allocate

  expectFile(
    'ch06-garbage-collectors/go-greeter-next-allocate.txt',
    `greet(10) returned ${len} bytes at ${hex(ptr)}: ${rustDebug(greeting)}\n`
      + `read again after each allocate(${len}): intact, until one call\n`
      + `that allocate returned ${hex(input)}, the greeting's address: it now reads as ${len} zero bytes\n`,
  );
});

test('a kept greeting survives the same allocate calls', async () => {
  const exports = await instantiateWasi('CH06_GO_GREETER');
  // ANCHOR: kept_next_allocate
  const { greet_kept: greetKept, allocate, deallocate, memory } = exports;

  const packed = greetKept(10);
  const ptr = Number(packed & 0xffffffffn);
  const len = Number(packed >> 32n);
  const read = () => new Uint8Array(memory.buffer, ptr, len).slice();
  const greeting = read();

  for (let call = 0; call < 60_000; call += 1) allocate(len);
  const after = read();
  assert.deepEqual(after, greeting); // kept: intact

  // Done with it: the guest may reuse it from now on.
  deallocate(ptr, len);
  // ANCHOR_END: kept_next_allocate

  expectFile(
    'ch06-garbage-collectors/go-greeter-kept.txt',
    `greet_kept(10) returned ${len} bytes at ${hex(ptr)}: ${rustDebug(greeting)}\n`
      + `after 60000 calls of allocate(${len}): ${rustDebug(after)}\n`,
  );
});
