//! Where durations come from inside a wasm isolate.
//!
//! `wasm32-unknown-unknown` has no clock of its own (`std::time::Instant`
//! panics there), so omnimetrics measures nothing until the host lends one.
//! Two are offered, and one is chosen per isolate, once:
//!
//! - `HostClock`: the host's `performance.now()`, read on every
//!   instrumented call (wasm only; installed by the JS export
//!   `useHostClock()`).
//! - [`ManualClock`]: a time the host writes itself (`setTimeMillis(ms)`),
//!   for hosts without `performance`, for replaying recorded timings, and
//!   for deterministic tests.
//!
//! # What the durations mean in a deployed Worker
//!
//! Cloudflare's runtime stops the clock while JavaScript or wasm runs:
//! `performance.now()` and `Date.now()` only move forward when the isolate
//! waits for I/O (a `fetch`, a KV read, a timer). So in a deployed Worker:
//!
//! - a synchronous Rust function (no I/O inside) always measures **0**; its
//!   histogram still counts every call, but all of them land in the lowest
//!   bucket, and latency objectives can never fail on CPU time alone;
//! - a function that awaits host I/O measures the wall time of that I/O
//!   (plus nothing for its own CPU work);
//! - CPU time is not observable at all from inside; read it from the
//!   platform's own analytics (`cpuTime` in Workers Trace Events).
//!
//! Local runtimes differ. Node's `performance.now()` runs freely with
//! sub-microsecond resolution, so the same code measures real CPU time under
//! Node. `workerd` run locally (behind `wrangler dev` and miniflare) lets
//! time advance during execution but only in whole milliseconds (its
//! `performance.now()` is `Date.now()`), so a call shorter than a
//! millisecond measures 0 or 1 ms; the e2e test checks that every duration
//! sum it reads there is a whole number of milliseconds.
//!
//! Both clocks are monotonic: a reading below the last one (a host that
//! jumps back, a NaN, a negative number) returns the last one again.

use core::sync::atomic::{AtomicU64, Ordering};
use omnimetrics::clock::Clock;

/// Milliseconds from the host (an `f64`, as JS numbers are) to whole
/// nanoseconds; anything that is not a positive number is 0, anything too
/// large saturates.
///
/// ```
/// use omnimetrics_wasm::clock::millis_to_nanos;
/// assert_eq!(millis_to_nanos(1.5), 1_500_000);
/// assert_eq!(millis_to_nanos(f64::NAN), 0);
/// assert_eq!(millis_to_nanos(-3.0), 0);
/// assert_eq!(millis_to_nanos(f64::INFINITY), u64::MAX);
/// ```
pub fn millis_to_nanos(ms: f64) -> u64 {
    if ms > 0.0 {
        // `as` saturates at u64::MAX; rounding keeps 0.1 ms at 100 µs.
        (ms * 1_000_000.0 + 0.5) as u64
    } else {
        0
    }
}

/// The largest value a reading ever had: what makes a host clock monotonic.
#[derive(Debug)]
struct HighWater(AtomicU64);

impl HighWater {
    const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// `reading`, or the last one returned if that was later.
    fn observe(&self, reading: u64) -> u64 {
        // `fetch_max` returns the previous maximum.
        let before = self.0.fetch_max(reading, Ordering::Relaxed);
        before.max(reading)
    }
}

/// The first reading of a host clock, kept to subtract from later ones.
///
/// Hosts count milliseconds from far away: workerd's `performance.now()` is
/// `Date.now()`, about 1.8e12 ms. As nanoseconds that is beyond the 2^53
/// an `f64` holds exactly, so converting each reading on its own would
/// lose about 256 ns per reading and a 1 ms duration could come out as
/// 0.999936 ms. Differences of the raw millisecond values are exact.
#[derive(Debug)]
struct Origin(AtomicU64);

/// `Origin` before its first reading (a NaN no host reading produces here).
const UNSET: u64 = u64::MAX;

impl Origin {
    const fn new() -> Self {
        Self(AtomicU64::new(UNSET))
    }

    /// Nanoseconds from the first finite reading to `ms`; 0 for `ms` itself
    /// when it is the first, and for anything that is not a finite number.
    fn since(&self, ms: f64) -> u64 {
        if !ms.is_finite() {
            return 0;
        }
        // The first reading claims the origin; later ones read it back.
        let origin = self
            .0
            .compare_exchange(UNSET, ms.to_bits(), Ordering::Relaxed, Ordering::Relaxed)
            .map_or_else(f64::from_bits, |_| ms);
        millis_to_nanos(ms - origin)
    }
}

