// Chapter 12 in headless Chromium: "An import that awaits" (JSPI), the
// scenes of harness/js/ch12_jspi.test.mjs in a page, on the guest
// listings/ch12-host-functions/awaiting-import.wat, served from the
// artifact manifest (BOOK_ARTIFACTS) by this file's own server on
// 127.0.0.1. No timers: each "fetch" is a promise the page settles when it
// chooses.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { artifactPath } from '../js/book.mjs';
import { serveToChromium } from './chromium.mjs';

let stop;
let browser;
let base;

before(async () => {
  // Fails here, with what to do, when BOOK_ARTIFACTS is not set.
  const wasm = artifactPath('CH12_AWAITING_IMPORT');
  ({ base, browser, close: stop } = await serveToChromium((request, response) => {
    const { pathname } = new URL(request.url, 'http://x');
    if (pathname === '/awaiting-import.wasm') {
      response.writeHead(200, { 'content-type': 'application/wasm' });
      fs.createReadStream(wasm).pipe(response);
    } else if (pathname === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><title>Chapter 12</title>');
    } else {
      response.writeHead(404).end();
    }
  }));
});

after(async () => {
  await stop?.();
});

/** Runs `scene` in a fresh page; fails on a console error. */
async function inPage(scene) {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  tab.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await tab.goto(`${base}page.html`);
  const result = await tab.evaluate(scene);
  assert.deepEqual(errors, []);
  await tab.close();
  return result;
}

test('JSPI in Chromium: a suspended call, re-entry and growth, a stale view and a fresh one', async () => {
  const seen = await inPage(async () => {
    const module = await WebAssembly.compileStreaming(fetch('/awaiting-import.wasm'));
    /** The guest with `makeImport(getMemory, fetchBytes)` as env.fetch_bytes. */
    const setUp = async (makeImport, { suspending = true } = {}) => {
      const pending = [];
      const fetchBytes = (len) => new Promise((resolve) => pending.push({ len, resolve }));
      let exports;
      const fetchImport = makeImport(() => exports.memory, fetchBytes);
      const env = { fetch_bytes: suspending ? new WebAssembly.Suspending(fetchImport) : fetchImport };
      exports = (await WebAssembly.instantiate(module, { env })).exports;
      return { exports, pending, fillAfterFetch: WebAssembly.promising(exports.fill_after_fetch) };
    };
    // As fetchBytesImport in harness/js/ch12_jspi.test.mjs: the view after the await.
    const afterAwait = (getMemory, fetchBytes) => async (ptr, len) => {
      const bytes = await fetchBytes(len >>> 0);
      const count = Math.min(bytes.length, len >>> 0);
      new Uint8Array(getMemory().buffer, ptr >>> 0, count).set(bytes.subarray(0, count));
      return count;
    };
    let early = -1;
    // As fetchBytesIntoEarlyView: the view before the await.
    const beforeAwait = (getMemory, fetchBytes) => async (ptr, len) => {
      const view = new Uint8Array(getMemory().buffer, ptr >>> 0, len >>> 0);
      const bytes = await fetchBytes(len >>> 0);
      early = view.byteLength;
      view.set(bytes.subarray(0, len >>> 0));
      return Math.min(bytes.length, len >>> 0);
    };
    const bytesOf = (text) => new TextEncoder().encode(text);
    const textAt = (memory, ptr, len) => new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));
    const outcome = async (action) => {
      try {
        return `returned ${await action()}`;
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    };

    // Without promising: the SuspendError, and whether the import ran first.
    let runs = 0;
    const plain = await setUp((getMemory, fetchBytes) => async (ptr, len) => {
      runs += 1;
      return afterAwait(getMemory, fetchBytes)(ptr, len);
    });
    const withoutPromising = await outcome(() => plain.exports.fill_after_fetch(16, 5));
    const notSuspending = await setUp(afterAwait, { suspending: false });
    const asI32 = notSuspending.exports.fill_after_fetch(16, 5);

    // Re-entry: a growth and a second call while the first waits.
    const { exports, pending, fillAfterFetch } = await setUp(afterAwait);
    const first = fillAfterFetch(16, 5);
    const grew = exports.grow(1);
    const second = fillAfterFetch(16, 5);
    const waiting = pending.length;
    pending[1].resolve(bytesOf('world'));
    const secondResult = await second;
    const whileFirstWaits = textAt(exports.memory, 16, 5);
    pending[0].resolve(bytesOf('hello'));
    const firstResult = await first;

    // The view made before the await.
    const stale = await setUp(beforeAwait);
    const staleCall = stale.fillAfterFetch(16, 5);
    stale.exports.grow(1);
    stale.pending[0].resolve(bytesOf('hello'));
    return {
      withoutPromising, importRanFirst: runs === 1, asI32,
      grew, waiting, secondResult, whileFirstWaits, firstResult,
      afterBoth: textAt(exports.memory, 16, 5), pages: exports.memory.buffer.byteLength / 65536,
      stale: await outcome(() => staleCall), early, staleBytes: textAt(stale.exports.memory, 16, 5),
    };
  });
  assert.deepEqual(seen, {
    withoutPromising: 'SuspendError: trying to suspend without WebAssembly.promising',
    importRanFirst: false,
    asI32: 0,
    grew: 1,
    waiting: 2,
    secondResult: 5,
    whileFirstWaits: 'world',
    firstResult: 5,
    afterBoth: 'hello',
    pages: 2,
    stale: 'TypeError: Cannot perform %TypedArray%.prototype.set on a detached or out-of-bounds ArrayBuffer',
    early: 0,
    staleBytes: '\0'.repeat(5),
  });
});
