//! The instrumented call variants, all wrapping [`body`].

use crate::floor::{self, FloorStatics, body};
use omnimetrics::clock::{Clock, FastClock, StdClock};
use std::sync::LazyLock;
use std::time::Instant;

/// No instrumentation: the cost of the call itself, subtracted from every
/// other variant.
#[inline(never)]
pub fn bare(x: u64) -> Result<u64, u64> {
    body(x)
}

static FLOOR_STD: FloorStatics = FloorStatics::new();
static FLOOR_INSTANT: FloorStatics = FloorStatics::new();
static FLOOR_FAST: FloorStatics = FloorStatics::new();

/// The floor with the std clock: `StdClock` read twice, directly (no
/// global, no `dyn`), the very clock `#[autometrics]` reads by default.
#[inline(never)]
pub fn floor_std(x: u64) -> Result<u64, u64> {
    floor::instrument(&FLOOR_STD, || StdClock.now_nanos(), || body(x))
}

/// The floor as a hand-written Rust timer does it: `Instant::now()`, then
/// `elapsed()`. The same code runs in the `autometrics-prometheus` process,
/// a reference between the two processes.
#[inline(never)]
pub fn floor_instant(x: u64) -> Result<u64, u64> {
    floor::instrument_instant(&FLOOR_INSTANT, || body(x))
}

/// The floor with the fast clock, read directly (no global, no `dyn`).
#[inline(never)]
pub fn floor_fast(x: u64) -> Result<u64, u64> {
    floor::instrument(&FLOOR_FAST, || FastClock.now_nanos(), || body(x))
}

/// `#[omnimetrics::autometrics]`, default settings.
#[omnimetrics::autometrics]
#[inline(never)]
pub fn omnimetrics_call(x: u64) -> Result<u64, u64> {
    body(x)
}

/// The same as [`omnimetrics_call`], with its own statics: the "different
/// function" of the two-thread benchmark.
#[omnimetrics::autometrics]
#[inline(never)]
pub fn omnimetrics_call_2(x: u64) -> Result<u64, u64> {
    body(x)
}

/// `#[omnimetrics::autometrics]` called from another instrumented function
/// (the caller slot lookup instead of the root slot).
#[omnimetrics::autometrics]
#[inline(never)]
pub fn omnimetrics_nested_callee(x: u64) -> Result<u64, u64> {
    body(x)
}

/// `#[autometrics::autometrics]` (the `autometrics` crate, 3.0.0, with its
/// `prometheus-client` backend).
#[autometrics::autometrics]
#[inline(never)]
pub fn autometrics_call(x: u64) -> Result<u64, u64> {
    body(x)
}

const FUNCTION: &str = "hand_instrumented";
const MODULE: &str = module_path!();

fn result_label<T, E>(r: &Result<T, E>) -> &'static str {
    if r.is_ok() { "ok" } else { "error" }
}

/// SPEC's default buckets in seconds, for the crates that use `f64`.
pub const BUCKETS_SECONDS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

struct Prom {
    calls: prometheus::IntCounterVec,
    duration: prometheus::HistogramVec,
}

static PROM: LazyLock<Prom> = LazyLock::new(|| {
    let registry = prometheus::Registry::new();
    let calls = prometheus::IntCounterVec::new(
        prometheus::Opts::new("function_calls_total", "Calls."),
        &["function", "module", "result"],
    )
    .expect("valid counter");
    let duration = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("function_calls_duration_seconds", "Latency.")
            .buckets(BUCKETS_SECONDS.to_vec()),
        &["function", "module"],
    )
    .expect("valid histogram");
    registry
        .register(Box::new(calls.clone()))
        .expect("registers");
    registry
        .register(Box::new(duration.clone()))
        .expect("registers");
    Prom { calls, duration }
});

/// A labelled counter and histogram per call with the `prometheus` crate.
#[inline(never)]
pub fn prometheus_call(x: u64) -> Result<u64, u64> {
    let start = Instant::now();
    let r = body(x);
    let d = start.elapsed().as_secs_f64();
    let p = &*PROM;
    p.calls
        .with_label_values(&[FUNCTION, MODULE, result_label(&r)])
        .inc();
    p.duration.with_label_values(&[FUNCTION, MODULE]).observe(d);
    r
}

mod pc {
    use prometheus_client::encoding::EncodeLabelSet;
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family;
    use prometheus_client::metrics::histogram::Histogram;

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub(super) struct CallLabels {
        pub(super) function: &'static str,
        pub(super) module: &'static str,
        pub(super) result: &'static str,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub(super) struct DurationLabels {
        pub(super) function: &'static str,
        pub(super) module: &'static str,
    }

