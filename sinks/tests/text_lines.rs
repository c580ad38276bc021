//! The text encoders' line assembly, against lines written out by hand in
//! the test: the stack buffer and its flushes at every place in a line,
//! fragments longer than the buffer, escaping and name sanitising with the
//! special character at every place of texts of every short length (the
//! word-at-a-time checks work on 8 bytes), every decimal length of counters
//! and gauges, and the writer seeing few, large writes.

use omnimetrics::visit::MetricKind;
use omnimetrics::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use omnimetrics_sinks::text::{Format, encode, encode_io};
use std::fmt::Write as _;

/// `text` escaped as a label value (SPEC: `\`, `"`, newline).
fn escape(text: &str) -> String {
    text.replace('\\', r"\\")
        .replace('"', r#"\""#)
        .replace('\n', r"\n")
}

/// `name` as a label name (SPEC: a character outside the grammar becomes
/// `_`, a leading digit gets a `_` before it, an empty name is `_`).
fn label_name(name: &str) -> String {
    let mut out = String::new();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    for c in name.chars() {
        out.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        });
    }
    out
}

fn counter_family(series: Vec<(Vec<(String, String)>, u64)>) -> Snapshot {
    Snapshot {
        families: vec![FamilySnapshot {
            name: "lines".into(),
            help: String::new(),
            kind: MetricKind::Counter,
            unit: None,
            series: series
                .into_iter()
                .map(|(labels, v)| SeriesSnapshot {
                    labels,
                    value: ValueSnapshot::Counter(v),
                    exemplar: None,
                })
                .collect(),
        }],
    }
}

/// The expected 0.0.4 text of `counter_family(series)`.
fn expected(series: &[(Vec<(String, String)>, u64)]) -> String {
    let mut out = String::from("# TYPE lines_total counter\n");
    for (labels, v) in series {
        out.push_str("lines_total");
        for (k, (name, value)) in labels.iter().enumerate() {
            out.push(if k == 0 { '{' } else { ',' });
            write!(out, "{}=\"{}\"", label_name(name), escape(value)).unwrap();
        }
        if !labels.is_empty() {
            out.push('}');
        }
        writeln!(out, " {v}").unwrap();
    }
    out
}

/// Encodes through `fmt::Write` (counting the writes) and through
/// `embedded_io::Write`, checks both against `want`, and returns the number
/// of `fmt` writes.
fn check(snap: &Snapshot, want: &str) -> usize {
    struct Counting(String, usize);
    impl std::fmt::Write for Counting {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.push_str(s);
            self.1 += 1;
            Ok(())
        }
    }
    let mut fmt = Counting(String::new(), 0);
    encode(snap, Format::Prometheus, &mut fmt).unwrap();
    assert!(fmt.0 == want, "got\n{}\nwant\n{want}", fmt.0);
    let mut io = Vec::new();
    encode_io(snap, Format::Prometheus, &mut io).unwrap();
    assert!(io == want.as_bytes());
    fmt.1
}

#[test]
fn special_characters_at_every_place_of_short_and_long_texts() {
    let specials = [
        '\\', '"', '\n', 'é', '€', '🦀', ' ', '.', ':', '0', '{', '\u{85}',
    ];
    let mut series = Vec::new();
    for len in 0..40 {
        for at in 0..len.max(1) {
            for &c in &specials {
                let mut value: String = "v".repeat(len);
                let mut name: String = "n".repeat(len);
                if len > 0 {
                    value.replace_range(at..at + 1, c.encode_utf8(&mut [0; 4]));
                    name.replace_range(at..at + 1, c.encode_utf8(&mut [0; 4]));
                }
                series.push((vec![(name, value)], len as u64));
            }
        }
    }
    let snap = counter_family(series.clone());
    check(&snap, &expected(&series));
}

#[test]
fn the_buffer_is_flushed_at_every_place_in_a_line() {
    // Lines of every length from 20 to 300 bytes: the buffer (a few
    // kilobytes on 64-bit targets) fills up at every offset of some line.
    let mut series = Vec::new();
    for k in 0..2_000usize {
        let value = "x".repeat(k % 281) + if k % 3 == 0 { "\"q\"" } else { "" };
        let labels = vec![("a".to_string(), value), ("b".to_string(), k.to_string())];
        series.push((labels, k as u64 * 7_919));
    }
    let snap = counter_family(series.clone());
    let want = expected(&series);
    let writes = check(&snap, &want);
    // Few, large writes (one per buffer, 2 KiB on 64-bit targets), not one
    // per fragment.
    if cfg!(target_pointer_width = "64") {
        assert!(
            writes <= want.len() / 1_000 + 2,
            "{writes} writes for {} bytes",
            want.len()
        );
    }
}

#[test]
fn fragments_longer_than_the_buffer() {
    let mut series = Vec::new();
    for len in [2_000, 2_047, 2_048, 2_049, 4_095, 4_096, 4_097, 10_000] {
        let plain = "p".repeat(len);
        let quoted = "\"".repeat(len);
        let name = "l".repeat(len);
        let wide = "é".repeat(len / 2 + 1);
        series.push((vec![("a".into(), plain.clone())], 1));
        series.push((vec![("a".into(), quoted)], 2));
        series.push((vec![(name.clone(), plain)], 3));
        series.push((vec![(name + ".", wide)], 4));
    }
    let snap = counter_family(series.clone());
    check(&snap, &expected(&series));

    // A help text longer than the buffer, with something to escape.
    let help = "h\\".repeat(3_000);
    let snap = Snapshot {
        families: vec![FamilySnapshot {
            name: "g".into(),
            help: help.clone(),
            kind: MetricKind::Gauge,
            unit: None,
            series: vec![SeriesSnapshot {
                labels: vec![],
                value: ValueSnapshot::Gauge(-1),
                exemplar: None,
            }],
        }],
    };
    let mut out = String::new();
    encode(&snap, Format::Prometheus, &mut out).unwrap();
    assert_eq!(
        out,
        format!(
            "# HELP g {}\n# TYPE g gauge\ng -1\n",
            help.replace('\\', r"\\")
        )
    );
}

#[test]
fn integers_of_every_length() {
    let mut values = vec![0u64, u64::MAX, u64::MAX - 1];
    let mut p = 1u64;
    for _ in 0..20 {
        values.extend([p - 1, p, p + 1, p.wrapping_mul(3)]);
        p = p.saturating_mul(10);
    }
    let series: Vec<_> = values.iter().map(|&v| (vec![], v)).collect();
    let snap = counter_family(series.clone());
    check(&snap, &expected(&series));

    let gauges: Vec<i64> = values
        .iter()
        .flat_map(|&v| [v as i64, (v as i64).wrapping_neg()])
        .chain([i64::MIN, i64::MAX, -1])
        .collect();
    let snap = Snapshot {
        families: vec![FamilySnapshot {
            name: "g".into(),
            help: String::new(),
            kind: MetricKind::Gauge,
            unit: None,
            series: gauges
                .iter()
                .map(|&v| SeriesSnapshot {
                    labels: vec![],
                    value: ValueSnapshot::Gauge(v),
                    exemplar: None,
                })
                .collect(),
        }],
    };
    let mut want = String::from("# TYPE g gauge\n");
    for v in &gauges {
        writeln!(want, "g {v}").unwrap();
    }
    let mut out = String::new();
    encode(&snap, Format::Prometheus, &mut out).unwrap();
    assert_eq!(out, want);
}
