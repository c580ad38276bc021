//! The live registry as a [`Source`]: SPEC's families, then user metrics.
//!
//! This is where the label sets of SPEC are assembled. Every function shows
//! `result="ok"` and `result="error"` for its root and for each caller it has
//! seen, zero or not, so `rate()` and `increase()` see a series before its
//! first increment; the overflow slot shows once it has counted something.

use crate::buckets::bucket_index;
use crate::decimal::Decimal;
use crate::exemplar::{Recorded, hex};
use crate::function::{FunctionDesc, FunctionView, OVERFLOW_CALLER};
use crate::metrics::counts_buf;
use crate::objective::ObjectivePercentile;
use crate::registry::{functions, metric_families};
use crate::service;
use crate::visit::{
    DynVisitor, Erased, Exemplar, FamilyDesc, HistogramSample, Label, MetricKind, Series,
    SeriesValue, Source, Stop, Visitor,
};
use core::ptr;
use portable_atomic::Ordering::Relaxed;

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
    /// The families and labels of instrumented functions and `build_info`
    /// are this crate's constants; user metrics' family and label names
    /// are checked by their constructors, at compile time in a `static`
    /// (see `metrics::names`); no family here has a unit but `seconds`.
    const VALID_NAMES: bool = true;
    /// Exemplars come from the trace context, which only `std` has.
    const EXEMPLARS: bool = cfg!(feature = "std");
    /// Instrumented functions, `build_info` and the user metrics of
    /// `metrics` have whole-number values only.
    const SCALED_VALUES: bool = false;

    fn visit<V: Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        let mut erased = Erased::new(v);
        let walked = walk(&mut erased);
        erased.finish(walked)
    }
}

/// The whole registry, compiled once for every visitor type.
#[inline(never)]
fn walk(v: &mut DynVisitor<'_>) -> Result<(), Stop> {
    for family in &FUNCTION_FAMILIES {
        visit_functions(v, family)?;
    }
    service::visit_build_info(v)?;
    for family in metric_families() {
        crate::metrics::visit_family(family, v)?;
    }
    Ok(())
}

/// The families of instrumented functions, in the order they are visited.
static FUNCTION_FAMILIES: [FamilyDesc<'static>; 3] = [
    FamilyDesc {
        name: names::CALLS,
        help: "Calls of instrumented functions, by result and caller.",
        kind: MetricKind::Counter,
        unit: None,
    },
    FamilyDesc {
        name: names::DURATION,
        help: "Duration of calls of instrumented functions, in seconds.",
        kind: MetricKind::Histogram,
        unit: Some("seconds"),
    },
    FamilyDesc {
        name: names::CONCURRENT,
        help: "Calls of instrumented functions in progress.",
        kind: MetricKind::Gauge,
        unit: None,
    },
];

/// The label names of a function's `function_calls_total` series, in
/// SPEC's order (a labelled series adds one, named by its result).
static LABEL_NAMES: [&str; 8] = [
    "function",
    "module",
    "service_name",
    "result",
    "caller_function",
    "caller_module",
    "objective_name",
    "objective_percentile",
];

/// Announces `family` before its first series (a family without series is
/// left out).
#[inline(never)]
pub(crate) fn start(
    v: &mut DynVisitor<'_>,
    family: &FamilyDesc<'_>,
    started: &mut bool,
) -> Result<(), Stop> {
    if *started {
        return Ok(());
    }
    *started = true;
    v.family(family)
}

/// One of the three families of instrumented functions: one loop over the
/// functions for all three, sharing what every function's series have in
/// common (one copy of the code, which a firmware's flash notices).
fn visit_functions(v: &mut DynVisitor<'_>, family: &FamilyDesc<'static>) -> Result<(), Stop> {
    let mut started = false;
    for f in functions() {
        let view = f.storage().view();
        let objective = f.objective();
        // Names from a table, values set where they are not empty: fewer
        // stores of constants than nine `Label::new`s. (The table is read
        // by reference: a copy of it, or of a template array, links
        // `memcpy` into a firmware.)
        let mut labels = [Label::new("", ""); 9];
        for (label, name) in labels.iter_mut().zip(&LABEL_NAMES) {
            label.name = name;
        }
        labels[0].value = f.name();
        labels[1].value = f.module();
        labels[2].value = f.service_name();
        labels[6].value = objective.map_or("", |o| o.name());
        labels[7].value = percentile_text(objective.and_then(|o| o.success_rate_percentile()));
        // What the family shows of this function: the calls series, or
        // one series of `n` labels (one `start` and one `series` for both).
        let mut buf = counts_buf();
        let mut ids = TraceIds::new();
        let trace_labels;
        let one = match family.kind {
            MetricKind::Counter => None,
            MetricKind::Histogram => {
                let (counts, sum) = view.histogram(&mut buf);
                if !has_histogram(counts) {
                    continue;
                }
                // The objective's latency target, if it has one.
                let latency = objective.and_then(|o| {
                    let text = o.latency_threshold_text()?;
                    Some((percentile_text(o.latency_percentile()), text))
                });
                let (percentile, threshold) = latency.unwrap_or(("", ""));
                labels[3] = labels[6];
                labels[4] = Label::new("objective_percentile", percentile);
                labels[5] = Label::new("objective_latency_threshold", threshold);
                let recorded = view.exemplar().filter(|r| r.duration_ns != u64::MAX);
                trace_labels = recorded.map(|r| ids.labels(&r));
                let exemplar = recorded.zip(trace_labels.as_ref()).map(|(r, l)| Exemplar {
                    labels: l.as_slice(),
                    value: Decimal::new(r.duration_ns, 9),
                    bucket: Some(bucket_index(f.bounds(), r.duration_ns)),
                });
                let value = SeriesValue::Histogram(HistogramSample {
                    bounds: f.bounds(),
                    scale: 9,
                    counts,
                    sum,
                });
                Some((6, value, exemplar))
            }
            _ => {
                if !f.tracks_concurrency() {
                    continue;
                }
                let n = i64::try_from(view.concurrent()).unwrap_or(i64::MAX);
                Some((3, SeriesValue::Gauge(n), None))
            }
        };
        start(v, family, &mut started)?;
        match one {
            None => visit_calls(v, f, &view, &mut labels)?,
            Some((n, value, exemplar)) => v.series(&Series {
                labels: &labels[..n],
                value,
                exemplar,
            })?,
        }
    }
    Ok(())
}

