// Chapter 12, "An import that awaits": JSPI (JavaScript Promise
// Integration), for the guest listings/ch12-host-functions/awaiting-import.wat.
// Its import `env.fetch_bytes` is an async function wrapped in
// `WebAssembly.Suspending`; its export `fill_after_fetch` is called through
// `WebAssembly.promising`. While a call waits, other calls run and may grow
// the memory. The same scenes run in Chromium in
// harness/browser/ch12_host_functions.test.mjs.
//
// No timers: each "fetch" is a promise the test settles when it chooses,
// so the order of events is the test's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import test from 'node:test';

import { artifact, instantiate } from './book.mjs';

// ANCHOR: jspi_table
/** The V8 flag that had JSPI before it was on by default. */
const JSPI_FLAG = '--experimental-wasm-jspi';

/**
 * What each pinned Node line does with JSPI, keyed by major version: the
 * V8 it ships (major.minor); whether `WebAssembly.Suspending` is there
 * without a flag; JSPI_FLAG (`off` or `on` by default, or `gone`: Node
 * refuses it) and what `typeof` finds with it, for the current API
 * (`Suspending`) and the first one (`Suspender`); and whether a suspending
 * import called without `promising` runs before the SuspendError. A newly
 * pinned line fails until its row records what it does.
 */
const JSPI = {
  22: { v8: '12.4', byDefault: false, flag: 'off', withFlag: { Suspending: 'undefined', Suspender: 'function' } },
  24: { v8: '13.6', byDefault: true, flag: 'on', withFlag: { Suspending: 'function', Suspender: 'undefined' }, runsBeforeRefusal: true },
  26: { v8: '14.6', byDefault: true, flag: 'gone', runsBeforeRefusal: false },
};
// ANCHOR_END: jspi_table

// The book's playgrounds run the scenes in a page, where there is no
// `process`: there JSPI is the browser's, and the table test does not run.
const thisNode = globalThis.process ? `Node ${process.versions.node} (V8 ${process.versions.v8})` : 'this browser';
const row = globalThis.process ? JSPI[Number(process.versions.node.split('.')[0])] : undefined;
/** Why the tests of the scenes do not run here, or false. */
const noJspi = typeof WebAssembly.Suspending === 'function' ? false : `${thisNode} has no WebAssembly.Suspending (the table test asserts it)`;

test('JSPI: what this Node has, as the table records it', () => {
  assert.ok(row, `${thisNode} has no row in JSPI: find out what it does and add one`);
  assert.ok(process.versions.v8.startsWith(`${row.v8}.`), `${thisNode}: the table says V8 ${row.v8}`);
  assert.equal(typeof WebAssembly.Suspending === 'function', row.byDefault, thisNode);
  assert.equal(typeof WebAssembly.promising === 'function', row.byDefault, thisNode);
  if (!row.byDefault) {
    assert.throws(() => new WebAssembly.Suspending(async () => 0), {
      name: 'TypeError', message: 'WebAssembly.Suspending is not a constructor',
    });
  }

  // `--v8-options` lists each flag on one line and its default on the next.
  const lines = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).split('\n');
  const at = lines.findIndex((line) => line.trim().startsWith(`${JSPI_FLAG} `));
  const flag = at < 0 ? 'gone' : lines[at + 1].includes(`default: ${JSPI_FLAG}`) ? 'on' : 'off';
  assert.equal(flag, row.flag, thisNode);
  const script = 'JSON.stringify({ Suspending: typeof WebAssembly.Suspending, Suspender: typeof WebAssembly.Suspender })';
  if (row.flag === 'gone') {
    assert.throws(() => execFileSync(process.execPath, [JSPI_FLAG, '-p', script], { encoding: 'utf8', stdio: 'pipe' }), {
      stderr: `${process.execPath}: bad option: --experimental-wasm-jspi\n`,
    });
  } else {
    const output = execFileSync(process.execPath, [JSPI_FLAG, '-p', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output), row.withFlag, `${thisNode} ${JSPI_FLAG}`);
  }
});

/**
 * A stand-in for `fetch`: `fetchBytes(len)` returns a promise, and the test
 * settles it with `pending[i].resolve(bytes)`.
 */
function pendingFetches() {
  const pending = [];
  const fetchBytes = (len) => new Promise((resolve) => pending.push({ len, resolve }));
  return { pending, fetchBytes };
}

// ANCHOR: fetch_bytes
/**
 * `env.fetch_bytes(ptr, len) -> i32`, which awaits: writes what
 * `fetchBytes` gives into the `len` bytes the guest lends at `ptr`, and
 * returns how many it wrote. Its view of memory is made after the await:
 * while this call waits, other calls run and may grow the memory.
 */
function fetchBytesImport(getMemory, fetchBytes) {
  return async (ptr, len) => {
    const bytes = await fetchBytes(len >>> 0);
    const count = Math.min(bytes.length, len >>> 0);
    new Uint8Array(getMemory().buffer, ptr >>> 0, count).set(bytes.subarray(0, count));
    return count;
  };
}
// ANCHOR_END: fetch_bytes

// ANCHOR: stale_fetch_bytes
/**
 * The mistake: the same import with its view made before the await. (`seen`
 * is for the test: the view's length after the await.)
 */
function fetchBytesIntoEarlyView(getMemory, fetchBytes, seen) {
  return async (ptr, len) => {
    const view = new Uint8Array(getMemory().buffer, ptr >>> 0, len >>> 0); // too early
    const bytes = await fetchBytes(len >>> 0);
    seen.byteLength = view.byteLength;
    view.set(bytes.subarray(0, len >>> 0)); // throws if the memory grew meanwhile
    return Math.min(bytes.length, len >>> 0);
  };
}
// ANCHOR_END: stale_fetch_bytes

