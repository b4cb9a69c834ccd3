// The playgrounds (src/widgets/playground.js, marked by ci/playgrounds.py)
// in Chromium, on every page of the built book that has one:
//
// - Run on each JavaScript block prints exactly the output the page shows
//   under it, expected/playground/FILE/ANCHOR.txt. With SNAPSHOTS=overwrite
//   this run writes those files instead: rebuild the book to show them.
// - Each `.wat` listing assembles as it is, and an edit that breaks it
//   shows the line of the error.
// - Chapters 2 to 7: the edit each chapter suggests (its "Break it" tip)
//   breaks the chapter's rule, and the run shows the failure it describes.
// - The memory view highlights the buffers the calls handed over.
//
// Screenshots of each playground after its run, in the light and the coal
// theme, go to target/browser/playgrounds/ for review; none is compared.
// PAGES=ch03-passing-bytes-in,... limits the first test to those pages.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BOOK_DIR, serveBook } from './chromium.mjs';

const repo = new URL('../../', import.meta.url);
const shots = new URL('target/browser/playgrounds/', repo).pathname;
const overwrite = process.env.SNAPSHOTS === 'overwrite';

let base;
let browser;
let stop;

before(async () => {
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  ({ base, browser, close: stop } = await serveBook());
});

after(() => stop?.());

/** The pages of the built book with a playground, but the print page. */
function pagesWithPlaygrounds() {
  return fs.readdirSync(BOOK_DIR)
    .filter((file) => file.endsWith('.html') && file !== 'print.html')
    .filter((file) => fs.readFileSync(path.join(BOOK_DIR, file), 'utf8').includes('data-widget="playground"'))
    .map((file) => file.replace(/\.html$/, ''))
    .filter((name) => !process.env.PAGES || process.env.PAGES.split(',').includes(name))
    .sort();
}

/**
 * Opens `name`, with every console error recorded, the JavaScript tab of
 * every block of host tabs chosen, and every playground mounted.
 */
async function open(name, options = {}) {
  const page = await browser.newPage(options);
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addInitScript(() => localStorage.setItem('mdbook-theme', 'light'));
  // Not waiting for the load event: that waits for the diagrams' script.
  await page.goto(`${base}${name}.html`, { waitUntil: 'domcontentloaded' });
  const javascript = page.locator('.mdbook-tabs-container[data-tabglobal=host] button[data-tabname=JavaScript]');
  if (await javascript.count()) await javascript.first().click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-widget=playground]')]
    .every((element) => element.dataset.ready === 'true'));
  return { page, errors };
}

/** The playground whose output follows the block `anchor` of `file`. */
function playground(page, file, anchor) {
  return parts(page.locator(`pre.playground-output[data-file="${file}"][data-anchor="${anchor}"]`));
}

/** The page's playground number `index`, in the order of the page. */
function nth(page, index) {
  return parts(page.locator('pre.playground-output').nth(index));
}

/** A playground's code, buttons, output and memory view. */
function parts(output) {
  return {
    output,
    code: output.locator('xpath=preceding-sibling::pre[1]//code'),
    run: output.locator('xpath=preceding-sibling::div[1]').locator('[data-act=run]'),
    reset: output.locator('xpath=preceding-sibling::div[1]').locator('[data-act=reset]'),
    memory: output.locator('xpath=following-sibling::div[1][contains(@class, "playground-memory")]'),
  };
}

/** Clicks Run (by keyboard) and returns the output once the run is done. */
async function run({ output, run: button }) {
  await button.focus();
  await button.press('Enter');
  await output.page().waitForFunction((element) => ['passed', 'failed'].includes(element.dataset.state),
    await output.elementHandle(), { timeout: 30_000 });
  return output.textContent();
}

/** Replaces `from` by `to` in the playground's code, as typing would. */
async function edit({ code }, from, to) {
  const text = await code.textContent();
  assert.ok(text.includes(from), `the block holds ${JSON.stringify(from)}`);
  await code.evaluate((element, changed) => {
    element.textContent = changed;
    element.dispatchEvent(new InputEvent('input', { bubbles: true }));
  }, text.replace(from, to));
}

