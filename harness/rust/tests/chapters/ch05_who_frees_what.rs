//! Chapter 5's hosts in wasmtime. Each anchor shown in the chapter has a
//! twin in the Go, JavaScript and Python rooms that asserts the same thing
//! on the same compiled listing, and writes the same expected file; the
//! modules below them are the Rust-only tests of the reference page.

// ANCHOR: report_error
use wasmtime::{Caller, Engine, Extern, Instance, Linker, Module, Store};

/// Instantiates the guest at `wasm_path` with the import its allocator and
/// its panic hook report through, `wasm_memory.report_error(ptr, len)`. The
/// store keeps each message, for the host to read after the trap.
fn instantiate_reporting(wasm_path: &str) -> wasmtime::Result<(Store<Vec<String>>, Instance)> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, wasm_path)?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap(
        "wasm_memory",
        "report_error",
        |mut caller: Caller<'_, Vec<String>>, ptr: u32, len: u32| {
            let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                return;
            };
            // `get` checks the range: a message is a (ptr, len) like any other.
            let range = ptr as usize..(ptr as usize).saturating_add(len as usize);
            let message = match memory.data(&caller).get(range) {
                Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                None => format!("({len} bytes at {ptr:#x}, outside memory)"),
            };
            caller.data_mut().push(message);
        },
    )?;
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module)?;
    Ok((store, instance))
}
// ANCHOR_END: report_error

// ANCHOR: limited
use wasmtime::{StoreLimits, StoreLimitsBuilder};

/// Instantiates the guest at `wasm_path`, which imports nothing, in a store
/// whose memories may not grow past `pages` pages of 64 KiB: a refused
/// `memory.grow` returns -1 to the guest.
fn instantiate_limited(
    wasm_path: &str,
    pages: usize,
) -> wasmtime::Result<(Store<StoreLimits>, Instance)> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, wasm_path)?;
    let limits = StoreLimitsBuilder::new()
        .memory_size(pages * 65_536)
        .build();
    let mut store = Store::new(&engine, limits);
    store.limiter(|limits| limits);
    let instance = Instance::new(&mut store, &module, &[])?;
    Ok((store, instance))
}
// ANCHOR_END: limited

pub mod wrong_size {
    use super::instantiate_reporting;
    use book_harness::expected::assert_expected;
    use wasmtime::Trap;

    /// Listing 5-1's mistake under Rust's own allocator, in a release build
    /// and in one with debug assertions; and a wild length in both.
    #[test]
    fn std_s_allocator_traps_on_some_wrong_sizes_in_every_build() -> wasmtime::Result<()> {
        let release_wasm = book_harness::CH05_WRONG_FREE;
        let debug_wasm = book_harness::CH05_WRONG_FREE_DEBUG;
        // ANCHOR: wrong_size
        let mut report = String::new();
        for (allocated, freed) in [(64, 14), (14, 0x8000_0000)] {
            report.push_str(&format!(
                "allocate({allocated}), then deallocate(ptr, {freed}):\n"
            ));
            for (build, wasm) in [("release", release_wasm), ("debug", debug_wasm)] {
                // A fresh instance each time: after a trap, the heap is
                // whatever the allocator left half done.
                let (mut store, instance) = instantiate_reporting(wasm)?;
                let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
                let deallocate =
                    instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
                let ptr = allocate.call(&mut store, allocated)?;
                let outcome = match deallocate.call(&mut store, (ptr, freed)) {
                    Ok(()) => "quiet".to_owned(),
                    // The panic hook reported the message before the trap.
                    Err(_trap) => store.data().join(" ").replace('\n', " "),
                };
                report.push_str(&format!("  {build}: {outcome}\n"));
            }
        }
        // ANCHOR_END: wrong_size
        assert_eq!(report.matches("panicked at").count(), 4, "{report}");
        let (mut store, instance) = instantiate_reporting(release_wasm)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let ptr = allocate.call(&mut store, 64)?;
        let trap = deallocate.call(&mut store, (ptr, 14)).unwrap_err();
        assert_eq!(
            trap.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        assert_expected("ch05-who-frees-what/wrong-size-free.txt", &report);
        Ok(())
    }
}

pub mod checked_allocator {
    use super::instantiate_reporting;
    use book_harness::expected::assert_expected;
    use wasmtime::Trap;

