//! Why a guest trapped, in its own words: the imports through which guests
//! report a message before they trap.

use std::sync::{Arc, Mutex};

use wasmtime::{Caller, Extern, Linker};

use crate::Convention;
use crate::bounds::read_bytes;

/// The longest message the host reads from a guest.
const MAX_MESSAGE: u32 = 4096;

/// Where the imports of [`define_message_imports`] put the last message a
/// guest reported: a slot kept in the store's data. [`crate::Guest`] takes
/// it when a call fails and puts it in [`crate::Error::Call`]. Clones share
/// the slot.
#[derive(Clone, Debug, Default)]
pub struct GuestMessages(Arc<Mutex<Option<String>>>);

impl GuestMessages {
    /// The last message, if there is one; the slot is empty afterwards.
    pub fn take(&self) -> Option<String> {
        self.lock().take()
    }

    fn put(&self, message: String) {
        *self.lock() = Some(message);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

// ANCHOR: imports
/// Defines, in `linker`, the two imports through which guests explain a
/// trap; each message goes to the [`GuestMessages`] that `messages` finds
/// in the store's data, so that every store has its own:
///
/// - `wasm_memory.report_error(ptr, len)`: a UTF-8 message, from
///   `wasm_memory_guest::CheckedAllocator`;
/// - `env.abort(message, file, line, column)`: AssemblyScript's, with
///   UTF-16 strings whose byte length is 4 bytes before them. It returns an
///   error, so the guest stops there.
///
/// Both read the memory that `convention` names. Give the same slot to
/// [`crate::Guest::with_messages`].
///
/// # Errors
///
/// wasmtime's error if `linker` already defines `wasm_memory.report_error`
/// or `env.abort` and does not allow shadowing
/// ([`Linker::allow_shadowing`]).
pub fn define_message_imports<T: 'static>(
    linker: &mut Linker<T>,
    convention: &Convention,
    messages: impl Fn(&mut T) -> &GuestMessages + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    let memory = convention.memory.clone();
    linker.func_wrap(
        "wasm_memory",
        "report_error",
        move |mut caller: Caller<'_, T>, ptr: u32, len: u32| -> wasmtime::Result<()> {
            let bytes = read_caller_bytes(&mut caller, &memory, ptr, len)?;
            messages(caller.data_mut()).put(String::from_utf8_lossy(&bytes).into_owned());
            Ok(())
        },
    )?;
    let memory = convention.memory.clone();
    linker.func_wrap(
        "env",
        "abort",
        move |mut caller: Caller<'_, T>, message: u32, file: u32, line: u32, column: u32| {
            let message = read_utf16_object(&mut caller, &memory, message)?;
            let file = read_utf16_object(&mut caller, &memory, file)?;
            messages(caller.data_mut()).put(format!("{message} ({file}:{line}:{column})"));
            wasmtime::Result::<()>::Err(wasmtime::format_err!("the guest aborted"))
        },
    )?;
    Ok(())
}
// ANCHOR_END: imports

fn read_caller_bytes<T>(
    caller: &mut Caller<'_, T>,
    memory: &str,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<Vec<u8>> {
    let memory = caller
        .get_export(memory)
        .and_then(Extern::into_memory)
        .ok_or_else(|| wasmtime::format_err!("the guest does not export the memory `{memory}`"))?;
    Ok(read_bytes(&*caller, &memory, ptr, len, MAX_MESSAGE)?)
}

/// An AssemblyScript string: UTF-16, its byte length 4 bytes before it (an
/// address below 4 wraps to the top of memory, which the read refuses).
fn read_utf16_object<T>(
    caller: &mut Caller<'_, T>,
    memory: &str,
    ptr: u32,
) -> wasmtime::Result<String> {
    let header = read_caller_bytes(caller, memory, ptr.wrapping_sub(4), 4)?;
    // A longer message is cut, not lost: it explains a trap.
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]).min(MAX_MESSAGE);
    let bytes = read_caller_bytes(caller, memory, ptr, len)?;
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    Ok(String::from_utf16_lossy(&units))
}
