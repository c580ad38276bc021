//! Helpers for the bridge's tests: device streams made on the host,
//! corrupting a stream on purpose, the `omnimetrics bridge` binary as a
//! child process, and reading a scrape.
//!
//! Test files use it with `mod common; mod bridge_support;` (it builds on
//! `common`'s process guards and HTTP client; the real Prometheus is
//! `common::prometheus`).
#![allow(dead_code, unreachable_pub)]

use crate::common::prometheus::promtool_check_metrics;
use crate::common::{ChildGuard, get, omnimetrics, show};
use omnimetrics::visit::MetricKind;
use omnimetrics::{FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use omnimetrics_sinks::frame::FrameEncoder;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// The module every hand-made device function is in.
pub const MODULE: &str = "sensor_fw::app";

/// A device snapshot with SPEC's families: `function_calls` for each
/// `(function, ok, error)`, its latency histogram (every call under 5 ms),
/// and `build_info`.
pub fn device_snapshot(service: &str, calls: &[(&str, u64, u64)]) -> Snapshot {
    let labels = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    };
    let mut counters = Vec::new();
    let mut histograms = Vec::new();
    for &(function, ok, error) in calls {
        for (result, value) in [("ok", ok), ("error", error)] {
            counters.push(SeriesSnapshot {
                labels: labels(&[
                    ("function", function),
                    ("module", MODULE),
                    ("service_name", service),
                    ("result", result),
                    ("caller_function", ""),
                    ("caller_module", ""),
                    ("objective_name", ""),
                    ("objective_percentile", ""),
                ]),
                value: ValueSnapshot::Counter(value),
                exemplar: None,
            });
        }
        let calls = ok + error;
        histograms.push(SeriesSnapshot {
            labels: labels(&[
                ("function", function),
                ("module", MODULE),
                ("service_name", service),
                ("objective_name", ""),
                ("objective_percentile", ""),
                ("objective_latency_threshold", ""),
            ]),
            value: ValueSnapshot::Histogram(HistogramSnapshot {
                bounds: vec![5_000_000, 100_000_000, 1_000_000_000],
                scale: 9,
                counts: vec![calls, 0, 0, 0],
                sum: calls * 1_000_000,
            }),
            exemplar: None,
        });
    }
    Snapshot {
        families: vec![
            FamilySnapshot {
                name: "function_calls".into(),
                help: "Calls of instrumented functions, by result and caller.".into(),
                kind: MetricKind::Counter,
                unit: None,
                series: counters,
            },
            FamilySnapshot {
                name: "function_calls_duration_seconds".into(),
                help: "Durations of instrumented functions.".into(),
                kind: MetricKind::Histogram,
                unit: Some("seconds".into()),
                series: histograms,
            },
            FamilySnapshot {
                name: "build_info".into(),
                help: "Build information.".into(),
                kind: MetricKind::Gauge,
                unit: None,
                series: vec![SeriesSnapshot {
                    labels: labels(&[("service_name", service), ("version", "1.0.0")]),
                    value: ValueSnapshot::Gauge(1),
                    exemplar: None,
                }],
            },
        ],
    }
}

/// The calls of report `i` of [`reports`]: three functions whose totals
/// grow with each report.
pub fn calls_at(i: u64) -> [(&'static str, u64, u64); 3] {
    [
        ("read_sensor", 10 * i, i / 3),
        ("send_packet", 4 * i, i / 5),
        ("feed_watchdog", i, 0),
    ]
}

/// The byte stream of `count` reports of one boot, as firmware sends it: a
/// `0x00` first, then for each report the frames `FrameEncoder` writes
/// (a description every `describe_every` reports).
pub fn reports(boot_id: u32, count: u64, describe_every: u32) -> Vec<u8> {
    let mut encoder = FrameEncoder::new(boot_id).describe_every(describe_every);
    let mut wire = vec![0];
    for i in 1..=count {
        encoder
            .write(&device_snapshot("sensor-fw", &calls_at(i)), &mut wire)
            .unwrap();
    }
    wire
}

/// The byte ranges of a stream's frames, each with its `0x00`; empty
/// frames are left out.
pub fn frames(stream: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in stream.iter().enumerate() {
        if b == 0 {
            if i > start {
                out.push(start..i + 1);
            }
            start = i + 1;
        }
    }
    out
}

/// A small deterministic generator (xorshift64*), so that a failure can be
/// replayed from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A byte that is not `0x00`.
    pub fn non_zero(&mut self) -> u8 {
        (self.below(255) + 1) as u8
    }
}

/// A stream damaged on purpose, and what a receiver must make of it.
#[derive(Debug)]
pub struct Corrupted {
    pub bytes: Vec<u8>,
    /// Frames of the clean stream.
    pub frames: u64,
    /// Frames left intact: each must still be decoded.
    pub untouched: u64,
    /// Bad frames a decoder must count: one per damage.
    pub bad: u64,
    /// What was done, for failure messages.
    pub log: Vec<String>,
}

