//! The ring of samples behind the dashboard: bounded memory, by construction.
//!
//! Charts need the past, and a process that keeps the past must not grow
//! with uptime. A [`History`] reserves room for a fixed number of samples
//! when it is created; once full, each new sample evicts the oldest, so its
//! size is fixed from then on.
//!
//! A sample is not a whole [`Snapshot`]: it keeps only what the page
//! computes from (per function: calls, errors, latency buckets, calls in
//! progress; per caller and callee: calls and errors), in vectors sorted by
//! function so that two samples are compared by binary search. Names and
//! objectives are the same in every sample, so a new sample shares them
//! with the previous one (an [`Arc`] clone) instead of copying the strings.

use omnimetrics::{HistogramSnapshot, Snapshot, ValueSnapshot, names};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

/// The most samples a history keeps (as [`DashboardConfig::history`](super::DashboardConfig::history)).
const MAX_CAPACITY: usize = 100_000;

/// A function as its series label it, ordered by service, module, name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FnKey {
    pub(crate) service: String,
    pub(crate) module: String,
    pub(crate) function: String,
}

/// `(service, module, function)` borrowed from a snapshot, ordered like
/// [`FnKey`].
type KeyRef<'a> = (&'a str, &'a str, &'a str);

impl FnKey {
    fn parts(&self) -> KeyRef<'_> {
        (&self.service, &self.module, &self.function)
    }

    fn from_ref((service, module, function): KeyRef<'_>) -> Self {
        Self {
            service: service.to_string(),
            module: module.to_string(),
            function: function.to_string(),
        }
    }
}

/// A latency objective as a function's duration series labels it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LatencyTarget {
    pub(crate) name: String,
    pub(crate) percentile: String,
    /// The `objective_latency_threshold` label, as written.
    pub(crate) threshold: String,
}

/// What does not change from one sample to the next: a function's identity,
/// its objectives and its latency buckets.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FnMeta {
    pub(crate) key: FnKey,
    /// `objective_name` and `objective_percentile` of its call counter.
    pub(crate) success: Option<(String, String)>,
    pub(crate) latency: Option<LatencyTarget>,
    /// Finite bucket boundaries in seconds, when it has a histogram.
    pub(crate) bounds: Option<Arc<[f64]>>,
    /// Whether it exports calls in progress.
    pub(crate) concurrency: bool,
}

/// One function in one sample.
#[derive(Debug)]
pub(crate) struct FnPoint {
    pub(crate) meta: Arc<FnMeta>,
    pub(crate) ok: u64,
    pub(crate) errors: u64,
    /// Calls per latency bucket, `+Inf` last.
    pub(crate) buckets: Option<Box<[u64]>>,
    pub(crate) concurrent: Option<i64>,
}

/// Calls from one instrumented function to another, in one sample.
#[derive(Debug)]
pub(crate) struct Edge {
    /// Index of the called function in [`Sample::functions`].
    pub(crate) callee: usize,
    pub(crate) caller: Arc<FnKey>,
    pub(crate) ok: u64,
    pub(crate) errors: u64,
}

/// Everything the page needs from one snapshot.
#[derive(Debug)]
pub(crate) struct Sample {
    pub(crate) at: Instant,
    /// Sorted by key.
    pub(crate) functions: Vec<FnPoint>,
    /// Sorted by callee key, then caller key.
    pub(crate) edges: Vec<Edge>,
}

impl Sample {
    pub(crate) fn function(&self, key: &FnKey) -> Option<&FnPoint> {
        let key = key.parts();
        self.functions
            .binary_search_by(|p| p.meta.key.parts().cmp(&key))
            .ok()
            .map(|i| &self.functions[i])
    }

    /// The edge from `caller` to `callee`.
    pub(crate) fn edge(&self, callee: &FnKey, caller: &FnKey) -> Option<&Edge> {
        self.edges
            .binary_search_by(|e| self.edge_order(e, callee.parts(), caller.parts()))
            .ok()
            .map(|i| &self.edges[i])
    }

