//! A device's snapshot made safe to serve next to other devices'.
//!
//! A frame that passes its CRC can still say things that would make
//! Prometheus reject the *whole* scrape, every device's series with it: a
//! family listed twice, two series with the same labels, a label name
//! repeated, a histogram with an `le` label of its own or bounds that do not
//! increase. This runs once per received snapshot (not per scrape), drops
//! what cannot be served, and renames a device's own `device` label to
//! `exported_device` (what Prometheus itself does with `honor_labels:
//! false`) so that the bridge's `device` label never clashes.

use omnimetrics::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use std::collections::HashSet;

/// The label the bridge adds to every device series.
pub(crate) const DEVICE_LABEL: &str = "device";
/// What a device's own `device` label becomes.
pub(crate) const EXPORTED_DEVICE_LABEL: &str = "exported_device";
/// Families the bridge reports about itself; devices may not use the prefix.
pub(crate) const OWN_PREFIX: &str = "omnimetrics_bridge_";

/// A snapshot ready to serve.
#[derive(Debug)]
pub(crate) struct Cleaned {
    pub(crate) snapshot: Snapshot,
    /// Series left out (invalid or repeated).
    pub(crate) dropped: usize,
}

/// Cleans `snapshot`; `Err` with its number of series when it has more
/// than `max_series` (then none of it is kept).
pub(crate) fn clean(snapshot: Snapshot, max_series: usize) -> Result<Cleaned, usize> {
    let total: usize = snapshot.families.iter().map(|f| f.series.len()).sum();
    if total > max_series {
        return Err(total);
    }
    let mut dropped = 0;
    let mut families: Vec<FamilySnapshot> = Vec::with_capacity(snapshot.families.len());
    // Per kept family: the label sets seen, sorted, to find repeats.
    let mut seen: Vec<HashSet<Vec<(String, String)>>> = Vec::new();
    for mut family in snapshot.families {
        let series = std::mem::take(&mut family.series);
        if family.name.starts_with(OWN_PREFIX) {
            dropped += series.len();
            continue;
        }
        let at = match families.iter().position(|f| f.name == family.name) {
            // A family listed twice: its series join the first listing,
            // when they are of the same kind.
            Some(at) if families[at].kind == family.kind => at,
            Some(_) => {
                dropped += series.len();
                continue;
            }
            None => {
                families.push(family);
                seen.push(HashSet::new());
                families.len() - 1
            }
        };
        for mut series in series {
            rename_device_label(&mut series);
            let mut key = series.labels.clone();
            key.sort();
            if !servable(&series, &key) || !seen[at].insert(key) {
                dropped += 1;
                continue;
            }
            families[at].series.push(series);
        }
    }
    Ok(Cleaned {
        snapshot: Snapshot { families },
        dropped,
    })
}

fn rename_device_label(series: &mut SeriesSnapshot) {
    for (name, _) in &mut series.labels {
        if name == DEVICE_LABEL {
            EXPORTED_DEVICE_LABEL.clone_into(name);
        }
    }
}

/// Whether a series can be written without breaking the scrape; `sorted`
/// is its labels, sorted.
fn servable(series: &SeriesSnapshot, sorted: &[(String, String)]) -> bool {
    let repeated_name = sorted.windows(2).any(|w| w[0].0 == w[1].0);
    let bad_name = sorted
        .iter()
        .any(|(n, _)| n.is_empty() || n.starts_with("__") || n == DEVICE_LABEL);
    if repeated_name || bad_name {
        return false;
    }
    match &series.value {
        ValueSnapshot::Histogram(h) => {
            !sorted.iter().any(|(n, _)| n == "le")
                && h.bounds.windows(2).all(|w| w[0] < w[1])
                && h.counts.len() == h.bounds.len() + 1
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnimetrics::HistogramSnapshot;
    use omnimetrics::visit::MetricKind;

    fn family(name: &str, kind: MetricKind, series: Vec<SeriesSnapshot>) -> FamilySnapshot {
        FamilySnapshot {
            name: name.into(),
            help: String::new(),
            kind,
            unit: None,
            series,
        }
    }

    fn counter(labels: &[(&str, &str)], v: u64) -> SeriesSnapshot {
        SeriesSnapshot {
            labels: labels
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            value: ValueSnapshot::Counter(v),
            exemplar: None,
        }
    }

    fn histogram(labels: &[(&str, &str)], bounds: Vec<u64>) -> SeriesSnapshot {
        let counts = vec![0; bounds.len() + 1];
        SeriesSnapshot {
            value: ValueSnapshot::Histogram(HistogramSnapshot {
                bounds,
                scale: 0,
                counts,
                sum: 0,
            }),
            ..counter(labels, 0)
        }
    }

    #[test]
    fn drops_what_would_break_a_scrape() {
        use MetricKind::*;
        let snap = Snapshot {
            families: vec![
                family(
                    "a",
                    Counter,
                    vec![
                        counter(&[("x", "1"), ("y", "2")], 1),
                        counter(&[("y", "2"), ("x", "1")], 2), // same set, other order
                        counter(&[("x", "1"), ("x", "2")], 3), // repeated name
                        counter(&[("__name__", "z")], 4),
                        counter(&[("device", "mine")], 5), // renamed
                    ],
                ),
                family("omnimetrics_bridge_frames", Counter, vec![counter(&[], 1)]),
                family("a", Counter, vec![counter(&[("x", "3")], 6)]), // joins `a`
                family("a", Gauge, vec![counter(&[("x", "4")], 7)]),   // other kind
                family(
                    "h",
                    Histogram,
                    vec![
                        histogram(&[], vec![1, 2]),
                        histogram(&[("k", "v")], vec![2, 2]),
                        histogram(&[("le", "1")], vec![1]),
                    ],
                ),
            ],
        };
        let c = clean(snap, 100).unwrap();
        let names: Vec<_> = c
            .snapshot
            .families
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["a", "h"]);
        let a = &c.snapshot.families[0];
        let values: Vec<_> = a
            .series
            .iter()
            .map(|s| match s.value {
                ValueSnapshot::Counter(v) => v,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(values, [1, 5, 6]);
        assert_eq!(a.series[1].label("exported_device"), Some("mine"));
        assert_eq!(c.snapshot.families[1].series.len(), 1);
        assert_eq!(c.dropped, 3 + 1 + 1 + 2);
    }

    #[test]
    fn too_many_series_is_refused_whole() {
        let snap = Snapshot {
            families: vec![family(
                "a",
                MetricKind::Counter,
                (0..5)
                    .map(|i| counter(&[("i", &i.to_string())], 0))
                    .collect(),
            )],
        };
        assert_eq!(clean(snap.clone(), 4).unwrap_err(), 5);
        assert_eq!(clean(snap, 5).unwrap().snapshot.families[0].series.len(), 5);
    }
}
