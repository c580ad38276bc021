//! The live registry as a [`Source`]: SPEC's families, then user metrics.
//!
//! This is where the label sets of SPEC are assembled. Every function shows
//! `result="ok"` and `result="error"` for its root and for each caller it has
//! seen, zero or not, so `rate()` and `increase()` see a series before its
//! first increment; the overflow slot shows once it has counted something.

use crate::buckets::{MAX_BUCKETS, bucket_index};
use crate::decimal::Decimal;
use crate::exemplar::{Recorded, hex};
use crate::function::OVERFLOW_CALLER;
use crate::registry::{functions, metric_families};
use crate::service;
use crate::visit::{
    DynVisitor, Erased, Exemplar, FamilyDesc, HistogramSample, Label, MetricKind, Series,
    SeriesValue, Source, Stop, Visitor,
};
use core::ptr;

/// The family names of SPEC.
pub mod names {
    /// Counter family (samples `function_calls_total`).
    pub const CALLS: &str = "function_calls";
    /// Latency histogram family.
    pub const DURATION: &str = "function_calls_duration_seconds";
    /// Concurrency gauge family.
    pub const CONCURRENT: &str = "function_calls_concurrent";
    /// Build information family.
    pub const BUILD_INFO: &str = "build_info";
}

/// The live metrics of this program: every registered instrumented function
/// and user metric. Get it with [`registry()`].
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Registry;

/// The live metrics of this program, to hand to an encoder.
///
/// ```
/// # use omnimetrics::visit::Source;
/// let live = omnimetrics::registry();
/// # let _ = live;
/// ```
pub const fn registry() -> Registry {
    Registry
}

impl Source for Registry {
    fn visit<V: Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        let mut erased = Erased::new(v);
        let walked = walk(&mut erased);
        erased.finish(walked)
    }
}

/// The whole registry, compiled once for every visitor type.
#[inline(never)]
fn walk(v: &mut DynVisitor<'_>) -> Result<(), Stop> {
    visit_calls(v)?;
    visit_durations(v)?;
    visit_concurrency(v)?;
    service::visit_build_info(v)?;
    for family in metric_families() {
        crate::metrics::visit_family(family, v)?;
    }
    Ok(())
}

fn visit_calls(v: &mut DynVisitor<'_>) -> Result<(), Stop> {
    if functions().next().is_none() {
        return Ok(());
    }
    v.family(&FamilyDesc {
        name: names::CALLS,
        help: "Calls of instrumented functions, by result and caller.",
        kind: MetricKind::Counter,
        unit: None,
    })?;
    for f in functions() {
        let view = f.storage().view();
        let (objective, percentile) = match f.objective() {
            Some(o) => (
                o.name(),
                o.success_rate_percentile().map_or("", |p| p.as_str()),
            ),
            None => ("", ""),
        };
        let service = f.service_name();
        let recorded = view.exemplar();
        let mut ids = TraceIds::new();
        let trace_labels = recorded.map(|r| ids.labels(&r));
        let trace_labels = trace_labels.as_ref().map_or(&[][..], |l| l.as_slice());
        let mut emit = |caller: usize, caller_fn: &str, caller_mod: &str, counts: [u64; 2]| {
            for (is_err, result, value) in [(false, "ok", counts[0]), (true, "error", counts[1])] {
                let exemplar = recorded
                    .filter(|r| r.caller == caller && r.is_err == is_err)
                    .map(|_| Exemplar {
                        labels: trace_labels,
                        value: Decimal::new(1, 0),
                        bucket: None,
                    });
                let labels = [
                    Label::new("function", f.name()),
                    Label::new("module", f.module()),
                    Label::new("service_name", service),
                    Label::new("result", result),
                    Label::new("caller_function", caller_fn),
                    Label::new("caller_module", caller_mod),
                    Label::new("objective_name", objective),
                    Label::new("objective_percentile", percentile),
                ];
                v.series(&Series {
                    labels: &labels,
                    value: SeriesValue::Counter(value),
                    exemplar,
                })?;
            }
            Ok(())
        };
        for (caller, counts) in view.callers() {
            match caller {
                Some(c) => emit(ptr::from_ref(c) as usize, c.name(), c.module(), counts)?,
                None => emit(0, "", "", counts)?,
            }
        }
        let overflow = view.overflow();
        if overflow != [0, 0] {
            emit(usize::MAX, OVERFLOW_CALLER, OVERFLOW_CALLER, overflow)?;
        }
        if let Some(table) = f.labels() {
            let mut failed = Ok(());
            table.each(&mut |caller, is_err, label, value| {
                if failed.is_err() {
                    return;
                }
                let (result, caller_fn, caller_mod) = (
                    if is_err { "error" } else { "ok" },
                    caller.map_or("", |c| c.name()),
                    caller.map_or("", |c| c.module()),
                );
                let labels = [
                    Label::new("function", f.name()),
                    Label::new("module", f.module()),
                    Label::new("service_name", service),
                    Label::new("result", result),
                    Label::new("caller_function", caller_fn),
                    Label::new("caller_module", caller_mod),
                    Label::new("objective_name", objective),
                    Label::new("objective_percentile", percentile),
                    Label::new(result, label),
                ];
                failed = v.series(&Series {
                    labels: &labels,
                    value: SeriesValue::Counter(value),
                    exemplar: None,
                });
            });
            failed?;
        }
    }
    Ok(())
}

