//! Arbitrary snapshots for property tests: any UTF-8 in every name, help
//! text and label (including text longer than the frame encoder's recall
//! buffer and a COBS block), every value type, exemplars, and histograms
//! whose counts match their bounds.

use omnimetrics::visit::MetricKind;
use omnimetrics::{
    ExemplarSnapshot, FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot,
};
use proptest::prelude::*;

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_]{0,10}",
        2 => any::<String>(),
        1 => "\\PC{250,300}",
    ]
}

pub fn labels() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(), text()), 0..5)
}

pub fn exemplar() -> impl Strategy<Value = Option<ExemplarSnapshot>> {
    prop::option::weighted(
        0.3,
        // Decimal scales above 19 are clamped by the core's `Decimal`.
        (labels(), any::<u64>(), 0..=19u8, any::<Option<u32>>()).prop_map(|(labels, m, s, b)| {
            ExemplarSnapshot {
                labels,
                value: (m, s),
                bucket: b.map(|b| b as usize),
            }
        }),
    )
}

pub fn value(kind: MetricKind) -> BoxedStrategy<ValueSnapshot> {
    match kind {
        MetricKind::Counter => prop_oneof![
            3 => any::<u64>().prop_map(ValueSnapshot::Counter),
            1 => (any::<u64>(), 0..=19u8)
                .prop_map(|(value, scale)| ValueSnapshot::ScaledCounter { value, scale }),
        ]
        .boxed(),
        MetricKind::Gauge => prop_oneof![
            3 => any::<i64>().prop_map(ValueSnapshot::Gauge),
            1 => (any::<i64>(), 0..=19u8)
                .prop_map(|(value, scale)| ValueSnapshot::ScaledGauge { value, scale }),
        ]
        .boxed(),
        _ => (
            prop::collection::vec(any::<u64>(), 0..20),
            any::<u8>(),
            any::<u64>(),
        )
            .prop_flat_map(|(bounds, scale, sum)| {
                let n = bounds.len() + 1;
                prop::collection::vec(any::<u64>(), n).prop_map(move |counts| {
                    ValueSnapshot::Histogram(HistogramSnapshot {
                        bounds: bounds.clone(),
                        scale,
                        counts,
                        sum,
                    })
                })
            })
            .boxed(),
    }
}

pub fn family() -> impl Strategy<Value = FamilySnapshot> {
    prop_oneof![
        Just(MetricKind::Counter),
        Just(MetricKind::Gauge),
        Just(MetricKind::Histogram)
    ]
    .prop_flat_map(|kind| {
        let series = (labels(), value(kind), exemplar()).prop_map(|(labels, value, exemplar)| {
            SeriesSnapshot {
                labels,
                value,
                exemplar,
            }
        });
        (
            text(),
            text(),
            prop::option::of(text()),
            prop::collection::vec(series, 0..6),
        )
            .prop_map(move |(name, help, unit, series)| FamilySnapshot {
                name,
                help,
                kind,
                unit,
                series,
            })
    })
}

pub fn snapshot() -> impl Strategy<Value = Snapshot> {
    prop::collection::vec(family(), 0..5).prop_map(|families| Snapshot { families })
}
