//! The text encoders on the fixture and on hostile snapshots: SPEC's rules
//! checked line by line, exemplars, `Accept` negotiation, writer errors.

mod common;

use common::strategies::snapshot;
use common::{Declared, HOSTILE, WithExemplars, fixture};
use omnimetrics::visit::MetricKind;
use omnimetrics::{FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use omnimetrics_sinks::text::{
    Format, MAX_FAMILY_NAME, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, encode, encode_io,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

fn text<S: omnimetrics::visit::Source>(source: &S, format: Format) -> String {
    let mut out = String::new();
    encode(source, format, &mut out).unwrap();
    out
}

fn live(format: Format) -> String {
    fixture();
    text(&omnimetrics::registry(), format)
}

/// Splits a sample line into name, the raw label block and the value,
/// honouring quotes and escapes (a test-side reader, independent of the
/// encoder's code).
fn split_sample(line: &str) -> (String, Vec<(String, String)>, String) {
    let (name, rest) = match line.find(['{', ' ']) {
        Some(i) => line.split_at(i),
        None => panic!("no value: {line}"),
    };
    let mut labels = Vec::new();
    let mut chars = rest.chars().peekable();
    if chars.peek() == Some(&'{') {
        chars.next();
        loop {
            let mut lname = String::new();
            for c in chars.by_ref() {
                if c == '=' {
                    break;
                }
                lname.push(c);
            }
            assert_eq!(chars.next(), Some('"'), "{line}");
            let mut value = String::new();
            loop {
                match chars.next().expect("unterminated value") {
                    '\\' => match chars.next() {
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        other => panic!("bad escape {other:?} in {line}"),
                    },
                    '"' => break,
                    '\n' => panic!("raw newline"),
                    c => value.push(c),
                }
            }
            labels.push((lname, value));
            match chars.next() {
                Some(',') => continue,
                Some('}') => break,
                other => panic!("unexpected {other:?} in {line}"),
            }
        }
    }
    let value: String = chars.collect();
    (name.to_string(), labels, value.trim_start().to_string())
}

#[test]
fn prometheus_follows_spec_rules() {
    let out = live(Format::Prometheus);
    let mut types = BTreeMap::new();
    let mut current = String::new();
    // (series key) -> (+Inf bucket, count)
    let mut inf: HashMap<String, u64> = HashMap::new();
    let mut count: HashMap<String, u64> = HashMap::new();
    let mut last_bucket: HashMap<String, u64> = HashMap::new();
    let mut thresholds = Vec::new();
    let mut les: Vec<(String, String)> = Vec::new();
    assert!(out.ends_with('\n'));
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "{name} twice"
            );
            current = name.to_string();
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').unwrap();
            assert!(!types.contains_key(name), "HELP after TYPE for {name}");
            continue;
        }
        assert!(!line.starts_with('#'), "{line}");
        let (name, labels, value) = split_sample(line);
        assert!(
            name.starts_with(current.trim_end_matches("_total")),
            "{name} outside {current}"
        );
        let base: Vec<_> = labels.iter().filter(|(n, _)| n != "le").cloned().collect();
        let key = format!("{name:?}{base:?}")
            .replace("_bucket", "")
            .replace("_count", "")
            .replace("_sum", "");
        if name.ends_with("_bucket") {
            let v: u64 = value.parse().unwrap();
            let prev = last_bucket.insert(key.clone(), v).unwrap_or(0);
            assert!(v >= prev, "buckets not cumulative: {line}");
            let le = labels.iter().find(|(n, _)| n == "le").unwrap().1.clone();
            if le == "+Inf" {
                inf.insert(key.clone(), v);
            }
            les.push((key, le));
        } else if name.ends_with("_count") {
            count.insert(key, value.parse().unwrap());
        }
        if let Some((_, t)) = labels
            .iter()
            .find(|(n, v)| n == "objective_latency_threshold" && !v.is_empty())
        {
            thresholds.push((format!("{:?}", base), t.clone()));
        }
    }
    for (name, kind) in [
        ("function_calls_total", "counter"),
        ("function_calls_duration_seconds", "histogram"),
        ("function_calls_concurrent", "gauge"),
        ("build_info", "gauge"),
        ("jobs_done_total", "counter"),
        ("queue_depth", "gauge"),
        ("payload_size_bytes", "histogram"),
        ("http_requests_total", "counter"),
        ("room_temperature_celsius", "gauge"),
        ("backend_latency_seconds", "histogram"),
    ] {
        assert_eq!(types.get(name).map(String::as_str), Some(kind), "{name}");
    }
    assert!(!inf.is_empty());
    assert_eq!(inf, count, "_count must equal the +Inf bucket");
    // The objective's threshold is, byte for byte, one of its series' `le`.
    assert!(!thresholds.is_empty());
    for (_, t) in &thresholds {
        assert_eq!(t, "0.25");
        assert!(les.iter().any(|(_, le)| le == t), "no bucket le={t}");
    }
    assert!(
        out.contains(r#"le="0.005""#)
            && out.contains(r#"le="1.0""#)
            && out.contains(r#"le="10.0""#)
    );
    assert!(out.contains("# HELP queue_depth Jobs waiting\\nto run, \\\\ \"quoted\".\n"));
}

#[test]
fn hostile_values_come_back_from_the_line_reader() {
    let out = live(Format::Prometheus);
    let mut seen = Vec::new();
    for line in out
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
    {
        let (_, labels, _) = split_sample(line);
        seen.push(labels[1].1.clone());
    }
    let mut expect: Vec<_> = HOSTILE.iter().map(|s| s.to_string()).collect();
    expect.sort();
    seen.sort();
    assert_eq!(seen, expect);
}

#[test]
fn openmetrics_shape() {
    let out = live(Format::OpenMetrics);
    assert!(out.ends_with("\n# EOF\n"));
    assert_eq!(out.matches("# EOF").count(), 1);
    assert!(out.contains("# TYPE function_calls counter\n"));
    assert!(out.contains("\nfunction_calls_total{"));
    assert!(!out.contains("# TYPE function_calls_total"));
    assert!(out.contains("# UNIT function_calls_duration_seconds seconds\n"));
    // HELP escapes `"` in OpenMetrics.
    assert!(out.contains("# HELP queue_depth Jobs waiting\\nto run, \\\\ \\\"quoted\\\".\n"));
    // _count before _sum, right after the +Inf bucket.
    let inf = out
        .find("payload_size_bytes_bucket{le=\"+Inf\"} 2\n")
        .unwrap();
    assert!(out[inf..].starts_with("payload_size_bytes_bucket{le=\"+Inf\"} 2\npayload_size_bytes_count 2\npayload_size_bytes_sum 50512.0\n"));
}

#[test]
fn exemplars_in_openmetrics_only_and_within_the_limit() {
    let om = text(&WithExemplars, Format::OpenMetrics);
    assert_eq!(
        om,
        concat!(
            "# TYPE requests counter\n",
            "# HELP requests Requests \\\"served\\\".\n",
            "requests_total{path=\"/a\"} 5 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 1.0\n",
            "requests_total{path=\"/b\"} 1\n",
            "# TYPE request_duration_seconds histogram\n",
            "# UNIT request_duration_seconds seconds\n",
            "# HELP request_duration_seconds Request time.\n",
            "request_duration_seconds_bucket{path=\"/a\",le=\"0.1\"} 1\n",
            "request_duration_seconds_bucket{path=\"/a\",le=\"1.0\"} 4 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 0.67\n",
            "request_duration_seconds_bucket{path=\"/a\",le=\"+Inf\"} 5\n",
            "request_duration_seconds_count{path=\"/a\"} 5\n",
            "request_duration_seconds_sum{path=\"/a\"} 4.7\n",
            "# EOF\n",
        )
    );
    let prom = text(&WithExemplars, Format::Prometheus);
    assert!(!prom.contains(" # "));
    assert!(
        prom.contains(
            "# HELP requests_total Requests \"served\".\n# TYPE requests_total counter\n"
        )
    );
}

#[test]
fn exemplar_limit_is_128_characters_exactly() {
    let make = |value: &str| Snapshot {
        families: vec![FamilySnapshot {
            name: "c".into(),
            help: String::new(),
            kind: MetricKind::Counter,
            unit: None,
            series: vec![SeriesSnapshot {
                labels: vec![],
                value: ValueSnapshot::Counter(1),
                exemplar: Some(omnimetrics::ExemplarSnapshot {
                    labels: vec![("trace_id".into(), value.into())],
                    value: (1, 0),
                    bucket: None,
                }),
            }],
        }],
    };
    // Characters, not bytes: 120 two-byte characters fit.
    let fits = "é".repeat(120);
    assert!(text(&make(&fits), Format::OpenMetrics).contains(&fits));
    let over = "é".repeat(121);
    assert!(!text(&make(&over), Format::OpenMetrics).contains(" # "));
}

fn family(name: &str, kind: MetricKind, series: Vec<SeriesSnapshot>) -> FamilySnapshot {
    FamilySnapshot {
        name: name.into(),
        help: "h".into(),
        kind,
        unit: None,
        series,
    }
}

fn series(labels: &[(&str, &str)], value: ValueSnapshot) -> SeriesSnapshot {
    SeriesSnapshot {
        labels: labels
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        value,
        exemplar: None,
    }
}

#[test]
fn names_outside_the_grammar_are_sanitised() {
    let snap = Snapshot {
        families: vec![family(
            "my.metric-name",
            MetricKind::Gauge,
            vec![series(
                &[
                    ("a.b", "1"),
                    ("9x", "2"),
                    ("", "3"),
                    ("ü\n}", "4"),
                    ("ok:no", "5"),
                ],
                ValueSnapshot::Gauge(1),
            )],
        )],
    };
    assert_eq!(
        text(&snap, Format::Prometheus),
        "# HELP my_metric_name h\n# TYPE my_metric_name gauge\n\
         my_metric_name{a_b=\"1\",_9x=\"2\",_=\"3\",___=\"4\",ok_no=\"5\"} 1\n"
    );
}

#[test]
fn help_cannot_break_lines() {
    let mut f = family("g", MetricKind::Gauge, vec![]);
    f.help = "line\nbreak \\ \"q\" # TYPE g counter".into();
    let snap = Snapshot { families: vec![f] };
    assert_eq!(
        text(&snap, Format::Prometheus),
        "# HELP g line\\nbreak \\\\ \"q\" # TYPE g counter\n# TYPE g gauge\n"
    );
    assert_eq!(
        text(&snap, Format::OpenMetrics),
        "# TYPE g gauge\n# HELP g line\\nbreak \\\\ \\\"q\\\" # TYPE g counter\n# EOF\n"
    );
}

#[test]
fn what_cannot_be_written_correctly_is_left_out() {
    let long = "n".repeat(MAX_FAMILY_NAME + 1);
    let fits = "m".repeat(MAX_FAMILY_NAME);
    let snap = Snapshot {
        families: vec![
            // A gauge value in a counter family.
            family(
                "c",
                MetricKind::Counter,
                vec![series(&[], ValueSnapshot::Gauge(1))],
            ),
            family(
                &long,
                MetricKind::Gauge,
                vec![series(&[], ValueSnapshot::Gauge(1))],
            ),
            family(
                &fits,
                MetricKind::Gauge,
                vec![series(&[], ValueSnapshot::Gauge(2))],
            ),
        ],
    };
    let out = text(&snap, Format::Prometheus);
    assert_eq!(
        out,
        format!(
            "# HELP c_total h\n# TYPE c_total counter\n# HELP {fits} h\n# TYPE {fits} gauge\n{fits} 2\n"
        )
    );
}

#[test]
fn histograms_with_mismatched_counts_stay_consistent() {
    let h = |counts: Vec<u64>| {
        ValueSnapshot::Histogram(HistogramSnapshot {
            bounds: vec![1, 2],
            scale: 0,
            counts,
            sum: 9,
        })
    };
    let snap = Snapshot {
        families: vec![family(
            "h",
            MetricKind::Histogram,
            vec![
                series(&[("k", "short")], h(vec![1])),
                series(&[("k", "long")], h(vec![1, 1, 1, 5])),
            ],
        )],
    };
    let out = text(&snap, Format::Prometheus);
    assert!(out.contains("h_bucket{k=\"short\",le=\"2.0\"} 1\nh_bucket{k=\"short\",le=\"+Inf\"} 1\nh_sum{k=\"short\"} 9.0\nh_count{k=\"short\"} 1\n"));
    assert!(out.contains(
        "h_bucket{k=\"long\",le=\"+Inf\"} 8\nh_sum{k=\"long\"} 9.0\nh_count{k=\"long\"} 8\n"
    ));
}

#[test]
fn no_labels_no_braces_and_extreme_values() {
    let snap = Snapshot {
        families: vec![
            family(
                "a",
                MetricKind::Counter,
                vec![series(&[], ValueSnapshot::Counter(u64::MAX))],
            ),
            family(
                "b",
                MetricKind::Gauge,
                vec![series(&[], ValueSnapshot::Gauge(i64::MIN))],
            ),
        ],
    };
    let out = text(&snap, Format::Prometheus);
    assert!(out.contains("\na_total 18446744073709551615\n"));
    assert!(out.contains("\nb -9223372036854775808\n"));
}

#[test]
fn negotiation() {
    let om = Format::OpenMetrics;
    let prom = Format::Prometheus;
    let cases: &[(Option<&str>, Format)] = &[
        (None, prom),
        (Some(""), prom),
        (Some("garbage"), prom),
        (Some("*/*"), prom),
        (Some("text/plain"), prom),
        (Some("application/openmetrics-text"), om),
        (
            Some("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            om,
        ),
        (Some("Application/OpenMetrics-Text;Version=0.0.1"), om),
        (Some("application/openmetrics-text;version=2.0.0"), prom),
        // Prometheus 2.x with exemplar storage, and 3.x.
        (
            Some(
                "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ),
            om,
        ),
        (
            Some(
                "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ),
            om,
        ),
        // Prometheus 2.x default.
        (Some("text/plain;version=0.0.4;q=1,*/*;q=0.1"), prom),
        (
            Some("text/plain;q=1, application/openmetrics-text;q=0.5"),
            prom,
        ),
        (
            Some("application/openmetrics-text;q=0.5, text/plain;q=0.5"),
            om,
        ),
        (Some("application/openmetrics-text;q=0"), prom),
        (Some("application/openmetrics-text;q=0.2, */*;q=0.9"), prom),
        (
            Some("application/openmetrics-text;q=0.2, application/*;q=0.9"),
            om,
        ),
        (Some("application/openmetrics-text;q=bogus"), prom),
        (Some("application/openmetrics-text;q=0.9, text/*;q=1"), prom),
        (
            Some("  application/openmetrics-text  ;  q=0.7 , text/plain ; q=0.6"),
            om,
        ),
    ];
    for (accept, expect) in cases {
        assert_eq!(Format::negotiate(*accept), *expect, "{accept:?}");
    }
    assert_eq!(om.content_type(), OPENMETRICS_CONTENT_TYPE);
    assert_eq!(
        OPENMETRICS_CONTENT_TYPE,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(prom.content_type(), PROMETHEUS_CONTENT_TYPE);
    assert_eq!(
        PROMETHEUS_CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8"
    );
}

/// An `embedded_io` writer into a vector, failing after `limit` bytes.
struct IoVec {
    bytes: Vec<u8>,
    limit: usize,
}

#[derive(Debug, PartialEq)]
struct Full;

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("full")
    }
}

impl std::error::Error for Full {}

impl embedded_io::Error for Full {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::OutOfMemory
    }
}

impl embedded_io::ErrorType for IoVec {
    type Error = Full;
}

impl embedded_io::Write for IoVec {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Full> {
        let room = self.limit - self.bytes.len();
        if room == 0 {
            return Err(Full);
        }
        let n = buf.len().min(room);
        self.bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), Full> {
        Ok(())
    }
}

#[test]
fn io_and_fmt_writers_get_the_same_bytes_and_errors_come_back() {
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let expect = live(format);
        let mut io = IoVec {
            bytes: Vec::new(),
            limit: usize::MAX,
        };
        encode_io(&omnimetrics::registry(), format, &mut io).unwrap();
        assert_eq!(String::from_utf8(io.bytes).unwrap(), expect);

        let mut short = IoVec {
            bytes: Vec::new(),
            limit: 100,
        };
        assert_eq!(
            encode_io(&omnimetrics::registry(), format, &mut short),
            Err(Full)
        );
        assert_eq!(short.bytes, expect.as_bytes()[..100]);

        struct Refuse(usize);
        impl std::fmt::Write for Refuse {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                self.0 = self.0.checked_sub(s.len()).ok_or(std::fmt::Error)?;
                Ok(())
            }
        }
        assert!(encode(&omnimetrics::registry(), format, &mut Refuse(50)).is_err());
    }
}

fn valid_name(name: &str, colon: bool) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
}