/** A screenshot of the playground of `output` (or of a `.wat` listing's buttons), all of it. */
function screenshot({ output }, file) {
  return output.locator('xpath=..').screenshot({ path: path.join(shots, file), type: 'jpeg', quality: 80 });
}

/**
 * One edit per chapter, 2 to 7, that breaks the rule the chapter teaches:
 * the page, the block, the edit, and what the run must then print.
 */
const BREAKS = [
  {
    rule: 'chapter 2: a view made before memory.grow is detached',
    page: 'ch02-linear-memory', file: 'ch02_linear_memory.test.mjs', anchor: 'pointer',
    from: 'const view = new DataView(memory.buffer);',
    to: 'const view = new DataView(memory.buffer);\nmemory.grow(1); // the view is stale from here on',
    prints: /Uncaught TypeError: Cannot perform DataView.prototype.getUint32 on a detached or out-of-bounds ArrayBuffer\n {4}at line 9 of this block/,
    stale: true,
  },
  {
    rule: 'chapter 3: bytes written where nobody allocated are not the input',
    page: 'ch03-passing-bytes-in', file: 'ch03_passing_bytes_in.test.mjs', anchor: 'call_with_bytes',
    from: '.set(bytes, ptr);', to: '.set(bytes, 0);',
    prints: /Uncaught AssertionError: Expected values to be strictly equal:\n\n0 !== 256\n/,
    // Two calls back, after sum_bytes: the input buffer holds zeros.
    input: { back: 2, bytes: ['00', '00', '00', '00'] },
  },
  {
    rule: 'chapter 4: unpacked in the wrong order, the result is refused',
    page: 'ch04-returning-bytes-out', file: 'ch04_returning_bytes_out.test.mjs', anchor: 'read_packed',
    from: 'const ptr = Number(packed & 0xffff_ffffn);\nconst len = Number(packed >> 32n);',
    to: 'const ptr = Number(packed >> 32n);\nconst len = Number(packed & 0xffff_ffffn);',
    prints: /✗ the host unpacks, reads and frees\nUncaught RangeError: 1114136 bytes at 0xe: more than the 65536 bytes the host accepts\n/,
  },
  {
    rule: 'chapter 5: a block freed twice makes the checked allocator trap',
    page: 'ch05-who-frees-what', file: 'ch05_who_frees_what.test.mjs', anchor: 'checked',
    from: 'deallocate(namePtr, 6);', to: 'deallocate(namePtr, 6);\n  deallocate(namePtr, 6);',
    prints: /deallocate\(0x[0-9a-f]+, 6\) trapped: unreachable\n[\s\S]*Uncaught RuntimeError: unreachable/,
  },
  {
    rule: 'chapter 6: a result nobody keeps is reused by the collector',
    page: 'ch06-garbage-collectors', file: 'ch06_garbage_collectors.test.mjs', anchor: 'kept_next_allocate',
    from: 'const packed = greetKept(10);', to: 'const packed = exports.greet(10);',
    prints: /Uncaught AssertionError: Expected values to be strictly deep-equal:\n\+ actual - expected\n\n\+ Uint8Array\(67\) \[ 0, 0, 0,/,
  },
  {
    rule: 'chapter 7: an AssemblyScript object not pinned is collected',
    page: 'ch07-keepalive-pattern', file: 'ch07_keepalive_pattern.test.mjs', anchor: 'as_pin',
    from: '__pin(ptr);', to: '// __pin(ptr);',
    prints: /Uncaught AssertionError: Expected values to be strictly deep-equal:/,
  },
];


/**
 * Makes the edit `broken` on its page, runs it, checks the failure it
 * prints, then resets the block and checks that it prints its expected
 * output again.
 */
async function breakRule(page, broken) {
  const block = playground(page, broken.file, broken.anchor);
  const expected = await block.output.textContent();
  await edit(block, broken.from, broken.to);
  assert.equal(await block.reset.isDisabled(), false, `${broken.rule}: Reset is offered after an edit`);
  const output = await run(block);
  assert.match(output, broken.prints, broken.rule);
  assert.equal(await block.output.getAttribute('data-state'), 'failed', broken.rule);
  if (broken.stale) assert.ok(await block.memory.locator('[data-out=stale]').isVisible(), `${broken.rule}: the view is said to be stale`);
  if (broken.input) {
    for (let step = 0; step < broken.input.back; step += 1) await block.memory.locator('[data-act=back]').click();
    assert.deepEqual(await block.memory.locator('table.hex td.input').allTextContents(), broken.input.bytes, broken.rule);
  }
  await screenshot(block, `broken-${broken.page}.jpeg`);
  // Reset puts the tested code back, and its run prints the expected output again.
  await block.reset.click();
  assert.equal(await block.output.textContent(), expected, broken.rule);
  assert.equal(await run(block), expected, broken.rule);
}

/**
 * Checks every playground of the page `name`: each JavaScript block's run
 * prints its expected output (or, with SNAPSHOTS=overwrite, writes it), the
 * page's "Break it" edits fail as they should, each `.wat` listing
 * assembles; then a screenshot of each in either theme. Adds what it did
 * to `done`.
 */
async function checkPage(name, done) {
  const { page, errors } = await open(name);
  const blocks = await page.$$eval('pre.playground-output', (outputs) => outputs
    .map(({ dataset: { expected, missing } }) => ({ expected, missing: missing === 'true' })));
  for (const [index, { expected: file, missing }] of blocks.entries()) {
    done.shown.add(`${file}.txt`);
    const block = nth(page, index);
    const expected = await block.output.textContent();
    const actual = await run(block);
    const where = `${name}: expected/playground/${file}.txt`;
    if (overwrite) {
      const written = new URL(`expected/playground/${file}.txt`, repo);
      fs.mkdirSync(new URL('.', written), { recursive: true });
      fs.writeFileSync(written, actual);
    } else {
      assert.ok(!missing, `${where}: no expected output yet; run the browser tests with SNAPSHOTS=overwrite and rebuild`);
      assert.equal(actual, expected, `${where}: the run's output is not the one the page shows`);
    }
    assert.equal(await block.output.getAttribute('data-state'), 'passed', `${where}: ${actual}`);
    await screenshot(block, `${name}-${index}-light.jpeg`);
  }
  for (const broken of BREAKS.filter((candidate) => candidate.page === name)) {
    await breakRule(page, broken);
    done.broken += 1;
  }
  const listings = page.locator('div.playground-wat');
  const count = await listings.count();
  for (let index = 0; index < count; index += 1) {
    const listing = listings.nth(index);
    await listing.locator('[data-act=assemble]').click();
    await listing.locator('.playground-status').filter({ hasText: /^Assembled / }).waitFor();
    await screenshot({ output: listing }, `${name}-wat-${index}-light.jpeg`);
  }
  // The same playgrounds, after their runs, in a dark theme: switching
  // themes redraws the diagrams and keeps the page (theme/mermaid-init.js).
  await page.locator('#mdbook-theme-toggle').click(); // as a reader does
  await page.locator('#mdbook-theme-coal').click();
  await page.waitForFunction(() => [...document.querySelectorAll('pre.mermaid')]
    .every((diagram) => diagram.getAttribute('data-processed') === 'true'));
  assert.deepEqual(await page.$$eval('pre.playground-output', (outputs) => outputs.map((output) => output.dataset.state)),
    blocks.map(() => 'passed'), `${name}: the runs are still on the page`);
  for (const index of blocks.keys()) await screenshot(nth(page, index), `${name}-${index}-coal.jpeg`);
  for (let index = 0; index < count; index += 1) {
    await screenshot({ output: listings.nth(index) }, `${name}-wat-${index}-coal.jpeg`);
  }
  await page.close();
  assert.deepEqual(errors, [], `${name}: no console errors`);
  done.runs += blocks.length;
  done.wat += count;
}

test('every playground prints the output its page shows, every .wat listing assembles, each chapter\'s edit breaks its rule; in both themes', async () => {
  const pages = pagesWithPlaygrounds();
  const done = { runs: 0, wat: 0, broken: 0, shown: new Set() };
  // Two pages at a time, each in its own process: 39 s instead of 51 here.
  const queue = [...pages];
  const drain = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) await checkPage(name, done);
  };
  await Promise.all([drain(), drain()]);
  if (process.env.PAGES) return;
  assert.ok(pages.length >= 8, `playgrounds on ${pages.join(', ')}`);
  assert.ok(done.runs >= 50, `${done.runs} playgrounds ran`);
  assert.ok(done.wat >= 30, `${done.wat} listings assembled`);
  assert.equal(done.broken, BREAKS.length, 'the edit of every chapter was tried');
  const files = fs.readdirSync(new URL('expected/playground/', repo), { recursive: true })
    .filter((file) => file.endsWith('.txt'));
  assert.deepEqual(files.filter((file) => !done.shown.has(file)), [], 'expected/playground/ holds only outputs a page shows');
});

