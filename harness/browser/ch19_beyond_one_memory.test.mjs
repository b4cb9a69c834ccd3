// Chapter 19 in headless Chromium (Debian's, driven by playwright-core):
// resizable buffers, memory64's BigInts, the JS string builtins, and a
// shared memory, which a page may create only when cross-origin isolated.
// ci/test runs this with the other browser tests:
//
//   node --test harness/browser/
//
// The guests come from the artifact manifest (BOOK_ARTIFACTS), served by
// a server of this file's own on 127.0.0.1, with and without isolation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { artifactPath } from '../js/book.mjs';
import { CROSS_ORIGIN_ISOLATION, serveToChromium } from './chromium.mjs';

let stop;
let browser;
let base;

// ANCHOR: coi_service_worker
/**
 * The technique of coi-serviceworker (github.com/gzuidhof/coi-serviceworker),
 * reduced to its core: a service worker that adds the two headers to every
 * response it passes on, for a host that cannot set them (GitHub Pages).
 */
const COI_SERVICE_WORKER = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  event.respondWith(fetch(event.request).then((response) => {
    const headers = new Headers(response.headers);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    // A 204 or 304 has no body, and a Response made with one throws.
    const body = [204, 304].includes(response.status) ? null : response.body;
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  }));
});`;
// ANCHOR_END: coi_service_worker

before(async () => {
  // Fails here, with what to do, when BOOK_ARTIFACTS is not set: inside the
  // server's handler the error would leave the page waiting instead.
  artifactPath('CH19_GROWABLE');
  ({ base, browser, close: stop } = await serveToChromium((request, response) => {
    const { pathname } = new URL(request.url, 'http://x');
    const wasm = pathname.match(/^\/wasm\/([A-Z0-9_]+)$/);
    if (wasm) {
      response.writeHead(200, { 'content-type': 'application/wasm', ...CROSS_ORIGIN_ISOLATION });
      fs.createReadStream(artifactPath(wasm[1])).pipe(response);
    } else if (pathname === '/coi-worker.js') {
      // A service worker served without the headers, which adds them.
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(COI_SERVICE_WORKER);
    } else if (pathname === '/isolated.html' || pathname === '/plain.html') {
      response.writeHead(200, { 'content-type': 'text/html', ...(pathname === '/isolated.html' ? CROSS_ORIGIN_ISOLATION : {}) });
      response.end('<!doctype html><title>Chapter 19</title>');
    } else {
      response.writeHead(404).end();
    }
  }));
});

after(async () => {
  await stop?.();
});

/** Opens `page` (`plain` or `isolated`); fails the test on a console error. */
async function open(page) {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  tab.on('console', (message) => { if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`); });
  await tab.goto(`${base}${page}.html`);
  return { tab, errors };
}

test('the browser is the one the chapter names', async () => {
  const { tab } = await open('plain');
  const agent = await tab.evaluate(() => navigator.userAgent);
  assert.match(agent, /Chrome\/\d+\./);
  assert.ok(Number(browser.version().split('.')[0]) >= 144, `Chromium ${browser.version()}`);
  await tab.close();
});

