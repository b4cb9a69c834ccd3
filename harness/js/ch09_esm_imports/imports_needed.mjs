// Chapter 9: a guest with imports of its own (Listing 9-3's, which
// imports `env.console_log` and `env.memory_grew`) imported as an
// instance. Not a test: see instance_import.mjs.
// ANCHOR: imports_needed
import { log_after_allocating } from './grow-notify.wasm';
// ANCHOR_END: imports_needed

log_after_allocating(16);
