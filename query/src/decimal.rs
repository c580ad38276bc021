//! Exact decimal arithmetic on the few numbers the rules are made of.
//!
//! Percentiles (`99.9`), latency thresholds (`0.25`, `1.0`) and burn factors
//! (`14.4`) are written into PromQL as text. Computing `1 - 99.9 / 100` in
//! floating point gives `0.0010000000000000009`, which is ugly in a rules
//! file and makes reviewers doubt it. Doing it on scaled integers gives
//! `0.001`, exactly what a person would write.

use alloc::format;
use alloc::string::String;

/// Largest number of digits accepted, so that every value fits a `u64` after
/// scaling by a further `10^2`.
const MAX_DIGITS: usize = 17;

/// A non-negative decimal number written as `digits[.digits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal<'a> {
    /// The digits before the point (at least one).
    pub(crate) int: &'a str,
    /// The digits after the point (possibly none).
    pub(crate) frac: &'a str,
}

impl<'a> Decimal<'a> {
    /// Parses `digits` or `digits.digits`. Signs, exponents, a bare point
    /// and more than 17 digits in all are rejected.
    pub(crate) fn parse(text: &'a str) -> Option<Self> {
        let (int, frac) = match text.split_once('.') {
            Some((int, frac)) if !frac.is_empty() => (int, frac),
            Some(_) => return None,
            None => (text, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !all_digits(int) || !all_digits(frac) {
            return None;
        }
        if int.len() + frac.len() > MAX_DIGITS {
            return None;
        }
        Some(Decimal { int, frac })
    }

    /// The value as `mantissa / 10^scale`.
    pub(crate) fn scaled(&self) -> (u64, u32) {
        let mut mantissa = 0u64;
        for b in self.int.bytes().chain(self.frac.bytes()) {
            mantissa = mantissa * 10 + u64::from(b - b'0');
        }
        // At most MAX_DIGITS digits: fits in u32.
        (mantissa, self.frac.len() as u32)
    }

    /// The integer part without leading zeros (`"0"` for zero).
    pub(crate) fn int_canonical(&self) -> &'a str {
        let trimmed = self.int.trim_start_matches('0');
        if trimmed.is_empty() { "0" } else { trimmed }
    }

    /// The fraction without trailing zeros (empty for an integer value).
    pub(crate) fn frac_canonical(&self) -> &'a str {
        self.frac.trim_end_matches('0')
    }

    /// The shortest way of writing the value (`1` for `1.0`, `0.25`).
    pub(crate) fn canonical(&self) -> String {
        match self.frac_canonical() {
            "" => String::from(self.int_canonical()),
            frac => format!("{}.{frac}", self.int_canonical()),
        }
    }
}

/// Writes `mantissa / 10^scale` in the shortest exact decimal form
/// (`format_scaled(1, 3)` is `0.001`, `format_scaled(60, 1)` is `6`).
pub(crate) fn format_scaled(mut mantissa: u64, mut scale: u32) -> String {
    while scale > 0 && mantissa.is_multiple_of(10) {
        mantissa /= 10;
        scale -= 1;
    }
    let digits = format!("{mantissa}");
    let scale = scale as usize;
    if scale == 0 {
        return digits;
    }
    if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        format!("{int}.{frac}")
    } else {
        format!("0.{:0>width$}", digits, width = scale)
    }
}

/// `100 - percentile` scaled by `10^scale`, and the scale, or `None` unless
/// `0 < percentile < 100`.
fn budget_scaled(percentile: &str) -> Option<(u64, u32)> {
    let (mantissa, scale) = Decimal::parse(percentile)?.scaled();
    let hundred = 100u64.checked_mul(10u64.checked_pow(scale)?)?;
    if mantissa == 0 || mantissa >= hundred {
        return None;
    }
    Some((hundred - mantissa, scale))
}

