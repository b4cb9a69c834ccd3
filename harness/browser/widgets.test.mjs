// The interactive pages, in headless Chromium (Debian's, driven by
// playwright-core), against the built book (`book/`, served on 127.0.0.1).
// ci/test runs this after `mdbook build`:
//
//   node --test harness/browser/
//
// Every test fails on a console error. Screenshots, and the page weight of
// each widget, go to target/browser/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { serveBook } from './chromium.mjs';

const repo = new URL('../../', import.meta.url);
const outputDir = new URL('target/browser/', repo).pathname;

let stop;
let browser;
let base;
const weights = [];

before(async () => {
  fs.mkdirSync(outputDir, { recursive: true });
  ({ base, browser, close: stop } = await serveBook());
});

after(async () => {
  await stop?.();
  const report = weights.map(({ page, wasm, js }) => `${page}: ${wasm} bytes of wasm, ${js} bytes of widget JavaScript`).join('\n');
  fs.writeFileSync(path.join(outputDir, 'page-weight.txt'), `${report}\n`);
  console.log(report);
});

/**
 * Opens a chapter in a fresh page (theme `theme`), waits for its widget,
 * and records console errors and the bytes of wasm and widget JS it loads.
 */
async function open(chapter, theme = 'light') {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(error.message));
  const weight = { page: chapter, wasm: 0, js: 0 };
  page.on('response', async (response) => {
    const url = response.url();
    if (url.endsWith('.wasm')) weight.wasm += (await response.body()).length;
    else if (url.includes('/widgets/') || url.endsWith('/widgets.js')) weight.js += (await response.body()).length;
  });
  await page.addInitScript((chosen) => localStorage.setItem('mdbook-theme', chosen), theme);
  await page.goto(`${base}${chapter}.html`);
  await page.waitForSelector('.wasm-widget[data-ready=true]', { timeout: 10_000 });
  return { page, errors, weight };
}

async function close({ page, errors, weight }, name) {
  await page.locator('.wasm-widget').screenshot({ path: path.join(outputDir, `${name}.png`) });
  await page.close();
  if (!weights.some((known) => known.page === weight.page)) weights.push(weight);
  assert.deepEqual(errors, [], 'no console errors');
}

test('the packing calculator packs and unpacks in both orders', async () => {
  const session = await open('ch04-returning-bytes-out');
  const { page } = session;
  const widget = page.locator('.wasm-widget');
  await assert.doesNotReject(widget.getByText('pointer low (this book): 0x0000000e00110018').waitFor());
  assert.match(await widget.textContent(), /pointer high \(wazero examples\): 0x001100180000000e/);

  // With the keyboard: focus the pointer field, type a new value.
  await page.locator('input[name=ptr]').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('0xffffffff');
  await assert.doesNotReject(widget.getByText('pointer low (this book): 0x0000000effffffff').waitFor());
  // 2^64 - 1 is too big for a pointer...
  await page.keyboard.press('Control+A');
  await page.keyboard.type('0x100000000');
  await assert.doesNotReject(widget.getByText('does not fit in 32 bits').waitFor());

  // ...and a packed value splits back, as BigInt input too.
  await page.locator('input[name=packed]').fill('60129542144n');
  await assert.doesNotReject(widget.getByText('pointer low (this book): pointer 0x00000000 (0), length 14').waitFor());
  await close(session, 'packing-calculator');
});

test('the GC hazard: an unpinned object is overwritten, a pinned one is not', async () => {
  const session = await open('ch06-garbage-collectors');
  const { page } = session;
  const status = page.locator('[data-out=object]');

  // Keyboard only: Tab to "Call greet", press Enter.
  await page.locator('[data-act=greet]').focus();
  await page.keyboard.press('Enter');
  await assert.doesNotReject(status.getByText('intact').waitFor());
  await page.locator('[data-act=collect]').click();
  await page.locator('[data-act=churn]').click();
  await assert.doesNotReject(status.getByText('OVERWRITTEN').waitFor());
  assert.match(await status.textContent(), /length in header 589505315/);
  await page.locator('[data-act=release]').click();

  await page.locator('[data-act=pin]').check();
  await page.locator('[data-act=greet]').click();
  for (let i = 0; i < 3; i++) {
    await page.locator('[data-act=collect]').click();
    await page.locator('[data-act=churn]').click();
  }
  assert.match(await status.textContent(), /\(pinned\)[\s\S]*intact/);
  await page.locator('[data-act=release]').click();
  await close(session, 'gc-hazard');
});

