// Chapter 2: linear memory from a JavaScript host, the twin of
// harness/rust/tests/chapters/ch02_linear_memory.rs: the same compiled
// listings, the same steps, the same expected outputs where the answer does
// not depend on the host.
import assert from 'node:assert/strict';
import test from 'node:test';

import { expectFile, instantiate } from './book.mjs';

const hex = (n) => `0x${n.toString(16).padStart(6, '0')}`;

test('the host reads and writes at the address a guest pointer names', async () => {
  const exports = await instantiate('CH02_POINTER_IS_OFFSET');
  // ANCHOR: pointer
  const { memory, counter_address, increment } = exports;

  increment();
  const at = counter_address();

  // A DataView reads and writes little-endian integers, checking the bounds.
  const view = new DataView(memory.buffer);
  assert.equal(view.getUint32(at, true), 1);

  // The guest sees what the host wrote.
  view.setUint32(at, 41, true);
  assert.equal(increment(), 42);

  // A Uint8Array is a view of the same bytes: no copy.
  assert.deepEqual([...new Uint8Array(memory.buffer, at, 4)], [42, 0, 0, 0]);
  // ANCHOR_END: pointer
});

test('statics sit between the stack and the heap', async () => {
  const exports = await instantiate('CH02_POINTER_IS_OFFSET');
  const counter = exports.counter_address();
  const dataEnd = exports.__data_end.value;
  const heapBase = exports.__heap_base.value;
  const memorySize = exports.memory.buffer.byteLength;
  const stackSize = 1 << 20;
  assert.ok(stackSize <= counter && counter + 4 <= dataEnd && dataEnd <= heapBase && heapBase < memorySize);
  expectFile('ch02-linear-memory/pointer-is-offset.txt',
    `stack (grows down)   0x000000 .. ${hex(stackSize)}\n`
    + `COUNTER              ${hex(counter)} .. ${hex(counter + 4)}\n`
    + `__data_end           ${hex(dataEnd)}\n`
    + `__heap_base          ${hex(heapBase)}\n`
    + `end of memory        ${hex(memorySize)}  (${memorySize / 65_536} pages)\n`);
  expectFile('ch02-linear-memory/layout.mmd',
    'block-beta\n  columns 4\n  '
    + `stack["stack, grows down\\n0x000000 .. ${hex(stackSize)}"] `
    + `statics["statics: COUNTER\\n${hex(counter)} .. ${hex(dataEnd)}"] `
    + `heap["heap\\n${hex(heapBase)} (__heap_base) .."] `
    + `grown["pages memory.grow adds\\nfrom ${hex(memorySize)}"]\n`);
});

test('guest and host grow the same memory, up to a limit', async () => {
  const exports = await instantiate('CH02_PAGES_AND_GROW');
  // ANCHOR: grow
  const PAGE_SIZE = 65_536;
  const { memory, memory_pages, grow_memory } = exports;

  // 16 pages: 1 MiB of stack, and this guest has no statics.
  assert.equal(memory_pages(), 16);
  assert.equal(memory.buffer.byteLength, 16 * PAGE_SIZE);

  // The guest grows by 2 pages; `memory.grow` returns the old size.
  assert.equal(grow_memory(2), 16);
  // The host grows the same memory; the guest sees it at once.
  assert.equal(memory.grow(1), 18);
  assert.equal(memory_pages(), 19);

  // The JavaScript API has no limit to put on a memory the module defines
  // (a maximum is for a memory the host makes): the limit is wasm32's
  // 65,536 pages, 4 GiB. One page more is refused, and no trap.
  const pastTheLimit = 65_536 - 19 + 1;
  assert.equal(grow_memory(pastTheLimit), -1);
  assert.equal(memory_pages(), 19); // nothing changed

  // The same request from the host throws.
  assert.throws(() => memory.grow(pastTheLimit), {
    name: 'RangeError',
    message: 'WebAssembly.Memory.grow(): Unable to grow instance memory',
  });
  // ANCHOR_END: grow
});

test('a view made before the guest grows the memory goes stale', async () => {
  const exports = await instantiate('CH02_PAGES_AND_GROW');
  // ANCHOR: stale
  const { memory, grow_memory } = exports;

  const before = new Uint8Array(memory.buffer);
  const length = before.length;
  grow_memory(1);

  // Growing detached the old ArrayBuffer: its views now have length 0, and
  // reading one gives `undefined`, with no error.
  assert.equal(before.length, 0);
  assert.equal(before[0], undefined);

  // A view made after the call sees the grown memory.
  assert.equal(new Uint8Array(memory.buffer).length, length + 65_536);
  // ANCHOR_END: stale
});

test('the host decodes a #[repr(C)] struct', async () => {
  const exports = await instantiate('CH02_STRUCT_LAYOUT');
  // ANCHOR: decode
  const { memory, sample_address } = exports;

  // The guest's compiler decided the layout; the host checks it agrees.
  assert.equal(exports.sample_size(), 12);
  assert.equal(exports.sample_align(), 4);
  assert.equal(exports.sample_value_offset(), 4);
  assert.equal(exports.sample_scale_offset(), 8);
  // Without `#[repr(C)]` Rust reordered the fields and dropped a padding gap.
  assert.equal(exports.default_repr_size(), 8);

  const address = sample_address();
  const bytes = new Uint8Array(memory.buffer, address, 12);
  // Little-endian: the least significant byte comes first.
  assert.deepEqual([...bytes.subarray(4, 8)], [0x44, 0x33, 0x22, 0x11]);
  const view = new DataView(memory.buffer, address, 12);
  const kind = view.getUint8(0);
  const value = view.getUint32(4, true); // true: little-endian
  const scale = view.getUint16(8, true);
  assert.deepEqual([kind, value, scale], [7, 0x1122_3344, 0xabcd]);
  // ANCHOR_END: decode
  expectFile('ch02-linear-memory/sample.txt',
    `Sample at 0x${address.toString(16)}: ${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')}\n`
    + `kind ${kind}, value 0x${value.toString(16)}, scale 0x${scale.toString(16)}\n`);
});

test('out of bounds: the guest traps, the host gets an error', async () => {
  const exports = await instantiate('CH02_OUT_OF_BOUNDS');
  // ANCHOR: out_of_bounds
  const { memory, load_byte } = exports;
  const end = memory.buffer.byteLength;

  // The last byte is fine, and so is address 0: wasm has no null page.
  assert.equal(load_byte(end - 1), 0);
  load_byte(0);

  // One past the end: the guest's load traps, and the call throws.
  assert.throws(() => load_byte(end), WebAssembly.RuntimeError);

  // A view past the end is refused when the host makes it.
  assert.throws(() => new Uint8Array(memory.buffer, end - 2, 4), RangeError);
  // ANCHOR_END: out_of_bounds
  const thrown = (call) => {
    try { call(); } catch (error) { return `${error.name}: ${error.message}`; }
    throw new Error('no error');
  };
  expectFile('ch02-linear-memory/out-of-bounds-js.txt',
    `guest load_byte(0x${end.toString(16)}): ${thrown(() => load_byte(end))}\n`
    + `host new Uint8Array(buffer, 0x${(end - 2).toString(16)}, 4): ${thrown(() => new Uint8Array(memory.buffer, end - 2, 4))}\n`);
});
