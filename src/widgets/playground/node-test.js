// `node:test` for a test file run in a page: `test()` only registers the
// test, with its `skip` option; worker.js runs the one that holds the
// playground's block. Hooks have nothing to set up in a page.
import { run } from './session.js';

export default function test(name, options, fn) {
  const { skip = false } = typeof options === 'object' ? options : {};
  run.tests.push({ name, skip, fn: typeof options === 'function' ? options : fn });
}
export { test };
export const before = () => {};
export const after = () => {};
