//! The fixed list of queries shown for one function.
//!
//! The dashboard page and `omnimetrics explain` show the same queries in the
//! same order under the same titles; keeping the list here means the two
//! cannot drift apart.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{
    FunctionRef, QueryOptions, callee_error_ratio, callee_request_rate, concurrent_calls,
    error_ratio, latency_quantile, request_rate,
};

/// A query with a stable identifier and a human title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedQuery {
    /// A stable identifier (`request_rate`, `latency_p95`, ...), usable as an
    /// HTML id or a command-line key.
    pub id: &'static str,
    /// A title for people (`Request rate (calls/s)`).
    pub title: &'static str,
    /// The PromQL expression.
    pub promql: String,
}

/// Every query for `f`, in display order: request rate, error ratio, p50,
/// p95 and p99 latency, concurrent calls, then the callees' request rate and
/// error ratio.
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, QueryOptions, all_queries, request_rate};
///
/// let f = FunctionRef::new("checkout", "shop::api", "shop");
/// let opts = QueryOptions::default();
/// let all = all_queries(&f, &opts);
/// let ids: Vec<&str> = all.iter().map(|q| q.id).collect();
/// assert_eq!(ids, [
///     "request_rate", "error_ratio", "latency_p50", "latency_p95", "latency_p99",
///     "concurrent_calls", "callee_request_rate", "callee_error_ratio",
/// ]);
/// assert_eq!(all[0].title, "Request rate (calls/s)");
/// assert_eq!(all[0].promql, request_rate(&f, &opts));
/// ```
pub fn all_queries(f: &FunctionRef<'_>, opts: &QueryOptions) -> Vec<NamedQuery> {
    let q = |id, title, promql| NamedQuery { id, title, promql };
    vec![
        q(
            "request_rate",
            "Request rate (calls/s)",
            request_rate(f, opts),
        ),
        q("error_ratio", "Error ratio", error_ratio(f, opts)),
        q(
            "latency_p50",
            "Latency, 50th percentile (s)",
            latency_quantile(f, 0.5, opts),
        ),
        q(
            "latency_p95",
            "Latency, 95th percentile (s)",
            latency_quantile(f, 0.95, opts),
        ),
        q(
            "latency_p99",
            "Latency, 99th percentile (s)",
            latency_quantile(f, 0.99, opts),
        ),
        q(
            "concurrent_calls",
            "Concurrent calls",
            concurrent_calls(f, opts),
        ),
        q(
            "callee_request_rate",
            "Request rate of the functions it calls (calls/s)",
            callee_request_rate(f, opts),
        ),
        q(
            "callee_error_ratio",
            "Error ratio of the functions it calls",
            callee_error_ratio(f, opts),
        ),
    ]
}
