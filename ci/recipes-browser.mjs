// Test support for ci/recipes (not a recipe): opens the browser host's page
// in headless Chromium and prints what it showed, one JSON line:
// {"status": ..., "greeting": ..., "floats": ..., "timing": ...}.
//     node ci/recipes-browser.mjs URL
// Exits 0 once the page sets body[data-status]; 1 if it never does (20 s)
// or a page error (an uncaught exception) occurs.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../harness/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core'); // the browser room's pinned copy

const url = process.argv[2];
if (!url) {
  console.error('usage: node ci/recipes-browser.mjs URL');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let code = 0;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector('body[data-status]', { state: 'attached', timeout: 20000 });
  const shown = await page.evaluate(() => ({
    status: document.body.dataset.status,
    greeting: document.getElementById('greeting').textContent,
    floats: document.getElementById('floats').textContent,
    timing: document.getElementById('timing').textContent,
  }));
  console.log(JSON.stringify(shown));
  if (errors.length > 0) {
    console.error(`page error: ${errors.join('; ')}`);
    code = 1;
  }
} catch (error) {
  console.error(`${url}: ${error.message.split('\n')[0]}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
