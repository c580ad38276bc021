//! Integers as decimal text, without `core::fmt`.
//!
//! `write!(out, "{}", n)` would link `core::fmt`'s formatting machinery into
//! every firmware that encodes text. The encoders only ever need plain
//! decimal integers (and [`Decimal`](omnimetrics::Decimal), which renders
//! itself), so a few lines here keep that code out of small binaries.

/// Room for any `u64` or `i64` in decimal (`-9223372036854775808` is 20).
pub(crate) const MAX_DIGITS: usize = 20;

/// Writes `v` in decimal at the end of `buf` and returns the text.
pub(crate) fn u64_text(v: u64, buf: &mut [u8; MAX_DIGITS]) -> &str {
    let start = render(v, buf);
    as_str(&buf[start..])
}

/// Writes `v` in decimal (with a leading `-` when negative).
pub(crate) fn i64_text(v: i64, buf: &mut [u8; MAX_DIGITS]) -> &str {
    // `unsigned_abs` handles i64::MIN, whose magnitude has no i64.
    let mut start = render(v.unsigned_abs(), buf);
    if v < 0 {
        // u64::MAX has 20 digits, but |i64::MIN| only 19: there is room.
        start -= 1;
        buf[start] = b'-';
    }
    as_str(&buf[start..])
}

/// Fills `buf` from the end; returns where the digits start.
fn render(mut v: u64, buf: &mut [u8; MAX_DIGITS]) -> usize {
    let mut i = MAX_DIGITS;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return i;
        }
    }
}

/// A signed decimal, `value × 10^-scale`, as text: a `-` when negative,
/// then the canonical form of [`Decimal`](omnimetrics::Decimal).
pub(crate) struct SignedDecimalBuf {
    bytes: [u8; 49],
    magnitude: omnimetrics::DecimalBuf,
}

impl SignedDecimalBuf {
    pub(crate) fn new() -> Self {
        Self {
            bytes: [0; 49],
            magnitude: omnimetrics::DecimalBuf::new(),
        }
    }

    pub(crate) fn render(&mut self, value: i64, scale: u8) -> &str {
        let text =
            omnimetrics::Decimal::new(value.unsigned_abs(), scale).render(&mut self.magnitude);
        if value >= 0 {
            return text;
        }
        let n = text.len().min(self.bytes.len() - 1);
        self.bytes[0] = b'-';
        self.bytes[1..=n].copy_from_slice(&text.as_bytes()[..n]);
        as_str(&self.bytes[..=n])
    }
}

fn as_str(bytes: &[u8]) -> &str {
    // Only ASCII digits and '-' are ever written.
    core::str::from_utf8(bytes).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes() {
        let mut b = [0; MAX_DIGITS];
        assert_eq!(u64_text(0, &mut b), "0");
        assert_eq!(u64_text(u64::MAX, &mut b), "18446744073709551615");
        assert_eq!(i64_text(i64::MIN, &mut b), "-9223372036854775808");
        assert_eq!(i64_text(i64::MAX, &mut b), "9223372036854775807");
        assert_eq!(i64_text(-1, &mut b), "-1");
        assert_eq!(i64_text(0, &mut b), "0");
    }

    #[test]
    fn signed_decimals() {
        let mut b = SignedDecimalBuf::new();
        assert_eq!(b.render(-1_500_000_000, 9), "-1.5");
        assert_eq!(b.render(170_000_000_025, 2), "1.70000000025e+09");
        assert_eq!(b.render(i64::MIN, 0), "-9.223372036854775808e+18");
        assert_eq!(b.render(0, 3), "0.0");
    }
}
