//! A wasmtime host for the `greet` recipe: `run.sh GUEST.wasm [NAME [ROUNDS]]`
//! prints the guest's greeting for NAME (`world` if none).
//!
//! Who frees what: the host allocates the name in the guest (`allocate`),
//! writes it, calls `greet`, and frees the name (`deallocate`); `greet`
//! returns a buffer of the guest's, which the host checks, copies out, and
//! frees (`deallocate`).
//!
//! Every number the guest returns is checked before the host uses it, here in
//! plain sight. The book's utility crate, `wasm-memory-host`, does the same
//! checks and the whole round trip in a few calls:
//!
//! ```ignore
//! use wasm_memory_host::{Convention, GuestBuilder};
//!
//! // `allocate`/`deallocate`, results packed `(len << 32) | ptr`, 1 MiB cap.
//! let convention = Convention::allocate_deallocate_packed().max_len(1 << 20);
//! let (mut store, guest) = GuestBuilder::new(&engine)
//!     .wasi_reactor() // WASI preview 1, and `_initialize`
//!     .instantiate(&module, convention)?;
//! // allocate, write, greet, check, copy, free both buffers:
//! let greeting = guest.export(&mut store, "greet")?.call_string(&mut store, name)?;
//! ```
//!
//! (`Guest::new(&mut store, instance, convention)` wraps an instance you made
//! yourself; `bounds::read_string(&store, &memory, ptr, len, max_len)` is the
//! checked read on its own.)

use std::process::ExitCode;

use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, TypedFunc};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::{self, WasiP1Ctx};

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
    allocate: TypedFunc<u32, u32>,
    deallocate: TypedFunc<(u32, u32), ()>,
    greet: TypedFunc<(u32, u32), u64>,
}

/// Loads the guest at `path` and returns its greeting for `name` (after
/// `rounds` round trips), or the error line to print (without `error: `).
fn run(path: &str, name: &str, rounds: u32) -> Result<String, String> {
    let engine = Engine::default();
    let wasm = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let module =
        Module::new(&engine, wasm).map_err(|e| format!("cannot load {path}: {}", one_line(&e)))?;

    // WASI preview 1 with no files, no environment and no stdio: enough for
    // a Go guest's runtime. A guest that imports nothing never calls it.
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |wasi| wasi)
        .map_err(|e| format!("cannot set up WASI: {}", one_line(&e)))?;
    let mut store = Store::new(&engine, WasiCtxBuilder::new().build_p1());
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| format!("cannot instantiate {path}: {}", one_line(&e)))?;

    // A WASI reactor (Go, C) sets itself up in `_initialize`, which must run
    // once before any other export.
    if instance.get_func(&mut store, "_initialize").is_some() {
        let initialize: TypedFunc<(), ()> =
            typed(&mut store, &instance, "_initialize", "() -> ()")?;
        call(&mut store, &initialize, "_initialize", ())?;
    }

    let guest = Guest {
        memory: instance
            .get_memory(&mut store, "memory")
            .ok_or("the guest does not export `memory`")?,
        allocate: typed(&mut store, &instance, "allocate", "(i32) -> i32")?,
        deallocate: typed(&mut store, &instance, "deallocate", "(i32, i32) -> ()")?,
        greet: typed(&mut store, &instance, "greet", "(i32, i32) -> i64")?,
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
fn round_trip(store: &mut Store<WasiP1Ctx>, guest: &Guest, name: &str) -> Result<String, String> {
    let Guest {
        memory,
        allocate,
        deallocate,
        greet,
    } = guest;

    // The name: allocated by the guest, written by the host.
    let name_len = u32::try_from(name.len()).map_err(|_| "the name is too long")?;
    let name_ptr = call(&mut *store, allocate, "allocate", name_len)?;
    let memory_size = memory.data_size(&*store);
    if u64::from(name_ptr) + u64::from(name_len) > memory_size as u64 {
        return Err(format!(
            "allocate returned ptr={name_ptr} for len={name_len}, \
             outside the guest's memory of {memory_size} bytes"
        ));
    }
    let start = name_ptr as usize;
    memory.data_mut(&mut *store)[start..start + name.len()].copy_from_slice(name.as_bytes());

    let packed = call(&mut *store, greet, "greet", (name_ptr, name_len))?;
    // The guest neither frees nor keeps the name: the host frees it now.
    call(&mut *store, deallocate, "deallocate", (name_ptr, name_len))?;

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
    // Then the bounds, against the memory's size now (`greet` may have grown
    // it), added as u64 so that `ptr + len` cannot wrap around.
    let memory_size = memory.data_size(&*store);
    if u64::from(ptr) + u64::from(len) > memory_size as u64 {
        return Err(format!(
            "greet returned ptr={ptr} len={len}, \
             outside the guest's memory of {memory_size} bytes"
        ));
    }
    // A copy: the next call into the guest may grow (move) or reuse its memory.
    let (start, end) = (ptr as usize, ptr as usize + len as usize);
    let bytes = memory.data(&*store)[start..end].to_vec();
    // The greeting is the host's to free, now that it has its own copy.
    call(&mut *store, deallocate, "deallocate", (ptr, len))?;
    // Last, the bytes must be UTF-8.
    String::from_utf8(bytes).map_err(|_| "greet returned bytes that are not valid UTF-8".into())
}

/// The export `name`, as a function of type `Params -> Results` (`ty` says
/// it in wasm's words).
fn typed<Params, Results>(
    store: &mut Store<WasiP1Ctx>,
    instance: &Instance,
    name: &str,
    ty: &str,
) -> Result<TypedFunc<Params, Results>, String>
where
    Params: wasmtime::WasmParams,
    Results: wasmtime::WasmResults,
{
    let func = instance
        .get_func(&mut *store, name)
        .ok_or_else(|| format!("the guest does not export `{name}`"))?;
    func.typed(&*store)
        .map_err(|_| format!("`{name}` is not a function of type {ty}"))
}

/// Calls the export `name`; a trap becomes an error line that names it.
fn call<Params, Results>(
    store: &mut Store<WasiP1Ctx>,
    func: &TypedFunc<Params, Results>,
    name: &str,
    params: Params,
) -> Result<Results, String>
where
    Params: wasmtime::WasmParams,
    Results: wasmtime::WasmResults,
{
    func.call(store, params)
        .map_err(|e| format!("`{name}` failed: {}", one_line(&e)))
}

/// wasmtime's whole message for `error` (for a trap: where, then why), with
/// every run of white space made one space, so that the error stays one line.
fn one_line(error: &wasmtime::Error) -> String {
    let message = format!("{error:?}");
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
