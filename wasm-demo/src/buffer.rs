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
//! snapshot allocates nothing. Growth goes through `Vec::try_reserve`,
//! which reports a failed allocation (as [`OutOfMemory`]) instead of
//! aborting, and bytes are copied in without `Vec`'s own growth path, which
//! would bring the aborting handler back.

use alloc::vec::Vec;
use core::fmt;

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
#[derive(Debug, Default)]
pub struct Buffer {
    bytes: Vec<u8>,
}

impl Buffer {
    /// An empty buffer; allocates nothing until written to.
    pub const fn new() -> Self {
        Self { bytes: Vec::new() }
    }

    /// Forgets what was written, keeping the capacity.
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// What was written since the last [`clear`](Self::clear).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, as an owned vector.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Appends `bytes`, growing the buffer if needed.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), OutOfMemory> {
        self.bytes
            .try_reserve(bytes.len())
            .map_err(|_| OutOfMemory)?;
        let len = self.bytes.len();
        let spare = self.bytes.spare_capacity_mut();
        let mut written = 0;
        for (slot, &b) in spare.iter_mut().zip(bytes) {
            slot.write(b);
            written += 1;
        }
        // SAFETY: the `written` bytes after `len` were initialised just
        // above, within the capacity reserved for them.
        unsafe { self.bytes.set_len(len + written) };
        Ok(())
    }

    /// Makes the buffer exactly `len` zero bytes long, for the host to
    /// write into; returns where they start.
    pub fn zeroed(&mut self, len: usize) -> Result<*mut u8, OutOfMemory> {
        self.bytes.clear();
        self.bytes.try_reserve(len).map_err(|_| OutOfMemory)?;
        for slot in self.bytes.spare_capacity_mut().iter_mut().take(len) {
            slot.write(0);
        }
        // SAFETY: `len` bytes were reserved and initialised just above.
        unsafe { self.bytes.set_len(len) };
        Ok(self.bytes.as_mut_ptr())
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
        let capacity = out.bytes.capacity();
        out.clear();
        assert!(out.as_bytes().is_empty());
        assert_eq!(out.bytes.capacity(), capacity);
    }

    #[test]
    fn a_failed_allocation_is_an_error_not_an_abort() {
        let mut out = Buffer::new();
        out.push(b"x").unwrap();
        // More than any allocator can give: `try_reserve` fails (capacity
        // overflow) and the buffer is left as it was.
        let huge = usize::MAX - 8;
        assert_eq!(
            out.bytes.try_reserve(huge).map_err(|_| OutOfMemory),
            Err(OutOfMemory)
        );
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
}
