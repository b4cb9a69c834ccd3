//! Chapter 17: one task (`shout`, `checksum`) under every memory model.

pub mod hand_written {
    use book_listings::component;
    use book_listings::models::{HandWritten, WithUtility};
    use wasmtime::Engine;

    /// The same inputs for every model: ASCII, non-ASCII, empty.
    const TEXTS: [(&str, &str); 3] = [("hello", "HELLO"), ("grüße", "GRÜSSE"), ("", "")];

    // ANCHOR: by_hand
    #[test]
    fn the_task_by_hand() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let mut guest = HandWritten::new(&engine, book_listings::CH17_HAND_WRITTEN)?;
        for (text, shouted) in TEXTS {
            assert_eq!(guest.shout(text)?, shouted);
        }
        assert_eq!(guest.checksum(&[1, 2, 250])?, 253);
        Ok(())
    }
    // ANCHOR_END: by_hand

    #[test]
    fn the_task_through_the_utility() -> Result<(), wasm_memory_host::Error> {
        let engine = Engine::default();
        let mut guest = WithUtility::new(&engine, book_listings::CH17_HAND_WRITTEN)?;
        for (text, shouted) in TEXTS {
            assert_eq!(guest.shout(text)?, shouted);
        }
        assert_eq!(guest.checksum(&[1, 2, 250])?, 253);
        guest.guest().check_leaks()?;
        Ok(())
    }

    /// The component of chapter 16 gives the same answers: the models
    /// differ in who does the work, not in what the task is.
    #[test]
    fn the_component_agrees() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let (mut store, shouter) = component::instantiate(&engine, "wasmtime")?;
        let mut guest = HandWritten::new(&engine, book_listings::CH17_HAND_WRITTEN)?;
        let bytes: Vec<u8> = (0..=255).cycle().take(70_000).collect();
        for (text, _) in TEXTS {
            assert_eq!(shouter.call_shout(&mut store, text)?, guest.shout(text)?);
        }
        assert_eq!(
            shouter.call_checksum(&mut store, &bytes)?,
            guest.checksum(&bytes)?
        );
        Ok(())
    }
}

pub mod lying_shout {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use book_listings::expected::assert_expected;
    use book_listings::models::{HandWritten, WithUtility};
    use wasmtime::Engine;

    // ANCHOR: trusting_host_panics
    /// The hand-written host slices memory with the guest's numbers: the
    /// lie panics the host, which is the host's crash, not the guest's.
    #[test]
    fn the_hand_written_host_panics() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let mut guest = HandWritten::new(&engine, book_listings::CH17_LYING_SHOUT)?;
        let panic = catch_unwind(AssertUnwindSafe(|| guest.shout("hello")))
            .expect_err("slicing past the end of memory panics");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(
            message,
            "range end index 16 out of range for slice of length 8"
        );
        assert_expected(
            "ch17-liar-hand-written.txt",
            &format!("a panic in the host: {message}\n"),
        );
        Ok(())
    }
    // ANCHOR_END: trusting_host_panics

    #[test]
    fn the_utility_returns_an_error() -> Result<(), wasm_memory_host::Error> {
        let engine = Engine::default();
        let mut guest = WithUtility::new(&engine, book_listings::CH17_LYING_SHOUT)?;
        let error = guest.shout("hello").expect_err("a lie");
        assert_expected(
            "ch17-liar-utility.txt",
            &format!("an error from the call: {error}\n"),
        );
        guest.guest().check_leaks()?;
        Ok(())
    }
}

pub mod extism_shout {
    //! What `#[plugin_fn]` compiles to, read from the plug-in's bytes. Its
    //! host tests are Go: crates/go/wazerohost/chapter17.

    use book_listings::signatures::{exported_functions, imported_functions};

    /// The compiled plug-in.
    fn plugin() -> Vec<u8> {
        std::fs::read(book_listings::CH17_EXTISM_SHOUT).expect("the compiled plug-in")
    }

    #[test]
    fn every_export_takes_nothing_and_returns_an_exit_code() {
        // The PDK exports no function of its own; besides these, the module
        // exports only its memory and the linker's `__data_end` and
        // `__heap_base` globals.
        let exports = exported_functions(&plugin()).expect("a valid module");
        let mut names: Vec<&str> = exports.iter().map(|export| export.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "allocate_and_free",
                "allocate_and_keep",
                "checksum",
                "lie",
                "shout"
            ]
        );
        for export in &exports {
            assert_eq!(export.ty(), "() -> (i32)", "{export}");
        }
    }

    #[test]
    fn every_import_is_the_kernel_s_and_takes_64_bit_offsets() {
        // Only what the plug-in uses is imported: input, output, error,
        // and the kernel's allocator. An offset into the kernel's memory is
        // an i64, even in a 32-bit module.
        let mut imports: Vec<String> = imported_functions(&plugin())
            .expect("a valid module")
            .iter()
            .map(
                |import| match import.name.strip_prefix("extism:host/env.") {
                    Some(name) => format!("{name}{}", import.ty()),
                    None => panic!("{import} is not the kernel's"),
                },
            )
            .collect();
        imports.sort();
        assert_eq!(
            imports,
            [
                "alloc(i64) -> (i64)",
                "error_set(i64) -> ()",
                "free(i64) -> ()",
                "input_length() -> (i64)",
                "input_load_u64(i64) -> (i64)",
                "input_load_u8(i64) -> (i32)",
                "output_set(i64, i64) -> ()",
                "store_u64(i64, i64) -> ()",
                "store_u8(i64, i32) -> ()",
            ]
        );
    }
}