    fn edge_order(&self, e: &Edge, callee: KeyRef<'_>, caller: KeyRef<'_>) -> std::cmp::Ordering {
        let own = self.functions[e.callee].meta.key.parts();
        (own, e.caller.parts()).cmp(&(callee, caller))
    }
}

/// A fixed-capacity ring of metric samples: the dashboard's memory of the
/// last minutes.
///
/// Room for `capacity` samples is reserved up front; when the ring is full,
/// recording a sample drops the oldest, so the history of a long-running
/// process takes the same memory after a day as after its first few
/// minutes (for a fixed set of functions, which instrumented code is).
///
/// ```
/// use omnimetrics::Snapshot;
/// use omnimetrics_exporter::dashboard::History;
/// use std::time::{Duration, Instant};
///
/// let mut history = History::new(60);
/// let start = Instant::now();
/// for second in 0..1000 {
///     let snapshot = Snapshot::capture(&omnimetrics::registry());
///     history.record(start + Duration::from_secs(second), &snapshot);
/// }
/// assert_eq!(history.len(), 60);
/// ```
#[derive(Debug)]
pub struct History {
    capacity: usize,
    samples: VecDeque<Sample>,
    /// The `build_info` series of the latest sample (one per package).
    build_info: Vec<Vec<(String, String)>>,
}

impl History {
    /// An empty history that keeps the last `capacity` samples (at least
    /// 2, since a rate needs two; at most 100,000).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.clamp(2, MAX_CAPACITY);
        Self {
            capacity,
            samples: VecDeque::with_capacity(capacity),
            build_info: Vec::new(),
        }
    }

    /// How many samples it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many samples it holds.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether it holds no sample yet.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Adds what `snapshot` holds, taken at `at`, dropping the oldest
    /// sample when full. Samples are kept in time order: an `at` earlier
    /// than the latest sample's counts as the same moment.
    pub fn record(&mut self, at: Instant, snapshot: &Snapshot) {
        let at = match self.samples.back() {
            Some(last) if at < last.at => last.at,
            _ => at,
        };
        let sample = digest(at, snapshot, self.samples.back());
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        self.update_build_info(snapshot);
    }

    pub(crate) fn samples(&self) -> &VecDeque<Sample> {
        &self.samples
    }

    pub(crate) fn build_info(&self) -> &[Vec<(String, String)>] {
        &self.build_info
    }

    /// Keeps the latest `build_info`, rewriting it only when it changed.
    fn update_build_info(&mut self, snapshot: &Snapshot) {
        let series: Vec<_> = snapshot.series(names::BUILD_INFO, &[]).collect();
        let same = series.len() == self.build_info.len()
            && series
                .iter()
                .zip(&self.build_info)
                .all(|(s, b)| s.labels == *b);
        if !same {
            self.build_info = series.iter().map(|s| s.labels.clone()).collect();
        }
    }
}

/// Per-function totals gathered from a snapshot, borrowing its strings.
#[derive(Default)]
struct Gathered<'a> {
    ok: u64,
    errors: u64,
    success: Option<(&'a str, &'a str)>,
    latency: Option<(&'a str, &'a str, &'a str)>,
    histogram: Option<&'a HistogramSnapshot>,
    concurrent: Option<i64>,
}

