//! An owned `Snapshot` survives serde unchanged (hosts keep and ship them):
//! every kind of value, labels with hostile text, exemplars.

use omnimetrics::metrics::{Gauge, HistogramVec};
use omnimetrics::visit::MetricKind;
use omnimetrics::{
    Buckets, ExemplarSnapshot, FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot, autometrics,
};

#[autometrics(track_concurrency)]
fn serialised(fail: bool) -> Result<(), ()> {
    if fail { Err(()) } else { Ok(()) }
}

static DEPTH: Gauge = Gauge::new("serde_depth", "Depth.");
static SIZES: HistogramVec<2, 1, 4> = HistogramVec::new(
    "serde_sizes_bytes",
    "Sizes.",
    ["kind"],
    Buckets::from_integers([10, 100]),
);

#[test]
fn snapshots_round_trip_through_json() {
    serialised(true).unwrap_err();
    serialised(false).unwrap();
    DEPTH.set(-3);
    SIZES.with_label_values(["\"a\"\n{b}"]).observe(50);
    let mut snap = Snapshot::capture(&omnimetrics::registry());
    snap.families.push(FamilySnapshot {
        name: "scaled_seconds".into(),
        help: "Scaled values and an exemplar.".into(),
        kind: MetricKind::Counter,
        unit: Some("seconds".into()),
        series: vec![SeriesSnapshot {
            labels: vec![("k".into(), "ü\\".into())],
            value: ValueSnapshot::ScaledCounter {
                value: 1_234,
                scale: 3,
            },
            exemplar: Some(ExemplarSnapshot {
                labels: vec![("trace_id".into(), "0af7651916cd43dd8448eb211c80319c".into())],
                value: (1, 0),
                bucket: None,
            }),
        }],
    });

    let json = serde_json::to_string(&snap).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snap);
    // And what came back is still a source: visiting it gives the same.
    assert_eq!(Snapshot::capture(&back), snap);
    assert_eq!(
        back.counter_sum("function_calls", &[("function", "serialised")]),
        2
    );
}
