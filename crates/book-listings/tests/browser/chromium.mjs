// What the browser tests share: Debian's Chromium (or $CHROMIUM), driven
// by the pinned playwright-core, and the headers that make a page
// cross-origin isolated. Not a test file: `node --test` runs only
// `*.test.mjs` here.
const repo = new URL('../../../../', import.meta.url);
const { chromium } = await import(new URL('ci/browser/node_modules/playwright-core/index.mjs', repo));

/** The two headers a page needs before it may share memory with a worker. */
export const CROSS_ORIGIN_ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Starts headless Chromium, never a browser Playwright downloaded. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
