// Chapter 7 in the JavaScript room: the keepalive pattern on Listing 6-1's Go
// guest (CH06_GO_GREETER, through node:wasi) and pinning on Listing 6-2's
// AssemblyScript guest (CH06_AS_GREETER). The Rust, Go and Python rooms make
// the same calls and compare the same expected outputs.
import test from 'node:test';
import assert from 'node:assert/strict';

import { expectFile, hex, instantiate, instantiateWasi, rustDebug } from './book.mjs';

test('kept, copied, deallocated, then reused', async () => {
  const exports = await instantiateWasi('CH06_GO_GREETER');
  // ANCHOR: round_trip
  const { greet_kept: greetKept, live, deallocate, allocate, memory } = exports;

  // 1. The guest keeps the buffer in its map and hands it over.
  const packed = greetKept(10);
  const ptr = Number(packed & 0xffffffffn);
  const len = Number(packed >> 32n);
  assert.equal(live(), 1);
  // 2. The host copies the bytes out (the view throws a RangeError if they
  //    are not all inside the memory).
  const greeting = new Uint8Array(memory.buffer, ptr, len).slice();
  // 3. The host gives the buffer back, with the length it received.
  deallocate(ptr, len);
  assert.equal(live(), 0);
  // 4. Garbage now: a later collection frees it, and an allocation reuses
  //    the address. The host's copy is its own.
  let calls = 0;
  while (allocate(len) !== ptr) {
    calls += 1;
    assert.ok(calls < 200_000, `not reused after ${calls} calls`);
  }
  assert.ok(new TextDecoder().decode(greeting).startsWith('call 1: hello hello'));
  // ANCHOR_END: round_trip

  expectFile(
    'ch07-keepalive-pattern/round-trip.txt',
    `greet_kept(10) returned ${len} bytes at ${hex(ptr)}; live() = 1\n`
      + `the host copied ${rustDebug(greeting)}\n`
      + `deallocate(${hex(ptr)}, ${len}); live() = 0\n`
      + `a later allocate(${len}) returned ${hex(ptr)}: reclaimed and reused\n`,
  );
});

test('a pinned object survives until unpinned', async () => {
  const abort = () => { throw new Error('the guest aborted'); };
  const exports = await instantiate('CH06_AS_GREETER', { imports: { env: { abort } } });
  // ANCHOR: as_pin
  const { greet, __pin, __unpin, __collect, churn, memory } = exports;

  const ptr = greet(10);
  // Pin before anything else runs in the guest: no allocation, so no
  // collection, can happen between the return and this call.
  __pin(ptr);
  // An ArrayBuffer's length is the u32 4 bytes before its first byte.
  const len = new DataView(memory.buffer).getUint32(ptr - 4, true);
  const read = () => new Uint8Array(memory.buffer, ptr, len).slice(); // a copy
  const greeting = read();

  // A collection and 1 MiB of garbage: the pinned object is intact.
  __collect();
  churn(1 << 20, 67);
  assert.deepEqual(read(), greeting);

  // Done: unpinned, it is garbage like any other.
  __unpin(ptr);
  __collect();
  churn(4096, 67);
  const after = read();
  assert.notDeepEqual(after, greeting);
  // ANCHOR_END: as_pin

  expectFile(
    'ch07-keepalive-pattern/as-pin.txt',
    `greet(10) returned an ArrayBuffer of ${len} bytes at ${hex(ptr)}: ${rustDebug(greeting)}\n`
      + 'pinned, after __collect and 1 MiB of churn: intact\n'
      + `unpinned, after __collect and 4 KiB of churn, it starts ${rustDebug(after.subarray(0, 16))}\n`,
  );
});