test('an edited .wat listing: an error names its line in the block; what assembles runs in the host block beside it, and in the calculator', async () => {
  // Listing 4-3 with its length taken out: the error is on line 3 of the
  // block, as the page shows it.
  const { page, errors } = await open('ch04-returning-bytes-out');
  const listing = page.locator('div.playground-wat[data-wat$="multi-value.wat"]');
  const wat = { code: listing.locator('xpath=preceding-sibling::pre[1]//code') };
  await edit(wat, 'i32.const 19)', 'i32.const)');
  await listing.locator('[data-act=assemble]').click();
  const status = listing.locator('.playground-status');
  await status.filter({ hasText: /line/ }).waitFor();
  assert.match(await status.textContent(), /^line 3, column \d+: error: /);

  // A length of 5 assembles, and the host block beside it runs it: the
  // greeting is cut short, and the memory view shows the 5 bytes it got.
  await edit(wat, 'i32.const)', 'i32.const 5)');
  await listing.locator('[data-act=assemble]').click();
  await status.filter({ hasText: /^Assembled ch04_multi_value.wasm/ }).waitFor();
  const host = playground(page, 'ch04_returning_bytes_out.test.mjs', 'call_multi_value');
  const output = await run(host);
  assert.match(output, /^greeting\(\) → \[1024, 5\]\n/);
  assert.match(output, /Uncaught AssertionError: Expected values to be strictly equal:\n\n'Hello' !== 'Hello, multi-value!'/);
  assert.deepEqual(await ranges(host), [{ label: 'result', ptr: 1024, len: 5, cells: 5 }]);

  // Listing 4-2 with the length shifted by 16 bits, not 32: the packing
  // calculator runs it, and runs the tested listing again after Reset.
  const packing = page.locator('div.playground-wat[data-wat$="packing.wat"]');
  await edit({ code: packing.locator('xpath=preceding-sibling::pre[1]//code') }, '(i64.const 32)', '(i64.const 16)');
  await packing.locator('[data-act=assemble]').click();
  const calculator = page.locator('.wasm-widget[data-widget=packing-calculator]');
  await calculator.getByText('pointer low (this book): 0x00000000001f0018').waitFor();
  await packing.locator('[data-act=reset]').click();
  await calculator.getByText('pointer low (this book): 0x0000000e00110018').waitFor();
  await page.close();
  assert.deepEqual(errors, []);
});

