//! What JavaScript programs built on wasm-bindgen run into with memory:
//! objects that only `free()` gives back, slices copied in and out, a view
//! that lives in the guest's memory, and a view of that memory made stale
//! by an allocation in the middle of setting it up, callbacks that hold
//! memory until someone frees them, and a string freed with the wrong size.
//! The memory's maximum is 16 MiB (`build.rs`).

use std::fmt::Write as _;
use std::sync::Once;

use js_sys::{Float32Array, Function, Uint8Array, WebAssembly};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, JsValue, wasm_bindgen};

// ANCHOR: transaction
/// A parsed object that lives in the guest's memory. JavaScript holds only
/// its address, wrapped in a class whose `free()` drops it.
#[wasm_bindgen]
pub struct Transaction {
    bytes: Vec<u8>,
}

#[wasm_bindgen]
impl Transaction {
    /// Copies `bytes` into a new `Transaction`. JavaScript owns the result:
    /// the guest frees it when JavaScript calls `free()` (or, some time after
    /// the object is garbage, through a `FinalizationRegistry`).
    pub fn from_bytes(bytes: &[u8]) -> Transaction {
        Transaction {
            bytes: bytes.to_vec(),
        }
    }

    /// The same, as `new Transaction(bytes)`.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Transaction {
        Transaction::from_bytes(bytes)
    }

    /// How many bytes it holds.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }
}
// ANCHOR_END: transaction

// ANCHOR: expensive_work
/// Reads `input` and writes `output`. Both are JavaScript arrays: the glue
/// copies each into the guest's memory before the call, and copies `output`
/// back into the caller's array after it.
#[wasm_bindgen]
pub fn expensive_work(input: &[u8], output: &mut [u8]) {
    for (out, byte) in output.iter_mut().zip(input) {
        *out = byte.wrapping_mul(2);
    }
}
// ANCHOR_END: expensive_work

// ANCHOR: process_audio
/// A `Vec<f32>` in and one out: the whole array is copied into the guest
/// on every call, and the result copied out.
#[wasm_bindgen]
pub fn process_audio(buf: Vec<f32>) -> Vec<f32> {
    buf.into_iter().map(|sample| sample * 0.5).collect()
}

/// A `Float32Array` crosses as a handle: nothing is copied unless the guest
/// asks. Here it asks for one sample at a time, each a call into JavaScript.
#[wasm_bindgen]
pub fn peak_of(buf: &Float32Array) -> f32 {
    (0..buf.length())
        .map(|index| buf.get_index(index).abs())
        .fold(0.0, f32::max)
}
// ANCHOR_END: process_audio

// ANCHOR: samples
/// Samples that live in the guest's memory. JavaScript writes and reads them
/// through a view at `ptr()`, so no call copies them.
#[wasm_bindgen]
pub struct Samples {
    data: Vec<f32>,
}

#[wasm_bindgen]
impl Samples {
    #[wasm_bindgen(constructor)]
    pub fn new(len: usize) -> Samples {
        Samples {
            data: vec![0.0; len],
        }
    }

    /// Where the samples start in the guest's memory: valid until the next
    /// call that may allocate, as any view of it.
    pub fn ptr(&self) -> *const f32 {
        self.data.as_ptr()
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Halves every sample, in place.
    pub fn process(&mut self) {
        for sample in &mut self.data {
            *sample *= 0.5;
        }
    }
}
// ANCHOR_END: samples

// ANCHOR: views_from_rust
#[wasm_bindgen]
impl Samples {
    /// The samples as a view of the guest's memory, made the way
    /// wasm-bindgen#968's reader made one: a `Float32Array` over all of
    /// memory, then `subarray`, which copies nothing.
    pub fn view_by_subarray(&self) -> Float32Array {
        let memory = wasm_bindgen::memory().unchecked_into::<WebAssembly::Memory>();
        let start = self.data.as_ptr() as u32 / 4; // a byte address, in f32s
        Float32Array::new(&memory.buffer()).subarray(start, start + self.data.len() as u32)
    }

