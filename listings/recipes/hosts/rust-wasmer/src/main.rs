//! A Wasmer host for the `greet` recipe: `run.sh GUEST.wasm [NAME [ROUNDS]]`
//! prints the guest's greeting for NAME (`world` if none).
//!
//! Who frees what: the host allocates the name in the guest (`allocate`),
//! writes it, calls `greet`, and frees the name (`deallocate`); `greet`
//! returns a buffer of the guest's, which the host checks, copies out, and
//! frees (`deallocate`).
//!
//! Every number the guest returns is checked before the host uses it, here in
//! plain sight. Wasmer lends no safe slice of a guest's memory: the host
//! copies bytes in and out through a `MemoryView`, whose `read` and `write`
//! check the bounds and return an error, never a panic.

use std::process::ExitCode;

use wasmer::{Imports, Instance, Memory, Module, Store, TypedFunction, WasmTypeList};

/// The longest greeting this host copies out: it never allocates what a
/// guest asks for unchecked.
const MAX_LEN: u32 = 1 << 20; // 1 MiB

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (path, name, rounds) = match args.as_slice() {
        [_, path] => (path.as_str(), "world", "1"),
        [_, path, name] => (path.as_str(), name.as_str(), "1"),
        [_, path, name, rounds] => (path.as_str(), name.as_str(), rounds.as_str()),
        _ => {
            eprintln!("error: usage: run.sh GUEST.wasm [NAME [ROUNDS]]");
            return ExitCode::FAILURE;
        }
    };
    // ROUNDS is for comparing hosts (the book's `ci/bench` uses it): the
    // round trip runs that many times on one instance. A reader can drop it.
    let Some(rounds) = rounds.parse::<u32>().ok().filter(|&n| n >= 1) else {
        eprintln!("error: ROUNDS must be a positive integer, not {rounds}");
        return ExitCode::FAILURE;
    };
    match run(path, name, rounds) {
        Ok(greeting) => {
            println!("{greeting}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The guest's exports the round trip uses.
struct Guest {
    memory: Memory,
    allocate: TypedFunction<u32, u32>,
    deallocate: TypedFunction<(u32, u32), ()>,
    greet: TypedFunction<(u32, u32), u64>,
}

/// Loads the guest at `path` and returns its greeting for `name` (after
/// `rounds` round trips), or the error line to print (without `error: `).
fn run(path: &str, name: &str, rounds: u32) -> Result<String, String> {
    // The default engine: the one compiler this host is built with, Singlepass.
    let mut store = Store::default();
    let wasm = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let module =
        Module::new(&store, wasm).map_err(|e| format!("cannot load {path}: {}", one_line(&e)))?;

    // This host links no WASI: Wasmer's (`wasmer-wasix`) would nearly
    // double the crates it builds. A guest that imports anything is named and
    // refused before it runs; a WASI guest (Go, Rust for wasm32-wasip1) needs
    // a host that links WASI.
    let mut imports = module.imports();
    if let Some(first) = imports.next() {
        let first = format!("{}.{}", first.module(), first.name());
        let more = match imports.count() {
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        return Err(if first.starts_with("wasi_snapshot_preview1.") {
            format!("this guest imports {first}{more}; this host links no WASI")
        } else {
            format!("the guest imports {first}{more}, and this host provides no imports")
        });
    }
    let instance = Instance::new(&mut store, &module, &Imports::new())
        .map_err(|e| format!("cannot instantiate {path}: {}", one_line(&e)))?;

    // A WASI reactor (Go, C) sets itself up in `_initialize`, which must run
    // once before any other export.
    if instance.exports.get_function("_initialize").is_ok() {
        let initialize: TypedFunction<(), ()> =
            typed(&store, &instance, "_initialize", "() -> ()")?;
        initialize
            .call(&mut store)
            .map_err(|e| failed("_initialize", &e))?;
    }

    let guest = Guest {
        memory: instance
            .exports
            .get_memory("memory")
            .map_err(|_| "the guest does not export `memory`")?
            .clone(),
        allocate: typed(&store, &instance, "allocate", "(i32) -> i32")?,
        deallocate: typed(&store, &instance, "deallocate", "(i32, i32) -> ()")?,
        greet: typed(&store, &instance, "greet", "(i32, i32) -> i64")?,
    };
    let started = std::time::Instant::now();
    let mut greeting = String::new();
    for _ in 0..rounds {
        greeting = round_trip(&mut store, &guest, name)?;
    }
    if rounds > 1 {
        let each = started.elapsed().as_nanos() / u128::from(rounds);
        eprintln!("bench: {rounds} round trips, {each} ns each");
    }
    Ok(greeting)
}

/// One round trip: the name in, the greeting out, both buffers freed.
fn round_trip(store: &mut Store, guest: &Guest, name: &str) -> Result<String, String> {
    let Guest {
        memory,
        allocate,
        deallocate,
        greet,
    } = guest;

    // The name: allocated by the guest, written by the host.
    let name_len = u32::try_from(name.len()).map_err(|_| "the name is too long")?;
    let name_ptr = allocate
        .call(store, name_len)
        .map_err(|e| failed("allocate", &e))?;
    // A view of the memory as it is now. It borrows the store, and a call
    // into the guest takes the store mutably (and may grow the memory): the
    // compiler refuses this view after the next call.
    let view = memory.view(store);
    // `write` adds `ptr + len` as u64 (no wrap-around) and returns an error,
    // rather than writing, if the sum is past the view's size.
    view.write(u64::from(name_ptr), name.as_bytes())
        .map_err(|_| {
            let memory_size = view.data_size();
            format!(
                "allocate returned ptr={name_ptr} for len={name_len}, \
                 outside the guest's memory of {memory_size} bytes"
            )
        })?;

    let packed = greet
        .call(store, name_ptr, name_len)
        .map_err(|e| failed("greet", &e))?;
    // The guest neither frees nor keeps the name: the host frees it now.
    deallocate
        .call(store, name_ptr, name_len)
        .map_err(|e| failed("deallocate", &e))?;

    // Pointer in the low 32 bits, length in the high 32 bits.
    let ptr = packed as u32;
    let len = (packed >> 32) as u32;

    // The checks, before the host reads a byte. The length first: a guest
    // does not get to make the host allocate whatever it asks for.
    if len > MAX_LEN {
        return Err(format!(
            "greet returned len={len}, more than the {MAX_LEN} bytes this host accepts"
        ));
    }
    // Then the bounds, against the memory's size now: `greet` may have grown
    // it, so a new view. `read` checks `ptr + len` as `write` does, and
    // copies: the next call into the guest may grow (move) or reuse its memory.
    let view = memory.view(store);
    let mut bytes = vec![0; len as usize];
    view.read(u64::from(ptr), &mut bytes).map_err(|_| {
        let memory_size = view.data_size();
        format!(
            "greet returned ptr={ptr} len={len}, \
             outside the guest's memory of {memory_size} bytes"
        )
    })?;
    // The greeting is the host's to free, now that it has its own copy.
    deallocate
        .call(store, ptr, len)
        .map_err(|e| failed("deallocate", &e))?;
    // Last, the bytes must be UTF-8.
    String::from_utf8(bytes).map_err(|_| "greet returned bytes that are not valid UTF-8".into())
}

/// The export `name`, as a function of type `Args -> Rets` (`ty` says it in
/// wasm's words).
fn typed<Args, Rets>(
    store: &Store,
    instance: &Instance,
    name: &str,
    ty: &str,
) -> Result<TypedFunction<Args, Rets>, String>
where
    Args: WasmTypeList,
    Rets: WasmTypeList,
{
    let func = instance
        .exports
        .get_function(name)
        .map_err(|_| format!("the guest does not export `{name}`"))?;
    func.typed(store)
        .map_err(|_| format!("`{name}` is not a function of type {ty}"))
}

/// The error line for a call to the export `name` that trapped.
fn failed(name: &str, error: &wasmer::RuntimeError) -> String {
    format!("`{name}` failed: {}", one_line(error))
}

/// Wasmer's message for `error`, with every run of white space made one
/// space, so that the error stays one line.
fn one_line(error: &dyn std::fmt::Display) -> String {
    let message = error.to_string();
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
