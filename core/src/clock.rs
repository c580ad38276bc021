//! Where durations come from: one global, monotonic nanosecond clock.
//!
//! Every target keeps time differently (an `Instant` on servers, the host's
//! `performance.now()` in a wasm worker, a timer register on a
//! microcontroller), so the library asks a [`Clock`] chosen once at start-up
//! with [`set_clock`]. With the `std` feature on a target that has
//! `std::time::Instant`, [`StdClock`] is used until another is set. With no
//! clock at all, calls and results are still counted, and durations are
//! reported as absent: nothing is invented.
//!
//! Servers that want the cheapest timing install [`FastClock`], the CPU's
//! cycle counter (`set_clock(&FastClock)` at start-up): an instrumented
//! call's two clock reads then cost a few nanoseconds instead of a few tens
//! (see `BENCHMARKS.md` in the repository).

use crate::once::SetOnce;
// Plain loads and stores only, which every target has natively (also
// thumbv6m, without compare-and-swap): `core`'s atomics, always inlined.
use core::sync::atomic::{AtomicUsize, Ordering};

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

    /// The ticks-to-nanoseconds scale (32.32 fixed point) of the CPU cycle
    /// counter this clock reads, when it is [`FastClock`] and the counter is
    /// usable: [`set_clock`] then lets the hot path read the counter inline
    /// instead of calling through `&dyn Clock`. Not for other clocks.
    #[cfg(feature = "std")]
    #[doc(hidden)]
    fn __cycle_counter_scale(&self) -> Option<u64> {
        None
    }
}

/// Converts `ticks` of a `hz` counter to nanoseconds without overflowing for
/// any tick count below `u64::MAX / 1_000_000_000 × hz` (beyond, the result
/// saturates). A `hz` of 0 gives 0; counters above about 18 GHz lose
/// sub-second precision.
///
/// ```
/// use omnimetrics::clock::ticks_to_nanos;
/// assert_eq!(ticks_to_nanos(48_000_000, 16_000_000), 3_000_000_000);
/// assert_eq!(ticks_to_nanos(1, 32_768), 30_517);
/// assert_eq!(ticks_to_nanos(5, 0), 0);
/// ```
#[inline]
pub const fn ticks_to_nanos(ticks: u64, hz: u64) -> u64 {
    const NS: u64 = 1_000_000_000;
    if hz == 0 {
        return 0;
    }
    let secs = ticks / hz;
    let rem = ticks % hz;
    let frac = match rem.checked_mul(NS) {
        Some(x) => x / hz,
        // Only for `hz` above `u64::MAX / NS`, so `hz / NS` is at least 18.
        None => rem / (hz / NS),
    };
    secs.saturating_mul(NS).saturating_add(frac)
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

/// What [`now`] does, in one word so that the hot path decides with a
/// single relaxed load: [`DEFAULT`] (the default clock, or none), [`DYN`]
/// (call the clock in `CLOCK`), or anything larger: the scale of the
/// installed [`FastClock`]'s cycle counter, read inline.
static DISPATCH: AtomicUsize = AtomicUsize::new(DEFAULT);
const DEFAULT: usize = 0;
const DYN: usize = 1;

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
    // Asked before publishing: calibrating `FastClock` takes a few
    // milliseconds, which must not happen inside an instrumented call.
    #[cfg(feature = "std")]
    let scale = clock.__cycle_counter_scale();
    #[cfg(not(feature = "std"))]
    let scale: Option<u64> = None;
    CLOCK.set(clock).map_err(|_| ClockAlreadySet)?;
    let dispatch = match scale.and_then(|s| usize::try_from(s).ok()) {
        Some(s) if s > DYN => s,
        _ => DYN,
    };
    // Release: a reader that sees `DYN` finds the clock in `CLOCK` (which
    // it reads with its own acquire anyway).
    DISPATCH.store(dispatch, Ordering::Release);
    Ok(())
}

