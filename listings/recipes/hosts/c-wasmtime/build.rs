//! Copies the C API's headers into `include/`, where build.sh finds them.
//!
//! `wasmtime-c-api-impl` installs them for the features it was built with
//! (`wasmtime/conf.h` says which) and passes their folder on as
//! `DEP_WASMTIME_C_API_INCLUDE` (its `links = "wasmtime-c-api"`).

use std::path::Path;
use std::{env, fs, io};

fn main() -> io::Result<()> {
    let headers = env::var("DEP_WASMTIME_C_API_INCLUDE").expect("wasmtime-c-api-impl sets it");
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets it");
    let include = Path::new(&manifest_dir).join("include");
    // Copied again when include/ is gone or changed.
    println!("cargo:rerun-if-changed=include");
    copy_dir(Path::new(&headers), &include)
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
