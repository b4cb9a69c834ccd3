// Chapter 12: host functions in a JavaScript host, for the guest of
// listings/ch12-host-functions/host-calls. The same host as the Rust one
// (harness/rust/tests/chapters/ch12_host_functions.rs): four `env` imports
// that read and write the memory of the instance calling them.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ErrorKind, Guest, Reason, WasmMemoryError, readString, unpackPtrLen } from 'wasm-memory-js';
import { instantiate } from './book.mjs';

/** The longest message `env.log` accepts. */
const MAX_LOG = 4096;

// ANCHOR: fetch_name
/**
 * `env.fetch_name() -> i64`: calls the guest's own `allocate` from inside
 * the import, writes the name there and returns the buffer packed as the
 * guest expects, length high and pointer low. From then on the buffer is
 * the guest's: the host does not free it.
 */
function fetchName(exports, name) {
  const bytes = new TextEncoder().encode(name);
  const ptr = exports.allocate(bytes.length) >>> 0; // an i32 arrives signed
  if (ptr === 0) throw new Error(`allocate(${bytes.length}) returned 0: the guest is out of memory`);
  // A view made after `allocate`, which may have grown the memory.
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  return (BigInt(bytes.length) << 32n) | BigInt(ptr); // an i64 is a BigInt
}
// ANCHOR_END: fetch_name

/**
 * Instantiates the guest with its four imports, which call `fetchNameWith`
 * for `env.fetch_name`; `name` is the name the host gives. Returns the
 * exports, the guest seen through the utility, and what the guest logged.
 */
async function instantiateHostCalls({ name = 'Ferris', fetchNameWith = fetchName } = {}) {
  // ANCHOR: imports
  // Assigned once the instance exists: the imports are given before it
  // does, and run only when the guest calls them, which is later.
  let exports;
  let guest;
  const log = [];
  const env = {
    // `log(ptr, len)`: readArgumentString checks the range (in Numbers, so
    // `ptr + len` cannot wrap), caps the length, makes a fresh view and
    // decodes with a fatal TextDecoder. Its error is thrown: the call fails.
    log(ptr, len) {
      log.push(guest.readArgumentString('log', ptr, len));
    },
    // ANCHOR: try_log
    // `try_log(ptr, len) -> i32`: the same checks, answered with a code.
    try_log(ptr, len) {
      try {
        log.push(guest.readArgumentString('try_log', ptr, len));
        return 0;
      } catch (error) {
        if (!(error instanceof WasmMemoryError)) throw error;
        return error.reason === Reason.NotUtf8 ? 2 : 1; // 1: too long, or outside memory
      }
    },
    // ANCHOR_END: try_log
    // `fill_name(buf, capacity) -> len`: writes only if the name fits. The
    // Uint8Array constructor throws a RangeError for a range outside memory.
    fill_name(buf, capacity) {
      const bytes = new TextEncoder().encode(name);
      if (bytes.length <= capacity >>> 0) {
        new Uint8Array(exports.memory.buffer, buf >>> 0, bytes.length).set(bytes);
      }
      return bytes.length;
    },
    fetch_name: () => fetchNameWith(exports, name),
  };
  // ANCHOR_END: imports
  exports = await instantiate('CH12_HOST_CALLS', { imports: { env } });
  guest = new Guest(exports, { maxLen: MAX_LOG });
  return { exports, guest, log };
}

test("a host function reads the caller's memory", async () => {
  const { exports, log } = await instantiateHostCalls();
  exports.hello();
  assert.deepEqual(log, ['hello from the guest']);
});

test('the guest lends a buffer and the host fills it', async () => {
  const { exports, guest, log } = await instantiateHostCalls();
  // ANCHOR: call_filled
  const greetFilled = guest.outputExport('greet_filled', 1);
  assert.equal(greetFilled.callString(64), 'Hello, Ferris!');
  assert.deepEqual(log, []); // 64 bytes were room enough

  assert.equal(greetFilled.callString(2), 'Hello, Ferris!');
  assert.deepEqual(log, ['2 bytes are too few, the name needs 6']);
  // ANCHOR_END: call_filled
  assert.equal(exports.live(), 0);
});

test("the host allocates with the guest's allocate, and the guest frees", async () => {
  const { exports, guest } = await instantiateHostCalls();
  // ANCHOR: call_fetched
  assert.equal(guest.outputExport('greet_fetched').callString(), 'Hello, Ferris!');
  // The host freed the greeting; the guest freed the name the host
  // allocated for it. The checked allocator counts nothing live.
  assert.equal(exports.live(), 0);
  // ANCHOR_END: call_fetched
});