    #[test]
    fn freeing_with_the_right_size_is_quiet() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate_reporting(book_harness::CH05_CHECKED_ALLOCATOR)?;
        let packed: u64 =
            book_harness::round_trip::call_with_bytes(&mut store, &instance, "greet", b"Ferris")?;
        let (ptr, len) = book_harness::round_trip::unpack_ptr_len(packed);
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        deallocate.call(&mut store, (ptr, len))?;
        assert!(store.data().is_empty());
        Ok(())
    }

    #[test]
    fn mismatched_sizes_and_double_frees_are_caught() -> wasmtime::Result<()> {
        let checked_wasm = book_harness::CH05_CHECKED_ALLOCATOR;
        // ANCHOR: checked
        let mut report = String::new();

        // Listing 5-1 hands over 14 bytes of a 64-byte buffer.
        let (mut store, instance) = instantiate_reporting(checked_wasm)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let greet =
            instance.get_typed_func::<(u32, u32), u64>(&mut store, "greet_with_spare_capacity")?;
        let name_ptr = allocate.call(&mut store, 6)?;
        memory.write(&mut store, name_ptr as usize, b"Ferris")?;
        let packed = greet.call(&mut store, (name_ptr, 6))?;
        deallocate.call(&mut store, (name_ptr, 6))?;
        let (ptr, len) = (packed as u32, (packed >> 32) as u32);
        let trap = deallocate.call(&mut store, (ptr, len)).unwrap_err();
        let wrong_size = store.data().join(" ");
        report.push_str(&format!("deallocate({ptr:#x}, {len}): {wrong_size}\n"));

        // A block freed twice, in a fresh instance.
        let (mut store, instance) = instantiate_reporting(checked_wasm)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let block = allocate.call(&mut store, 14)?;
        deallocate.call(&mut store, (block, 14))?; // its one owner, with its size: quiet
        let second_trap = deallocate.call(&mut store, (block, 14)).unwrap_err();
        let twice = store.data().join(" ");
        report.push_str(&format!("deallocate({block:#x}, 14) again: {twice}\n"));
        // ANCHOR_END: checked

        for trap in [trap, second_trap] {
            assert_eq!(
                trap.downcast_ref::<Trap>(),
                Some(&Trap::UnreachableCodeReached)
            );
        }
        assert!(wrong_size.contains("allocated with 64 bytes but freed with 14"));
        assert!(twice.contains("is not a live allocation"));
        assert_expected("ch05-who-frees-what/checked-allocator.txt", &report);
        assert_expected(
            "ch05-who-frees-what/one-owner.mmd",
            &format!(
                "flowchart LR\n  \
                 live[\"{block:#x}, 14 bytes<br>one owner: the host\"]\n  \
                 free[\"the allocator's again\"]\n  \
                 twice[\"trap: {block:#x} is not a live allocation\"]\n  \
                 spare[\"{ptr:#x}: 64 bytes allocated,<br>{len} handed over\"]\n  \
                 wrong[\"trap: allocated with 64 bytes<br>but freed with {len}\"]\n  \
                 live -- \"deallocate({block:#x}, 14)<br>once, with its size\" --> free\n  \
                 free -- \"deallocate({block:#x}, 14)<br>a second time\" --> twice\n  \
                 spare -- \"deallocate({ptr:#x}, {len})<br>the wrong size\" --> wrong\n"
            ),
        );
        Ok(())
    }
}

pub mod leak_on_purpose {
    use book_harness::expected::assert_expected;
    use book_harness::round_trip::call_with_bytes;
    use book_harness::round_trip::unpack_ptr_len;
    use wasm_memory_host::bounds::read_string;

    const CALLS: usize = 10_000;

