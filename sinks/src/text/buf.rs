//! The text encoders' output buffer: lines are assembled on the stack and
//! handed to the writer in large pieces.
//!
//! Writing each fragment of a line (name, `{`, label name, `="`, value, …)
//! straight to `&mut dyn TextOut` costs a dynamic call, the writer's own
//! bookkeeping and a `memcpy` call per fragment: about ten per sample line.
//! Gathered here, a fragment is a bounds check and a copy, and the writer
//! sees one `put` per [`TEXT_BUF`] bytes.
//!
//! A line is written through a [`Line`], a cursor that lives in the
//! writing function: its position stays in a register for the whole line
//! and is stored back once, when the cursor is dropped, instead of being
//! loaded and stored around every fragment (which chains each fragment's
//! write to the previous one through memory). On 64-bit targets its
//! methods are `#[inline(always)]`; what happens when the buffer is full is
//! out of line, and takes and returns the position by value so that the
//! cursor never leaves its registers. On smaller targets (firmware) they
//! are ordinary calls: one copy of each in flash.
//!
//! The buffer only ever holds whole `&str` fragments and ASCII bytes, one
//! after the other, so what it holds is valid UTF-8 at every fragment
//! boundary, which is where it is flushed. A flush hands the bytes to
//! `TextOut::put_fragments`: a byte destination (a UART, a buffer) takes
//! them as they are; a text destination (`core::fmt::Write`) checks them
//! once per flush, not per fragment. So no `unsafe` code depends on how the
//! encoder fills the buffer.

#[cfg(target_pointer_width = "64")]
use super::short::Short;
use crate::digits::MAX_DIGITS;
#[cfg(target_pointer_width = "64")]
use crate::digits::write_u64;
#[cfg(not(target_pointer_width = "64"))]
use crate::digits::write_u64_at_end;
use crate::out::{Failed, TextOut};

/// Bytes gathered before one write to the destination. On 64-bit targets
/// (servers) several dozen sample lines; on smaller ones (firmware, where
/// stack is scarce and the destination is usually a UART) about one.
#[cfg(target_pointer_width = "64")]
pub(crate) const TEXT_BUF: usize = 2048;
/// Bytes gathered before one write to the destination (see the 64-bit
/// value).
#[cfg(not(target_pointer_width = "64"))]
pub(crate) const TEXT_BUF: usize = 128;

// Any decimal integer fits an empty buffer (see `Line::u64`).
const _: () = assert!(TEXT_BUF >= MAX_DIGITS);

/// A stack buffer in front of a [`TextOut`].
pub(crate) struct TextBuf<'o> {
    out: &'o mut dyn TextOut,
    len: usize,
    bytes: [u8; TEXT_BUF],
}

impl<'o> TextBuf<'o> {
    pub(crate) fn new(out: &'o mut dyn TextOut) -> Self {
        Self {
            out,
            len: 0,
            bytes: [0; TEXT_BUF],
        }
    }

    /// A cursor at the end of what the buffer holds; what it writes counts
    /// when it is dropped.
    #[inline(always)]
    pub(crate) fn line(&mut self) -> Line<'_> {
        Line {
            buf: &mut self.bytes,
            out: &mut *self.out,
            len: self.len,
            end: &mut self.len,
        }
    }

    /// Appends `s` (a convenience for writing outside lines).
    pub(crate) fn put(&mut self, s: &str) -> Result<(), Failed> {
        self.line().put(s)
    }

    /// Writes out what the buffer holds.
    pub(crate) fn flush(&mut self) -> Result<(), Failed> {
        let len = core::mem::take(&mut self.len);
        flush(&self.bytes, self.out, len)
    }
}

/// Writes out `buf[..len]`.
fn flush(buf: &[u8; TEXT_BUF], out: &mut dyn TextOut, len: usize) -> Result<(), Failed> {
    if len == 0 {
        return Ok(());
    }
    out.put_fragments(buf.get(..len).unwrap_or(&[]))
}

