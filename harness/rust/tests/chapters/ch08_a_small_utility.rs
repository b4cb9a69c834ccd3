//! The utility crates against real guests: every convention, the traps, the
//! leaks, and every error a misbehaving guest can cause.

use wasm_memory_host::{Convention, Guest, GuestBuilder, GuestState};
use wasmtime::Store;

/// A guest from a listing, through the builder (which links the message
/// imports every guest here may need).
fn build(
    wasm_path: &str,
    convention: Convention,
) -> Result<(Store<GuestState>, Guest), wasm_memory_host::Error> {
    let module = book_harness::module(wasm_path)?;
    GuestBuilder::new(book_harness::engine()).instantiate(&module, convention)
}

/// `live()` of a guest that exports it: the buffers it has not freed.
fn live(mut store: impl wasmtime::AsContextMut, guest: &Guest) -> wasmtime::Result<u32> {
    let live = guest.typed_func::<(), u32>(&mut store, "live")?;
    live.call(&mut store, ())
}

pub mod rust_shout {
    use super::{build, live};
    use book_harness::expected::assert_expected;
    use book_harness::{CH08_RUST_SHOUT, CH17_LYING_SHOUT};
    use wasm_memory_host::bounds::GuestSliceError;
    use wasm_memory_host::{Convention, Error, Guest, GuestBuilder, GuestMessages};
    use wasmtime::Trap;

    #[test]
    fn one_call_passes_a_string_in_and_out_and_frees_both() -> Result<(), Error> {
        // ANCHOR: after
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::from_file(&engine, CH08_RUST_SHOUT)?;
        let (mut store, guest) = GuestBuilder::new(&engine)
            .instantiate(&module, Convention::allocate_deallocate_packed())?;

        let shout = guest.export(&mut store, "shout")?; // looked up and checked once
        let shouted = shout.call_string(&mut store, "hello, host")?;
        assert_eq!(shouted, "HELLO, HOST");
        guest.check_leaks()?; // every buffer was given back...
        // ANCHOR_END: after
        let held = live(&mut store, &guest)?;
        assert_eq!(held, 0); // ...in the guest too

        // ANCHOR: liar
        let module = wasmtime::Module::from_file(&engine, CH17_LYING_SHOUT)?;
        let (mut store, liar) = GuestBuilder::new(&engine)
            .instantiate(&module, Convention::allocate_deallocate_packed())?;
        let error = liar
            .call_string(&mut store, "shout", "hello, host")
            .unwrap_err();
        let Error::BadResult {
            source:
                GuestSliceError::OutOfBounds {
                    ptr,
                    len,
                    memory_size,
                },
            ..
        } = error
        else {
            panic!("the lie was not refused: {error}");
        };
        // ANCHOR_END: liar

        // The same report as the Go, JavaScript and Python rooms write.
        assert_expected(
            "ch08-a-small-utility/one-call-and-one-lie.txt",
            &format!(
                "shout(\"hello, host\") = {shouted:?}; the guest holds {held} buffers\n\
                 the liar's shout returned {len} bytes at {ptr:#x}, past the end of its \
                 {memory_size}-byte memory\n"
            ),
        );
        Ok(())
    }

