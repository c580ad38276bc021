//! The goals, computed from criterion's own output of this run and printed
//! as tables.
//!
//! Per benchmark two statistics of the time per iteration are read from
//! `<criterion dir>/<group>/<benchmark>/new/`: criterion's median
//! (`estimates.json`), which decides whether a goal is met, and the 10th
//! percentile of the samples (`sample.json`), printed beside it: other
//! programs on the machine only ever add time, so when the two disagree
//! much, the run was disturbed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Which statistic of the samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// Criterion's median estimate.
    Median,
    /// The 10th percentile of the per-iteration sample times.
    P10,
}

/// Reads what criterion wrote in this run.
#[derive(Debug)]
pub struct Estimates {
    dir: PathBuf,
    since: SystemTime,
}

impl Estimates {
    /// Criterion's output directory; only what was written at or after
    /// `since` (the start of this run) counts, never an older run's file.
    pub fn new(dir: &Path, since: SystemTime) -> Self {
        Self {
            dir: dir.to_owned(),
            since,
        }
    }

    fn read(&self, group: &str, bench: &str, file: &str) -> Option<serde_json::Value> {
        let path = self.dir.join(group).join(bench).join("new").join(file);
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        if modified < self.since {
            return None;
        }
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    }

    /// Nanoseconds per iteration of `group/bench`, if it ran in this run.
    pub fn get(&self, group: &str, bench: &str, stat: Stat) -> Option<f64> {
        match stat {
            Stat::Median => self
                .read(group, bench, "estimates.json")?
                .get("median")?
                .get("point_estimate")?
                .as_f64(),
            Stat::P10 => {
                let v = self.read(group, bench, "sample.json")?;
                let iters = v.get("iters")?.as_array()?;
                let times = v.get("times")?.as_array()?;
                let mut per: Vec<f64> = iters
                    .iter()
                    .zip(times)
                    .filter_map(|(i, t)| Some(t.as_f64()? / i.as_f64()?))
                    .collect();
                if per.is_empty() {
                    return None;
                }
                per.sort_by(f64::total_cmp);
                Some(per[per.len() / 10])
            }
        }
    }

    /// `group/bench` minus `group/bare`: what the instrumentation adds to
    /// one call.
    pub fn added(&self, group: &str, bench: &str, stat: Stat) -> Option<f64> {
        Some(self.get(group, bench, stat)? - self.get(group, "bare", stat)?)
    }
}

/// Allocations per encode, counted (not timed) in the driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeAllocations {
    /// Series in the family.
    pub n: usize,
    /// In the order of [`ENCODERS`].
    pub counts: [u64; 6],
}

fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) => format!("{x:.decimals$}"),
        None => "n/a".to_owned(),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// The call variants of each group, in table order.
pub const CALL_GROUPS: &[(&str, &[&str])] = &[
    (
        "call_std",
        &[
            "bare",
            "floor",
            "floor_instant",
            "omnimetrics",
            "omnimetrics_nested",
            "autometrics_prometheus_client",
            "measured",
            "prometheus",
            "prometheus_client",
        ],
    ),
    (
        "call_autometrics_prometheus",
        &["bare", "floor_instant", "autometrics_prometheus"],
    ),
    ("call_fast", &["bare", "floor", "omnimetrics"]),
];

/// The thread benchmarks of each group, with the calls per iteration.
pub const THREAD_BENCHES: &[(&str, f64)] = &[
    ("one_thread", 1.0),
    ("two_threads_same_fn", 2.0),
    ("two_threads_different_fns", 2.0),
    ("floor_one_thread", 1.0),
    ("floor_two_threads_same_statics", 2.0),
];

/// The encoders, in the order of [`EncodeAllocations::counts`]:
/// `omnimetrics` writes Prometheus text 0.0.4, `omnimetrics_openmetrics`
/// the same family in OpenMetrics 1.0; `floor` is the least a visitor over
/// the same family does (see `encode`).
pub const ENCODERS: [&str; 6] = [
    "omnimetrics",
    "omnimetrics_openmetrics",
    "floor",
    "measured",
    "prometheus_client",
    "prometheus",
];