/// A cursor writing into a [`TextBuf`] (see the module docs).
pub(crate) struct Line<'b> {
    buf: &'b mut [u8; TEXT_BUF],
    out: &'b mut dyn TextOut,
    /// Where the next byte goes.
    len: usize,
    /// The buffer's own length, updated on drop.
    end: &'b mut usize,
}

impl Drop for Line<'_> {
    /// What was written counts. (After a failed write the encoding ends;
    /// whatever the buffer then holds was not written yet, and a write that
    /// flushed before failing leaves the position at 0.)
    #[inline(always)]
    fn drop(&mut self) {
        *self.end = self.len;
    }
}

impl<'b> Line<'b> {
    /// The parts out-of-line helpers need: the buffer, the writer, the
    /// position. They return the new position for [`resume`](Self::resume);
    /// until then the cursor stands at 0, so that a helper that flushes and
    /// then fails leaves nothing to be written twice.
    #[cfg(target_pointer_width = "64")]
    #[inline(always)]
    pub(crate) fn parts(&mut self) -> (&mut [u8; TEXT_BUF], &mut dyn TextOut, usize) {
        (self.buf, self.out, core::mem::take(&mut self.len))
    }

    /// Continues at `len`, as returned by an out-of-line helper.
    #[cfg(target_pointer_width = "64")]
    #[inline(always)]
    pub(crate) fn resume(&mut self, len: usize) {
        self.len = len;
    }

    /// A cursor over the same buffer at `len`, for out-of-line helpers
    /// given [`parts`](Self::parts), which return its
    /// [`position`](Self::position) (`end` is only a place to drop it).
    #[cfg(target_pointer_width = "64")]
    #[inline(always)]
    pub(crate) fn at<'c>(
        buf: &'c mut [u8; TEXT_BUF],
        out: &'c mut dyn TextOut,
        len: usize,
        end: &'c mut usize,
    ) -> Line<'c> {
        Line { buf, out, len, end }
    }

    /// Where the cursor is.
    #[cfg(target_pointer_width = "64")]
    #[inline(always)]
    pub(crate) fn position(&self) -> usize {
        self.len
    }

    /// Appends `s`.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    pub(crate) fn put(&mut self, s: &str) -> Result<(), Failed> {
        self.bytes(s.as_bytes())
    }

    /// Appends `b`, which is ASCII or a whole `&str` (see the module docs).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), Failed> {
        let end = self.len + b.len();
        match self.buf.get_mut(self.len..end) {
            Some(slot) => {
                copy(slot, b);
                self.len = end;
                Ok(())
            }
            None => {
                self.len = spill(self.buf, self.out, core::mem::take(&mut self.len), b)?;
                Ok(())
            }
        }
    }

    /// Appends one ASCII byte.
    #[cfg(target_pointer_width = "64")]
    #[inline(always)]
    pub(crate) fn byte(&mut self, b: u8) -> Result<(), Failed> {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = b;
                self.len += 1;
                Ok(())
            }
            None => {
                self.len = spill(self.buf, self.out, core::mem::take(&mut self.len), &[b])?;
                Ok(())
            }
        }
    }

    /// Appends one ASCII byte (through [`bytes`](Self::bytes): one function
    /// less in flash).
    #[cfg(not(target_pointer_width = "64"))]
    pub(crate) fn byte(&mut self, b: u8) -> Result<(), Failed> {
        self.bytes(&[b])
    }

    /// Appends `v` in decimal: in place (64-bit targets).
    #[cfg(target_pointer_width = "64")]
    #[inline(always)]
    pub(crate) fn u64(&mut self, v: u64) -> Result<(), Failed> {
        if self.len + MAX_DIGITS > TEXT_BUF {
            self.len = spill(self.buf, self.out, core::mem::take(&mut self.len), &[])?;
        }
        let room = self
            .buf
            .get_mut(self.len..self.len + MAX_DIGITS)
            .and_then(|r| <&mut [u8; MAX_DIGITS]>::try_from(r).ok())
            .ok_or(Failed)?;
        self.len += write_u64(v, room);
        Ok(())
    }

    /// Appends `v` in decimal: through [`bytes`](Self::bytes) (smaller
    /// targets).
    #[cfg(not(target_pointer_width = "64"))]
    pub(crate) fn u64(&mut self, v: u64) -> Result<(), Failed> {
        let mut digits = [0; MAX_DIGITS];
        let start = write_u64_at_end(v, &mut digits);
        self.bytes(digits.get(start..).unwrap_or(&[]))
    }

    /// Appends `v` in decimal, with a `-` when negative.
    #[cfg_attr(target_pointer_width = "64", inline)]
    pub(crate) fn i64(&mut self, v: i64) -> Result<(), Failed> {
        if v < 0 {
            self.byte(b'-')?;
        }
        // `unsigned_abs` handles i64::MIN, whose magnitude has no i64.
        self.u64(v.unsigned_abs())
    }
}

