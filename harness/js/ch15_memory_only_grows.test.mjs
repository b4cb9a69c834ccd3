// Chapter 15: what a memory reserves of the process's address space, on
// Node. With V8's trap handler on, every 32-bit memory comes with guard
// regions of several GiB; a limit on address space (`ulimit -v`), as on the
// servers of microsoft/vscode#251777, then refuses the memory. Each test
// runs a child Node, so that the limit and the flags are its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import test from 'node:test';

import { artifactPath } from './book.mjs';

const nodeMajor = Number(process.versions.node.split('.')[0]);

// ANCHOR: run
/** Runs `script` in a child Node started with `flags`, its address space limited to `kib` KiB. */
function run(kib, flags, script) {
  const limit = kib === undefined ? 'unlimited' : String(kib);
  return execFileSync('/bin/sh', ['-c', `ulimit -v ${limit} && exec "$0" "$@"`, process.execPath, ...flags, '-e', script], {
    encoding: 'utf8',
  }).trim();
}
// ANCHOR_END: run

/** A script that instantiates chapter 15's growing guest (17 pages) and prints its size, or the error. */
const INSTANTIATE = `
  const fs = require('node:fs');
  try {
    const module = new WebAssembly.Module(fs.readFileSync(${JSON.stringify(artifactPath('CH15_GROWING_GUEST'))}));
    const { exports } = new WebAssembly.Instance(module);
    console.log(exports.memory.buffer.byteLength / 65536 + ' pages');
  } catch (error) {
    console.log(error.name + ': ' + error.message);
  }`;

/** A script that prints the address space, in MiB, that one memory of at most 1 MiB adds. */
const RESERVATION = `
  const vmSize = () => Number(/VmSize:\\s+(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  const before = vmSize();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
  console.log(Math.round((vmSize() - before) / 2 ** 20));`;

test('the guard regions come with the trap handler: without it, a memory reserves its maximum', () => {
  // ANCHOR: guard_regions
  // Trap handler on (Node's default): 8 GiB for a memory of at most 1 MiB
  // (10 GiB on Node 22).
  assert.equal(Number(run(undefined, [], RESERVATION)), nodeMajor < 24 ? 10240 : 8192);
  // Trap handler off: the 1 MiB the memory may grow to, and V8 puts bounds
  // checks in the compiled code instead.
  assert.equal(Number(run(undefined, ['--disable-wasm-trap-handler'], RESERVATION)), 1);
  // ANCHOR_END: guard_regions
});

test('microsoft/vscode#251777: under an 8 GiB limit on address space, a memory needs the trap handler off', () => {
  // ANCHOR: vscode
  const limit = 8_388_608; // KiB: `ulimit -v` on the reporter's server
  const seen = run(limit, [], INSTANTIATE);
  if (nodeMajor < 24) {
    // Node 22 keeps the trap handler on whatever the limit.
    assert.equal(seen, 'RangeError: WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance');
  } else {
    // Node 24.19 and 26.0 turn it off when the address space is too small.
    assert.equal(seen, '17 pages');
  }
  // The fix on every Node: turn it off yourself.
  assert.equal(run(limit, ['--disable-wasm-trap-handler'], INSTANTIATE), '17 pages');
  // ANCHOR_END: vscode
});

/** A script that compiles the listing `name` and prints what V8 says. */
const compile = (name) => `
  try {
    new WebAssembly.Module(require('node:fs').readFileSync(${JSON.stringify(artifactPath(name))}));
    console.log('compiled');
  } catch (error) {
    console.log(error.name + ': ' + error.message);
  }`;

// ANCHOR: run_or_refuse
/** Runs `script` in a child Node with `flags`; what it prints, or what Node says when it refuses to start. */
function runOrRefuse(flags, script) {
  try {
    return run(undefined, flags, script);
  } catch (error) {
    return error.stderr.toString().trim().split('\n')[0].replace(/^.*?: /, '');
  }
}
// ANCHOR_END: run_or_refuse

test('memory.discard: refused by every pinned Node, with or without V8 memory-control flag', () => {
  // ANCHOR: discard
  const refused = 'CompileError: WebAssembly.Module(): Compiling function #0 failed: invalid numeric opcode: 0xfc12 @+56';
  assert.equal(runOrRefuse([], compile('CH15_MEMORY_DISCARD')), refused);
  const flagged = runOrRefuse(['--experimental-wasm-memory-control'], compile('CH15_MEMORY_DISCARD'));
  if (nodeMajor < 24) {
    assert.equal(flagged, 'bad option: --experimental-wasm-memory-control'); // no such flag in Node 22
  } else {
    assert.equal(flagged, refused); // Node 24 and 26 have the flag, and still not the instruction
    const method = 'console.log(typeof new WebAssembly.Memory({ initial: 1 }).discard)';
    assert.equal(run(undefined, ['--experimental-wasm-memory-control'], method), 'undefined'); // nor the JS method
  }
  // ANCHOR_END: discard
});

test('custom page sizes: a memory of one-byte pages is refused by every pinned Node', () => {
  assert.equal(
    runOrRefuse([], compile('CH15_BYTE_PAGES')),
    'CompileError: WebAssembly.Module(): invalid memory limits flags 0x8 @+29',
  );
});
