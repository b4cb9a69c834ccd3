//! How a struct sits in linear memory: field order, padding, byte order.

use std::mem::{align_of, offset_of, size_of};

// ANCHOR: sample
/// A sensor sample, laid out the way C would lay it out.
#[repr(C)]
pub struct Sample {
    /// Offset 0, then 3 bytes of padding so that `value` is 4-aligned.
    pub kind: u8,
    /// Offset 4, stored little-endian like every integer in wasm.
    pub value: u32,
    /// Offset 8, then 2 bytes of padding: the size rounds up to the alignment.
    pub scale: u16,
}

static SAMPLE: Sample = Sample {
    kind: 7,
    value: 0x1122_3344,
    scale: 0xabcd,
};

/// Where the sample is. The host owns nothing here: it only reads.
#[unsafe(no_mangle)]
pub extern "C" fn sample_address() -> *const Sample {
    &SAMPLE
}
// ANCHOR_END: sample

// ANCHOR: layout
/// The layout facts the host must agree with, straight from the compiler.
#[unsafe(no_mangle)]
pub extern "C" fn sample_size() -> usize {
    size_of::<Sample>()
}

#[unsafe(no_mangle)]
pub extern "C" fn sample_align() -> usize {
    align_of::<Sample>()
}

#[unsafe(no_mangle)]
pub extern "C" fn sample_value_offset() -> usize {
    offset_of!(Sample, value)
}

#[unsafe(no_mangle)]
pub extern "C" fn sample_scale_offset() -> usize {
    offset_of!(Sample, scale)
}
// ANCHOR_END: layout

// ANCHOR: default_repr
/// The same fields without `#[repr(C)]`: Rust is free to reorder them, and
/// does, so this layout is no contract with anyone.
pub struct SampleDefaultRepr {
    pub kind: u8,
    pub value: u32,
    pub scale: u16,
}

#[unsafe(no_mangle)]
pub extern "C" fn default_repr_size() -> usize {
    size_of::<SampleDefaultRepr>()
}
// ANCHOR_END: default_repr
