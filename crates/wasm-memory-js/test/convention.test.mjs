// Conventions, and what a Guest checks when it is made: before any call,
// so that a guest that does not fit its convention fails at once.
import assert from 'node:assert/strict';
import test from 'node:test';

import { Convention, DEFAULT_MAX_LEN, ErrorKind, Guest, POINTER_HIGH, POINTER_LOW } from '../index.mjs';
import { instantiateFixture, refused } from './support.mjs';

test('allocateDeallocatePacked, and the defaults of every omitted field', () => {
  const convention = Convention.allocateDeallocatePacked();
  assert.deepEqual({ ...convention }, {
    allocator: { allocate: 'allocate', deallocate: 'deallocate' }, order: POINTER_LOW, maxLen: DEFAULT_MAX_LEN, memory: 'memory',
  });
  assert.equal(DEFAULT_MAX_LEN, 16 << 20);
  assert.deepEqual({ ...new Convention() }, { ...convention });
  assert.deepEqual({ ...new Convention({ order: POINTER_HIGH }) }, { ...convention, order: POINTER_HIGH });
  assert.ok(Object.isFrozen(convention));
  assert.ok(Object.isFrozen(convention.allocator));
});

test('a convention that contradicts itself is refused, with the reason', () => {
  const invalid = (fields, message) =>
    assert.throws(() => new Convention(fields), refused(ErrorKind.InvalidConvention, { message }));
  invalid({ allocator: { allocate: '', deallocate: 'deallocate' } }, /export names must be non-empty strings/);
  invalid({ allocator: { malloc: 'free', free: 'free' } }, /^this convention contradicts itself: `free` cannot be both the allocator and the function that frees/);
  invalid({ allocator: { allocate: 'malloc', free: 'free' } }, /must be \{ allocate, deallocate \} or \{ malloc, free \}, not \{ allocate, free \}/);
  invalid({ allocator: null }, /must be \{ allocate, deallocate \} or \{ malloc, free \}, not \{  \}/);
  invalid({ order: 'little-endian' }, /packing order must be POINTER_LOW .* or POINTER_HIGH .*, not little-endian/);
  invalid({ maxLen: -1 }, /maxLen must be an integer from 0 to 4294967295, not -1/);
  invalid({ maxLen: 1.5 }, /not 1.5/);
  invalid({ maxLen: 2 ** 32 }, /not 4294967296/);
  invalid({ maxLen: 16n }, /not 16/);
  invalid({ memory: '' }, /the memory's export name must be a non-empty string/);
  invalid({ memory: 'allocate' }, /`allocate` cannot name both the memory and a function/);
  invalid({ maxlen: 16 }, /unknown field\(s\) maxlen; a convention has allocator, order, maxLen and memory/);
});

test('a Guest takes an instance or its exports, and a Convention or its fields', () => {
  const module = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])); // an empty module
  assert.throws(() => new Guest(new WebAssembly.Instance(module, {})), refused(ErrorKind.MissingExport, { export: 'memory' }));

  const exports = instantiateFixture('guest');
  const fromFields = new Guest(exports, { allocator: { malloc: 'malloc', free: 'free' } });
  assert.ok(fromFields.convention instanceof Convention);
  assert.deepEqual(fromFields.convention.allocator, { malloc: 'malloc', free: 'free' });
  assert.equal(new Guest(exports).convention.order, POINTER_LOW, 'the default convention');
  assert.equal(new Guest(exports).memory, exports.memory);
  assert.throws(() => new Guest(exports, { order: 'little-endian' }), refused(ErrorKind.InvalidConvention));
});

test('a Guest checks the exports its convention needs once, up front, and names them', () => {
  const exports = instantiateFixture('guest');
  assert.throws(() => new Guest(exports, { memory: 'heap' }), refused(ErrorKind.MissingExport, {
    export: 'heap', message: 'the guest does not export a memory `heap`, which this convention needs',
  }));
  assert.throws(() => new Guest(exports, { memory: 'greet' }), refused(ErrorKind.MissingExport, { export: 'greet' }));
  assert.throws(() => new Guest(exports, { allocator: { allocate: 'alloc', deallocate: 'dealloc' } }), refused(ErrorKind.MissingExport, {
    export: 'alloc', message: 'the guest does not export a function `alloc`, which this convention needs',
  }));
  // `free(ptr)` takes one parameter; `deallocate(ptr, size)`, two.
  assert.throws(() => new Guest(exports, { allocator: { malloc: 'allocate', free: 'deallocate' } }), refused(ErrorKind.WrongSignature, {
    export: 'deallocate', message: '`deallocate` does not have the type this convention expects ((i32) -> ()): it takes 2 parameter(s)',
  }));
  assert.throws(() => new Guest(exports, { allocator: { allocate: 'greet', deallocate: 'deallocate' } }), refused(ErrorKind.WrongSignature, {
    export: 'greet', message: '`greet` does not have the type this convention expects ((i32) -> i32): it takes 2 parameter(s)',
  }));
  assert.throws(() => new Guest(exports, { allocator: { allocate: 'memory', deallocate: 'deallocate' }, memory: 'memory' }),
    refused(ErrorKind.InvalidConvention));
});

test('an export handle is checked once, when it is made', () => {
  const guest = new Guest(instantiateFixture('guest'));
  assert.throws(() => guest.export('shout_loudly'), refused(ErrorKind.MissingExport, {
    export: 'shout_loudly', message: 'the guest does not export a function `shout_loudly`, which the host needs',
  }));
  assert.throws(() => guest.export('memory'), refused(ErrorKind.MissingExport, { message: /its `memory` is a Memory/ }));
  assert.throws(() => guest.export('allocate'), refused(ErrorKind.WrongSignature, {
    export: 'allocate', message: '`allocate` does not have the type the host expects ((i32, i32) -> i64): it takes 1 parameter(s)',
  }));
  assert.throws(() => guest.outputExport('version', 1), refused(ErrorKind.WrongSignature, {
    export: 'version', message: '`version` does not have the type the host expects ((i32) -> i64): it takes 0 parameter(s)',
  }));
  assert.equal(guest.export('greet').name, 'greet');
  assert.equal(guest.outputExport('greet', 2).name, 'greet');
});
