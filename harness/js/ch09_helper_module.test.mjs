// Chapter 9's helper module, wasm-memory-js, against the book's guests: the
// lying guest of chapter 4, chapter 8's checked allocator and its
// misbehaving one, a guest that traps in the middle of a call, a malloc/free
// guest packing pointer-high, and an export that takes only numbers. After
// each, the guest's live-allocation count is back where it started. The
// package's own tests, in crates/wasm-memory-js/test/, use its own fixtures.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  Convention, ErrorKind, Guest, POINTER_HIGH, POINTER_LOW, Reason, WasmMemoryError, copyOut, readString, unpackPtrLen,
} from 'wasm-memory-js';

import { artifact, instantiate } from './book.mjs';

/** What `assert.throws` compares a WasmMemoryError with: its kind, and the rest as given. */
const refused = (kind, rest) => ({ name: 'WasmMemoryError', kind, ...rest });

test('a Guest checks the exports it needs once, up front, and names them', async () => {
  const exports = await instantiate('CH04_PACKED_RETURN');
  assert.throws(() => new Guest(exports, { allocator: { malloc: 'malloc', free: 'free' } }), refused(ErrorKind.MissingExport, {
    export: 'malloc', message: 'the guest does not export a function `malloc`, which this convention needs',
  }));
  assert.throws(() => new Guest(exports, { memory: 'heap' }), refused(ErrorKind.MissingExport, {
    export: 'heap', message: 'the guest does not export a memory `heap`, which this convention needs',
  }));
  // `free(ptr)` takes one parameter; `deallocate(ptr, size)`, two.
  assert.throws(() => new Guest(exports, { allocator: { malloc: 'allocate', free: 'deallocate' } }), refused(ErrorKind.WrongSignature, {
    export: 'deallocate', message: '`deallocate` does not have the type this convention expects ((i32) -> ()): it takes 2 parameter(s)',
  }));

  const guest = new Guest(exports);
  assert.throws(() => guest.export('shout'), refused(ErrorKind.MissingExport, {
    export: 'shout', message: 'the guest does not export a function `shout`, which the host needs',
  }));
  assert.throws(() => guest.export('memory'), { kind: ErrorKind.MissingExport, message: /its `memory` is a Memory/ });
  assert.throws(() => guest.export('allocate'), refused(ErrorKind.WrongSignature, {
    message: '`allocate` does not have the type the host expects ((i32, i32) -> i64): it takes 1 parameter(s)',
  }));
});

test('a round trip with a Rust guest', async () => {
  const { instance } = await WebAssembly.instantiate(artifact('CH04_PACKED_RETURN'));
  const guest = new Guest(instance, Convention.allocateDeallocatePacked());
  const greet = guest.export('greet'); // resolved and checked once
  assert.equal(greet.callString('Ferris'), 'Hello, Ferris!');
  assert.deepEqual(greet.callBytes(new Uint8Array([0x41])), new TextEncoder().encode('Hello, A!'));
  guest.checkLeaks(); // nothing held: both buffers of each call were released
});

test('every lie of the lying guest is refused with its reason', async () => {
  const guest = await instantiate('CH04_LYING_GUEST');
  const read = (name) => {
    const { ptr, len } = unpackPtrLen(guest[name]());
    return () => readString(guest.memory, ptr, len, 64 * 1024);
  };
  assert.throws(read('ends_past_memory'), refused(ErrorKind.BadResult, {
    reason: Reason.OutOfBounds, ptr: 0x10fff8, len: 16, memorySize: 1114112,
    message: 'guest returned 16 bytes at 0x10fff8, ending at 0x110008, past the end of its 1114112-byte memory',
  }));
  assert.throws(read('length_wraps_around'), refused(ErrorKind.BadResult, {
    reason: Reason.Overflow, message: 'guest returned 32 bytes at 0xfffffff0: the end overflows a 32-bit address',
  }));
  assert.throws(read('huge_length'), refused(ErrorKind.BadResult, {
    reason: Reason.TooLong, message: 'guest returned 3221225472 bytes at 0x400, more than the 65536 bytes the host accepts',
  }));
  assert.throws(read('invalid_utf8'), refused(ErrorKind.BadResult, {
    reason: Reason.NotUtf8, message: /^guest returned 4 bytes at 0x[0-9a-f]+ that are not UTF-8$/,
  }));
  assert.throws(() => copyOut(guest.memory, 0, 1, 0), WasmMemoryError);
});

