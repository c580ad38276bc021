//! PromQL for one instrumented function, and links to it.
//!
//! The builders here write the queries that the doc links, the dashboard and
//! `omnimetrics explain` show. They all follow the wire contract:
//!
//! - series are selected by `function`, `module` and `service_name` (callee
//!   queries by `caller_function`, `caller_module` and `service_name`), with
//!   every value escaped as a PromQL string literal;
//! - metric names are matched tolerantly, so older exporters still match:
//!   `{__name__=~"function_calls(_count)?(_total)?"}` for calls and
//!   `{__name__=~"function_calls_duration(_seconds)?_bucket"}` for latency;
//! - results are grouped by `function, module, service_name, version,
//!   commit`, with `version` and `commit` taken from `build_info` by a join
//!   that keeps the data when `build_info` is missing, stale or has just
//!   changed (see "The `build_info` join" below).
//!
//! An empty `service_name` is the one exception to "filter on all three":
//! it leaves the `service_name` matcher out and so matches every service.
//! Exported series always carry a non-empty service name, so the empty
//! string is free to mean "any".
//!
//! # The `build_info` join
//!
//! For a vector `X` the join is
//!
//! ```text
//! (X * on (instance, job) group_left (version, commit) LATEST) or ignoring (version, commit) X
//!
//! LATEST = group by (instance, job, version, commit) (topk by (instance, job) (1,
//!            timestamp(build_info) or on (instance, job) last_over_time(build_info[1h])))
//! ```
//!
//! Each piece answers one way in which a plain
//! `X * on (instance, job) group_left (version, commit) build_info` fails:
//!
//! - **`build_info` missing** (an older exporter, a source that never sent
//!   it): `*` drops every series of `X` without a partner.
//!   `or ignoring (version, commit) X` puts back exactly the series that
//!   found none (a joined series differs from its original only by
//!   `version`/`commit`), so nothing is counted twice. Unlike a fallback on
//!   `up`, this also works for pushed and remote-written data, which has no
//!   `up` series of its own target.
//! - **`build_info` scraped or pushed less often than the query step, or
//!   gone stale**: `last_over_time(build_info[1h])` still finds the last
//!   sample of the past hour (range selectors skip staleness markers).
//! - **A new version on the same target** (same `instance` and `job`): for
//!   an hour, `last_over_time` holds both the old and the new `build_info`,
//!   and `group_left` then fails with "many-to-many matching not allowed".
//!   So the current sample is preferred: `timestamp(build_info)` (the
//!   sample's own time) exists only for series scraped within the last five
//!   minutes and not marked stale, which after a redeploy is the new one
//!   alone, and `or on (instance, job)` uses the hour-long fallback only for
//!   targets without a current sample. `topk by (instance, job) (1, ...)`
//!   keeps one series per target in every case (the newest, where there is
//!   a current one), so the join can never fail.
//! - `group by (...)` turns the values back into `1`, so `*` leaves the data
//!   unchanged.
//!
//! The lookback (`1h`) is [`QueryOptions::build_info_lookback`]. All cases
//! were checked against a real Prometheus 2.42 (`tests/prometheus.rs`).

mod build_info;
mod doc;
mod named;
mod options;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub use self::doc::{DEFAULT_PROMETHEUS_URL, MODULE_PLACEHOLDER, doc_section, doc_section_pieces};
pub use self::named::{NamedQuery, all_queries};
pub use self::options::{InvalidDuration, QueryOptions};
pub use crate::url::{percent_encode, prometheus_graph_link};

use self::build_info::with_build_info;
use crate::promql::{BUCKETS, CALLS, CONCURRENT, Matcher, selector};

/// The labels every query groups by.
const GROUPING: &str = "function, module, service_name, version, commit";

/// One instrumented function, as its series label it.
///
/// ```
/// use omnimetrics_query::queries::FunctionRef;
///
/// let f = FunctionRef::new("Cart::add", "shop::cart", "shop");
/// assert_eq!(f.function, "Cart::add");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FunctionRef<'a> {
    /// The `function` label: the name as written, `Type::method` for methods.
    pub function: &'a str,
    /// The `module` label: the `module_path!()` of the function.
    pub module: &'a str,
    /// The `service_name` label; empty means "any service".
    pub service_name: &'a str,
}

impl<'a> FunctionRef<'a> {
    /// A function reference from its three identifying labels.
    pub const fn new(function: &'a str, module: &'a str, service_name: &'a str) -> Self {
        FunctionRef {
            function,
            module,
            service_name,
        }
    }
}

/// Which side of the call graph a selector picks.
#[derive(Clone, Copy)]
enum Side {
    /// The function's own series.
    Own,
    /// Series of the functions it calls.
    Callees,
}