/// The current time from the global clock, or `None` when there is none.
///
/// One relaxed load decides: with [`FastClock`] installed this is the
/// cycle counter read inline (the counter instruction and a multiplication,
/// no call through `&dyn Clock`); with another clock, a call through it;
/// otherwise the default clock ([`StdClock`] with `std`, none without).
#[inline]
pub fn now() -> Option<u64> {
    // With neither a cycle counter nor a default clock (firmware), only a
    // clock that was set can answer: no dispatch word to read.
    if !fast::AVAILABLE && !cfg!(omnimetrics_std_clock) {
        return CLOCK.get().map(|clock| clock.now_nanos());
    }
    let dispatch = DISPATCH.load(Ordering::Relaxed);
    if dispatch == DEFAULT {
        return default_now();
    }
    // Only a `FastClock` scale is ever stored above `DYN`: the counter read
    // depends on nothing else, so no ordering is needed. (Folded away where
    // there is no cycle counter.)
    if fast::AVAILABLE && dispatch != DYN {
        return Some(fast::to_nanos(fast::read_counter(), dispatch as u64));
    }
    CLOCK.get().map(|clock| clock.now_nanos())
}

/// Whether durations can be measured (a clock is set, or a default exists).
pub fn is_available() -> bool {
    CLOCK.get().is_some() || default_now().is_some()
}

#[cfg(omnimetrics_std_clock)]
mod std_clock {
    /// The default clock on `std` targets: the monotonic clock
    /// `std::time::Instant` reads.
    ///
    /// On 64-bit Linux and Android this is `clock_gettime(CLOCK_MONOTONIC)`
    /// called directly (nanoseconds since boot), which is what `Instant`
    /// does underneath, without converting through an `Instant` and a fixed
    /// origin on every read; elsewhere, `Instant` since the first read.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct StdClock;

    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        target_pointer_width = "64"
    ))]
    impl super::Clock for StdClock {
        #[inline]
        fn now_nanos(&self) -> u64 {
            // `struct timespec` of 64-bit Linux (LP64: `time_t` and `long`
            // are both 64 bits).
            #[repr(C)]
            struct Timespec {
                tv_sec: i64,
                tv_nsec: i64,
            }
            unsafe extern "C" {
                // The C library std links on these targets provides it.
                fn clock_gettime(clock_id: i32, tp: *mut Timespec) -> i32;
            }
            const CLOCK_MONOTONIC: i32 = 1;
            let mut ts = Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is a valid, writable `struct timespec` of this
            // ABI, and CLOCK_MONOTONIC always exists on Linux; on the
            // impossible failure `ts` stays zero.
            unsafe { clock_gettime(CLOCK_MONOTONIC, &mut ts) };
            // u64 nanoseconds since boot last 584 years.
            (ts.tv_sec as u64)
                .wrapping_mul(1_000_000_000)
                .wrapping_add(ts.tv_nsec as u64)
        }
    }

    #[cfg(not(all(
        any(target_os = "linux", target_os = "android"),
        target_pointer_width = "64"
    )))]
    impl super::Clock for StdClock {
        #[inline]
        fn now_nanos(&self) -> u64 {
            use std::sync::OnceLock;
            use std::time::Instant;
            static ORIGIN: OnceLock<Instant> = OnceLock::new();
            let origin = *ORIGIN.get_or_init(Instant::now);
            // u64 nanoseconds last 584 years.
            origin.elapsed().as_nanos() as u64
        }
    }
}

#[cfg(omnimetrics_std_clock)]
pub use std_clock::StdClock;

/// A clock that reads the CPU's cycle counter: the fast clock for servers.
///
/// Reading `Instant` costs a call into the vDSO (tens of nanoseconds per
/// read on a typical x86_64 server, and an instrumented call reads the
/// clock twice); the cycle counter is one instruction, and once this clock
/// is installed the hot path reads it inline instead of calling through
/// `&dyn Clock`. Install it once at start-up, before the first
/// instrumented call:
///
/// ```
/// use omnimetrics::clock::{set_clock, FastClock};
/// set_clock(&FastClock).unwrap(); // the same as FastClock::install()
/// let a = omnimetrics::clock::now().unwrap();
/// let b = omnimetrics::clock::now().unwrap();
/// assert!(b >= a);
/// ```
///
/// The counter is `rdtsc` on x86_64, used only when the CPU declares its
/// time-stamp counter *invariant* (CPUID leaf `0x8000_0007`, EDX bit 8:
/// constant rate, running in every power state), and `cntvct_el0` on
/// aarch64 (Linux, Android, macOS), whose rate the CPU states in
/// `cntfrq_el0`. The x86_64 rate is measured once against `Instant`, over
/// about 5 ms, when the clock is installed (or first read). Where there is
/// no such counter (another architecture, a TSC that is not invariant, an
/// SGX enclave, no `std`) this clock falls back to [`StdClock`] (to no
/// clock without `std`), so installing it is always safe;
/// [`FastClock::is_cycle_counter`] tells which one runs.
///
/// Caveats, the usual ones for cycle counters:
/// - Monotonic on one CPU; across CPUs only as far as the hardware and the
///   kernel keep the counters in step. Modern x86_64 and aarch64 servers
///   do, and Linux checks it at boot: it stops using the TSC for its own
///   clock when they are not (see
///   `/sys/devices/system/clocksource/clocksource0/current_clocksource`).
///   A thread moved between CPUs whose counters disagree may read time
///   going backwards; such a call is recorded with a duration of 0, never
///   as a huge value.
/// - The counter read is not serialising: the CPU may execute it a few
///   instructions early or late, nanoseconds a latency histogram cannot see.
/// - The measured x86_64 rate is good to a few parts per million, and a
///   virtual machine migrated live to another host may run at another
///   rate until the program restarts.
/// - Values count from the counter's own origin (usually boot), not from
///   the program's start like [`StdClock`]; a call already running while
///   the clock is installed measures across both and records a wrong
///   duration, hence "install it before the first call".
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct FastClock;

