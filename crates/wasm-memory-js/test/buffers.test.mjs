// The buffers the host holds (copied in, or adopted from a result), what
// an import reads of the guest's memory, and what it hands over: each
// given back exactly once, to the guest it came from, or left to the guest.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ErrorKind, Guest, GuestBuffer, Reason } from '../index.mjs';
import { hex, instantiateFixture, instantiateLiar, refused } from './support.mjs';

test('a buffer is written, read, and released once, to its own guest', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const buffer = guest.copyIn('hello');
  assert.ok(Object.isFrozen(buffer));
  assert.deepEqual({ ...buffer }, { ptr: 1024, len: 5, export: 'allocate' });
  assert.deepEqual(guest.outstanding(), [buffer]);
  assert.equal(exports.live(), 1);

  guest.write(buffer, 'HEL'); // to the start of the buffer
  assert.equal(guest.readString(buffer), 'HELlo');
  guest.write(buffer, new Uint8Array([0x68, 0x69]));
  assert.deepEqual(guest.read(buffer), new TextEncoder().encode('hiLlo'));
  assert.throws(() => guest.write(buffer, 'HELLO!'), refused(ErrorKind.DoesNotFit, { len: 6, capacity: 5 }));
  assert.equal(guest.readString(buffer), 'hiLlo', 'nothing written');

  guest.release(buffer);
  assert.equal(exports.live(), 0);
  assert.deepEqual(guest.outstanding(), []);
  const twice = refused(ErrorKind.AlreadyReleased);
  assert.throws(() => guest.release(buffer), twice);
  assert.throws(() => guest.read(buffer), twice);
  assert.throws(() => guest.write(buffer, 'x'), twice);
  assert.equal(exports.live(), 0, 'released once');
});

test('a buffer belongs to the guest that handed it out', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const buffer = guest.copyIn('mine');
  const foreign = refused(ErrorKind.ForeignBuffer, { ptr: buffer.ptr, len: 4 });
  // Another Guest, even over the same instance, does not hold it.
  assert.throws(() => new Guest(exports).release(buffer), foreign);
  assert.throws(() => new Guest(instantiateFixture('guest')).read(buffer), foreign);
  // Nor is a look-alike the buffer.
  assert.throws(() => guest.release(new GuestBuffer(buffer.ptr, buffer.len, 'allocate')), foreign);
  assert.throws(() => guest.release({ ptr: buffer.ptr, len: 4 }), refused(ErrorKind.ForeignBuffer));
  assert.equal(exports.live(), 1);
  guest.release(buffer);
  assert.equal(exports.live(), 0);
});

test('adopt takes on a buffer only inside memory, and never over one the host holds', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const size = exports.memory.buffer.byteLength;
  assert.throws(() => guest.adopt('greet', size - 2, 4), refused(ErrorKind.BadResult, {
    export: 'greet', reason: Reason.OutOfBounds, ptr: size - 2, len: 4, memorySize: size,
  }));
  assert.throws(() => guest.adopt('greet', 0xfffffff0, 32), refused(ErrorKind.BadResult, { reason: Reason.Overflow }));
  for (const [ptr, len] of [[-1, 4], [16, 2 ** 32], [1.5, 4], [16n, 4n], ['16', 4]]) {
    assert.throws(() => guest.adopt('greet', ptr, len), { name: 'TypeError', message: /^a pointer and a length are integers from 0 to 4294967295/ });
  }

  const held = guest.copyIn('held');
  assert.throws(() => guest.adopt('greet', held.ptr + 3, 2), refused(ErrorKind.OverlapsHeldBuffer, {
    export: 'greet', ptr: held.ptr + 3, len: 2, held,
  }));
  assert.throws(() => guest.adopt('greet', held.ptr - 8, 9), refused(ErrorKind.OverlapsHeldBuffer));
  const beside = guest.adopt('greet', held.ptr + held.len, 4); // touching is not overlapping
  assert.deepEqual({ ...beside }, { ptr: held.ptr + 4, len: 4, export: 'greet' });
  // The length cap applies when reading, so that a long buffer can still be given back.
  const capped = new Guest(exports, { maxLen: 4 });
  const long = capped.adopt('greet', 8192, 5);
  assert.throws(() => capped.read(long), refused(ErrorKind.BadResult, { reason: Reason.TooLong, len: 5 }));
  capped.release(long);
  capped.checkLeaks();
  guest.release(beside);
  guest.release(held);
  guest.checkLeaks();
});

