// Another module of the same program that imports the guest: see
// instance_import.mjs.
export { memory } from './greet.wasm';
