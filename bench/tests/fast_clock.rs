//! `FastClock` installed as the program's clock (its own test process, as
//! the clock is chosen once per process): instrumented calls still record
//! true durations, and the clock agrees with `Instant`.

use omnimetrics::clock::{self, FastClock};
use omnimetrics::{Snapshot, autometrics};
use std::time::{Duration, Instant};

#[autometrics]
fn sleeps(d: Duration) {
    std::thread::sleep(d);
}

#[test]
fn fast_clock_times_calls_like_instant() {
    FastClock::install().expect("the first clock of this process");
    assert!(clock::set_clock(&FastClock).is_err());
    eprintln!(
        "cycle counter: {}, {:?} Hz",
        FastClock::is_cycle_counter(),
        FastClock::frequency()
    );

    // Monotonic on this thread.
    let mut last = clock::now().expect("a clock");
    for _ in 0..100_000 {
        let t = clock::now().expect("a clock");
        assert!(t >= last, "time went back: {last} -> {t}");
        last = t;
    }

    // The same interval on both clocks, within 2% (the rate is calibrated
    // against `Instant` itself). Each clock reading is bracketed by two
    // `Instant`s, so that a preemption next to it widens the bounds instead
    // of failing the test.
    let sample = || {
        let before = Instant::now();
        let c = clock::now().expect("a clock");
        (before, c, Instant::now())
    };
    let (a0, c0, b0) = sample();
    std::thread::sleep(Duration::from_millis(30));
    let (a1, c1, b1) = sample();
    let fast = (c1 - c0) as f64;
    let shortest = (a1 - b0).as_nanos() as f64 * 0.98;
    let longest = (b1 - a0).as_nanos() as f64 * 1.02;
    assert!(
        (shortest..=longest).contains(&fast),
        "FastClock measured {fast} ns where Instant measured {shortest}..{longest} ns"
    );

    // An instrumented call of at least 20 ms lands in a bucket above 10 ms
    // and adds about 20 ms to the sum (less 5% for the calibration).
    sleeps(Duration::from_millis(20));
    let snap = Snapshot::capture(&omnimetrics::registry());
    let h = snap
        .histograms("function_calls_duration_seconds", &[("function", "sleeps")])
        .next()
        .expect("the histogram of `sleeps`");
    assert_eq!(h.count(), 1);
    assert!(h.sum >= 19_000_000, "sum {} ns", h.sum);
    assert!(h.sum < 10_000_000_000, "sum {} ns", h.sum);
    assert_eq!(h.counts[..2].iter().sum::<u64>(), 0, "{:?}", h.counts);
}
