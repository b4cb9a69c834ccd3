// Chapter 9: guests imported as ES modules in the source phase, as
// WebAssembly.Module objects the host instantiates. Not a test: see
// instance_import.mjs for how ch09_esm_imports.test.mjs runs it.
// ANCHOR: source_import
import source greetModule from './greet.wasm';
// ANCHOR_END: source_import
import source growNotifyModule from './grow-notify.wasm';

// ANCHOR: source_instances
// The host instantiates, as often as it likes: each instance has its own memory.
const first = await WebAssembly.instantiate(greetModule);
const second = await WebAssembly.instantiate(greetModule);
const ownMemories = first.exports.memory !== second.exports.memory;
// ANCHOR_END: source_instances

// ANCHOR: source_with_imports
// And it passes the imports, which may close over the instance's memory
// (chapter 9's host that rebuilds its view when the guest says it grew).
let memory;
let bytes;
const logged = [];
const env = {
  console_log: (ptr, len) => logged.push(new TextDecoder().decode(bytes.subarray(ptr, ptr + len))),
  memory_grew: () => {
    bytes = new Uint8Array(memory.buffer);
  },
};
const { exports } = await WebAssembly.instantiate(growNotifyModule, { env });
memory = exports.memory;
bytes = new Uint8Array(memory.buffer);
for (let i = 0; i < 4; i++) exports.log_after_allocating(1 << 20);
// ANCHOR_END: source_with_imports

console.log(JSON.stringify({
  isModule: greetModule instanceof WebAssembly.Module,
  exports: WebAssembly.Module.exports(greetModule).map(({ name, kind }) => `${name}: ${kind}`),
  ownMemories,
  logged,
  viewIsCurrent: bytes.buffer === memory.buffer,
}));