/**
 * Instantiates the guest with `makeImport(getMemory, fetchBytes)` as its
 * `env.fetch_bytes` (fetchBytesImport, or the mistake); returns its
 * exports, the export wrapped in `promising`, and the fetches waiting to
 * be settled.
 */
async function instantiateAwaiting(makeImport = fetchBytesImport) {
  const { pending, fetchBytes } = pendingFetches();
  const wasmBytes = artifact('CH12_AWAITING_IMPORT');
  // ANCHOR: instantiate
  let exports; // assigned once the instance exists, before any call
  const env = {
    // makeImport is fetchBytesImport, or the mistake below.
    fetch_bytes: new WebAssembly.Suspending(makeImport(() => exports.memory, fetchBytes)),
  };
  ({ exports } = (await WebAssembly.instantiate(wasmBytes, { env })).instance);
  const fillAfterFetch = WebAssembly.promising(exports.fill_after_fetch);
  // ANCHOR_END: instantiate
  return { exports, fillAfterFetch, pending };
}

const bytesOf = (text) => new TextEncoder().encode(text);
const textAt = (memory, ptr, len) => new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));

test('an import that awaits suspends the guest, and the export returns a promise', { skip: noJspi }, async () => {
  const { exports, fillAfterFetch, pending } = await instantiateAwaiting();
  // ANCHOR: suspends
  const filled = fillAfterFetch(16, 5); // runs the guest until the import awaits
  assert.ok(filled instanceof Promise);
  assert.equal(pending.length, 1); // the guest is suspended inside fetch_bytes
  pending[0].resolve(bytesOf('hello'));
  assert.equal(await filled, 5); // the guest resumed, and returned what the import did
  assert.equal(textAt(exports.memory, 16, 5), 'hello');
  // ANCHOR_END: suspends
});

test('an export called without promising cannot suspend: SuspendError', { skip: noJspi }, async () => {
  let runs = 0;
  const { exports } = await instantiateAwaiting((getMemory, fetchBytes) => async (ptr, len) => {
    runs += 1;
    return fetchBytesImport(getMemory, fetchBytes)(ptr, len);
  });
  // ANCHOR: suspend_error
  assert.throws(() => exports.fill_after_fetch(16, 5), {
    name: 'SuspendError',
    message: 'trying to suspend without WebAssembly.promising',
  });
  // ANCHOR_END: suspend_error
  // Node 24 calls the async function first (its fetch starts, and its
  // result is lost); Node 26 refuses before calling it, as the spec says.
  assert.equal(runs, row.runsBeforeRefusal ? 1 : 0, thisNode);

  // An async import given without Suspending: the guest gets the promise
  // as an i32, which is 0, and nothing waits.
  const { pending, fetchBytes } = pendingFetches();
  let plain;
  plain = await instantiate('CH12_AWAITING_IMPORT', {
    imports: { env: { fetch_bytes: fetchBytesImport(() => plain.memory, fetchBytes) } },
  });
  assert.equal(plain.fill_after_fetch(16, 5), 0); // a Promise, converted to an i32
  assert.equal(pending.length, 1);
});

test('while one call waits, other calls run: one grows the memory, one writes the same buffer', { skip: noJspi }, async () => {
  const { exports, fillAfterFetch, pending } = await instantiateAwaiting();
  // ANCHOR: reentry
  const first = fillAfterFetch(16, 5); // suspended in fetch_bytes
  assert.equal(exports.grow(1), 1); // an ordinary export runs meanwhile: 1 page becomes 2
  const second = fillAfterFetch(16, 5); // a second call, into the first one's buffer
  assert.equal(pending.length, 2); // both suspended

  pending[1].resolve(bytesOf('world')); // the second fetch finishes first
  assert.equal(await second, 5);
  assert.equal(textAt(exports.memory, 16, 5), 'world'); // the first call is still waiting

  pending[0].resolve(bytesOf('hello'));
  assert.equal(await first, 5);
  assert.equal(textAt(exports.memory, 16, 5), 'hello'); // the first call wrote last
  // ANCHOR_END: reentry
  assert.equal(exports.memory.buffer.byteLength, 2 * 65536);
});

test('a view made before the await is detached by a growth during it; one made after works', { skip: noJspi }, async () => {
  const seen = {};
  const stale = await instantiateAwaiting((getMemory, fetchBytes) => fetchBytesIntoEarlyView(getMemory, fetchBytes, seen));
  // ANCHOR: stale_view
  const filled = stale.fillAfterFetch(16, 5);
  assert.equal(stale.exports.grow(1), 1); // meanwhile, the guest grows its memory
  stale.pending[0].resolve(bytesOf('hello'));
  await assert.rejects(filled, {
    name: 'TypeError',
    // V8 12 and 13 say "on a detached ArrayBuffer", V8 14 "on a detached or
    // out-of-bounds ArrayBuffer".
    message: /^Cannot perform %TypedArray%\.prototype\.set on a detached (or out-of-bounds )?ArrayBuffer$/,
  });
  assert.equal(seen.byteLength, 0); // the early view, after the await
  // ANCHOR_END: stale_view
  assert.equal(textAt(stale.exports.memory, 16, 5), '\0'.repeat(5)); // nothing was written

  // The same events with fetchBytesImport, whose view is made after the await.
  const { exports, fillAfterFetch, pending } = await instantiateAwaiting();
  const fresh = fillAfterFetch(16, 5);
  assert.equal(exports.grow(1), 1);
  pending[0].resolve(bytesOf('hello'));
  assert.equal(await fresh, 5);
  assert.equal(textAt(exports.memory, 16, 5), 'hello');
});
