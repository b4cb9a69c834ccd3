//! Chapter 19: beyond one 32-bit memory. Each listing uses a feature of
//! Wasm 3.0 or of the threads proposal, under wasmtime 48: a 64-bit
//! memory, two memories, a shared memory written by another thread, GC
//! arrays instead of linear memory, and a memory the guest grows.

use book_harness::expected::assert_expected;
use book_harness::{CH19_GC_BYTES, CH19_MAILBOX, CH19_MEMORY64, CH19_SHARED_WRITER};
use wasmtime::{Config, Engine, Module};

// ANCHOR: refused_without
/// The error a module gets from an engine with one wasm feature turned off.
fn refused_without(wasm_path: &str, switch_off: impl FnOnce(&mut Config)) -> String {
    let mut config = Config::new();
    switch_off(&mut config);
    let engine = Engine::new(&config).expect("an engine");
    let error = Module::from_file(&engine, wasm_path).expect_err("the feature is off");
    format!("{error:#}")
}
// ANCHOR_END: refused_without

/// Every feature of this chapter is on in wasmtime 48's default `Config`
/// (the crate features `gc`, `gc-copying` and `threads` are this crate's
/// choice, in its Cargo.toml); each has a switch that turns it off, and the
/// error then names the feature.
#[test]
fn each_feature_is_on_by_default_and_has_a_switch() {
    let engine = Engine::default();
    let listings = [
        ("memory64", CH19_MEMORY64),
        ("multi-memory", CH19_MAILBOX),
        ("threads", CH19_SHARED_WRITER),
        ("gc", CH19_GC_BYTES),
    ];
    for (feature, wasm) in listings {
        Module::from_file(&engine, wasm)
            .unwrap_or_else(|error| panic!("{feature} is on by default: {error:#}"));
    }
    // ANCHOR: switches
    let refusals = [
        (
            "wasm_memory64(false)",
            refused_without(CH19_MEMORY64, |c| {
                c.wasm_memory64(false);
            }),
        ),
        (
            "wasm_multi_memory(false)",
            refused_without(CH19_MAILBOX, |c| {
                c.wasm_multi_memory(false);
            }),
        ),
        (
            "wasm_threads(false)",
            refused_without(CH19_SHARED_WRITER, |c| {
                c.wasm_threads(false);
            }),
        ),
        (
            "wasm_gc(false)",
            refused_without(CH19_GC_BYTES, |c| {
                c.wasm_gc(false);
            }),
        ),
    ];
    // ANCHOR_END: switches
    let report: String = refusals
        .iter()
        .map(|(switch, error)| format!("{switch}:\n  {}\n", error.replace('\n', "\n  ")))
        .collect();
    assert_expected("ch19-beyond-one-memory/switches.txt", &report);
}

/// A memory indexed by `i64`, and the three shapes of a 128-bit result.
pub mod memory64 {
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::{GuestSliceError, read_bytes, read_string};
    use wasmtime::{Engine, Instance, Memory, Module, Store};

    const MAX_LEN: u64 = 1 << 20;