    #[test]
    fn a_trap_during_the_call_still_frees_the_input() -> Result<(), Error> {
        let (mut store, guest) = build(CH08_RUST_SHOUT, Convention::allocate_deallocate_packed())?;
        // Not UTF-8: the guest traps in the middle of the call.
        let error = guest
            .call_bytes(&mut store, "shout", &[0xff, 0xfe])
            .unwrap_err();
        let Error::Call { export, source, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(export, "shout");
        assert_eq!(
            source.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        // The host gave the input back after the trap.
        assert_eq!(live(&mut store, &guest)?, 0);
        guest.check_leaks()?;
        Ok(())
    }

    #[test]
    fn the_checked_allocator_s_reason_reaches_the_host_s_error() -> Result<(), Error> {
        let (mut store, guest) = build(CH08_RUST_SHOUT, Convention::allocate_deallocate_packed())?;
        let buffer = guest.copy_in(&mut store, b"hello")?;
        // A host bug: a second `Guest` for the same instance, whose ledger
        // knows nothing of the first's, adopts the buffer with the wrong
        // length, 4, and gives that back. (One `Guest` per instance, cloned
        // where needed, would have refused: see `buffers_cannot_be_misused`.)
        let second = Guest::new(
            &mut store,
            guest.instance().expect("an instance"),
            Convention::allocate_deallocate_packed(),
        )?
        .with_messages(store.data().messages().clone());
        let wrong = second.adopt(&store, "allocate", buffer.ptr(), 4)?;
        let error = second.release(&mut store, wrong).unwrap_err();
        let Error::Call {
            guest_message: Some(message),
            ..
        } = &error
        else {
            panic!("{error}");
        };
        assert!(
            message.ends_with("was allocated with 5 bytes but freed with 4"),
            "{message}"
        );
        guest.release(&mut store, buffer)?; // the right size is still accepted
        assert_expected(
            "ch08-a-small-utility/rust-shout-checked.txt",
            &format!("{error}\n"),
        );
        Ok(())
    }

    #[test]
    fn a_dropped_buffer_is_reported_with_the_line_that_made_it() -> Result<(), Error> {
        let (mut store, guest) = build(CH08_RUST_SHOUT, Convention::allocate_deallocate_packed())?;
        // ANCHOR: leak
        let line = line!() + 1;
        let forgotten = guest.copy_in(&mut store, b"forgotten")?;
        drop(forgotten); // never given back with `guest.release`

        let Err(Error::Leaks(leaks)) = guest.check_leaks() else {
            panic!("the leak was not noticed");
        };
        // ANCHOR_END: leak
        assert_eq!(leaks.len(), 1);
        assert!(leaks[0].dropped);
        assert_eq!(
            (leaks[0].created_at.file(), leaks[0].created_at.line()),
            (file!(), line)
        );
        assert_eq!(live(&mut store, &guest)?, 1, "and the guest still holds it");
        Ok(())
    }

    #[test]
    fn typed_values_are_checked_for_bounds_and_alignment() -> Result<(), Error> {
        let (mut store, guest) = build(CH08_RUST_SHOUT, Convention::allocate_deallocate_packed())?;
        let slot = guest.copy_in(&mut store, &[0; 8])?;
        // ANCHOR: typed
        #[repr(C)]
        #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
        struct Pair {
            ptr: u32,
            len: u32,
        }

        let pair = Pair {
            ptr: 0x1000,
            len: 5,
        };
        guest.write_value(&mut store, slot.ptr(), &pair)?;
        assert_eq!(guest.read_value::<Pair>(&store, slot.ptr())?, pair);
        assert_eq!(guest.read_value::<u32>(&store, slot.ptr() + 4)?, 5); // little-endian
        // ANCHOR_END: typed
        let misaligned = guest
            .read_value::<Pair>(&store, slot.ptr() + 1)
            .unwrap_err();
        assert!(
            matches!(misaligned, Error::Misaligned { align: 4, .. }),
            "{misaligned}"
        );
        let end = u32::try_from(guest.memory().data_size(&store)).expect("one memory");
        let past_end = guest.read_value::<Pair>(&store, end - 4).unwrap_err();
        assert!(
            matches!(past_end, Error::ValueOutOfBounds { .. }),
            "{past_end}"
        );
        guest.release(&mut store, slot)?;
        Ok(())
    }

    #[test]
    fn a_guest_wrapped_without_the_builder_works_the_same() -> Result<(), Error> {
        // Any store, any linker: `Guest::new` only needs the instance.
        let module = book_harness::module(CH08_RUST_SHOUT)?;
        let mut linker = wasmtime::Linker::new(book_harness::engine());
        let convention = Convention::allocate_deallocate_packed();
        // The messages' slot lives in the store's data, whatever that is.
        wasm_memory_host::define_message_imports(&mut linker, &convention, |slot| slot)?;
        let mut store = wasmtime::Store::new(book_harness::engine(), GuestMessages::default());
        let instance = linker.instantiate(&mut store, &module)?;
        let guest =
            Guest::new(&mut store, instance, convention)?.with_messages(store.data().clone());
        assert_eq!(guest.call_string(&mut store, "shout", "ok")?, "OK");
        Ok(())
    }
}

pub mod go_shout {
    use super::live;
    use book_harness::CH08_GO_SHOUT;
    use wasm_memory_host::{Convention, Error, GuestBuilder};

    #[test]
    fn a_go_reactor_with_the_keepalive_pattern() -> Result<(), Error> {
        // ANCHOR: go
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::from_file(&engine, CH08_GO_SHOUT)?;
        let (mut store, guest) = GuestBuilder::new(&engine)
            .wasi_reactor() // WASI preview 1, then `_initialize`
            .instantiate(&module, Convention::allocate_deallocate_packed())?;

        assert_eq!(guest.call_string(&mut store, "shout", "gopher")?, "GOPHER");
        // ANCHOR_END: go
        assert_eq!(
            live(&mut store, &guest)?,
            0,
            "input and result were released"
        );
        guest.check_leaks()?;
        Ok(())
    }
}

pub mod as_shout {
    use book_harness::CH08_AS_SHOUT;
    use wasm_memory_host::{Allocator, Convention, Error, GuestBuilder, Results};

    #[test]
    fn an_assemblyscript_guest_with_pinned_inputs() -> Result<(), Error> {
        // ANCHOR: assemblyscript
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::from_file(&engine, CH08_AS_SHOUT)?;
        let convention = Convention::new(Allocator::AssemblyScript, Results::ObjectHeader);
        let (mut store, guest) = GuestBuilder::new(&engine).instantiate(&module, convention)?;
        assert_eq!(guest.call_string(&mut store, "shout", "script")?, "SCRIPT");
        // ANCHOR_END: assemblyscript

        // The input was pinned for the call and unpinned after it: pinning
        // it again works, and does not abort with "already pinned".
        let again = guest.copy_in(&mut store, b"again")?;
        guest.release(&mut store, again)?;
        guest.check_leaks()?;
        Ok(())
    }
}

pub mod malloc_shout {
    use super::build;
    use book_harness::CH08_MALLOC_SHOUT;
    use wasm_memory_host::bounds::GuestSliceError;
    use wasm_memory_host::{Allocator, Convention, Error, GuestBuilder, PackingOrder, Results};

    #[test]
    fn malloc_and_free_with_the_pointer_in_the_high_bits() -> Result<(), Error> {
        // ANCHOR: malloc
        let convention = Convention::new(
            Allocator::malloc_free(),
            Results::Packed(PackingOrder::PointerHigh),
        );
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::from_file(&engine, CH08_MALLOC_SHOUT)?;
        let (mut store, guest) = GuestBuilder::new(&engine).instantiate(&module, convention)?;
        assert_eq!(guest.call_string(&mut store, "shout", "tiny")?, "TINY");
        // ANCHOR_END: malloc
        guest.check_leaks()?;
        Ok(())
    }

    #[test]
    fn the_wrong_packing_order_is_an_error_not_garbage() -> Result<(), Error> {
        // Right allocator, wrong order: this book's, not this guest's.
        let convention = Convention::new(
            Allocator::malloc_free(),
            Results::Packed(PackingOrder::PointerLow),
        )
        .max_len(64 * 1024);
        let (mut store, guest) = build(CH08_MALLOC_SHOUT, convention)?;
        let error = guest.call_string(&mut store, "shout", "tiny").unwrap_err();
        // The length, 4, read as a pointer and a heap address read as the
        // length: inside memory, so only the length cap catches it. (Without
        // a cap the host would copy a megabyte of garbage.)
        let Error::BadResult {
            source: GuestSliceError::TooLong { ptr: 4, len, .. },
            ..
        } = error
        else {
            panic!("{error}");
        };
        assert!(len > 1 << 20, "a heap address, {len:#x}");
        Ok(())
    }
}

pub mod cabi_shout {
    use super::build;
    use wasm_memory_host::{Allocator, Convention, Error, PackingOrder, Results};

    #[test]
    fn canonical_abi_ownership_inputs_to_the_guest_results_back_by_post_return() -> Result<(), Error>
    {
        let convention = Convention::new(
            Allocator::cabi_realloc(),
            Results::Packed(PackingOrder::PointerLow),
        );
        let (mut store, guest) = build(book_harness::CH08_CABI_SHOUT, convention)?;
        // Many calls: had the host freed the input the guest already owns,
        // or skipped `cabi_post_shout`, the heap would be corrupted or grow.
        assert_eq!(
            guest.call_string(&mut store, "shout", "component")?,
            "COMPONENT"
        );
        let pages = guest.memory().size(&store); // after the heap's first growth
        for _ in 0..1_000 {
            assert_eq!(
                guest.call_string(&mut store, "shout", "component")?,
                "COMPONENT"
            );
        }
        assert_eq!(guest.memory().size(&store), pages);
        guest.check_leaks()?;
        Ok(())
    }
}

pub mod misbehaving_allocator {
    use super::build;
    use wasm_memory_host::bounds::GuestSliceError;
    use wasm_memory_host::{Convention, Error};

    #[test]
    fn an_allocation_outside_memory_is_refused_before_writing() -> Result<(), Error> {
        let (mut store, guest) = build(
            book_harness::CH08_MISBEHAVING_ALLOCATOR,
            Convention::allocate_deallocate_packed(),
        )?;
        let error = guest.call_bytes(&mut store, "shout", b"input").unwrap_err();
        assert!(
            matches!(
                error,
                Error::BadAllocation {
                    ptr: 0xffff_fff0,
                    len: 5,
                    source: GuestSliceError::OutOfBounds { .. },
                    ..
                }
            ),
            "{error}"
        );
        guest.check_leaks()?;
        Ok(())
    }
}

/// Every [`Error`] variant, from a guest (or a host) that misbehaves in
/// that way, as the reader would see it: a catalogue, one row per way to
/// fail, whose report is `expected/ch08-a-small-utility/errors.txt`.
pub mod every_error {
    use super::build;
    use book_harness::expected::assert_expected_redacted;
    use wasm_memory_host::bounds::GuestSliceError;
    use wasm_memory_host::{
        Allocator, Convention, Error, Guest, GuestState, PackingOrder, Results,
    };
    use wasmtime::Store;

    /// One row: what the report calls it, how to cause it, and the variant
    /// it must be.
    struct Case {
        what: &'static str,
        cause: fn() -> Result<Error, Error>,
        is: fn(error: &Error) -> bool,
    }

    /// The guest most rows misuse: Listing 8-1, with its checked allocator.
    fn shout() -> Result<(Store<GuestState>, Guest), Error> {
        build(
            book_harness::CH08_RUST_SHOUT,
            Convention::allocate_deallocate_packed(),
        )
    }

    /// Listing 4-5, which exports no allocator: it only returns (bad) pairs.
    fn lying_guest() -> Result<(Store<GuestState>, Guest), Error> {
        let convention =
            Convention::new(Allocator::None, Results::Packed(PackingOrder::PointerLow))
                .max_len(64 * 1024);
        build(book_harness::CH04_LYING_GUEST, convention)
    }

    /// What building Listing 8-1 under `convention` refuses.
    fn refused(convention: Convention) -> Result<Error, Error> {
        Ok(build(book_harness::CH08_RUST_SHOUT, convention)
            .err()
            .expect("refused"))
    }

    /// What a lying export of Listing 4-5 gets from the host.
    fn lie(export: &str) -> Result<Error, Error> {
        let (mut store, guest) = lying_guest()?;
        Ok(guest.call_output(&mut store, export).unwrap_err())
    }

    const CATALOGUE: &[Case] = &[
        // The convention does not match the guest.
        Case {
            what: "MissingExport",
            cause: || {
                refused(
                    Convention::allocate_deallocate_packed().allocator(Allocator::malloc_free()),
                )
            },
            is: |error| matches!(error, Error::MissingExport { .. }),
        },
        Case {
            what: "WrongSignature",
            cause: || {
                refused(Convention::allocate_deallocate_packed().allocator(
                    Allocator::AllocateDeallocate {
                        allocate: "shout".into(),
                        deallocate: "deallocate".into(),
                    },
                ))
            },
            is: |error| matches!(error, Error::WrongSignature { .. }),
        },
        // The module needs imports nobody provides.
        Case {
            what: "Setup",
            cause: || {
                Ok(build(
                    book_harness::CH06_GO_GREETER,
                    Convention::allocate_deallocate_packed(),
                )
                .err()
                .expect("no WASI"))
            },
            is: |error| matches!(error, Error::Setup(_)),
        },
        // Inputs.
        Case {
            what: "InputTooLarge",
            cause: || {
                let (mut store, guest) = shout()?;
                let huge = vec![0u8; (1 << 32) + 1]; // zeroed pages the host never touches
                Ok(guest.call_bytes(&mut store, "shout", &huge).unwrap_err())
            },
            is: |error| matches!(error, Error::InputTooLarge { .. }),
        },
        Case {
            what: "Unsupported (bytes in, no allocator)",
            cause: || {
                let (mut store, guest) = lying_guest()?;
                Ok(guest.export(&mut store, "huge_length").unwrap_err())
            },
            is: |error| matches!(error, Error::Unsupported { .. }),
        },
        // An allocator that fails, under a host-imposed memory limit.
        Case {
            what: "AllocationFailed",
            cause: || {
                let (mut store, instance) = book_harness::Setup::default()
                    .max_memory_pages(32)
                    .instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
                let guest = Guest::new(
                    &mut store,
                    instance,
                    Convention::allocate_deallocate_packed(),
                )?;
                Ok(guest.copy_in(&mut store, &vec![0; 4 << 20]).unwrap_err())
            },
            is: |error| matches!(error, Error::AllocationFailed { size: 4194304, .. }),
        },
        Case {
            what: "BadAllocation",
            cause: || {
                let (mut store, guest) = build(
                    book_harness::CH08_MISBEHAVING_ALLOCATOR,
                    Convention::allocate_deallocate_packed(),
                )?;
                Ok(guest.call_bytes(&mut store, "shout", b"input").unwrap_err())
            },
            is: |error| matches!(error, Error::BadAllocation { .. }),
        },
        // A result longer than the host accepts: refused before the host
        // allocates a copy, and not freed, since a length past the cap may
        // be no length at all (see the wrong packing order above). The
        // input was freed; the result is left to the guest.
        Case {
            what: "BadResult (longer than max_len)",
            cause: || {
                let (mut store, guest) = build(
                    book_harness::CH08_RUST_SHOUT,
                    Convention::allocate_deallocate_packed().max_len(4),
                )?;
                let error = guest.call_string(&mut store, "shout", "hello").unwrap_err();
                assert_eq!(super::live(&mut store, &guest)?, 1);
                Ok(error)
            },
            is: |error| {
                matches!(
                    error,
                    Error::BadResult {
                        source: GuestSliceError::TooLong { .. },
                        ..
                    }
                )
            },
        },
        // Results that lie: Listing 4-5, through the crate.
        Case {
            what: "BadResult (ends_past_memory)",
            cause: || lie("ends_past_memory"),
            is: |error| matches!(error, Error::BadResult { .. }),
        },
        Case {
            what: "BadResult (length_wraps_around)",
            cause: || lie("length_wraps_around"),
            is: |error| matches!(error, Error::BadResult { .. }),
        },
        Case {
            what: "BadResult (huge_length)",
            cause: || lie("huge_length"),
            is: |error| matches!(error, Error::BadResult { .. }),
        },
        Case {
            what: "BadResult (invalid_utf8)",
            cause: || {
                let (mut store, guest) = lying_guest()?;
                let invalid_utf8 = guest.output_export::<()>(&mut store, "invalid_utf8")?;
                let buffer = invalid_utf8.call_buffer(&mut store, ())?;
                let error = guest.read_string(&store, &buffer).unwrap_err();
                guest.release(&mut store, buffer)?; // frees nothing: `Allocator::None`
                Ok(error)
            },
            is: |error| matches!(error, Error::BadResult { .. }),
        },
        // A trap, with the guest's reason: a stale (ptr, len), adopted
        // after its buffer went back, and released again.
        Case {
            what: "Call (a double free, caught by the checked allocator)",
            cause: || {
                let (mut store, guest) = shout()?;
                let buffer = guest.copy_in(&mut store, b"twice")?;
                let (ptr, len) = (buffer.ptr(), buffer.len());
                guest.release(&mut store, buffer)?;
                let stale = guest.adopt(&store, "allocate", ptr, len)?;
                Ok(guest.release(&mut store, stale).unwrap_err())
            },
            is: |error| {
                matches!(
                    error,
                    Error::Call {
                        guest_message: Some(_),
                        ..
                    }
                )
            },
        },
        // Conventions that contradict themselves, refused before the guest
        // is looked at.
        Case {
            what: "InvalidConvention",
            cause: || {
                refused(Convention::new(
                    Allocator::allocate_deallocate(),
                    Results::ObjectHeader,
                ))
            },
            is: |error| matches!(error, Error::InvalidConvention { .. }),
        },
        Case {
            what: "InvalidConvention",
            cause: || {
                refused(Convention::new(
                    Allocator::AssemblyScript,
                    Results::Packed(PackingOrder::PointerLow),
                ))
            },
            is: |error| matches!(error, Error::InvalidConvention { .. }),
        },
        Case {
            what: "InvalidConvention",
            cause: || {
                refused(Convention::new(
                    Allocator::cabi_realloc(),
                    Results::MultiValue,
                ))
            },
            is: |error| matches!(error, Error::InvalidConvention { .. }),
        },
        Case {
            what: "InvalidConvention",
            cause: || {
                refused(
                    Convention::allocate_deallocate_packed().allocator(Allocator::MallocFree {
                        malloc: "alloc".into(),
                        free: "alloc".into(),
                    }),
                )
            },
            is: |error| matches!(error, Error::InvalidConvention { .. }),
        },
        // Buffers misused by the host.
        Case {
            what: "OverlapsHeldBuffer",
            cause: || {
                let (mut store, guest) = shout()?;
                let held = guest.copy_in(&mut store, b"held")?;
                Ok(guest.adopt(&store, "shout", held.ptr() + 2, 8).unwrap_err())
            },
            is: |error| matches!(error, Error::OverlapsHeldBuffer { .. }),
        },
        Case {
            what: "DoesNotFit",
            cause: || {
                let (mut store, guest) = shout()?;
                let held = guest.copy_in(&mut store, b"held")?;
                Ok(guest
                    .write(&mut store, &held, b"longer than held")
                    .unwrap_err())
            },
            is: |error| {
                matches!(
                    error,
                    Error::DoesNotFit {
                        len: 16,
                        capacity: 4,
                        ..
                    }
                )
            },
        },
        Case {
            what: "ForeignBuffer",
            cause: || {
                let (mut store, guest) = shout()?;
                let held = guest.copy_in(&mut store, b"held")?;
                let (mut other_store, other) = shout()?;
                let error = other.release(&mut other_store, held).unwrap_err();
                assert!(guest.outstanding()[0].dropped, "its own guest reports it");
                Ok(error)
            },
            is: |error| matches!(error, Error::ForeignBuffer { .. }),
        },
        Case {
            what: "Unsupported (adopting by hand under the canonical ABI)",
            cause: || {
                let cabi = Convention::new(
                    Allocator::cabi_realloc(),
                    Results::Packed(PackingOrder::PointerLow),
                );
                let (store, guest) = build(book_harness::CH08_CABI_SHOUT, cabi)?;
                Ok(guest.adopt(&store, "shout", 1024, 4).unwrap_err())
            },
            is: |error| matches!(error, Error::Unsupported { .. }),
        },
        // A host function's argument.
        Case {
            what: "BadArgument",
            cause: || {
                let (store, guest) = shout()?;
                Ok(guest
                    .read_argument(&store, "env.log", u32::MAX - 2, 8)
                    .unwrap_err())
            },
            is: |error| matches!(error, Error::BadArgument { .. }),
        },
        // Typed values.
        Case {
            what: "Misaligned",
            cause: || {
                let (store, guest) = shout()?;
                Ok(guest.read_value::<u64>(&store, 3).unwrap_err())
            },
            is: |error| matches!(error, Error::Misaligned { .. }),
        },
        Case {
            what: "ValueOutOfBounds",
            cause: || {
                let (store, guest) = shout()?;
                Ok(guest.read_value::<u64>(&store, u32::MAX - 7).unwrap_err())
            },
            is: |error| matches!(error, Error::ValueOutOfBounds { .. }),
        },
        // Leaks.
        Case {
            what: "Leaks",
            cause: || {
                let (mut store, guest) = shout()?;
                let _still_held = guest.copy_in(&mut store, b"held")?;
                Ok(guest.check_leaks().unwrap_err())
            },
            is: |error| matches!(error, Error::Leaks(_)),
        },
    ];

    #[test]
    fn each_variant_with_its_message() -> Result<(), Error> {
        let mut report = String::new();
        for case in CATALOGUE {
            let error = (case.cause)()?;
            assert!((case.is)(&error), "{}: {error}", case.what);
            report.push_str(&format!("{}:\n  {error}\n", case.what));
        }
        // The line number changes as this file does; the file name does not.
        assert_expected_redacted(
            "ch08-a-small-utility/errors.txt",
            &report,
            &[("[LINE]", r"ch08_a_small_utility\.rs:(?<redacted>\d+)")],
        );
        Ok(())
    }
}

/// Earlier chapters' host code, rewritten with the crate.
pub mod rewritten {
    use super::build;
    use wasm_memory_host::{Convention, Error, GuestBuilder};

    #[test]
    fn chapter_4_greet() -> Result<(), Error> {
        let (mut store, guest) = build(
            book_harness::CH04_PACKED_RETURN,
            Convention::allocate_deallocate_packed(),
        )?;
        // ANCHOR: greet_after
        let greeting = guest.call_string(&mut store, "greet", "Ferris")?;
        assert_eq!(greeting, "Hello, Ferris!");
        // ANCHOR_END: greet_after
        guest.check_leaks()?;
        Ok(())
    }

    #[test]
    fn chapter_6_kept_greeting() -> Result<(), Error> {
        let module = book_harness::module(book_harness::CH06_GO_GREETER)?;
        let (mut store, guest) = GuestBuilder::new(book_harness::engine())
            .wasi_reactor()
            .instantiate(&module, Convention::allocate_deallocate_packed())?;
        // ANCHOR: kept_after
        // An export that takes a number and returns a buffer:
        let greet_kept = guest.output_export::<u32>(&mut store, "greet_kept")?;

        let greeting = greet_kept.call_buffer(&mut store, 10)?; // must be released
        let bytes = guest.read(&store, &greeting)?;
        guest.release(&mut store, greeting)?; // deallocate(ptr, len)
        // ANCHOR_END: kept_after
        assert!(bytes.starts_with(b"call 1: hello"));
        guest.check_leaks()?;
        Ok(())
    }
}

/// Plugins written elsewhere, each importing `env.log(ptr, len)`, packing
/// pointer-high and naming its allocator its own way, run inside a host's
/// own linker and store, with that host's own data.
pub mod plugins {
    use wasm_memory_host::{Convention, Error, Guest};
    use wasmtime::{Caller, Linker, Store, StoreLimits};
    use wasmtime_wasi::p1::WasiP1Ctx;

    // ANCHOR: plugin_host
    /// A plugin host's store data: nothing of the utility's in it.
    pub struct PluginHost {
        pub log: Vec<String>,
        pub wasi: WasiP1Ctx,
        pub limits: StoreLimits,
    }

    impl PluginHost {
        pub fn new() -> Self {
            PluginHost {
                log: Vec::new(),
                wasi: wasmtime_wasi::WasiCtxBuilder::new().build_p1(),
                limits: StoreLimits::default(),
            }
        }
    }
    // ANCHOR_END: plugin_host

    // ANCHOR: log_import
    /// `env.log(ptr, len)`: the calling plugin's UTF-8 message, read with the
    /// utility's checks, into the host's log.
    pub fn define_log(
        linker: &mut Linker<PluginHost>,
        convention: &Convention,
    ) -> Result<(), Error> {
        let convention = convention.clone();
        linker.func_wrap(
            "env",
            "log",
            move |mut caller: Caller<'_, PluginHost>, ptr: u32, len: u32| -> wasmtime::Result<()> {
                let plugin = Guest::from_caller(&mut caller, convention.clone())?;
                let line = plugin.read_argument_string(&caller, "env.log", ptr, len)?;
                caller.data_mut().log.push(line);
                Ok(())
            },
        )?;
        Ok(())
    }
    // ANCHOR_END: log_import

    // ANCHOR: upper
    /// `upper` through the plugin, then its live count.
    pub fn upper(
        store: &mut Store<PluginHost>,
        plugin: &Guest,
        input: &str,
    ) -> Result<(String, u32), Error> {
        let upper = plugin.export(&mut *store, "upper")?;
        let shouted = upper.call_string(&mut *store, input)?;
        plugin.check_leaks()?;
        let live = plugin.typed_func::<(), u32>(&mut *store, "live")?;
        Ok((shouted, live.call(&mut *store, ())?))
    }
    // ANCHOR_END: upper
}

pub mod plugin_rust {
    use super::plugins::{PluginHost, define_log};
    use book_harness::CH08_PLUGIN_RUST;
    use wasm_memory_host::{Allocator, Convention, Error, Guest, PackingOrder, Results};
    use wasmtime::{Caller, Engine, Linker, Module, Store};