    #[test]
    fn a_buffer_leaked_once_is_the_same_every_time() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH05_LEAK_ON_PURPOSE)?;
        let version = instance.get_typed_func::<(), u64>(&mut store, "version")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let first = version.call(&mut store, ())?;
        let (ptr, len) = unpack_ptr_len(first);
        assert_eq!(
            read_string(&store, &memory, ptr, len, 1024)?,
            "leak-on-purpose 0.1.0"
        );
        let pages = memory.size(&store);
        for _ in 0..CALLS {
            assert_eq!(version.call(&mut store, ())?, first);
        }
        assert_eq!(memory.size(&store), pages);
        Ok(())
    }

    /// Pages of memory after the first greeting and after `CALLS` of them,
    /// freeing each or not. (The first call may grow the memory: the heap
    /// starts out empty.)
    fn pages_after_greetings(free_each: bool) -> wasmtime::Result<(u64, u64)> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH05_LEAK_ON_PURPOSE)?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let name = [b'x'; 100];
        let mut after_first = 0;
        for call in 0..CALLS {
            let packed: u64 = call_with_bytes(&mut store, &instance, "greet", &name)?;
            if free_each {
                let (ptr, len) = unpack_ptr_len(packed);
                deallocate.call(&mut store, (ptr, len))?;
            }
            if call == 0 {
                after_first = memory.size(&store);
            }
        }
        Ok((after_first, memory.size(&store)))
    }

    #[test]
    fn a_buffer_leaked_per_call_grows_memory() -> wasmtime::Result<()> {
        let (first, leaked) = pages_after_greetings(false)?;
        let (first_freed, freed) = pages_after_greetings(true)?;
        assert_eq!(first, first_freed);
        assert!(leaked > first + 10, "{first} -> {leaked}");
        assert_eq!(freed, first);
        assert_expected(
            "ch05-who-frees-what/leak-on-purpose.txt",
            &format!(
                "greetings of 108 bytes     after 1 call    after {CALLS} calls\n\
                 host never frees           {first:>2} pages        {leaked:>3} pages\n\
                 host frees each one        {first:>2} pages        {freed:>3} pages\n"
            ),
        );
        Ok(())
    }
}

pub mod reallocate {
    use super::instantiate_limited;
    use book_harness::expected::assert_expected;

    #[test]
    fn a_grown_block_may_move_and_its_old_place_is_reused() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH05_REALLOCATE)?;
        // ANCHOR: moved
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let reallocate =
            instance.get_typed_func::<(u32, u32, u32), u32>(&mut store, "reallocate")?;
        let mut report = String::new();
        let mut sixteen = [0u8; 16];

        let old = allocate.call(&mut store, 16)?;
        memory.write(&mut store, old as usize, b"0123456789abcdef")?;
        let neighbour = allocate.call(&mut store, 16)?;
        report.push_str(&format!("allocate(16) = {old:#x}, then {neighbour:#x}\n"));

        // The block cannot grow where it is: the neighbour is in the way.
        let new = reallocate.call(&mut store, (old, 16, 64))?;
        memory.read(&store, new as usize, &mut sixteen)?;
        let moved = String::from_utf8_lossy(&sixteen).into_owned();
        report.push_str(&format!(
            "reallocate({old:#x}, 16, 64) = {new:#x}, holding \"{moved}\"\n"
        ));

        // `old` is free now, and the next allocation of its size gets it.
        let other = allocate.call(&mut store, 16)?;
        memory.write(&mut store, other as usize, b"someone else's..")?;
        memory.read(&store, old as usize, &mut sixteen)?;
        let at_old = String::from_utf8_lossy(&sixteen).into_owned();
        report.push_str(&format!(
            "allocate(16) = {other:#x}: at {old:#x} the host now reads \"{at_old}\"\n"
        ));

        // The host's rule: after a reallocation, only the new pointer.
        deallocate.call(&mut store, (new, 64))?;
        deallocate.call(&mut store, (other, 16))?;
        deallocate.call(&mut store, (neighbour, 16))?;
        // ANCHOR_END: moved
        assert_ne!(new, old);
        assert_eq!(moved, "0123456789abcdef");
        assert_eq!(other, old);
        assert_expected("ch05-who-frees-what/reallocate-moved.txt", &report);
        Ok(())
    }

    #[test]
    fn a_block_may_also_grow_and_shrink_where_it_is() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH05_REALLOCATE)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let reallocate =
            instance.get_typed_func::<(u32, u32, u32), u32>(&mut store, "reallocate")?;
        let ptr = allocate.call(&mut store, 16)?;
        // Nothing after it: it grows in place.
        assert_eq!(reallocate.call(&mut store, (ptr, 16, 64))?, ptr);
        // Shrinking keeps the start, and the first bytes.
        memory.write(&mut store, ptr as usize, b"kept")?;
        assert_eq!(reallocate.call(&mut store, (ptr, 64, 8))?, ptr);
        assert_eq!(&memory.data(&store)[ptr as usize..][..4], b"kept");
        deallocate.call(&mut store, (ptr, 8))?;
        Ok(())
    }

    #[test]
    fn a_refused_reallocation_returns_0_and_keeps_the_old_block() -> wasmtime::Result<()> {
        let wasm_path = book_harness::CH05_REALLOCATE;
        // ANCHOR: reallocate_refused
        // 32 pages at most: the heap cannot grow to 4 MiB.
        let (mut store, instance) = instantiate_limited(wasm_path, 32)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let reallocate =
            instance.get_typed_func::<(u32, u32, u32), u32>(&mut store, "reallocate")?;
        let old = allocate.call(&mut store, 16)?;
        memory.write(&mut store, old as usize, b"0123456789abcdef")?;

        let new = reallocate.call(&mut store, (old, 16, 4 << 20))?;

        // 0: refused. The old block is untouched, and still the host's.
        assert_eq!(new, 0);
        let mut kept = [0u8; 16];
        memory.read(&store, old as usize, &mut kept)?;
        assert_eq!(&kept, b"0123456789abcdef");
        deallocate.call(&mut store, (old, 16))?;
        // ANCHOR_END: reallocate_refused
        assert_expected(
            "ch05-who-frees-what/reallocate-refused.txt",
            &format!(
                "reallocate({old:#x}, 16, 4194304) = {new}; {old:#x} still holds \"0123456789abcdef\"\n"
            ),
        );
        Ok(())
    }
}

