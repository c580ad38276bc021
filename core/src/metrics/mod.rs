//! User-defined metrics, declared as statics.
//!
//! Beside function metrics, programs count their own things: requests by
//! route, queue depth, payload sizes. These types are what a user of the
//! `prometheus` crate reaches for (`IntCounter`, `IntGauge`, `Histogram`,
//! `IntCounterVec`, `HistogramVec`), without a heap: each is a `static`
//! built by a `const fn` that checks names at compile time, and labelled
//! families have a fixed capacity with label values stored inline.
//!
//! A metric registers itself on first use. Call `register()` at start-up to
//! export it at zero before that.
//!
//! ```
//! use omnimetrics::metrics::{Counter, CounterVec, Gauge};
//!
//! static JOBS: Counter = Counter::new("jobs_done_total", "Jobs finished.");
//! static QUEUE: Gauge = Gauge::new("queue_depth", "Jobs waiting.");
//! static HTTP: CounterVec<2, 16> =
//!     CounterVec::new("http_requests_total", "Requests by route.", ["method", "route"]);
//!
//! JOBS.inc();
//! QUEUE.set(3);
//! HTTP.with_label_values(["GET", "/items"]).inc();
//! assert_eq!(HTTP.with_label_values(["GET", "/items"]).get(), 1);
//! ```

mod counter;
mod family;
mod gauge;
mod histogram;
mod names;

pub use counter::{Counter, CounterCell};
pub use family::{
    CounterVec, Family, GaugeVec, HistogramVec, LabelError, LabelErrorKind, Member, OVERFLOW_LABEL,
};
pub use gauge::{Gauge, GaugeCell};
pub(crate) use histogram::{CountsBuf, ReadHistogram, counts_buf};
pub use histogram::{Histogram, HistogramCell, HistogramRef, Timer};

use crate::visit::{DynVisitor, FamilyDesc, Series, Stop};

/// A registered user metric family, type-erased for the registry.
#[doc(hidden)]
pub trait MetricFamily: Sync {
    /// The family name (counters without `_total`).
    fn name(&self) -> &'static str;
    /// The family header.
    fn describe(&self) -> FamilyDesc<'static>;
    /// Calls `f` per series until it returns `false`.
    fn each_series(&self, f: &mut dyn FnMut(&Series<'_>) -> bool);
}

pub(crate) fn visit_family(family: &dyn MetricFamily, v: &mut DynVisitor<'_>) -> Result<(), Stop> {
    v.family(&family.describe())?;
    let mut failed = None;
    family.each_series(&mut |s| match v.series(s) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    failed.map_or(Ok(()), Err)
}
