//! The calling conventions a guest may follow. Nothing here is guessed: the
//! host says which one a guest uses, and [`crate::Guest::new`] checks that
//! the guest exports what that convention needs, with the right types, after
//! [`Convention::check`] has made sure the convention makes sense.

use crate::Error;

/// Which half of a packed `u64` holds the pointer.
///
/// Exhaustive on purpose, unlike this crate's other enums: a `u64` has two
/// halves, so there is no third order to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackingOrder {
    /// Pointer in the low 32 bits, length in the high 32 bits
    /// (`(len << 32) | ptr`): the order of [`Convention::allocate_deallocate_packed`]
    /// and of `wasm-memory-guest`.
    PointerLow,
    /// Pointer in the high 32 bits, length in the low 32 bits: the order of
    /// wazero's examples and of the TinyGo guests written after them.
    PointerHigh,
}

impl PackingOrder {
    /// Splits `packed` into `(ptr, len)`.
    ///
    /// ```
    /// use wasm_memory_host::PackingOrder;
    /// let packed = 0x0000_000e_0011_0018;
    /// assert_eq!(PackingOrder::PointerLow.unpack(packed), (0x0011_0018, 14));
    /// assert_eq!(PackingOrder::PointerHigh.unpack(packed), (14, 0x0011_0018));
    /// ```
    pub fn unpack(self, packed: u64) -> (u32, u32) {
        let (low, high) = (packed as u32, (packed >> 32) as u32);
        match self {
            PackingOrder::PointerLow => (low, high),
            PackingOrder::PointerHigh => (high, low),
        }
    }

    /// Packs `ptr` and `len` into one `u64`; the inverse of [`Self::unpack`].
    pub fn pack(self, ptr: u32, len: u32) -> u64 {
        let (low, high) = match self {
            PackingOrder::PointerLow => (ptr, len),
            PackingOrder::PointerHigh => (len, ptr),
        };
        (u64::from(high) << 32) | u64::from(low)
    }
}

/// How the host gets buffers inside the guest, and how buffers are freed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Allocator {
    /// `allocate(size) -> ptr` and `deallocate(ptr, size)`: Rust guests
    /// built on `wasm-memory-guest`, and Go guests built on the `keepalive`
    /// package. The host frees its inputs and the results it is handed,
    /// passing their sizes.
    AllocateDeallocate {
        /// The export that allocates.
        allocate: String,
        /// The export that frees.
        deallocate: String,
    },
    /// `malloc(size) -> ptr` and `free(ptr)`: C guests, and TinyGo, whose
    /// wasm targets export these. The host frees inputs and results.
    MallocFree {
        /// The export that allocates.
        malloc: String,
        /// The export that frees.
        free: String,
    },
    /// `cabi_realloc(old_ptr, old_size, align, new_size) -> ptr`, the
    /// canonical ABI's allocator. An input belongs to the guest once it is
    /// passed; a result stays the guest's, which frees it in
    /// `cabi_post_<export>(packed)` when it exports that function.
    CabiRealloc {
        /// The export that allocates.
        realloc: String,
    },
    /// AssemblyScript's runtime (`--exportRuntime`): inputs are
    /// `ArrayBuffer`s made with `__new(size, 1)` and kept with `__pin` until
    /// the call is over; results are managed objects the collector owns,
    /// read before the guest runs again.
    AssemblyScript,
    /// The host never allocates or frees: for guests that only return
    /// static data.
    None,
}

impl Allocator {
    /// The variant's name, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Allocator::AllocateDeallocate { .. } => "Allocator::AllocateDeallocate",
            Allocator::MallocFree { .. } => "Allocator::MallocFree",
            Allocator::CabiRealloc { .. } => "Allocator::CabiRealloc",
            Allocator::AssemblyScript => "Allocator::AssemblyScript",
            Allocator::None => "Allocator::None",
        }
    }

    /// `allocate` / `deallocate`, with those names.
    pub fn allocate_deallocate() -> Self {
        Allocator::AllocateDeallocate {
            allocate: "allocate".into(),
            deallocate: "deallocate".into(),
        }
    }

    /// `malloc` / `free`, with those names.
    pub fn malloc_free() -> Self {
        Allocator::MallocFree {
            malloc: "malloc".into(),
            free: "free".into(),
        }
    }

    /// `cabi_realloc`, with that name.
    pub fn cabi_realloc() -> Self {
        Allocator::CabiRealloc {
            realloc: "cabi_realloc".into(),
        }
    }
}

/// How an export hands back a `(ptr, len)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Results {
    /// One `i64`, packed in this order.
    Packed(PackingOrder),
    /// Two `i32` results: the pointer, then the length (multi-value).
    MultiValue,
    /// One `i32`: an AssemblyScript object, whose length in bytes is the
    /// 32-bit `rtSize` field 4 bytes before it.
    ObjectHeader,
}

/// The largest result the host copies out unless told otherwise: 16 MiB.
pub const DEFAULT_MAX_LEN: u32 = 16 << 20;

