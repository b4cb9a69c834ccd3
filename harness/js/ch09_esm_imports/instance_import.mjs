// Chapter 9: Listing 4-1's guest imported as an ES module, in the instance
// phase. Not a test: ch09_esm_imports.test.mjs copies this folder next to
// a copy of the guest (greet.wasm), imports this file in a child process
// of each pinned Node, and compares what it prints.
// ANCHOR: instance_import
import { memory, allocate, deallocate, greet } from './greet.wasm';
// ANCHOR_END: instance_import
import { memory as memoryElsewhere } from './elsewhere.mjs';

// Chapter 9's round trip, on the exports the import gave.
const name = 'Ferris';
const capacity = name.length * 3;
const namePtr = allocate(capacity);
const { written } = new TextEncoder().encodeInto(name, new Uint8Array(memory.buffer, namePtr, capacity));
const packed = greet(namePtr, written);
deallocate(namePtr, capacity);
const ptr = Number(packed & 0xffffffffn);
const len = Number(packed >> 32n);
const greeting = new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));
deallocate(ptr, len);

// ANCHOR: instance_memory
// Every module that imports greet.wasm gets this one instance, and its memory.
const sameMemoryElsewhere = memory === memoryElsewhere;
// It is an ordinary WebAssembly.Memory: growth detaches its old buffer.
const view = new Uint8Array(memory.buffer);
const before = view.byteLength;
memory.grow(1);
const after = view.byteLength; // 0: make a fresh view, as always
// ANCHOR_END: instance_memory

console.log(JSON.stringify({
  greeting,
  isMemory: memory instanceof WebAssembly.Memory,
  sameMemoryElsewhere,
  after,
  grownBy: memory.buffer.byteLength - before,
}));
