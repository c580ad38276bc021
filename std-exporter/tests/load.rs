//! Load check: `wrk` against `/metrics` with 1,000 series for 20 s on
//! loopback. No request may fail, and the resident memory at the end must
//! be within 10% of what it was after a warm-up (no per-request leak).
//! Prints requests per second and p99 latency.
//!
//! Needs `wrk`; runs with `OMNIMETRICS_REAL_TOOLS=1`. Durations can be
//! shortened for a local try with `OMNIMETRICS_LOAD_SECONDS` (default 20).

mod common;

use common::{get, rss_bytes, tool};
use omnimetrics::metrics::GaugeVec;
use omnimetrics_exporter::Exporter;
use std::process::Command;

/// The thousand series (plus the function, build and process metrics).
static SERIES: GaugeVec<1, 1000> = GaugeVec::new(
    "load_check_items",
    "One of a thousand series for the load check.",
    ["item"],
);

#[omnimetrics::autometrics]
fn load_check_function() {}

/// What `wrk` reported.
#[derive(Debug, Default)]
struct WrkReport {
    requests: u64,
    requests_per_second: f64,
    p99: String,
    errors: u64,
    raw: String,
}

fn run_wrk(wrk: &std::path::Path, url: &str, seconds: u64) -> WrkReport {
    let out = Command::new(wrk)
        .args([
            "-t2",
            "-c16",
            &format!("-d{seconds}s"),
            "--latency",
            "--timeout",
            "5s",
            url,
        ])
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "wrk failed:\n{raw}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut report = WrkReport {
        raw: raw.clone(),
        ..WrkReport::default()
    };
    for line in raw.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            report.requests_per_second = v.trim().parse().unwrap();
        } else if let Some(v) = line.strip_prefix("99%") {
            report.p99 = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            report.errors += v.trim().parse::<u64>().unwrap();
        } else if let Some(v) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            report.errors += v
                .split(',')
                .filter_map(|kv| kv.split_whitespace().nth(1))
                .map(|n| n.parse::<u64>().unwrap())
                .sum::<u64>();
        } else if line.contains("requests in") {
            report.requests = line.split_whitespace().next().unwrap().parse().unwrap();
        }
    }
    report
}

#[test]
fn wrk_against_metrics_with_a_thousand_series() {
    let Some(wrk) = tool("wrk") else {
        return;
    };
    let seconds: u64 = std::env::var("OMNIMETRICS_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    for i in 0..1000 {
        SERIES
            .with_label_values([format!("item-{i:04}").as_str()])
            .set(i);
    }
    load_check_function();
    let exporter = Exporter::builder().address("127.0.0.1:0").start().unwrap();
    let url = exporter.url().to_string();

    let scrape = get(exporter.local_addr(), "/metrics", &[]).unwrap();
    let text = scrape.text();
    let samples = text.lines().filter(|l| !l.starts_with('#')).count();
    let items = text
        .lines()
        .filter(|l| l.starts_with("load_check_items{"))
        .count();
    assert_eq!(items, 1000, "the thousand series are exported");

    let warm_up = run_wrk(&wrk, &url, 5.min(seconds));
    assert_eq!(warm_up.errors, 0, "errors during warm-up:\n{}", warm_up.raw);
    let rss_warm = rss_bytes();
    let report = run_wrk(&wrk, &url, seconds);
    let rss_end = rss_bytes();

    let growth = rss_end as f64 / rss_warm as f64 - 1.0;
    println!(
        "load check: {} samples per scrape ({} bytes); wrk -t2 -c16 -d{seconds}s: {} requests, \
         {:.0} req/s, p99 {}, {} errors; RSS {:.1} MiB after warm-up, {:.1} MiB at the end ({:+.1}%)",
        samples,
        scrape.body.len(),
        report.requests,
        report.requests_per_second,
        report.p99,
        report.errors,
        rss_warm as f64 / (1 << 20) as f64,
        rss_end as f64 / (1 << 20) as f64,
        growth * 100.0,
    );
    assert!(report.requests > 0, "{}", report.raw);
    assert_eq!(report.errors, 0, "wrk saw errors:\n{}", report.raw);
    assert!(!report.p99.is_empty(), "no p99 in:\n{}", report.raw);
    assert!(
        growth.abs() <= 0.10,
        "RSS moved {:+.1}% between warm-up and end",
        growth * 100.0
    );
}