/// Running out of memory, with the greeter of Listing 4-1 under a limit.
pub mod out_of_memory {
    use super::instantiate_limited;
    use book_harness::expected::{assert_expected, assert_expected_redacted};
    use wasm_memory_host::{Convention, Error, Guest};
    use wasmtime::Trap;

    /// The most pages the guest's memory may grow to: 2 MiB, of which the
    /// heap has 15 pages (it starts after the guest's 1 MiB stack).
    const PAGES: usize = 32;

    #[test]
    fn running_out_inside_an_export_traps() -> wasmtime::Result<()> {
        let greeter_wasm = book_harness::CH04_PACKED_RETURN;
        // ANCHOR: trap
        let (mut store, instance) = instantiate_limited(greeter_wasm, PAGES)?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let greet = instance.get_typed_func::<(u32, u32), u64>(&mut store, "greet")?;

        // The name fits in the heap, but not twice: `greet`'s `format!`
        // cannot allocate the greeting.
        let name = vec![b'x'; 600 * 1024];
        let name_ptr = allocate.call(&mut store, name.len() as u32)?;
        assert_ne!(name_ptr, 0);
        memory.write(&mut store, name_ptr as usize, &name)?;
        let error = greet
            .call(&mut store, (name_ptr, name.len() as u32))
            .unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        // ANCHOR_END: trap
        assert_expected_redacted(
            "ch05-who-frees-what/out-of-memory-trap.txt",
            // What `{error:?}` prints, without the host's own backtrace
            // that `RUST_BACKTRACE=1` adds to it.
            &format!("{error}\n\nCaused by:\n    {}\n", error.root_cause()),
            &[
                ("[OFFSET]", r"\d+: +(?<redacted>0x[0-9a-f]+) - "),
                ("[HASH]", r"(?<redacted>\[[0-9a-f]{16}\])::"),
            ],
        );
        Ok(())
    }

