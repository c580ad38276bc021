//! Exact decimal numbers and their canonical text, without floating point.
//!
//! Durations are integer nanoseconds underneath, and small targets must not
//! link `core::fmt`'s float formatting. Yet bucket boundaries (`le`) and
//! objective thresholds must be written exactly as Prometheus 3 normalises
//! them, byte for byte, or rules that compare the two never match. That
//! normal form is Go's `strconv.FormatFloat(v, 'g', -1, 64)` with `.0`
//! appended when the result has neither a `.` nor an exponent: `0.005`,
//! `0.25`, `1.0`, `10.0`, `1e-05`, `1e+06`. For a decimal with at most 15
//! significant digits the shortest round-trip digits of the nearest `f64` are
//! the decimal's own digits, so the form can be computed from the integer.
//!
//! The same module parses decimal text into integers in `const` context, so
//! that bucket lists and thresholds written as text are checked at compile
//! time.

use core::fmt;

/// A non-negative decimal number, `mantissa × 10^-scale`.
///
/// Nanoseconds rendered as seconds are `Decimal::new(ns, 9)`; plain integers
/// are scale 0.
///
/// ```
/// use omnimetrics::Decimal;
/// let mut buf = omnimetrics::DecimalBuf::new();
/// assert_eq!(Decimal::new(5_000_000, 9).render(&mut buf), "0.005");
/// assert_eq!(Decimal::new(1_000_000_000, 9).render(&mut buf), "1.0");
/// assert_eq!(Decimal::new(10_000, 9).render(&mut buf), "1e-05");
/// assert_eq!(Decimal::new(2_000_000, 0).render(&mut buf), "2e+06");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The digits, as an integer.
    pub mantissa: u64,
    /// How many of the mantissa's digits are after the decimal point (0 to 19).
    pub scale: u8,
}

/// Stack space for one rendered [`Decimal`] (long enough for any of them).
#[derive(Debug)]
pub struct DecimalBuf {
    bytes: [u8; 48],
}

impl Default for DecimalBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl DecimalBuf {
    /// An empty buffer.
    pub const fn new() -> Self {
        Self { bytes: [0; 48] }
    }
}

impl Decimal {
    /// `mantissa × 10^-scale`. Scales above 19 are clamped to 19.
    pub const fn new(mantissa: u64, scale: u8) -> Self {
        Self {
            mantissa,
            scale: if scale > 19 { 19 } else { scale },
        }
    }

    /// Writes the canonical text (see the module docs) into `buf`.
    pub fn render<'b>(&self, buf: &'b mut DecimalBuf) -> &'b str {
        let len = render_into(self.mantissa, self.scale, &mut buf.bytes);
        ascii(buf.bytes.get(..len).unwrap_or(&[]))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = DecimalBuf::new();
        f.write_str(self.render(&mut buf))
    }
}

/// `text` as a `str`; `""` if it is not ASCII. Only ASCII digits, `.`,
/// `e`, `+` and `-` are ever rendered, so the check never fails; it is what
/// keeps this safe, and a byte loop is much smaller in a firmware's flash
/// than `str::from_utf8`'s validator (or the word-at-a-time `is_ascii`).
/// A `const fn`, so that [`DecimalText::new`] checks with it at compile
/// time.
const fn ascii(text: &[u8]) -> &str {
    let mut i = 0;
    while i < text.len() {
        if text[i] >= 0x80 {
            return "";
        }
        i += 1;
    }
    // SAFETY: every byte was checked to be ASCII, and ASCII is valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(text) }
}

