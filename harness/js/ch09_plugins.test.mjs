// Chapter 9: the plugins of chapter 8 "written elsewhere", each with
// conventions of its own, through wasm-memory-js's Guest. Each calls the
// host back through `env.log(ptr, len)`; the import closes over `guest`,
// assigned once the instance exists (imports are given before it does, and
// run only during calls). The Go plugin, CH08_PLUGIN_GO, is a WASI reactor
// (it imports `wasi_snapshot_preview1` and exports `_initialize`); this
// file gives no guest WASI, so the Rust and Go hosts test that plugin.
import assert from 'node:assert/strict';
import test from 'node:test';

import { Convention, ErrorKind, Guest, POINTER_HIGH, Reason, packPtrLen } from 'wasm-memory-js';

import { artifact, instantiate } from './book.mjs';

test('the hand-written wat plugin: alloc/dealloc, packed pointer-high', async () => {
  let guest;
  const logs = [];
  const exports = await instantiate('CH08_PLUGIN', {
    imports: { env: { log: (ptr, len) => logs.push(guest.readArgumentString('log', ptr, len)) } },
  });
  guest = new Guest(exports, new Convention({ allocator: { allocate: 'alloc', deallocate: 'dealloc' }, order: POINTER_HIGH }));

  const upper = guest.export('upper');
  assert.equal(upper.callString('hello, plugin'), 'HELLO, PLUGIN');
  assert.deepEqual(logs, ['upper']);
  assert.equal(exports.live(), 0);
  guest.checkLeaks();
});

test('the Rust plugin: its own allocator names, and a host function that answers with a buffer', async () => {
  const module = await WebAssembly.compile(artifact('CH08_PLUGIN_RUST'));
  // ANCHOR: plugin
  let guest; // assigned below: the imports run only during calls
  const logs = [];
  const { exports } = await WebAssembly.instantiate(module, {
    env: {
      log: (ptr, len) => logs.push(guest.readArgumentString('log', ptr, len)),
      decorate: (ptr, len) => {
        const text = guest.readArgumentString('decorate', ptr, len);
        // Allocated with `plugin_alloc`, and the plugin's from now on.
        const { ptr: answer, len: answerLen } = guest.handOver(`*${text}*`);
        return packPtrLen(answer, answerLen, POINTER_HIGH); // an i64: a BigInt
      },
    },
  });
  guest = new Guest(exports, new Convention({
    allocator: { allocate: 'plugin_alloc', deallocate: 'plugin_free' },
    order: POINTER_HIGH,
  }));

  assert.equal(guest.export('upper').callString('hello'), 'HELLO');
  assert.deepEqual(logs, ['upper: 5 bytes']);
  // `decorated` returns the buffer `decorate` handed over: the plugin owned
  // it, returned it, and the host released it as any result.
  assert.equal(guest.export('decorated').callString('hi'), '*hi*');
  assert.equal(exports.live(), 0);
  // ANCHOR_END: plugin
  guest.checkLeaks();
});

test('results and arguments are checked; only a result past the cap is left to the guest', async () => {
  let guest;
  const exports = await instantiate('CH08_PLUGIN_RUST', {
    imports: {
      env: {
        log: () => {}, // its messages are longer than this test's maxLen
        decorate: (ptr, len) => {
          const { ptr: answer, len: answerLen } = guest.handOver(`*${guest.readArgumentString('decorate', ptr, len)}*`);
          return packPtrLen(answer, answerLen, POINTER_HIGH);
        },
      },
    },
  });
  guest = new Guest(exports, {
    allocator: { allocate: 'plugin_alloc', deallocate: 'plugin_free' }, order: POINTER_HIGH, maxLen: 4,
  });
  const upper = guest.export('upper');
  const hex = /0x[0-9a-f]+/.source;

  // A result longer than maxLen, and one that is not UTF-8: both refused.
  // The first is left to the guest (its "length" may be no length at all),
  // the second is a real buffer and released.
  assert.throws(() => upper.callString('hello'), {
    kind: ErrorKind.BadResult, export: 'upper', reason: Reason.TooLong, len: 5,
    message: new RegExp(`^\`upper\` returned 5 bytes at ${hex}, more than the 4 bytes the host accepts$`),
  });
  assert.throws(() => upper.callString(new Uint8Array([0xff])), {
    kind: ErrorKind.BadResult, reason: Reason.NotUtf8,
    message: new RegExp(`^\`upper\` returned 1 bytes at ${hex} that are not UTF-8$`),
  });
  assert.equal(exports.live(), 1, 'the long result, and only it');

  // An argument that is not UTF-8: the import throws, so the call fails,
  // with the import's error as its cause.
  assert.throws(() => guest.export('decorated').callBytes(new Uint8Array([0xff])), (error) => {
    assert.equal(error.kind, ErrorKind.Call);
    assert.match(error.message, new RegExp(`^calling \`decorated\` failed: the guest passed \`decorate\` 1 bytes at ${hex} that are not UTF-8$`));
    assert.equal(error.cause.kind, ErrorKind.BadArgument);
    assert.equal(error.cause.import, 'decorate');
    assert.equal(error.cause.reason, Reason.NotUtf8);
    return true;
  });
  assert.equal(exports.live(), 1, 'still only the long result');

  // An argument outside memory, as a lying plugin would pass it. The
  // pointer arrives as an i32 parameter does: signed.
  const size = guest.memory.buffer.byteLength;
  assert.throws(() => guest.readArgument('log', -16, 4), {
    kind: ErrorKind.BadArgument, import: 'log', reason: Reason.OutOfBounds, ptr: 0xfffffff0, len: 4, memorySize: size,
    message: `the guest passed \`log\` 4 bytes at 0xfffffff0, ending at 0xfffffff4, past the end of its ${size}-byte memory`,
  });
  guest.checkLeaks();
});