test('adopt takes on a buffer only inside memory, and never one the host holds', async () => {
  const guest = new Guest(await instantiate('CH08_RUST_SHOUT'));
  const size = guest.memory.buffer.byteLength;
  assert.throws(() => guest.adopt('shout', size - 2, 4), refused(ErrorKind.BadResult, {
    export: 'shout', reason: Reason.OutOfBounds, ptr: size - 2, len: 4, memorySize: size,
    message: `\`shout\` returned 4 bytes at 0x${(size - 2).toString(16)}, ending at 0x${(size + 2).toString(16)}, past the end of its ${size}-byte memory`,
  }));
  assert.throws(() => guest.adopt('shout', 0xfffffff0, 32), refused(ErrorKind.BadResult, {
    reason: Reason.Overflow, message: '`shout` returned 32 bytes at 0xfffffff0: the end overflows a 32-bit address',
  }));

  const held = guest.copyIn('held');
  assert.throws(() => guest.adopt('shout', held.ptr + 3, 2), refused(ErrorKind.OverlapsHeldBuffer, {
    export: 'shout', ptr: held.ptr + 3, len: 2, held,
    message: `\`shout\` handed over 2 bytes at 0x${(held.ptr + 3).toString(16)}, which overlap a buffer the host already holds (4 bytes at 0x${held.ptr.toString(16)} from \`allocate\`)`,
  }));
  guest.release(held);
  guest.checkLeaks();
});

test('the buffers the host holds: written, read, released once, to their own guest', async () => {
  const exports = await instantiate('CH08_RUST_SHOUT');
  const guest = new Guest(exports, { maxLen: 4 });
  const buffer = guest.copyIn('hello');
  assert.equal(exports.live(), 1);
  assert.deepEqual(guest.outstanding(), [buffer]);
  assert.deepEqual({ ...buffer }, { ptr: buffer.ptr, len: 5, export: 'allocate' });

  // Longer than maxLen: refused when read, though the guest allocated it.
  assert.throws(() => guest.read(buffer), refused(ErrorKind.BadResult, {
    reason: Reason.TooLong, message: `\`allocate\` returned 5 bytes at 0x${buffer.ptr.toString(16)}, more than the 4 bytes the host accepts`,
  }));
  guest.write(buffer, 'HEL');
  const roomy = new Guest(exports); // the default cap, and the same instance
  assert.throws(() => roomy.read(buffer), refused(ErrorKind.ForeignBuffer, {
    message: `the buffer of 5 bytes at 0x${buffer.ptr.toString(16)} from \`allocate\` belongs to another guest, or to none: this one did not hand it out and cannot free it`,
  }));
  assert.throws(() => guest.write(buffer, 'HELLO!'), refused(ErrorKind.DoesNotFit, {
    len: 6, capacity: 5, message: `6 bytes do not fit in the buffer of 5 bytes at 0x${buffer.ptr.toString(16)} from \`allocate\``,
  }));
  assert.throws(() => guest.release({ ptr: buffer.ptr, len: 5 }), { kind: ErrorKind.ForeignBuffer });

  assert.throws(() => guest.checkLeaks(), refused(ErrorKind.Leaks, {
    leaks: [buffer],
    message: `1 buffer(s) from the guest were not released:\n  5 bytes at 0x${buffer.ptr.toString(16)} from \`allocate\``,
  }));
  const small = roomy.copyIn('hi'); // a short one reads within the cap
  assert.equal(roomy.readString(small), 'hi');
  roomy.release(small);

  guest.release(buffer);
  assert.equal(exports.live(), 0);
  guest.checkLeaks();
  const twice = refused(ErrorKind.AlreadyReleased, {
    message: `the buffer of 5 bytes at 0x${buffer.ptr.toString(16)} from \`allocate\` was already released`,
  });
  assert.throws(() => guest.release(buffer), twice);
  assert.throws(() => guest.readString(buffer), twice);
  assert.equal(exports.live(), 0);
});