    #[test]
    fn a_rust_plugin_in_the_host_s_own_linker() -> Result<(), Error> {
        let (mut store, plugin) = instantiated()?;
        // ANCHOR: plugin_rust_call
        let upper = plugin.export(&mut store, "upper")?;
        assert_eq!(upper.call_string(&mut store, "plugin")?, "PLUGIN");
        assert_eq!(store.data().log, ["upper: 6 bytes"]);
        // ANCHOR_END: plugin_rust_call
        assert_eq!(super::live(&mut store, &plugin)?, 0);
        Ok(())
    }

    /// The Rust plugin in a linker with `env.log` and `env.decorate`.
    pub fn instantiated() -> Result<(Store<PluginHost>, Guest), Error> {
        // ANCHOR: plugin_rust
        let engine = Engine::default();
        let module = Module::from_file(&engine, CH08_PLUGIN_RUST)?;
        let allocator = Allocator::AllocateDeallocate {
            allocate: "plugin_alloc".into(),
            deallocate: "plugin_free".into(),
        };
        let convention = Convention::new(allocator, Results::Packed(PackingOrder::PointerHigh));
        let mut linker = Linker::new(&engine);
        define_log(&mut linker, &convention)?;
        define_decorate(&mut linker, &convention)?; // below
        let mut store = Store::new(&engine, PluginHost::new());
        let instance = linker.instantiate(&mut store, &module)?;
        let plugin = Guest::new(&mut store, instance, convention)?;
        // ANCHOR_END: plugin_rust
        Ok((store, plugin))
    }

