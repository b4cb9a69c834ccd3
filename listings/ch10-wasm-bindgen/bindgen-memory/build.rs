//! Gives the guest's memory a maximum of 16 MiB (256 pages), so that a
//! program that never frees runs out after a few calls, as it would on a
//! phone, instead of after gigabytes.
fn main() {
    println!("cargo::rustc-link-arg-cdylib=--max-memory=16777216");
}