/// The `function_calls_total` series of one function: its root (no
/// caller), every caller slot, the overflow slot once it has counted
/// something, then the labelled ones. `labels` holds the function's own.
fn visit_calls(
    v: &mut DynVisitor<'_>,
    f: &FunctionDesc,
    view: &FunctionView<'_>,
    labels: &mut [Label<'_>; 9],
) -> Result<(), Stop> {
    let recorded = view.exemplar();
    let mut ids = TraceIds::new();
    let trace_labels = recorded.map(|r| ids.labels(&r));
    let trace_labels = trace_labels.as_ref().map_or(&[][..], |l| l.as_slice());
    let slots = view.keys.len();
    for i in 0..slots + 2 {
        // Row 0 is the root, then the caller slots, then the overflow slot
        // (see `ReadCounts::row`). The root comes first, while `labels`
        // still has no caller. (Counts read before the key: a caller slot
        // is only counted in after its key is set, so a slot claimed in
        // between shows zero, as it would have a moment earlier.)
        let counts = view.counts.row(i);
        let caller = if i == 0 {
            0
        } else if let Some(key) = view.keys.get(i - 1) {
            // SAFETY: keys hold null or addresses of `&'static FunctionDesc`.
            let Some(c) = (unsafe { key.load(Relaxed).cast_const().as_ref() }) else {
                continue;
            };
            labels[4].value = c.name();
            labels[5].value = c.module();
            ptr::from_ref(c) as usize
        } else {
            labels[4].value = OVERFLOW_CALLER;
            labels[5].value = OVERFLOW_CALLER;
            usize::MAX
        };
        if caller == usize::MAX && counts[0] | counts[1] == 0 {
            continue;
        }
        for (r, &value) in counts.iter().enumerate() {
            let is_err = r != 0;
            let exemplar = recorded
                .filter(|r| r.caller == caller && r.is_err == is_err)
                .map(|_| Exemplar {
                    labels: trace_labels,
                    value: Decimal::new(1, 0),
                    bucket: None,
                });
            labels[3].value = result_text(is_err);
            v.series(&Series {
                labels: &labels[..8],
                value: SeriesValue::Counter(value),
                exemplar,
            })?;
        }
    }
    if let Some(table) = f.labels() {
        table.visit(v, labels)?;
    }
    Ok(())
}

/// One labelled `function_calls_total` series (called by the function's
/// [`VariantStorage`](crate::variant::VariantStorage)); `labels` holds the
/// function's own.
pub(crate) fn labelled<'a>(
    v: &mut DynVisitor<'_>,
    labels: &mut [Label<'a>; 9],
    caller: Option<&'a FunctionDesc>,
    is_err: bool,
    label: &'a str,
    value: u64,
) -> Result<(), Stop> {
    let result = result_text(is_err);
    labels[3].value = result;
    labels[4].value = caller.map_or("", |c| c.name());
    labels[5].value = caller.map_or("", |c| c.module());
    labels[8] = Label::new(result, label);
    v.series(&Series {
        labels: &labels[..],
        value: SeriesValue::Counter(value),
        exemplar: None,
    })
}

/// The `objective_percentile` label's value (one copy for both families).
#[inline(never)]
fn percentile_text(p: Option<ObjectivePercentile>) -> &'static str {
    p.map_or("", |p| p.as_str())
}

/// The `result` label's value.
fn result_text(is_err: bool) -> &'static str {
    if is_err { "error" } else { "ok" }
}

/// Whether a function exports a latency histogram: when durations can be
/// measured, or were measured before.
fn has_histogram(counts: &[u64]) -> bool {
    crate::clock::is_available() || counts.iter().any(|&c| c > 0)
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