    // ANCHOR: decorate
    /// `env.decorate(ptr, len) -> u64`: reads the plugin's bytes and answers
    /// with a new buffer made by the plugin's own allocator, packed as the
    /// plugin expects. The plugin owns the answer and frees it (here, by
    /// handing it back to the host as its result).
    fn define_decorate(
        linker: &mut Linker<PluginHost>,
        convention: &Convention,
    ) -> Result<(), Error> {
        let convention = convention.clone();
        linker.func_wrap(
            "env",
            "decorate",
            move |mut caller: Caller<'_, PluginHost>,
                  ptr: u32,
                  len: u32|
                  -> wasmtime::Result<u64> {
                let plugin = Guest::from_caller(&mut caller, convention.clone())?;
                let text = plugin.read_argument_string(&caller, "env.decorate", ptr, len)?;
                let (ptr, len) = plugin.hand_over(&mut caller, format!("[{text}]").as_bytes())?;
                Ok(PackingOrder::PointerHigh.pack(ptr, len))
            },
        )?;
        Ok(())
    }
    // ANCHOR_END: decorate

    #[test]
    fn a_host_function_hands_bytes_to_the_plugin_through_its_allocator() -> Result<(), Error> {
        let (mut store, plugin) = instantiated()?;
        let decorated = plugin.export(&mut store, "decorated")?;
        assert_eq!(decorated.call_string(&mut store, "bytes")?, "[bytes]");
        // The host's buffer went to the plugin, came back as its result,
        // and was freed: nothing is left on either side.
        assert_eq!(super::live(&mut store, &plugin)?, 0);
        plugin.check_leaks()?;
        Ok(())
    }