/// A clock the host sets by hand (`setTimeMillis(ms)` from JS), in
/// milliseconds from any origin (`Date.now()` will do); it reads 0 at the
/// first time set.
///
/// ```
/// use omnimetrics::clock::Clock;
/// use omnimetrics_wasm::clock::ManualClock;
///
/// static CLOCK: ManualClock = ManualClock::new();
/// CLOCK.set_millis(1_795_000_000_000.0);
/// CLOCK.set_millis(1_795_000_000_002.5);
/// assert_eq!(CLOCK.now_nanos(), 2_500_000);
/// CLOCK.set_millis(1_795_000_000_001.0); // earlier: ignored, time never goes back
/// assert_eq!(CLOCK.now_nanos(), 2_500_000);
/// ```
#[derive(Debug)]
pub struct ManualClock {
    origin: Origin,
    now: HighWater,
}

impl ManualClock {
    /// A clock at 0, waiting for its first time.
    pub const fn new() -> Self {
        Self {
            origin: Origin::new(),
            now: HighWater::new(),
        }
    }

    /// Moves the clock to `ms` milliseconds; a time before the current one,
    /// NaN and infinities are ignored.
    pub fn set_millis(&self, ms: f64) {
        self.now.observe(self.origin.since(ms));
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now_nanos(&self) -> u64 {
        self.now.observe(0)
    }
}

/// The host's `performance.now()`, read on every call.
///
/// If the host has no `performance` object, or reading it throws, the last
/// reading is returned: the call is still counted, with a duration of 0.
#[cfg(target_arch = "wasm32")]
#[derive(Debug)]
pub struct HostClock {
    origin: Origin,
    last: HighWater,
}

#[cfg(target_arch = "wasm32")]
impl HostClock {
    /// The clock; it reads 0 at its first reading.
    pub const fn new() -> Self {
        Self {
            origin: Origin::new(),
            last: HighWater::new(),
        }
    }
}

#[cfg(target_arch = "wasm32")]
impl Default for HostClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_arch = "wasm32")]
impl Clock for HostClock {
    fn now_nanos(&self) -> u64 {
        let ms = js::host_now();
        let reading = if ms.is_nan() {
            0
        } else {
            self.origin.since(ms)
        };
        self.last.observe(reading)
    }
}

/// Whether the host has a `performance.now()` that answers.
#[cfg(target_arch = "wasm32")]
pub fn host_has_performance() -> bool {
    !js::host_now().is_nan()
}

#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::*;

    // From the adapter's JS rather than `performance.now` itself: a
    // missing `performance` throws a JS exception, which must not unwind
    // through the instrumented Rust frames above, and catching it on the
    // Rust side (`catch`) would bring wasm-bindgen's `externref` table into
    // the module (about 1 KiB) for this one call.
    #[wasm_bindgen(module = "/worker/adapter.mjs")]
    extern "C" {
        /// `performance.now()`, or NaN when the host has none or it throws.
        #[wasm_bindgen(js_name = hostNow)]
        pub(super) fn host_now() -> f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rounds_and_saturates() {
        assert_eq!(millis_to_nanos(0.0001), 100);
        assert_eq!(millis_to_nanos(0.1), 100_000);
        assert_eq!(millis_to_nanos(1e300), u64::MAX);
        assert_eq!(millis_to_nanos(-0.0), 0);
    }

    #[test]
    fn manual_clock_is_monotonic() {
        let c = ManualClock::new();
        assert_eq!(c.now_nanos(), 0);
        c.set_millis(f64::NAN); // not an origin either
        c.set_millis(5.0);
        c.set_millis(15.0);
        c.set_millis(f64::NAN);
        c.set_millis(f64::NEG_INFINITY);
        c.set_millis(7.0);
        assert_eq!(c.now_nanos(), 10_000_000);
        c.set_millis(15.25);
        assert_eq!(c.now_nanos(), 10_250_000);
    }

    #[test]
    fn epoch_milliseconds_keep_their_precision() {
        // workerd's performance.now() is Date.now(): whole milliseconds
        // since 1970. Each step of 1 ms must be exactly 1_000_000 ns.
        let c = ManualClock::new();
        let base = 1_795_214_167_641.0;
        for step in 0..1000u32 {
            c.set_millis(base + f64::from(step));
            assert_eq!(c.now_nanos(), u64::from(step) * 1_000_000);
        }
        let o = Origin::new();
        assert_eq!(o.since(base), 0);
        assert_eq!(o.since(base + 0.25), 250_000);
        assert_eq!(o.since(f64::INFINITY), 0);
    }
}