/// A selector for `f`'s series (or its callees'), with `name` and `extra`
/// matchers.
fn select(f: &FunctionRef<'_>, side: Side, name: Matcher<'_>, extra: &[Matcher<'_>]) -> String {
    let (function_label, module_label) = match side {
        Side::Own => ("function", "module"),
        Side::Callees => ("caller_function", "caller_module"),
    };
    let mut matchers: Vec<Matcher<'_>> = Vec::with_capacity(4 + extra.len());
    matchers.push(name);
    matchers.push(Matcher::eq(function_label, f.function));
    matchers.push(Matcher::eq(module_label, f.module));
    if !f.service_name.is_empty() {
        matchers.push(Matcher::eq("service_name", f.service_name));
    }
    matchers.extend_from_slice(extra);
    selector(&matchers)
}

/// `sum by (GROUPING) (join(rate(selector[window])))`.
fn summed_rate(selector: &str, opts: &QueryOptions) -> String {
    let rate = format!("rate({selector}[{}])", opts.rate_window());
    format!("sum by ({GROUPING}) ({})", with_build_info(&rate, opts))
}

fn calls_per_second(f: &FunctionRef<'_>, side: Side, opts: &QueryOptions) -> String {
    summed_rate(&select(f, side, CALLS, &[]), opts)
}

/// Errors over all calls; `0` (not "no data") while there are calls but no
/// errors.
fn errors_over_calls(f: &FunctionRef<'_>, side: Side, opts: &QueryOptions) -> String {
    let errors = summed_rate(
        &select(f, side, CALLS, &[Matcher::eq("result", "error")]),
        opts,
    );
    let calls = calls_per_second(f, side, opts);
    format!("({errors} or {calls} * 0) / {calls}")
}

/// Calls per second, by version.
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, QueryOptions, request_rate};
///
/// let f = FunctionRef::new("checkout", "shop::api", "shop");
/// let sel = r#"{__name__=~"function_calls(_count)?(_total)?",function="checkout",module="shop::api",service_name="shop"}"#;
/// let rate = format!("rate({sel}[5m])");
/// let latest = "group by (instance, job, version, commit) (topk by (instance, job) (1, \
///     timestamp(build_info) or on (instance, job) last_over_time(build_info[1h])))";
/// assert_eq!(
///     request_rate(&f, &QueryOptions::default()),
///     format!(
///         "sum by (function, module, service_name, version, commit) (\
///          ({rate} * on (instance, job) group_left (version, commit) {latest}) \
///          or ignoring (version, commit) {rate})"
///     ),
/// );
/// ```
pub fn request_rate(f: &FunctionRef<'_>, opts: &QueryOptions) -> String {
    calls_per_second(f, Side::Own, opts)
}

/// The series selector of a function's call counter (tolerant of how the
/// counter's name was written), by function and, unless empty, service:
/// what a label-values lookup matches on (`omnimetrics explain` finds a
/// function's module with it).
///
/// ```
/// use omnimetrics_query::queries::function_calls_selector;
///
/// assert_eq!(
///     function_calls_selector("Cart::add", "shop"),
///     r#"{__name__=~"function_calls(_count)?(_total)?",function="Cart::add",service_name="shop"}"#
/// );
/// assert_eq!(
///     function_calls_selector("a\"b\tc", ""),
///     r#"{__name__=~"function_calls(_count)?(_total)?",function="a\"b\tc"}"#
/// );
/// ```
pub fn function_calls_selector(function: &str, service_name: &str) -> String {
    let function = Matcher::eq("function", function);
    let service = Matcher::eq("service_name", service_name);
    if service_name.is_empty() {
        selector(&[CALLS, function])
    } else {
        selector(&[CALLS, function, service])
    }
}

/// The share of calls that returned an error (`result="error"`), by version:
/// `(errors or calls * 0) / calls`, so a function without errors shows `0`.
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, QueryOptions, error_ratio, request_rate};
///
/// let f = FunctionRef::new("checkout", "shop::api", "shop");
/// let opts = QueryOptions::default();
/// let calls = request_rate(&f, &opts);
/// let errors = calls.replace(r#"service_name="shop"}"#, r#"service_name="shop",result="error"}"#);
/// assert_eq!(error_ratio(&f, &opts), format!("({errors} or {calls} * 0) / {calls}"));
/// ```
pub fn error_ratio(f: &FunctionRef<'_>, opts: &QueryOptions) -> String {
    errors_over_calls(f, Side::Own, opts)
}