test('checkLeaks names every buffer the host still holds', () => {
  const guest = new Guest(instantiateFixture('guest'));
  const first = guest.copyIn('one');
  const second = guest.copyIn('two');
  assert.throws(() => guest.checkLeaks(), refused(ErrorKind.Leaks, {
    leaks: [first, second],
    message: `2 buffer(s) from the guest were not released:\n  3 bytes at ${hex(first.ptr)} from \`allocate\`\n  3 bytes at ${hex(second.ptr)} from \`allocate\``,
  }));
  guest.release(first);
  assert.throws(() => guest.checkLeaks(), refused(ErrorKind.Leaks, { leaks: [second] }));
  guest.release(second);
  guest.checkLeaks();
});

test('an import reads what its guest passed, as its i32 parameters arrive', () => {
  // The fixtures import nothing: these calls are made as an import's body
  // would make them, with the Numbers the engine hands it.
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports, { maxLen: 64 });
  const text = guest.copyIn('héllo');
  assert.equal(guest.readArgumentString('log', text.ptr, text.len), 'héllo');
  assert.deepEqual(guest.readArgument('log', text.ptr, text.len), new TextEncoder().encode('héllo'));
  assert.deepEqual(guest.readArgument('log', text.ptr, 0), new Uint8Array(), 'an empty argument');

  // A pointer at 2 GiB or above arrives negative: read as unsigned, then refused.
  const size = exports.memory.buffer.byteLength;
  assert.throws(() => guest.readArgument('log', -16, 4), refused(ErrorKind.BadArgument, {
    import: 'log', reason: Reason.OutOfBounds, ptr: 0xfffffff0, len: 4, memorySize: size,
  }));
  // A length of -1, as the guest's i32: past the cap before anything else.
  assert.throws(() => guest.readArgument('log', 16, -1), refused(ErrorKind.BadArgument, { reason: Reason.TooLong, len: 0xffffffff }));
  assert.throws(() => guest.readArgument('log', 0xfffffff8, 16), refused(ErrorKind.BadArgument, { reason: Reason.Overflow }));
  const notUtf8 = guest.copyIn(new Uint8Array([0xff, 0xfe]));
  assert.throws(() => guest.readArgumentString('log', notUtf8.ptr, notUtf8.len), refused(ErrorKind.BadArgument, { reason: Reason.NotUtf8 }));
  assert.deepEqual(guest.readArgument('log', notUtf8.ptr, notUtf8.len), new Uint8Array([0xff, 0xfe]), 'bytes are bytes');
  guest.release(notUtf8);
  guest.release(text);
});

test('handOver allocates in the guest for an import to answer with, and the guest frees it', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const answer = guest.handOver('an answer');
  assert.ok(Object.isFrozen(answer));
  assert.deepEqual(Object.keys(answer), ['ptr', 'len']);
  assert.equal(answer.len, 9);
  assert.equal(guest.readArgumentString('answer', answer.ptr, answer.len), 'an answer');
  assert.deepEqual(guest.outstanding(), [], 'the guest\'s from now on, not the host\'s');
  guest.checkLeaks();
  assert.equal(exports.live(), 1);
  exports.deallocate(answer.ptr, answer.len); // as the guest would
  assert.equal(exports.live(), 0);
});

test('an allocator that hands out bytes the host holds is refused before they are written over', () => {
  // The liar's allocator returns 1024 every time: the second buffer would
  // overlap the first, and giving both back would free the same bytes twice.
  const exports = instantiateLiar({ allocation: 1024 });
  const guest = new Guest(exports);
  const first = guest.copyIn('first');
  assert.throws(() => guest.copyIn('second'), refused(ErrorKind.OverlapsHeldBuffer, {
    export: 'allocate', ptr: 1024, len: 6, held: first,
    message: '`allocate` handed out 6 bytes at 0x400, which overlap a buffer the host already holds (5 bytes at 0x400 from `allocate`)',
  }));
  assert.equal(guest.readString(first), 'first', 'the held buffer keeps its bytes');
  assert.deepEqual(guest.outstanding(), [first]);
  guest.release(first);
  assert.deepEqual([exports.frees(), exports.frees_outside()], [1, 0], 'only the first buffer is freed');
});
