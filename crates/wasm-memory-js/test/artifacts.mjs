// The compiled listings, found through BOOK_ARTIFACTS, the JSON file that
// `cargo run -p book-listings --bin book-artifacts` writes (cargo test sets
// the variable when it runs these tests).
import fs from 'node:fs';

export function artifact(name) {
  const file = process.env.BOOK_ARTIFACTS;
  if (!file) {
    throw new Error(
      'BOOK_ARTIFACTS is not set. Run these tests through `cargo test -p book-listings`, or set it to ' +
        'the path that `cargo run -q -p book-listings --bin book-artifacts` prints.',
    );
  }
  const path = JSON.parse(fs.readFileSync(file, 'utf8'))[name];
  if (!path) throw new Error(`${file} has no artifact named ${name}`);
  return fs.readFileSync(path);
}

/** Instantiates a listing; `imports` as for WebAssembly.instantiate. */
export async function instantiate(name, imports = {}) {
  const { instance } = await WebAssembly.instantiate(artifact(name), imports);
  return instance.exports;
}

/** The import the book's checked allocator reports through. */
export function reportErrorImport(messages) {
  let memory;
  return {
    bind: (exports) => { memory = exports.memory; },
    imports: {
      wasm_memory: {
        report_error: (ptr, len) => {
          messages.push(new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len)));
        },
      },
    },
  };
}

/**
 * Fails unless the file at `pathFromRepo` holds exactly `actual`; with
 * BLESS=1 it writes `actual` there instead.
 */
export function expectFile(pathFromRepo, actual) {
  const file = new URL(`../../../${pathFromRepo}`, import.meta.url);
  if (process.env.BLESS === '1') {
    fs.writeFileSync(file, actual);
    return;
  }
  const expected = fs.readFileSync(file, 'utf8');
  if (expected !== actual) {
    throw new Error(`${pathFromRepo} does not match what the test produced.\n--- expected (the file) ---\n${expected}\n--- actual (the test) ---\n${actual}\nIf the new output is right, rerun with BLESS=1.`);
  }
}
