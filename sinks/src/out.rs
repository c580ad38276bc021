//! Where encoded bytes go: two small object-safe traits over the callers'
//! writers.
//!
//! The encoders are written once, against `&mut dyn TextOut` or
//! `&mut dyn ByteOut`, instead of being generic over the caller's writer: a
//! firmware that writes to a UART and to a buffer gets one copy of the
//! encoding code, not one per writer type. `TextOut` is ours rather than
//! `dyn core::fmt::Write` because that vtable carries `write_fmt`, which
//! would link `core::fmt`'s machinery into every binary.

/// The destination refused a write. The adapter keeps the real error.
#[derive(Debug)]
pub(crate) struct Failed;

/// A sink for text.
pub(crate) trait TextOut {
    /// Writes all of `s`.
    fn put(&mut self, s: &str) -> Result<(), Failed>;

    /// Writes all of `bytes`: whole `&str` fragments one after the other,
    /// so valid UTF-8 (what the text buffer holds). A text destination
    /// checks that once, here; a byte destination overrides this to take
    /// the bytes as they are, and then no UTF-8 validation code is linked
    /// at all (about 0.7 KB of a wasm module or a firmware).
    fn put_fragments(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        self.put(fragments_as_str(bytes)?)
    }
}

/// `bytes` (whole `&str` fragments) as a `&str`: checked, never assumed.
/// On 64-bit targets an all-ASCII buffer (the usual case) is recognised by
/// a vectorised pass in `core`, some sixteen times cheaper than
/// `core::str::from_utf8`; on smaller targets, where that code would cost
/// more flash than the time it saves matters, only `from_utf8`.
fn fragments_as_str(bytes: &[u8]) -> Result<&str, Failed> {
    #[cfg(target_pointer_width = "64")]
    if bytes.is_ascii() {
        // SAFETY: every byte was just checked to be ASCII, and ASCII is
        // valid UTF-8.
        return Ok(unsafe { core::str::from_utf8_unchecked(bytes) });
    }
    // Whole fragments only (see above): this cannot fail.
    core::str::from_utf8(bytes).map_err(|_| Failed)
}

/// A sink for bytes.
pub(crate) trait ByteOut {
    /// Writes all of `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), Failed>;
}

/// `core::fmt::Write` as a [`TextOut`].
pub(crate) struct FmtOut<'w, W: ?Sized>(pub(crate) &'w mut W);

impl<W: core::fmt::Write + ?Sized> TextOut for FmtOut<'_, W> {
    fn put(&mut self, s: &str) -> Result<(), Failed> {
        self.0.write_str(s).map_err(|_| Failed)
    }
}

/// `embedded_io::Write` as a [`TextOut`] or [`ByteOut`], keeping the error.
pub(crate) struct IoOut<'w, W: embedded_io::Write + ?Sized> {
    pub(crate) writer: &'w mut W,
    pub(crate) error: Option<W::Error>,
}

impl<'w, W: embedded_io::Write + ?Sized> IoOut<'w, W> {
    pub(crate) fn new(writer: &'w mut W) -> Self {
        Self {
            writer,
            error: None,
        }
    }

    /// `r` with the writer's error in place of [`Failed`]. (Only the
    /// writer fails an encoder; were it to fail without its error, there
    /// would be nothing to report, and the default value stands in.)
    pub(crate) fn result<T: Default>(self, r: Result<T, Failed>) -> Result<T, W::Error> {
        match (r, self.error) {
            (Ok(v), _) => Ok(v),
            (Err(Failed), Some(e)) => Err(e),
            (Err(Failed), None) => Ok(T::default()),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        self.writer.write_all(bytes).map_err(|e| {
            self.error = Some(e);
            Failed
        })
    }
}

impl<W: embedded_io::Write + ?Sized> TextOut for IoOut<'_, W> {
    fn put(&mut self, s: &str) -> Result<(), Failed> {
        self.write(s.as_bytes())
    }

    fn put_fragments(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        self.write(bytes)
    }
}

impl<W: embedded_io::Write + ?Sized> ByteOut for IoOut<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        self.write(bytes)
    }
}

/// A caller's buffer as a [`ByteOut`].
pub(crate) struct SliceOut<'b> {
    pub(crate) buf: &'b mut [u8],
    pub(crate) len: usize,
}

impl ByteOut for SliceOut<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        let end = self.len + bytes.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(Failed)?;
        crate::copy::copy(slot, bytes);
        self.len = end;
        Ok(())
    }
}