#[cfg(feature = "std")]
impl FastClock {
    /// Installs this clock for the whole program: `set_clock(&FastClock)`.
    pub fn install() -> Result<(), ClockAlreadySet> {
        set_clock(&FastClock)
    }

    /// Whether this clock reads a cycle counter here, rather than falling
    /// back to [`StdClock`]. Calibrates on first use.
    pub fn is_cycle_counter() -> bool {
        fast::scale().is_some()
    }

    /// The cycle counter's rate in ticks per second, when one is used.
    pub fn frequency() -> Option<u64> {
        fast::scale().map(fast::frequency_of)
    }
}

#[cfg(feature = "std")]
impl Clock for FastClock {
    #[inline]
    fn now_nanos(&self) -> u64 {
        match fast::scale() {
            Some(scale) => fast::to_nanos(fast::read_counter(), scale),
            None => default_now().unwrap_or(0),
        }
    }

    fn __cycle_counter_scale(&self) -> Option<u64> {
        fast::scale()
    }
}

/// The cycle counters behind [`FastClock`].
#[cfg(omnimetrics_cycle_counter)]
mod fast {
    use portable_atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::OnceLock;

    /// A cycle counter exists here.
    pub(super) const AVAILABLE: bool = true;

    /// Nanoseconds from ticks: `ticks × scale / 2^32`.
    #[inline(always)]
    pub(super) fn to_nanos(ticks: u64, scale: u64) -> u64 {
        ((u128::from(ticks) * u128::from(scale)) >> 32) as u64
    }

    pub(super) fn frequency_of(scale: u64) -> u64 {
        ((1_000_000_000u128 << 32) / u128::from(scale.max(1))) as u64
    }

    /// The counter's scale (32.32 fixed-point nanoseconds per tick),
    /// measured once; `None` where the counter is not usable. After the
    /// first call this is one relaxed load, so that `FastClock::now_nanos`
    /// through `&dyn Clock` (or called directly) stays cheap too.
    #[inline(always)]
    pub(super) fn scale() -> Option<u64> {
        match MEASURED.load(Relaxed) {
            UNKNOWN => measure_once(),
            UNUSABLE => None,
            scale => Some(scale),
        }
    }

    const UNKNOWN: u64 = 0;
    const UNUSABLE: u64 = 1;
    /// `UNKNOWN`, `UNUSABLE`, or the scale (always far above 1).
    static MEASURED: AtomicU64 = AtomicU64::new(UNKNOWN);

    #[cold]
    #[inline(never)]
    fn measure_once() -> Option<u64> {
        static ONCE: OnceLock<Option<u64>> = OnceLock::new();
        let scale = *ONCE.get_or_init(measure_scale);
        MEASURED.store(scale.unwrap_or(UNUSABLE), Relaxed);
        scale
    }

