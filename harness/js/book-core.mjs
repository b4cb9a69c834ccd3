// The part of the JavaScript room's helpers that needs nothing of Node:
// book.mjs re-exports it for the Node tests, and the book's playgrounds
// (src/widgets/playground/book.js) for the same tests run in a page.

/**
 * Instantiates the module `bytes` and returns its exports. `imports` are as for
 * `WebAssembly.instantiate`; a guest that imports `wasm_memory.report_error`
 * (the book's checked allocator) gets one that appends its messages to
 * `messages`, unless `imports` has its own.
 */
export async function instantiateBytes(bytes, { imports = {}, messages = [] } = {}) {
  const module = await WebAssembly.compile(bytes);
  const reports = WebAssembly.Module.imports(module)
    .some((entry) => entry.module === 'wasm_memory' && entry.name === 'report_error');
  let memory;
  const all = { ...imports };
  if (reports && !all.wasm_memory?.report_error) {
    all.wasm_memory = {
      ...all.wasm_memory,
      report_error: (ptr, len) => {
        messages.push(new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len)));
      },
    };
  }
  const instance = await WebAssembly.instantiate(module, all);
  memory = instance.exports.memory;
  return instance.exports;
}

/**
 * One function of generated JavaScript, as a chapter shows it: the lines
 * of `source` from the first whose text (after its indentation) starts
 * with `start`, such as `function greet(` or `join(first, second) {` (a
 * method), to the `}` (or, closing a method, `},`) at the same indentation,
 * dedented. Undefined if there is no such line.
 */
export function extractFunction(source, start) {
  const lines = source.split('\n');
  const first = lines.findIndex((line) => line.trimStart().startsWith(start));
  if (first < 0) return undefined;
  const indent = ' '.repeat(lines[first].length - lines[first].trimStart().length);
  const last = lines.findIndex((line, index) => index > first && (line === `${indent}}` || line === `${indent}},`));
  if (last < 0) return undefined;
  return `${lines.slice(first, last + 1).map((line) => line.slice(indent.length)).join('\n')}\n`;
}

/**
 * What a host sees of `call()`, in the words of chapter 17's tables of
 * lying guests, the verdict first: `threw RangeError: ...`, or `no error:
 * returned "..."` (NUL characters shown as `\0`).
 */
export function outcome(call) {
  try {
    return `no error: returned ${JSON.stringify(call()).replaceAll('\\u0000', '\\0')}`;
  } catch (err) {
    return `threw ${err.name}: ${err.message}`;
  }
}

/** `number` in hexadecimal, as Rust's `{:#x}` prints it: `0x1ca000`. */
export const hex = (number) => `0x${number.toString(16)}`;

/**
 * `text` (a string, or bytes decoded as UTF-8) quoted as Rust's `{:?}`
 * prints it, for expected files that every room writes alike: JSON's
 * escapes, and NUL as `\0`.
 */
export function rustDebug(text) {
  const string = typeof text === 'string' ? text : new TextDecoder().decode(text);
  return JSON.stringify(string).replaceAll('\\u0000', '\\0');
}