/// One goal: how to compute it with a statistic, and its target.
struct Goal {
    name: String,
    target: &'static str,
    /// `Some(true)` when the value must be at most the bound.
    at_most: Option<bool>,
    bound: f64,
    value: Box<dyn Fn(Stat) -> Option<f64> + 'static>,
}

/// What [`print`](fn@print) found.
#[derive(Debug)]
pub struct Printed {
    /// The text printed.
    pub text: String,
    /// Goal figures that are missing (a benchmark that did not run).
    pub missing: usize,
}

fn goals(e: &'static Estimates, allocs: &[EncodeAllocations]) -> Vec<Goal> {
    let mut goals = Vec::new();
    for (clock, group) in [("std", "call_std"), ("fast", "call_fast")] {
        goals.push(Goal {
            name: format!("added cost / floor's, {clock} clock"),
            target: "<= 1.15",
            at_most: Some(true),
            bound: 1.15,
            value: Box::new(move |s| {
                ratio(e.added(group, "omnimetrics", s), e.added(group, "floor", s))
            }),
        });
    }
    // The autometrics crate's fastest backend; each backend is measured
    // against the bare call of its own process.
    let am_best = move |s| {
        let pc = e.added("call_std", "autometrics_prometheus_client", s);
        let prom = e.added("call_autometrics_prometheus", "autometrics_prometheus", s);
        match (pc, prom) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    };
    for (clock, group, target, bound) in [
        ("std", "call_std", ">= 2", 2.0),
        ("fast", "call_fast", ">= 3", 3.0),
    ] {
        goals.push(Goal {
            name: format!("autometrics' fastest added / ours, {clock} clock"),
            target,
            at_most: Some(false),
            bound,
            value: Box::new(move |s| ratio(am_best(s), e.added(group, "omnimetrics", s))),
        });
    }
    for group in ["threads_std", "threads_fast"] {
        let scaling = move |one: &'static str, two: &'static str| {
            move |s| ratio(e.get(group, one, s), e.get(group, two, s)).map(|r| 2.0 * r)
        };
        goals.push(Goal {
            name: format!("2 threads same fn / 1 thread, {group}"),
            target: ">= 1.5",
            at_most: Some(false),
            bound: 1.5,
            value: Box::new(scaling("one_thread", "two_threads_same_fn")),
        });
        goals.push(Goal {
            name: format!("2 threads different fns / 1 thread, {group}"),
            target: "(shown)",
            at_most: None,
            bound: 0.0,
            value: Box::new(scaling("one_thread", "two_threads_different_fns")),
        });
        goals.push(Goal {
            name: format!("unstriped floor, 2 threads / 1, {group}"),
            target: "(shown)",
            at_most: None,
            bound: 0.0,
            value: Box::new(scaling(
                "floor_one_thread",
                "floor_two_threads_same_statics",
            )),
        });
    }
    for n in [1_000usize, 10_000] {
        let group: &'static str = if n == 1_000 {
            "encode_1000"
        } else {
            "encode_10000"
        };
        for (ours, format) in [
            ("omnimetrics", ""),
            ("omnimetrics_openmetrics", ", OpenMetrics"),
        ] {
            goals.push(Goal {
                name: format!("encode {n}{format}: ours / floor visitor"),
                target: "(shown)",
                at_most: None,
                bound: 0.0,
                value: Box::new(move |s| ratio(e.get(group, ours, s), e.get(group, "floor", s))),
            });
            goals.push(Goal {
                name: format!("encode {n}{format}: measured / ours"),
                target: ">= 1.0",
                at_most: Some(false),
                bound: 1.0,
                value: Box::new(move |s| ratio(e.get(group, "measured", s), e.get(group, ours, s))),
            });
            goals.push(Goal {
                name: format!("encode {n}{format}: prometheus-client / ours"),
                target: ">= 2.5",
                at_most: Some(false),
                bound: 2.5,
                value: Box::new(move |s| {
                    ratio(e.get(group, "prometheus_client", s), e.get(group, ours, s))
                }),
            });
        }
        let a = allocs
            .iter()
            .find(|a| a.n == n)
            .map(|a| a.counts[0].max(a.counts[1]) as f64);
        goals.push(Goal {
            name: format!("encode {n}: our allocations per encode (both formats)"),
            target: "== 0",
            at_most: Some(true),
            bound: 0.0,
            value: Box::new(move |_| a),
        });
    }
    goals
}

