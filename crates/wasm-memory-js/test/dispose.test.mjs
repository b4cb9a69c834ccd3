// Giving buffers back without calling `release`: `using` (explicit
// resource management) at the end of a block, a guest that releases what
// is left when it is disposed, and, only when asked for, a
// FinalizationRegistry that gives back a buffer whose handle was
// garbage-collected and reports it.
import assert from 'node:assert/strict';
import test from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';

import { ErrorKind, Guest } from '../index.mjs';
import { instantiateFixture, refused } from './support.mjs';

test('Symbol.dispose releases a buffer once, and after release does nothing', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const buffer = guest.copyIn('hello');
  buffer[Symbol.dispose]();
  assert.equal(exports.live(), 0);
  assert.throws(() => guest.read(buffer), refused(ErrorKind.AlreadyReleased));
  buffer[Symbol.dispose](); // a second end of scope: nothing to give back
  const released = guest.copyIn('again');
  guest.release(released);
  released[Symbol.dispose]();
  assert.equal(exports.live(), 0);
});

// `using` is syntax: a file that has it does not parse where it is not
// supported, so the block is in a module of its own (using-block.mjs).
// What the Node releases the book pins do; on any other Node (a reader's),
// the outcome must agree with whether that Node parses `using` at all.
const USING_BY_NODE = {
  22: "SyntaxError: Unexpected identifier 'buffer'",
  24: 'released at the end of the block',
  26: 'released at the end of the block',
};

/** Whether this JavaScript engine parses a `using` declaration. */
function parsesUsing() {
  try {
    new Function('{ using nothing = null; }');
    return true;
  } catch {
    return false;
  }
}

test('`using` gives a buffer back at the end of its block, where Node has it', async () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  let outcome;
  try {
    const { readBack } = await import('./using-block.mjs');
    assert.equal(readBack(guest, 'hello', () => assert.equal(exports.live(), 1)), 5);
    assert.equal(exports.live(), 0);
    assert.throws(() => readBack(guest, 'hello', () => { throw new RangeError('checked'); }), { message: 'checked' });
    assert.equal(exports.live(), 0, 'released when the block throws, too');
    outcome = 'released at the end of the block';
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    outcome = `${error.name}: ${error.message}`;
  }
  const major = process.versions.node.split('.')[0];
  if (major in USING_BY_NODE) {
    assert.equal(outcome, USING_BY_NODE[major]);
  } else if (parsesUsing()) {
    assert.equal(outcome, 'released at the end of the block');
  } else {
    assert.match(outcome, /^SyntaxError: /);
  }
});

test('disposing a guest releases every buffer the host still holds', () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  const kept = guest.copyIn('kept');
  guest.copyIn('forgotten');
  const released = guest.copyIn('released');
  guest.release(released);
  assert.equal(exports.live(), 2);
  guest[Symbol.dispose]();
  assert.equal(exports.live(), 0);
  assert.deepEqual(guest.outstanding(), []);
  assert.throws(() => guest.release(kept), refused(ErrorKind.AlreadyReleased));
  kept[Symbol.dispose](); // the end of its own block, later: nothing to do
});

/** The garbage collector, as `--expose-gc` gives it, for the last-resort tests. */
function collector() {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}

/**
 * Collects until `done()` or 20 rounds: a WeakRef's target lives until the
 * current job ends, and the registry's callbacks run in a later task.
 */
async function collectUntil(done) {
  const gc = collector();
  for (let round = 0; round < 20 && !done(); round += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}

/** Copies `text` in and drops the handle: the host forgot a buffer it held. */
function forget(guest, text) {
  guest.copyIn(text);
}

test('without onForgotten, a dropped handle stays held: checkLeaks names it', async () => {
  const exports = instantiateFixture('guest');
  const guest = new Guest(exports);
  forget(guest, 'forgotten');
  await collectUntil(() => false);
  assert.equal(exports.live(), 1);
  assert.throws(() => guest.checkLeaks(), refused(ErrorKind.Leaks, {
    message: '1 buffer(s) from the guest were not released:\n  9 bytes at 0x400 from `allocate`',
  }));
});

// ANCHOR: last_resort
test('with onForgotten, a collected handle is given back and reported', async () => {
  const exports = instantiateFixture('guest');
  const reports = [];
  const guest = new Guest(exports, undefined, { onForgotten: (message) => reports.push(message) });
  forget(guest, 'forgotten');
  const kept = guest.copyIn('kept');
  await collectUntil(() => reports.length > 0);
  assert.deepEqual(reports, [
    'the buffer of 9 bytes at 0x400 from `allocate` was never released: its handle was garbage-collected, and it was given back then',
  ]);
  assert.equal(exports.live(), 1, 'only the buffer still referenced is held');
  assert.deepEqual(guest.outstanding(), [kept]);
  // ANCHOR_END: last_resort
  guest.release(kept);
  assert.throws(() => new Guest(exports, undefined, { onForgotten: 'warn' }),
    { name: 'TypeError', message: 'onForgotten must be a function, not [object String]' });
});

test('a dropped handle survives a collection in the job that made it', () => {
  const exports = instantiateFixture('guest');
  const reports = [];
  const guest = new Guest(exports, undefined, { onForgotten: (message) => reports.push(message) });
  forget(guest, 'forgotten');
  collector()();
  // The WeakRef kept its target: outstanding() lists the handle itself,
  // which can be released (a copy of a collected one could not).
  const [handle] = guest.outstanding();
  guest.release(handle);
  assert.equal(exports.live(), 0);
  assert.deepEqual(reports, []);
});
