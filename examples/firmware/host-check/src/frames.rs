//! Decoding a captured frame stream with the sinks' host decoder, and the
//! checks on a clean capture.
//!
//! A clean capture must decode completely: no bad, missed or undescribed
//! frames, one snapshot per report the firmware sent, all from one boot,
//! counters that never go down from one snapshot to the next, and a last
//! snapshot whose call totals equal the firmware's own counts exactly.
//! Latency histograms must have counted every call (the board clock works)
//! and the objective's labels must be on the root function.

use crate::compare::{self, CallSeries};
use crate::expect::Expectations;
use omnimetrics::{Snapshot, ValueSnapshot};
use omnimetrics_sinks::frame::{Event, FrameDecoder, Stats};
use std::collections::BTreeMap;

/// Everything one pass of the decoder produced.
pub(crate) struct Decoded {
    pub(crate) events: Vec<Event>,
    pub(crate) stats: Stats,
}

/// Feeds `bytes` to a new decoder in chunks of the given sizes (cycled),
/// as a serial port would deliver them.
pub(crate) fn decode(bytes: &[u8], chunks: &[usize]) -> Decoded {
    let mut decoder = FrameDecoder::new();
    let mut events = Vec::new();
    let mut rest = bytes;
    for &n in chunks.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, after) = rest.split_at(n.clamp(1, rest.len()));
        events.extend(decoder.feed(chunk));
        rest = after;
    }
    Decoded {
        events,
        stats: *decoder.stats(),
    }
}

/// The `function_calls` series of a snapshot.
pub(crate) fn calls(snap: &Snapshot) -> Vec<CallSeries> {
    snap.series("function_calls", &[])
        .filter_map(|s| {
            let ValueSnapshot::Counter(value) = s.value else {
                return None;
            };
            let label = |n| s.label(n).unwrap_or("").to_owned();
            Some(CallSeries {
                function: label("function"),
                module: label("module"),
                caller_function: label("caller_function"),
                caller_module: label("caller_module"),
                result: label("result"),
                value,
            })
        })
        .collect()
}

type Key = Vec<(String, String)>;

/// Every counter and histogram count of a snapshot by its labels.
fn monotonic_values(snap: &Snapshot) -> BTreeMap<(String, Key), u64> {
    let mut out = BTreeMap::new();
    for f in &snap.families {
        for s in &f.series {
            let v = match &s.value {
                ValueSnapshot::Counter(v) | ValueSnapshot::ScaledCounter { value: v, .. } => *v,
                ValueSnapshot::Histogram(h) => h.count(),
                _ => continue,
            };
            out.insert((f.name.clone(), s.labels.clone()), v);
        }
    }
    out
}

fn check_histograms_and_objective(snap: &Snapshot, errors: &mut Vec<String>) {
    let mut calls_per_fn: BTreeMap<String, u64> = BTreeMap::new();
    for c in calls(snap) {
        *calls_per_fn.entry(c.function).or_default() += c.value;
    }
    let mut seen = 0;
    for s in snap.series("function_calls_duration_seconds", &[]) {
        let ValueSnapshot::Histogram(h) = &s.value else {
            errors.push("a duration series is not a histogram".into());
            continue;
        };
        let f = s.label("function").unwrap_or("");
        let want = calls_per_fn.get(f).copied().unwrap_or(0);
        if h.count() != want {
            errors.push(format!(
                "{f}: histogram counted {} calls, not {want}",
                h.count()
            ));
        }
        if want > 0 && h.sum == 0 {
            errors.push(format!(
                "{f}: durations sum to 0: is the board clock running?"
            ));
        }
        seen += 1;
    }
    if seen != calls_per_fn.len() {
        errors.push(format!(
            "{seen} duration histograms for {} functions",
            calls_per_fn.len()
        ));
    }
    let root = [("function", "control_cycle")];
    for s in snap.series("function_calls", &root) {
        if s.label("objective_name") != Some("sensor-cycle")
            || s.label("objective_percentile") != Some("99")
        {
            errors.push(format!(
                "control_cycle calls without the objective's labels: {:?}",
                s.labels
            ));
        }
    }
    for s in snap.series("function_calls_duration_seconds", &root) {
        if s.label("objective_latency_threshold") != Some("0.1") {
            errors.push(format!(
                "control_cycle latency without its threshold: {:?}",
                s.labels
            ));
        }
    }
}

