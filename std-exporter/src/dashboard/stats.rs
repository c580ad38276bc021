//! The arithmetic of the page: counter increases, rates, ratios and
//! latency percentiles between two samples.
//!
//! The numbers must agree with what Prometheus shows for the generated
//! queries, or the page would teach users to distrust one of the two. So
//! these follow PromQL's rules: a counter that goes down was reset and
//! counts from zero (`increase`), and a percentile is interpolated linearly
//! inside the bucket that holds it, with the `+Inf` bucket answered by the
//! highest finite boundary (`histogram_quantile`).

/// How much a counter grew from `old` to `new`; a decrease is a reset (the
/// process or device restarted), after which everything counted is new.
pub(crate) fn increase(old: u64, new: u64) -> u64 {
    if new >= old { new - old } else { new }
}

/// Per-bucket increases of a histogram (counts per bucket, `+Inf` last).
/// If any bucket went down, the histogram was reset and `new` is the
/// increase. Bucket lists of different lengths (the buckets changed) give
/// `None`.
pub(crate) fn bucket_increase(old: &[u64], new: &[u64]) -> Option<Vec<u64>> {
    if old.len() != new.len() {
        return None;
    }
    if old.iter().zip(new).any(|(o, n)| n < o) {
        return Some(new.to_vec());
    }
    Some(old.iter().zip(new).map(|(o, n)| n - o).collect())
}

/// The sum of `counts`, stopping at `u64::MAX` (counts can come from a
/// device, so from anywhere).
pub(crate) fn total(counts: &[u64]) -> u64 {
    counts.iter().fold(0u64, |sum, &c| sum.saturating_add(c))
}

/// `count / seconds`, or `None` when no time passed.
pub(crate) fn per_second(count: u64, seconds: f64) -> Option<f64> {
    (seconds > 0.0).then(|| count as f64 / seconds)
}

/// `part / whole`, or `None` when `whole` is zero (no calls: no ratio,
/// rather than a misleading 0).
pub(crate) fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The value under which a share `q` (0 to 1) of the observations fall,
/// from per-bucket counts (`bounds.len() + 1` of them, `+Inf` last) and
/// ascending finite upper bounds, as PromQL's `histogram_quantile`
/// computes it. `None` without observations or with malformed input.
pub(crate) fn quantile(q: f64, bounds: &[f64], counts: &[u64]) -> Option<f64> {
    if !(0.0..=1.0).contains(&q) || counts.len() != bounds.len() + 1 {
        return None;
    }
    let all = total(counts);
    if all == 0 {
        return None;
    }
    let rank = q * all as f64;
    let mut below = 0u64;
    for (i, &count) in counts.iter().enumerate() {
        let through = below.saturating_add(count);
        // The first bucket whose cumulative count reaches the rank (a
        // bucket with nothing in it cannot hold the rank).
        if count > 0 && through as f64 >= rank {
            let Some(&upper) = bounds.get(i) else {
                // The +Inf bucket: nothing better to say than the highest
                // finite boundary.
                return bounds.last().copied();
            };
            let lower = if i == 0 {
                0.0f64.min(upper)
            } else {
                bounds[i - 1]
            };
            let inside = (rank - below as f64) / count as f64;
            return Some(lower + (upper - lower) * inside.clamp(0.0, 1.0));
        }
        below = through;
    }
    bounds.last().copied()
}

/// How many observations were at or under `threshold` (a bucket boundary,
/// as latency objectives use), from per-bucket counts. Boundaries are
/// compared with a relative tolerance: they were decimals before becoming
/// floating point.
pub(crate) fn at_or_under(threshold: f64, bounds: &[f64], counts: &[u64]) -> u64 {
    let limit = threshold + threshold.abs() * 1e-9;
    bounds
        .iter()
        .zip(counts)
        .take_while(|(b, _)| **b <= limit)
        .fold(0u64, |sum, (_, &c)| sum.saturating_add(c))
}

