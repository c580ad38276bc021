//! Exemplars: with a trace-context hook installed, every instrumented call
//! keeps its last trace, which the live registry attaches to the counter
//! series the call was counted in and to the histogram bucket its duration
//! fell in.

use omnimetrics::exemplar::{TraceContext, set_trace_context_hook};
use omnimetrics::{Snapshot, autometrics};
use std::cell::Cell;

thread_local! {
    static TRACE: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

fn current_trace() -> Option<TraceContext> {
    TRACE.with(Cell::get)
}

#[autometrics]
fn traced(fail: bool) -> Result<(), ()> {
    std::thread::sleep(std::time::Duration::from_millis(3));
    if fail { Err(()) } else { Ok(()) }
}

#[autometrics]
fn untraced() {}

#[test]
fn last_trace_is_attached_to_its_series_and_bucket() {
    set_trace_context_hook(current_trace).unwrap();
    untraced();
    TRACE.with(|t| {
        t.set(Some(TraceContext {
            trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736,
            span_id: 0x00f067aa0ba902b7,
        }))
    });
    traced(false).unwrap();
    traced(true).unwrap_err();
    TRACE.with(|t| t.set(None));

    let snap = Snapshot::capture(&omnimetrics::registry());
    let with_exemplar: Vec<_> = snap
        .series("function_calls", &[("function", "traced")])
        .filter(|s| s.exemplar.is_some())
        .collect();
    // Only the last call's series, the error one, carries it.
    assert_eq!(with_exemplar.len(), 1);
    let s = with_exemplar[0];
    assert_eq!(s.label("result"), Some("error"));
    let e = s.exemplar.as_ref().unwrap();
    assert_eq!(
        e.labels,
        [
            (
                "trace_id".to_string(),
                "4bf92f3577b34da6a3ce929d0e0e4736".to_string()
            ),
            ("span_id".to_string(), "00f067aa0ba902b7".to_string()),
        ]
    );

    let h = snap
        .series("function_calls_duration_seconds", &[("function", "traced")])
        .next()
        .unwrap();
    let e = h.exemplar.as_ref().unwrap();
    let (ns, scale) = e.value;
    assert_eq!(scale, 9);
    assert!(ns >= 3_000_000, "{ns}");
    // The bucket is the one the exemplar's duration falls in.
    let bounds = &snap
        .histograms("function_calls_duration_seconds", &[("function", "traced")])
        .next()
        .unwrap()
        .bounds;
    let expected = bounds.iter().position(|&b| ns <= b).unwrap_or(bounds.len());
    assert_eq!(e.bucket, Some(expected));

    // No trace, no exemplar.
    assert!(
        snap.series("function_calls", &[("function", "untraced")])
            .all(|s| s.exemplar.is_none())
    );
}
