//! `#[repr(C)]` values in guest memory, read and written with bounds and
//! alignment checks.

use std::ops::Range;

use wasmtime::{AsContext, AsContextMut};

use crate::bounds::checked_range;
use crate::error::Error;
use crate::guest::Guest;

impl Guest {
    // ANCHOR: typed
    /// Reads a `T` at `ptr`, checking bounds and alignment. Wasm is
    /// little-endian, like every host this crate builds for.
    ///
    /// # Errors
    ///
    /// [`Error::Misaligned`] if `ptr` is not a multiple of `T`'s alignment;
    /// [`Error::ValueOutOfBounds`] if `T`'s bytes at `ptr` do not lie inside
    /// the memory.
    pub fn read_value<T: bytemuck::Pod>(
        &self,
        store: impl AsContext,
        ptr: u32,
    ) -> Result<T, Error> {
        let range = self.value_range::<T>(&store, ptr)?;
        Ok(bytemuck::pod_read_unaligned(
            &self.memory().data(&store)[range],
        ))
    }

    /// Writes `value` at `ptr`, checking bounds and alignment.
    ///
    /// # Errors
    ///
    /// As for [`Self::read_value`]; nothing is written then.
    pub fn write_value<T: bytemuck::Pod>(
        &self,
        mut store: impl AsContextMut,
        ptr: u32,
        value: &T,
    ) -> Result<(), Error> {
        let range = self.value_range::<T>(&store, ptr)?;
        self.memory().data_mut(&mut store)[range].copy_from_slice(bytemuck::bytes_of(value));
        Ok(())
    }
    // ANCHOR_END: typed

    fn value_range<T>(&self, store: impl AsContext, ptr: u32) -> Result<Range<usize>, Error> {
        let type_name = std::any::type_name::<T>();
        let align = align_of::<T>();
        if !(ptr as usize).is_multiple_of(align) {
            return Err(Error::Misaligned {
                ptr,
                align,
                type_name,
            });
        }
        let size = u32::try_from(size_of::<T>()).unwrap_or(u32::MAX);
        checked_range(ptr, size, self.memory().data_size(&store), size).map_err(|source| {
            Error::ValueOutOfBounds {
                ptr,
                type_name,
                source,
            }
        })
    }
}
