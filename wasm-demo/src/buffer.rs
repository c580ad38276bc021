//! The module's byte buffers shared with the JS host: results the host
//! reads straight out of wasm memory, and strings it writes there.
//!
//! Handing a `String` or `Vec<u8>` across through wasm-bindgen costs the
//! module far more than the copy: a shim per export, the `Vec` to
//! `Box<[u8]>` conversion, `RawVec`'s growth paths and, through `alloc`'s
//! out-of-memory handler (whose message formats a number), `core::fmt`'s
//! integer formatting, kept alive by the function table. Together several
//! KiB of a module whose goal is 24 KiB. So an export that produces bytes
//! writes them to the output [`Buffer`] and returns how many it wrote
//! (`outputPtr()` says where they start), and a string argument is written
//! by the host into the input buffer (`inputBuffer(len)` makes room) and
//! passed as its length. `worker/adapter.mjs` does both sides for the
//! worker: strings and `Uint8Array`s in, strings and `Uint8Array`s out.
//!
//! A buffer keeps its capacity between calls: an isolate's snapshots are
//! about the same size each time, so after the first one, taking a
//! snapshot allocates nothing. It grows through the global allocator
//! directly, not through `Vec`: a failed allocation is reported (as
//! [`OutOfMemory`]) instead of aborting, and `Vec`'s growth paths (about
//! 0.7 KiB of the module with `try_reserve`) stay out.

use alloc::alloc::{Layout, alloc, dealloc, realloc};
use core::{fmt, ptr, slice};

use crate::utf8::str_of;

/// A buffer could not grow: what was to be written did not fit in memory.
/// The module keeps working.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutOfMemory;

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("out of memory: a buffer shared with the host could not grow")
    }
}

impl core::error::Error for OutOfMemory {}

impl embedded_io::Error for OutOfMemory {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::OutOfMemory
    }
}

/// Bytes shared with the host (see the [module docs](self)).
#[derive(Debug)]
pub struct Buffer {
    /// The block (null while nothing was allocated).
    start: *mut u8,
    /// Initialised bytes at `start`.
    len: usize,
    /// Bytes allocated at `start`.
    capacity: usize,
}

// SAFETY: a `Buffer` owns its block, like a `Vec<u8>`.
unsafe impl Send for Buffer {}

impl Default for Buffer {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Some(layout) = block_layout(self.capacity) {
            // SAFETY: a non-zero capacity is a block allocated with this
            // layout (see `reserve`).
            unsafe { dealloc(self.start, layout) };
        }
    }
}

/// The layout of a block of `capacity` bytes; `None` for no block (zero)
/// or more than a layout can describe.
fn block_layout(capacity: usize) -> Option<Layout> {
    if capacity == 0 {
        return None;
    }
    Layout::from_size_align(capacity, 1).ok()
}

impl Buffer {
    /// An empty buffer; allocates nothing until written to.
    pub const fn new() -> Self {
        Self {
            start: ptr::null_mut(),
            len: 0,
            capacity: 0,
        }
    }

    /// Forgets what was written, keeping the capacity.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// What was written since the last [`clear`](Self::clear).
    pub fn as_bytes(&self) -> &[u8] {
        if self.start.is_null() {
            return &[];
        }
        // SAFETY: the first `len` bytes of the block are initialised.
        unsafe { slice::from_raw_parts(self.start, self.len) }
    }

    /// Bytes allocated (at least [`as_bytes`](Self::as_bytes)' length).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The first `len` bytes as text, kept for the rest of the program:
    /// the buffer gives its block up for them (it is never freed) and is
    /// empty after. `None`, and the buffer unchanged, when there are fewer
    /// bytes or they are not UTF-8.
    pub fn leak_str(&mut self, len: usize) -> Option<&'static str> {
        let text = str_of(self.as_bytes().get(..len)?)?;
        let (start, len) = (text.as_ptr(), text.len());
        core::mem::forget(core::mem::take(self));
        // SAFETY: the bytes are initialised text (checked above) in a block
        // that nothing owns, frees or writes any more; an empty text is a
        // dangling but non-null pointer, as `as_bytes` gives it.
        Some(unsafe { core::str::from_utf8_unchecked(slice::from_raw_parts(start, len)) })
    }

    /// Makes room for `more` bytes after the written ones: the capacity
    /// doubles (at least), so that appending stays linear.
    pub fn reserve(&mut self, more: usize) -> Result<(), OutOfMemory> {
        let needed = self.len.checked_add(more).ok_or(OutOfMemory)?;
        if needed <= self.capacity {
            return Ok(());
        }
        let capacity = needed.max(self.capacity.saturating_mul(2)).max(64);
        let layout = block_layout(capacity).ok_or(OutOfMemory)?;
        let start = match block_layout(self.capacity) {
            // SAFETY: `old` is the layout the block was allocated with, and
            // the new size is non-zero and valid (checked by `layout`).
            Some(old) => unsafe { realloc(self.start, old, capacity) },
            // SAFETY: `layout` has a non-zero size.
            None => unsafe { alloc(layout) },
        };
        if start.is_null() {
            // The old block, if any, is still ours and unchanged.
            return Err(OutOfMemory);
        }
        self.start = start;
        self.capacity = capacity;
        Ok(())
    }

    /// Appends `bytes`, growing the buffer if needed.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), OutOfMemory> {
        self.reserve(bytes.len())?;
        // SAFETY: `reserve` made room for `bytes` after the first `len`
        // bytes of the block, which a borrowed `bytes` cannot overlap.
        unsafe {
            ptr::copy_nonoverlapping(bytes.as_ptr(), self.start.add(self.len), bytes.len());
        }
        self.len += bytes.len();
        Ok(())
    }

    /// Makes the buffer exactly `len` zero bytes long, for the host to
    /// write into; returns where they start.
    pub fn zeroed(&mut self, len: usize) -> Result<*mut u8, OutOfMemory> {
        self.len = 0;
        self.reserve(len)?;
        if len > 0 {
            // SAFETY: `reserve` made room for `len` bytes.
            unsafe { ptr::write_bytes(self.start, 0, len) };
        }
        self.len = len;
        Ok(self.start)
    }
}

