// ANCHOR: import_memory
fn main() {
    // Link the module against a memory the host creates (`env.memory`)
    // instead of defining one of its own.
    println!("cargo::rustc-link-arg-cdylib=--import-memory");
}
// ANCHOR_END: import_memory
