//! Buffers handed to the host are values it must give back; the ledger
//! remembers every one until it is, where it came from, and which ranges of
//! guest memory the host holds, so that no range is held twice.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::TypedFunc;

/// Who put a [`GuestBuffer`] in the host's hands, which says how it goes
/// back.
#[derive(Clone)]
pub(crate) enum Origin {
    /// The host allocated it in the guest, to pass bytes in.
    Input,
    /// An export returned it. Under the canonical ABI, `post_return` is
    /// `cabi_post_<export>` and what the export returned, which is all that
    /// function may be given.
    Result {
        post_return: Option<(TypedFunc<u64, ()>, u64)>,
    },
    /// The host adopted it by hand, from a `(ptr, len)` it was given.
    Adopted,
}

/// A buffer in guest memory that the host is responsible for. Give it back
/// with [`crate::Guest::release`], to the guest it came from; one that is
/// dropped instead is reported by [`crate::Guest::check_leaks`], with the
/// line that created it.
#[must_use = "give the buffer back with Guest::release, or the guest leaks it"]
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

    /// Whether it was recorded in `ledger`, that is, by the same guest.
    pub(crate) fn belongs_to(&self, ledger: &Ledger) -> bool {
        Arc::ptr_eq(&self.ledger.0, &ledger.0)
    }

    /// Takes it off the ledger: it has been given back.
    pub(crate) fn settle(self) {
        self.ledger.lock().remove(&(self.ptr, self.id));
        self.ledger.0.held.fetch_sub(1, Ordering::Release);
        std::mem::forget(self); // Drop would record it as dropped
    }
}

impl fmt::Debug for GuestBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuestBuffer")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .field("export", &self.export)
            .finish_non_exhaustive()
    }
}

impl Drop for GuestBuffer {
    fn drop(&mut self) {
        if let Some(entry) = self.ledger.lock().get_mut(&(self.ptr, self.id)) {
            entry.leak.dropped = true;
        }
    }
}

/// A buffer from the guest that the host holds, or held and dropped without
/// giving it back.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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

/// The buffers a [`crate::Guest`] has handed out and not taken back, by
/// where they start.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ledger(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    /// How many entries there are: read without the lock, so that a round
    /// trip while the host holds nothing costs one atomic load.
    held: AtomicUsize,
    entries: Mutex<Entries>,
}

/// Keyed by `(ptr, id)`: sorted by address, so that overlaps are found in
/// `O(log n)`, with the id telling apart empty buffers at one address.
type Entries = BTreeMap<(u32, u64), Entry>;

#[derive(Debug)]
struct Entry {
    /// The bytes the buffer occupies for overlap checks: its length, or 1
    /// for an empty buffer whose address alone identifies an allocation
    /// (see [`crate::Guest`]'s footprint rule).
    footprint: u32,
    leak: Leak,
}

/// The ids of new entries; unique across ledgers, which costs nothing more.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Ledger {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.0
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A buffer the host holds that shares a byte with the `footprint`
    /// bytes at `ptr`. Inlined, so that a round trip while the host holds
    /// nothing costs one atomic load; the search is out of line.
    #[inline(always)]
    pub(crate) fn overlapping(&self, ptr: u32, footprint: u32) -> Option<Leak> {
        if footprint == 0 || self.0.held.load(Ordering::Acquire) == 0 {
            None
        } else {
            search(&self.lock(), ptr, footprint).cloned()
        }
    }

    /// Records a new buffer, created by the caller of the public method, or
    /// returns the buffer already held that it overlaps. The check and the
    /// insertion happen under one lock, so that held buffers never overlap.
    pub(crate) fn open(
        &self,
        (ptr, len, footprint): (u32, u32, u32),
        export: &str,
        origin: Origin,
        created_at: &'static Location<'static>,
    ) -> Result<GuestBuffer, Leak> {
        let mut entries = self.lock();
        if footprint > 0
            && let Some(held) = search(&entries, ptr, footprint)
        {
            return Err(held.clone());
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let leak = Leak {
            ptr,
            len,
            export: export.to_owned(),
            created_at,
            dropped: false,
        };
        entries.insert((ptr, id), Entry { footprint, leak });
        self.0.held.fetch_add(1, Ordering::Release);
        drop(entries);
        Ok(GuestBuffer {
            ptr,
            len,
            export: export.to_owned(),
            origin,
            id,
            ledger: self.clone(),
        })
    }

    /// Every buffer not given back yet, by address.
    pub(crate) fn outstanding(&self) -> Vec<Leak> {
        self.lock()
            .values()
            .map(|entry| entry.leak.clone())
            .collect()
    }
}

/// The held buffer that shares a byte with the `footprint` (> 0) bytes at
/// `ptr`. Held buffers never overlap each other, so among those that start
/// at or before the last byte, the one with a footprint that starts last is
/// the only candidate.
fn search(entries: &Entries, ptr: u32, footprint: u32) -> Option<&Leak> {
    // The last byte, which fits in 32 bits even when the end does not.
    let last = ptr.saturating_add(footprint - 1);
    entries
        .range(..=(last, u64::MAX))
        .rev()
        .find(|(_, held)| held.footprint > 0)
        .filter(|(_, held)| u64::from(held.leak.ptr) + u64::from(held.footprint) > u64::from(ptr))
        .map(|(_, held)| &held.leak)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(ledger: &Ledger, ptr: u32, len: u32) -> Result<GuestBuffer, Leak> {
        ledger.open((ptr, len, len), "test", Origin::Adopted, Location::caller())
    }

    #[test]
    fn overlapping_ranges_are_refused_and_neighbours_are_not() {
        let ledger = Ledger::default();
        let held = open(&ledger, 100, 10).expect("nothing held yet");
        for (ptr, len) in [(95, 6), (100, 1), (109, 1), (90, 30), (105, 2)] {
            let refused = open(&ledger, ptr, len).expect_err("overlaps");
            assert_eq!((refused.ptr, refused.len), (100, 10), "{ptr}+{len}");
        }
        let before = open(&ledger, 90, 10).expect("ends where it starts");
        let after = open(&ledger, 110, 10).expect("starts where it ends");
        let empty = open(&ledger, 105, 0).expect("an empty range holds no byte");
        let one = ledger.open(
            (200, 0, 1),
            "free(ptr)",
            Origin::Adopted,
            Location::caller(),
        );
        let one = one.expect("an empty buffer whose address is an allocation");
        assert!(
            ledger
                .open(
                    (200, 0, 1),
                    "free(ptr)",
                    Origin::Adopted,
                    Location::caller()
                )
                .is_err(),
            "the same address twice would be freed twice"
        );
        one.settle();
        for buffer in [held, before, after, empty] {
            buffer.settle();
        }
        assert!(ledger.outstanding().is_empty());
        open(&ledger, 100, 10).expect("free again").settle();
    }

    #[test]
    fn a_range_ending_at_4_gib_is_compared_without_overflow() {
        let ledger = Ledger::default();
        let top = open(&ledger, u32::MAX - 4, 4).expect("nothing held");
        assert!(open(&ledger, u32::MAX - 1, 1).is_err());
        top.settle();
    }
}