/// The sample of `snapshot`, sharing names with `previous` where they are
/// unchanged.
fn digest(at: Instant, snapshot: &Snapshot, previous: Option<&Sample>) -> Sample {
    let mut gathered: BTreeMap<KeyRef<'_>, Gathered<'_>> = BTreeMap::new();
    // (callee, caller) -> [ok, errors]
    let mut calls: BTreeMap<(KeyRef<'_>, KeyRef<'_>), [u64; 2]> = BTreeMap::new();

    for s in snapshot.series(names::CALLS, &[]) {
        let ValueSnapshot::Counter(count) = s.value else {
            continue;
        };
        let Some(key) = key_of(s) else { continue };
        let g = gathered.entry(key).or_default();
        let failed = s.label("result") == Some("error");
        if failed {
            g.errors = g.errors.saturating_add(count);
        } else {
            g.ok = g.ok.saturating_add(count);
        }
        if g.success.is_none() {
            g.success = objective_of(s).map(|(name, percentile, _)| (name, percentile));
        }
        let caller_function = s.label("caller_function").unwrap_or("");
        if !caller_function.is_empty() {
            let caller_module = s.label("caller_module").unwrap_or("");
            // A caller is in the same process, so in the same service.
            let edge = calls
                .entry((key, (key.0, caller_module, caller_function)))
                .or_default();
            edge[usize::from(failed)] = edge[usize::from(failed)].saturating_add(count);
        }
    }
    for s in snapshot.series(names::DURATION, &[]) {
        let ValueSnapshot::Histogram(h) = &s.value else {
            continue;
        };
        let Some(key) = key_of(s) else { continue };
        let g = gathered.entry(key).or_default();
        // Sources give one histogram per function; if one gave more, the
        // first is kept rather than mixing buckets.
        if g.histogram.is_none() && h.counts.len() == h.bounds.len() + 1 {
            g.histogram = Some(h);
            g.latency = objective_of(s).filter(|(_, _, threshold)| !threshold.is_empty());
        }
    }
    for s in snapshot.series(names::CONCURRENT, &[]) {
        let ValueSnapshot::Gauge(v) = s.value else {
            continue;
        };
        let Some(key) = key_of(s) else { continue };
        let g = gathered.entry(key).or_default();
        g.concurrent = Some(g.concurrent.unwrap_or(0).saturating_add(v));
    }

    let functions: Vec<FnPoint> = gathered
        .iter()
        .map(|(&key, g)| FnPoint {
            meta: shared_meta(key, g, previous),
            ok: g.ok,
            errors: g.errors,
            buckets: g.histogram.map(|h| h.counts.clone().into_boxed_slice()),
            concurrent: g.concurrent,
        })
        .collect();
    let index_of = |key: KeyRef<'_>| {
        functions
            .binary_search_by(|p| p.meta.key.parts().cmp(&key))
            .ok()
    };
    let edges = calls
        .iter()
        .filter_map(|(&(callee, caller), &[ok, errors])| {
            let shared = previous
                .and_then(|p| {
                    let i = p
                        .edges
                        .binary_search_by(|e| p.edge_order(e, callee, caller))
                        .ok()?;
                    Some(Arc::clone(&p.edges[i].caller))
                })
                .unwrap_or_else(|| Arc::new(FnKey::from_ref(caller)));
            Some(Edge {
                callee: index_of(callee)?,
                caller: shared,
                ok,
                errors,
            })
        })
        .collect();
    Sample {
        at,
        functions,
        edges,
    }
}

/// `(service_name, module, function)` of a series; `None` without a name.
fn key_of(s: &omnimetrics::SeriesSnapshot) -> Option<KeyRef<'_>> {
    let function = s.label("function").filter(|f| !f.is_empty())?;
    Some((
        s.label("service_name").unwrap_or(""),
        s.label("module").unwrap_or(""),
        function,
    ))
}

/// `(objective_name, objective_percentile, objective_latency_threshold)`
/// of a series that has an objective.
fn objective_of(s: &omnimetrics::SeriesSnapshot) -> Option<(&str, &str, &str)> {
    let name = s.label("objective_name").filter(|n| !n.is_empty())?;
    let percentile = s.label("objective_percentile").filter(|p| !p.is_empty())?;
    Some((
        name,
        percentile,
        s.label("objective_latency_threshold").unwrap_or(""),
    ))
}