    #[test]
    fn a_host_function_refuses_an_argument_outside_memory() -> Result<(), Error> {
        let (mut store, plugin) = instantiated()?;
        // `decorated` forwards its (ptr, len) to `env.decorate` unchecked: a
        // length past the end of memory reaches the host function, which
        // refuses it, and the call fails with the host function's error.
        let decorated = plugin.typed_func::<(u32, u32), u64>(&mut store, "decorated")?;
        let error = decorated.call(&mut store, (16, u32::MAX - 16)).unwrap_err();
        let refused = error.downcast_ref::<Error>().expect("the utility's error");
        assert!(
            matches!(refused, Error::BadArgument { function, .. } if function == "env.decorate"),
            "{refused}"
        );
        Ok(())
    }
}

pub mod plugin_go {
    use super::plugins::{PluginHost, define_log, upper};
    use book_harness::CH08_PLUGIN_GO;
    use wasm_memory_host::{Allocator, Convention, Error, Guest, PackingOrder, Results};
    use wasmtime::{Engine, Linker, Module, Store};

    #[test]
    fn a_go_reactor_plugin_with_wasi_in_the_host_s_own_linker() -> Result<(), Error> {
        // ANCHOR: plugin_go
        let engine = Engine::default();
        let module = Module::from_file(&engine, CH08_PLUGIN_GO)?;
        let allocator = Allocator::MallocFree {
            malloc: "guest_malloc".into(),
            free: "guest_free".into(),
        };
        let convention = Convention::new(allocator, Results::Packed(PackingOrder::PointerHigh));
        let mut linker = Linker::new(&engine);
        define_log(&mut linker, &convention)?;
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |host: &mut PluginHost| &mut host.wasi)?;
        let mut store = Store::new(&engine, PluginHost::new());
        let instance = linker.instantiate(&mut store, &module)?;
        let plugin = Guest::new(&mut store, instance, convention)?;
        plugin.initialize_reactor(&mut store)?; // the Go runtime starts here
        // ANCHOR_END: plugin_go
        assert_eq!(upper(&mut store, &plugin, "gopher")?, ("GOPHER".into(), 0));
        assert_eq!(store.data().log, ["upper: 6 bytes"]);
        Ok(())
    }