/// The error budget `1 - percentile / 100` of a percentile such as `99.9`
/// (`0.001`), or `None` unless `0 < percentile < 100`.
pub(crate) fn error_budget(percentile: &str) -> Option<String> {
    budget_scaled(percentile).map(|(m, scale)| format_scaled(m, scale + 2))
}

/// The error budget in percent, `100 - percentile` (`0.1` for `99.9`).
pub(crate) fn budget_percent(percentile: &str) -> Option<String> {
    budget_scaled(percentile).map(|(m, scale)| format_scaled(m, scale))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Writes `num / den` as an exact decimal when there is one, otherwise as the
/// PromQL expression `(num / den)` in lowest terms.
pub(crate) fn format_ratio(num: u64, den: u64) -> String {
    let g = gcd(num, den).max(1);
    let (num, den) = (num / g, den / g);
    // den = 2^a * 5^b has an exact decimal expansion with max(a, b) digits.
    let (mut rest, mut twos, mut fives) = (den, 0u32, 0u32);
    while rest.is_multiple_of(2) {
        rest /= 2;
        twos += 1;
    }
    while rest.is_multiple_of(5) {
        rest /= 5;
        fives += 1;
    }
    let scale = twos.max(fives);
    if rest == 1
        && let Some(mantissa) = 10u64
            .checked_pow(scale)
            .and_then(|p| num.checked_mul(p / den))
    {
        return format_scaled(mantissa, scale);
    }
    format!("({num} / {den})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_decimals_only() {
        assert_eq!(Decimal::parse("99.9").unwrap().scaled(), (999, 1));
        assert_eq!(Decimal::parse("10").unwrap().scaled(), (10, 0));
        for bad in ["", ".5", "1.", "-1", "+1", "1e3", "1.2.3", " 1", "NaN"] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn canonical_parts() {
        let d = Decimal::parse("010.2500").unwrap();
        assert_eq!((d.int_canonical(), d.frac_canonical()), ("10", "25"));
        let d = Decimal::parse("0.0").unwrap();
        assert_eq!((d.int_canonical(), d.frac_canonical()), ("0", ""));
    }

    #[test]
    fn budgets_are_exact() {
        assert_eq!(error_budget("90").as_deref(), Some("0.1"));
        assert_eq!(error_budget("95").as_deref(), Some("0.05"));
        assert_eq!(error_budget("99").as_deref(), Some("0.01"));
        assert_eq!(error_budget("99.9").as_deref(), Some("0.001"));
        assert_eq!(error_budget("99.95").as_deref(), Some("0.0005"));
        assert_eq!(error_budget("50").as_deref(), Some("0.5"));
        assert_eq!(error_budget("100"), None);
        assert_eq!(error_budget("0"), None);
        assert_eq!(error_budget("0.000"), None);
        assert_eq!(error_budget("120"), None);
        assert_eq!(budget_percent("99.9").as_deref(), Some("0.1"));
        assert_eq!(budget_percent("90").as_deref(), Some("10"));
        assert_eq!(Decimal::parse("1.0").unwrap().canonical(), "1");
        assert_eq!(Decimal::parse("00.250").unwrap().canonical(), "0.25");
    }

    #[test]
    fn ratios() {
        assert_eq!(format_ratio(48 * 30, 100), "14.4");
        assert_eq!(format_ratio(2 * 30, 10), "6");
        assert_eq!(format_ratio(30, 30), "1");
        assert_eq!(format_ratio(48 * 28, 100), "13.44");
        assert_eq!(format_ratio(28, 30), "(14 / 15)");
        assert_eq!(format_ratio(7, 8), "0.875");
        assert_eq!(format_ratio(0, 30), "0");
    }

    #[test]
    fn formats_scaled() {
        assert_eq!(format_scaled(1, 3), "0.001");
        assert_eq!(format_scaled(1440, 2), "14.4");
        assert_eq!(format_scaled(0, 4), "0");
        assert_eq!(format_scaled(12345, 2), "123.45");
    }
}
