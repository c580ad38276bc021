//! The bridge's metrics about itself: how each device's link is doing.
//!
//! A device that stops sending looks, in its own series, exactly like a
//! device with nothing new to report; these families tell them apart (last
//! seen, connected) and show the line's health (bad, missed frames,
//! reboots). They are computed from the devices' statuses at each scrape,
//! not kept in global statics: a program may run several bridges, and a
//! test several in one process, each with its own counts.

use super::clean::{DEVICE_LABEL, OWN_PREFIX};
use super::device::{BAD_REASONS, DeviceStatus};
use omnimetrics::visit::MetricKind;
use omnimetrics::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use std::time::{SystemTime, UNIX_EPOCH};

/// The families, one series per device (per device and reason for bad
/// frames); nothing when there is no device.
pub(crate) fn snapshot(devices: &[DeviceStatus]) -> Snapshot {
    if devices.is_empty() {
        return Snapshot::default();
    }
    let counter = |d: &DeviceStatus, v: u64| series(d, ValueSnapshot::Counter(v));
    let gauge = |d: &DeviceStatus, v: i64| series(d, ValueSnapshot::Gauge(v));
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let mut families = vec![
        family(
            "connected",
            "Whether the device's input is open: 1 connected, 0 not (reconnecting, or a file \
             or stdin at its end).",
            MetricKind::Gauge,
            devices.iter().map(|d| gauge(d, i64::from(d.connected))),
        ),
        family(
            "connects",
            "Times the device's input was opened or connected.",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.connects)),
        ),
        family(
            "last_seen_timestamp_seconds",
            "When the last good frame from the device arrived, in seconds since the Unix \
             epoch; 0 until the first one.",
            MetricKind::Gauge,
            devices.iter().map(|d| gauge(d, unix_seconds(d.last_seen))),
        ),
        family(
            "bytes_read",
            "Bytes read from the device's input.",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.bytes)),
        ),
        family(
            "frames",
            "Frames from the device that passed their CRC and parsed.",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.decoder.frames)),
        ),
    ];
    let mut bad = family(
        "bad_frames",
        "Frames from the device that were dropped, by reason (checksum: damaged on the way).",
        MetricKind::Counter,
        std::iter::empty(),
    );
    for d in devices {
        for (reason, &n) in BAD_REASONS.iter().zip(&d.bad) {
            let mut s = counter(d, n);
            s.labels.push(("reason".to_string(), (*reason).to_string()));
            bad.series.push(s);
        }
    }
    families.push(bad);
    families.extend([
        family(
            "missed_frames",
            "Frames the device sent that never arrived intact, from gaps in sequence numbers.",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.decoder.missed)),
        ),
        family(
            "undescribed_frames",
            "Value frames that arrived before the description they need.",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.decoder.undescribed)),
        ),
        family(
            "reboots",
            "Times the device restarted (its boot id changed); its counters started again \
             from zero, which Prometheus' rate() and increase() treat as a counter reset.",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.decoder.reboots)),
        ),
        family(
            "snapshots",
            "Snapshots received from the device.",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.snapshots)),
        ),
        family(
            "rejected_snapshots",
            "Snapshots refused for having more series than the bridge's limit (the previous \
             one stays served).",
            MetricKind::Counter,
            devices.iter().map(|d| counter(d, d.rejected)),
        ),
        family(
            "series",
            "Series served for the device.",
            MetricKind::Gauge,
            devices.iter().map(|d| gauge(d, count(d.series()))),
        ),
        family(
            "dropped_series",
            "Series of the device's latest snapshot left out: invalid, or repeating another.",
            MetricKind::Gauge,
            devices.iter().map(|d| gauge(d, count(d.dropped_series))),
        ),
    ]);
    Snapshot { families }
}

fn family(
    name: &str,
    help: &str,
    kind: MetricKind,
    series: impl Iterator<Item = SeriesSnapshot>,
) -> FamilySnapshot {
    FamilySnapshot {
        name: format!("{OWN_PREFIX}{name}"),
        help: help.to_string(),
        kind,
        unit: name.ends_with("_seconds").then(|| "seconds".to_string()),
        series: series.collect(),
    }
}

/// A series of `d` with `value`.
fn series(d: &DeviceStatus, value: ValueSnapshot) -> SeriesSnapshot {
    SeriesSnapshot {
        labels: vec![(DEVICE_LABEL.to_string(), d.name.clone())],
        value,
        exemplar: None,
    }
}

fn unix_seconds(t: Option<SystemTime>) -> i64 {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
