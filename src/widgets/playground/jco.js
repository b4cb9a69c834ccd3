// `@bytecodealliance/jco` for a test that runs in a page: its `transpile`,
// by the same code generator jco runs under Node (jco-transpile's
// js-component-bindgen component, which the book serves in `wasm/jco/`).
// Node's API takes `instantiation: 'async'` where the component takes
// `{ tag: 'async' }`, and returns the files as an object, not pairs.
import { $init, generate } from '../../wasm/jco/js-component-bindgen-component.js';

await $init;

export async function transpile(component, { instantiation, ...options } = {}) {
  const { files, imports, exports } = generate(component, {
    ...options,
    ...(instantiation ? { instantiation: { tag: instantiation } } : {}),
  });
  return { files: Object.fromEntries(files), imports, exports };
}