    #[test]
    fn a_missing_initialize_is_a_missing_export() -> Result<(), Error> {
        // The Rust plugin is no reactor: it has no `_initialize`.
        let (mut store, plugin) = super::plugin_rust::instantiated()?;
        let error = plugin.initialize_reactor(&mut store).unwrap_err();
        assert!(
            matches!(&error, Error::MissingExport { name, .. } if name == "_initialize"),
            "{error}"
        );
        Ok(())
    }
}

/// The `.wat` plugin, and the host's own limits on it: memory, fuel, time.
pub mod plugin {
    use book_harness::{CH08_PLUGIN, PAGE_SIZE};
    use std::time::Duration;

    use super::plugins::{PluginHost, define_log, upper};
    use wasm_memory_host::{Allocator, Convention, Error, Guest, PackingOrder, Results};
    use wasmtime::{Config, Engine, InstancePre, Linker, Module, Store, StoreLimitsBuilder, Trap};

    // ANCHOR: prepared
    /// The `.wat` plugin's allocator, and results packed pointer-high.
    fn convention() -> Convention {
        let allocator = Allocator::AllocateDeallocate {
            allocate: "alloc".into(),
            deallocate: "dealloc".into(),
        };
        Convention::new(allocator, Results::Packed(PackingOrder::PointerHigh))
    }