/// Renders into `out` (48 bytes is always enough) and returns the length.
/// A `const fn`, so that texts known at compile time (objective thresholds)
/// are rendered by the compiler and firmware links no 64-bit division.
///
/// The mantissa's digits go to the end of a 20-byte buffer of zeros. Then
/// every form is one run over that buffer: the digit run, a `.` before one
/// position, and positions outside the buffer read as `0`. Zeros before
/// the digits (`0.005`) and after them (`10.0`) are then just a wider run,
/// so no form needs code of its own. Every index is checked before use (a
/// byte that would not fit is dropped, which never happens: the longest
/// text is 26 bytes), so the compiled code has no panic paths.
const fn render_into(mantissa: u64, scale: u8, out: &mut [u8; 48]) -> usize {
    const N: i32 = 20;
    // Digit values, not ASCII: a buffer of zero bytes is cleared by code
    // every target links anyway, where one of `b'0'`s takes a `memset`.
    let mut digits = [0u8; N as usize];
    let mut first = N;
    let mut m = mantissa;
    while first > 0 {
        first -= 1;
        digits[first as usize] = (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    // Trailing zeros do not move the decimal point: the significant digits
    // are `digits[first..end]` (at least one; zero is the digit `0`).
    let mut end = N;
    while end > first + 1 && digits[(end - 1) as usize] == 0 {
        end -= 1;
    }
    // Where the decimal point falls in the buffer: before `digits[point]`.
    // Zero is written at scale 0 (`0.0`, not `0e-09`).
    let point = N - if mantissa == 0 { 0 } else { scale as i32 };
    // value = 0.d1d2d3... × 10^(point - first), so its exponent in the
    // %e form is one less.
    let exp = point - first - 1;
    let sci = exp < -4 || exp >= 6;
    let (from, to, dot) = if sci {
        // d[.ddd]e±XX
        (first, end, first + 1)
    } else {
        // %f with exactly the significant digits; a leading `0` when the
        // value is below one, and `.0` when there would be no decimals.
        (
            if point - 1 < first { point - 1 } else { first },
            if point + 1 > end { point + 1 } else { end },
            point,
        )
    };
    let mut len = 0;
    let mut i = from;
    while i < to {
        if i == dot {
            len = put(out, len, b'.');
        }
        let d = if i >= 0 && i < N {
            digits[i as usize]
        } else {
            0
        };
        len = put(out, len, b'0' + d);
        i += 1;
    }
    if sci {
        len = put(out, len, b'e');
        len = put(out, len, if exp < 0 { b'-' } else { b'+' });
        // At least two digits (`e-05`); three below -99, which only a
        // scale above 19 set through the public field reaches.
        let e = exp.unsigned_abs();
        let mut p = if e >= 100 { 100 } else { 10 };
        while p > 0 {
            len = put(out, len, b'0' + (e / p % 10) as u8);
            p /= 10;
        }
    }
    len
}

/// `b` at `out[len]`; the new length.
///
/// Not inlined in wasm, where a call is a few bytes and each inlined copy
/// (bounds check, store) costs more (38 B less in the demo module). On
/// thumbv6m the calls cost more than the copies (8 B more flash), and on
/// servers the inlined store is faster.
#[cfg_attr(target_family = "wasm", inline(never))]
const fn put(out: &mut [u8; 48], len: usize, b: u8) -> usize {
    if len < out.len() {
        out[len] = b;
    }
    len + 1
}

/// A [`Decimal`]'s canonical text, rendered (at compile time when built in
/// `const` context) and kept inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecimalText {
    bytes: [u8; 48],
    len: u8,
}

impl DecimalText {
    /// Renders `d`.
    pub const fn new(d: Decimal) -> Self {
        let mut bytes = [0u8; 48];
        let mut len = render_into(d.mantissa, d.scale, &mut bytes);
        // The text is checked here, once (by the compiler, for a text built
        // in `const` context as objectives' are), rather than in every
        // `as_str`: it is never longer than the buffer, and only ASCII is
        // ever rendered, so neither check fails.
        if len > bytes.len() || ascii(bytes.split_at(len).0).len() != len {
            len = 0;
        }
        Self {
            bytes,
            len: len as u8,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        let text = self.bytes.get(..usize::from(self.len)).unwrap_or(&[]);
        // SAFETY: `new`, the only way to make a `DecimalText` (its fields
        // are private, and nothing else sets them), checked that the bytes
        // up to `len` are ASCII, which is valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(text) }
    }
}

/// Parses `"0.25"`-style text into `mantissa` at `scale` (e.g. nanoseconds
/// for scale 9). Panics, which in `const` context is a compile error, on
/// anything but digits with at most one `.` and at most `scale` decimals.
pub(crate) const fn parse_decimal(s: &[u8], scale: u8) -> u64 {
    let mut i = 0;
    let mut value: u64 = 0;
    let mut decimals: i32 = -1;
    let mut any_digit = false;
    while i < s.len() {
        let c = s[i];
        if c == b'.' {
            if decimals >= 0 {
                panic!("omnimetrics: a number has two decimal points");
            }
            decimals = 0;
        } else if c >= b'0' && c <= b'9' {
            any_digit = true;
            if decimals >= 0 {
                decimals += 1;
                if decimals > scale as i32 {
                    panic!("omnimetrics: a number has more decimals than nanosecond precision");
                }
            }
            value = match value.checked_mul(10) {
                Some(v) => match v.checked_add((c - b'0') as u64) {
                    Some(v) => v,
                    None => panic!("omnimetrics: a number is too large"),
                },
                None => panic!("omnimetrics: a number is too large"),
            };
        } else if c != b' ' {
            panic!("omnimetrics: a number may only hold digits and one '.'");
        }
        i += 1;
    }
    if !any_digit {
        panic!("omnimetrics: an empty number");
    }
    let used = if decimals < 0 { 0 } else { decimals };
    let mut pad = scale as i32 - used;
    while pad > 0 {
        value = match value.checked_mul(10) {
            Some(v) => v,
            None => panic!("omnimetrics: a number is too large"),
        };
        pad -= 1;
    }
    value
}

/// How many comma-separated items `s` holds.
pub(crate) const fn count_items(s: &[u8]) -> usize {
    let mut n = 1;
    let mut i = 0;
    while i < s.len() {
        if s[i] == b',' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Parses `"0.005,0.01,1"` into `N` values at `scale`.
pub(crate) const fn parse_list<const N: usize>(s: &[u8], scale: u8) -> [u64; N] {
    let mut out = [0u64; N];
    let mut item = 0;
    let mut start = 0;
    let mut i = 0;
    while i <= s.len() {
        if i == s.len() || s[i] == b',' {
            if item >= N {
                panic!("omnimetrics: more items than expected in a list");
            }
            let (_, rest) = s.split_at(start);
            let (part, _) = rest.split_at(i - start);
            out[item] = parse_decimal(part, scale);
            item += 1;
            start = i + 1;
        }
        i += 1;
    }
    if item != N {
        panic!("omnimetrics: fewer items than expected in a list");
    }
    out
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    fn r(m: u64, s: u8) -> heapless::String<48> {
        let mut buf = DecimalBuf::new();
        heapless::String::try_from(Decimal::new(m, s).render(&mut buf)).unwrap()
    }

    #[test]
    fn default_buckets_render_like_prometheus_3() {
        let expect = [
            (5_000_000, "0.005"),
            (10_000_000, "0.01"),
            (25_000_000, "0.025"),
            (50_000_000, "0.05"),
            (75_000_000, "0.075"),
            (100_000_000, "0.1"),
            (250_000_000, "0.25"),
            (500_000_000, "0.5"),
            (750_000_000, "0.75"),
            (1_000_000_000, "1.0"),
            (2_500_000_000, "2.5"),
            (5_000_000_000, "5.0"),
            (7_500_000_000, "7.5"),
            (10_000_000_000, "10.0"),
        ];
        for (ns, text) in expect {
            assert_eq!(r(ns, 9), text, "{ns} ns");
        }
    }

    #[test]
    fn go_g_format_edges() {
        assert_eq!(r(0, 9), "0.0");
        assert_eq!(r(100_000, 9), "0.0001");
        assert_eq!(r(10_000, 9), "1e-05");
        assert_eq!(r(12_500, 9), "1.25e-05");
        assert_eq!(r(1, 9), "1e-09");
        assert_eq!(r(999_999, 0), "999999.0");
        assert_eq!(r(1_000_000, 0), "1e+06");
        assert_eq!(r(1_234_567, 0), "1.234567e+06");
        assert_eq!(r(100, 0), "100.0");
        assert_eq!(r(123_456_000_000_000, 9), "123456.0");
        assert_eq!(r(u64::MAX, 0), "1.8446744073709551615e+19");
        assert_eq!(r(u64::MAX, 19), "1.8446744073709551615");
    }

    #[test]
    fn text_rendered_at_compile_time() {
        const T: DecimalText = DecimalText::new(Decimal::new(250_000_000, 9));
        assert_eq!(T.as_str(), "0.25");
        for (m, s) in [
            (0, 9),
            (10_000, 9),
            (u64::MAX, 0),
            (7_500_000_000, 9),
            (123_456_000, 3),
        ] {
            let mut buf = DecimalBuf::new();
            assert_eq!(
                DecimalText::new(Decimal::new(m, s)).as_str(),
                Decimal::new(m, s).render(&mut buf)
            );
        }
    }

    /// The renderer this module had before (with its own index checks):
    /// the panic-free one must agree with it byte for byte.
    const fn reference_render(mantissa: u64, scale: u8, out: &mut [u8; 48]) -> usize {
        if mantissa == 0 {
            out[0] = b'0';
            out[1] = b'.';
            out[2] = b'0';
            return 3;
        }
        // Decimal digits of the mantissa, least significant first.
        let mut rev = [0u8; 20];
        let mut total = 0usize;
        let mut m = mantissa;
        while m > 0 {
            rev[total] = b'0' + (m % 10) as u8;
            m /= 10;
            total += 1;
        }
        // Significant digits, most significant first, trailing zeros dropped
        // (they do not move the decimal point).
        let mut skip = 0;
        while skip + 1 < total && rev[skip] == b'0' {
            skip += 1;
        }
        let nd = total - skip;
        let mut digs = [0u8; 20];
        let mut i = 0;
        while i < nd {
            digs[i] = rev[total - 1 - i];
            i += 1;
        }
        // value = 0.d1d2d3... × 10^dp
        let dp = total as i32 - scale as i32;
        let exp = dp - 1;
        let mut len = 0;
        if exp < -4 || exp >= 6 {
            // %e form: d[.ddd]e±XX
            out[len] = digs[0];
            len += 1;
            if nd > 1 {
                out[len] = b'.';
                len += 1;
                let mut k = 1;
                while k < nd {
                    out[len] = digs[k];
                    len += 1;
                    k += 1;
                }
            }
            out[len] = b'e';
            out[len + 1] = if exp < 0 { b'-' } else { b'+' };
            len += 2;
            let e = exp.unsigned_abs();
            if e >= 100 {
                out[len] = b'0' + (e / 100) as u8;
                len += 1;
            }
            out[len] = b'0' + ((e / 10) % 10) as u8;
            out[len + 1] = b'0' + (e % 10) as u8;
            return len + 2;
        }
        // %f form with exactly the significant digits, and `.0` when there
        // would be no decimals.
        if dp > 0 {
            let mut k = 0;
            while k < dp as usize {
                out[len] = if k < nd { digs[k] } else { b'0' };
                len += 1;
                k += 1;
            }
        } else {
            out[len] = b'0';
            len += 1;
        }
        out[len] = b'.';
        len += 1;
        let frac = nd as i32 - dp;
        if frac > 0 {
            let mut k = 0;
            while k < frac {
                let idx = dp + k;
                out[len] = if idx >= 0 && (idx as usize) < nd {
                    digs[idx as usize]
                } else {
                    b'0'
                };
                len += 1;
                k += 1;
            }
        } else {
            out[len] = b'0';
            len += 1;
        }
        len
    }

    #[test]
    fn agrees_with_the_reference_renderer() {
        let mut mantissas = std::vec![0, 1, 9, 10, 99, 100, 101, 999_999, 1_000_000, u64::MAX];
        for digits in 1..=20u32 {
            let p = 10u64.checked_pow(digits - 1).unwrap_or(u64::MAX);
            mantissas.extend([
                p,
                p.saturating_mul(7) / 3,
                p.saturating_mul(5),
                p.saturating_sub(1),
            ]);
        }
        for m in mantissas {
            for s in 0..=19 {
                let mut ours = [0u8; 48];
                let mut theirs = [0u8; 48];
                let n = render_into(m, s, &mut ours);
                let k = reference_render(m, s, &mut theirs);
                assert_eq!(ours[..n], theirs[..k], "{m} at scale {s}");
            }
        }
    }

    /// `mantissa` rendered both ways, compared.
    fn check(mantissa: u64, scale: u8) {
        let mut ours = [0u8; 48];
        let mut theirs = [0u8; 48];
        let n = render_into(mantissa, scale, &mut ours);
        let k = reference_render(mantissa, scale, &mut theirs);
        assert_eq!(ours[..n], theirs[..k], "{mantissa} at scale {scale}");
    }

    /// Every mantissa below 20,000, then 20,000 pseudo-random ones of every
    /// length with 0 to 19 trailing zeros, each at every scale.
    #[test]
    fn agrees_with_the_reference_renderer_widely() {
        for m in 0..20_000 {
            for s in 0..=19 {
                check(m, s);
            }
        }
        // xorshift64: deterministic, and no dependency.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 20) as u32 + 1;
            let zeros = ((x >> 8) % 20) as u32;
            let mut m = x >> (x % 64);
            if let Some(p) = 10u64.checked_pow(digits) {
                m %= p;
            }
            m = m.checked_mul(10u64.pow(zeros)).unwrap_or(m);
            for s in 0..=19 {
                check(m, s);
            }
        }
    }

    /// The fields are public, so a scale above 19 can reach the renderer
    /// without `Decimal::new`'s clamp (three-digit exponents).
    #[test]
    fn scales_beyond_nineteen() {
        for m in [0, 1, 7, 10, 123, 1_000_000, 123_456_789, u64::MAX] {
            for s in 20..=255 {
                check(m, s);
                let mut buf = DecimalBuf::new();
                let d = Decimal {
                    mantissa: m,
                    scale: s,
                };
                let mut theirs = [0u8; 48];
                let k = reference_render(m, s, &mut theirs);
                assert_eq!(d.render(&mut buf).as_bytes(), &theirs[..k]);
            }
        }
        assert_eq!(
            Decimal {
                mantissa: 15,
                scale: 200
            }
            .render(&mut DecimalBuf::new()),
            "1.5e-199"
        );
    }

    #[test]
    fn const_parsing() {
        const NS: u64 = parse_decimal(b"0.25", 9);
        assert_eq!(NS, 250_000_000);
        assert_eq!(parse_decimal(b"10", 9), 10_000_000_000);
        assert_eq!(parse_decimal(b"1.", 9), 1_000_000_000);
        assert_eq!(parse_decimal(b".5", 9), 500_000_000);
        const L: [u64; 3] = parse_list(b"0.005, 1,2.5", 9);
        assert_eq!(L, [5_000_000, 1_000_000_000, 2_500_000_000]);
        assert_eq!(count_items(b"1,2,3"), 3);
    }

    #[test]
    #[should_panic(expected = "more decimals")]
    fn rejects_sub_nanosecond() {
        parse_decimal(b"0.0000000001", 9);
    }

    #[test]
    #[should_panic(expected = "only hold digits")]
    fn rejects_garbage() {
        parse_decimal(b"1e3", 9);
    }
}