    fn instantiate() -> wasmtime::Result<(Store<()>, Instance, Memory)> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_MEMORY64)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        Ok((store, instance, memory))
    }

    /// Copies `text` into a buffer the guest allocates; its `(ptr, len)`.
    fn copy_in(
        store: &mut Store<()>,
        instance: &Instance,
        memory: &Memory,
        text: &str,
    ) -> wasmtime::Result<(u64, u64)> {
        let allocate = instance.get_typed_func::<u64, u64>(&mut *store, "allocate")?;
        let len = text.len() as u64;
        let ptr = allocate.call(&mut *store, len)?;
        memory.write(&mut *store, usize::try_from(ptr)?, text.as_bytes())?;
        Ok((ptr, len))
    }

    #[test]
    fn the_memory_is_64_bit_and_wasmtime_says_so() -> wasmtime::Result<()> {
        let (store, _, memory) = instantiate()?;
        let ty = memory.ty(&store);
        assert!(ty.is_64());
        assert_eq!(ty.minimum(), 1);
        assert_eq!(memory.data_size(&store), book_harness::PAGE_SIZE);
        Ok(())
    }

    #[test]
    fn three_shapes_of_a_128_bit_result() -> wasmtime::Result<()> {
        let (mut store, instance, memory) = instantiate()?;
        let (ptr, len) = copy_in(&mut store, &instance, &memory, "hello, memory64")?;

        // ANCHOR: two_results
        let shout_pair =
            instance.get_typed_func::<(u64, u64), (u64, u64)>(&mut store, "shout_pair")?;
        let (out, out_len) = shout_pair.call(&mut store, (ptr, len))?;
        let pair = read_string(&store, &memory, out, out_len, MAX_LEN)?;
        // ANCHOR_END: two_results

        // ANCHOR: out_pointer
        let allocate = instance.get_typed_func::<u64, u64>(&mut store, "allocate")?;
        let area = allocate.call(&mut store, 16)?; // 16 bytes for the pair
        let shout_out = instance.get_typed_func::<(u64, u64, u64), ()>(&mut store, "shout_out")?;
        shout_out.call(&mut store, (ptr, len, area))?;
        let (out, out_len) = two_u64s(&read_bytes(&store, &memory, area, 16, 16)?);
        let out_pointer = read_string(&store, &memory, out, out_len, MAX_LEN)?;
        // ANCHOR_END: out_pointer

        // ANCHOR: return_area
        let shout = instance.get_typed_func::<(u64, u64), u64>(&mut store, "shout_return_area")?;
        let area = shout.call(&mut store, (ptr, len))?;
        let (out, out_len) = two_u64s(&read_bytes(&store, &memory, area, 16, 16)?);
        let return_area = read_string(&store, &memory, out, out_len, MAX_LEN)?;
        // ANCHOR_END: return_area

        assert_eq!(pair, "HELLO, MEMORY64");
        assert_eq!(out_pointer, pair);
        assert_eq!(return_area, pair);
        Ok(())
    }

    // ANCHOR: two_u64s
    /// The pointer and the length the guest stored at an out-pointer or in a
    /// return area: two little-endian `u64`s, the pointer first.
    fn two_u64s(area: &[u8]) -> (u64, u64) {
        let (ptr, len) = area.split_at(8);
        let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        (word(ptr), word(len))
    }
    // ANCHOR_END: two_u64s

    /// The guest's lie: whatever `tell` told it, returned as `(ptr, len)`.
    fn told(ptr: u64, len: u64) -> wasmtime::Result<(Store<()>, Memory, u64, u64)> {
        let (mut store, instance, memory) = instantiate()?;
        instance
            .get_typed_func::<(u64, u64), ()>(&mut store, "tell")?
            .call(&mut store, (ptr, len))?;
        let lie = instance.get_typed_func::<(), (u64, u64)>(&mut store, "lie")?;
        let (ptr, len) = lie.call(&mut store, ())?;
        Ok((store, memory, ptr, len))
    }

    #[test]
    fn a_host_that_cuts_pointers_to_32_bits_reads_the_wrong_bytes() -> wasmtime::Result<()> {
        let (store, memory, ptr, len) = told(1 << 32, 9)?;
        // ANCHOR: truncated
        // Wrong: a host written for 32-bit memories, handed 64-bit values.
        let read = read_string(&store, &memory, ptr as u32, len as u32, 1024);
        // ANCHOR_END: truncated
        // No error: 4 GiB became address 0, and the host read page zero.
        assert_eq!(read.as_deref(), Ok("page zero"));
        Ok(())
    }

    #[test]
    fn a_pointer_past_4_gib_is_refused_in_64_bit_arithmetic() -> wasmtime::Result<()> {
        let (store, memory, ptr, len) = told(1 << 32, 9)?;
        // ANCHOR: checked
        let error = read_string(&store, &memory, ptr, len, MAX_LEN).unwrap_err();
        // ANCHOR_END: checked
        assert_eq!(
            error,
            GuestSliceError::OutOfBounds {
                ptr: 1 << 32,
                len: 9,
                memory_size: book_harness::PAGE_SIZE
            }
        );
        let (store, memory, ptr, len) = told(u64::MAX - 7, 16)?;
        let wraps = read_string(&store, &memory, ptr, len, MAX_LEN).unwrap_err();
        assert_eq!(wraps, GuestSliceError::Overflow { ptr, len });
        assert_expected(
            "ch19-beyond-one-memory/memory64-lies.txt",
            &format!("{error}\n{wraps}\n"),
        );
        Ok(())
    }
}

/// Two memories: a private heap and an exported mailbox.
pub mod mailbox {
    use wasm_memory_host::bounds::read_string;
    use wasmtime::{Engine, ExternType, Instance, Memory, Module, Store, TypedFunc};

    struct Mailbox {
        store: Store<()>,
        instance: Instance,
        mailbox: Memory,
        handle: TypedFunc<u32, i32>,
    }

