//! Concurrent use of the lock-free parts, small enough for Miri's data-race
//! detector (`cargo +nightly miri test -p omnimetrics --lib`): racing
//! registrations, caller-slot and family-slot claims, labelled-variant
//! claims, and exemplar writes against reads.

extern crate std;

use crate::exemplar::{ExemplarSlot, Recorded, TraceContext};
use crate::metrics::CounterVec;
use crate::{ResultLabel, Snapshot};
use std::thread;
use std::vec::Vec;

const THREADS: usize = 3;
const ROUNDS: u64 = 20;

#[derive(Clone, Copy)]
enum Kind {
    A,
    B,
}

impl ResultLabel for Kind {
    fn result_label(&self) -> Option<&'static str> {
        Some(match self {
            Kind::A => "A",
            Kind::B => "B",
        })
    }
}

#[crate::autometrics(result_labels)]
fn labelled(k: Kind) -> Result<(), Kind> {
    match k {
        Kind::A => Ok(()),
        Kind::B => Err(k),
    }
}

#[crate::autometrics]
fn callee() {}

#[crate::autometrics]
fn caller_one() {
    callee();
}

#[crate::autometrics]
fn caller_two() {
    callee();
}

static FAMILY: CounterVec<1, 2, 8> = CounterVec::new("race_family_total", "Racing claims.", ["k"]);

#[test]
fn racing_claims_keep_every_count() {
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..ROUNDS {
                    let _ = labelled(if (t as u64 + i).is_multiple_of(2) {
                        Kind::A
                    } else {
                        Kind::B
                    });
                    if t.is_multiple_of(2) {
                        caller_one()
                    } else {
                        caller_two()
                    }
                    let key = ["x", "y", "z"][(t + i as usize) % 3];
                    FAMILY.with_label_values([key]).inc();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let total = THREADS as u64 * ROUNDS;
    let snap = Snapshot::capture(&crate::registry());
    assert_eq!(
        snap.counter_sum("function_calls", &[("function", "labelled")]),
        total
    );
    // Errors carry the variant's label; `Ok(())` has none to carry.
    let errors = snap.counter_sum(
        "function_calls",
        &[("function", "labelled"), ("result", "error")],
    );
    assert_eq!(
        snap.counter_sum(
            "function_calls",
            &[("function", "labelled"), ("error", "B")]
        ),
        errors
    );
    assert_eq!(errors, total / 2);
    assert_eq!(
        snap.counter_sum("function_calls", &[("function", "callee")]),
        total
    );
    assert_eq!(snap.counter_sum("race_family", &[]), total);
    assert_eq!(FAMILY.len(), 2);
}

#[test]
fn exemplar_reads_are_never_torn() {
    static SLOT: ExemplarSlot = ExemplarSlot::new();
    let writers: Vec<_> = (1..=2u64)
        .map(|w| {
            thread::spawn(move || {
                for i in 0..ROUNDS {
                    let v = w * 1000 + i;
                    SLOT.record(&Recorded {
                        trace: TraceContext {
                            trace_id: u128::from(v) << 64 | u128::from(v),
                            span_id: v,
                        },
                        duration_ns: v,
                        caller: v as usize,
                        is_err: false,
                    });
                }
            })
        })
        .collect();
    for _ in 0..ROUNDS {
        if let Some(r) = SLOT.read() {
            // Every field comes from the same write.
            let v = r.duration_ns;
            assert_eq!(r.trace.span_id, v);
            assert_eq!(r.trace.trace_id, u128::from(v) << 64 | u128::from(v));
            assert_eq!(r.caller, v as usize);
        }
    }
    for w in writers {
        w.join().unwrap();
    }
}
