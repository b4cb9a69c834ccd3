//! The hosts of chapter 17's task (`shout`, `checksum`) in the models that
//! run on wasmtime, shared by its tests and its benchmark, so that what is
//! measured is what is shown. The component's host is [`crate::component`].

use wasm_memory_host::{Convention, Error, Export, Guest, GuestBuilder, GuestState, InputExport};
use wasmtime::{Engine, Instance, Memory, Module, Store, TypedFunc};

// ANCHOR: hand_written
/// The hand-written model: raw wasmtime calls over
/// `listings/ch17-choosing-a-model/hand-written` (or any guest with its
/// exports, which imports nothing), the pattern of chapters 3 to 5 and nothing more. It trusts
/// the guest: a `(ptr, len)` outside memory makes the slicing panic.
pub struct HandWritten {
    store: Store<()>,
    memory: Memory,
    allocate: TypedFunc<u32, u32>,
    deallocate: TypedFunc<(u32, u32), ()>,
    shout: TypedFunc<(u32, u32), u64>,
    checksum: TypedFunc<(u32, u32), u32>,
}

impl HandWritten {
    /// Instantiates the guest at `wasm_path`.
    pub fn new(engine: &Engine, wasm_path: &str) -> wasmtime::Result<Self> {
        let module = Module::from_file(engine, wasm_path)?;
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| wasmtime::Error::msg("no memory export"))?;
        Ok(HandWritten {
            memory,
            allocate: instance.get_typed_func(&mut store, "allocate")?,
            deallocate: instance.get_typed_func(&mut store, "deallocate")?,
            shout: instance.get_typed_func(&mut store, "shout")?,
            checksum: instance.get_typed_func(&mut store, "checksum")?,
            store,
        })
    }

    /// Copies `bytes` into a new guest buffer: `(ptr, len)`.
    fn copy_in(&mut self, bytes: &[u8]) -> wasmtime::Result<(u32, u32)> {
        let len = u32::try_from(bytes.len())?;
        let ptr = self.allocate.call(&mut self.store, len)?;
        self.memory.data_mut(&mut self.store)[ptr as usize..][..bytes.len()].copy_from_slice(bytes);
        Ok((ptr, len))
    }

    /// `shout`: allocate, write, call, read, free both buffers.
    pub fn shout(&mut self, text: &str) -> wasmtime::Result<String> {
        let (ptr, len) = self.copy_in(text.as_bytes())?;
        let packed = self.shout.call(&mut self.store, (ptr, len))?;
        self.deallocate.call(&mut self.store, (ptr, len))?;
        let (out, out_len) = (packed as u32, (packed >> 32) as u32);
        let bytes = self.memory.data(&self.store)[out as usize..][..out_len as usize].to_vec();
        self.deallocate.call(&mut self.store, (out, out_len))?;
        Ok(String::from_utf8(bytes)?)
    }

    /// `checksum`: allocate, write, call, free; a number comes back.
    pub fn checksum(&mut self, bytes: &[u8]) -> wasmtime::Result<u32> {
        let (ptr, len) = self.copy_in(bytes)?;
        let sum = self.checksum.call(&mut self.store, (ptr, len))?;
        self.deallocate.call(&mut self.store, (ptr, len))?;
        Ok(sum)
    }
}
// ANCHOR_END: hand_written

// ANCHOR: utility
/// The same guest through `wasm-memory-host`: every `(ptr, len)` checked,
/// every buffer in the ledger.
pub struct WithUtility {
    store: Store<GuestState>,
    guest: Guest,
    shout: Export,
    checksum: InputExport<u32>,
}

impl WithUtility {
    /// Instantiates the guest at `wasm_path` under the book's convention.
    pub fn new(engine: &Engine, wasm_path: &str) -> Result<Self, Error> {
        Self::with_shout(engine, wasm_path, "shout")
    }

    /// The same, with the export `shout_export` as [`Self::shout`]: for
    /// the benchmark's guest that trusts its host's UTF-8.
    pub fn with_shout(engine: &Engine, wasm_path: &str, shout_export: &str) -> Result<Self, Error> {
        let module = Module::from_file(engine, wasm_path)?;
        let (mut store, guest) = GuestBuilder::new(engine)
            .instantiate(&module, Convention::allocate_deallocate_packed())?;
        Ok(WithUtility {
            shout: guest.export(&mut store, shout_export)?,
            checksum: guest.input_export(&mut store, "checksum")?,
            guest,
            store,
        })
    }

    /// `shout`: one call does what [`HandWritten::shout`] does, checked.
    pub fn shout(&mut self, text: &str) -> Result<String, Error> {
        self.shout.call_string(&mut self.store, text)
    }

    /// `checksum`: the same for bytes in and a number out, which needs
    /// no checks.
    pub fn checksum(&mut self, bytes: &[u8]) -> Result<u32, Error> {
        self.checksum.call(&mut self.store, bytes)
    }

    /// The guest, for its ledger.
    pub fn guest(&self) -> &Guest {
        &self.guest
    }
}
// ANCHOR_END: utility
