// Language tabs (mdbook-tabs, theme/tabs.js) in headless Chromium: a
// reader's choice of guest or host language holds on every page and after
// a reload, each group keeps its own choice, the keyboard works, and the
// print view shows every tab. Also the reason for the lint in
// crates/book-lint/src/rules/tabs.rs: a block that lacks the saved tab
// shows nothing.
// ci/test runs this with the other browser tests, after `mdbook build`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { serveFiles, serveToChromium } from './chromium.mjs';

const repo = new URL('../../', import.meta.url);
const bookDir = new URL('book/', repo).pathname;

/**
 * A page of two guest blocks, the second without an AssemblyScript tab,
 * with the script mdbook-tabs gives the book (mdBook adds a hash to its name).
 */
function incompleteBlockPage() {
  const script = fs.readdirSync(`${bookDir}theme`).find((file) => /^tabs-[0-9a-f]+\.js$/.test(file));
  return `<!DOCTYPE html>
<html><head><style>.hidden { display: none; }</style><script src="theme/${script}"></script></head>
<body>${guestBlock(['Rust', 'Go', 'AssemblyScript'])}${guestBlock(['Rust', 'Go'])}</body></html>`;
}

/** A block of guest tabs, as mdbook-tabs writes it. */
function guestBlock(names) {
  const buttons = names.map((name, index) =>
    `<button class="mdbook-tab${index === 0 ? ' active' : ''}" data-tabname="${name}">${name}</button>`);
  const contents = names.map((name, index) =>
    `<div class="mdbook-tab-content${index === 0 ? '' : ' hidden'}" data-tabname="${name}">${name} code</div>`);
  return `<div class="mdbook-tabs-container" data-tabglobal="guest">
<nav class="mdbook-tabs">${buttons.join('')}</nav>${contents.join('')}</div>`;
}

let stop;
let browser;
let base;

before(async () => {
  assert.ok(fs.existsSync(`${bookDir}cheat-sheet.html`), 'build the book first (ci/test does)');
  const files = serveFiles(bookDir);
  ({ base, browser, close: stop } = await serveToChromium((request, response) => {
    if (request.url === '/incomplete-block.html') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(incompleteBlockPage());
    } else {
      files(request, response);
    }
  }));
});

after(async () => {
  await stop?.();
});

/** For each block of `group` on the page: the tab shown, and how many are. */
function shown(page, group) {
  return page.$$eval(`.mdbook-tabs-container[data-tabglobal="${group}"]`, (blocks) => blocks.map((block) => {
    const visible = [...block.querySelectorAll(':scope > .mdbook-tab-content')]
      .filter((content) => getComputedStyle(content).display !== 'none')
      .map((content) => content.dataset.tabname);
    const active = [...block.querySelectorAll('.mdbook-tab.active')].map((tab) => tab.dataset.tabname);
    return `${visible.join('+') || 'nothing'} (button ${active.join('+') || 'none'})`;
  }));
}

/** Asserts that the page has blocks of `group` and that each shows `name`. */
async function assertAllShow(page, group, name, message) {
  const blocks = await shown(page, group);
  assert.ok(blocks.length > 0, `no ${group} block on ${page.url()}`);
  assert.deepEqual(blocks, blocks.map(() => `${name} (button ${name})`), message);
}

