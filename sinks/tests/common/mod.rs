//! The fixture the sink tests share: the live registry of this test binary
//! with every family of SPEC, user-defined families of every kind, and label
//! values chosen to break naive encoders; and a hand-written, allocation-free
//! source with exemplars (which the core does not record yet).
#![allow(dead_code, unreachable_pub)]

pub mod strategies;

#[cfg(feature = "alloc")]
pub mod frames;

use omnimetrics::metrics::{Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramVec};
use omnimetrics::visit::{
    Exemplar, FamilyDesc, HistogramSample, Label, MetricKind, Series, SeriesValue, Source, Visitor,
};
use omnimetrics::{
    Buckets, Decimal, Objective, ObjectiveLatency, ObjectivePercentile, autometrics,
};
use std::sync::Once;

/// Label values that have broken exposition encoders: escapes, quotes,
/// newlines, braces, `=`, `,`, comment markers, whitespace at the ends,
/// control characters, non-ASCII text and line separators other than `\n`.
pub const HOSTILE: &[&str] = &[
    r"back\slash",
    r#"say "hi""#,
    "two\nlines",
    "{braces}",
    "a=b,c=d",
    r#"x} 1 # {y="z"} 2"#,
    "日本語 ünïcödé 🦀",
    " padded ",
    "tab\tcr\rend",
    "\\n is not a newline",
    "trailing backslash\\",
    "\u{2028}\u{85}\u{feff}",
    "",
];

const API: Objective = Objective::new("api")
    .success_rate(ObjectivePercentile::P99)
    .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P95);

#[autometrics(objective = API, track_concurrency)]
pub fn handle(fail: bool) -> Result<u32, &'static str> {
    let _ = lookup(7);
    if fail { Err("no") } else { Ok(1) }
}

#[autometrics]
pub fn lookup(id: u32) -> Option<u32> {
    id.checked_add(1)
}

pub struct Store;

#[autometrics]
impl Store {
    pub fn save(&self, n: u32) -> Result<(), String> {
        if n == 0 { Err("empty".into()) } else { Ok(()) }
    }
}

pub static JOBS: Counter = Counter::new("jobs_done_total", "Jobs finished.");
pub static QUEUE: Gauge = Gauge::new("queue_depth", "Jobs waiting\nto run, \\ \"quoted\".");
pub static PAYLOAD: Histogram<3> = Histogram::new(
    "payload_size_bytes",
    "Payload sizes.",
    Buckets::from_integers([100, 1_000, 10_000]),
);
pub static REQUESTS: CounterVec<2, 16, 64> = CounterVec::new(
    "http_requests_total",
    "Requests by route.",
    ["method", "route"],
);
pub static TEMPERATURE: GaugeVec<1, 16, 64> =
    GaugeVec::new("room_temperature_celsius", "Temperature by room.", ["room"]);
pub static LATENCY: HistogramVec<2, 1, 16, 64> = HistogramVec::new(
    "backend_latency_seconds",
    "Backend latency.",
    ["backend"],
    Buckets::from_seconds(["0.001", "2.5"]),
);

static SETUP: Once = Once::new();

/// Fills the live registry (once per test binary).
pub fn fixture() {
    SETUP.call_once(|| {
        handle(false).unwrap();
        handle(true).unwrap_err();
        lookup(1);
        Store.save(1).unwrap();
        Store.save(0).unwrap_err();
        JOBS.inc_by(3);
        QUEUE.set(-2);
        PAYLOAD.observe(512);
        PAYLOAD.observe(50_000);
        for (i, v) in HOSTILE.iter().enumerate() {
            REQUESTS.with_label_values(["GET", v]).inc_by(i as u64);
            TEMPERATURE.with_label_values([v]).set(i as i64 - 5);
            LATENCY
                .with_label_values([v])
                .observe(i as u64 * 300_000_000);
        }
    });
}

/// A source with exemplars, built from statics: encoding it allocates
/// nothing. One counter family and one histogram family, each series with an
/// exemplar (the last one 129 characters long, over OpenMetrics' limit).
pub struct WithExemplars;

pub const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

impl Source for WithExemplars {
    fn visit<V: Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        let trace = [Label::new("trace_id", TRACE)];
        let long = [Label::new("trace_id", LONG_TRACE)];
        v.family(&FamilyDesc {
            name: "requests",
            help: "Requests \"served\".",
            kind: MetricKind::Counter,
            unit: None,
        })?;
        v.series(&Series {
            labels: &[Label::new("path", "/a")],
            value: SeriesValue::Counter(5),
            exemplar: Some(Exemplar {
                labels: &trace,
                value: Decimal::new(1, 0),
                bucket: None,
            }),
        })?;
        v.series(&Series {
            labels: &[Label::new("path", "/b")],
            value: SeriesValue::Counter(1),
            exemplar: Some(Exemplar {
                labels: &long,
                value: Decimal::new(1, 0),
                bucket: None,
            }),
        })?;
        v.family(&FamilyDesc {
            name: "request_duration_seconds",
            help: "Request time.",
            kind: MetricKind::Histogram,
            unit: Some("seconds"),
        })?;
        v.series(&Series {
            labels: &[Label::new("path", "/a")],
            value: SeriesValue::Histogram(HistogramSample {
                bounds: &[100_000_000, 1_000_000_000],
                scale: 9,
                counts: &[1, 3, 1],
                sum: 4_700_000_000,
            }),
            exemplar: Some(Exemplar {
                labels: &trace,
                value: Decimal::new(670_000_000, 9),
                bucket: Some(1),
            }),
        })
    }
}

/// 121 characters: with the 8 of `trace_id`, one over the limit of 128.
pub const LONG_TRACE: &str = concat!(
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef0123456789abcdef012345678"
);

/// A source that declares what it hands out as the type's flags say
/// (`Source::VALID_NAMES`, `EXEMPLARS`, `SCALED_VALUES`), so that the
/// encoders are compiled with only the code for that.
pub struct Declared<S, const NAMES: bool, const EXEMPLARS: bool, const SCALED: bool>(pub S);

impl<S: omnimetrics::visit::Source, const NAMES: bool, const EXEMPLARS: bool, const SCALED: bool>
    omnimetrics::visit::Source for Declared<S, NAMES, EXEMPLARS, SCALED>
{
    const VALID_NAMES: bool = NAMES;
    const EXEMPLARS: bool = EXEMPLARS;
    const SCALED_VALUES: bool = SCALED;
    fn visit<V: omnimetrics::visit::Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        self.0.visit(v)
    }
}
