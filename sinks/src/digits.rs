//! Integers as decimal text, without `core::fmt`.
//!
//! `write!(out, "{}", n)` would link `core::fmt`'s formatting machinery into
//! every firmware that encodes text. The encoders only ever need plain
//! decimal integers (and [`Decimal`](omnimetrics::Decimal), which renders
//! itself), so a few lines here keep that code out of small binaries.

/// Room for any `u64` or `i64` in decimal (`-9223372036854775808` is 20).
pub(crate) const MAX_DIGITS: usize = 20;

/// Two decimal digits per entry: `00`, `01`, … `99`.
#[cfg(target_pointer_width = "64")]
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `v` in decimal at the start of `out` and returns how many bytes
/// that took (the rest of `out` is left as it was).
///
/// 64-bit targets (servers, where encoding speed matters):
/// The digits are counted first (a leading-zero count, a multiplication and
/// one comparison with a power of ten), then written in place from the
/// last: four per 64-bit division while the number is large, then two at a
/// time from a table of digit pairs, with 32-bit arithmetic; inline (one
/// caller in the hot path).
#[cfg(target_pointer_width = "64")]
#[inline(always)]
pub(crate) fn write_u64(v: u64, out: &mut [u8; MAX_DIGITS]) -> usize {
    let n = decimal_len(v);
    let mut i = n;
    let mut v = v;
    while v >= 10_000 && i >= 4 {
        let r = (v % 10_000) as u32;
        v /= 10_000;
        i -= 4;
        pair(out, i, r / 100);
        pair(out, i + 2, r % 100);
    }
    // Below 10 000 now.
    let mut v = v as u32;
    if v >= 100 && i >= 2 {
        i -= 2;
        pair(out, i, v % 100);
        v /= 100;
    }
    if v >= 10 {
        pair(out, 0, v);
    } else if let Some(d) = out.first_mut() {
        *d = b'0' + v as u8;
    }
    n
}

/// Writes `v` in decimal at the end of `out` and returns where the digits
/// start.
///
/// Small targets: one digit per division, no tables (flash matters more
/// than speed there, and 64-bit division is a library call anyway).
#[cfg(not(target_pointer_width = "64"))]
pub(crate) fn write_u64_at_end(mut v: u64, out: &mut [u8; MAX_DIGITS]) -> usize {
    let mut i = MAX_DIGITS;
    while let Some(d) = i.checked_sub(1).and_then(|at| out.get_mut(at)) {
        *d = b'0' + (v % 10) as u8;
        i -= 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    i
}

/// Powers of ten that fit a `u64`.
#[cfg(target_pointer_width = "64")]
const POW10: [u64; MAX_DIGITS] = {
    let mut t = [1u64; MAX_DIGITS];
    let mut i = 1;
    while i < MAX_DIGITS {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// How many digits `v` has in decimal (1 for 0).
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn decimal_len(v: u64) -> usize {
    // log10(2) ≈ 1233 / 4096: `t` is the digit count of `v`, or one less.
    // (`v | 1` counts 0 as one digit and moves no power of ten, all even
    // but the first.)
    let v = v | 1;
    let bits = 64 - v.leading_zeros();
    let t = ((bits * 1233) >> 12) as usize;
    t + usize::from(POW10.get(t).is_some_and(|&p| v >= p))
}

/// `p` (below 100) as two digits at `out[i..i + 2]`.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn pair(out: &mut [u8; MAX_DIGITS], i: usize, p: u32) {
    let p = p as usize * 2;
    if let (Some(dst), Some(src)) = (out.get_mut(i..i + 2), PAIRS.get(p..p + 2)) {
        dst.copy_from_slice(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate std;
    use std::string::ToString;

    #[cfg(target_pointer_width = "64")]
    fn text(v: u64) -> std::string::String {
        let mut b = [b'x'; MAX_DIGITS];
        let n = write_u64(v, &mut b);
        core::str::from_utf8(&b[..n]).unwrap().to_string()
    }

    #[cfg(not(target_pointer_width = "64"))]
    fn text(v: u64) -> std::string::String {
        let mut b = [b'x'; MAX_DIGITS];
        let start = write_u64_at_end(v, &mut b);
        core::str::from_utf8(&b[start..]).unwrap().to_string()
    }

    #[test]
    fn integers() {
        let mut p = 1u64;
        for _ in 0..20 {
            for v in [p - 1, p, p + 1, (p / 3).wrapping_mul(7), p.wrapping_mul(9)] {
                assert_eq!(text(v), v.to_string());
            }
            p = p.saturating_mul(10);
        }
        assert_eq!(text(0), "0");
        for v in 0..100_000 {
            assert_eq!(text(v), v.to_string());
        }
        assert_eq!(text(u64::MAX), "18446744073709551615");
    }
}
