//! Encode cost per series, 1,000 and 10,000 series, both text formats (and
//! value frames for comparison).
//!
//! Two shapes: SPEC's `function_calls_total` counter series (eight labels,
//! what an instrumented program exports most of) and its latency histogram
//! series (six labels, the fourteen default buckets, so seventeen lines per
//! series). Criterion reports throughput in series per second; at the end
//! a table gives the mean cost per series of every run.
//!
//! `cargo bench -p omnimetrics-sinks --bench encode` (add `-- --quick` for
//! a fast, rougher run).

use criterion::{BenchmarkId, Criterion, Throughput, black_box};
use omnimetrics::visit::MetricKind;
use omnimetrics::{FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::{Format, encode};
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn labels(i: usize, names: &[&str]) -> Vec<(String, String)> {
    let values = [
        format!("handler_{}", i / 2),
        "my_service::api::handlers".to_string(),
        "my-service".to_string(),
        if i.is_multiple_of(2) { "ok" } else { "error" }.to_string(),
        format!("caller_{}", i % 7),
        "my_service::api".to_string(),
        if i.is_multiple_of(3) { "api" } else { "" }.to_string(),
        if i.is_multiple_of(3) { "99.9" } else { "" }.to_string(),
    ];
    names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.to_string(), v))
        .collect()
}

fn counters(n: usize) -> Snapshot {
    let names = omnimetrics::names::CALLS_LABELS;
    Snapshot {
        families: vec![FamilySnapshot {
            name: "function_calls".into(),
            help: "Calls of instrumented functions, by result and caller.".into(),
            kind: MetricKind::Counter,
            unit: None,
            series: (0..n)
                .map(|i| SeriesSnapshot {
                    labels: labels(i, &names),
                    value: ValueSnapshot::Counter(i as u64 * 7919),
                    exemplar: None,
                })
                .collect(),
        }],
    }
}

fn histograms(n: usize) -> Snapshot {
    let names = omnimetrics::names::DURATION_LABELS;
    Snapshot {
        families: vec![FamilySnapshot {
            name: "function_calls_duration_seconds".into(),
            help: "Duration of calls of instrumented functions, in seconds.".into(),
            kind: MetricKind::Histogram,
            unit: Some("seconds".into()),
            series: (0..n)
                .map(|i| SeriesSnapshot {
                    labels: labels(i * 2, &names),
                    value: ValueSnapshot::Histogram(HistogramSnapshot {
                        bounds: omnimetrics::DEFAULT_BUCKETS.bounds().to_vec(),
                        scale: 9,
                        counts: (0..15).map(|b| (i as u64 + b) % 11).collect(),
                        sum: i as u64 * 123_456_789,
                    }),
                    exemplar: None,
                })
                .collect(),
        }],
    }
}

/// (benchmark, series, total time, iterations) of every timed batch.
static RUNS: Mutex<Vec<(String, usize, Duration, u64)>> = Mutex::new(Vec::new());

fn record(id: &str, series: usize, elapsed: Duration, iters: u64) {
    RUNS.lock()
        .unwrap()
        .push((id.to_string(), series, elapsed, iters));
}

fn text(c: &mut Criterion) {
    for (format, group_name) in [
        (Format::Prometheus, "text/prometheus-0.0.4"),
        (Format::OpenMetrics, "text/openmetrics-1.0"),
    ] {
        let mut group = c.benchmark_group(group_name);
        for (shape, make) in [
            ("counters", counters as fn(usize) -> Snapshot),
            ("histograms", histograms),
        ] {
            for n in [1_000, 10_000] {
                let snap = make(n);
                let mut out = String::new();
                encode(&snap, format, &mut out).unwrap();
                let capacity = out.len();
                let id = format!("{group_name}/{shape}/{n}");
                group.throughput(Throughput::Elements(n as u64));
                group.bench_function(BenchmarkId::new(shape, n), |b| {
                    let mut out = String::with_capacity(capacity);
                    b.iter_custom(|iters| {
                        let start = Instant::now();
                        for _ in 0..iters {
                            out.clear();
                            encode(black_box(&snap), format, &mut out).unwrap();
                            black_box(&out);
                        }
                        let elapsed = start.elapsed();
                        record(&id, n, elapsed, iters);
                        elapsed
                    });
                });
            }
        }
        group.finish();
    }
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("frames/values");
    for n in [1_000, 10_000] {
        let snap = counters(n);
        let id = format!("frames/values/counters/{n}");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("counters", n), |b| {
            let mut enc = FrameEncoder::new(1);
            let mut out = Vec::with_capacity(64 * n);
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    out.clear();
                    enc.write_values(black_box(&snap), &mut out).unwrap();
                    black_box(&out);
                }
                let elapsed = start.elapsed();
                record(&id, n, elapsed, iters);
                elapsed
            });
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    text(&mut c);
    frames(&mut c);
    c.final_summary();
    let runs = RUNS.lock().unwrap();
    if runs.is_empty() {
        return;
    }
    println!("\nmean encode cost per series (all timed batches):");
    let mut ids: Vec<&String> = runs.iter().map(|r| &r.0).collect();
    ids.dedup();
    for id in ids {
        let (mut time, mut iters, mut series) = (Duration::ZERO, 0u64, 0usize);
        for r in runs.iter().filter(|r| &r.0 == id) {
            time += r.2;
            iters += r.3;
            series = r.1;
        }
        let per_series = time.as_nanos() as f64 / iters as f64 / series as f64;
        println!("  {id:<48} {per_series:>8.1} ns/series");
    }
}
