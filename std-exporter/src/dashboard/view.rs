//! What the page polls: the history turned into numbers and chart series.
//!
//! The page does no arithmetic on counters: everything it shows is
//! computed here from pairs of samples, with the rules of [`stats`](super::stats),
//! and sent as one JSON document. Per function: the current rate, error
//! ratio, p50/p95/p99 and calls in progress, the same as series over the
//! whole history, and optionally its PromQL queries (asked for once, since
//! they never change). Then the caller → callee edges, the objectives with
//! whether each is met over the whole history, and `build_info`.

use super::config::DashboardConfig;
use super::history::{FnKey, FnPoint, History, Sample};
use super::stats::{
    at_or_under, bucket_increase, increase, per_second, quantile, ratio, round4, total,
};
use omnimetrics_query::queries::{FunctionRef, QueryOptions, all_queries, prometheus_graph_link};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The most chart points per series a request may ask for.
pub(crate) const MAX_POINTS: usize = 2000;
/// Chart points per series unless asked otherwise: more than a chart
/// card's width in pixels would not show.
pub(crate) const DEFAULT_POINTS: usize = 150;

/// What a request for the JSON may choose.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ViewOptions {
    /// The rate window; the configured one when `None`.
    pub(crate) window: Option<Duration>,
    /// The most chart points per series.
    pub(crate) points: usize,
    /// Whether to include each function's PromQL queries.
    pub(crate) queries: bool,
}

impl Default for ViewOptions {
    fn default() -> Self {
        Self {
            window: None,
            points: DEFAULT_POINTS,
            queries: false,
        }
    }
}

/// The JSON document.
#[derive(Debug, Serialize)]
pub(crate) struct View {
    /// Seconds between samples.
    pub(crate) interval_s: f64,
    /// The window of rates and percentiles, in seconds.
    pub(crate) window_s: f64,
    /// Seconds between the oldest and the latest sample.
    pub(crate) span_s: f64,
    pub(crate) samples: usize,
    pub(crate) capacity: usize,
    pub(crate) services: Vec<String>,
    pub(crate) build_info: Vec<BTreeMap<String, String>>,
    /// Chart x values: seconds before the latest sample (0 or negative).
    pub(crate) times: Vec<f64>,
    pub(crate) functions: Vec<FunctionView>,
    pub(crate) edges: Vec<EdgeView>,
    pub(crate) objectives: Vec<ObjectiveView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FunctionView {
    pub(crate) function: String,
    pub(crate) module: String,
    pub(crate) service_name: String,
    /// The objective it counts towards, if any.
    pub(crate) objective: Option<String>,
    pub(crate) concurrency: bool,
    /// Calls and errors since the process started.
    pub(crate) total_calls: u64,
    pub(crate) total_errors: u64,
    pub(crate) now: Stats,
    pub(crate) series: Charts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) queries: Option<Vec<QueryView>>,
}

/// Numbers over the window that ends at the latest sample.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Stats {
    pub(crate) rate: Option<f64>,
    pub(crate) error_ratio: Option<f64>,
    pub(crate) p50: Option<f64>,
    pub(crate) p95: Option<f64>,
    pub(crate) p99: Option<f64>,
    pub(crate) concurrent: Option<i64>,
}

/// The same numbers over time, one value per entry of [`View::times`]
/// (`null` where there is nothing to compute from).
#[derive(Debug, Default, Serialize)]
pub(crate) struct Charts {
    pub(crate) rate: Vec<Option<f64>>,
    pub(crate) error_ratio: Vec<Option<f64>>,
    pub(crate) p50: Vec<Option<f64>>,
    pub(crate) p95: Vec<Option<f64>>,
    pub(crate) p99: Vec<Option<f64>>,
    pub(crate) concurrent: Vec<Option<i64>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct QueryView {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) promql: String,
    /// The query in the Prometheus UI.
    pub(crate) link: String,
}

/// Calls from `caller` to `function` over the window.
#[derive(Debug, Serialize)]
pub(crate) struct EdgeView {
    pub(crate) caller_function: String,
    pub(crate) caller_module: String,
    pub(crate) function: String,
    pub(crate) module: String,
    pub(crate) service_name: String,
    pub(crate) rate: Option<f64>,
    pub(crate) error_ratio: Option<f64>,
}

