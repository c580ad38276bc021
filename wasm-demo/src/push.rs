//! How pushes went, as metrics that travel with the snapshot.
//!
//! The JS host pushes the isolate's snapshot after requests (see the demo
//! worker); a push that fails must never fail the request, so the failure
//! would be invisible unless it is counted. The host reports each outcome
//! with the JS export `recordPush(ok)`, and both counters are part of every
//! later snapshot: a gateway that was down shows, once it is back, how many
//! pushes it missed.
//!
//! The counters are registered when the host [configures pushing](register),
//! so they are exported at zero before the first failure.

use omnimetrics::metrics::Counter;

/// Pushes attempted by this isolate.
pub static PUSHES: Counter = Counter::new(
    "omnimetrics_pushes_total",
    "Snapshot pushes attempted by this isolate.",
);

/// Pushes that failed: a network error, a timeout or a non-2xx answer.
pub static PUSH_FAILURES: Counter = Counter::new(
    "omnimetrics_push_failures_total",
    "Snapshot pushes that failed (network error, timeout or an answer other than 2xx).",
);

/// Exports both counters from now on, at zero until something is counted.
pub fn register() {
    // A second call changes nothing. The names are this module's own, so a
    // clash (an error) would be a user metric of the same name, which then
    // stays the one exported.
    let _ = PUSHES.register();
    let _ = PUSH_FAILURES.register();
}

/// Counts one push and, unless `ok`, one failure.
pub fn record(ok: bool) {
    PUSHES.inc();
    if !ok {
        PUSH_FAILURES.inc();
    }
}
