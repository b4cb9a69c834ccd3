// What the browser tests share: Debian's Chromium (or $CHROMIUM), driven
// by the pinned playwright-core, and the headers that make a page
// cross-origin isolated. Not a test file: `node --test` runs only
// `*.test.mjs` here.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

// Pinned by this room's package-lock.json.
import { chromium } from 'playwright-core';

// ANCHOR: isolation_headers
/** The two headers a page needs before it may share memory with a worker. */
export const CROSS_ORIGIN_ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};
// ANCHOR_END: isolation_headers

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json', '.woff2': 'font/woff2', '.png': 'image/png' };

/**
 * A handler that serves the files under `dir` (the built book), cross-origin
 * isolated, so that its pages may create shared memory.
 */
export function serveFiles(dir) {
  return (request, response) => {
    const file = path.join(dir, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      ...CROSS_ORIGIN_ISOLATION,
    });
    fs.createReadStream(file).pipe(response);
  };
}

/**
 * Serves `handler` (as for `http.createServer`) on 127.0.0.1 and starts
 * Chromium: `base` is the server's URL, `close()` stops both.
 */
export async function serveToChromium(handler) {
  const server = http.createServer((request, response) => {
    // A page without an icon of its own makes Chromium ask for one, at a
    // moment of its choosing; a 404 for it would be a console error that
    // no test caused.
    if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      handler(request, response);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchChromium();
  return {
    base: `http://127.0.0.1:${server.address().port}/`,
    browser,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}

/** Where `ci/test` builds the book (its step `book`). */
export const BOOK_DIR = new URL('../../book/', import.meta.url).pathname;

/**
 * The built book, served to a fresh Chromium as `serveToChromium` does;
 * fails at once, saying so, when `page` of it was not built.
 */
export function serveBook(page = 'index.html') {
  if (!fs.existsSync(path.join(BOOK_DIR, page))) {
    throw new Error(`${path.join(BOOK_DIR, page)} is missing: build the book first (ci/test does)`);
  }
  return serveToChromium(serveFiles(BOOK_DIR));
}

/** Starts headless Chromium, never a browser Playwright downloaded. */
function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
