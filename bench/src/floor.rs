//! The floor: the least code that does an instrumented call's job by hand.
//!
//! Two reads of the same clock around the body, then one counter (by
//! result), one histogram bucket and the sum, all relaxed atomic additions
//! on plain statics: no labels, no registry, no caller, no registration
//! check. Whatever an instrumentation library adds beyond this is its own
//! overhead. This file depends on `std` only, so that the sibling package in
//! `autometrics-prometheus/` compiles the very same floor.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// SPEC's default latency buckets, in nanoseconds (`0.005 … 10` seconds).
pub const BOUNDS: [u64; 14] = [
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    75_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    750_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    7_500_000_000,
    10_000_000_000,
];

/// The statics one hand-instrumented function needs.
#[derive(Debug)]
pub struct FloorStatics {
    calls: [AtomicU64; 2],
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum: AtomicU64,
}

impl FloorStatics {
    /// Zeroed.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            calls: [const { AtomicU64::new(0) }; 2],
            buckets: [const { AtomicU64::new(0) }; BOUNDS.len() + 1],
            sum: AtomicU64::new(0),
        }
    }

    /// Counts one call of `duration` nanoseconds: three relaxed additions.
    #[inline(always)]
    pub fn record(&self, is_err: bool, duration: u64) {
        self.calls[is_err as usize].fetch_add(1, Relaxed);
        // A linear scan: the first comparison settles any call under 5 ms.
        let mut i = 0;
        while i < BOUNDS.len() && duration > BOUNDS[i] {
            i += 1;
        }
        self.buckets[i].fetch_add(1, Relaxed);
        self.sum.fetch_add(duration, Relaxed);
    }
}

/// Times `body` with `now` (nanoseconds) and records it in `statics`.
#[inline(always)]
pub fn instrument<T, E>(
    statics: &FloorStatics,
    now: impl Fn() -> u64,
    body: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let start = now();
    let r = body();
    let end = now();
    statics.record(r.is_err(), end.wrapping_sub(start));
    r
}

/// Times `body` with `std::time::Instant` (the std clock, read the least a
/// hand-written timer needs: `now()` then `elapsed()`) and records it.
#[inline(always)]
pub fn instrument_instant<T, E>(
    statics: &FloorStatics,
    body: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let start = std::time::Instant::now();
    let r = body();
    let d = start.elapsed().as_nanos() as u64;
    statics.record(r.is_err(), d);
    r
}

/// The function body every variant wraps: a few nanoseconds of arithmetic
/// whose result the caller cannot predict, failing for one input in 2^64.
#[inline(always)]
pub fn body(x: u64) -> Result<u64, u64> {
    let y = x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    if y == 0 { Err(x) } else { Ok(y) }
}