test('resizable buffers: a view that follows growth instead of detaching', async () => {
  const { tab, errors } = await open('plain');
  const seen = await tab.evaluate(async () => {
    const { instance } = await WebAssembly.instantiateStreaming(fetch('/wasm/CH19_GROWABLE'));
    const { memory, grow } = instance.exports;
    const fixed = new Uint8Array(memory.buffer);
    grow(1);
    const fixedAfterGrowth = fixed.length; // detached: 0, as chapter 9 shows
    const buffer = memory.toResizableBuffer();
    const { maxByteLength } = buffer;
    const view = new Uint8Array(buffer);
    const before = view.length;
    grow(1);
    const after = view.length;
    const refusal = (action) => {
      try {
        action();
        return 'no error';
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    };
    const sameBuffer = memory.buffer === buffer;
    buffer.resize(4 * 65536); // grows the memory too
    const resized = view.length;
    const notAPage = refusal(() => buffer.resize(4 * 65536 - 1));
    const shrink = refusal(() => buffer.resize(65536));
    memory.toFixedLengthBuffer();
    return {
      fixedAfterGrowth, before, after, resizable: buffer.resizable, maxByteLength,
      sameBuffer, resized, notAPage: notAPage.split(':')[0], shrink: shrink.split(':')[0],
      detachedBySwitchingBack: buffer.detached,
      noMaximum: refusal(() => new WebAssembly.Memory({ initial: 1 }).toResizableBuffer()),
    };
  });
  assert.deepEqual(seen, {
    fixedAfterGrowth: 0,
    before: 2 * 65536,
    after: 3 * 65536,
    resizable: true,
    maxByteLength: 4 * 65536,
    sameBuffer: true,
    resized: 4 * 65536,
    notAPage: 'RangeError',
    shrink: 'RangeError',
    detachedBySwitchingBack: true,
    noMaximum: 'TypeError: WebAssembly.Memory.toResizableBuffer(): Memory must have a maximum',
  });
  assert.deepEqual(errors, []);
  await tab.close();
});

test('memory64: BigInt pointers, BigInt pages', async () => {
  const { tab, errors } = await open('plain');
  const seen = await tab.evaluate(async () => {
    const { instance } = await WebAssembly.instantiateStreaming(fetch('/wasm/CH19_MEMORY64'));
    const { memory, allocate, shout_pair } = instance.exports;
    const text = new TextEncoder().encode('hello, chromium');
    const ptr = allocate(BigInt(text.length));
    new Uint8Array(memory.buffer).set(text, Number(ptr));
    const [out, len] = shout_pair(ptr, BigInt(text.length));
    const shouted = new TextDecoder().decode(new Uint8Array(memory.buffer, Number(out), Number(len)));
    const oldPages = memory.grow(1n);
    return { pointer: typeof out, shouted, pages: typeof oldPages, oldPages: String(oldPages) };
  });
  assert.deepEqual(seen, { pointer: 'bigint', shouted: 'HELLO, CHROMIUM', pages: 'bigint', oldPages: '1' });
  assert.deepEqual(errors, []);
  await tab.close();
});

test('emscripten#19345: 81920 pages is past a 32-bit memory, and within a 64-bit one', async () => {
  const { tab, errors } = await open('plain');
  const seen = await tab.evaluate(() => {
    const attempt = (action) => {
      try {
        return action();
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    };
    return {
      wasm32: attempt(() => new WebAssembly.Memory({ initial: 1, maximum: 81920 }).buffer.byteLength),
      wasm64: attempt(() => {
        const memory = new WebAssembly.Memory({ address: 'i64', initial: 1n, maximum: 81920n });
        memory.grow(65536n); // past 4 GiB
        return memory.buffer.byteLength;
      }),
    };
  });
  assert.deepEqual(seen, {
    wasm32: "RangeError: WebAssembly.Memory(): Property 'maximum': value 81920 is above the upper bound 65536",
    wasm64: 2 ** 32 + 65536,
  });
  assert.deepEqual(errors, []);
  await tab.close();
});

test('multi-memory and WasmGC: the mailbox, and an opaque GC array', async () => {
  const { tab, errors } = await open('plain');
  const seen = await tab.evaluate(async () => {
    const mailbox = (await WebAssembly.instantiateStreaming(fetch('/wasm/CH19_MAILBOX'))).instance.exports;
    const request = new TextEncoder().encode('hello, mailbox');
    new Uint8Array(mailbox.mailbox.buffer).set(request, 0);
    const replyLen = mailbox.handle(request.length);
    const reply = new TextDecoder().decode(new Uint8Array(mailbox.mailbox.buffer, 0, replyLen));
    const gc = (await WebAssembly.instantiateStreaming(fetch('/wasm/CH19_GC_BYTES'))).instance.exports;
    const array = gc.new_bytes(2);
    gc.set_byte(array, 0, 104);
    gc.set_byte(array, 1, 105);
    const shouted = gc.shout(array);
    return {
      reply,
      shouted: String.fromCharCode(gc.byte_at(shouted, 0), gc.byte_at(shouted, 1)),
      opaque: shouted[0] === undefined && Object.keys(shouted).length === 0,
    };
  });
  assert.deepEqual(seen, { reply: 'HELLO, MAILBOX', shouted: 'HI', opaque: true });
  assert.deepEqual(errors, []);
  await tab.close();
});

test('JS string builtins: a JS string in, a JS string out, no memory', async () => {
  const { tab, errors } = await open('plain');
  const shouted = await tab.evaluate(async () => {
    const bytes = await (await fetch('/wasm/CH19_GC_STRINGS')).arrayBuffer();
    const { instance } = await WebAssembly.instantiate(bytes, {}, { builtins: ['js-string'] });
    return instance.exports.shout('hello, builtins');
  });
  assert.equal(shouted, 'HELLO, BUILTINS');
  assert.deepEqual(errors, []);
  await tab.close();
});

test('shared memory: made, but not shared, without cross-origin isolation', async () => {
  const { tab, errors } = await open('plain');
  const seen = await tab.evaluate(async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const worker = new Worker(URL.createObjectURL(new Blob([''], { type: 'text/javascript' })));
    let posted;
    try {
      worker.postMessage({ memory });
      posted = 'posted';
    } catch (error) {
      posted = `${error.name}: ${error.message}`;
    }
    worker.terminate();
    return {
      isolated: crossOriginIsolated,
      constructor: typeof SharedArrayBuffer,
      buffer: Object.prototype.toString.call(memory.buffer),
      posted,
    };
  });
  // The memory is made, and its buffer is a SharedArrayBuffer, but the
  // constructor is hidden and the memory cannot reach another thread.
  assert.deepEqual(seen, {
    isolated: false,
    constructor: 'undefined',
    buffer: '[object SharedArrayBuffer]',
    posted: "DataCloneError: Failed to execute 'postMessage' on 'Worker': SharedArrayBuffer transfer requires self.crossOriginIsolated.",
  });
  assert.deepEqual(errors, []);
  await tab.close();
});

test('shared memory: a worker publishes, the page waits with Atomics.waitAsync', async () => {
  const { tab, errors } = await open('isolated');
  const seen = await tab.evaluate(async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const module = await WebAssembly.compileStreaming(fetch('/wasm/CH19_SHARED_WRITER'));
    const source = `onmessage = async ({ data: { module, memory } }) => {
      const instance = await WebAssembly.instantiate(module, { env: { memory } });
      instance.exports.publish(0, 64);
    };`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const flag = new Int32Array(memory.buffer, 0, 1);
    let mainThreadWait;
    try {
      Atomics.wait(flag, 0, 0, 0);
    } catch (error) {
      mainThreadWait = `${error.name}: ${error.message}`;
    }
    const waiting = Atomics.waitAsync(flag, 0, 0, 10_000);
    worker.postMessage({ module, memory });
    const woke = waiting.async ? await waiting.value : waiting.value;
    const len = Atomics.load(flag, 0);
    const message = new TextDecoder().decode(new Uint8Array(memory.buffer, 64, len).slice());
    worker.terminate();
    return { isolated: crossOriginIsolated, mainThreadWait, woke, message };
  });
  assert.equal(seen.isolated, true);
  assert.match(seen.mainThreadWait, /^TypeError: /, 'the page may not block in Atomics.wait');
  assert.equal(seen.woke, 'ok');
  assert.equal(seen.message, 'hello from another thread');
  assert.deepEqual(errors, []);
  await tab.close();
});

