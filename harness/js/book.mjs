// The helpers of the book's JavaScript room: the compiled listings, found
// through the artifact manifest that BOOK_ARTIFACTS names (set it to what
// `ci/book-artifacts` prints), one helper that instantiates any of them,
// expected-output files, and excerpts of generated JavaScript to compare
// with them. Not a test file: `node --test` runs only `*.test.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { instantiateBytes } from './book-core.mjs';

export { extractFunction, hex, outcome, rustDebug } from './book-core.mjs';

/** The path of the artifact named like its Rust constant, such as `CH04_PACKED_RETURN`. */
export function artifactPath(name) {
  const file = process.env.BOOK_ARTIFACTS;
  if (!file) {
    throw new Error('BOOK_ARTIFACTS is not set: set it to the path of the artifact manifest, which `ci/book-artifacts` prints.');
  }
  const artifact = JSON.parse(fs.readFileSync(file, 'utf8')).artifacts[name];
  if (!artifact) throw new Error(`${file} has no artifact named ${name}`);
  return artifact.path;
}

/** The bytes of a compiled listing. */
export function artifact(name) {
  return fs.readFileSync(artifactPath(name));
}

/**
 * Instantiates a listing and returns its exports. `imports` are as for
 * `WebAssembly.instantiate`; a guest that imports `wasm_memory.report_error`
 * (the book's checked allocator) gets one that appends its messages to
 * `messages`, unless `imports` has its own.
 */
export async function instantiate(name, options) {
  return instantiateBytes(artifact(name), options);
}

/**
 * The URL of the ES module asc generated beside the listing `name` (an
 * AssemblyScript listing, built with `--bindings esm`). Importing it
 * instantiates the wasm beside it.
 */
export function bindingsUrl(name) {
  return pathToFileURL(artifactPath(name).replace(/\.wasm$/, '.js')).href;
}

/** The URL of `file` in the folder of the listing `name` (wasm-bindgen's output). */
export function glueUrl(name, file) {
  return pathToFileURL(path.join(artifactPath(name), file)).href;
}

/**
 * A fresh instance of the glue wasm-bindgen made with `--target web` for
 * the listing `name` (a folder, such as `CH10_BINDGEN_MEMORY_WEB`), whose
 * files are `stem.js` and `stem_bg.wasm`: `glue` (the module), `raw` (the
 * wasm exports `initSync` returned) and `source` (the module's text).
 */
export async function webGlue(name, stem) {
  const glue = await import(`${glueUrl(name, `${stem}.js`)}?${Math.random()}`);
  const raw = glue.initSync({ module: fs.readFileSync(path.join(artifactPath(name), `${stem}_bg.wasm`)) });
  return { glue, raw, source: fs.readFileSync(path.join(artifactPath(name), `${stem}.js`), 'utf8') };
}

/**
 * Fails unless `expected/<name>` of the repository holds exactly `actual`;
 * `name` is `<chapter-slug>/<file>`, such as
 * `ch16-the-component-model/lying-component-jco.txt`. With
 * SNAPSHOTS=overwrite (as for the Rust and Go tests) it writes `actual`
 * there instead.
 */
export function expectFile(name, actual) {
  const file = new URL(`../../expected/${name}`, import.meta.url);
  if (process.env.SNAPSHOTS === 'overwrite') {
    fs.mkdirSync(new URL('.', file), { recursive: true }); // a chapter's first expected output
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) {
    throw new Error(`there is no expected/${name}; run with SNAPSHOTS=overwrite to create it`);
  }
  const expected = fs.readFileSync(file, 'utf8');
  if (expected !== actual) {
    throw new Error(`expected/${name} does not match what the test produced.\n--- expected (the file) ---\n${expected}\n--- actual (the test) ---\n${actual}\nIf the new output is right, rerun with SNAPSHOTS=overwrite and review the diff.`);
  }
}

/**
 * Instantiates a listing that imports WASI preview 1 (the Go guests) with
 * Node's `node:wasi` (no arguments, environment or files), runs a reactor's
 * `_initialize` as every room does, and returns its exports.
 */
export async function instantiateWasi(name) {
  const { WASI } = await import('node:wasi');
  const wasi = new WASI({ version: 'preview1', returnOnExit: true });
  const { instance } = await WebAssembly.instantiate(artifact(name), wasi.getImportObject());
  if (instance.exports._initialize) wasi.initialize(instance);
  return instance.exports;
}

