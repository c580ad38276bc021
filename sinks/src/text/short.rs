//! Word-at-a-time help for the text encoder, 64-bit targets only.
//!
//! - [`Short`]: a fragment of 1 to 16 bytes (most names, label values and
//!   numbers) copied with two loads and two stores of one integer size, not
//!   a call to `memcpy`.
//! - [`clean_quoted`] and [`name_chars`] ([`all_words`] with
//!   [`no_quoted_special`] or [`all_name_chars`]): a text of 8 bytes or more
//!   checked 8 bytes at a time with integer arithmetic (SWAR, "SIMD within
//!   a register") for bytes that need escaping or that a name may not hold.
//!   (Below 8 bytes a byte loop is as fast.)

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// A fragment of 1 to 16 bytes, loaded as two integers (overlapping for
/// lengths that are not a power of two).
#[derive(Clone, Copy)]
pub(crate) struct Short {
    n: usize,
    a: u64,
    b: u64,
}

impl Short {
    /// `s`, if it is 1 to 16 bytes long.
    #[inline(always)]
    pub(crate) fn load(s: &[u8]) -> Option<Self> {
        let n = s.len();
        let (a, b) = if n >= 8 {
            if n > 16 {
                return None;
            }
            (
                u64::from_ne_bytes(load(s, 0)),
                u64::from_ne_bytes(load(s, n - 8)),
            )
        } else if n >= 4 {
            let lo = u64::from(u32::from_ne_bytes(load(s, 0)));
            let hi = u64::from(u32::from_ne_bytes(load(s, n - 4)));
            (lo, hi)
        } else if n >= 2 {
            let lo = u64::from(u16::from_ne_bytes(load(s, 0)));
            let hi = u64::from(u16::from_ne_bytes(load(s, n - 2)));
            (lo, hi)
        } else {
            (u64::from(*s.first()?), 0)
        };
        Some(Self { n, a, b })
    }

    /// Writes the fragment to `dst`, which is as long.
    #[inline(always)]
    pub(crate) fn store(&self, dst: &mut [u8]) {
        let n = self.n;
        if n >= 8 {
            store(dst, 0, self.a.to_ne_bytes());
            store(dst, n - 8, self.b.to_ne_bytes());
        } else if n >= 4 {
            store(dst, 0, (self.a as u32).to_ne_bytes());
            store(dst, n - 4, (self.b as u32).to_ne_bytes());
        } else if n >= 2 {
            store(dst, 0, (self.a as u16).to_ne_bytes());
            store(dst, n - 2, (self.b as u16).to_ne_bytes());
        } else if let Some(d) = dst.first_mut() {
            *d = self.a as u8;
        }
    }
}

/// `K` bytes of `s` at `at` (zeros if out of bounds, which callers rule out).
#[inline(always)]
fn load<const K: usize>(s: &[u8], at: usize) -> [u8; K] {
    s.get(at..at + K)
        .and_then(|b| <[u8; K]>::try_from(b).ok())
        .unwrap_or([0; K])
}

#[inline(always)]
fn store<const K: usize>(d: &mut [u8], at: usize, v: [u8; K]) {
    if let Some(b) = d.get_mut(at..at + K) {
        b.copy_from_slice(&v);
    }
}

/// Whether no byte of `b` (at least 8 long) needs escaping in a label
/// value: inline when `INLINE`, else a call. (Inline, the checks' constants
/// take registers in the caller's loop, which a line of short labels needs
/// for itself; see `encoder::given_labels`.)
#[inline(always)]
pub(crate) fn clean_quoted<const INLINE: bool>(b: &[u8]) -> bool {
    if INLINE {
        all_words(b, no_quoted_special)
    } else {
        clean_quoted_call(b)
    }
}

#[inline(never)]
fn clean_quoted_call(b: &[u8]) -> bool {
    all_words(b, no_quoted_special)
}

/// Whether every byte of `b` (at least 8 long) may be in a label name (a
/// metric name with `colon`); the first is for the caller. Inline or a
/// call, as [`clean_quoted`].
#[inline(always)]
pub(crate) fn name_chars<const INLINE: bool>(b: &[u8], colon: bool) -> bool {
    if INLINE {
        all_words(b, |w| all_name_chars(w, colon))
    } else {
        name_chars_call(b, colon)
    }
}