/// `x` rounded to four significant digits, which is all a chart or a
/// glance needs, and keeps the JSON small. Non-finite values become `None`.
pub(crate) fn round4(x: f64) -> Option<f64> {
    if !x.is_finite() {
        return None;
    }
    if x == 0.0 {
        return Some(0.0);
    }
    let digits = 3 - x.abs().log10().floor() as i32;
    // Powers of ten up to 1e22 are exact, so multiplying or dividing by one
    // rounds once; beyond that, the value is already as precise as it gets.
    if !(-22..=22).contains(&digits) {
        return Some(x);
    }
    let power = 10f64.powi(digits.abs());
    Some(if digits >= 0 {
        (x * power).round() / power
    } else {
        (x / power).round() * power
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: [f64; 4] = [0.1, 0.2, 0.5, 1.0];

    #[test]
    fn increases_survive_resets() {
        assert_eq!(increase(10, 15), 5);
        assert_eq!(increase(10, 10), 0);
        assert_eq!(increase(10, 3), 3);
        assert_eq!(bucket_increase(&[1, 2, 3], &[2, 2, 5]), Some(vec![1, 0, 2]));
        assert_eq!(bucket_increase(&[5, 2, 3], &[1, 3, 3]), Some(vec![1, 3, 3]));
        assert_eq!(bucket_increase(&[1, 2], &[1, 2, 3]), None);
    }

    #[test]
    fn rates_and_ratios() {
        assert_eq!(per_second(30, 10.0), Some(3.0));
        assert_eq!(per_second(30, 0.0), None);
        assert_eq!(ratio(1, 4), Some(0.25));
        assert_eq!(ratio(0, 0), None);
    }

    #[test]
    fn quantiles_interpolate_like_prometheus() {
        // 10 observations in (0, 0.1], 10 in (0.1, 0.2].
        let counts = [10, 10, 0, 0, 0];
        assert_eq!(quantile(0.5, &BOUNDS, &counts), Some(0.1));
        let p75 = quantile(0.75, &BOUNDS, &counts).unwrap();
        assert!((p75 - 0.15).abs() < 1e-12, "{p75}");
        assert!((quantile(0.25, &BOUNDS, &counts).unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(quantile(1.0, &BOUNDS, &counts), Some(0.2));
        // Empty buckets in between are skipped.
        let counts = [0, 0, 0, 4, 0];
        assert!((quantile(0.5, &BOUNDS, &counts).unwrap() - 0.75).abs() < 1e-12);
        // Everything above the last boundary: the last boundary.
        assert_eq!(quantile(0.99, &BOUNDS, &[0, 0, 0, 0, 7]), Some(1.0));
        assert_eq!(quantile(0.99, &BOUNDS, &[1, 0, 0, 0, 99]), Some(1.0));
        assert_eq!(quantile(0.0, &BOUNDS, &[0, 3, 0, 0, 0]), Some(0.1));
    }

    #[test]
    fn quantiles_refuse_what_they_cannot_answer() {
        assert_eq!(quantile(0.5, &BOUNDS, &[0; 5]), None);
        assert_eq!(quantile(0.5, &BOUNDS, &[1, 2]), None);
        assert_eq!(quantile(1.5, &BOUNDS, &[1; 5]), None);
        assert_eq!(quantile(f64::NAN, &BOUNDS, &[1; 5]), None);
        assert_eq!(quantile(0.5, &[], &[3]), None);
    }

    #[test]
    fn calls_within_a_threshold() {
        let counts = [5, 4, 3, 2, 1];
        assert_eq!(at_or_under(0.2, &BOUNDS, &counts), 9);
        // 0.1 + 0.2 is not exactly 0.3 in binary; boundaries are decimals.
        assert_eq!(at_or_under(0.1 + 0.1, &BOUNDS, &counts), 9);
        assert_eq!(at_or_under(0.05, &BOUNDS, &counts), 0);
        assert_eq!(at_or_under(10.0, &BOUNDS, &counts), 14);
    }

    #[test]
    fn huge_counts_saturate_instead_of_overflowing() {
        let huge = [u64::MAX, u64::MAX, 1, 0, 0];
        assert_eq!(total(&huge), u64::MAX);
        assert_eq!(at_or_under(0.2, &BOUNDS, &huge), u64::MAX);
        assert!(quantile(0.99, &BOUNDS, &huge).is_some());
        assert_eq!(increase(u64::MAX, 0), 0);
    }

    #[test]
    fn rounding() {
        assert_eq!(round4(123_456.0), Some(123_500.0));
        assert_eq!(round4(0.000_123_456), Some(0.000_123_5));
        assert_eq!(round4(-2.0 / 3.0), Some(-0.6667));
        assert_eq!(round4(0.0), Some(0.0));
        assert_eq!(round4(f64::NAN), None);
        assert_eq!(round4(f64::INFINITY), None);
        assert_eq!(round4(f64::MIN_POSITIVE), Some(f64::MIN_POSITIVE));
    }
}