/**
 * The buffers the memory view shows, read back from its DOM: each label,
 * address and length of its legend, and how many cells of the hex table
 * carry that label.
 */
function ranges({ memory }) {
  return memory.evaluate((element) => [...element.querySelectorAll('.playground-ranges li')].map((item) => ({
    label: item.dataset.label,
    ptr: Number(item.dataset.ptr),
    len: Number(item.dataset.len),
    cells: [...element.querySelectorAll(`table.hex td.${item.dataset.label}`)]
      .filter((cell) => cell.title === `${item.dataset.label} 0x${Number(item.dataset.ptr).toString(16).padStart(6, '0')}`).length,
  })));
}

test('the memory view shows each call: the input buffer, then the same bytes freed, on a phone too', async () => {
  const { page, errors } = await open('ch03-passing-bytes-in', { viewport: { width: 390, height: 844 } });
  const block = playground(page, 'ch03_passing_bytes_in.test.mjs', 'round_trip');
  const output = await run(block);
  const ptr = Number(/^allocate\(4\) → (0x[0-9a-f]+)$/m.exec(output)[1]);
  const title = block.memory.locator('[data-out=title]');
  // After the run: the buffer was given back.
  assert.match(await title.textContent(), /^4\/4: after the run: 3 calls$/);
  assert.deepEqual(await ranges(block), [{ label: 'freed', ptr, len: 4, cells: 4 }]);
  // Two steps back, after sum_bytes: the host's input buffer, holding 1 2 3 250.
  await block.memory.locator('[data-act=back]').click();
  await block.memory.locator('[data-act=back]').click();
  assert.match(await title.textContent(), /^2\/4: after sum_bytes\(/);
  assert.deepEqual(await ranges(block), [{ label: 'input', ptr, len: 4, cells: 4 }]);
  const bytes = await block.memory.locator('table.hex td.input').allTextContents();
  assert.deepEqual(bytes, ['01', '02', '03', 'fa']);
  assert.match(await block.memory.locator('[data-out=pages]').textContent(), /^memory: 18 pages \(1152 KiB\)$/);
  // The hex table scrolls in its own box: the page is no wider than the phone.
  assert.deepEqual(await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]), [390, 390]);
  await page.close();
  assert.deepEqual(errors, []);
});