    fn instantiate() -> wasmtime::Result<Mailbox> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_MAILBOX)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let mailbox = instance
            .get_memory(&mut store, "mailbox")
            .expect("exported");
        let handle = instance.get_typed_func(&mut store, "handle")?;
        Ok(Mailbox {
            store,
            instance,
            mailbox,
            handle,
        })
    }

    #[test]
    fn the_host_can_see_only_the_mailbox() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_MAILBOX)?;
        let memories: Vec<&str> = module
            .exports()
            .filter(|export| matches!(export.ty(), ExternType::Memory(_)))
            .map(|export| export.name())
            .collect();
        assert_eq!(memories, ["mailbox"]);
        // The heap holds the guest's data; no export reaches it.
        let exports: Vec<&str> = module.exports().map(|export| export.name()).collect();
        assert_eq!(exports, ["mailbox", "handle", "grow_heap", "heap_pages"]);
        let guest = instantiate()?;
        let mailbox = guest.mailbox.data(&guest.store);
        assert!(!mailbox.windows(5).any(|window| window == b"guest"));
        Ok(())
    }

    #[test]
    fn a_request_and_its_reply_cross_the_mailbox() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        // ANCHOR: round_trip
        let request = b"hello, mailbox";
        guest.mailbox.write(&mut guest.store, 0, request)?;
        let reply_len = guest.handle.call(&mut guest.store, request.len() as u32)?;
        let reply_len = u32::try_from(reply_len)?; // -1: the request was too long
        let reply = read_string(&guest.store, &guest.mailbox, 0, reply_len, 65_536)?;
        // ANCHOR_END: round_trip
        assert_eq!(reply, "HELLO, MAILBOX");
        Ok(())
    }

    #[test]
    fn the_heap_grows_and_the_mailbox_cannot() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        let grow_heap = guest
            .instance
            .get_typed_func::<u32, i32>(&mut guest.store, "grow_heap")?;
        let heap_pages = guest
            .instance
            .get_typed_func::<(), u32>(&mut guest.store, "heap_pages")?;
        assert_eq!(grow_heap.call(&mut guest.store, 3)?, 1);
        assert_eq!(heap_pages.call(&mut guest.store, ())?, 4);
        assert_eq!(
            guest.mailbox.data_size(&guest.store),
            book_harness::PAGE_SIZE
        );
        let error = guest.mailbox.grow(&mut guest.store, 1).unwrap_err();
        assert!(
            format!("{error:#}").contains("failed to grow memory"),
            "{error:#}"
        );
        Ok(())
    }

    #[test]
    fn a_request_longer_than_the_heap_has_room_for_is_refused() -> wasmtime::Result<()> {
        let mut guest = instantiate()?;
        // The heap keeps its first 1024 bytes for the guest's own data.
        assert_eq!(guest.handle.call(&mut guest.store, 64_513)?, -1);
        assert_eq!(guest.handle.call(&mut guest.store, 65_537)?, -1);
        assert_eq!(guest.handle.call(&mut guest.store, 64_512)?, 64_512);
        Ok(())
    }
}

/// A shared memory, imported by instances in two threads.
pub mod shared_writer {
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    use book_harness::PAGE_SIZE;
    use book_harness::expected::assert_expected;
    use wasm_memory_host::bounds::read_shared_bytes;
    use wasmtime::{Config, Engine, Instance, MemoryType, Module, SharedMemory, Store, TypedFunc};

    const GREETING: &str = "hello from another thread";
    const FLAG: u32 = 0;
    const MESSAGE: u32 = 64;

    /// One instance of the writer: its own store, the shared memory.
    // ANCHOR: writer
    /// The guest in another thread: a store of its own, over the same
    /// shared memory, and the exports that write into it.
    struct Writer {
        store: Store<()>,
        fill: TypedFunc<(u32, u32, u32), ()>,
        grow: TypedFunc<u32, i32>,
        publish: TypedFunc<(u32, u32), u32>,
    }

    impl Writer {
        fn new(module: &Module, memory: &SharedMemory) -> wasmtime::Result<Self> {
            let mut store = Store::new(module.engine(), ());
            let instance = Instance::new(&mut store, module, &[memory.clone().into()])?;
            Ok(Self {
                fill: instance.get_typed_func(&mut store, "fill")?,
                grow: instance.get_typed_func(&mut store, "grow")?,
                publish: instance.get_typed_func(&mut store, "publish")?,
                store,
            })
        }
    }
    // ANCHOR_END: writer

    // ANCHOR: order
    /// What the test tells the writer's thread to do, through
    /// `other.carry_out(order)`, which returns once it is done.
    enum Order {
        Fill { ptr: u32, len: u32, byte: u32 },
        Grow(u32),
    }
    // ANCHOR_END: order

    /// A writer in a thread of its own, which carries out one order at a
    /// time and answers when it is done: the test decides exactly when
    /// the other thread writes, so each run interleaves the same way.
    struct OtherThread {
        orders: mpsc::Sender<Order>,
        done: mpsc::Receiver<wasmtime::Result<()>>,
    }

    impl OtherThread {
        fn spawn(module: &Module, memory: &SharedMemory) -> Self {
            let (orders, inbox) = mpsc::channel::<Order>();
            let (report, done) = mpsc::channel();
            let (module, memory) = (module.clone(), memory.clone());
            thread::spawn(move || {
                let mut writer = match Writer::new(&module, &memory) {
                    Ok(writer) => writer,
                    Err(error) => return report.send(Err(error)).unwrap_or(()),
                };
                for order in inbox {
                    let result = match order {
                        Order::Fill { ptr, len, byte } => {
                            writer.fill.call(&mut writer.store, (ptr, len, byte))
                        }
                        Order::Grow(pages) => writer
                            .grow
                            .call(&mut writer.store, pages)
                            .map(|old| assert!(old > 0, "grew")),
                    };
                    if report.send(result).is_err() {
                        break;
                    }
                }
            });
            Self { orders, done }
        }