/// The length of a family name once sanitised (one byte per character,
/// plus a `_` before a leading digit or for an empty name).
fn sanitised_len(name: &str) -> usize {
    if valid_name(name, true) {
        return name.len();
    }
    let prefix = name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit());
    name.chars().count() + usize::from(prefix)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever a snapshot holds, every line is a comment of the format or
    /// a well-formed sample with valid names and its label values intact,
    /// and every sample is there.
    #[test]
    fn any_snapshot_gives_well_formed_lines(snap in snapshot()) {
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let out = text(&snap, format);
            prop_assert!(out.is_empty() || out.ends_with('\n'));
            let mut samples: Vec<Vec<(String, String)>> = Vec::new();
            for line in out.lines() {
                if line.starts_with('#') {
                    let known = ["# HELP ", "# TYPE ", "# UNIT "].iter().any(|k| line.starts_with(k))
                        || (line == "# EOF" && format == Format::OpenMetrics);
                    prop_assert!(known, "{}", line);
                    continue;
                }
                let (name, labels, value) = split_sample(line);
                prop_assert!(valid_name(&name, true), "{}", line);
                for (n, _) in &labels {
                    prop_assert!(valid_name(n, false), "{}", line);
                }
                let number = value.split(' ').next().unwrap();
                prop_assert!(number.parse::<f64>().is_ok(), "{}", line);
                if let Some(exemplar) = value.strip_prefix(number) {
                    prop_assert!(exemplar.is_empty() || exemplar.starts_with(" # {"), "{}", line);
                }
                samples.push(labels);
            }
            let mut expected = Vec::new();
            for f in snap.families.iter().filter(|f| sanitised_len(&f.name) <= MAX_FAMILY_NAME) {
                for s in &f.series {
                    let values: Vec<String> = s.labels.iter().map(|(_, v)| v.clone()).collect();
                    if let ValueSnapshot::Histogram(h) = &s.value {
                        let les = h
                            .bounds
                            .iter()
                            .map(|&b| omnimetrics::Decimal::new(b, h.scale).to_string())
                            .chain(["+Inf".to_string()]);
                        for le in les {
                            expected.push(values.iter().cloned().chain([le]).collect());
                        }
                        // _sum and _count
                        expected.push(values.clone());
                    }
                    expected.push(values);
                }
            }
            let values: Vec<Vec<String>> = samples
                .into_iter()
                .map(|l| l.into_iter().map(|(_, v)| v).collect())
                .collect();
            prop_assert_eq!(values, expected);
        }
    }
}

