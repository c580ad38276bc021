//! Histogram bucket boundaries, fixed at compile time.
//!
//! Boundaries are integers (nanoseconds for latency histograms) so that the
//! hot path compares integers and the `le` text is exact. They are `const`
//! values: the `#[autometrics]` macro checks at compile time that an
//! objective's latency threshold is one of its function's boundaries.
//!
//! The default is SPEC's list. A program can change it for every function at
//! once, at compile time, with the environment variable
//! `OMNIMETRICS_DEFAULT_BUCKETS` (seconds, comma separated; set it in
//! `.cargo/config.toml`'s `[env]` so that it is part of the build), or per
//! function with `#[autometrics(buckets = MY_BUCKETS)]`.

use crate::decimal::{self, Decimal};

/// The most boundaries one histogram may have (the `+Inf` bucket is extra).
pub const MAX_BUCKETS: usize = 32;

/// Strictly increasing bucket boundaries, `N` of them, plus the implicit
/// `+Inf` bucket.
///
/// ```
/// use omnimetrics::Buckets;
/// const FAST: Buckets<3> = Buckets::from_millis([1, 10, 100]);
/// assert_eq!(FAST.bounds(), &[1_000_000, 10_000_000, 100_000_000]);
/// const BYTES: Buckets<2> = Buckets::from_integers([1024, 65536]);
/// assert_eq!(BYTES.scale(), 0);
/// const TEXT: Buckets<2> = Buckets::from_seconds(["0.005", "1"]);
/// assert_eq!(TEXT.bounds(), &[5_000_000, 1_000_000_000]);
/// ```
///
/// A list that is not strictly increasing does not compile:
///
/// ```compile_fail
/// const BAD: omnimetrics::Buckets<2> = omnimetrics::Buckets::from_millis([10, 1]);
/// let _ = BAD;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buckets<const N: usize> {
    bounds: [u64; N],
    scale: u8,
}

impl<const N: usize> Buckets<N> {
    const fn checked(bounds: [u64; N], scale: u8) -> Self {
        if N == 0 {
            panic!("omnimetrics: a histogram needs at least one bucket boundary");
        }
        if N > MAX_BUCKETS {
            panic!("omnimetrics: a histogram may have at most 32 bucket boundaries");
        }
        let mut i = 1;
        while i < N {
            if bounds[i] <= bounds[i - 1] {
                panic!("omnimetrics: bucket boundaries must be strictly increasing");
            }
            i += 1;
        }
        Self { bounds, scale }
    }

    /// Latency boundaries in nanoseconds.
    pub const fn from_nanos(bounds: [u64; N]) -> Self {
        Self::checked(bounds, 9)
    }

    /// Latency boundaries in microseconds.
    pub const fn from_micros(bounds: [u64; N]) -> Self {
        Self::from_nanos(scale_all(bounds, 1_000))
    }

    /// Latency boundaries in milliseconds.
    pub const fn from_millis(bounds: [u64; N]) -> Self {
        Self::from_nanos(scale_all(bounds, 1_000_000))
    }

    /// Latency boundaries written as decimal seconds (`"0.005"`, `"2.5"`).
    pub const fn from_seconds(bounds: [&str; N]) -> Self {
        let mut ns = [0u64; N];
        let mut i = 0;
        while i < N {
            ns[i] = decimal::parse_decimal(bounds[i].as_bytes(), 9);
            i += 1;
        }
        Self::from_nanos(ns)
    }

    /// Boundaries for plain integer values (bytes, items, ...).
    pub const fn from_integers(bounds: [u64; N]) -> Self {
        Self::checked(bounds, 0)
    }

    /// The boundaries, in the unit the values are recorded in.
    pub const fn bounds(&self) -> &[u64] {
        &self.bounds
    }

    /// Decimal places of the exported value (9 for nanoseconds as seconds).
    pub const fn scale(&self) -> u8 {
        self.scale
    }

    /// Boundary `i` as an exact decimal (for its `le` text).
    ///
    /// # Panics
    ///
    /// If `i` is not below `N`, as indexing [`bounds`](Self::bounds) does.
    pub const fn bound(&self, i: usize) -> Decimal {
        Decimal::new(self.bounds[i], self.scale)
    }

    /// Whether `value` is one of the boundaries.
    pub const fn contains(&self, value: u64) -> bool {
        let mut i = 0;
        while i < N {
            if self.bounds[i] == value {
                return true;
            }
            i += 1;
        }
        false
    }
}

