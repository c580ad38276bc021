//! Dice for the simulation: a shared pseudo-random sequence (splitmix64),
//! good enough to decide which query is slow; no dependency needed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static STATE: AtomicU64 = AtomicU64::new(0x853c_49e6_748f_ea9b);

/// A number in `[0, 1)`.
pub(crate) fn unit() -> f64 {
    let mut z = STATE
        .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
        .wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether an event of probability `p` happens.
pub(crate) fn happens(p: f64) -> bool {
    unit() < p
}

/// A whole number in `low..=high`.
pub(crate) fn between(low: u64, high: u64) -> u64 {
    low + (unit() * (high - low + 1) as f64) as u64
}

/// A duration of `low..=high` milliseconds.
pub(crate) fn millis(low: u64, high: u64) -> Duration {
    Duration::from_millis(between(low, high))
}
