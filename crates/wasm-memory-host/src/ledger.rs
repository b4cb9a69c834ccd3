//! Buffers handed to the host are values it must give back; the ledger
//! remembers every one until it is, and where it came from.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard};

/// Who put a [`GuestBuffer`] in the host's hands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The host allocated it in the guest, to pass bytes in.
    Input,
    /// An export returned it; `packed` is what it returned, for
    /// `cabi_post_<export>`.
    Result { packed: u64 },
}

/// A buffer in guest memory that the host is responsible for. Give it back
/// with [`crate::Guest::release`]; one that is dropped instead is reported
/// by [`crate::Guest::check_leaks`], with where it was created.
#[must_use = "give the buffer back with Guest::release, or the guest leaks it"]
#[derive(Debug)]
pub struct GuestBuffer {
    pub(crate) ptr: u32,
    pub(crate) len: u32,
    pub(crate) export: String,
    pub(crate) origin: Origin,
    id: u64,
    ledger: Ledger,
}

impl GuestBuffer {
    /// Where the buffer starts in guest memory.
    pub fn ptr(&self) -> u32 {
        self.ptr
    }

    /// Its length in bytes.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Takes it off the ledger: it has been given back.
    pub(crate) fn settle(self) {
        self.ledger.entries().remove(&self.id);
        std::mem::forget(self); // Drop would record it as dropped
    }
}

impl Drop for GuestBuffer {
    fn drop(&mut self) {
        if let Some(entry) = self.ledger.entries().get_mut(&self.id) {
            entry.dropped = true;
        }
    }
}

/// A buffer from the guest that the host has not given back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// Where it is in guest memory.
    pub ptr: u32,
    /// Its length.
    pub len: u32,
    /// The export that returned it, or the allocator that made it.
    pub export: String,
    /// The host code that created the [`GuestBuffer`].
    pub created_at: &'static Location<'static>,
    /// Whether the `GuestBuffer` was dropped (it can no longer be given
    /// back) rather than still held.
    pub dropped: bool,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes at {:#x} from `{}`, created at {}:{}, {}",
            self.len,
            self.ptr,
            self.export,
            self.created_at.file(),
            self.created_at.line(),
            if self.dropped {
                "dropped without being released"
            } else {
                "still held"
            }
        )
    }
}

/// The buffers a [`crate::Guest`] has handed out and not taken back.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ledger(Arc<Mutex<Entries>>);

#[derive(Debug, Default)]
pub(crate) struct Entries {
    next_id: u64,
    entries: BTreeMap<u64, Leak>,
}

impl Ledger {
    fn entries(&self) -> MappedEntries<'_> {
        MappedEntries(
            self.0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Records a new buffer, created by the caller of the public method.
    pub(crate) fn open(
        &self,
        ptr: u32,
        len: u32,
        export: &str,
        origin: Origin,
        created_at: &'static Location<'static>,
    ) -> GuestBuffer {
        let mut entries = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = entries.next_id;
        entries.next_id += 1;
        entries.entries.insert(
            id,
            Leak {
                ptr,
                len,
                export: export.to_owned(),
                created_at,
                dropped: false,
            },
        );
        GuestBuffer {
            ptr,
            len,
            export: export.to_owned(),
            origin,
            id,
            ledger: self.clone(),
        }
    }

    /// Every buffer not given back yet.
    pub(crate) fn outstanding(&self) -> Vec<Leak> {
        self.entries().values().cloned().collect()
    }
}

/// The entry map behind the lock.
struct MappedEntries<'a>(MutexGuard<'a, Entries>);

impl std::ops::Deref for MappedEntries<'_> {
    type Target = BTreeMap<u64, Leak>;
    fn deref(&self) -> &Self::Target {
        &self.0.entries
    }
}

impl std::ops::DerefMut for MappedEntries<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0.entries
    }
}