test('without isolation, SharedArrayBuffer is not defined; with the headers, it is', async () => {
  const seen = {};
  for (const page of ['plain', 'isolated']) {
    const { tab, errors } = await open(page);
    seen[page] = await tab.evaluate(() => {
      // ANCHOR: not_defined
      let made;
      try {
        made = new SharedArrayBuffer(8).byteLength;
      } catch (error) {
        made = `${error.name}: ${error.message}`;
      }
      // ANCHOR_END: not_defined
      return { isolated: crossOriginIsolated, made };
    });
    assert.deepEqual(errors, []);
    await tab.close();
  }
  assert.deepEqual(seen, {
    plain: { isolated: false, made: 'ReferenceError: SharedArrayBuffer is not defined' },
    isolated: { isolated: true, made: 8 },
  });
});

test('a service worker that adds the headers isolates the page from its first reload', async () => {
  const { tab, errors } = await open('plain');
  assert.equal(await tab.evaluate(() => crossOriginIsolated), false);
  // ANCHOR: register_service_worker
  await tab.evaluate(async () => {
    await navigator.serviceWorker.register('/coi-worker.js');
    await navigator.serviceWorker.ready;
  });
  await tab.reload(); // coi-serviceworker reloads the page itself, once
  // ANCHOR_END: register_service_worker
  const seen = await tab.evaluate(() => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const worker = new Worker(URL.createObjectURL(new Blob([''], { type: 'text/javascript' })));
    worker.postMessage({ memory }); // throws without isolation (the test above)
    worker.terminate();
    return {
      controlled: navigator.serviceWorker.controller !== null,
      isolated: crossOriginIsolated,
      constructor: typeof SharedArrayBuffer,
    };
  });
  assert.deepEqual(seen, { controlled: true, isolated: true, constructor: 'function' });
  assert.deepEqual(errors, []);
  await tab.close();
});

test('service workers need a secure context: an http page away from localhost has none', async () => {
  const tab = await browser.newPage();
  // A page at an http address that is not this machine, with the headers:
  // Playwright answers for it, no server involved.
  await tab.route('http://book.example/**', (route) => route.fulfill({
    status: 200, contentType: 'text/html', headers: CROSS_ORIGIN_ISOLATION, body: '<!doctype html><title>Chapter 19</title>',
  }));
  await tab.goto('http://book.example/index.html');
  const seen = await tab.evaluate(() => ({
    secure: isSecureContext,
    isolated: crossOriginIsolated,
    serviceWorker: typeof navigator.serviceWorker,
    constructor: typeof SharedArrayBuffer,
  }));
  // Even the headers do not isolate it: isolation needs a secure context too.
  assert.deepEqual(seen, { secure: false, isolated: false, serviceWorker: 'undefined', constructor: 'undefined' });
  await tab.close();
});
