// The JavaScript room's helpers (harness/js/book.mjs) for a test that runs
// in a page: the listings come from the book's `wasm/` folder, fetched
// before the test starts (worker.js), and every instance's calls are
// recorded for the memory view (session.js).
import { instantiateBytes } from '../../wasm/js/book-core.mjs';
import { instrument, run } from './session.js';
import { instantiateWasiBytes } from './wasi.js';

export { extractFunction, hex, outcome, rustDebug } from '../../wasm/js/book-core.mjs';

/** The bytes of a compiled listing, named like its Rust constant. */
export function artifact(name) {
  const bytes = run.artifacts.get(name);
  if (!bytes) throw new Error(`the page has no listing named ${name}`);
  return bytes;
}

/** Where the page found the listing (a URL, where Node has a path). */
export function artifactPath(name) {
  const url = run.artifactUrls.get(name);
  if (!url) throw new Error(`the page has no listing named ${name}`);
  return url;
}

/** book.mjs's `bindingsUrl`: asc's bindings, served beside the listing's wasm. */
export function bindingsUrl(name) {
  return artifactPath(name).replace(/\.wasm$/, '.js');
}

/** book.mjs's `glueUrl`: a file of the folder the page serves for the listing. */
export function glueUrl(name, file) {
  return new URL(file, `${artifactPath(name)}/`).href;
}

/** book.mjs's `webGlue`, from the folder the page serves: its calls into wasm are recorded. */
export async function webGlue(name, stem) {
  const file = glueUrl(name, `${stem}.js`);
  const glue = await import(`${file}?${Math.random()}`);
  const wasm = await (await fetch(glueUrl(name, `${stem}_bg.wasm`))).arrayBuffer();
  const raw = instrument(glue.initSync({ module: wasm }));
  return { glue, raw, source: await (await fetch(file)).text() };
}

// Its exports are recorded: the worker's WebAssembly.instantiate records every instance's.
export async function instantiate(name, options) {
  return instantiateBytes(artifact(name), options);
}

export async function instantiateWasi(name) {
  return instrument(await instantiateWasiBytes(artifact(name)));
}

/** Fails unless the book's `expected/<name>` holds exactly `actual`. */
export function expectFile(name, actual) {
  const expected = run.expected.get(name);
  if (expected === undefined) throw new Error(`the page has no expected/${name}`);
  if (expected !== actual) {
    throw new Error(`expected/${name} does not match what the test produced.\n--- expected (the file) ---\n${expected}\n--- actual (the test) ---\n${actual}`);
  }
}