    /// The plugin linked once, ready to be instantiated in any store.
    fn prepared(engine: &Engine) -> Result<InstancePre<PluginHost>, Error> {
        let module = Module::from_file(engine, CH08_PLUGIN)?;
        let mut linker = Linker::new(engine);
        define_log(&mut linker, &convention())?;
        Ok(linker.instantiate_pre(&module)?)
    }
    // ANCHOR_END: prepared

    fn instantiate(
        engine: &Engine,
        pre: &InstancePre<PluginHost>,
    ) -> Result<(Store<PluginHost>, Guest), Error> {
        let mut store = Store::new(engine, PluginHost::new());
        let instance = pre.instantiate(&mut store)?;
        let plugin = Guest::new(&mut store, instance, convention())?;
        Ok((store, plugin))
    }

    #[test]
    fn a_hand_written_plugin_many_times_from_one_instance_pre() -> Result<(), Error> {
        // ANCHOR: instance_pre
        let engine = Engine::default();
        let pre = prepared(&engine)?; // linked and type-checked once
        for input in ["one", "two", "three"] {
            let mut store = Store::new(&engine, PluginHost::new());
            let instance = pre.instantiate(&mut store)?;
            let plugin = Guest::new(&mut store, instance, convention())?;
            let (shouted, live) = upper(&mut store, &plugin, input)?;
            assert_eq!((shouted, live), (input.to_uppercase(), 0));
            assert_eq!(store.data().log, ["upper"], "each store logs its own");
        }
        // ANCHOR_END: instance_pre
        Ok(())
    }

