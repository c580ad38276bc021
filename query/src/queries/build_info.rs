//! Attaching `version` and `commit` from `build_info` to a function's series.
//!
//! It lives in its own module because every builder wraps its vector in the
//! same join, and the join is the subtle part of the queries: it must never
//! lose or break the data it decorates. Why it has its shape is explained in
//! the [`queries`](super) module documentation ("The `build_info` join").

use alloc::format;
use alloc::string::String;

use super::QueryOptions;

/// The `(version, commit)` of each target's newest `build_info`, value 1.
fn latest_build_info(opts: &QueryOptions) -> String {
    format!(
        "group by (instance, job, version, commit) (topk by (instance, job) (1, \
         timestamp(build_info) or on (instance, job) last_over_time(build_info[{}])))",
        opts.build_info_lookback()
    )
}

/// `x` with `version` and `commit` attached where a `build_info` exists, and
/// unchanged where none does.
pub(crate) fn with_build_info(x: &str, opts: &QueryOptions) -> String {
    format!(
        "({x} * on (instance, job) group_left (version, commit) {latest}) or ignoring (version, commit) {x}",
        latest = latest_build_info(opts)
    )
}
