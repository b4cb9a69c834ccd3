//! A generated guest that returns whatever it is told to, and the
//! invariants the host's read paths keep whatever that is. The property
//! tests (`tests/properties.rs`) and the fuzz target (`fuzz/`) share it:
//! one picks the lies with proptest, the other with libFuzzer.

use wasm_memory_host::bounds::GuestSliceError;
use wasm_memory_host::{Convention, Error, Guest, PackingOrder, Results};
use wasmtime::{Engine, InstancePre, Linker, Module, Store};

/// The guest: `fixtures/liar.wat`, which returns whatever it is told to.
const WAT: &str = include_str!("../../fixtures/liar.wat");

/// The most pages a case grows the liar's one page by.
pub const MAX_GROWTH: u8 = 2;

/// One lie, and how the host reads it.
#[derive(Clone, Debug)]
pub struct Case {
    /// Pages the memory grows by before the call, `0..=MAX_GROWTH`.
    pub growth: u8,
    pub order: PackingOrder,
    pub max_len: u32,
    /// What the export returns, packed.
    pub returned: u64,
    /// What `allocate` returns.
    pub allocation: u32,
    /// The bytes the host passes in, if any: then the export called is
    /// `lie_about(ptr, len)`, and `lie` otherwise.
    pub input: Option<Vec<u8>>,
    /// Whether the host reads a string.
    pub utf8: bool,
}

impl Case {
    /// A case from raw bytes, as libFuzzer hands them over; `None` if there
    /// are too few.
    pub fn from_bytes(data: &[u8]) -> Option<Case> {
        let (head, input) = data.split_at_checked(18)?;
        let u32_at = |at: usize| u32::from_le_bytes(head[at..at + 4].try_into().unwrap_or([0; 4]));
        let flags = head[0];
        Some(Case {
            growth: head[1] % (MAX_GROWTH + 1),
            order: if flags & 1 == 0 {
                PackingOrder::PointerLow
            } else {
                PackingOrder::PointerHigh
            },
            utf8: flags & 2 != 0,
            input: (flags & 4 != 0).then(|| input.to_vec()),
            max_len: u32_at(2),
            returned: u64::from(u32_at(6)) | (u64::from(u32_at(10)) << 32),
            allocation: u32_at(14),
        })
    }
}

/// The liar, compiled once.
pub struct Liar {
    engine: Engine,
    prepared: InstancePre<()>,
}

impl Liar {
    pub fn new() -> Liar {
        let engine = Engine::default();
        let module =
            Module::new(&engine, wat::parse_str(WAT).expect("assembles")).expect("compiles");
        let prepared = Linker::new(&engine)
            .instantiate_pre(&module)
            .expect("links");
        Liar { engine, prepared }
    }

    /// Runs `case` in a new instance and checks every invariant, panicking
    /// with the case and what broke.
    pub fn check(&self, case: &Case) {
        let mut store = Store::new(&self.engine, ());
        let instance = self.prepared.instantiate(&mut store).expect("instantiates");
        let convention = Convention::new(
            wasm_memory_host::Allocator::allocate_deallocate(),
            Results::Packed(case.order),
        )
        .max_len(case.max_len);
        let guest = Guest::new(&mut store, instance, convention).expect("the convention fits");
        let call = |store: &mut Store<()>, name: &str| -> wasmtime::TypedFunc<(), u32> {
            guest.typed_func(&mut *store, name).expect("exported")
        };
        let grown = guest
            .typed_func::<u32, i32>(&mut store, "grow")
            .expect("exported");
        grown
            .call(&mut store, u32::from(case.growth))
            .expect("grows");
        guest
            .typed_func::<(u32, u64), ()>(&mut store, "tell")
            .expect("exported")
            .call(&mut store, (case.allocation, case.returned))
            .expect("tells");

        let outcome = match &case.input {
            Some(input) => {
                let export = guest.export(&mut store, "lie_about").expect("exported");
                match std::str::from_utf8(input) {
                    Ok(text) if case.utf8 => {
                        export.call_string(&mut store, text).map(String::into_bytes)
                    }
                    _ => export.call_bytes(&mut store, input),
                }
            }
            None => {
                let export = guest
                    .output_export::<()>(&mut store, "lie")
                    .expect("exported");
                if case.utf8 {
                    export.call_string(&mut store, ()).map(String::into_bytes)
                } else {
                    export.call(&mut store, ())
                }
            }
        };

        let (ptr, len) = case.order.unpack(case.returned);
        let frees = call(&mut store, "frees")
            .call(&mut store, ())
            .expect("counts");
        let frees_outside = call(&mut store, "frees_outside")
            .call(&mut store, ())
            .expect("counts");
        assert_eq!(
            frees_outside, 0,
            "the host freed a range outside memory: {case:?}"
        );
        assert!(
            guest.check_leaks().is_ok(),
            "the host kept a buffer: {case:?}"
        );
        let memory = guest.memory().data(&store);
        let freed_input = u32::from(case.input.is_some());
        match outcome {
            Ok(bytes) => {
                let end = ptr as usize + len as usize;
                assert!(end <= memory.len(), "read outside memory: {case:?}");
                assert!(len <= case.max_len, "read more than the cap: {case:?}");
                assert_eq!(bytes, memory[ptr as usize..end], "other bytes: {case:?}");
                assert_eq!(
                    frees,
                    1 + freed_input,
                    "the result and input freed once: {case:?}"
                );
            }
            Err(error) => {
                assert_names_its_values(&error, case, ptr, len, memory.len());
                // Only a result that is not UTF-8 is still a buffer to free.
                let not_utf8 = matches!(
                    error,
                    Error::BadResult {
                        source: GuestSliceError::NotUtf8 { .. },
                        ..
                    }
                );
                let freed_input = match error {
                    // Refused before anything was allocated.
                    Error::AllocationFailed { .. } | Error::BadAllocation { .. } => 0,
                    _ => freed_input,
                };
                assert_eq!(
                    frees,
                    freed_input + u32::from(not_utf8),
                    "frees: {error}: {case:?}"
                );
            }
        }
    }
}

impl Default for Liar {
    fn default() -> Self {
        Liar::new()
    }
}

/// Every error says what was wrong, with the values that were.
fn assert_names_its_values(error: &Error, case: &Case, ptr: u32, len: u32, memory_size: usize) {
    let message = error.to_string();
    let names = |value: String| {
        assert!(
            message.contains(&value),
            "{message:?} does not name {value}: {case:?}"
        );
    };
    match error {
        Error::BadResult { source, .. } => {
            names(format!("{ptr:#x}"));
            names(format!("{len} bytes"));
            match source {
                GuestSliceError::OutOfBounds {
                    memory_size: size, ..
                } => {
                    assert_eq!(*size, memory_size);
                    names(format!("{memory_size}-byte memory"));
                }
                GuestSliceError::TooLong { max_len, .. } => names(max_len.to_string()),
                GuestSliceError::Overflow { .. } | GuestSliceError::NotUtf8 { .. } => {}
                other => panic!("a kind of bad buffer this check does not know: {other}: {case:?}"),
            }
        }
        Error::BadAllocation { ptr, .. } => names(format!("{ptr:#x}")),
        Error::AllocationFailed { size, .. } => names(format!("{size} bytes")),
        Error::OverlapsHeldBuffer { ptr, len, .. } => {
            names(format!("{ptr:#x}"));
            names(format!("{len} bytes"));
        }
        other => panic!("an error the read paths do not make: {other}: {case:?}"),
    }
}
