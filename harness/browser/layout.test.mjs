// No page of the book scrolls sideways, on a laptop (1,280 px) or a phone
// (390 px): every page SUMMARY.md lists, in headless Chromium, against the
// built book (`book/`). A code block or a table may scroll inside its own
// box (mdBook wraps tables in `.table-wrapper`, whose overflow-x is auto);
// the page and its text column may not. mdBook clips what sticks out
// (`#mdbook-body-container` has overflow-x: clip), so the page itself never
// gets a scroll bar: what runs off is cut, not scrolled to. The test
// therefore measures the text column, `main`, as well as the document.
// ci/test runs this with the other browser tests, after `mdbook build`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BOOK_DIR as bookDir, serveBook } from './chromium.mjs';

const repo = new URL('../../', import.meta.url);

let stop;
let browser;
let base;

before(async () => {
  ({ base, browser, close: stop } = await serveBook());
});

after(async () => {
  await stop?.();
});

/** The pages SUMMARY.md lists, as the file names of the built book. */
function bookPages() {
  const summary = fs.readFileSync(new URL('src/SUMMARY.md', repo), 'utf8');
  return [...summary.matchAll(/\]\(([^)]+)\.md\)/g)].map((match) => `${match[1]}.html`);
}

/**
 * Runs in the page: how wide the document and `main` are against the room
 * they have, and the element that sticks out furthest past `main`'s right
 * edge (one inside a box that scrolls or clips on its own does not count:
 * that box keeps it in).
 */
function measure() {
  const main = document.querySelector('main');
  const right = main.getBoundingClientRect().right;
  const keepsItsOverflow = (element) => getComputedStyle(element).overflowX !== 'visible';
  const insideABoxOfItsOwn = (element) => {
    for (let parent = element.parentElement; parent && parent !== main; parent = parent.parentElement) {
      if (keepsItsOverflow(parent)) return true;
    }
    return false;
  };
  const selector = (element) => {
    const steps = [];
    for (let node = element; node && node !== main; node = node.parentElement) {
      const siblings = [...node.parentElement.children].filter((other) => other.tagName === node.tagName);
      const index = siblings.length > 1 ? `:nth-of-type(${siblings.indexOf(node) + 1})` : '';
      steps.unshift(node.id ? `${node.localName}#${node.id}` : `${node.localName}${index}`);
      if (node.id) break;
    }
    return ['main', ...steps].join(' > ');
  };
  const document_ = { scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth };
  const main_ = { scroll: main.scrollWidth, client: main.clientWidth };
  // The culprit is only needed to explain a failure: a page that fits is
  // not searched element by element.
  const fits = document_.scroll <= document_.client && main_.scroll <= main_.client + 1;
  let widest = null;
  for (const element of fits ? [] : main.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= right + 1 || insideABoxOfItsOwn(element)) continue;
    // The furthest right edge wins; on a tie, the innermost element (the
    // later one in document order) names the culprit.
    if (!widest || box.right >= widest.right) widest = { element, right: box.right, width: box.width };
  }
  return {
    document: document_,
    main: main_,
    widest: widest && {
      selector: selector(widest.element),
      width: Math.round(widest.width),
      past: Math.round(widest.right - right),
      text: widest.element.textContent.trim().replace(/\s+/g, ' ').slice(0, 60),
    },
  };
}

/** Opens `page` and waits until its diagrams and widgets have drawn themselves. */
async function openFully(tab, page) {
  await tab.goto(`${base}${page}`, { waitUntil: 'load' });
  await tab.waitForFunction(() => [...document.querySelectorAll('pre.mermaid')]
    .every((diagram) => diagram.getAttribute('data-processed') === 'true'));
  await tab.waitForFunction(() => [...document.querySelectorAll('.wasm-widget')]
    .every((widget) => widget.dataset.ready === 'true'));
}

// The two widths load every page each: in two tabs at once, they take
// about the time of one.
// Each page is loaded once, at the phone's width, then measured again at
// the desktop's: mdBook's layout follows the window without a reload.
const WIDTHS = [390, 1280];

test(`no page scrolls sideways at ${WIDTHS.join(' or ')} px wide`, async () => {
  const context = await browser.newContext({ viewport: { width: WIDTHS[0], height: 900 } });
  const tab = await context.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  const offenders = [];
  for (const page of bookPages()) {
    if (!fs.existsSync(path.join(bookDir, page))) {
      offenders.push(`${page}: not in the built book (build it again)`);
      continue;
    }
    for (const [index, width] of WIDTHS.entries()) {
      await tab.setViewportSize({ width, height: 900 });
      if (index === 0) await openFully(tab, page);
      // The layout of the new width, after the browser has drawn it.
      await tab.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const seen = await tab.evaluate(measure);
      if (seen.document.scroll > seen.document.client || seen.main.scroll > seen.main.client + 1) {
        const culprit = seen.widest
          ? `${seen.widest.selector} (${seen.widest.width} px wide, ${seen.widest.past} px past the column: "${seen.widest.text}")`
          : 'no single element sticks out';
        offenders.push(`${page} at ${width} px: document ${seen.document.scroll}/${seen.document.client} px, main ${seen.main.scroll}/${seen.main.client} px; widest: ${culprit}`);
      }
    }
  }
  await context.close();
  assert.deepEqual(offenders, [], `pages wider than their window:\n${offenders.join('\n')}`);
  assert.deepEqual(errors, []);
});

test('the measure names an element that runs off the page, and not one that scrolls in its own box', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const tab = await context.newPage();
  await openFully(tab, 'glossary.html');
  const fits = await tab.evaluate(measure);
  await tab.evaluate(() => {
    const scrolls = document.createElement('pre');
    scrolls.style.overflowX = 'auto';
    scrolls.innerHTML = '<code style="white-space: pre">' + 'x'.repeat(400) + '</code>';
    const runsOff = document.createElement('p');
    runsOff.id = 'too-wide';
    runsOff.style.width = '900px';
    runsOff.textContent = 'a paragraph 900 px wide';
    document.querySelector('main').append(scrolls, runsOff);
  });
  const seen = await tab.evaluate(measure);
  await context.close();
  assert.equal(fits.widest, null);
  assert.ok(seen.main.scroll > seen.main.client, JSON.stringify(seen.main));
  assert.equal(seen.widest.selector, 'main > p#too-wide');
  assert.equal(seen.widest.text, 'a paragraph 900 px wide');
});

test('the cheat sheet\'s table fits a 1,280 px window without scrolling in its own box', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const tab = await context.newPage();
  await openFully(tab, 'cheat-sheet.html');
  const wrapper = await tab.evaluate(() => {
    const box = document.querySelector('main .table-wrapper');
    return { scroll: box.scrollWidth, client: box.clientWidth };
  });
  await context.close();
  assert.ok(wrapper.scroll <= wrapper.client, `the table is ${wrapper.scroll} px wide in a ${wrapper.client} px box`);
});
