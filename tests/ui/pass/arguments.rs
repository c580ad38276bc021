//! Every argument: objectives, predicates, buckets, concurrency, crate path.
use omnimetrics::{autometrics, Buckets, Objective, ObjectiveLatency, ObjectivePercentile, Snapshot};

const API: Objective = Objective::new("api")
    .success_rate(ObjectivePercentile::P99_9)
    .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P99);

const FAST: Buckets<3> = Buckets::from_millis([1, 5, 20]);
const FAST_SLO: Objective =
    Objective::new("fast").latency(ObjectiveLatency::from_millis(5), ObjectivePercentile::custom("99.5"));

#[autometrics(objective = API, track_concurrency)]
fn handler() -> Result<(), ()> {
    Ok(())
}

fn is_positive(v: &i32) -> bool {
    *v > 0
}

#[autometrics(ok_if = is_positive)]
fn signed(v: i32) -> i32 {
    v
}

#[autometrics(error_if = Option::is_none)]
fn lookup(v: Option<u8>) -> Option<u8> {
    v
}

#[autometrics(buckets = FAST, objective = FAST_SLO)]
fn quick() {}

#[autometrics(crate = ::omnimetrics)]
fn explicit_crate() {}

fn main() {
    handler().unwrap();
    signed(1);
    signed(-1);
    lookup(None);
    lookup(Some(1));
    quick();
    explicit_crate();

    let snap = Snapshot::capture(&omnimetrics::registry());
    let c = |f: &str, r: &str| snap.counter_sum("function_calls", &[("function", f), ("result", r)]);
    assert_eq!((c("signed", "ok"), c("signed", "error")), (1, 1));
    assert_eq!((c("lookup", "ok"), c("lookup", "error")), (1, 1));
    let h = snap.series("function_calls", &[("function", "handler")]).next().unwrap();
    assert_eq!(h.label("objective_name"), Some("api"));
    assert_eq!(h.label("objective_percentile"), Some("99.9"));
    let d = snap.series("function_calls_duration_seconds", &[("function", "handler")]).next().unwrap();
    assert_eq!(d.label("objective_percentile"), Some("99"));
    assert_eq!(d.label("objective_latency_threshold"), Some("0.25"));
    let q = snap.histograms("function_calls_duration_seconds", &[("function", "quick")]).next().unwrap();
    assert_eq!(q.bounds, [1_000_000, 5_000_000, 20_000_000]);
    let q = snap.series("function_calls_duration_seconds", &[("function", "quick")]).next().unwrap();
    assert_eq!(q.label("objective_latency_threshold"), Some("0.005"));
    assert_eq!(q.label("objective_percentile"), Some("99.5"));
    assert!(snap.series("function_calls_concurrent", &[("function", "handler")]).next().is_some());
}