test("a reader's choice of language holds on every page, and after a reload", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(`${base}cheat-sheet.html`);
  await assertAllShow(page, 'guest', 'Rust', 'the first tab, before any choice');
  await assertAllShow(page, 'host', 'wasmtime');

  await page.click('.mdbook-tabs-container[data-tabglobal="guest"] .mdbook-tab[data-tabname="Go"]');
  await assertAllShow(page, 'guest', 'Go');
  await assertAllShow(page, 'host', 'wasmtime', 'the host group keeps its own choice');

  // The keyboard: a tab is a button, so Enter chooses it.
  await page.focus('.mdbook-tabs-container[data-tabglobal="host"] .mdbook-tab[data-tabname="wazero"]');
  await page.keyboard.press('Enter');
  await assertAllShow(page, 'host', 'wazero');

  await page.goto(`${base}reference-utility.html`);
  await assertAllShow(page, 'guest', 'Go', "the utility's reference opens on the Go tab");
  await page.goto(`${base}ch12-host-functions.html`);
  await assertAllShow(page, 'host', 'wazero', 'chapter 12 opens on the wazero tab');

  await page.click('.mdbook-tab[data-tabname="JavaScript"]');
  await page.reload();
  await assertAllShow(page, 'host', 'JavaScript', 'a reload keeps the last choice');
  await page.goto(`${base}cheat-sheet.html`);
  await assertAllShow(page, 'host', 'JavaScript');
  await assertAllShow(page, 'guest', 'Go');

  // Python, the fourth host: every host block of chapters 2 to 9 has it.
  await page.goto(`${base}ch02-linear-memory.html`);
  await page.click('.mdbook-tab[data-tabname="Python"]');
  await page.goto(`${base}ch08-a-small-utility.html`);
  await assertAllShow(page, 'host', 'Python', 'chapter 8 opens on the Python tab');

  assert.deepEqual(errors, []);
  await context.close();
});

// Which tabs a group has is the lint's (crates/book-lint/src/rules/tabs.rs);
// here, every block of a group, as built, has the same ones.
test('every block of a group has the same tabs, and shows one of them', async () => {
  const page = await browser.newPage();
  const groups = {};
  const pages = fs.readdirSync(bookDir).filter((file) => file.endsWith('.html') && file !== 'print.html');
  let blocks = 0;
  for (const file of pages) {
    if (!fs.readFileSync(`${bookDir}${file}`, 'utf8').includes('mdbook-tabs-container')) continue;
    await page.goto(`${base}${file}`);
    const found = await page.$$eval('.mdbook-tabs-container', (containers) => containers.map((container) => ({
      group: container.dataset.tabglobal,
      tabs: [...container.querySelectorAll('.mdbook-tab')].map((tab) => tab.dataset.tabname),
      contentHeights: [...container.querySelectorAll(':scope > .mdbook-tab-content')]
        .map((content) => content.getBoundingClientRect().height),
    })));
    for (const { group, tabs, contentHeights } of found) {
      blocks += 1;
      groups[group] ??= tabs;
      assert.deepEqual(tabs, groups[group], `${file}: a ${group} block`);
      assert.equal(contentHeights.filter((height) => height > 0).length, 1, `${file}: one tab's content is shown`);
    }
  }
  assert.ok(blocks >= 4, `${blocks} blocks of tabs in the book`);
  assert.deepEqual(Object.keys(groups).sort(), ['guest', 'host']);
  await page.close();
});

test('the print view prints every tab, under its name, without the buttons', async () => {
  const page = await browser.newPage();
  await page.addInitScript(() => { window.print = () => {}; });
  await page.goto(`${base}print.html`, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => ({
    contents: [...document.querySelectorAll('.mdbook-tab-content')].map((content) => ({
      display: getComputedStyle(content).display,
      label: getComputedStyle(content, '::before').content,
    })),
    buttons: [...document.querySelectorAll('.mdbook-tabs')].map((nav) => getComputedStyle(nav).display),
  }));
  assert.ok(printed.contents.length >= 12, `${printed.contents.length} tabs in the print view`);
  assert.deepEqual(printed.contents.filter(({ display }) => display === 'none'), [], 'every tab is printed');
  assert.ok(printed.contents.every(({ label }) => label !== 'none' && label !== ''), 'each under its name');
  assert.deepEqual([...new Set(printed.buttons)], ['none'], 'the buttons are not printed');
  await page.close();
});

test('a block without the saved tab shows nothing: why every block has all of its group', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}incomplete-block.html`);
  await page.evaluate(() => localStorage.setItem('mdbook-tabs-guest', 'AssemblyScript'));
  await page.reload();
  assert.deepEqual(await shown(page, 'guest'), [
    'AssemblyScript (button AssemblyScript)',
    'nothing (button none)', // tabs.js finds the name on the page, not in this block
  ]);
  await context.close();
});
