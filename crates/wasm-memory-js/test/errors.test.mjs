// Every kind of WasmMemoryError and every reason, each raised by a real
// misuse, with its message and the fields a host can act on. A kind or a
// reason added to index.mjs fails here until it has its row.
import assert from 'node:assert/strict';
import test from 'node:test';

import { Convention, ErrorKind, Guest, Reason, WasmMemoryError, packPtrLen } from '../index.mjs';
import { instantiateFixture, instantiateLiar, refused } from './support.mjs';

/** A guest over the fixture `guest`, holding 'held' (4 bytes at 0x400), and what it returns. */
function holding() {
  const guest = new Guest(instantiateFixture('guest'));
  return { guest, held: guest.copyIn('held') };
}

/** A Guest, with `maxLen` 64, over a liar told what its allocator and its exports return. */
function liar(told) {
  return new Guest(instantiateLiar(told), { maxLen: 64 });
}

/**
 * A Uint8Array that says it has `length` bytes: the checks read `length`,
 * and gigabytes are more than a test should allocate.
 */
function claimingLength(length) {
  return new (class extends Uint8Array {
    get length() {
      return length;
    }
  })();
}

const KINDS = [
  {
    kind: ErrorKind.MissingExport, export: 'heap',
    message: 'the guest does not export a memory `heap`, which this convention needs',
    act: () => new Guest(instantiateFixture('guest'), { memory: 'heap' }),
  },
  {
    kind: ErrorKind.WrongSignature, export: 'allocate',
    message: '`allocate` does not have the type the host expects ((i32, i32) -> i64): it takes 1 parameter(s)',
    act: () => new Guest(instantiateFixture('guest')).export('allocate'),
  },
  {
    kind: ErrorKind.InvalidConvention,
    message: "this convention contradicts itself: the packing order must be POINTER_LOW ('pointer-low') or POINTER_HIGH ('pointer-high'), not little-endian",
    act: () => new Convention({ order: 'little-endian' }),
  },
  {
    kind: ErrorKind.InputTooLarge, export: 'allocate', len: 2 ** 32,
    message: 'an input of 4294967296 bytes cannot be passed to a 32-bit guest (`allocate`)',
    act: () => new Guest(instantiateFixture('guest')).copyIn(claimingLength(2 ** 32)),
  },
  {
    kind: ErrorKind.DoesNotFit, export: 'allocate', ptr: 0x400, len: 6, capacity: 4,
    message: '6 bytes do not fit in the buffer of 4 bytes at 0x400 from `allocate`',
    act: () => {
      const { guest, held } = holding();
      guest.write(held, 'HELLO!');
    },
  },
  {
    // The fixture's allocator returns 0 for a request that would wrap past 2^32.
    kind: ErrorKind.AllocationFailed, export: 'allocate', len: 2 ** 32 - 8,
    message: '`allocate` could not allocate 4294967288 bytes (it returned 0)',
    act: () => new Guest(instantiateFixture('guest')).copyIn(claimingLength(2 ** 32 - 8)),
  },
  {
    kind: ErrorKind.BadAllocation, export: 'allocate', reason: Reason.OutOfBounds, ptr: 0xfffffff0, len: 1, memorySize: 65536,
    message: '`allocate` allocated 1 bytes at 0xfffffff0, ending at 0xfffffff1, past the end of its 65536-byte memory',
    act: () => liar({ allocation: 0xfffffff0 }).copyIn('x'),
  },
  {
    kind: ErrorKind.BadResult, export: 'lie', reason: Reason.OutOfBounds, ptr: 0xfff8, len: 16, memorySize: 65536,
    message: '`lie` returned 16 bytes at 0xfff8, ending at 0x10008, past the end of its 65536-byte memory',
    act: () => liar({ result: packPtrLen(0xfff8, 16) }).outputExport('lie').call(),
  },
  {
    kind: ErrorKind.BadArgument, import: 'log', reason: Reason.OutOfBounds, ptr: 0xfffc, len: 8, memorySize: 65536,
    message: 'the guest passed `log` 8 bytes at 0xfffc, ending at 0x10004, past the end of its 65536-byte memory',
    act: () => new Guest(instantiateFixture('guest')).readArgument('log', 0xfffc, 8),
  },
  {
    // The fixture's `shout` traps until `_initialize` has run.
    kind: ErrorKind.Call, export: 'shout',
    message: 'calling `shout` failed: unreachable',
    act: () => new Guest(instantiateFixture('guest')).export('shout').callString('hello'),
  },
  {
    kind: ErrorKind.ForeignBuffer, export: 'allocate', ptr: 0x400, len: 4,
    message: 'the buffer of 4 bytes at 0x400 from `allocate` belongs to another guest, or to none: this one did not hand it out and cannot free it',
    act: () => new Guest(instantiateFixture('guest')).release(holding().held),
  },
  {
    kind: ErrorKind.AlreadyReleased, export: 'allocate', ptr: 0x400, len: 4,
    message: 'the buffer of 4 bytes at 0x400 from `allocate` was already released',
    act: () => {
      const { guest, held } = holding();
      guest.release(held);
      guest.release(held);
    },
  },
  {
    kind: ErrorKind.OverlapsHeldBuffer, export: 'greet', ptr: 0x403, len: 2,
    message: '`greet` handed over 2 bytes at 0x403, which overlap a buffer the host already holds (4 bytes at 0x400 from `allocate`)',
    act: () => holding().guest.adopt('greet', 0x403, 2),
  },
  {
    kind: ErrorKind.Leaks,
    message: '1 buffer(s) from the guest were not released:\n  4 bytes at 0x400 from `allocate`',
    act: () => holding().guest.checkLeaks(),
  },
];