/// One objective, judged over the whole history.
#[derive(Debug, Serialize)]
pub(crate) struct ObjectiveView {
    pub(crate) name: String,
    /// `success_rate` or `latency`.
    pub(crate) kind: &'static str,
    /// The `objective_percentile` label, e.g. `99.9`.
    pub(crate) percentile: String,
    /// The latency threshold in seconds, as its label writes it.
    pub(crate) threshold: Option<String>,
    pub(crate) service_name: String,
    /// `module::function` of every function that counts towards it.
    pub(crate) functions: Vec<String>,
    /// Calls, and calls that met the promise, over `window_s`.
    pub(crate) calls: u64,
    pub(crate) good: u64,
    /// `good / calls`.
    pub(crate) ratio: Option<f64>,
    /// Whether `ratio` reaches the percentile; `null` without calls.
    pub(crate) met: Option<bool>,
    /// How fast the error budget burns: 1 spends exactly the budget.
    pub(crate) burn_rate: Option<f64>,
    pub(crate) window_s: f64,
}

/// What changed for one function between two samples.
struct Delta {
    calls: u64,
    errors: u64,
    seconds: f64,
    buckets: Option<Vec<u64>>,
}

impl Delta {
    fn between(old: &Sample, new: &Sample, point: &FnPoint) -> Option<Self> {
        let before = old.function(&point.meta.key)?;
        let ok = increase(before.ok, point.ok);
        let errors = increase(before.errors, point.errors);
        let buckets = match (&before.buckets, &point.buckets) {
            (Some(a), Some(b)) => bucket_increase(a, b),
            _ => None,
        };
        Some(Self {
            calls: ok.saturating_add(errors),
            errors,
            seconds: new.at.saturating_duration_since(old.at).as_secs_f64(),
            buckets,
        })
    }

    fn stats(&self, point: &FnPoint) -> Stats {
        let q = |share| {
            let bounds = point.meta.bounds.as_deref()?;
            quantile(share, bounds, self.buckets.as_deref()?).and_then(round4)
        };
        Stats {
            rate: per_second(self.calls, self.seconds).and_then(round4),
            error_ratio: ratio(self.errors, self.calls).and_then(round4),
            p50: q(0.5),
            p95: q(0.95),
            p99: q(0.99),
            concurrent: point.concurrent,
        }
    }
}

/// For each index `i` in `indices` (ascending), the sample the window
/// ending at `i` starts from: the latest one at least `window` older, or
/// the oldest when the history is shorter than the window. `None` for the
/// oldest sample itself.
fn baselines(samples: &[&Sample], indices: &[usize], window: Duration) -> Vec<Option<usize>> {
    let mut j = 0;
    indices
        .iter()
        .map(|&i| {
            while j + 1 < i && samples[i].at.saturating_duration_since(samples[j + 1].at) >= window
            {
                j += 1;
            }
            (j < i).then_some(j)
        })
        .collect()
}

/// At most `points` indices spread over `0..len`, always ending with the
/// latest sample, and skipping the oldest (nothing to compare it with).
fn chart_indices(len: usize, points: usize) -> Vec<usize> {
    if len < 2 {
        return Vec::new();
    }
    let available = len - 1;
    let points = points.clamp(1, available);
    // Evenly spaced from the end backwards, so the latest is always there.
    let mut out: Vec<usize> = (0..points)
        .map(|k| len - 1 - k * available / points)
        .collect();
    out.reverse();
    out.dedup();
    out
}

