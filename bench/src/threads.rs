//! Throughput with several threads: each thread calls its function `iters`
//! times; the time is from the moment all threads are released to the
//! moment the last one finishes. Thread creation is outside the timing.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Runs `fns[k]` on thread `k`, `iters` calls each; the wall time of the
/// whole round.
pub fn run(iters: u64, fns: &[crate::CallFn]) -> Duration {
    let barrier = Barrier::new(fns.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = fns
            .iter()
            .map(|&f| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    for i in 0..iters {
                        let _ = black_box(f(black_box(i)));
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        let spans: Vec<(Instant, Instant)> = handles
            .into_iter()
            .map(|h| h.join().expect("benchmark thread"))
            .collect();
        let start = spans.iter().map(|s| s.0).min().expect("a thread");
        let end = spans.iter().map(|s| s.1).max().expect("a thread");
        end - start
    })
}