    #[test]
    fn store_limits_stop_a_guest_that_grows() -> Result<(), Error> {
        let engine = Engine::default();
        let pre = prepared(&engine)?;
        let (mut store, plugin) = instantiate(&engine, &pre)?;
        // ANCHOR: limits
        store.data_mut().limits = StoreLimitsBuilder::new().memory_size(4 * PAGE_SIZE).build();
        store.limiter(|host| &mut host.limits);
        // ANCHOR_END: limits
        let grow = plugin.typed_func::<(), u32>(&mut store, "grow_until_refused")?;
        assert_eq!(grow.call(&mut store, ())?, 4, "refused at the limit");
        // The plugin's allocator cannot grow either: the utility says so.
        let error = plugin.copy_in(&mut store, &[0; 1 << 20]).unwrap_err();
        assert!(
            matches!(&error, Error::AllocationFailed { export, size: 1048576 } if export == "alloc"),
            "{error}"
        );
        // Within the limit, it still works.
        assert_eq!(upper(&mut store, &plugin, "small")?.0, "SMALL");
        Ok(())
    }

    #[test]
    fn fuel_stops_a_call_through_the_utility() -> Result<(), Error> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config)?;
        let pre = prepared(&engine)?;
        let (mut store, plugin) = instantiate(&engine, &pre)?;
        store.set_fuel(1_000_000)?;
        let upper = plugin.export(&mut store, "upper")?;
        assert_eq!(upper.call_string(&mut store, "fuelled")?, "FUELLED");
        // A looping guest stops when the fuel runs out ...
        let spin = plugin.typed_func::<(), ()>(&mut store, "spin")?;
        let error = spin.call(&mut store, ()).unwrap_err();
        assert_eq!(error.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
        // ... and so does a round trip, with the utility's error.
        store.set_fuel(500)?;
        let error = upper.call_bytes(&mut store, &[b'a'; 4096]).unwrap_err();
        let Error::Call { export, source, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(export, "upper");
        assert_eq!(source.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
        Ok(())
    }

    #[test]
    fn an_epoch_deadline_stops_a_guest_that_loops() -> Result<(), Error> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        let pre = prepared(&engine)?;
        let (mut store, plugin) = instantiate(&engine, &pre)?;
        // ANCHOR: epoch
        store.set_epoch_deadline(1); // one tick from now
        let ticker = engine.clone();
        let tick = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            ticker.increment_epoch();
        });
        // ANCHOR_END: epoch
        // `spin` never returns on its own: only the tick can stop it, whenever
        // it comes (before the call starts, the first check traps at once).
        let spin = plugin.typed_func::<(), ()>(&mut store, "spin")?;
        let error = spin.call(&mut store, ()).unwrap_err();
        assert_eq!(error.downcast_ref::<Trap>(), Some(&Trap::Interrupt));
        tick.join().expect("the ticker");
        Ok(())
    }
}

/// The guest of the benchmarks: each way of calling it gives the same bytes.
pub mod round_trip {
    use wasm_memory_host::{Convention, Error};

    #[test]
    fn echo_in_place_and_noop_agree() -> Result<(), Error> {
        let (mut store, guest) = super::build(
            book_harness::CH08_ROUND_TRIP,
            Convention::allocate_deallocate_packed(),
        )?;
        let echo = guest.export(&mut store, "echo")?;
        assert_eq!(echo.call_bytes(&mut store, b"round trip")?, b"round trip");

        // ANCHOR: reused
        // Two buffers, allocated once, reused by every call.
        let input = guest.copy_in(&mut store, &[0; 6])?;
        let output = guest.copy_in(&mut store, &[0; 6])?;
        let echo_into = guest.typed_func::<(u32, u32, u32), ()>(&mut store, "echo_into")?;
        let mut out = Vec::new();
        for bytes in [b"first!", b"second"] {
            guest.write(&mut store, &input, bytes)?;
            echo_into.call(&mut store, (input.ptr(), input.len(), output.ptr()))?;
            guest.read_into(&store, &output, &mut out)?;
            assert_eq!(out, bytes);
        }
        guest.release(&mut store, input)?;
        guest.release(&mut store, output)?;
        // ANCHOR_END: reused

        guest
            .typed_func::<(), ()>(&mut store, "noop")?
            .call(&mut store, ())?;
        guest.check_leaks()?;
        Ok(())
    }
}

/// A module that does not export its memory: no host can reach it.
pub mod hidden_memory {
    use wasm_memory_host::{Convention, Guest};

    #[test]
    fn a_memory_that_is_not_exported_cannot_be_reached() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH08_HIDDEN_MEMORY)?;
        // ANCHOR: hidden
        // What an instance exports is all that its host can reach.
        let exports: Vec<String> = instance
            .exports(&mut store)
            .map(|export| export.name().to_owned())
            .collect();
        assert_eq!(exports, ["first_byte"]);
        assert!(instance.get_memory(&mut store, "memory").is_none());
        let Err(error) = Guest::new(
            &mut store,
            instance,
            Convention::allocate_deallocate_packed(),
        ) else {
            panic!("no memory to work with, yet a guest");
        };
        assert_eq!(
            error.to_string(),
            "the guest does not export a memory `memory`, which this convention needs"
        );
        // ANCHOR_END: hidden
        Ok(())
    }

    /// Rust, Go and AssemblyScript export their memory, under the name
    /// `memory`: the name every `Convention` of this book starts with.
    #[test]
    fn the_toolchains_of_this_book_export_memory() -> wasmtime::Result<()> {
        for guest in [
            book_harness::CH08_RUST_SHOUT,
            book_harness::CH08_GO_SHOUT,
            book_harness::CH08_AS_SHOUT,
        ] {
            let (mut store, instance) = book_harness::instantiate(guest)?;
            assert!(
                instance.get_memory(&mut store, "memory").is_some(),
                "{guest}"
            );
        }
        Ok(())
    }
}