/// The document for `history` with `options`.
pub(crate) fn build(history: &History, config: &DashboardConfig, options: &ViewOptions) -> View {
    let samples: Vec<&Sample> = history.samples().iter().collect();
    let window = options
        .window
        .unwrap_or(config.rate_window)
        .max(config.interval);
    let span = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => b.at.saturating_duration_since(a.at),
        _ => Duration::ZERO,
    };
    let mut view = View {
        interval_s: config.interval.as_secs_f64(),
        window_s: window.as_secs_f64(),
        span_s: round4(span.as_secs_f64()).unwrap_or(0.0),
        samples: samples.len(),
        capacity: history.capacity(),
        services: Vec::new(),
        build_info: history
            .build_info()
            .iter()
            .map(|labels| labels.iter().cloned().collect())
            .collect(),
        times: Vec::new(),
        functions: Vec::new(),
        edges: Vec::new(),
        objectives: Vec::new(),
    };
    let Some(latest) = samples.last() else {
        return view;
    };

    let indices = chart_indices(samples.len(), options.points.min(MAX_POINTS));
    let chart_bases = baselines(&samples, &indices, window);
    let now_base = baselines(&samples, &[samples.len() - 1], window)[0].map(|j| samples[j]);
    view.times = indices
        .iter()
        .map(|&i| {
            let before = latest.at.saturating_duration_since(samples[i].at);
            round4(-before.as_secs_f64()).unwrap_or(0.0)
        })
        .collect();

    for point in &latest.functions {
        let key = &point.meta.key;
        if !view.services.contains(&key.service) {
            view.services.push(key.service.clone());
        }
        let now = now_base
            .and_then(|old| Delta::between(old, latest, point))
            .map(|d| d.stats(point))
            .unwrap_or_else(|| Stats {
                concurrent: point.concurrent,
                ..Stats::default()
            });
        let mut series = Charts::default();
        for (&i, base) in indices.iter().zip(&chart_bases) {
            let new = samples[i];
            let at_i = new.function(key);
            let stats = base
                .zip(at_i)
                .and_then(|(j, p)| Delta::between(samples[j], new, p).map(|d| d.stats(p)))
                .unwrap_or_default();
            series.rate.push(stats.rate);
            series.error_ratio.push(stats.error_ratio);
            series.p50.push(stats.p50);
            series.p95.push(stats.p95);
            series.p99.push(stats.p99);
            series.concurrent.push(at_i.and_then(|p| p.concurrent));
        }
        let objective = point
            .meta
            .success
            .as_ref()
            .map(|(name, _)| name)
            .or(point.meta.latency.as_ref().map(|l| &l.name))
            .cloned();
        view.functions.push(FunctionView {
            function: key.function.clone(),
            module: key.module.clone(),
            service_name: key.service.clone(),
            objective,
            concurrency: point.meta.concurrency,
            total_calls: point.ok.saturating_add(point.errors),
            total_errors: point.errors,
            now,
            series,
            queries: options.queries.then(|| queries(key, config)),
        });
    }

    for edge in &latest.edges {
        let callee = &latest.functions[edge.callee].meta.key;
        let delta = now_base.and_then(|old| {
            // A caller is listed from its first call on, so an edge missing
            // from an older sample that has the callee had no calls then.
            old.function(callee)?;
            let (ok, errors) = old
                .edge(callee, &edge.caller)
                .map_or((0, 0), |before| (before.ok, before.errors));
            let errors = increase(errors, edge.errors);
            let calls = increase(ok, edge.ok).saturating_add(errors);
            let seconds = latest.at.saturating_duration_since(old.at).as_secs_f64();
            Some((calls, errors, seconds))
        });
        view.edges.push(EdgeView {
            caller_function: edge.caller.function.clone(),
            caller_module: edge.caller.module.clone(),
            function: callee.function.clone(),
            module: callee.module.clone(),
            service_name: callee.service.clone(),
            rate: delta
                .and_then(|(calls, _, s)| per_second(calls, s))
                .and_then(round4),
            error_ratio: delta
                .and_then(|(calls, errors, _)| ratio(errors, calls))
                .and_then(round4),
        });
    }

    view.objectives = objectives(samples[0], latest);
    view
}

/// The PromQL queries of a function, as the doc links and `omnimetrics
/// explain` show them, each with a link to the Prometheus UI.
fn queries(key: &FnKey, config: &DashboardConfig) -> Vec<QueryView> {
    let f = FunctionRef::new(&key.function, &key.module, &key.service);
    all_queries(&f, &QueryOptions::default())
        .into_iter()
        .map(|q| QueryView {
            id: q.id,
            title: q.title,
            link: prometheus_graph_link(&config.prometheus_url, &q.promql),
            promql: q.promql,
        })
        .collect()
}