// ANCHOR: convention
/// Everything the host must know about a guest's conventions.
///
/// Build one with [`Convention::new`] (or
/// [`Convention::allocate_deallocate_packed`]) and the setters; the fields
/// are public to read, and new ones may come, so a literal `Convention { .. }`
/// is refused outside this crate.
///
/// ```
/// use wasm_memory_host::{Allocator, Convention, PackingOrder, Results};
/// let tinygo = Convention::new(Allocator::malloc_free(), Results::Packed(PackingOrder::PointerHigh))
///     .max_len(1 << 20);
/// assert_eq!(tinygo.memory, "memory");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Convention {
    /// How buffers are allocated and freed.
    pub allocator: Allocator,
    /// How exports return a `(ptr, len)`.
    pub results: Results,
    /// The most bytes the host copies out of one result; a longer one is
    /// refused before the host allocates.
    pub max_len: u32,
    /// The name of the exported memory.
    pub memory: String,
}

impl Convention {
    /// A convention with the default length cap and memory name.
    pub fn new(allocator: Allocator, results: Results) -> Self {
        Convention {
            allocator,
            results,
            max_len: DEFAULT_MAX_LEN,
            memory: "memory".into(),
        }
    }

    /// `allocate(size) -> ptr` / `deallocate(ptr, size)`, with results
    /// packed pointer-low in one `i64` (`(len << 32) | ptr`): what
    /// `wasm-memory-guest` and the Go `keepalive` package export.
    ///
    /// ```
    /// use wasm_memory_host::{Allocator, Convention, PackingOrder, Results};
    /// assert_eq!(
    ///     Convention::allocate_deallocate_packed(),
    ///     Convention::new(Allocator::allocate_deallocate(), Results::Packed(PackingOrder::PointerLow)),
    /// );
    /// ```
    pub fn allocate_deallocate_packed() -> Self {
        Convention::new(
            Allocator::allocate_deallocate(),
            Results::Packed(PackingOrder::PointerLow),
        )
    }

    /// Sets how buffers are allocated and freed.
    ///
    /// ```
    /// use wasm_memory_host::{Allocator, Convention};
    /// let renamed = Convention::allocate_deallocate_packed().allocator(Allocator::AllocateDeallocate {
    ///     allocate: "plugin_alloc".into(),
    ///     deallocate: "plugin_free".into(),
    /// });
    /// assert!(matches!(renamed.allocator, Allocator::AllocateDeallocate { .. }));
    /// ```
    pub fn allocator(mut self, allocator: Allocator) -> Self {
        self.allocator = allocator;
        self
    }

    /// Sets how exports return a `(ptr, len)`.
    pub fn results(mut self, results: Results) -> Self {
        self.results = results;
        self
    }

    /// Sets the most bytes the host copies out of one result.
    pub fn max_len(mut self, max_len: u32) -> Self {
        self.max_len = max_len;
        self
    }

    /// Sets the name of the exported memory.
    pub fn memory_export(mut self, name: impl Into<String>) -> Self {
        self.memory = name.into();
        self
    }

    /// Refuses a convention that contradicts itself, saying why.
    /// [`crate::Guest::new`] calls it before looking at the guest.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConvention`], with the reason: an empty export
    /// name, a name given to both the memory and a function or to both the
    /// allocator and the function that frees, or an allocator and a result
    /// shape that cannot go together.
    ///
    /// ```
    /// use wasm_memory_host::{Allocator, Convention, Error, Results};
    /// // AssemblyScript's results belong to its collector: freeing them
    /// // with `deallocate` would corrupt its heap.
    /// let contradiction = Convention::new(Allocator::allocate_deallocate(), Results::ObjectHeader);
    /// let Err(Error::InvalidConvention { reason }) = contradiction.check() else { panic!() };
    /// assert!(reason.contains("collector"), "{reason}");
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        let invalid = |reason: String| Err(Error::InvalidConvention { reason });
        if self.memory.is_empty() {
            return invalid("the memory export's name is empty".into());
        }
        let names: &[(&str, &str)] = match &self.allocator {
            Allocator::AllocateDeallocate {
                allocate,
                deallocate,
            } => &[("allocate", allocate), ("deallocate", deallocate)],
            Allocator::MallocFree { malloc, free } => &[("malloc", malloc), ("free", free)],
            Allocator::CabiRealloc { realloc } => &[("realloc", realloc)],
            Allocator::AssemblyScript | Allocator::None => &[],
        };
        for (field, name) in names {
            if name.is_empty() {
                return invalid(format!("the name of the `{field}` export is empty"));
            }
            if *name == self.memory {
                return invalid(format!(
                    "`{name}` cannot name both the memory and a function"
                ));
            }
        }
        if let [(_, allocate), (_, free)] = names
            && allocate == free
        {
            return invalid(format!(
                "`{allocate}` cannot be both the allocator and the function that frees: \
                 they take different arguments"
            ));
        }
        match (&self.allocator, self.results) {
            (
                Allocator::AllocateDeallocate { .. }
                | Allocator::MallocFree { .. }
                | Allocator::CabiRealloc { .. },
                Results::ObjectHeader,
            ) => invalid(format!(
                "Results::ObjectHeader reads AssemblyScript objects, which belong to its \
                 collector; {} would free them as if they were its own buffers: use \
                 Allocator::AssemblyScript",
                self.allocator.kind()
            )),
            (Allocator::AssemblyScript, Results::Packed(_) | Results::MultiValue) => invalid(
                "AssemblyScript exports take and return managed objects, whose length is in \
                 their header: use Results::ObjectHeader"
                    .into(),
            ),
            (Allocator::CabiRealloc { .. }, Results::MultiValue) => invalid(
                "under the canonical ABI, `cabi_post_<export>` receives what the export returned, \
                 and this crate passes it one packed i64: use Results::Packed"
                    .into(),
            ),
            _ => Ok(()),
        }
    }
}
// ANCHOR_END: convention