    /// The same view, made by js-sys. `unsafe`, because the next allocation
    /// in the guest may grow the memory and detach it.
    pub fn view(&self) -> Float32Array {
        // SAFETY: the caller uses the view before any call that allocates.
        unsafe { Float32Array::view(&self.data) }
    }
}
// ANCHOR_END: views_from_rust

// ANCHOR: f64s
/// Room for `count` f64s in the guest's memory, uninitialized, for
/// JavaScript to fill through a `Float64Array`. Ownership: the caller owns
/// it and gives it back with `free_f64s(ptr, count)`.
#[wasm_bindgen]
pub fn alloc_f64s(count: usize) -> *mut f64 {
    let mut buffer = Vec::<f64>::with_capacity(count);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// The sum of the `count` f64s at `ptr`, read where they are.
///
/// # Safety
///
/// `ptr` must come from `alloc_f64s(count)`, with all `count` values written.
#[wasm_bindgen]
pub unsafe fn sum_f64s(ptr: *const f64, count: usize) -> f64 {
    // SAFETY: the caller promises `count` initialized f64s at `ptr`.
    let values = unsafe { std::slice::from_raw_parts(ptr, count) };
    values.iter().sum()
}

/// Gives back the room `alloc_f64s(count)` made.
///
/// # Safety
///
/// `ptr` must come from `alloc_f64s(count)`, freed once.
#[wasm_bindgen]
pub unsafe fn free_f64s(ptr: *mut f64, count: usize) {
    // SAFETY: the caller promises the allocation of `alloc_f64s(count)`;
    // a length of 0 drops no values.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, count) });
}
// ANCHOR_END: f64s

// ANCHOR: closures
/// Hands `maybe_call` a callback that holds `size` bytes of the guest's
/// memory, made with `Closure::once_into_js`: calling it frees them.
#[wasm_bindgen]
pub fn hand_over_once(size: usize, maybe_call: &Function) -> Result<(), JsValue> {
    let held = vec![1u8; size];
    let callback = Closure::once_into_js(move || held.len());
    maybe_call.call1(&JsValue::NULL, &callback)?;
    Ok(())
}

/// The same callback as a `Closure` whose Rust side is given up with
/// `into_js_value`: only JavaScript's collector frees it.
#[wasm_bindgen]
pub fn hand_over_to_the_collector(size: usize, maybe_call: &Function) -> Result<(), JsValue> {
    let held = vec![1u8; size];
    let callback = Closure::<dyn FnMut() -> usize>::new(move || held.len()).into_js_value();
    maybe_call.call1(&JsValue::NULL, &callback)?;
    Ok(())
}

/// A callback that Rust keeps: its memory goes when JavaScript calls
/// `free()` on this object, whether or not the function was called.
#[wasm_bindgen]
pub struct Callback {
    closure: Closure<dyn FnMut() -> usize>,
}

#[wasm_bindgen]
impl Callback {
    #[wasm_bindgen(constructor)]
    pub fn new(size: usize) -> Callback {
        let held = vec![1u8; size];
        Callback {
            closure: Closure::new(move || held.len()),
        }
    }

    /// The JavaScript function, valid until `free()`.
    pub fn function(&self) -> Function {
        self.closure.as_ref().unchecked_ref::<Function>().clone()
    }
}
// ANCHOR_END: closures

// ANCHOR: take_string
/// Takes a string from JavaScript and drops it: the glue allocates it in
/// the guest's memory, and Rust frees it with the length it was given, as
/// for every owned `String` parameter.
#[wasm_bindgen]
pub fn take_string(text: String) -> usize {
    report_panics_to_console();
    text.len()
}
// ANCHOR_END: take_string

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

// ANCHOR: report_panics
/// Shows the message of a panic with `console.error`, as the crate
/// console_error_panic_hook does, before the guest traps. It formats on
/// the stack: the panic may come from inside the allocator.
fn report_panics_to_console() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let mut message = StackMessage::default();
            let _ = write!(message, "{info}");
            console_error(message.as_str());
        }));
    });
}