    pub(super) struct Metrics {
        pub(super) calls: Family<CallLabels, Counter>,
        pub(super) duration: Family<DurationLabels, Histogram, fn() -> Histogram>,
        _registry: prometheus_client::registry::Registry,
    }

    fn histogram() -> Histogram {
        Histogram::new(super::BUCKETS_SECONDS)
    }

    pub(super) fn metrics() -> Metrics {
        let mut registry = prometheus_client::registry::Registry::default();
        let calls = Family::<CallLabels, Counter>::default();
        let duration = Family::<DurationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            histogram as fn() -> Histogram,
        );
        registry.register("function_calls", "Calls.", calls.clone());
        registry.register(
            "function_calls_duration_seconds",
            "Latency.",
            duration.clone(),
        );
        Metrics {
            calls,
            duration,
            _registry: registry,
        }
    }
}

static PC: LazyLock<pc::Metrics> = LazyLock::new(pc::metrics);

/// A labelled counter and histogram per call with `prometheus-client`.
#[inline(never)]
pub fn prometheus_client_call(x: u64) -> Result<u64, u64> {
    let start = Instant::now();
    let r = body(x);
    let d = start.elapsed().as_secs_f64();
    let m = &*PC;
    m.calls
        .get_or_create(&pc::CallLabels {
            function: FUNCTION,
            module: MODULE,
            result: result_label(&r),
        })
        .inc();
    m.duration
        .get_or_create(&pc::DurationLabels {
            function: FUNCTION,
            module: MODULE,
        })
        .observe(d);
    r
}

mod me {
    use measured::metric::histogram::Thresholds;
    use measured::{CounterVec, FixedCardinalityLabel, HistogramVec, LabelGroup};

    #[derive(FixedCardinalityLabel, Clone, Copy, Debug)]
    pub(super) enum Function {
        HandInstrumented,
    }

    #[derive(FixedCardinalityLabel, Clone, Copy, Debug)]
    pub(super) enum Module {
        #[label(rename = "omnimetrics_bench::subjects")]
        Subjects,
    }

    #[derive(FixedCardinalityLabel, Clone, Copy, Debug)]
    pub(super) enum Outcome {
        Ok,
        Error,
    }

    #[derive(LabelGroup, Clone, Copy, Debug)]
    #[label(set = CallSet)]
    pub(super) struct Call {
        pub(super) function: Function,
        pub(super) module: Module,
        pub(super) result: Outcome,
    }

    #[derive(LabelGroup, Clone, Copy, Debug)]
    #[label(set = DurationSet)]
    pub(super) struct Duration {
        pub(super) function: Function,
        pub(super) module: Module,
    }

    pub(super) struct Metrics {
        pub(super) calls: CounterVec<CallSet>,
        pub(super) duration: HistogramVec<DurationSet, 14>,
    }

    pub(super) fn metrics() -> Metrics {
        Metrics {
            calls: CounterVec::with_label_set(CallSet::default()),
            duration: HistogramVec::with_label_set_and_metadata(
                DurationSet::default(),
                Thresholds::with_buckets(super::BUCKETS_SECONDS),
            ),
        }
    }
}

static ME: LazyLock<me::Metrics> = LazyLock::new(me::metrics);

/// A labelled counter and histogram per call with `measured` (fixed
/// cardinality labels: its fastest kind, no hashing).
#[inline(never)]
pub fn measured_call(x: u64) -> Result<u64, u64> {
    let start = Instant::now();
    let r = body(x);
    let d = start.elapsed().as_secs_f64();
    let m = &*ME;
    m.calls.inc(me::Call {
        function: me::Function::HandInstrumented,
        module: me::Module::Subjects,
        result: if r.is_ok() {
            me::Outcome::Ok
        } else {
            me::Outcome::Error
        },
    });
    m.duration.observe(
        me::Duration {
            function: me::Function::HandInstrumented,
            module: me::Module::Subjects,
        },
        d,
    );
    r
}

/// A call variant: its criterion name and the function.
pub type Subject = (&'static str, crate::CallFn);

/// Calls `omnimetrics_nested_callee` from an instrumented caller; the
/// caller is itself instrumented, so this measures two instrumented calls.
#[omnimetrics::autometrics]
#[inline(never)]
pub fn omnimetrics_nested_caller(x: u64) -> Result<u64, u64> {
    omnimetrics_nested_callee(x)
}

/// Touches every lazily built set of metrics, so that no benchmark pays
/// for building one.
pub fn warm_up() {
    for (_, f) in [
        ("", bare as crate::CallFn),
        ("", floor_std),
        ("", floor_instant),
        ("", omnimetrics_call),
        ("", omnimetrics_call_2),
        ("", autometrics_call),
        ("", prometheus_call),
        ("", prometheus_client_call),
        ("", measured_call),
    ] {
        let _ = f(1);
    }
}
