pub mod allocate_deallocate {

    #[test]
    fn a_buffer_from_allocate_holds_what_the_host_writes() -> wasmtime::Result<()> {
        let (mut store, instance) =
            book_harness::instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        let first = allocate.call(&mut store, 16)?;
        let second = allocate.call(&mut store, 16)?;
        assert!(first != 0 && second != 0);
        assert!(
            first + 16 <= second || second + 16 <= first,
            "buffers overlap"
        );
        memory.write(&mut store, first as usize, &[1; 16])?;
        memory.write(&mut store, second as usize, &[2; 16])?;
        assert_eq!(memory.data(&store)[first as usize..][..16], [1; 16]);

        deallocate.call(&mut store, (first, 16))?;
        deallocate.call(&mut store, (second, 16))?;
        // The allocator reuses freed memory.
        assert_eq!(allocate.call(&mut store, 16)?, first);
        Ok(())
    }

    #[test]
    fn zero_bytes_is_a_dangling_pointer() -> wasmtime::Result<()> {
        let (mut store, instance) =
            book_harness::instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let deallocate = instance.get_typed_func::<(u32, u32), ()>(&mut store, "deallocate")?;
        assert_eq!(allocate.call(&mut store, 0)?, 1);
        deallocate.call(&mut store, (1, 0))?;
        Ok(())
    }

    #[test]
    fn failure_is_a_zero_pointer() -> wasmtime::Result<()> {
        // 32 pages at most: a 4 MiB allocation cannot succeed.
        let (mut store, instance) = book_harness::Setup::default()
            .max_memory_pages(32)
            .instantiate(book_harness::CH03_ALLOCATE_DEALLOCATE)?;
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;

        assert_eq!(allocate.call(&mut store, 4 << 20)?, 0); // memory.grow refused
        assert_eq!(allocate.call(&mut store, u32::MAX)?, 0); // no valid layout
        assert_ne!(allocate.call(&mut store, 1024)?, 0); // small ones still work
        Ok(())
    }
}

pub mod sum_bytes {
    use book_harness::PAGE_SIZE;
    use book_harness::round_trip::call_with_bytes;

    #[test]
    fn the_guest_reads_what_the_host_wrote() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_SUM_BYTES)?;
        let input = b"bytes in linear memory";
        let sum: u32 = call_with_bytes(&mut store, &instance, "sum_bytes", input)?;
        assert_eq!(sum, input.iter().map(|&byte| u32::from(byte)).sum::<u32>());
        Ok(())
    }

    /// The other way to get room in guest memory: the host grows the memory
    /// and keeps the new page. Rust's allocator only uses pages it grew
    /// itself, so it never hands this one out.
    #[test]
    fn host_owned_pages_are_left_alone() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_SUM_BYTES)?;
        // ANCHOR: host_owned_page
        let allocate = instance.get_typed_func::<u32, u32>(&mut store, "allocate")?;
        let sum_bytes = instance.get_typed_func::<(u32, u32), u32>(&mut store, "sum_bytes")?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");

        // The host claims a page: it grows the memory and keeps the new page.
        let host_page = usize::try_from(memory.grow(&mut store, 1)?)? * PAGE_SIZE;
        memory.write(&mut store, host_page, &[1, 2, 3])?;
        assert_eq!(
            sum_bytes.call(&mut store, (u32::try_from(host_page)?, 3))?,
            6
        );

        // The guest allocates 1 MiB for itself: none of it is the host's page.
        for _ in 0..256 {
            let ptr = allocate.call(&mut store, 4096)? as usize;
            assert!(ptr + 4096 <= host_page || ptr >= host_page + PAGE_SIZE);
        }
        assert_eq!(memory.data(&store)[host_page..host_page + 3], [1, 2, 3]);
        // ANCHOR_END: host_owned_page
        Ok(())
    }
}

pub mod utf8_strings {
    use book_harness::round_trip::call_with_bytes;

    #[test]
    fn the_guest_counts_characters_not_bytes() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH03_UTF8_STRINGS)?;
        // ANCHOR: count_chars
        // A Rust `&str` is UTF-8 already: its bytes are the string.
        let text = "héllo, wörld";
        assert_eq!(text.len(), 14); // bytes
        let chars: i32 = call_with_bytes(&mut store, &instance, "count_chars", text.as_bytes())?;
        assert_eq!(chars, 12);

        // Bytes that are not UTF-8 are refused by the guest, not trusted.
        let not_utf8 = [b'h', 0xff, b'i'];
        let chars: i32 = call_with_bytes(&mut store, &instance, "count_chars", &not_utf8)?;
        assert_eq!(chars, -1);
        // ANCHOR_END: count_chars
        Ok(())
    }
}