/// The latency (seconds) under which `quantile` of the calls complete
/// (`0.95` for p95), from the duration histogram's buckets, by version.
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, QueryOptions, latency_quantile};
///
/// let f = FunctionRef::new("checkout", "shop::api", "shop");
/// let q = latency_quantile(&f, 0.99, &QueryOptions::default());
/// let sel = r#"{__name__=~"function_calls_duration(_seconds)?_bucket",function="checkout",module="shop::api",service_name="shop"}"#;
/// let rate = format!("rate({sel}[5m])");
/// let latest = "group by (instance, job, version, commit) (topk by (instance, job) (1, \
///     timestamp(build_info) or on (instance, job) last_over_time(build_info[1h])))";
/// assert_eq!(
///     q,
///     format!(
///         "histogram_quantile(0.99, sum by (le, function, module, service_name, version, commit) (\
///          ({rate} * on (instance, job) group_left (version, commit) {latest}) \
///          or ignoring (version, commit) {rate}))"
///     ),
/// );
/// ```
pub fn latency_quantile(f: &FunctionRef<'_>, quantile: f64, opts: &QueryOptions) -> String {
    let buckets = format!(
        "rate({}[{}])",
        select(f, Side::Own, BUCKETS, &[]),
        opts.rate_window()
    );
    format!(
        "histogram_quantile({quantile}, sum by (le, {GROUPING}) ({}))",
        with_build_info(&buckets, opts)
    )
}

/// Calls in progress, by version (only functions that ask for the
/// `function_calls_concurrent` gauge have it).
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, QueryOptions, concurrent_calls};
///
/// let f = FunctionRef::new("checkout", "shop::api", "");
/// let q = concurrent_calls(&f, &QueryOptions::default());
/// // An empty service name matches every service.
/// let sel = r#"{__name__="function_calls_concurrent",function="checkout",module="shop::api"}"#;
/// let latest = "group by (instance, job, version, commit) (topk by (instance, job) (1, \
///     timestamp(build_info) or on (instance, job) last_over_time(build_info[1h])))";
/// assert_eq!(
///     q,
///     format!(
///         "sum by (function, module, service_name, version, commit) (\
///          ({sel} * on (instance, job) group_left (version, commit) {latest}) \
///          or ignoring (version, commit) {sel})"
///     ),
/// );
/// ```
pub fn concurrent_calls(f: &FunctionRef<'_>, opts: &QueryOptions) -> String {
    let gauge = select(f, Side::Own, CONCURRENT, &[]);
    format!("sum by ({GROUPING}) ({})", with_build_info(&gauge, opts))
}

/// Calls per second of each function that `f` calls (series whose
/// `caller_function`/`caller_module` are `f`), by callee and version.
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, QueryOptions, callee_request_rate};
///
/// let f = FunctionRef::new("checkout", "shop::api", "shop");
/// let q = callee_request_rate(&f, &QueryOptions::default());
/// assert!(q.contains(
///     r#"{__name__=~"function_calls(_count)?(_total)?",caller_function="checkout",caller_module="shop::api",service_name="shop"}"#
/// ));
/// ```
pub fn callee_request_rate(f: &FunctionRef<'_>, opts: &QueryOptions) -> String {
    calls_per_second(f, Side::Callees, opts)
}

/// The error ratio of each function that `f` calls, by callee and version.
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, QueryOptions, callee_error_ratio, callee_request_rate};
///
/// let f = FunctionRef::new("checkout", "shop::api", "shop");
/// let opts = QueryOptions::default();
/// let calls = callee_request_rate(&f, &opts);
/// assert!(callee_error_ratio(&f, &opts).ends_with(&format!(" * 0) / {calls}")));
/// ```
pub fn callee_error_ratio(f: &FunctionRef<'_>, opts: &QueryOptions) -> String {
    errors_over_calls(f, Side::Callees, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_label_value() {
        let f = FunctionRef::new("we\"ird\\fn", "m\nod", "svc\u{0}");
        let q = request_rate(&f, &QueryOptions::default());
        assert!(q.contains(r#"function="we\"ird\\fn",module="m\nod",service_name="svc\u0000""#));
        assert!(!q.contains('\n'));
    }

    #[test]
    fn empty_service_matches_any() {
        let f = FunctionRef::new("f", "m", "");
        let q = callee_error_ratio(&f, &QueryOptions::default());
        assert!(!q.contains("service_name=\""));
        assert!(q.contains(r#"caller_function="f",caller_module="m",result="error"}"#));
    }

    #[test]
    fn window_and_lookback_are_used() {
        let opts = QueryOptions::default()
            .with_rate_window("2m")
            .unwrap()
            .with_build_info_lookback("6h")
            .unwrap();
        let q = latency_quantile(&FunctionRef::new("f", "m", "s"), 0.5, &opts);
        assert!(q.starts_with("histogram_quantile(0.5, "));
        assert_eq!(q.matches("[2m])").count(), 2);
        assert_eq!(q.matches("(build_info[6h])").count(), 1);
        assert!(!q.contains("[5m]"));
    }
}
