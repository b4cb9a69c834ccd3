//! `CheckedAllocator` stops a misuse with a message that names it, instead
//! of letting it corrupt the heap. In a guest, the message goes to the host
//! and the guest traps; here, off wasm32, the process aborts with it. So
//! each misuse runs in a child process (this same test, run again with
//! `CHECKED_MISUSE` set), and the test checks how the child ended.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;

use wasm_memory_guest::CheckedAllocator;

/// Names the misuse a child commits.
const MISUSE: &str = "CHECKED_MISUSE";

/// Commits `misuse` through a checked allocator (a local one: the test's
/// own allocations stay out of its table), which must stop the process.
fn commit(misuse: &str) {
    let checked = Box::new(CheckedAllocator::new(System));
    let layout = Layout::from_size_align(8, 8).expect("a valid layout");
    // SAFETY: what the allocator checks is exactly what this does wrong;
    // it stops the process before the inner allocator sees the misuse.
    unsafe {
        let ptr = checked.alloc(layout);
        assert!(!ptr.is_null());
        match misuse {
            "double free" => {
                checked.dealloc(ptr, layout);
                checked.dealloc(ptr, layout);
            }
            "wrong size" => {
                checked.dealloc(ptr, Layout::from_size_align(4, 8).expect("a valid layout"))
            }
            "too many" => {
                for _ in 0..wasm_memory_guest::CAPACITY {
                    checked.alloc(layout);
                }
            }
            other => panic!("no misuse called {other:?}"),
        }
    }
}

/// Runs this test again with `misuse`, and returns what the child wrote to
/// stderr, after checking that it did not end well.
fn child(misuse: &str) -> String {
    let output = Command::new(std::env::current_exe().expect("the test's own path"))
        .env(MISUSE, misuse)
        .output()
        .expect("the test runs itself");
    assert!(!output.status.success(), "{misuse}: the child ended well");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn main() {
    if let Ok(misuse) = std::env::var(MISUSE) {
        commit(&misuse);
        eprintln!("{misuse}: the allocator let it through");
        return; // a success, which the parent reports as a failure
    }
    let checks = [
        (
            "double free",
            "is not a live allocation (freed twice, or never allocated)",
        ),
        ("wrong size", "was allocated with 8 bytes but freed with 4"),
        ("too many", "allocate: more than 4096 live allocations"),
    ];
    for (misuse, message) in checks {
        let stderr = child(misuse);
        assert!(
            stderr.contains(message),
            "{misuse}: the child's stderr does not say {message:?}:\n{stderr}"
        );
        println!("{misuse}: stopped, saying {message:?}");
    }
}
