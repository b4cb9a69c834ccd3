// The book's print view (`print.html`, every page on one), in headless
// Chromium: every chapter and toolkit page is there, the navigation is
// not printed, the badges are styled, and Chromium makes a PDF of it. ci/test runs this with the
// other browser tests, after `mdbook build`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { serveBook } from './chromium.mjs';

const repo = new URL('../../', import.meta.url);

let stop;
let browser;
let base;

before(async () => {
  ({ base, browser, close: stop } = await serveBook('print.html'));
});

after(async () => {
  await stop?.();
});

/** The titles SUMMARY.md lists, in order. */
function summaryTitles() {
  const summary = fs.readFileSync(new URL('src/SUMMARY.md', repo), 'utf8');
  return [...summary.matchAll(/^- \[(.+?)\]\(/gm)].map((match) => match[1]);
}

test('the print view holds every page, without the navigation', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // print.html opens the print dialog when it loads; the test prints a PDF instead.
  await page.addInitScript(() => { window.print = () => {}; });
  await page.goto(`${base}print.html`, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const seen = await page.evaluate(() => ({
    // mdBook's smart punctuation prints ' as a right single quotation mark.
    titles: [...document.querySelectorAll('main h1')].map((h1) => h1.textContent.trim().replaceAll('\u2019', "'")),
    sidebar: getComputedStyle(document.querySelector('#mdbook-sidebar')).display,
    menu: getComputedStyle(document.querySelector('#mdbook-menu-bar')).display,
    // The badges of theme/badges.css, styled in print too.
    badges: [...document.querySelectorAll('.badge')].map((badge) => `${badge.className}: ${getComputedStyle(badge).borderTopStyle}`),
  }));
  for (const title of summaryTitles()) {
    assert.ok(seen.titles.some((h1) => h1.startsWith(title.replaceAll('`', ''))), `the print view has no page titled ${title}`);
  }
  assert.equal(seen.sidebar, 'none', 'the sidebar is not printed');
  assert.equal(seen.menu, 'none', 'the menu bar is not printed');
  assert.ok(seen.badges.filter((badge) => badge === 'badge cited: solid').length >= 5, seen.badges.join(', '));
  assert.ok(seen.badges.includes('badge not-final: solid'), seen.badges.join(', '));
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 100_000, `a PDF of ${pdf.length} bytes`);
  assert.deepEqual(errors, []);
  await page.close();
});