        fn carry_out(&self, order: Order) -> wasmtime::Result<()> {
            self.orders.send(order).expect("the thread is running");
            self.done.recv().expect("the thread answers")
        }
    }

    fn shared_memory() -> wasmtime::Result<(Module, SharedMemory)> {
        // ANCHOR: shared_memory
        let mut config = Config::new();
        config.shared_memory(true); // off by default, even with threads on
        let engine = Engine::new(&config)?;
        let memory = SharedMemory::new(&engine, MemoryType::shared(1, 16))?;
        // ANCHOR_END: shared_memory
        let module = Module::from_file(&engine, book_harness::CH19_SHARED_WRITER)?;
        Ok((module, memory))
    }

    #[test]
    fn a_shared_memory_must_have_a_maximum() -> wasmtime::Result<()> {
        let no_maximum = wat::parse_str("(module (memory 1 shared))")?;
        let error = Module::new(&Engine::default(), no_maximum).unwrap_err();
        assert_expected(
            "ch19-beyond-one-memory/shared-no-maximum.txt",
            &format!("{error:#}\n"),
        );
        Ok(())
    }

    #[test]
    fn the_default_engine_compiles_the_guest_but_makes_no_shared_memory() -> wasmtime::Result<()> {
        let engine = Engine::default();
        Module::from_file(&engine, book_harness::CH19_SHARED_WRITER)?;
        let error = SharedMemory::new(&engine, MemoryType::shared(1, 16)).unwrap_err();
        assert_expected(
            "ch19-beyond-one-memory/shared-memory-off.txt",
            &format!("{error:#}\n"),
        );
        Ok(())
    }

    #[test]
    fn the_host_waits_for_a_message_from_another_thread() -> wasmtime::Result<()> {
        let (module, memory) = shared_memory()?;
        // ANCHOR: wait
        let writer = {
            let (module, memory) = (module.clone(), memory.clone());
            thread::spawn(move || -> wasmtime::Result<u32> {
                let mut writer = Writer::new(&module, &memory)?;
                writer.publish.call(&mut writer.store, (FLAG, MESSAGE))
            })
        };
        // Sleeps until the flag is not 0 any more (or returns at once if the
        // writer was first).
        memory.atomic_wait32(FLAG.into(), 0, Some(Duration::from_secs(10)))?;
        let flag = read_shared_bytes(&memory, FLAG, 4, 4)?;
        let len = u32::from_le_bytes(flag.try_into().expect("4 bytes"));
        let message = read_shared_bytes(&memory, MESSAGE, len, 1024)?;
        // ANCHOR_END: wait
        assert_eq!(String::from_utf8(message)?, GREETING);
        writer.join().expect("the writer does not panic")?;
        Ok(())
    }

    /// Publishes the greeting, from an instance in this thread.
    fn publish_greeting(module: &Module, memory: &SharedMemory) -> wasmtime::Result<()> {
        let mut writer = Writer::new(module, memory)?;
        writer.publish.call(&mut writer.store, (FLAG, MESSAGE))?;
        Ok(())
    }

    #[test]
    fn bytes_checked_in_place_can_change_before_they_are_decoded() -> wasmtime::Result<()> {
        let (module, memory) = shared_memory()?;
        publish_greeting(&module, &memory)?;
        let other = OtherThread::spawn(&module, &memory);
        let len = GREETING.len() as u32;
        // ANCHOR: check_in_place
        // Wrong: read the bytes to check them...
        let checked = read_shared_bytes(&memory, MESSAGE, len, 1024)?;
        assert!(std::str::from_utf8(&checked).is_ok());
        // ...another thread writes (here, exactly now)...
        other.carry_out(Order::Fill {
            ptr: MESSAGE,
            len,
            byte: 0xff,
        })?;
        // ...then read them again to decode: not the bytes that were checked.
        let decoded = read_shared_bytes(&memory, MESSAGE, len, 1024)?;
        assert!(String::from_utf8(decoded).is_err());
        // ANCHOR_END: check_in_place
        Ok(())
    }

    #[test]
    fn a_copy_is_checked_and_decoded_whatever_other_threads_do() -> wasmtime::Result<()> {
        let (module, memory) = shared_memory()?;
        publish_greeting(&module, &memory)?;
        let other = OtherThread::spawn(&module, &memory);
        let len = GREETING.len() as u32;
        // ANCHOR: copy_first
        let copy = read_shared_bytes(&memory, MESSAGE, len, 1024)?;
        other.carry_out(Order::Fill {
            ptr: MESSAGE,
            len,
            byte: 0xff,
        })?;
        let message = String::from_utf8(copy)?; // the bytes that were copied
        // ANCHOR_END: copy_first
        assert_eq!(message, GREETING);
        Ok(())
    }