    #[test]
    fn an_allocate_that_returns_0_is_an_error_the_host_can_handle() -> wasmtime::Result<()> {
        let greeter_wasm = book_harness::CH04_PACKED_RETURN;
        // ANCHOR: allocate_refused
        let (mut store, instance) = instantiate_limited(greeter_wasm, PAGES)?;
        let guest = Guest::new(
            &mut store,
            instance,
            Convention::allocate_deallocate_packed(),
        )?;
        let name = "x".repeat(4 << 20);
        let error = guest.call_string(&mut store, "greet", &name).unwrap_err();
        assert!(
            matches!(&error, Error::AllocationFailed { export, size: 4194304 } if export == "allocate")
        );

        // Nothing trapped: the same instance carries on.
        let greeting = guest.call_string(&mut store, "greet", "Ferris")?;
        assert_eq!(greeting, "Hello, Ferris!");
        // ANCHOR_END: allocate_refused
        assert_expected(
            "ch05-who-frees-what/out-of-memory-refused.txt",
            &format!(
                "greet(a name of 4194304 bytes): {error}\n\
                 greet(\"Ferris\") on the same instance: {greeting}\n"
            ),
        );
        Ok(())
    }
}

pub mod wrong_free {
    use book_harness::expected::assert_expected;
    use wasmtime::Trap;

    /// Lengths past `isize::MAX` on wasm32, which no allocation can have: a
    /// host's wild number, and `-2` read as unsigned.
    pub(super) const WILD_LENGTHS: [u32; 2] = [0x8000_0000, 0xffff_fffe];

    /// Allocates `allocated` bytes in a fresh instance of `wasm`, frees them
    /// with `freed`, and returns the guest's panic message if it trapped.
    pub(super) fn free_with(
        wasm: &str,
        allocated: u32,
        freed: u32,
    ) -> wasmtime::Result<Option<String>> {
        let (mut store, instance) = book_harness::instantiate(wasm)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let ptr = allocate.call(&mut store, allocated)?;
        match deallocate.call(&mut store, (ptr, freed)) {
            Ok(()) => Ok(None),
            Err(error) => {
                assert_eq!(
                    error.downcast_ref::<Trap>(),
                    Some(&Trap::UnreachableCodeReached)
                );
                let message = store
                    .data()
                    .messages()
                    .take()
                    .expect("the guest reported its panic");
                // One line: "panicked at <file:line:column>: <message>".
                Ok(Some(
                    message
                        .split('\n')
                        .filter(|line| !line.is_empty())
                        .collect::<Vec<_>>()
                        .join(" "),
                ))
            }
        }
    }

    /// What happens to a block of `allocated` bytes freed with each of
    /// `lengths`, as lines of a report; consecutive lengths with the same
    /// outcome share a line.
    pub(super) fn outcomes(
        wasm: &str,
        allocated: u32,
        lengths: impl IntoIterator<Item = u32>,
    ) -> wasmtime::Result<Vec<String>> {
        let mut runs: Vec<(u32, u32, Option<String>)> = Vec::new();
        for len in lengths {
            let outcome = free_with(wasm, allocated, len)?;
            match runs.last_mut() {
                Some((_, last, same)) if *last + 1 == len && *same == outcome => *last = len,
                _ => runs.push((len, len, outcome)),
            }
        }
        Ok(runs
            .into_iter()
            .map(|(first, last, outcome)| {
                let lengths = match (first, last) {
                    _ if first > 0xffff => format!("{first:#x}"),
                    _ if first == last => format!("{first}"),
                    _ => format!("{first} to {last}"),
                };
                let outcome =
                    outcome.map_or("quiet".to_owned(), |message| format!("trap: {message}"));
                format!("  len {lengths}: {outcome}\n")
            })
            .collect())
    }

    #[test]
    fn std_s_allocator_checks_the_size_against_the_block() -> wasmtime::Result<()> {
        let mut report = String::new();
        for allocated in [14, 64] {
            report.push_str(&format!(
                "allocate({allocated}), then deallocate(ptr, len) with\n"
            ));
            let lengths = (1..=2 * allocated).chain(WILD_LENGTHS);
            report.extend(outcomes(book_harness::CH05_WRONG_FREE, allocated, lengths)?);
        }
        assert_expected("ch05-who-frees-what/wrong-free.txt", &report);
        Ok(())
    }

