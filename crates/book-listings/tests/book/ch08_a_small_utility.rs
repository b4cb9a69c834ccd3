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
    let module = book_listings::module(wasm_path)?;
    GuestBuilder::new(book_listings::engine()).instantiate(&module, convention)
}

/// `live()` of a guest that exports it.
fn live(store: &mut Store<GuestState>, guest: &Guest) -> wasmtime::Result<u32> {
    let live = guest
        .instance()
        .get_typed_func::<(), u32>(&mut *store, "live")?;
    live.call(&mut *store, ())
}

pub mod rust_shout {
    use super::{build, live};
    use book_listings::expected::assert_expected;
    use wasm_memory_host::{Convention, Error, Guest, GuestBuilder};
    use wasmtime::Trap;

    #[test]
    fn one_call_passes_a_string_in_and_out_and_frees_both() -> Result<(), Error> {
        // ANCHOR: after
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::from_file(&engine, book_listings::CH08_RUST_SHOUT)?;
        let (mut store, guest) =
            GuestBuilder::new(&engine).instantiate(&module, Convention::book())?;

        let shouted = guest.call_string(&mut store, "shout", "hello, host")?;
        assert_eq!(shouted, "HELLO, HOST");
        guest.check_leaks()?; // every buffer was given back...
        // ANCHOR_END: after
        assert_eq!(live(&mut store, &guest)?, 0); // ...in the guest too
        Ok(())
    }