    #[test]
    fn the_memory_grows_under_the_host() -> wasmtime::Result<()> {
        let (module, memory) = shared_memory()?;
        let other = OtherThread::spawn(&module, &memory);
        // ANCHOR: grows_under_the_host
        let before = memory.data();
        other.carry_out(Order::Grow(2))?;
        // The slice the host holds keeps its length; the memory does not.
        assert_eq!(before.len(), PAGE_SIZE);
        assert_eq!(memory.data_size(), 3 * PAGE_SIZE);
        // ANCHOR_END: grows_under_the_host
        // A shared memory never moves: the old slice still points into it.
        assert_eq!(before.as_ptr(), memory.data().as_ptr());
        let past_the_old_end = (2 * PAGE_SIZE) as u32;
        other.carry_out(Order::Fill {
            ptr: past_the_old_end,
            len: 3,
            byte: u32::from(b'z'),
        })?;
        assert_eq!(read_shared_bytes(&memory, past_the_old_end, 3, 3)?, b"zzz");
        Ok(())
    }

    /// Not interleaved by the test: the other thread grows the memory page
    /// by page and writes while the host copies. Every copy is in bounds,
    /// and the size the host sees never goes down.
    #[test]
    fn copies_stay_in_bounds_while_another_thread_grows_and_writes() -> wasmtime::Result<()> {
        let (module, memory) = shared_memory()?;
        let grower = {
            let (module, memory) = (module.clone(), memory.clone());
            thread::spawn(move || -> wasmtime::Result<()> {
                let mut writer = Writer::new(&module, &memory)?;
                while writer.grow.call(&mut writer.store, 1)? > 0 {
                    let end = memory.data_size() as u32;
                    writer.fill.call(&mut writer.store, (end - 4096, 4096, 7))?;
                }
                Ok(())
            })
        };
        let mut last_size = 0;
        loop {
            let size = memory.data_size();
            assert!(size >= last_size, "a shared memory never shrinks");
            last_size = size;
            let tail = (size - 4096) as u32;
            let copy = read_shared_bytes(&memory, tail, 4096, 4096)?;
            assert_eq!(copy.len(), 4096);
            if grower.is_finished() {
                break;
            }
        }
        grower.join().expect("the grower does not panic")?;
        assert_eq!(memory.data_size(), 16 * PAGE_SIZE);
        Ok(())
    }
}

/// GC arrays instead of linear memory.
pub mod gc_bytes {
    use wasmtime::{
        ArrayRef, ArrayRefPre, ArrayType, AsContextMut, Engine, ExternType, Func, HeapType,
        Instance, Module, OwnedRooted, RootScope, Store, StoreLimits, StoreLimitsBuilder, Trap,
        Val, ValType,
    };

