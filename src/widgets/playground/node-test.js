// `node:test` for a test file run in a page: `test()` only registers the
// test; worker.js runs the one that holds the playground's block.
import { run } from './session.js';

export default function test(name, options, fn) {
  run.tests.push({ name, fn: typeof options === 'function' ? options : fn });
}
export { test };