    #[test]
    fn a_trap_during_the_call_still_frees_the_input() -> Result<(), Error> {
        let (mut store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
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
        let (mut store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
        let buffer = guest.write(&mut store, b"hello")?;
        // A host bug: it records the buffer with the wrong length, 4, and
        // gives that back.
        let wrong = guest.take(&store, "allocate", buffer.ptr(), 4)?;
        let error = guest.release(&mut store, wrong).unwrap_err();
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
        assert_expected("ch08-rust-shout-checked.txt", &format!("{error}\n"));
        Ok(())
    }

    #[test]
    fn a_dropped_buffer_is_reported_with_the_line_that_made_it() -> Result<(), Error> {
        let (mut store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
        // ANCHOR: leak
        let line = line!() + 1;
        let forgotten = guest.write(&mut store, b"forgotten")?;
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
        #[repr(C)]
        #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
        struct Pair {
            ptr: u32,
            len: u32,
        }

        let (mut store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
        let slot = guest.write(&mut store, &[0; 8])?;
        // ANCHOR: typed
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
        let module = book_listings::module(book_listings::CH08_RUST_SHOUT)?;
        let mut linker = wasmtime::Linker::new(book_listings::engine());
        let messages = wasm_memory_host::define_message_imports(&mut linker)?;
        let mut store = wasmtime::Store::new(book_listings::engine(), ());
        let instance = linker.instantiate(&mut store, &module)?;
        let guest = Guest::new(&mut store, instance, Convention::book())?.with_messages(messages);
        assert_eq!(guest.call_string(&mut store, "shout", "ok")?, "OK");
        Ok(())
    }
}

pub mod go_shout {
    use super::live;
    use wasm_memory_host::{Convention, Error, GuestBuilder};

    #[test]
    fn a_go_reactor_with_the_keepalive_pattern() -> Result<(), Error> {
        // ANCHOR: go
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::from_file(&engine, book_listings::CH08_GO_SHOUT)?;
        let (mut store, guest) = GuestBuilder::new(&engine)
            .wasi_reactor() // WASI preview 1, then `_initialize`
            .instantiate(&module, Convention::book())?;

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
    use super::build;
    use wasm_memory_host::{Allocator, Convention, Error, Results};

    #[test]
    fn an_assemblyscript_guest_with_pinned_inputs() -> Result<(), Error> {
        // ANCHOR: assemblyscript
        let convention = Convention::new(Allocator::AssemblyScript, Results::ObjectHeader);
        let (mut store, guest) = build(book_listings::CH08_AS_SHOUT, convention)?;
        assert_eq!(guest.call_string(&mut store, "shout", "script")?, "SCRIPT");
        // ANCHOR_END: assemblyscript

        // The input was pinned for the call and unpinned after it: pinning
        // it again works, and does not abort with "already pinned".
        let again = guest.write(&mut store, b"again")?;
        guest.release(&mut store, again)?;
        guest.check_leaks()?;
        Ok(())
    }
}

pub mod malloc_shout {
    use super::build;
    use wasm_memory_host::bounds::GuestSliceError;
    use wasm_memory_host::{Allocator, Convention, Error, PackingOrder, Results};

    #[test]
    fn malloc_and_free_with_the_pointer_in_the_high_bits() -> Result<(), Error> {
        // ANCHOR: malloc
        let convention = Convention::new(
            Allocator::malloc_free(),
            Results::Packed(PackingOrder::PointerHigh),
        );
        let (mut store, guest) = build(book_listings::CH08_MALLOC_SHOUT, convention)?;
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
        let (mut store, guest) = build(book_listings::CH08_MALLOC_SHOUT, convention)?;
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
        let (mut store, guest) = build(book_listings::CH08_CABI_SHOUT, convention)?;
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
            book_listings::CH08_MISBEHAVING_ALLOCATOR,
            Convention::book(),
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
/// that way, as the reader would see it.
pub mod every_error {
    use super::build;
    use book_listings::expected::assert_expected_redacted;
    use wasm_memory_host::bounds::GuestSliceError;
    use wasm_memory_host::{Allocator, Convention, Error, Guest, PackingOrder, Results};
    use wasmtime::Store;

    fn lying_guest() -> Result<(Store<wasm_memory_host::GuestState>, Guest), Error> {
        // It exports no allocator: it only returns (bad) pairs.
        let convention =
            Convention::new(Allocator::None, Results::Packed(PackingOrder::PointerLow))
                .max_len(64 * 1024);
        build(book_listings::CH04_LYING_GUEST, convention)
    }

    #[test]
    fn each_variant_with_its_message() -> Result<(), Error> {
        let mut report = String::new();
        let mut record =
            |what: &str, error: Error| report.push_str(&format!("{what}:\n  {error}\n"));

        // The convention does not match the guest.
        let wrong = Convention::new(
            Allocator::malloc_free(),
            Results::Packed(PackingOrder::PointerLow),
        );
        let error = build(book_listings::CH08_RUST_SHOUT, wrong)
            .err()
            .expect("no malloc");
        assert!(matches!(error, Error::MissingExport { .. }));
        record("MissingExport", error);

        let renamed = Allocator::AllocateDeallocate {
            allocate: "shout".into(),
            deallocate: "deallocate".into(),
        };
        let error = build(
            book_listings::CH08_RUST_SHOUT,
            Convention {
                allocator: renamed,
                ..Convention::book()
            },
        )
        .err()
        .expect("shout is not an allocator");
        assert!(matches!(error, Error::WrongSignature { .. }));
        record("WrongSignature", error);

        // The module needs imports nobody provides.
        let error = build(book_listings::CH06_GO_GREETER, Convention::book())
            .err()
            .expect("no WASI");
        assert!(matches!(error, Error::Setup(_)));
        record("Setup", error);

        // Inputs.
        let (mut store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
        let huge = vec![0u8; (1 << 32) + 1]; // zeroed pages the host never touches
        let error = guest.call_bytes(&mut store, "shout", &huge).unwrap_err();
        assert!(matches!(error, Error::InputTooLarge { .. }));
        record("InputTooLarge", error);
        drop(huge);

        let (mut store, guest) = lying_guest()?;
        let error = guest
            .call_bytes(&mut store, "huge_length", b"x")
            .unwrap_err();
        assert!(matches!(error, Error::NoAllocator));
        record("NoAllocator", error);

        // An allocator that fails, under a host-imposed memory limit.
        let (mut store, instance) = book_listings::Setup::default()
            .max_memory_pages(32)
            .instantiate(book_listings::CH03_ALLOCATE_DEALLOCATE)?;
        let guest = Guest::new(&mut store, instance, Convention::book())?;
        let error = guest.write(&mut store, &vec![0; 4 << 20]).unwrap_err();
        assert!(matches!(
            error,
            Error::AllocationFailed { size: 4194304, .. }
        ));
        record("AllocationFailed", error);

        let (mut store, guest) = build(
            book_listings::CH08_MISBEHAVING_ALLOCATOR,
            Convention::book(),
        )?;
        record(
            "BadAllocation",
            guest.call_bytes(&mut store, "shout", b"input").unwrap_err(),
        );

        // A real result, longer than the host accepts: refused before the
        // host allocates a copy, and still given back to the guest.
        let (mut store, guest) = build(
            book_listings::CH08_RUST_SHOUT,
            Convention::book().max_len(4),
        )?;
        let error = guest.call_string(&mut store, "shout", "hello").unwrap_err();
        assert!(matches!(
            error,
            Error::BadResult {
                source: GuestSliceError::TooLong { .. },
                ..
            }
        ));
        assert_eq!(super::live(&mut store, &guest)?, 0);
        record("BadResult (longer than max_len)", error);

        // Results that lie: Listing 4-5, through the crate.
        let (mut store, guest) = lying_guest()?;
        for export in ["ends_past_memory", "length_wraps_around", "huge_length"] {
            let error = guest.call_output(&mut store, export).unwrap_err();
            assert!(matches!(error, Error::BadResult { .. }), "{error}");
            record(&format!("BadResult ({export})"), error);
        }
        let invalid_utf8 = guest
            .instance()
            .get_typed_func::<(), u64>(&mut store, "invalid_utf8")?;
        let (ptr, len) = PackingOrder::PointerLow.unpack(invalid_utf8.call(&mut store, ())?);
        let buffer = guest.take(&store, "invalid_utf8", ptr, len)?;
        let error = guest.read_string(&store, &buffer).unwrap_err();
        guest.release(&mut store, buffer)?; // frees nothing: `Allocator::None`
        assert!(matches!(error, Error::BadResult { .. }), "{error}");
        record("BadResult (invalid_utf8)", error);

        // A trap, with the guest's reason.
        let (mut store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
        let buffer = guest.write(&mut store, b"twice")?;
        let copy = guest.take(&store, "allocate", buffer.ptr(), buffer.len())?;
        guest.release(&mut store, buffer)?;
        let error = guest.release(&mut store, copy).unwrap_err();
        assert!(matches!(
            error,
            Error::Call {
                guest_message: Some(_),
                ..
            }
        ));
        record(
            "Call (a double free, caught by the checked allocator)",
            error,
        );

        // Typed values.
        let (store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
        record(
            "Misaligned",
            guest.read_value::<u64>(&store, 3).unwrap_err(),
        );
        record(
            "ValueOutOfBounds",
            guest.read_value::<u64>(&store, u32::MAX - 7).unwrap_err(),
        );

        // Leaks.
        let (mut store, guest) = build(book_listings::CH08_RUST_SHOUT, Convention::book())?;
        let _still_held = guest.write(&mut store, b"held")?;
        let error = guest.check_leaks().unwrap_err();
        assert!(matches!(error, Error::Leaks(_)));
        record("Leaks", error);

        // The line number changes as this file does; the file name does not.
        assert_expected_redacted(
            "ch08-errors.txt",
            &report,
            &[("[LINE]", r"ch08_a_small_utility\.rs:(?<redacted>\d+)")],
        );
        Ok(())
    }
}

/// Earlier chapters' host code, rewritten with the crate.
pub mod rewritten {
    use super::build;
    use wasm_memory_host::{Convention, Error, GuestBuilder, PackingOrder};

    #[test]
    fn chapter_4_greet() -> Result<(), Error> {
        // ANCHOR: greet_after
        let (mut store, guest) = build(book_listings::CH04_PACKED_RETURN, Convention::book())?;
        let greeting = guest.call_string(&mut store, "greet", "Ferris")?;
        assert_eq!(greeting, "Hello, Ferris!");
        // ANCHOR_END: greet_after
        guest.check_leaks()?;
        Ok(())
    }

    #[test]
    fn chapter_6_kept_greeting() -> Result<(), Error> {
        let module = book_listings::module(book_listings::CH06_GO_GREETER)?;
        let (mut store, guest) = GuestBuilder::new(book_listings::engine())
            .wasi_reactor()
            .instantiate(&module, Convention::book())?;
        // ANCHOR: kept_after
        let greet_kept = guest
            .instance()
            .get_typed_func::<u32, u64>(&mut store, "greet_kept")?;
        let packed = greet_kept.call(&mut store, 10)?;

        let (ptr, len) = PackingOrder::PointerLow.unpack(packed);
        let greeting = guest.take(&store, "greet_kept", ptr, len)?; // must be released
        let bytes = guest.read(&store, &greeting)?;
        guest.release(&mut store, greeting)?; // deallocate(ptr, len)
        // ANCHOR_END: kept_after
        assert!(bytes.starts_with(b"call 1: hello"));
        guest.check_leaks()?;
        Ok(())
    }
}