test('every kind of error, raised by a real misuse, with its message and fields', () => {
  for (const { act, ...expected } of KINDS) {
    assert.throws(act, (error) => {
      assert.ok(error instanceof WasmMemoryError && error instanceof Error, expected.kind);
      assert.equal(error.cause instanceof WebAssembly.RuntimeError, expected.kind === ErrorKind.Call, 'a Call has its cause');
      assert.throws(() => { throw error; }, refused(expected.kind, expected));
      return true;
    });
  }
  assert.deepEqual(KINDS.map(({ kind }) => kind).sort(), Object.values(ErrorKind).sort(), 'every kind has its row');
  assert.ok(Object.isFrozen(ErrorKind));
  for (const [name, kind] of Object.entries(ErrorKind)) assert.equal(kind, name, 'a kind is its own name');
});

const REASONS = [
  {
    // Inside memory, but longer than this host accepts (the liar's Guest has maxLen 64).
    reason: Reason.TooLong, ptr: 0x400, len: 100,
    message: '`lie` returned 100 bytes at 0x400, more than the 64 bytes the host accepts',
    act: () => liar({ result: packPtrLen(0x400, 100) }).outputExport('lie').call(),
  },
  {
    reason: Reason.Overflow, ptr: 0xfffffff0, len: 32,
    message: '`lie` returned 32 bytes at 0xfffffff0: the end overflows a 32-bit address',
    act: () => liar({ result: packPtrLen(0xfffffff0, 32) }).outputExport('lie').call(),
  },
  {
    reason: Reason.OutOfBounds, ptr: 0x10000, len: 1,
    message: '`lie` returned 1 bytes at 0x10000, ending at 0x10001, past the end of its 65536-byte memory',
    act: () => liar({ result: packPtrLen(0x10000, 1) }).outputExport('lie').call(),
  },
  {
    // The liar's bytes at 2048 are not UTF-8.
    reason: Reason.NotUtf8, ptr: 0x800, len: 7,
    message: '`lie` returned 7 bytes at 0x800 that are not UTF-8',
    act: () => liar({ result: packPtrLen(0x800, 7) }).outputExport('lie').callString(),
  },
];

test('every reason a range is refused, with its message', () => {
  for (const { act, ...expected } of REASONS) {
    assert.throws(act, refused(ErrorKind.BadResult, { export: 'lie', memorySize: 65536, ...expected }), expected.reason);
  }
  assert.deepEqual(REASONS.map(({ reason }) => reason).sort(), Object.values(Reason).sort(), 'every reason has its row');
  assert.ok(Object.isFrozen(Reason));
  for (const [name, reason] of Object.entries(Reason)) assert.equal(reason, name, 'a reason is its own name');
});

test('a refused range is not given back; a real buffer that is not UTF-8 is', () => {
  const outside = instantiateLiar({ result: packPtrLen(0xfff8, 16) });
  assert.throws(() => new Guest(outside).outputExport('lie').call(), refused(ErrorKind.BadResult));
  assert.equal(outside.frees(), 0, 'no buffer the guest allocated: nothing to free');

  const notUtf8 = instantiateLiar({ result: packPtrLen(0x800, 7) });
  assert.throws(() => new Guest(notUtf8).outputExport('lie').callString(), refused(ErrorKind.BadResult, { reason: Reason.NotUtf8 }));
  assert.equal(notUtf8.frees(), 1, 'inside memory: a buffer, given back');
  assert.equal(notUtf8.frees_outside(), 0);
});

test('an allocator that fails or lies: nothing is held, nothing freed outside memory', () => {
  const failing = instantiateLiar({ allocation: 0 });
  const guest = new Guest(failing);
  assert.throws(() => guest.copyIn('x'), refused(ErrorKind.AllocationFailed, { len: 1 }));
  assert.throws(() => guest.export('lie_about').callString('x'), refused(ErrorKind.AllocationFailed));
  // An empty input needs no memory: 0 is an answer, and it is given back.
  const empty = guest.copyIn('');
  assert.deepEqual({ ...empty }, { ptr: 0, len: 0, export: 'allocate' });
  guest.release(empty);

  const lying = instantiateLiar({ allocation: 0xfffffff0 });
  const lied = new Guest(lying);
  assert.throws(() => lied.copyIn('x'.repeat(32)), refused(ErrorKind.BadAllocation, { reason: Reason.Overflow, len: 32 }));
  // Past the end even for an empty input: refused, not freed.
  assert.throws(() => lied.copyIn(''), refused(ErrorKind.BadAllocation, { reason: Reason.OutOfBounds, len: 0 }));
  assert.deepEqual(lied.outstanding(), []);
  assert.equal(lying.frees(), 0);
  assert.equal(lying.frees_outside(), 0);
});