/// Prints one function's latency histogram (cumulative, as Prometheus has it).
fn print_histogram(snap: &Snapshot, function: &str) {
    let filter = [("function", function)];
    if let Some(h) = snap
        .histograms("function_calls_duration_seconds", &filter)
        .next()
    {
        let mut acc = 0;
        let buckets: Vec<String> = h
            .counts
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                acc += c;
                let le = h
                    .bounds
                    .get(i)
                    .map_or("+Inf".to_owned(), |b| format!("{}ms", b / 1_000_000));
                (*c > 0 || i + 1 == h.counts.len()).then(|| format!("le {le}: {acc}"))
            })
            .collect();
        println!(
            "  {function} latency: {} calls, mean {:.1} us, cumulative {}",
            h.count(),
            h.sum as f64 / h.count().max(1) as f64 / 1e3,
            buckets.join(", ")
        );
    }
}

/// Checks a clean capture.
pub(crate) fn check(expect: &Expectations, uart: &[u8], slots: usize) -> Result<(), Vec<String>> {
    // Odd chunk sizes: frames arrive split anywhere, as from a serial port.
    let d = decode(uart, &[1, 7, 64, 333, 4096]);
    let mut errors = Vec::new();
    let mut snapshots = Vec::new();
    let mut descriptions = 0;
    for e in &d.events {
        match e {
            Event::Snapshot(r) => snapshots.push(r),
            Event::Described { .. } => descriptions += 1,
            other => errors.push(format!("unexpected event on a clean stream: {other:?}")),
        }
    }
    let s = d.stats;
    println!(
        "{}: {} bytes, {} frames ({descriptions} description, {} value), bad {}, missed {}, undescribed {}, reboots {}",
        expect.device,
        s.bytes,
        s.frames,
        snapshots.len(),
        s.bad,
        s.missed,
        s.undescribed,
        s.reboots
    );
    if (s.bad, s.missed, s.undescribed, s.reboots) != (0, 0, 0, 0) {
        errors.push("a clean capture must decode without bad, missed or undescribed frames".into());
    }
    if s.bytes != expect.bytes {
        errors.push(format!(
            "{} bytes captured, the firmware wrote {}",
            s.bytes, expect.bytes
        ));
    }
    if snapshots.len() as u64 != expect.reports {
        errors.push(format!(
            "{} snapshots decoded, the firmware sent {} reports",
            snapshots.len(),
            expect.reports
        ));
    }
    if let Some(first) = snapshots.first() {
        println!("  boot id {:#010x}", first.boot_id);
        if snapshots
            .iter()
            .any(|r| r.boot_id != first.boot_id || r.rebooted)
        {
            errors.push("snapshots from more than one boot".into());
        }
    }
    for pair in snapshots.windows(2) {
        let (before, after) = (
            monotonic_values(&pair[0].snapshot),
            monotonic_values(&pair[1].snapshot),
        );
        for (key, v) in &before {
            match after.get(key) {
                Some(w) if w >= v => {}
                other => errors.push(format!(
                    "frame {} -> {}: {key:?} went from {v} to {other:?}",
                    pair[0].seq, pair[1].seq
                )),
            }
        }
    }
    let Some(last) = snapshots.last() else {
        errors.push("no snapshot decoded".into());
        return Err(errors);
    };
    match compare::check_calls(expect, &calls(&last.snapshot), slots) {
        Ok(m) => {
            m.print();
            let (ok, err) = m.totals();
            println!(
                "  last snapshot (frame {}): all {ok} ok and {err} error calls match the firmware's own counts",
                last.seq
            );
        }
        Err(e) => errors.extend(e),
    }
    check_histograms_and_objective(&last.snapshot, &mut errors);
    print_histogram(&last.snapshot, "control_cycle");
    print_histogram(&last.snapshot, "erase_page");
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