test('the input and the result are freed, also when the guest traps', async () => {
  const messages = [];
  const exports = await instantiate('CH08_RUST_SHOUT', { messages });
  const guest = new Guest(exports);
  const shout = guest.export('shout');

  assert.equal(shout.callString('hello'), 'HELLO');
  assert.equal(exports.live(), 0);
  // Not UTF-8: `shout` traps, and the input is freed all the same.
  assert.throws(() => shout.callBytes(new Uint8Array([0xff])), (error) => {
    assert.equal(error.kind, ErrorKind.Call);
    assert.equal(error.export, 'shout');
    assert.equal(error.message, 'calling `shout` failed: unreachable');
    assert.ok(error.cause instanceof WebAssembly.RuntimeError);
    return true;
  });
  assert.equal(exports.live(), 0);
  guest.checkLeaks();
  assert.deepEqual(messages, []);
});

test('the other packing order, with a malloc/free guest', async () => {
  const exports = await instantiate('CH08_MALLOC_SHOUT');
  const malloc = { allocator: { malloc: 'malloc', free: 'free' } };
  const guest = new Guest(exports, { ...malloc, order: POINTER_HIGH });
  assert.equal(guest.export('shout').callString('order'), 'ORDER');
  guest.checkLeaks();

  // The book's order on this guest: the length 5 becomes the pointer and
  // the heap address the length, so that the "result" covers the input,
  // which the host still holds. Refused, and so never freed twice.
  const wrong = new Guest(exports, { ...malloc, order: POINTER_LOW });
  assert.throws(() => wrong.export('shout').callString('order'), refused(ErrorKind.OverlapsHeldBuffer, {
    export: 'shout', ptr: 5, message: /^`shout` handed over \d+ bytes at 0x5, which overlap a buffer the host already holds \(5 bytes at 0x[0-9a-f]+ from `malloc`\)$/,
  }));
  wrong.checkLeaks(); // the input was freed all the same
});

test('an allocator that hands out a buffer outside its memory', async () => {
  const guest = new Guest(await instantiate('CH08_MISBEHAVING_ALLOCATOR'));
  // It returns 0xfffffff0, which JavaScript receives as -16: an i32 is signed.
  assert.throws(() => guest.copyIn('x'), refused(ErrorKind.BadAllocation, {
    export: 'allocate', reason: Reason.OutOfBounds, ptr: 0xfffffff0, len: 1, memorySize: 65536,
    message: '`allocate` allocated 1 bytes at 0xfffffff0, ending at 0xfffffff1, past the end of its 65536-byte memory',
  }));
  assert.throws(() => guest.copyIn('x'.repeat(32)), refused(ErrorKind.BadAllocation, {
    reason: Reason.Overflow, message: '`allocate` allocated 32 bytes at 0xfffffff0: the end overflows a 32-bit address',
  }));
  assert.deepEqual(guest.outstanding(), []);
});

test('an output export: numbers in, a buffer out, held or copied', async () => {
  const exports = await instantiate('CH08_ROUND_TRIP');
  const guest = new Guest(exports);
  const echo = guest.outputExport('echo', 2); // checked once: 2 parameters
  const input = guest.copyIn('held');
  const result = echo.callBuffer(input.ptr, input.len);
  assert.equal(guest.readString(result), 'held');
  guest.release(result);
  assert.deepEqual([...echo.call(input.ptr, input.len)], [...new TextEncoder().encode('held')]);
  assert.equal(echo.callString(input.ptr, input.len), 'held');
  guest.release(input);
  guest.checkLeaks();
  assert.throws(() => guest.outputExport('echo', 1), refused(ErrorKind.WrongSignature, {
    export: 'echo', message: '`echo` does not have the type the host expects ((i32) -> i64): it takes 2 parameter(s)',
  }));

  // A result past the cap is refused and left to the guest: its "length"
  // may be no length at all.
  const capped = new Guest(exports, { maxLen: 2 });
  const small = capped.copyIn('four');
  assert.throws(() => capped.outputExport('echo', 2).call(small.ptr, small.len), refused(ErrorKind.BadResult, {
    export: 'echo', reason: Reason.TooLong, len: 4,
  }));
  assert.deepEqual(capped.outstanding(), [small], 'only the input is held, not the refused result');
  capped.release(small);
});