    fn instantiate() -> wasmtime::Result<(Store<()>, Instance)> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_GC_BYTES)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        Ok((store, instance))
    }

    /// The array type of `shout`'s parameter: the guest's `$bytes`.
    // ANCHOR: bytes_type
    /// The guest's array type of bytes, read from `shout`'s parameter.
    fn bytes_type(mut store: impl AsContextMut, instance: &Instance) -> ArrayType {
        let shout = instance.get_func(&mut store, "shout").expect("exported");
        match shout.ty(&store).params().next() {
            Some(ValType::Ref(reference)) => match reference.heap_type() {
                HeapType::ConcreteArray(array) => array.clone(),
                other => panic!("not a concrete array type: {other}"),
            },
            other => panic!("not a reference: {other:?}"),
        }
    }
    // ANCHOR_END: bytes_type

    #[test]
    fn the_guest_has_no_linear_memory() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_GC_BYTES)?;
        assert!(
            !module
                .exports()
                .any(|export| matches!(export.ty(), ExternType::Memory(_)))
        );
        assert_eq!(module.imports().count(), 0);
        Ok(())
    }

    /// Calls `shout` with `text` as a new GC array; the result, read out.
    fn shout(store: &mut Store<()>, instance: &Instance, text: &[u8]) -> wasmtime::Result<Vec<u8>> {
        let shout = instance.get_func(&mut *store, "shout").expect("exported");
        // ANCHOR: shout
        let ty = bytes_type(&mut *store, instance);
        let bytes = ArrayRefPre::new(&mut *store, ty);
        let input = ArrayRef::new_from_i8_slice(&mut *store, &bytes, text)?;
        let mut result = [Val::null_any_ref()];
        shout.call(
            &mut *store,
            &[Val::AnyRef(Some(input.to_anyref()))],
            &mut result,
        )?;
        let output = result[0]
            .unwrap_anyref()
            .expect("not null")
            .unwrap_array(&*store)?;
        let mut shouted = vec![0; output.len(&*store)? as usize];
        output.copy_to_i8_slice(&mut *store, &mut shouted)?;
        // ANCHOR_END: shout
        Ok(shouted)
    }

    #[test]
    fn bytes_cross_as_a_gc_array_not_a_pointer() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        assert_eq!(shout(&mut store, &instance, b"hello, gc")?, b"HELLO, GC");
        Ok(())
    }

    #[test]
    fn a_host_that_cannot_see_inside_copies_one_byte_per_call() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        let new_bytes = instance
            .get_func(&mut store, "new_bytes")
            .expect("exported");
        let set_byte = instance.get_func(&mut store, "set_byte").expect("exported");
        let byte_at = instance.get_func(&mut store, "byte_at").expect("exported");
        let text = b"one by one";
        let mut array = [Val::null_any_ref()];
        new_bytes.call(&mut store, &[Val::I32(text.len() as i32)], &mut array)?;
        for (i, byte) in text.iter().enumerate() {
            set_byte.call(
                &mut store,
                &[array[0], Val::I32(i as i32), Val::I32(i32::from(*byte))],
                &mut [],
            )?;
        }
        let shout = instance.get_func(&mut store, "shout").expect("exported");
        let mut shouted = [Val::null_any_ref()];
        shout.call(&mut store, &array, &mut shouted)?;
        let mut read = Vec::new();
        for i in 0..text.len() {
            let mut byte = [Val::I32(0)];
            byte_at.call(&mut store, &[shouted[0], Val::I32(i as i32)], &mut byte)?;
            read.push(u8::try_from(byte[0].unwrap_i32())?);
        }
        assert_eq!(read, b"ONE BY ONE");
        // The engine checks every index: one past the end is a trap.
        let past_the_end = Val::I32(text.len() as i32);
        let error = byte_at
            .call(&mut store, &[shouted[0], past_the_end], &mut [Val::I32(0)])
            .unwrap_err();
        assert_eq!(error.downcast_ref::<Trap>(), Some(&Trap::ArrayOutOfBounds));
        Ok(())
    }

    /// A store whose GC heap may not grow past 4 MiB, so that making more
    /// garbage than that succeeds only if the collector reclaims it.
    fn limited() -> wasmtime::Result<(Store<StoreLimits>, Instance, Func)> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_GC_BYTES)?;
        let limits = StoreLimitsBuilder::new().memory_size(4 << 20).build();
        let mut store = Store::new(&engine, limits);
        store.limiter(|limits| limits);
        let instance = Instance::new(&mut store, &module, &[])?;
        let new_bytes = instance
            .get_func(&mut store, "new_bytes")
            .expect("exported");
        Ok((store, instance, new_bytes))
    }

    /// Chapter 6's hazard, a buffer reclaimed before the host read it, has
    /// no counterpart: the host's reference is a root the collector sees.
    #[test]
    fn the_collector_keeps_what_the_host_holds() -> wasmtime::Result<()> {
        let (mut store, instance, new_bytes) = limited()?;
        // ANCHOR: owned
        let kept: OwnedRooted<ArrayRef> = {
            let mut scope = RootScope::new(&mut store);
            let ty = bytes_type(&mut scope, &instance);
            let pre = ArrayRefPre::new(&mut scope, ty);
            ArrayRef::new_from_i8_slice(&mut scope, &pre, b"kept by the host")?
                .to_owned_rooted(&mut scope)?
        };
        // ANCHOR_END: owned
        // 64 MiB of garbage in 1 KiB arrays, 16 times the heap's limit: the
        // collector runs whenever the heap is full.
        for _ in 0..64 {
            let mut scope = RootScope::new(&mut store);
            for _ in 0..1024 {
                let mut garbage = [Val::null_any_ref()];
                new_bytes.call(&mut scope, &[Val::I32(1024)], &mut garbage)?;
            }
        }
        let mut read = vec![0; kept.len(&store)? as usize];
        kept.copy_to_i8_slice(&mut store, &mut read)?;
        assert_eq!(read, b"kept by the host");
        Ok(())
    }

    /// The control: the same arrays, all kept by the host, do not fit in
    /// the limit. So the test above passes only because garbage is
    /// collected, and what the host holds is not.
    #[test]
    fn arrays_the_host_holds_are_never_collected() -> wasmtime::Result<()> {
        let (mut store, _, new_bytes) = limited()?;
        let mut held = Vec::new();
        let error = loop {
            let mut array = [Val::null_any_ref()];
            match new_bytes.call(&mut store, &[Val::I32(1024)], &mut array) {
                Ok(()) => held.push(
                    array[0]
                        .unwrap_anyref()
                        .expect("not null")
                        .to_owned_rooted(&mut store)?,
                ),
                Err(error) => break error,
            }
        };
        assert!(
            held.len() < 4096,
            "{} KiB held under a 4 MiB limit",
            held.len()
        );
        assert!(format!("{error:#}").contains("out of memory"), "{error:#}");
        Ok(())
    }

    /// The host's counterpart of a use after free is an error, not a read:
    /// a reference used after its scope ended is refused.
    #[test]
    fn a_reference_used_after_its_scope_is_an_error() -> wasmtime::Result<()> {
        let (mut store, instance) = instantiate()?;
        let escaped = {
            let mut scope = RootScope::new(&mut store);
            let ty = bytes_type(&mut scope, &instance);
            let pre = ArrayRefPre::new(&mut scope, ty);
            ArrayRef::new_from_i8_slice(&mut scope, &pre, b"gone")?
        };
        let error = escaped.len(&store).unwrap_err();
        assert!(format!("{error:#}").contains("unrooted"), "{error:#}");
        Ok(())
    }
}