/// Seconds from a boundary in units of `10^-scale`.
fn seconds(bound: u64, scale: u8) -> f64 {
    bound as f64 / 10f64.powi(i32::from(scale))
}

/// The previous sample's description of `key` if nothing changed, else a
/// new one. Comparing borrows; only a change allocates.
fn shared_meta(key: KeyRef<'_>, g: &Gathered<'_>, previous: Option<&Sample>) -> Arc<FnMeta> {
    let old = previous.and_then(|p| {
        let i = p
            .functions
            .binary_search_by(|f| f.meta.key.parts().cmp(&key))
            .ok()?;
        Some(&p.functions[i].meta)
    });
    if let Some(old) = old
        && same_meta(old, g)
    {
        return Arc::clone(old);
    }
    Arc::new(FnMeta {
        key: FnKey::from_ref(key),
        success: g
            .success
            .map(|(name, percentile)| (name.to_string(), percentile.to_string())),
        latency: g
            .latency
            .map(|(name, percentile, threshold)| LatencyTarget {
                name: name.to_string(),
                percentile: percentile.to_string(),
                threshold: threshold.to_string(),
            }),
        bounds: g
            .histogram
            .map(|h| h.bounds.iter().map(|&b| seconds(b, h.scale)).collect()),
        concurrency: g.concurrent.is_some(),
    })
}