test("a lying argument is the import's error, and the call throws it", async () => {
  const { exports } = await instantiateHostCalls();
  const size = exports.memory.buffer.byteLength;
  const pastEnd = size - 4;
  // ANCHOR: lying_argument
  assert.throws(() => exports.log_raw(pastEnd, 8), {
    name: 'WasmMemoryError', // the import's own error, not a WebAssembly.RuntimeError
    kind: ErrorKind.BadArgument, import: 'log', reason: Reason.OutOfBounds,
    message: `the guest passed \`log\` 8 bytes at 0x${pastEnd.toString(16)}, ending at ` +
      `0x${(pastEnd + 8).toString(16)}, past the end of its ${size}-byte memory`,
  });
  // ANCHOR_END: lying_argument
  // `ptr + len` past 2^32: a sum in 32-bit arithmetic would wrap to 8.
  assert.throws(() => exports.log_raw(0xffff_fff8, 16), {
    kind: ErrorKind.BadArgument, reason: Reason.Overflow, ptr: 0xffff_fff8, len: 16,
    message: 'the guest passed `log` 16 bytes at 0xfffffff8: the end overflows a 32-bit address',
  });
  // A length of -1 as the guest's i32: refused by the cap before anything else.
  assert.throws(() => exports.log_raw(16, 0xffff_ffff), {
    kind: ErrorKind.BadArgument, reason: Reason.TooLong, len: 0xffff_ffff,
    message: `the guest passed \`log\` 4294967295 bytes at 0x10, more than the ${MAX_LOG} bytes the host accepts`,
  });
});

test('an error code leaves the decision to the guest', async () => {
  const { exports, log } = await instantiateHostCalls();
  // ANCHOR: error_code
  assert.equal(exports.try_log_raw(16, 0xffff_ffff), 1); // too long
  assert.equal(exports.try_log_raw(exports.memory.buffer.byteLength - 4, 8), 1); // outside memory
  // The calls returned: the guest goes on, and so does the host.
  exports.hello();
  assert.deepEqual(log, ['hello from the guest']);
  // ANCHOR_END: error_code
});

test('bytes that are not UTF-8 get their own code, and valid ones 0', async () => {
  const { exports, guest, log } = await instantiateHostCalls();
  const notUtf8 = guest.copyIn(new Uint8Array([0xff, 0xfe]));
  assert.equal(exports.try_log_raw(notUtf8.ptr, notUtf8.len), 2);
  guest.release(notUtf8);
  const text = guest.copyIn('héllo');
  assert.equal(exports.try_log_raw(text.ptr, text.len), 0);
  guest.release(text);
  assert.deepEqual(log, ['héllo']);
  assert.equal(exports.live(), 0);
});

// ANCHOR: stale_view
/**
 * The mistake: a view of memory made before calling `allocate`. A name
 * larger than the guest's free heap makes `allocate` grow the memory,
 * which detaches the view's ArrayBuffer. (`seen` is for the test: the
 * view's length after the call.)
 */
function fetchNameIntoStaleView(exports, name, seen) {
  const memoryBytes = new Uint8Array(exports.memory.buffer); // too early
  const bytes = new TextEncoder().encode(name);
  const ptr = exports.allocate(bytes.length) >>> 0;
  seen.byteLength = memoryBytes.byteLength;
  memoryBytes.set(bytes, ptr); // throws: the view's buffer is detached
  return (BigInt(bytes.length) << 32n) | BigInt(ptr);
}
// ANCHOR_END: stale_view

test('a view made before the guest grows its memory is detached; a fresh one works', async () => {
  const name = 'F'.repeat(4 << 20); // 4 MiB: more than the guest's memory holds
  const seen = {};
  const stale = await instantiateHostCalls({
    name, fetchNameWith: (exports) => fetchNameIntoStaleView(exports, name, seen),
  });
  const sizeBefore = stale.exports.memory.buffer.byteLength;
  assert.ok(sizeBefore < name.length, `${sizeBefore} bytes of memory, so allocate must grow it`);
  assert.throws(() => stale.exports.greet_fetched(), {
    name: 'TypeError',
    // V8 12 and 13 say "on a detached ArrayBuffer", V8 14 "on a detached or
    // out-of-bounds ArrayBuffer".
    message: /^Cannot perform %TypedArray%\.prototype\.set on a detached (or out-of-bounds )?ArrayBuffer$/,
  });
  assert.equal(seen.byteLength, 0, 'the early view, after allocate grew the memory');
  assert.ok(stale.exports.memory.buffer.byteLength > sizeBefore);

  // The same name through fetchName, whose view is made after `allocate`.
  // The greeting is read with the utility's default cap (16 MiB), not
  // the 4 KiB that `log` accepts.
  const { exports } = await instantiateHostCalls({ name });
  const { ptr, len } = unpackPtrLen(exports.greet_fetched());
  const greeting = readString(exports.memory, ptr, len);
  exports.deallocate(ptr, len);
  assert.equal(greeting, `Hello, ${name}!`);
  assert.equal(exports.live(), 0);
});