/// The JS string builtins: imports that a JavaScript engine provides.
pub mod gc_strings {
    use wasmtime::{Engine, ExternType, Module};

    /// Node and Chromium run this guest (`harness/js/`, `harness/browser/`);
    /// here, that it imports exactly the three builtins, and nothing else:
    /// no memory, no allocator.
    #[test]
    fn it_imports_three_js_string_builtins_and_no_memory() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_GC_STRINGS)?;
        let imports: Vec<String> = module
            .imports()
            .map(|import| {
                assert!(matches!(import.ty(), ExternType::Func(_)));
                format!("{}.{}", import.module(), import.name())
            })
            .collect();
        assert_eq!(
            imports,
            [
                "wasm:js-string.length",
                "wasm:js-string.intoCharCodeArray",
                "wasm:js-string.fromCharCodeArray"
            ]
        );
        assert!(
            !module
                .exports()
                .any(|export| matches!(export.ty(), ExternType::Memory(_)))
        );
        Ok(())
    }
}

/// A memory the guest grows: wasmtime's view is borrowed per access.
pub mod growable {
    use wasmtime::{Engine, Instance, Module, Store};

    #[test]
    fn every_borrow_of_the_memory_sees_its_current_size() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, book_harness::CH19_GROWABLE)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        let grow = instance.get_typed_func::<u32, i32>(&mut store, "grow")?;
        let store_byte = instance.get_typed_func::<(u32, u32), ()>(&mut store, "store")?;
        assert_eq!(memory.data(&store).len(), book_harness::PAGE_SIZE);
        assert_eq!(grow.call(&mut store, 2)?, 1);
        store_byte.call(&mut store, (2 * book_harness::PAGE_SIZE as u32, 7))?;
        // `data` borrows the store: no view can outlive a call into the
        // guest, so every view is taken after the growth.
        let data = memory.data(&store);
        assert_eq!(data.len(), 3 * book_harness::PAGE_SIZE);
        assert_eq!(data[2 * book_harness::PAGE_SIZE], 7);
        assert_eq!(grow.call(&mut store, 2)?, -1, "the maximum is 4 pages");
        Ok(())
    }
}

/// Rust's `wasm64-unknown-unknown`: a tier 3 target with no prebuilt
/// standard library, built here with the nightly that `ci/setup` pins and
/// installs (with rust-src, and the crates `-Z build-std` needs, fetched:
/// this build runs offline).
pub mod wasm64_rust {
    use std::path::PathBuf;
    use std::process::Command;

    use wasm_memory_host::bounds::{read_bytes, read_string};
    use wasmtime::{Engine, Instance, Module, Store};