fn same_meta(old: &FnMeta, g: &Gathered<'_>) -> bool {
    let success = match (&old.success, g.success) {
        (None, None) => true,
        (Some((n, p)), Some((gn, gp))) => n == gn && p == gp,
        _ => false,
    };
    let latency = match (&old.latency, g.latency) {
        (None, None) => true,
        (Some(l), Some((n, p, t))) => l.name == n && l.percentile == p && l.threshold == t,
        _ => false,
    };
    let bounds = match (&old.bounds, g.histogram) {
        (None, None) => true,
        (Some(b), Some(h)) => {
            b.len() == h.bounds.len()
                && b.iter()
                    .zip(&h.bounds)
                    .all(|(&s, &raw)| s == seconds(raw, h.scale))
        }
        _ => false,
    };
    success && latency && bounds && old.concurrency == g.concurrent.is_some()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use omnimetrics::visit::MetricKind;
    use omnimetrics::{FamilySnapshot, SeriesSnapshot};
    use std::time::Duration;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn family(name: &str, kind: MetricKind, series: Vec<SeriesSnapshot>) -> FamilySnapshot {
        FamilySnapshot {
            name: name.to_string(),
            help: String::new(),
            kind,
            unit: None,
            series,
        }
    }

    /// `handler` calls `query`; `query` has failed `failed` times of `n`.
    pub(crate) fn shop(n: u64, failed: u64) -> Snapshot {
        let calls = |function, result, caller, count| SeriesSnapshot {
            labels: labels(&[
                ("function", function),
                ("module", "shop"),
                ("service_name", "svc"),
                ("result", result),
                ("caller_function", caller),
                ("caller_module", if caller.is_empty() { "" } else { "shop" }),
                (
                    "objective_name",
                    if function == "handler" { "api" } else { "" },
                ),
                (
                    "objective_percentile",
                    if function == "handler" { "99" } else { "" },
                ),
            ]),
            value: ValueSnapshot::Counter(count),
            exemplar: None,
        };
        let histogram = |function, count: u64| SeriesSnapshot {
            labels: labels(&[
                ("function", function),
                ("module", "shop"),
                ("service_name", "svc"),
                ("objective_name", ""),
                ("objective_percentile", ""),
                ("objective_latency_threshold", ""),
            ]),
            value: ValueSnapshot::Histogram(HistogramSnapshot {
                bounds: vec![100, 250, 1000],
                scale: 3,
                counts: vec![count / 2, count - count / 2, 0, 0],
                sum: 0,
            }),
            exemplar: None,
        };
        Snapshot {
            families: vec![
                family(
                    "function_calls",
                    MetricKind::Counter,
                    vec![
                        calls("handler", "ok", "", n),
                        calls("handler", "error", "", 0),
                        calls("query", "ok", "handler", n - failed),
                        calls("query", "error", "handler", failed),
                    ],
                ),
                family(
                    "function_calls_duration_seconds",
                    MetricKind::Histogram,
                    vec![histogram("handler", n), histogram("query", n)],
                ),
            ],
        }
    }

    #[test]
    fn a_sample_keeps_counts_edges_and_objectives() {
        let mut h = History::new(4);
        h.record(Instant::now(), &shop(10, 3));
        let s = h.samples().back().unwrap();
        assert_eq!(s.functions.len(), 2);
        let handler = &s.functions[0];
        assert_eq!(handler.meta.key.function, "handler");
        assert_eq!(handler.meta.success, Some(("api".into(), "99".into())));
        assert_eq!(handler.meta.bounds.as_deref(), Some(&[0.1, 0.25, 1.0][..]));
        let query = &s.functions[1];
        assert_eq!((query.ok, query.errors), (7, 3));
        assert_eq!(query.buckets.as_deref(), Some(&[5, 5, 0, 0][..]));
        assert_eq!(s.edges.len(), 1);
        let e = &s.edges[0];
        assert_eq!(
            (e.callee, e.caller.function.as_str(), e.ok, e.errors),
            (1, "handler", 7, 3)
        );
        let handler_key = handler.meta.key.clone();
        assert!(s.edge(&query.meta.key, &handler_key).is_some());
        assert!(s.edge(&handler_key, &query.meta.key).is_none());
    }

    #[test]
    fn names_are_shared_between_samples() {
        let mut h = History::new(4);
        let t = Instant::now();
        h.record(t, &shop(10, 3));
        h.record(t + Duration::from_secs(1), &shop(20, 4));
        let [a, b] = [&h.samples()[0], &h.samples()[1]];
        assert!(Arc::ptr_eq(&a.functions[1].meta, &b.functions[1].meta));
        assert!(Arc::ptr_eq(&a.edges[0].caller, &b.edges[0].caller));
    }

    #[test]
    fn the_ring_drops_the_oldest_and_keeps_time_order() {
        let mut h = History::new(3);
        let t = Instant::now() + Duration::from_secs(100);
        for i in 0..10 {
            h.record(t + Duration::from_secs(i), &shop(i + 1, 0));
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.samples()[0].functions[1].ok, 8);
        // A sample from the past is put at the latest time, not before it.
        h.record(t, &shop(11, 0));
        let times: Vec<Instant> = h.samples().iter().map(|s| s.at).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(History::new(0).capacity(), 2);
        assert_eq!(History::new(usize::MAX).capacity(), MAX_CAPACITY);
    }

    #[test]
    fn odd_snapshots_are_ignored_not_fatal() {
        let mut odd = shop(5, 1);
        // A series without a function name, a gauge in a counter family, a
        // histogram with the wrong number of buckets.
        odd.families[0].series.push(SeriesSnapshot {
            labels: labels(&[("module", "m")]),
            value: ValueSnapshot::Counter(3),
            exemplar: None,
        });
        odd.families[0].series.push(SeriesSnapshot {
            labels: labels(&[("function", "f")]),
            value: ValueSnapshot::Gauge(3),
            exemplar: None,
        });
        if let ValueSnapshot::Histogram(hist) = &mut odd.families[1].series[0].value {
            hist.counts.pop();
        }
        let mut h = History::new(2);
        h.record(Instant::now(), &odd);
        h.record(Instant::now(), &Snapshot::default());
        assert_eq!(h.len(), 2);
        let first = &h.samples()[0];
        assert_eq!(first.functions.len(), 2);
        assert!(first.functions[0].buckets.is_none());
    }
}