const fn scale_all<const N: usize>(mut v: [u64; N], factor: u64) -> [u64; N] {
    let mut i = 0;
    while i < N {
        v[i] = match v[i].checked_mul(factor) {
            Some(x) => x,
            None => panic!("omnimetrics: a bucket boundary is too large"),
        };
        i += 1;
    }
    v
}

/// The index of the bucket that counts `value`: the first boundary at or
/// above it, or `bounds.len()` (the `+Inf` bucket).
///
/// A linear scan: latencies cluster in the low buckets, and for the few
/// boundaries a histogram has this beats a binary search's unpredictable
/// branches. On servers, where the hot path is inlined into every
/// instrumented function, only the first boundary is tested inline: every
/// call shorter than it (5 ms by default: the calls whose overhead matters)
/// costs one comparison, and longer calls scan the rest out of line, which
/// keeps the inlined code small; a few nanoseconds more on a call of
/// milliseconds cannot be seen.
#[inline(always)]
pub(crate) fn bucket_index(bounds: &[u64], value: u64) -> usize {
    #[cfg(target_pointer_width = "64")]
    {
        match bounds.first() {
            Some(&first) if value <= first => 0,
            _ => scan_from(bounds, value, 1),
        }
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        scan_from(bounds, value, 0)
    }
}

/// The first index from `i` on whose boundary is at or above `value`.
#[cfg_attr(target_pointer_width = "64", inline(never))]
#[cfg_attr(not(target_pointer_width = "64"), inline)]
fn scan_from(bounds: &[u64], value: u64, mut i: usize) -> usize {
    while i < bounds.len() {
        if value <= bounds[i] {
            return i;
        }
        i += 1;
    }
    bounds.len()
}

const SPEC_DEFAULT: &str = "0.005,0.01,0.025,0.05,0.075,0.1,0.25,0.5,0.75,1,2.5,5,7.5,10";
const DEFAULT_TEXT: &str = match option_env!("OMNIMETRICS_DEFAULT_BUCKETS") {
    Some(text) => text,
    None => SPEC_DEFAULT,
};

/// How many boundaries [`DEFAULT_BUCKETS`] has.
pub const DEFAULT_BUCKET_COUNT: usize = decimal::count_items(DEFAULT_TEXT.as_bytes());

/// The latency buckets of every instrumented function that does not choose
/// its own: SPEC's `0.005 … 10` seconds, unless `OMNIMETRICS_DEFAULT_BUCKETS`
/// was set when this crate was compiled.
pub const DEFAULT_BUCKETS: Buckets<DEFAULT_BUCKET_COUNT> =
    Buckets::from_nanos(decimal::parse_list(DEFAULT_TEXT.as_bytes(), 9));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_spec() {
        assert_eq!(DEFAULT_BUCKET_COUNT, 14);
        assert_eq!(DEFAULT_BUCKETS.bounds()[0], 5_000_000);
        assert_eq!(DEFAULT_BUCKETS.bounds()[13], 10_000_000_000);
    }

    /// `.ci/run` also builds this crate with `OMNIMETRICS_DEFAULT_BUCKETS`
    /// set: whatever list the build saw, every function without its own
    /// buckets uses exactly that list (read here independently, as floats).
    #[cfg(feature = "std")]
    #[test]
    fn default_buckets_follow_the_build_environment() {
        extern crate std;
        use std::vec::Vec;

        let text = option_env!("OMNIMETRICS_DEFAULT_BUCKETS").unwrap_or(SPEC_DEFAULT);
        let expected: Vec<u64> = text
            .split(',')
            .map(|t| (t.trim().parse::<f64>().unwrap() * 1e9).round() as u64)
            .collect();
        assert_eq!(DEFAULT_BUCKETS.bounds(), &expected[..]);

        #[crate::autometrics]
        fn uses_the_default() {}
        uses_the_default();
        let snap = crate::Snapshot::capture(&crate::registry());
        let h = snap
            .histograms(
                "function_calls_duration_seconds",
                &[("function", "uses_the_default")],
            )
            .next()
            .unwrap();
        assert_eq!(h.bounds, expected);
    }

    #[test]
    fn index_is_first_bound_at_or_above() {
        let b = [10, 20, 30];
        assert_eq!(bucket_index(&b, 0), 0);
        assert_eq!(bucket_index(&b, 10), 0);
        assert_eq!(bucket_index(&b, 11), 1);
        assert_eq!(bucket_index(&b, 30), 2);
        assert_eq!(bucket_index(&b, 31), 3);
        assert_eq!(bucket_index(&[], 5), 0);
        assert_eq!(bucket_index(&[7], 8), 1);
    }
}
