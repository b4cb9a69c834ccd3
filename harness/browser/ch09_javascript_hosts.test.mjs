// Chapter 9 in headless Chromium: TextDecoder and a view of shared or
// resizable memory, how big a memory a page may make, and a guest imported
// as a module. Served by this file's own server on 127.0.0.1, with and
// without cross-origin isolation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { artifactPath } from '../js/book.mjs';
import { CROSS_ORIGIN_ISOLATION, serveToChromium } from './chromium.mjs';

/** Pages that import chapter 4's guest as a module, in each phase (chapter 9's Node modules do the same). */
const MODULE_PAGES = {
  '/import-instance.html': "import { greet } from './greet.wasm';",
  '/import-source.html': "import source greetModule from './greet.wasm';",
};

let stop;
let browser;
let base;

before(async () => {
  ({ base, browser, close: stop } = await serveToChromium((request, response) => {
    const { pathname } = new URL(request.url, 'http://x');
    if (pathname === '/isolated.html' || pathname === '/plain.html') {
      response.writeHead(200, { 'content-type': 'text/html', ...(pathname === '/isolated.html' ? CROSS_ORIGIN_ISOLATION : {}) });
      response.end('<!doctype html><title>Chapter 9</title>');
    } else if (MODULE_PAGES[pathname]) {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html><title>Chapter 9</title><script type="module">${MODULE_PAGES[pathname]}</script>`);
    } else if (pathname === '/greet.wasm') {
      response.writeHead(200, { 'content-type': 'application/wasm' });
      response.end(fs.readFileSync(artifactPath('CH04_PACKED_RETURN')));
    } else {
      response.writeHead(404).end();
    }
  }));
});

after(async () => {
  await stop?.();
});

/**
 * Runs `action` in a fresh `page` (`plain` or `isolated`, or a page of
 * MODULE_PAGES); fails on a console error other than `expectedErrors`.
 */
async function inPage(page, action, expectedErrors = []) {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  tab.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await tab.goto(`${base}${page}.html`);
  const result = await tab.evaluate(action);
  assert.deepEqual(errors, expectedErrors);
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

test('a decoder that copies only `instanceof SharedArrayBuffer` fails on a page without isolation; the buffer\'s tag does not', async () => {
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
      // The bare check: without isolation the global SharedArrayBuffer is
      // not defined, so the check itself throws a ReferenceError.
      const bare = (bytes) => {
        const shared = bytes.buffer instanceof SharedArrayBuffer;
        return new TextDecoder().decode(shared ? bytes.slice() : bytes);
      };
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
      return { isolated: crossOriginIsolated, bare: attempt(bare), guarded: attempt(guarded), robust: attempt(robust) };
    });
  }
  assert.deepEqual(seen, {
    plain: {
      isolated: false,
      bare: 'ReferenceError: SharedArrayBuffer is not defined',
      guarded: "TypeError: Failed to execute 'decode' on 'TextDecoder': The provided ArrayBufferView value must not be shared.",
      robust: 'hello',
    },
    isolated: { isolated: true, bare: 'hello', guarded: 'hello', robust: 'hello' },
  });
});

test("TextDecoder and encodeInto refuse a view of a resizable buffer, or of a growable shared one; a copy decodes", async () => {
  for (const page of ['plain', 'isolated']) {
    const seen = await inPage(page, () => {
      const attempt = (action) => {
        try {
          return action();
        } catch (error) {
          return `${error.name}: ${error.message}`;
        }
      };
      // ANCHOR: decode_resizable
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
      const view = new Uint8Array(memory.toResizableBuffer(), 0, 5);
      view.set(new TextEncoder().encode('hello')); // encode, then set: works everywhere
      const decoded = attempt(() => new TextDecoder().decode(view));
      const encoded = attempt(() => new TextEncoder().encodeInto('hello', view).written);
      const copied = new TextDecoder().decode(view.slice()); // a copy, in an ArrayBuffer of fixed length
      // A shared memory's resizable buffer is a growable SharedArrayBuffer.
      const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
      const sharedView = new Uint8Array(shared.toResizableBuffer(), 0, 5);
      sharedView.set(new TextEncoder().encode('hello'));
      const sharedDecoded = attempt(() => new TextDecoder().decode(sharedView));
      const sharedCopied = new TextDecoder().decode(sharedView.slice());
      // ANCHOR_END: decode_resizable
      return { decoded, encoded, copied, sharedDecoded, sharedCopied, growable: sharedView.buffer.growable };
    });
    assert.deepEqual(seen, {
      decoded: "TypeError: Failed to execute 'decode' on 'TextDecoder': The provided ArrayBuffer value must not be resizable",
      encoded: "TypeError: Failed to execute 'encodeInto' on 'TextEncoder': The provided Uint8Array value must not be resizable.",
      copied: 'hello',
      sharedDecoded: "TypeError: Failed to execute 'decode' on 'TextDecoder': The provided ArrayBuffer value must not be resizable",
      sharedCopied: 'hello',
      growable: true,
    }, `${page}, Chromium ${browser.version()}`);
  }
});

test('Chromium refuses a guest imported as a module, in either phase', async () => {
  const instance = await inPage('import-instance', () => 'loaded', [
    'Failed to load module script: Expected a JavaScript-or-Wasm module script but the server responded with ' +
      'a MIME type of "application/wasm". Strict MIME type checking is enforced for module scripts per HTML spec.',
  ]);
  const source = await inPage('import-source', () => 'loaded', ["SyntaxError: Unexpected identifier 'greetModule'"]);
  assert.deepEqual([instance, source], ['loaded', 'loaded'], `Chromium ${browser.version()}`);
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
