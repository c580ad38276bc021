//! Where durations come from: one global, monotonic nanosecond clock.
//!
//! Every target keeps time differently (an `Instant` on servers, the host's
//! `performance.now()` in a wasm worker, a timer register on a
//! microcontroller), so the library asks a [`Clock`] chosen once at start-up
//! with [`set_clock`]. With the `std` feature on a target that has
//! `std::time::Instant`, [`StdClock`] is used until another is set. With no
//! clock at all, calls and results are still counted, and durations are
//! reported as absent: nothing is invented.

use crate::once::SetOnce;

/// A monotonic clock.
///
/// ```
/// use omnimetrics::clock::{Clock, ticks_to_nanos};
///
/// // A 32 kHz RTC counter on a microcontroller, say.
/// struct Rtc;
/// impl Clock for Rtc {
///     fn now_nanos(&self) -> u64 {
///         let ticks: u64 = 65_536; // read the counter here
///         ticks_to_nanos(ticks, 32_768)
///     }
/// }
/// assert_eq!(Rtc.now_nanos(), 2_000_000_000);
/// ```
pub trait Clock: Sync {
    /// Nanoseconds since an arbitrary origin fixed for the life of the
    /// process; never decreasing.
    fn now_nanos(&self) -> u64;
}

/// Converts `ticks` of a `hz` counter to nanoseconds without overflowing for
/// any tick count below `u64::MAX / 1_000_000_000 × hz`.
#[inline]
pub const fn ticks_to_nanos(ticks: u64, hz: u64) -> u64 {
    let secs = ticks / hz;
    let rem = ticks % hz;
    secs.saturating_mul(1_000_000_000)
        .saturating_add(rem * 1_000_000_000 / hz)
}

/// [`set_clock`] was called before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClockAlreadySet;

impl core::fmt::Display for ClockAlreadySet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the omnimetrics clock was already set; call set_clock once, at start-up")
    }
}

impl core::error::Error for ClockAlreadySet {}

static CLOCK: SetOnce<&'static dyn Clock> = SetOnce::new();

/// Chooses the clock for the whole program. Call it once, before the first
/// instrumented call whose duration should count; it cannot be changed later.
///
/// ```
/// use omnimetrics::clock::{set_clock, Clock};
/// struct Fixed;
/// impl Clock for Fixed {
///     fn now_nanos(&self) -> u64 { 42 }
/// }
/// static FIXED: Fixed = Fixed;
/// set_clock(&FIXED).unwrap();
/// assert!(set_clock(&FIXED).is_err());
/// assert_eq!(omnimetrics::clock::now(), Some(42));
/// ```
pub fn set_clock(clock: &'static dyn Clock) -> Result<(), ClockAlreadySet> {
    CLOCK.set(clock).map_err(|_| ClockAlreadySet)
}

/// The current time from the global clock, or `None` when there is none.
#[inline]
pub fn now() -> Option<u64> {
    match CLOCK.get() {
        Some(clock) => Some(clock.now_nanos()),
        None => default_now(),
    }
}

/// Whether durations can be measured (a clock is set, or a default exists).
pub fn is_available() -> bool {
    CLOCK.get().is_some() || default_now().is_some()
}

#[cfg(all(
    feature = "std",
    not(all(target_arch = "wasm32", target_os = "unknown"))
))]
mod std_clock {
    use std::sync::OnceLock;
    use std::time::Instant;

    /// The default clock on `std` targets: [`Instant`] since the first call.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct StdClock;

    static ORIGIN: OnceLock<Instant> = OnceLock::new();

    impl super::Clock for StdClock {
        #[inline]
        fn now_nanos(&self) -> u64 {
            let origin = *ORIGIN.get_or_init(Instant::now);
            // u64 nanoseconds last 584 years.
            origin.elapsed().as_nanos() as u64
        }
    }
}

#[cfg(all(
    feature = "std",
    not(all(target_arch = "wasm32", target_os = "unknown"))
))]
pub use std_clock::StdClock;

#[inline]
fn default_now() -> Option<u64> {
    #[cfg(all(
        feature = "std",
        not(all(target_arch = "wasm32", target_os = "unknown"))
    ))]
    {
        Some(Clock::now_nanos(&StdClock))
    }
    #[cfg(not(all(
        feature = "std",
        not(all(target_arch = "wasm32", target_os = "unknown"))
    )))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_conversion() {
        assert_eq!(ticks_to_nanos(1, 1_000_000), 1_000);
        assert_eq!(ticks_to_nanos(64_000_000, 64_000_000), 1_000_000_000);
        assert_eq!(ticks_to_nanos(u64::MAX, 1_000_000_000), u64::MAX);
    }
}