/// How functions group into objectives, like the generated SLO rules group
/// them: by service, name, percentile (and threshold); in this order, so a
/// success-rate objective comes before the latency one of the same name.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct ObjectiveKey<'a> {
    service: &'a str,
    name: &'a str,
    latency: bool,
    percentile: &'a str,
    threshold: &'a str,
}

/// Every objective of the latest sample, judged from `oldest` to `latest`.
fn objectives(oldest: &Sample, latest: &Sample) -> Vec<ObjectiveView> {
    // key -> (functions, calls, good calls)
    let mut groups: BTreeMap<ObjectiveKey<'_>, (Vec<String>, u64, u64)> = BTreeMap::new();
    let seconds = latest.at.saturating_duration_since(oldest.at).as_secs_f64();
    for point in &latest.functions {
        let meta = &point.meta;
        let name = format!("{}::{}", meta.key.module, meta.key.function);
        let delta = Delta::between(oldest, latest, point);
        if let Some((objective, percentile)) = &meta.success {
            let key = ObjectiveKey {
                service: &meta.key.service,
                name: objective,
                latency: false,
                percentile,
                threshold: "",
            };
            let g = groups.entry(key).or_default();
            g.0.push(name.clone());
            if let Some(d) = &delta {
                g.1 = g.1.saturating_add(d.calls);
                g.2 = g.2.saturating_add(d.calls - d.errors.min(d.calls));
            }
        }
        if let Some(target) = &meta.latency {
            let key = ObjectiveKey {
                service: &meta.key.service,
                name: &target.name,
                latency: true,
                percentile: &target.percentile,
                threshold: &target.threshold,
            };
            let g = groups.entry(key).or_default();
            g.0.push(name);
            let threshold = target.threshold.parse::<f64>().ok();
            if let (Some(d), Some(bounds), Some(threshold)) =
                (&delta, meta.bounds.as_deref(), threshold)
                && let Some(buckets) = &d.buckets
            {
                g.1 = g.1.saturating_add(total(buckets));
                g.2 = g.2.saturating_add(at_or_under(threshold, bounds, buckets));
            }
        }
    }
    groups
        .into_iter()
        .map(|(key, (functions, calls, good))| {
            let target = key
                .percentile
                .parse::<f64>()
                .ok()
                .filter(|p| p.is_finite() && *p > 0.0 && *p < 100.0)
                .map(|p| p / 100.0);
            let achieved = ratio(good, calls);
            ObjectiveView {
                name: key.name.to_string(),
                kind: if key.latency {
                    "latency"
                } else {
                    "success_rate"
                },
                percentile: key.percentile.to_string(),
                threshold: key.latency.then(|| key.threshold.to_string()),
                service_name: key.service.to_string(),
                functions,
                calls,
                good,
                ratio: achieved.and_then(round4),
                met: achieved.zip(target).map(|(r, t)| r >= t),
                burn_rate: achieved
                    .zip(target)
                    .and_then(|(r, t)| round4((1.0 - r) / (1.0 - t))),
                window_s: round4(seconds).unwrap_or(0.0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::history::tests::shop;
    use std::time::Instant;

    fn history(steps: &[(u64, u64)]) -> History {
        let mut h = History::new(100);
        let t = Instant::now();
        for (i, &(n, failed)) in steps.iter().enumerate() {
            h.record(t + Duration::from_secs(i as u64), &shop(n, failed));
        }
        h
    }

    fn config() -> DashboardConfig {
        DashboardConfig::new().rate_window(Duration::from_secs(2))
    }

    #[test]
    fn chart_indices_end_with_the_latest() {
        assert_eq!(chart_indices(0, 10), Vec::<usize>::new());
        assert_eq!(chart_indices(1, 10), Vec::<usize>::new());
        assert_eq!(chart_indices(5, 10), vec![1, 2, 3, 4]);
        assert_eq!(chart_indices(5, 2), vec![2, 4]);
        assert_eq!(chart_indices(300, 150).len(), 150);
        assert_eq!(chart_indices(300, 150).last(), Some(&299));
        assert_eq!(chart_indices(300, 0), vec![299]);
    }

    #[test]
    fn rates_ratios_and_percentiles() {
        // 10 calls a second to the handler, 1 in 5 queries failing.
        let h = history(&[(0, 0), (10, 2), (20, 4), (30, 6), (40, 8)]);
        let v = build(&h, &config(), &ViewOptions::default());
        assert_eq!(v.samples, 5);
        assert_eq!(v.times, vec![-3.0, -2.0, -1.0, 0.0]);
        assert_eq!(v.window_s, 2.0);
        let handler = &v.functions[0];
        assert_eq!(handler.function, "handler");
        assert_eq!(handler.now.rate, Some(10.0));
        assert_eq!(handler.now.error_ratio, Some(0.0));
        // Half the calls under 100 ms, half between 100 and 250 ms.
        assert_eq!(handler.now.p50, Some(0.1));
        assert_eq!(handler.now.p95, Some(0.235));
        assert_eq!(handler.series.rate, vec![Some(10.0); 4]);
        let query = &v.functions[1];
        assert_eq!(query.now.error_ratio, Some(0.2));
        assert_eq!((query.total_calls, query.total_errors), (40, 8));
        assert!(query.queries.is_none());
        assert_eq!(v.edges.len(), 1);
        assert_eq!(v.edges[0].caller_function, "handler");
        assert_eq!(v.edges[0].rate, Some(10.0));
        assert_eq!(v.edges[0].error_ratio, Some(0.2));
        assert_eq!(v.services, vec!["svc".to_string()]);
    }

    #[test]
    fn objectives_are_judged_over_the_history() {
        let h = history(&[(0, 0), (100, 0), (200, 0)]);
        let v = build(&h, &config(), &ViewOptions::default());
        assert_eq!(v.objectives.len(), 1);
        let o = &v.objectives[0];
        assert_eq!(
            (o.name.as_str(), o.kind, o.percentile.as_str()),
            ("api", "success_rate", "99")
        );
        assert_eq!(o.functions, vec!["shop::handler".to_string()]);
        assert_eq!(
            (o.calls, o.good, o.met, o.ratio),
            (200, 200, Some(true), Some(1.0))
        );
        assert_eq!(o.burn_rate, Some(0.0));
        assert_eq!(o.window_s, 2.0);
    }

    #[test]
    fn a_short_history_still_answers() {
        let v = build(&History::new(10), &config(), &ViewOptions::default());
        assert!(v.functions.is_empty() && v.times.is_empty());
        let h = history(&[(5, 1)]);
        let v = build(&h, &config(), &ViewOptions::default());
        assert_eq!(v.functions.len(), 2);
        assert_eq!(v.functions[0].now.rate, None);
        assert!(v.times.is_empty());
        assert_eq!(v.objectives[0].met, None);
    }

    #[test]
    fn resets_and_huge_counters_from_a_device_are_survived() {
        // A device that restarts (counts go down), then reports absurd counts.
        let h = history(&[
            (100, 10),
            (200, 20),
            (5, 1),
            (u64::MAX / 2, 7),
            (u64::MAX, u64::MAX),
        ]);
        let v = build(&h, &config(), &ViewOptions::default());
        let query = &v.functions[1];
        assert_eq!(query.series.rate.len(), 4);
        // After the reset, the increase is what was counted since.
        assert_eq!(query.series.rate[1], Some(2.5));
        assert!(v.objectives[0].calls > 0);
        serde_json::to_string(&v).unwrap();
    }

    #[test]
    fn queries_when_asked() {
        let h = history(&[(0, 0), (1, 0)]);
        let options = ViewOptions {
            queries: true,
            ..ViewOptions::default()
        };
        let v = build(&h, &config().prometheus_url("http://prom:9090/"), &options);
        let q = v.functions[0].queries.as_ref().unwrap();
        assert_eq!(q[0].id, "request_rate");
        assert!(
            q[0].promql
                .contains(r#"function="handler",module="shop",service_name="svc""#)
        );
        assert!(q[0].link.starts_with("http://prom:9090/graph?g0.expr="));
    }
}