/// Up to 512 bytes of text, on the stack.
struct StackMessage {
    bytes: [u8; 512],
    len: usize,
}

impl Default for StackMessage {
    fn default() -> Self {
        StackMessage {
            bytes: [0; 512],
            len: 0,
        }
    }
}

impl StackMessage {
    fn as_str(&self) -> &str {
        let written = &self.bytes[..self.len];
        // A message cut at 512 bytes may end in the middle of a character.
        std::str::from_utf8(written).unwrap_or_else(|error| {
            std::str::from_utf8(&written[..error.valid_up_to()]).unwrap_or_default()
        })
    }
}

impl std::fmt::Write for StackMessage {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let room = self.bytes.len() - self.len;
        let take = text.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}
// ANCHOR_END: report_panics

// ANCHOR: stale_view
/// Copies `array` to `dst` the way js-sys did before wasm-bindgen 0.2.102
/// (PR #4622): a view of all of the guest's memory, then `set`. Each of the
/// three calls returns a JavaScript object that the guest stores in its
/// table of objects, and storing one may allocate, and so grow the memory,
/// which detaches the `ArrayBuffer` just received.
unsafe fn raw_copy_to_ptr_before_0_2_102(array: &Uint8Array, dst: *mut u8) {
    let memory = wasm_bindgen::memory();
    let memory = memory.unchecked_ref::<WebAssembly::Memory>();
    let all_wasm_memory = Uint8Array::new(&memory.buffer());
    all_wasm_memory.set(array, dst as u32);
}

/// Makes `count` arrays of 10 bytes, keeps every one (so that the guest's
/// table of JavaScript objects keeps growing), and copies each into the
/// guest's memory with `copy`.
fn copy_many(count: u32, copy: impl Fn(&Uint8Array, &mut [u8; 10])) -> u32 {
    let mut kept = Vec::new();
    for _ in 0..count {
        let array = Uint8Array::new_with_length(10);
        array.fill(7, 0, 10);
        let mut dst = [0u8; 10];
        copy(&array, &mut dst);
        assert_eq!(dst, [7; 10]);
        kept.push(array);
    }
    count
}

/// The copy as js-sys wrote it before 0.2.102: throws once an allocation
/// grows the memory between `buffer()` and `set`.
#[wasm_bindgen]
pub fn copy_many_the_old_way(count: u32) -> u32 {
    copy_many(count, |array, dst| unsafe {
        raw_copy_to_ptr_before_0_2_102(array, dst.as_mut_ptr())
    })
}

/// The same copies with js-sys's `copy_to`, fixed in 0.2.102.
#[wasm_bindgen]
pub fn copy_many_with_js_sys(count: u32) -> u32 {
    copy_many(count, |array, dst| array.copy_to(dst))
}
// ANCHOR_END: stale_view

/// The length of a view of all of the guest's memory made the old way,
/// after `count` objects are kept: the reader's check in wasm-bindgen#4392.
/// Returns the first length that was 0, and the length of a second view
/// made at once after it; or nothing if no view was stale.
#[wasm_bindgen]
pub fn first_stale_view(count: u32) -> Option<Vec<u32>> {
    let mut kept = Vec::new();
    for index in 0..count {
        let memory = wasm_bindgen::memory();
        let memory = memory.unchecked_ref::<WebAssembly::Memory>();
        let first = Uint8Array::new(&memory.buffer());
        if first.length() == 0 {
            let second = Uint8Array::new(&memory.buffer());
            return Some(vec![index, first.length(), second.length()]);
        }
        kept.push(first);
    }
    None
}