test('through jco in the page: only the guest\'s calls are recorded, and the canonical ABI\'s buffer is marked input', async () => {
  const { page, errors } = await open('ch16-the-component-model');
  const block = playground(page, 'ch16_the_component_model.test.mjs', 'shout');
  const output = await run(block);
  // jco's code generator is a wasm component too: none of its calls shows.
  assert.match(output, /^cabi_realloc\(0, 0, 1, 16\) → 0x[0-9a-f]+\nshout\(/);
  // The buffer of the last string in, 'crab 🦀' (9 bytes of UTF-8), as
  // cabi_realloc gave it (the guest has freed and reused it since).
  const ptr = Number(/^cabi_realloc\(0, 0, 1, 9\) → (0x[0-9a-f]+)$/m.exec(output)[1]);
  assert.deepEqual(await ranges(block), [{ label: 'input', ptr, len: 9, cells: 9 }]);
  await page.close();
  assert.deepEqual(errors, []);
});


test('with JavaScript off, every tab shows its code, and each playground the output of its test', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}ch03-passing-bytes-in.html`);
  const outputs = page.locator('pre.playground-output');
  assert.equal(await outputs.count(), 8);
  const first = outputs.first();
  const file = await first.getAttribute('data-expected');
  assert.equal(await first.textContent(), fs.readFileSync(new URL(`expected/playground/${file}.txt`, repo), 'utf8'));
  // Its label comes from the style sheet, which needs no script.
  assert.equal(await first.evaluate((element) => getComputedStyle(element, '::before').content), '"Output of its test"');
  assert.equal(await page.locator('[data-act=run]').count(), 0, 'no button that could not work');
  // Every tab is shown, under its name (theme/tabs-print.css): the
  // JavaScript code and its output too.
  assert.ok(await first.isVisible(), 'the output is on the page');
  assert.equal(await first.locator('xpath=..').evaluate((tab) => getComputedStyle(tab, '::before').content), '"JavaScript"');
  await context.close();
});

test('mermaid.js loads only on a page with a diagram (theme/mermaid-init.js)', async () => {
  const loads = async (name) => {
    const page = await browser.newPage();
    const fetched = [];
    page.on('request', (request) => fetched.push(request.url()));
    await page.goto(`${base}${name}.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('pre.mermaid')]
      .every((diagram) => diagram.getAttribute('data-processed') === 'true'));
    await page.close();
    return fetched.some((url) => url.endsWith('/mermaid/mermaid.min.js'));
  };
  assert.equal(await loads('glossary'), false, 'the glossary has no diagram');
  assert.equal(await loads('ch03-passing-bytes-in'), true, 'chapter 3 has one');
});