/// Prints the figures and the goals.
pub fn print(e: Estimates, allocs: &[EncodeAllocations]) -> Printed {
    // The goal closures borrow the estimates for the rest of the run.
    let e: &'static Estimates = Box::leak(Box::new(e));
    let mut out = String::new();
    let o = &mut out;
    let rule = "=".repeat(86);
    let _ = writeln!(o, "\n{rule}\nomnimetrics benchmark summary");
    let _ = writeln!(
        o,
        "from {}\nmedian and 10th percentile per iteration, in ns; 'added' = variant - bare of the same group\n",
        e.dir.display()
    );

    let _ = writeln!(
        o,
        "{:<30} {:<30} {:>9} {:>9} {:>9} {:>9}",
        "group", "variant", "median", "p10", "added", "added p10"
    );
    for (group, variants) in CALL_GROUPS {
        for v in *variants {
            let (added, added10) = if *v == "bare" {
                (String::new(), String::new())
            } else {
                (
                    fmt_opt(e.added(group, v, Stat::Median), 2),
                    fmt_opt(e.added(group, v, Stat::P10), 2),
                )
            };
            let _ = writeln!(
                o,
                "{:<30} {:<30} {:>9} {:>9} {:>9} {:>9}",
                group,
                v,
                fmt_opt(e.get(group, v, Stat::Median), 2),
                fmt_opt(e.get(group, v, Stat::P10), 2),
                added,
                added10
            );
        }
    }

    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<30} {:<30} {:>9} {:>9} {:>9}",
        "group", "variant", "median", "p10", "calls/us"
    );
    for group in ["threads_std", "threads_fast"] {
        for (v, calls) in THREAD_BENCHES {
            let m = e.get(group, v, Stat::Median);
            let _ = writeln!(
                o,
                "{:<30} {:<30} {:>9} {:>9} {:>9}",
                group,
                v,
                fmt_opt(m, 2),
                fmt_opt(e.get(group, v, Stat::P10), 2),
                fmt_opt(m.map(|m| calls * 1000.0 / m), 1)
            );
        }
    }

    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<30} {:<30} {:>9} {:>9} {:>9} {:>9}",
        "group", "encoder", "us/encode", "ns/series", "p10", "allocs"
    );
    for n in [1_000usize, 10_000] {
        let group = format!("encode_{n}");
        let counts = allocs.iter().find(|a| a.n == n).map(|a| a.counts);
        for (k, enc) in ENCODERS.iter().enumerate() {
            let m = e.get(&group, enc, Stat::Median);
            let _ = writeln!(
                o,
                "{:<30} {:<30} {:>9} {:>9} {:>9} {:>9}",
                group,
                enc,
                fmt_opt(m.map(|m| m / 1000.0), 1),
                fmt_opt(m.map(|m| m / n as f64), 2),
                fmt_opt(e.get(&group, enc, Stat::P10).map(|m| m / n as f64), 2),
                counts.map_or("n/a".to_owned(), |c| c[k].to_string())
            );
        }
    }

    let goals = goals(e, allocs);
    let _ = writeln!(o, "\nGoals (ratios within this run; 'met' by the median):");
    let _ = writeln!(
        o,
        "{:<52} {:>8} {:>8} {:>8}  result",
        "goal", "median", "p10", "target"
    );
    let mut missing = 0;
    for g in &goals {
        let v = (g.value)(Stat::Median);
        let v10 = (g.value)(Stat::P10);
        missing += usize::from(v.is_none());
        let met = match (g.at_most, v) {
            (Some(true), Some(v)) => Some(v <= g.bound),
            (Some(false), Some(v)) => Some(v >= g.bound),
            _ => None,
        };
        let _ = writeln!(
            o,
            "{:<52} {:>8} {:>8} {:>8}  {}",
            g.name,
            fmt_opt(v, 2),
            fmt_opt(v10, 2),
            g.target,
            match met {
                Some(true) => "met",
                Some(false) => "NOT MET",
                None => "",
            }
        );
    }
    let _ = writeln!(o, "{rule}");
    print!("{out}");
    Printed { text: out, missing }
}