    #[test]
    fn a_double_free_goes_unnoticed_and_one_block_is_handed_out_twice() -> wasmtime::Result<()> {
        let (mut store, instance) = super::instantiate_reporting(book_harness::CH05_WRONG_FREE)?;
        // ANCHOR: double_free
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;

        let ptr = allocate.call(&mut store, 14)?;
        let _neighbour = allocate.call(&mut store, 14)?;
        deallocate.call(&mut store, (ptr, 14))?;
        deallocate.call(&mut store, (ptr, 14))?; // no trap
        let next: Vec<u32> = (0..3)
            .map(|_| allocate.call(&mut store, 14))
            .collect::<Result<_, _>>()?;

        assert_eq!(next, [ptr, ptr, ptr]); // three owners for one block
        // ANCHOR_END: double_free
        assert!(store.data().is_empty(), "{:?}", store.data());
        assert_expected(
            "ch05-who-frees-what/double-free.txt",
            &format!(
                "deallocate({ptr:#x}, 14) twice: quiet\n\
                 allocate(14) three times: {:#x}, {:#x}, {:#x}\n",
                next[0], next[1], next[2]
            ),
        );
        Ok(())
    }
}

pub mod wrong_free_debug {
    use super::wrong_free::{WILD_LENGTHS, outcomes};
    use book_harness::expected::assert_expected_redacted;

    #[test]
    fn debug_assertions_check_the_layout_and_nothing_else() -> wasmtime::Result<()> {
        let mut report = String::new();
        for allocated in [14, 64] {
            // Up to `isize::MAX`, the same as the release build: dlmalloc is
            // part of the prebuilt standard library, not of this crate.
            let lengths = 1..=2 * allocated;
            assert_eq!(
                outcomes(
                    book_harness::CH05_WRONG_FREE_DEBUG,
                    allocated,
                    lengths.clone()
                )?,
                outcomes(book_harness::CH05_WRONG_FREE, allocated, lengths)?
            );
        }
        report.push_str("allocate(14), then deallocate(ptr, len) with\n");
        report.extend(outcomes(
            book_harness::CH05_WRONG_FREE_DEBUG,
            14,
            WILD_LENGTHS,
        )?);
        assert_expected_redacted(
            "ch05-who-frees-what/wrong-free-debug.txt",
            &report,
            &[("[LINE]", r"lib\.rs:(?<redacted>\d+:\d+)")],
        );
        Ok(())
    }
}

/// AssemblyScript#2651: 64 blocks of 64 MiB from `heap.alloc`, all kept,
/// need more than the 4 GiB a 32-bit memory can address.
pub mod as_heap_blocks {
    use book_harness::Host;
    use book_harness::expected::assert_expected;
    use wasmtime::{Instance, Store, Trap};

    /// The AssemblyScript guest, with the `env.abort` it imports.
    fn instantiate() -> wasmtime::Result<(Store<Host>, Instance)> {
        book_harness::instantiate(book_harness::CH05_AS_HEAP_BLOCKS)
    }

    #[test]
    fn sixty_four_blocks_of_64_mib_kept_run_out_of_4_gib() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        // ANCHOR: four_gib
        let keep = instance.get_typed_func::<(i32, u32), ()>(&mut store, "keepBlocks")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        // 63 blocks of 64 MiB fit: the memory is then almost 4 GiB.
        keep.call(&mut store, (63, 64 << 20))?;
        let pages = memory.size(&store);
        assert!(pages > 63 * 1024 && pages <= 65_536);
        // The 64th does not: `memory.grow` fails, and the allocator traps.
        let error = keep.call(&mut store, (1, 64 << 20)).unwrap_err();
        assert_eq!(
            error.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        // ANCHOR_END: four_gib
        assert_expected(
            "ch05-who-frees-what/as-heap-blocks.txt",
            &format!(
                "after 63 blocks of 64 MiB: {pages} pages of the 65536 a 32-bit memory may have\n\
                 the 64th block: {}\n",
                error.root_cause()
            ),
        );
        Ok(())
    }

    #[test]
    fn freeing_each_block_after_use_does_not_trap() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        // ANCHOR: free_each
        let free_each = instance.get_typed_func::<(i32, u32), ()>(&mut store, "freeEachBlock")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        free_each.call(&mut store, (64, 64 << 20))?;
        // One block's worth of pages, reused 64 times.
        let pages = memory.size(&store);
        assert!((1024..2 * 1024 + 2).contains(&pages));
        // ANCHOR_END: free_each
        Ok(())
    }
}