/// Whether a function exports a latency histogram: when durations can be
/// measured, or were measured before.
fn has_histogram(counts: &[u64]) -> bool {
    crate::clock::is_available() || counts.iter().any(|&c| c > 0)
}

fn visit_durations(v: &mut DynVisitor<'_>) -> Result<(), Stop> {
    let mut started = false;
    let mut counts = [0u64; MAX_BUCKETS + 1];
    for f in functions() {
        let view = f.storage().view();
        let (n, sum) = view.histogram(&mut counts);
        let counts = &counts[..n];
        if !has_histogram(counts) {
            continue;
        }
        if !started {
            v.family(&FamilyDesc {
                name: names::DURATION,
                help: "Duration of calls of instrumented functions, in seconds.",
                kind: MetricKind::Histogram,
                unit: Some("seconds"),
            })?;
            started = true;
        }
        let (objective, percentile, threshold) = match f.objective() {
            Some(o) => match (o.latency_percentile(), o.latency_threshold_text()) {
                (Some(p), Some(t)) => (o.name(), p.as_str(), t),
                _ => (o.name(), "", ""),
            },
            None => ("", "", ""),
        };
        let labels = [
            Label::new("function", f.name()),
            Label::new("module", f.module()),
            Label::new("service_name", f.service_name()),
            Label::new("objective_name", objective),
            Label::new("objective_percentile", percentile),
            Label::new("objective_latency_threshold", threshold),
        ];
        let recorded = view.exemplar().filter(|r| r.duration_ns != u64::MAX);
        let mut ids = TraceIds::new();
        let trace_labels = recorded.map(|r| ids.labels(&r));
        let exemplar = recorded.zip(trace_labels.as_ref()).map(|(r, l)| Exemplar {
            labels: l.as_slice(),
            value: Decimal::new(r.duration_ns, 9),
            bucket: Some(bucket_index(f.bounds(), r.duration_ns)),
        });
        v.series(&Series {
            labels: &labels,
            value: SeriesValue::Histogram(HistogramSample {
                bounds: f.bounds(),
                scale: 9,
                counts,
                sum,
            }),
            exemplar,
        })?;
    }
    Ok(())
}

fn visit_concurrency(v: &mut DynVisitor<'_>) -> Result<(), Stop> {
    let mut started = false;
    for f in functions().filter(|f| f.tracks_concurrency()) {
        if !started {
            v.family(&FamilyDesc {
                name: names::CONCURRENT,
                help: "Calls of instrumented functions in progress.",
                kind: MetricKind::Gauge,
                unit: None,
            })?;
            started = true;
        }
        let labels = [
            Label::new("function", f.name()),
            Label::new("module", f.module()),
            Label::new("service_name", f.service_name()),
        ];
        let n = f.storage().view().concurrent();
        v.series(&Series {
            labels: &labels,
            value: SeriesValue::Gauge(i64::try_from(n).unwrap_or(i64::MAX)),
            exemplar: None,
        })?;
    }
    Ok(())
}

/// Stack space for an exemplar's `trace_id` / `span_id` label values.
struct TraceIds {
    trace: [u8; 32],
    span: [u8; 16],
}

impl TraceIds {
    fn new() -> Self {
        Self {
            trace: [0; 32],
            span: [0; 16],
        }
    }

    /// `trace_id` and, when known, `span_id` (well within OpenMetrics'
    /// 128-character limit for exemplar labels).
    fn labels(&mut self, r: &Recorded) -> heapless::Vec<Label<'_>, 2> {
        let mut out = heapless::Vec::new();
        let (trace, span) = (&mut self.trace, &mut self.span);
        let _ = out.push(Label::new("trace_id", hex(r.trace.trace_id, trace)));
        if r.trace.span_id != 0 {
            let _ = out.push(Label::new(
                "span_id",
                hex(u128::from(r.trace.span_id), span),
            ));
        }
        out
    }
}

#[cfg(all(test, not(feature = "std"), feature = "alloc"))]
mod no_clock_tests {
    //! Built without `std`, so without the default clock: calls and results
    //! are counted, durations are absent (no histogram series), never
    //! invented. Run with `cargo test -p omnimetrics --no-default-features
    //! --features alloc`.
    extern crate std;

    use crate::Snapshot;

    #[crate::autometrics]
    fn without_clock(fail: bool) -> Result<(), ()> {
        if fail { Err(()) } else { Ok(()) }
    }

    #[test]
    fn counts_without_durations() {
        assert!(!crate::clock::is_available());
        without_clock(false).unwrap();
        without_clock(true).unwrap_err();
        let snap = Snapshot::capture(&crate::registry());
        let c = |r| {
            snap.counter_sum(
                "function_calls",
                &[("function", "without_clock"), ("result", r)],
            )
        };
        assert_eq!((c("ok"), c("error")), (1, 1));
        assert!(snap.family(crate::names::DURATION).is_none());
    }
}
