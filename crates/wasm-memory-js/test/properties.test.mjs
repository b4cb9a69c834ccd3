// Property tests, with fast-check: the checked reads against memories of
// every size, the packing, and whole calls against the liar
// (fixtures/liar.wasm), a guest that returns whatever it is told to. The
// invariants are those of the Rust crate wasm-memory-host's property tests.
// Each property runs FAST_CHECK_RUNS cases, 100000 unless set.
import assert from 'node:assert/strict';
import test from 'node:test';

import fc from 'fast-check';
import {
  Convention, ErrorKind, Guest, POINTER_HIGH, POINTER_LOW, Reason, WasmMemoryError,
  copyOut, packPtrLen, readString, unpackPtrLen,
} from '../index.mjs';
import { fixtureModule, hex } from './support.mjs';

const numRuns = Number(process.env.FAST_CHECK_RUNS ?? 100_000);
const MAX_U32 = 2 ** 32 - 1;

/** A u32 near the values where arithmetic goes wrong, or any. */
const edgy = fc.oneof(
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: MAX_U32 - 63, max: MAX_U32 }),
  fc.integer({ min: 0, max: 4 }).chain((pages) =>
    fc.integer({ min: Math.max(0, pages * 65536 - 64), max: pages * 65536 + 64 })),
  fc.integer({ min: 0, max: MAX_U32 }),
);
const order = fc.constantFrom(POINTER_LOW, POINTER_HIGH);

/**
 * Runs a property for numRuns cases, after its `examples` (cases it once
 * failed on), and checks that they all ran.
 */
function check(property) {
  let ran = 0;
  fc.assert(fc.property(...property.arbitraries, (...values) => {
    ran += 1;
    property.predicate(...values);
  }), { numRuns, examples: property.examples ?? [] });
  assert.ok(ran >= numRuns, `${ran} cases ran, fewer than ${numRuns}`);
}

/** What the checks must say about `len` bytes at `ptr`: null, or the reason to refuse. */
function expectedReason(ptr, len, memorySize, maxLen) {
  if (len > maxLen) return Reason.TooLong;
  if (ptr + len > 2 ** 32) return Reason.Overflow;
  if (ptr + len > memorySize) return Reason.OutOfBounds;
  return null;
}

test('copyOut and readString return exactly the bytes inside memory and within the cap', () => {
  const memories = [0, 1, 2].map((pages) => {
    const memory = new WebAssembly.Memory({ initial: pages });
    const bytes = new Uint8Array(memory.buffer);
    for (let at = 0; at < bytes.length; at += 1) bytes[at] = at % 251; // UTF-8 in places
    return memory;
  });
  check({
    arbitraries: [fc.integer({ min: 0, max: 2 }), edgy, fc.oneof(fc.integer({ min: 0, max: 300 }), edgy), edgy],
    predicate(which, ptr, len, maxLen) {
      const memory = memories[which];
      const reason = expectedReason(ptr, len, memory.buffer.byteLength, maxLen);
      if (reason === null) {
        const inside = new Uint8Array(memory.buffer, ptr, len);
        assert.deepEqual(copyOut(memory, ptr, len, maxLen), inside.slice());
        let text = null;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(inside);
        } catch {
          assert.throws(() => readString(memory, ptr, len, maxLen), { reason: Reason.NotUtf8 });
        }
        if (text !== null) assert.equal(readString(memory, ptr, len, maxLen), text);
        return;
      }
      for (const read of [copyOut, readString]) {
        assert.throws(() => read(memory, ptr, len, maxLen), (error) => {
          assert.ok(error instanceof WasmMemoryError);
          assert.equal(error.reason, reason);
          assert.equal(error.ptr, ptr);
          assert.equal(error.len, len);
          assert.ok(error.message.includes(`${len} bytes at ${hex(ptr)}`), error.message);
          return true;
        });
      }
    },
  });
});

test('packing and unpacking are inverses in both orders', () => {
  check({
    arbitraries: [fc.integer({ min: 0, max: MAX_U32 }), fc.integer({ min: 0, max: MAX_U32 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), order],
    predicate(ptr, len, packed, packing) {
      assert.deepEqual(unpackPtrLen(packPtrLen(ptr, len, packing), packing), { ptr, len });
      const halves = unpackPtrLen(packed, packing);
      assert.equal(packPtrLen(halves.ptr, halves.len, packing), packed);
      // An i64 arrives signed: the same bits, read as negative, unpack alike.
      assert.deepEqual(unpackPtrLen(BigInt.asIntN(64, packed), packing), halves);
    },
  });
});

test('calls through the utility keep every invariant, whatever the liar returns', () => {
  const liar = fixtureModule('liar');
  check({
    arbitraries: [
      fc.integer({ min: 0, max: 2 }), order, fc.oneof(fc.constant(MAX_U32), fc.integer({ min: 0, max: 255 }), edgy),
      fc.oneof(fc.integer({ min: 2040, max: 2060 }), fc.integer({ min: 3068, max: 3100 }), edgy),
      fc.oneof(fc.integer({ min: 0, max: 40 }), edgy),
      fc.oneof(fc.constant(1024), fc.constant(2048), edgy),
      fc.option(fc.uint8Array({ maxLength: 40 })), fc.boolean(),
    ],
    // An empty input, for which the allocator returns an address past the
    // end: this module gave it back with `deallocate`, until this case.
    examples: [[0, POINTER_LOW, MAX_U32, 2040, 0, MAX_U32 - 63, new Uint8Array(), false]],
    predicate(growth, packing, maxLen, ptr, len, allocation, input, asString) {
      const { exports } = new WebAssembly.Instance(liar, {});
      exports.grow(growth);
      exports.tell(allocation, BigInt.asIntN(64, packPtrLen(ptr, len, packing)));
      const guest = new Guest(exports, new Convention({ order: packing, maxLen }));
      let out;
      let error;
      try {
        if (input === null) {
          const lie = guest.outputExport('lie');
          out = asString ? new TextEncoder().encode(lie.callString()) : lie.call();
        } else {
          out = guest.export('lie_about').callBytes(input);
        }
      } catch (thrown) {
        error = thrown;
      }
      assert.equal(exports.frees_outside(), 0, 'the host freed a range outside memory');
      guest.checkLeaks();
      if (error === undefined) {
        const memory = new Uint8Array(exports.memory.buffer);
        assert.ok(ptr + len <= memory.length && len <= maxLen);
        assert.deepEqual(out, memory.slice(ptr, ptr + len));
        return;
      }
      assert.ok(error instanceof WasmMemoryError, String(error));
      const namesItsValues = [ErrorKind.BadResult, ErrorKind.BadAllocation, ErrorKind.OverlapsHeldBuffer];
      if (namesItsValues.includes(error.kind)) {
        assert.ok(error.message.includes(hex(error.ptr)), error.message);
      } else {
        assert.equal(error.kind, ErrorKind.AllocationFailed, error.message);
      }
    },
  });
});