/// Damages about one frame in `every` of `clean` (never the first, which
/// describes the series, nor the last `keep_last`): a byte flipped, dropped
/// or duplicated inside a frame, a frame end dropped (two frames become one
/// bad frame), or garbage with an end inserted between frames. No damage
/// adds or removes a `0x00` except as said, so each is exactly one bad
/// frame.
pub fn corrupt(clean: &[u8], seed: u64, every: usize, keep_last: usize) -> Corrupted {
    let ranges = frames(clean);
    let mut rng = Rng(seed | 1);
    let mut out = Vec::with_capacity(clean.len() + 64);
    let mut untouched = 0u64;
    let mut bad = 0u64;
    let mut log = Vec::new();
    // Bytes before the first frame (the leading 0x00) go as they are.
    out.extend_from_slice(&clean[..ranges[0].start]);
    let last_damageable = ranges.len().saturating_sub(keep_last + 1);
    let mut i = 0;
    while i < ranges.len() {
        let r = ranges[i].clone();
        let frame = &clean[r.clone()];
        let body = &frame[..frame.len() - 1];
        if i == 0 || i >= last_damageable || rng.below(every) != 0 {
            out.extend_from_slice(frame);
            untouched += 1;
            i += 1;
            continue;
        }
        let at = rng.below(body.len());
        match rng.below(5) {
            0 => {
                let mut b = body.to_vec();
                let mut mask = rng.non_zero();
                while b[at] ^ mask == 0 {
                    mask = rng.non_zero();
                }
                b[at] ^= mask;
                out.extend_from_slice(&b);
                out.push(0);
                log.push(format!("frame {i}: byte {at} flipped"));
            }
            1 => {
                out.extend_from_slice(&body[..at]);
                out.extend_from_slice(&body[at + 1..]);
                out.push(0);
                log.push(format!("frame {i}: byte {at} dropped"));
            }
            2 => {
                out.extend_from_slice(&body[..=at]);
                out.extend_from_slice(&body[at..]);
                out.push(0);
                log.push(format!("frame {i}: byte {at} duplicated"));
            }
            3 => {
                // This frame's end dropped: it and the next become one.
                let next = &clean[ranges[i + 1].clone()];
                out.extend_from_slice(body);
                out.extend_from_slice(next);
                log.push(format!("frames {i} and {}: end dropped", i + 1));
                bad += 1;
                i += 2;
                continue;
            }
            _ => {
                let n = 1 + rng.below(40);
                for _ in 0..n {
                    let g = rng.non_zero();
                    out.push(g);
                }
                out.push(0);
                out.extend_from_slice(frame);
                untouched += 1;
                log.push(format!("before frame {i}: {n} bytes of garbage"));
            }
        }
        bad += 1;
        i += 1;
    }
    Corrupted {
        bytes: out,
        frames: ranges.len() as u64,
        untouched,
        bad,
        log,
    }
}

/// The value of the sample `name{labels...}` whose labels include all of
/// `labels`, in Prometheus text; `None` if there is none. Panics if more
/// than one sample matches.
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (n, parsed) = match series.split_once('{') {
            Some((n, rest)) => (n, parse_labels(rest.strip_suffix('}').unwrap_or(rest))),
            None => (series, Vec::new()),
        };
        if n != name
            || !labels
                .iter()
                .all(|(k, v)| parsed.iter().any(|(pk, pv)| pk == k && pv == v))
        {
            continue;
        }
        assert!(
            found.is_none(),
            "more than one sample matches {name}{labels:?}"
        );
        found = Some(value.parse::<f64>().unwrap());
    }
    found
}

/// `k="v",...` with `\\`, `\"` and `\n` escapes.
fn parse_labels(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        let name: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if name.is_empty() {
            return out;
        }
        assert_eq!(chars.next(), Some('"'), "a label value starts with a quote");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c) => value.push(c),
                    None => {}
                },
                '"' => break,
                c => value.push(c),
            }
        }
        out.push((name.trim_start_matches(',').to_string(), value));
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
}

/// `GET /metrics` from `addr`; panics unless it answers `200`.
pub fn scrape(addr: SocketAddr) -> String {
    let r = get(addr, "/metrics", &[]).expect("a scrape of the bridge");
    assert_eq!(r.status, 200, "{}", r.text());
    r.text().to_string()
}

/// [`scrape`], which `promtool check metrics` (the binary `promtool`) must
/// accept.
pub fn scrape_checked(addr: SocketAddr, promtool: &Path) -> String {
    let text = scrape(addr);
    let out = promtool_check_metrics(promtool, &text);
    assert!(
        out.status.success(),
        "promtool check metrics\n{}\n--- checked ---\n{text}",
        show(&out)
    );
    text
}

/// `omnimetrics bridge` running as a child process.
pub struct BridgeProcess {
    pub addr: SocketAddr,
    pub child: ChildGuard,
}

/// Starts `omnimetrics bridge --listen 127.0.0.1:0 ARGS` with `stdin`, and
/// waits for the address it serves on.
pub fn start_bridge(args: &[&str], stdin: Stdio) -> BridgeProcess {
    let mut child = omnimetrics()
        .args(["bridge", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the omnimetrics binary starts");
    let stdout = child.stdout.take().unwrap();
    let child = ChildGuard::new("omnimetrics bridge", child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the bridge prints the address it serves on");
    let url = line
        .strip_prefix("omnimetrics bridge: serving http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    let addr = url.trim_end_matches("/metrics").parse().unwrap();
    BridgeProcess { addr, child }
}