#[inline(never)]
fn name_chars_call(b: &[u8], colon: bool) -> bool {
    all_words(b, |w| all_name_chars(w, colon))
}

/// Whether `test` holds for every 8 bytes of `b` (at least 8 long), read
/// as one word: the whole 8-byte chunks, then the last 8 bytes.
#[inline(always)]
pub(crate) fn all_words(b: &[u8], test: impl Fn(u64) -> bool) -> bool {
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        if !test(word(c)) {
            return false;
        }
    }
    chunks.remainder().is_empty() || test(word(b.get(b.len().saturating_sub(8)..).unwrap_or(&[])))
}

/// The first 8 bytes of `c` as a word (zero if shorter, which callers rule
/// out).
#[inline(always)]
fn word(c: &[u8]) -> u64 {
    u64::from_ne_bytes(load(c, 0))
}

/// Non-zero high bits where `w` has a zero byte, and possibly above one;
/// zero if it has none (exact as a yes/no answer).
#[inline(always)]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGH
}

/// Whether no byte of `w` is `\`, `"` or a newline: a label value that
/// needs no escaping. (Three tests, one branch.)
#[inline(always)]
pub(crate) fn no_quoted_special(w: u64) -> bool {
    (zero_bytes(w ^ (ONES * u64::from(b'\\')))
        | zero_bytes(w ^ (ONES * u64::from(b'"')))
        | zero_bytes(w ^ (ONES * u64::from(b'\n'))))
        == 0
}

/// The high bit of each byte of `w` (all below `0x80`) that is in
/// `lo..=hi` (`0 < lo <= hi < 0x80`).
#[inline(always)]
fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    // Per byte, neither sum carries into the next byte: x ≤ 0x7f.
    let at_least_lo = w + ONES * u64::from(0x80 - lo);
    let above_hi = w + ONES * u64::from(0x7f - hi);
    at_least_lo & !above_hi & HIGH
}

/// The high bit of each byte of `w` (all below `0x80`) equal to `c`.
#[inline(always)]
fn equal(w: u64, c: u8) -> u64 {
    let x = w ^ (ONES * u64::from(c));
    // Per byte: the high bit set iff the byte is not zero (no carries).
    let nonzero = ((x & !HIGH) + !HIGH) | x;
    !nonzero & HIGH
}

/// Whether every byte of `w` is `[a-zA-Z0-9_]`, and `:` too if `colon`:
/// the characters of a label name (a metric name with `colon`). Whether
/// the first is a digit is for the caller.
#[inline(always)]
pub(crate) fn all_name_chars(w: u64, colon: bool) -> bool {
    // Bytes from 0x80 up are refused by the last line; below, no sum in
    // the tests carries from one byte into the next.
    let ascii = w & !HIGH;
    let letters = in_range(ascii | (ONES * 0x20), b'a', b'z');
    let digits = in_range(ascii, b'0', b'9');
    let mut ok = letters | digits | equal(ascii, b'_');
    if colon {
        ok |= equal(ascii, b':');
    }
    ok & !w == HIGH
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn loads_and_stores_every_length() {
        let src: Vec<u8> = (1..=20u8).collect();
        for n in 1..=16 {
            let s = Short::load(&src[..n]).unwrap();
            let mut dst = [0u8; 16];
            s.store(&mut dst[..n]);
            assert_eq!(&dst[..n], &src[..n]);
        }
        assert!(Short::load(&[]).is_none());
        assert!(Short::load(&src[..17]).is_none());
    }

    #[test]
    fn checks_agree_with_byte_loops_for_every_byte_at_every_place() {
        for n in 8..=24 {
            for at in 0..n {
                for b in 0..=255u8 {
                    let mut s = [b'a'; 24];
                    s[at] = b;
                    let s = &s[..n];
                    assert_eq!(
                        all_words(s, no_quoted_special),
                        !s.iter().any(|c| matches!(c, b'\\' | b'"' | b'\n')),
                        "{s:?}"
                    );
                    for colon in [false, true] {
                        assert_eq!(
                            all_words(s, |w| all_name_chars(w, colon)),
                            s.iter().all(|&c| c.is_ascii_alphanumeric()
                                || c == b'_'
                                || (colon && c == b':')),
                            "{s:?} {colon}"
                        );
                    }
                }
            }
        }
    }
}
