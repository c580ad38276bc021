//! The live registry as a [`Source`]: SPEC's families, then user metrics.
//!
//! This is where the label sets of SPEC are assembled. Every function shows
//! `result="ok"` and `result="error"` for its root and for each caller it has
//! seen, zero or not, so `rate()` and `increase()` see a series before its
//! first increment; the overflow slot shows once it has counted something.

use crate::buckets::bucket_index;
use crate::decimal::Decimal;
use crate::exemplar::{Recorded, hex};
use crate::function::FunctionDesc;
use crate::registry::{functions, metric_families};
use crate::rows::{Caller, DurationBuf};
use crate::service;
use crate::visit::{
    DynVisitor, Erased, Exemplar, FamilyDesc, HistogramSample, Label, MetricKind, Series,
    SeriesValue, Source, Stop, Visitor,
};
use core::ptr;

/// The family and label names of SPEC, for encoders and decoders that
/// build SPEC's series themselves (the frame sink's compact function
/// records).
pub mod names {
    use crate::visit::{FamilyDesc, MetricKind};

    /// Counter family (samples `function_calls_total`).
    pub const CALLS: &str = "function_calls";
    /// Latency histogram family.
    pub const DURATION: &str = "function_calls_duration_seconds";
    /// Concurrency gauge family.
    pub const CONCURRENT: &str = "function_calls_concurrent";
    /// Build information family.
    pub const BUILD_INFO: &str = "build_info";

    /// The families of instrumented functions and `build_info`, in the
    /// order the live registry shows them.
    pub static FAMILIES: [FamilyDesc<'static>; 4] = [
        FamilyDesc {
            name: CALLS,
            help: "Calls of instrumented functions, by result and caller.",
            kind: MetricKind::Counter,
            unit: None,
        },
        FamilyDesc {
            name: DURATION,
            help: "Duration of calls of instrumented functions, in seconds.",
            kind: MetricKind::Histogram,
            unit: Some("seconds"),
        },
        FamilyDesc {
            name: CONCURRENT,
            help: "Calls of instrumented functions in progress.",
            kind: MetricKind::Gauge,
            unit: None,
        },
        FamilyDesc {
            name: BUILD_INFO,
            help: "Version and build details of the program; the value is always 1.",
            kind: MetricKind::Gauge,
            unit: None,
        },
    ];

    /// The labels of a `function_calls_total` series, in order. A series
    /// of a function with `result_labels` adds one, named by its result
    /// (`ok` or `error`), whose value is the returned variant's label. A
    /// `function_calls_concurrent` series has the first three.
    pub static CALLS_LABELS: [&str; 8] = [
        "function",
        "module",
        "service_name",
        "result",
        "caller_function",
        "caller_module",
        "objective_name",
        "objective_percentile",
    ];

    /// The labels of a `function_calls_duration_seconds` series, in order;
    /// `objective_percentile` is the latency objective's.
    pub static DURATION_LABELS: [&str; 6] = [
        "function",
        "module",
        "service_name",
        "objective_name",
        "objective_percentile",
        "objective_latency_threshold",
    ];

    /// The labels of a `build_info` series, in order.
    pub static BUILD_INFO_LABELS: [&str; 7] = [
        "service_name",
        "version",
        "commit",
        "branch",
        "repository_url",
        "repository_provider",
        "autometrics_version",
    ];
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
    for family in &names::FAMILIES[..3] {
        visit_functions(v, family)?;
    }
    service::visit_build_info(v)?;
    for family in metric_families() {
        crate::metrics::visit_family(family, v)?;
    }
    Ok(())
}

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
        let objective = f.objective_labels();
        // Names from a table, values set where they are not empty: fewer
        // stores of constants than nine `Label::new`s. (The table is read
        // by reference: a copy of it, or of a template array, links
        // `memcpy` into a firmware.)
        let mut labels = [Label::new("", ""); 9];
        for (label, name) in labels.iter_mut().zip(&names::CALLS_LABELS) {
            label.name = name;
        }
        labels[0].value = f.name();
        labels[1].value = f.module();
        labels[2].value = f.service_name();
        labels[6].value = objective[0];
        labels[7].value = objective[1];
        // What the family shows of this function: the calls series, or
        // one series of `n` labels (one `start` and one `series` for both).
        let mut buf = DurationBuf::new();
        let mut ids = TraceIds::new();
        let trace_labels;
        let one = match family.kind {
            MetricKind::Counter => None,
            MetricKind::Histogram => {
                let Some((counts, sum)) = f.durations(&mut buf) else {
                    continue;
                };
                labels[3] = labels[6];
                labels[4] = Label::new(names::DURATION_LABELS[4], objective[2]);
                labels[5] = Label::new(names::DURATION_LABELS[5], objective[3]);
                let recorded = f.storage().view().exemplar();
                let recorded = recorded.filter(|r| r.duration_ns != u64::MAX);
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
                let Some(n) = f.concurrent() else {
                    continue;
                };
                let n = i64::try_from(n).unwrap_or(i64::MAX);
                Some((3, SeriesValue::Gauge(n), None))
            }
        };
        start(v, family, &mut started)?;
        match one {
            None => visit_calls(v, f, &mut labels)?,
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
    labels: &mut [Label<'_>; 9],
) -> Result<(), Stop> {
    let recorded = f.storage().view().exemplar();
    let mut ids = TraceIds::new();
    let trace_labels = recorded.map(|r| ids.labels(&r));
    let trace_labels = trace_labels.as_ref().map_or(&[][..], |l| l.as_slice());
    let mut i = 0;
    while let Some(row) = f.calls(i) {
        i += 1;
        let Some(caller) = row.caller else {
            continue;
        };
        // The key exemplars were recorded with.
        let key = match caller {
            Caller::Root => 0,
            Caller::Other if row.counts == [0, 0] => continue,
            Caller::Other => usize::MAX,
            Caller::Function(c) => ptr::from_ref(c) as usize,
        };
        (labels[4].value, labels[5].value) = caller.labels();
        for (r, &value) in row.counts.iter().enumerate() {
            let is_err = r != 0;
            let exemplar = recorded
                .filter(|r| r.caller == key && r.is_err == is_err)
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
    let mut i = 0;
    while let Some(entry) = f.labelled(i) {
        i += 1;
        if let Some(l) = entry {
            let result = result_text(l.is_err);
            labels[3].value = result;
            (labels[4].value, labels[5].value) = l.caller.labels();
            labels[8] = Label::new(result, l.label);
            v.series(&Series {
                labels: &labels[..],
                value: SeriesValue::Counter(l.count),
                exemplar: None,
            })?;
        }
    }
    Ok(())
}

/// The `result` label's value.
fn result_text(is_err: bool) -> &'static str {
    if is_err { "error" } else { "ok" }
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