    /// Builds `harness/rust/wasm64-guest` and returns the path of its `.wasm`.
    fn build() -> PathBuf {
        let root = book_harness::repo_root();
        let tools = std::fs::read_to_string(root.join("ci/tools.env")).expect("ci/tools.env");
        let nightly = tools
            .lines()
            .find_map(|line| line.strip_prefix("RUST_NIGHTLY="))
            .expect("ci/tools.env pins RUST_NIGHTLY");
        let target_dir = root.join("target/wasm64-guest");
        // ANCHOR: build
        let output = Command::new("rustup")
            .args([
                "run",
                nightly,
                "cargo",
                "build",
                "--release",
                "--offline",
                "--locked",
            ])
            .args(["-Z", "build-std=core", "--target", "wasm64-unknown-unknown"])
            .arg("--manifest-path")
            .arg(root.join("harness/rust/wasm64-guest/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target_dir)
            // The test runs under the pinned stable toolchain's cargo.
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO")
            .output()
            .expect("rustup runs");
        // ANCHOR_END: build
        assert!(
            output.status.success(),
            "the wasm64 guest does not build with {nightly} (run ci/setup, which installs it):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        target_dir.join("wasm64-unknown-unknown/release/wasm64_guest.wasm")
    }

    #[test]
    fn rust_builds_a_wasm64_guest_whose_pointers_are_64_bit() -> wasmtime::Result<()> {
        let engine = Engine::default();
        let module = Module::from_file(&engine, build())?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "memory").expect("exported");
        assert!(memory.ty(&store).is_64());
        let pointer_size = instance.get_typed_func::<(), u64>(&mut store, "pointer_size")?;
        assert_eq!(pointer_size.call(&mut store, ())?, 8);

        let allocate = instance.get_typed_func::<u64, u64>(&mut store, "allocate")?;
        let shout = instance.get_typed_func::<(u64, u64, u64), ()>(&mut store, "shout")?;
        let text = b"hello from wasm64";
        let ptr = allocate.call(&mut store, text.len() as u64)?;
        memory.write(&mut store, usize::try_from(ptr)?, text)?;
        let out = allocate.call(&mut store, 16)?;
        shout.call(&mut store, (ptr, text.len() as u64, out))?;
        let result = read_bytes(&store, &memory, out, 16, 16)?;
        let word = |at: usize| u64::from_le_bytes(result[at..at + 8].try_into().expect("8 bytes"));
        let shouted = read_string(&store, &memory, word(0), word(8), 1024)?;
        assert_eq!(shouted, "HELLO FROM WASM64");
        Ok(())
    }
}

/// Why a stable Rust build cannot have a shared memory (wasm-bindgen#3190):
/// the linker makes one only when every object was compiled with the
/// `atomics` and `bulk-memory` features, and the standard library that
/// stable Rust ships for `wasm32-unknown-unknown` was not.
pub mod stable_shared_memory {
    use std::process::Command;

    /// What the linker says, with the hash in the object's name replaced.
    const REFUSAL: &str = "rust-lld: error: --shared-memory is disallowed by std-[HASH].o because it was not compiled with 'atomics' or 'bulk-memory' features.";

    #[test]
    fn the_prebuilt_standard_library_refuses_shared_memory() {
        let dir = book_harness::repo_root().join("target/stable-shared-memory");
        std::fs::create_dir_all(&dir).expect("a folder under target/");
        let source = dir.join("lib.rs");
        std::fs::write(
            &source,
            "#[unsafe(no_mangle)]\npub extern \"C\" fn next(counter: &std::sync::atomic::AtomicU32) -> u32 {\n    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst)\n}\n",
        )
        .expect("the source is written");
        // ANCHOR: shared_on_stable
        let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args(["--edition", "2024", "--crate-type", "cdylib"])
            .args(["--target", "wasm32-unknown-unknown", "-O"])
            .args(["-C", "target-feature=+atomics,+bulk-memory"])
            .args(["-C", "link-arg=--shared-memory"])
            .args(["-C", "link-arg=--max-memory=1048576"])
            .arg(&source)
            .arg("-o")
            .arg(dir.join("shared.wasm"))
            .output()
            .expect("rustc runs");
        // ANCHOR_END: shared_on_stable
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "stable Rust linked a shared memory"
        );
        let refusal = stderr
            .lines()
            .find(|line| line.contains("--shared-memory is disallowed by"))
            .unwrap_or_else(|| panic!("no refusal from the linker in:\n{stderr}"));
        // The object's name carries a hash of the toolchain: keep its crate.
        let (before, after) = refusal.split_once(" by ").expect("`by` an object");
        let (object, reason) = after.split_once(' ').expect("an object, then the reason");
        assert!(object.starts_with("std-"), "{refusal}");
        assert_eq!(
            format!(
                "{} by std-[HASH].o {reason}",
                before.trim().trim_start_matches("= note: ")
            ),
            REFUSAL
        );
    }
}

/// AssemblyScript#606's guest, as the builder compiles it (its own memory,
/// not shared): `greeting` makes a new string. The JavaScript test compiles
/// it again with a shared, imported memory and puts two instances on it.
pub mod as_threads {
    use wasm_memory_host::bounds::read_bytes;

    #[test]
    fn greeting_makes_a_string_in_the_guest_s_heap() -> wasmtime::Result<()> {
        let (mut store, instance) = book_harness::instantiate(book_harness::CH19_AS_THREADS)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("exports its memory");
        let name: Vec<u8> = "wasmtime"
            .encode_utf16()
            .flat_map(|unit| unit.to_le_bytes())
            .collect();
        let ptr = instance
            .get_typed_func::<(u32, u32), u32>(&mut store, "__new")?
            .call(&mut store, (u32::try_from(name.len())?, 2))?;
        memory.write(&mut store, ptr as usize, &name)?;
        let greeting = instance
            .get_typed_func::<u32, u32>(&mut store, "greeting")?
            .call(&mut store, ptr)?;
        let length = book_harness::assemblyscript::object_length(&store, &memory, greeting)?;
        let bytes = read_bytes(&store, &memory, greeting, length, 1024)?;
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units)?, "hello, wasmtime");
        Ok(())
    }
}