#[test]
fn scaled_values_are_exact_decimals() {
    use omnimetrics::visit::MetricKind;
    use omnimetrics::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
    let family = |name: &str, kind, value| FamilySnapshot {
        name: name.into(),
        help: "h".into(),
        kind,
        unit: None,
        series: vec![SeriesSnapshot {
            labels: vec![],
            value,
            exemplar: None,
        }],
    };
    let snap = Snapshot {
        families: vec![
            family(
                "cpu_seconds",
                MetricKind::Counter,
                ValueSnapshot::ScaledCounter {
                    value: 12_340_000_000,
                    scale: 9,
                },
            ),
            family(
                "offset_seconds",
                MetricKind::Gauge,
                ValueSnapshot::ScaledGauge {
                    value: -1_500,
                    scale: 3,
                },
            ),
            // A scaled value in a family of another type is left out.
            family(
                "mismatch",
                MetricKind::Gauge,
                ValueSnapshot::ScaledCounter { value: 1, scale: 0 },
            ),
        ],
    };
    let out = text(&snap, Format::Prometheus);
    assert!(out.contains("\ncpu_seconds_total 12.34\n"), "{out}");
    assert!(out.contains("\noffset_seconds -1.5\n"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("mismatch ")), "{out}");
    let om = text(&snap, Format::OpenMetrics);
    assert!(om.contains("\ncpu_seconds_total 12.34\n"), "{om}");
}

