// Chapter 9 in headless Chromium: TextDecoder and a view of shared memory,
// and how big a memory a page may make. Served by this file's own server
// on 127.0.0.1, with and without cross-origin isolation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CROSS_ORIGIN_ISOLATION, serveToChromium } from './chromium.mjs';

let stop;
let browser;
let base;

before(async () => {
  ({ base, browser, close: stop } = await serveToChromium((request, response) => {
    const { pathname } = new URL(request.url, 'http://x');
    if (pathname === '/isolated.html' || pathname === '/plain.html') {
      response.writeHead(200, { 'content-type': 'text/html', ...(pathname === '/isolated.html' ? CROSS_ORIGIN_ISOLATION : {}) });
      response.end('<!doctype html><title>Chapter 9</title>');
    } else {
      response.writeHead(404).end();
    }
  }));
});

after(async () => {
  await stop?.();
});

/** Runs `action` in a fresh `page` (`plain` or `isolated`); fails on a console error. */
async function inPage(page, action) {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  tab.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await tab.goto(`${base}${page}.html`);
  const result = await tab.evaluate(action);
  assert.deepEqual(errors, []);
  await tab.close();
  return result;
}

test('TextDecoder refuses a view of shared memory, isolated or not; a copy decodes', async () => {
  for (const page of ['plain', 'isolated']) {
    const seen = await inPage(page, () => {
      // ANCHOR: decode_shared
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
      const view = new Uint8Array(memory.buffer, 0, 5);
      view.set(new TextEncoder().encode('hello'));
      let refused;
      try {
        new TextDecoder().decode(view);
      } catch (error) {
        refused = `${error.name}: ${error.message}`;
      }
      const decoded = new TextDecoder().decode(view.slice()); // a copy, in an ArrayBuffer
      // ANCHOR_END: decode_shared
      return { refused, decoded };
    });
    assert.deepEqual(seen, {
      refused: "TypeError: Failed to execute 'decode' on 'TextDecoder': The provided ArrayBufferView value must not be shared.",
      decoded: 'hello',
    }, page);
  }
});

test('a decoder that copies only `instanceof SharedArrayBuffer` fails on a page without isolation', async () => {
  const seen = {};
  for (const page of ['plain', 'isolated']) {
    seen[page] = await inPage(page, () => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
      const view = new Uint8Array(memory.buffer, 0, 5);
      view.set(new TextEncoder().encode('hello'));
      const attempt = (decode) => {
        try {
          return decode(view);
        } catch (error) {
          return `${error.name}: ${error.message}`;
        }
      };
      // ANCHOR: shared_guards
      // The usual guard: without isolation there is no SharedArrayBuffer
      // global, so it decides "not shared" and hands the view over as it is.
      const guarded = (bytes) => {
        const shared = typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer;
        return new TextDecoder().decode(shared ? bytes.slice() : bytes);
      };
      // A guard that works on every page: ask the buffer what it is.
      const robust = (bytes) => {
        const shared = Object.prototype.toString.call(bytes.buffer) === '[object SharedArrayBuffer]';
        return new TextDecoder().decode(shared ? bytes.slice() : bytes);
      };
      // ANCHOR_END: shared_guards
      return { isolated: crossOriginIsolated, guarded: attempt(guarded), robust: attempt(robust) };
    });
  }
  assert.deepEqual(seen, {
    plain: {
      isolated: false,
      guarded: "TypeError: Failed to execute 'decode' on 'TextDecoder': The provided ArrayBufferView value must not be shared.",
      robust: 'hello',
    },
    isolated: { isolated: true, guarded: 'hello', robust: 'hello' },
  });
});

test('Chromium makes memories of 2 GiB and 4 GiB up front, and refuses one page more', async () => {
  const seen = await inPage('plain', () => {
    const attempt = (make) => {
      try {
        return make().buffer.byteLength;
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    };
    return {
      twoGiB: attempt(() => new WebAssembly.Memory({ initial: 32768, maximum: 65535 })),
      fourGiB: attempt(() => new WebAssembly.Memory({ initial: 65536 })),
      more: attempt(() => new WebAssembly.Memory({ initial: 65537 })),
      grownPastFourGiB: attempt(() => {
        const memory = new WebAssembly.Memory({ initial: 1 });
        memory.grow(65536);
        return memory;
      }),
    };
  });
  assert.deepEqual(seen, {
    twoGiB: 2 ** 31,
    fourGiB: 2 ** 32,
    more: "RangeError: WebAssembly.Memory(): Property 'initial': value 65537 is above the upper bound 65536",
    grownPastFourGiB: 'RangeError: WebAssembly.Memory.grow(): Unable to grow instance memory',
  });
});
