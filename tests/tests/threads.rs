//! Exact totals under contention: 4 threads × 100,000 calls of one function
//! that fails every 7th call, reached through 3 different instrumented
//! callers. Every count must land in the right (caller, result) series and
//! the histogram must count every call.

use omnimetrics::{Snapshot, ValueSnapshot, autometrics};
use std::thread;

const THREADS: u64 = 4;
const CALLS_PER_THREAD: u64 = 100_000;

#[autometrics]
fn shared_work(n: u64) -> Result<u64, &'static str> {
    if n.is_multiple_of(7) {
        Err("every seventh")
    } else {
        Ok(n)
    }
}

#[autometrics]
fn caller_a(n: u64) -> bool {
    shared_work(n).is_ok()
}

#[autometrics]
fn caller_b(n: u64) -> bool {
    shared_work(n).is_ok()
}

#[autometrics]
fn caller_c(n: u64) -> bool {
    shared_work(n).is_ok()
}

/// Which caller call number `n` of thread `t` goes through.
fn route(t: u64, n: u64) -> usize {
    ((t + n) % 3) as usize
}

#[test]
fn four_threads_exact_totals_per_caller() {
    let callers: [fn(u64) -> bool; 3] = [caller_a, caller_b, caller_c];
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for n in 0..CALLS_PER_THREAD {
                    callers[route(t, n)](n);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }

    // What each caller should have seen, computed independently.
    let mut expected = [[0u64; 2]; 3];
    for t in 0..THREADS {
        for n in 0..CALLS_PER_THREAD {
            expected[route(t, n)][usize::from(n.is_multiple_of(7))] += 1;
        }
    }

    let snap = Snapshot::capture(&omnimetrics::registry());
    let calls = |caller: &str, result: &str| {
        snap.counter_sum(
            "function_calls",
            &[
                ("function", "shared_work"),
                ("caller_function", caller),
                ("result", result),
            ],
        )
    };
    for (i, name) in ["caller_a", "caller_b", "caller_c"].iter().enumerate() {
        assert_eq!(calls(name, "ok"), expected[i][0], "{name} ok");
        assert_eq!(calls(name, "error"), expected[i][1], "{name} error");
    }
    let total = THREADS * CALLS_PER_THREAD;
    let all = snap.counter_sum("function_calls", &[("function", "shared_work")]);
    assert_eq!(all, total);
    // No call was counted without a caller or in the overflow slot.
    assert_eq!(calls("", "ok") + calls("", "error"), 0);
    assert_eq!(calls(omnimetrics::OVERFLOW_CALLER, "ok"), 0);

    let hist: Vec<_> = snap
        .histograms(
            "function_calls_duration_seconds",
            &[("function", "shared_work")],
        )
        .collect();
    assert_eq!(hist.len(), 1);
    let h = hist[0];
    assert_eq!(h.count(), total, "histogram count equals call count");
    assert_eq!(
        h.counts.iter().sum::<u64>(),
        total,
        "buckets sum to the count"
    );
    assert_eq!(h.counts.len(), h.bounds.len() + 1);

    // The callers themselves were called from the test (no caller).
    for name in ["caller_a", "caller_b", "caller_c"] {
        let s = snap.counter_sum(
            "function_calls",
            &[("function", name), ("caller_function", "")],
        );
        let i = ["caller_a", "caller_b", "caller_c"]
            .iter()
            .position(|n| *n == name)
            .unwrap();
        assert_eq!(s, expected[i][0] + expected[i][1]);
    }
    // Every series carries SPEC's full label set.
    let fam = snap.family("function_calls").unwrap();
    for s in &fam.series {
        let names: Vec<_> = s.labels.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "function",
                "module",
                "service_name",
                "result",
                "caller_function",
                "caller_module",
                "objective_name",
                "objective_percentile"
            ]
        );
        assert!(matches!(s.value, ValueSnapshot::Counter(_)));
    }
}