#[test]
fn what_a_source_declares_selects_the_code_and_the_live_registry_is_right() {
    use omnimetrics::visit::Source;
    // The live registry declares valid names and no scaled values (and
    // exemplars only with `std`, as here). Its snapshot declares nothing,
    // so the same metrics written from the snapshot go through every
    // check: both ways must give the same bytes, for every kind of name
    // and value the registry has (functions, objectives, result labels,
    // user families).
    const {
        assert!(omnimetrics::Registry::VALID_NAMES && !omnimetrics::Registry::SCALED_VALUES);
        assert!(omnimetrics::Registry::EXEMPLARS);
        assert!(!Snapshot::VALID_NAMES && Snapshot::EXEMPLARS && Snapshot::SCALED_VALUES);
    }
    fixture();
    let snap = Snapshot::capture(&omnimetrics::registry());
    let exemplars = |text: &str| text.matches(" # {").count();
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let checked = text(&snap, format);
        assert_eq!(
            text(&Declared::<_, true, true, false>(&snap), format),
            checked
        );
        // Exemplars: written when declared, left out (and nothing else
        // changes) when not.
        let with = text(&Declared::<_, true, true, true>(WithExemplars), format);
        let without = text(&Declared::<_, true, false, true>(WithExemplars), format);
        assert_eq!(with, text(&WithExemplars, format));
        // (Of its three exemplars, one is over OpenMetrics' limit.)
        let expected = if format == Format::OpenMetrics { 2 } else { 0 };
        assert_eq!((exemplars(&with), exemplars(&without)), (expected, 0));
        let stripped: String = with
            .lines()
            .map(|l| format!("{}\n", l.split(" # {").next().unwrap()))
            .collect();
        assert_eq!(without, stripped);
    }
    // What is declared is what decides: an invalid name from a source that
    // declares names valid is written as it is, and a scaled value from a
    // source that declares none is left out with its series.
    let odd = Snapshot {
        families: vec![
            family(
                "a.b",
                MetricKind::Gauge,
                vec![series(&[("c.d", "v")], ValueSnapshot::Gauge(1))],
            ),
            family(
                "cpu_seconds",
                MetricKind::Counter,
                vec![series(
                    &[],
                    ValueSnapshot::ScaledCounter {
                        value: 1_500_000_000,
                        scale: 9,
                    },
                )],
            ),
        ],
    };
    let checked = text(&odd, Format::Prometheus);
    assert!(checked.contains("a_b{c_d=\"v\"} 1\n"), "{checked}");
    assert!(checked.contains("cpu_seconds_total 1.5\n"), "{checked}");
    let trusted = text(&Declared::<_, true, true, false>(&odd), Format::Prometheus);
    assert!(trusted.contains("a.b{c.d=\"v\"} 1\n"), "{trusted}");
    assert!(
        !trusted.lines().any(|l| l.starts_with("cpu_seconds_total")),
        "{trusted}"
    );
}
