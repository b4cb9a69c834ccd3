// Calls through export handles: round trips with both allocators and both
// packing orders, a reactor, exports that take only numbers, and memory
// that grows during a call. After each, the guest's own count of live
// buffers says what the host gave back.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ErrorKind, Guest, POINTER_HIGH, POINTER_LOW, Reason, packPtrLen } from '../index.mjs';
import { instantiateFixture, instantiateLiar, refused } from './support.mjs';

test('a round trip with allocate/deallocate: the input and the result are given back', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const greet = guest.export('greet'); // resolved and checked once, called many times
  assert.equal(greet.callString('Ferris'), 'Hello, Ferris!');
  assert.deepEqual(greet.callBytes(new Uint8Array([0x41])), new TextEncoder().encode('Hello, A!'));
  assert.equal(greet.callString('wörld'), 'Hello, wörld!');
  assert.equal(greet.callString(''), 'Hello, !', 'an empty input is allocated and freed like any other');
  assert.equal(exports.live(), 0);
  guest.checkLeaks();
});

test('a round trip with malloc/free', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports, { allocator: { malloc: 'malloc', free: 'free' } });
  assert.equal(guest.export('greet').callString('C'), 'Hello, C!');
  assert.equal(guest.copyIn('held').export, 'malloc');
  guest.release(guest.outstanding()[0]);
  assert.equal(exports.live(), 0);
});

test('a round trip packed pointer-high, from a guest that packs so', () => {
  // The liar returns the result it is told: here, 5 bytes of its UTF-8
  // text at 3072, packed pointer-high.
  const exports = instantiateLiar({ result: packPtrLen(3072, 5, POINTER_HIGH) });
  const guest = new Guest(exports, { order: POINTER_HIGH });
  assert.equal(guest.export('lie_about').callString('x'), 'café');
  assert.equal(exports.frees(), 2, 'the input and the result');
  assert.equal(exports.frees_outside(), 0);
});

test('the wrong packing order is refused, and nothing is freed twice', () => {
  // `greet` packs pointer-low; read pointer-high, its length becomes the
  // pointer and its heap address the length, a range that covers the
  // input, which the host still holds.
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports, { order: POINTER_HIGH });
  assert.throws(() => guest.export('greet').callString('Ferris'), refused(ErrorKind.OverlapsHeldBuffer, {
    export: 'greet', ptr: 14, message: /^`greet` handed over \d+ bytes at 0xe, which overlap a buffer the host already holds \(6 bytes at 0x400 from `allocate`\)$/,
  }));
  guest.checkLeaks(); // the input was given back all the same
  assert.equal(exports.live(), 1, 'the greeting: the host cannot know where it is, so it is left to the guest');
  assert.equal(new Guest(exports, { order: POINTER_LOW }).export('greet').callString('Ferris'), 'Hello, Ferris!');
});

test('a reactor: a call before _initialize traps, and the input is given back all the same', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const shout = guest.export('shout');
  // errors.test.mjs checks the message, and the trap as its cause.
  assert.throws(() => shout.callString('hello'), refused(ErrorKind.Call, { export: 'shout' }));
  assert.equal(exports.live(), 0);
  guest.checkLeaks();

  exports._initialize(); // what the host of a reactor calls first
  assert.equal(shout.callString('hello'), 'HELLO');
  assert.equal(exports.live(), 0);
});

test('an output export: numbers in, a buffer out, copied or held', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const version = guest.outputExport('version'); // no parameters
  assert.equal(version.callString(), 'guest 1.0');
  assert.deepEqual(version.call(), new TextEncoder().encode('guest 1.0'));
  const held = version.callBuffer();
  assert.deepEqual(guest.outstanding(), [held]);
  assert.equal(held.export, 'version');
  assert.equal(guest.readString(held), 'guest 1.0');
  guest.release(held);
  assert.equal(exports.live(), 0);

  // An export of `(ptr, len)` called with a buffer the host holds.
  const name = guest.copyIn('held');
  assert.equal(guest.outputExport('greet', 2).callString(name.ptr, name.len), 'Hello, held!');
  guest.release(name);
  assert.equal(exports.live(), 0);
  guest.checkLeaks();
});

test('a result past the cap is refused and left to the guest: its "length" may be no length', () => {
  const exports = instantiateFixture('guest');
  const capped = new Guest(exports, { maxLen: 4 });
  assert.throws(() => capped.outputExport('version').call(), refused(ErrorKind.BadResult, {
    export: 'version', reason: Reason.TooLong, len: 9,
  }));
  assert.deepEqual(capped.outstanding(), []);
  assert.equal(exports.live(), 1, 'not freed');
  // The input of a round trip is given back, the result is not.
  assert.throws(() => capped.export('greet').callString('Ferris'), refused(ErrorKind.BadResult, { reason: Reason.TooLong }));
  assert.equal(exports.live(), 2);
  capped.checkLeaks();
});

test('an export that returns a number, not a packed i64, is refused when it returns', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  assert.throws(() => guest.export('sum').callBytes('abc'), refused(ErrorKind.WrongSignature, {
    export: 'sum', message: '`sum` does not have the type the host expects ((i32, i32) -> i64): it returned a number, not the BigInt of an i64',
  }));
  assert.equal(exports.live(), 0, 'the input was given back');
});

test('memory that grows during a call: every copy is made from a fresh view', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const before = guest.copyIn('before');
  const firstBuffer = exports.memory.buffer;

  // 100,000 bytes do not fit in the first page: `allocate` grows the memory,
  // which detaches the ArrayBuffer of every view made before.
  const large = guest.copyIn(new Uint8Array(100_000).fill(0x61));
  assert.equal(firstBuffer.byteLength, 0, 'detached');
  assert.ok(exports.memory.buffer.byteLength > 65536);
  assert.equal(guest.readString(before), 'before');
  assert.deepEqual(guest.read(large), new Uint8Array(100_000).fill(0x61));

  // `greet` grows the memory again, for its result, in the middle of the call.
  const size = exports.memory.buffer.byteLength;
  const name = 'n'.repeat(size);
  assert.equal(guest.export('greet').callString(name), `Hello, ${name}!`);
  assert.ok(exports.memory.buffer.byteLength > size);
  guest.release(before);
  guest.release(large);
  assert.equal(exports.live(), 0);
});
