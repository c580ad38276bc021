//! `Counter`: a `u64` that only goes up.

use super::MetricFamily;
use super::names::counter_family;
use crate::registry::{MetricNode, RegisterError, register_metric};
use crate::visit::{FamilyDesc, MetricKind, Series, SeriesValue};
use portable_atomic::{AtomicU64, Ordering::Relaxed};

/// The value of one counter series (also a [`CounterVec`](super::CounterVec) member).
#[derive(Debug)]
pub struct CounterCell(AtomicU64);

impl CounterCell {
    /// Zero.
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }
    /// Adds `n`.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        self.0.fetch_add(n, Relaxed);
    }
    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

impl Default for CounterCell {
    fn default() -> Self {
        Self::new()
    }
}

/// A counter without labels, like the `prometheus` crate's `IntCounter`.
///
/// ```
/// static EVENTS: omnimetrics::metrics::Counter =
///     omnimetrics::metrics::Counter::new("events_total", "Events seen.");
/// EVENTS.inc_by(2);
/// assert_eq!(EVENTS.get(), 2);
/// ```
#[derive(Debug)]
pub struct Counter {
    node: MetricNode,
    family: &'static str,
    help: &'static str,
    cell: CounterCell,
}

impl Counter {
    /// A counter named `name` (with or without the `_total` suffix, which
    /// the exported samples always carry). Invalid names do not compile.
    pub const fn new(name: &'static str, help: &'static str) -> Self {
        Self {
            node: MetricNode::new(),
            family: counter_family(name),
            help,
            cell: CounterCell::new(),
        }
    }
    /// Adds one.
    #[inline]
    pub fn inc(&'static self) {
        self.cell().inc();
    }
    /// Adds `n`.
    #[inline]
    pub fn inc_by(&'static self, n: u64) {
        self.cell().inc_by(n);
    }
    /// The current value.
    pub fn get(&self) -> u64 {
        self.cell.get()
    }
    /// Exports the counter now, at zero if unused (otherwise on first use).
    pub fn register(&'static self) -> Result<(), RegisterError> {
        register_metric(&self.node, self)
    }
    #[inline(always)]
    fn cell(&'static self) -> &'static CounterCell {
        if !self.node.is_settled() {
            let _ = self.register();
        }
        &self.cell
    }
}

impl MetricFamily for Counter {
    fn name(&self) -> &'static str {
        self.family
    }
    fn describe(&self) -> FamilyDesc<'static> {
        FamilyDesc {
            name: self.family,
            help: self.help,
            kind: MetricKind::Counter,
            unit: None,
        }
    }
    fn each_series(&self, f: &mut dyn FnMut(&Series<'_>) -> bool) {
        f(&Series {
            labels: &[],
            value: SeriesValue::Counter(self.get()),
            exemplar: None,
        });
    }
}