    fn scale_from_hz(hz: u64) -> Option<u64> {
        // Plausible counter rates only: 1 MHz to 20 GHz.
        if !(1_000_000..=20_000_000_000).contains(&hz) {
            return None;
        }
        Some(((1_000_000_000u128 << 32) / u128::from(hz)) as u64)
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) fn read_counter() -> u64 {
        // SAFETY: `rdtsc` has no preconditions in user mode on x86_64 (it
        // faults only where the OS set CR4.TSD, which Linux, Windows and
        // macOS do not do for ordinary processes).
        #[allow(unused_unsafe)]
        unsafe {
            core::arch::x86_64::_rdtsc()
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn invariant_tsc() -> bool {
        use core::arch::x86_64::__cpuid;
        // SAFETY: `cpuid` exists on every x86_64 CPU, and no leaf above the
        // reported maximum is queried.
        #[allow(unused_unsafe)]
        unsafe {
            __cpuid(0x8000_0000).eax >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn measure_scale() -> Option<u64> {
        use std::time::{Duration, Instant};
        if !invariant_tsc() {
            return None;
        }
        // An (instant, counter) pair with the counter read just before and
        // just after the instant: the tightest of a few tries.
        fn pair() -> (Instant, u64) {
            let mut best = (u64::MAX, Instant::now(), 0);
            for _ in 0..16 {
                let a = read_counter();
                let t = Instant::now();
                let b = read_counter();
                let gap = b.wrapping_sub(a);
                if gap < best.0 {
                    best = (gap, t, a + gap / 2);
                }
            }
            (best.1, best.2)
        }
        let (t0, c0) = pair();
        while t0.elapsed() < Duration::from_millis(5) {
            core::hint::spin_loop();
        }
        let (t1, c1) = pair();
        let ticks = c1.checked_sub(c0)?;
        let nanos = t1.duration_since(t0).as_nanos();
        if ticks == 0 || nanos == 0 {
            return None;
        }
        let hz = u128::from(ticks) * 1_000_000_000 / nanos;
        scale_from_hz(u64::try_from(hz).ok()?)
    }

    #[cfg(target_arch = "aarch64")]
    #[inline(always)]
    pub(super) fn read_counter() -> u64 {
        let ticks: u64;
        // SAFETY: Linux, Android and macOS let user code read the virtual
        // counter; the read touches no memory.
        unsafe {
            core::arch::asm!(
                "mrs {}, cntvct_el0",
                out(reg) ticks,
                options(nomem, nostack, preserves_flags)
            );
        }
        ticks
    }

    #[cfg(target_arch = "aarch64")]
    fn measure_scale() -> Option<u64> {
        let hz: u64;
        // SAFETY: as for `cntvct_el0`; this register holds the counter rate.
        unsafe {
            core::arch::asm!(
                "mrs {}, cntfrq_el0",
                out(reg) hz,
                options(nomem, nostack, preserves_flags)
            );
        }
        scale_from_hz(hz)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn scale_round_trips() {
            let s = scale_from_hz(2_500_000_000).unwrap();
            // 2.5 GHz: 0.4 ns per tick, within the fixed point's rounding.
            assert!(to_nanos(2_500_000_000, s).abs_diff(1_000_000_000) <= 1);
            assert!(frequency_of(s).abs_diff(2_500_000_000) <= 2);
            assert_eq!(scale_from_hz(10), None);
        }

        #[test]
        #[cfg_attr(miri, ignore = "Miri cannot run rdtsc, cpuid or mrs")]
        fn counter_advances_and_scale_is_sane() {
            let a = read_counter();
            let b = read_counter();
            assert!(b >= a);
            if let Some(s) = scale() {
                let hz = frequency_of(s);
                assert!((1_000_000..=20_000_000_000).contains(&hz), "{hz}");
            }
        }
    }
}

/// No cycle counter here: [`FastClock`] is the default clock.
#[cfg(not(omnimetrics_cycle_counter))]
mod fast {
    pub(super) const AVAILABLE: bool = false;
    #[inline(always)]
    pub(super) const fn to_nanos(_: u64, _: u64) -> u64 {
        0
    }
    #[inline(always)]
    pub(super) const fn read_counter() -> u64 {
        0
    }
    #[cfg(feature = "std")]
    pub(super) fn scale() -> Option<u64> {
        None
    }
    #[cfg(feature = "std")]
    pub(super) fn frequency_of(_: u64) -> u64 {
        0
    }
}

#[inline]
fn default_now() -> Option<u64> {
    #[cfg(omnimetrics_std_clock)]
    {
        Some(Clock::now_nanos(&StdClock))
    }
    #[cfg(not(omnimetrics_std_clock))]
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
        // Rates the user gets wrong or extreme: no panic.
        assert_eq!(ticks_to_nanos(7, 0), 0);
        let hz = 40_000_000_000;
        assert_eq!(ticks_to_nanos(hz - 1, hz), 999_999_999);
        assert_eq!(ticks_to_nanos(3 * hz, hz), 3_000_000_000);
    }
}