/// `b` does not fit after `buf[..len]`: flushes, then copies `b` to the
/// start of the buffer, or writes it straight through when it is longer
/// than the whole buffer. Returns the new length.
#[cold]
#[inline(never)]
fn spill(
    buf: &mut [u8; TEXT_BUF],
    out: &mut dyn TextOut,
    len: usize,
    b: &[u8],
) -> Result<usize, Failed> {
    flush(buf, out, len)?;
    match buf.get_mut(..b.len()) {
        Some(slot) => {
            copy(slot, b);
            Ok(b.len())
        }
        None => {
            out.put_fragments(b)?;
            Ok(0)
        }
    }
}

/// `dst.copy_from_slice(src)` (same lengths), without a call to `memcpy`
/// for the short fragments lines are made of (see [`Short`]). 64-bit
/// targets only; elsewhere unaligned loads may not exist and `memcpy` is
/// smaller.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn copy(dst: &mut [u8], src: &[u8]) {
    match Short::load(src) {
        Some(s) => s.store(dst),
        None => dst.copy_from_slice(src),
    }
}

#[cfg(not(target_pointer_width = "64"))]
use crate::copy::copy;

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::{String, ToString};

    struct S(String, usize);
    impl TextOut for S {
        fn put(&mut self, s: &str) -> Result<(), Failed> {
            self.0.push_str(s);
            self.1 += 1;
            Ok(())
        }
    }

    fn u(v: u64) -> String {
        let mut s = S(String::new(), 0);
        let mut b = TextBuf::new(&mut s);
        let mut l = b.line();
        l.u64(v).unwrap();
        drop(l);
        b.flush().unwrap();
        s.0
    }

    fn i(v: i64) -> String {
        let mut s = S(String::new(), 0);
        let mut b = TextBuf::new(&mut s);
        let mut l = b.line();
        l.i64(v).unwrap();
        drop(l);
        b.flush().unwrap();
        s.0
    }

    #[test]
    fn integers() {
        let mut p = 1u64;
        for _ in 0..20 {
            for v in [p - 1, p, p + 1, p.wrapping_mul(7) / 3] {
                assert_eq!(u(v), v.to_string());
            }
            p = p.saturating_mul(10);
        }
        assert_eq!(u(u64::MAX), "18446744073709551615");
        assert_eq!(i(i64::MIN), "-9223372036854775808");
        assert_eq!(i(i64::MAX), "9223372036854775807");
        assert_eq!(i(-1), "-1");
        assert_eq!(i(0), "0");
    }

    #[test]
    fn fragments_keep_their_order_across_flushes() {
        let mut s = S(String::new(), 0);
        let mut want = String::new();
        {
            let mut b = TextBuf::new(&mut s);
            let long = "ü".repeat(TEXT_BUF); // longer than the buffer
            for k in 0..2 * TEXT_BUF {
                let piece = match k % 5 {
                    0 => "é€",
                    1 => "x",
                    2 => &long[..2 * (k % 40)],
                    3 => &long,
                    _ => "",
                };
                let mut l = b.line();
                l.put(piece).unwrap();
                want.push_str(piece);
                l.u64(k as u64).unwrap();
                want.push_str(&k.to_string());
                l.byte(b'\n').unwrap();
                want.push('\n');
            }
            b.flush().unwrap();
        }
        assert_eq!(s.0, want);
        assert!(s.1 < want.len() / 64, "{} writes", s.1);
    }
}