impl embedded_io::ErrorType for Buffer {
    type Error = OutOfMemory;
}

impl embedded_io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> Result<usize, OutOfMemory> {
        self.push(buf)?;
        Ok(buf.len())
    }

    /// One reservation for the whole of `buf` (the provided method loops
    /// over `write`, with a panic for a writer that wrote nothing).
    fn write_all(&mut self, buf: &[u8]) -> Result<(), OutOfMemory> {
        self.push(buf)
    }

    fn flush(&mut self) -> Result<(), OutOfMemory> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_io::Write;

    #[test]
    fn writes_accumulate_until_cleared_and_capacity_stays() {
        let mut out = Buffer::new();
        out.write_all(b"up 1\n").unwrap();
        out.push(b"down 0\n").unwrap();
        assert_eq!(out.as_bytes(), b"up 1\ndown 0\n");
        let capacity = out.capacity();
        out.clear();
        assert!(out.as_bytes().is_empty());
        assert_eq!(out.capacity(), capacity);
    }

    #[test]
    fn a_failed_allocation_is_an_error_not_an_abort() {
        let mut out = Buffer::new();
        out.push(b"x").unwrap();
        // More than any allocator can give: the length overflows, or the
        // layout is refused (over `isize::MAX`), or the allocator says no;
        // the buffer is left as it was each time.
        let huge = usize::MAX - 8;
        assert_eq!(out.reserve(huge), Err(OutOfMemory));
        assert_eq!(out.reserve(usize::MAX / 2 + 1), Err(OutOfMemory));
        assert_eq!(out.reserve(isize::MAX as usize - 64), Err(OutOfMemory));
        assert_eq!(out.as_bytes(), b"x");
        assert_eq!(
            embedded_io::Error::kind(&OutOfMemory),
            embedded_io::ErrorKind::OutOfMemory
        );
        assert_eq!(out.zeroed(huge), Err(OutOfMemory));
        assert!(out.as_bytes().is_empty());
    }

    #[test]
    fn zeroed_gives_room_for_the_host() {
        let mut out = Buffer::new();
        out.push(b"old").unwrap();
        let at = out.zeroed(5).unwrap();
        assert_eq!(out.as_bytes(), [0; 5]);
        assert_eq!(at.cast_const(), out.as_bytes().as_ptr());
        assert_eq!(out.zeroed(0).map(|_| out.as_bytes().len()), Ok(0));
    }

    #[test]
    fn growth_keeps_what_was_written() {
        let mut out = Buffer::new();
        assert_eq!(out.as_bytes(), b"");
        let mut expected = std::vec::Vec::new();
        for i in 0..2_000u32 {
            let piece = i.to_le_bytes();
            out.push(&piece).unwrap();
            expected.extend_from_slice(&piece);
        }
        assert_eq!(out.as_bytes(), expected);
        assert!(out.capacity() >= expected.len());
        assert_eq!(Buffer::new().leak_str(0), Some(""));
        assert_eq!(Buffer::new().leak_str(1), None);
        let mut text = Buffer::new();
        text.push(b"z\xc3\xbcrich\xff").unwrap();
        assert_eq!(text.leak_str(8), None);
        assert_eq!(text.as_bytes().len(), 8, "kept when refused");
        assert_eq!(text.leak_str(7), Some("zürich"));
        assert_eq!((text.as_bytes(), text.capacity()), (&b""[..], 0));
    }
}