test('the memory explorer: write, call, read, free, and a view going stale', async () => {
  const session = await open('ch02-linear-memory');
  const { page } = session;
  const call = page.locator('[data-out=call]');
  const views = page.locator('[data-out=views]');

  // At first, the view made when the page loaded is as long as the memory.
  assert.match(await views.textContent(), /made when the page loaded has length 1114112;/);

  await page.locator('input[name=name]').fill('Ferris');
  await page.locator('[data-act=write]').click();
  await assert.doesNotReject(call.getByText('wrote 6 bytes').waitFor());
  assert.ok(await page.locator('table.hex td.live').count() >= 18, 'the input buffer is highlighted');

  await page.locator('[data-act=call]').click();
  await assert.doesNotReject(call.getByText('"Hello, Ferris!"').waitFor());
  assert.equal(await page.locator('table.hex td.result').count(), 14);

  await page.locator('[data-act=free]').click();
  assert.equal(await page.locator('table.hex td.live').count(), 0);

  // memory.grow detaches it (if the guest's own allocations had not already).
  await page.locator('[data-act=grow]').click();
  assert.match(await views.textContent(), /has length 0 \(detached by memory.grow\)/);
  await close(session, 'memory-explorer');
});

test('the widgets follow the dark themes', async () => {
  const background = async (theme) => {
    const session = await open('ch04-returning-bytes-out', theme);
    const color = await session.page.locator('.wasm-widget').evaluate((element) => getComputedStyle(element).backgroundColor);
    await close(session, `packing-calculator-${theme}`);
    return color;
  };
  const light = await background('light');
  const coal = await background('coal');
  assert.notEqual(light, coal);
});

test("Chromium's TextDecoder refuses a view of shared memory (chapter 9)", async () => {
  // Chapter 9's claim, checked in a page with a widget (the explorer's, chapter 2).
  const session = await open('ch02-linear-memory');
  const result = await session.page.evaluate(() => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    try {
      new TextDecoder().decode(new Uint8Array(memory.buffer, 0, 4));
      return 'decoded';
    } catch (error) {
      return `${error.name}: ${error.message}; cross-origin isolated: ${crossOriginIsolated}`;
    }
  });
  assert.equal(result,
    "TypeError: Failed to execute 'decode' on 'TextDecoder': The provided ArrayBufferView value must not be shared.; " +
      'cross-origin isolated: true',
    `Chromium ${browser.version()}`);
  await close(session, 'shared-memory');
});

test("Chromium's toResizableBuffer: a length-tracking view follows growth (chapter 9)", async () => {
  // Chapter 9's claim, checked in a page with a widget (the explorer's, chapter 2).
  const session = await open('ch02-linear-memory');
  const result = await session.page.evaluate(() => {
    // ANCHOR: browser_length_tracking
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const earlier = new Uint8Array(memory.buffer);
    const view = new Uint8Array(memory.toResizableBuffer()); // no length: it tracks the buffer's
    const before = view.byteLength;
    memory.grow(1);
    // ANCHOR_END: browser_length_tracking
    return {
      earlier: earlier.byteLength, // detached by toResizableBuffer
      before,
      after: view.byteLength,
      resizable: view.buffer.resizable,
      sameBuffer: view.buffer === memory.buffer,
    };
  });
  assert.deepEqual(result, { earlier: 0, before: 65536, after: 131072, resizable: true, sameBuffer: true },
    `Chromium ${browser.version()}`);
  await close(session, 'resizable-buffer');
});
