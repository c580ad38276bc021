//! `Gauge`: an `i64` that goes up and down.

use super::MetricFamily;
use super::names::check_family_name;
use crate::registry::{MetricNode, RegisterError, register_metric};
use crate::visit::{FamilyDesc, MetricKind, Series, SeriesValue};
use portable_atomic::{AtomicI64, Ordering::Relaxed};

/// The value of one gauge series (also a [`GaugeVec`](super::GaugeVec) member).
#[derive(Debug)]
pub struct GaugeCell(AtomicI64);

impl GaugeCell {
    /// Zero.
    pub const fn new() -> Self {
        Self(AtomicI64::new(0))
    }
    /// Sets the value.
    #[inline]
    pub fn set(&self, v: i64) {
        self.0.store(v, Relaxed);
    }
    /// Adds `v` (may be negative).
    #[inline]
    pub fn add(&self, v: i64) {
        self.0.fetch_add(v, Relaxed);
    }
    /// Subtracts `v`.
    #[inline]
    pub fn sub(&self, v: i64) {
        self.0.fetch_sub(v, Relaxed);
    }
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }
    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.sub(1);
    }
    /// The current value.
    pub fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

impl Default for GaugeCell {
    fn default() -> Self {
        Self::new()
    }
}

/// A gauge without labels, like the `prometheus` crate's `IntGauge`.
///
/// ```
/// static DEPTH: omnimetrics::metrics::Gauge =
///     omnimetrics::metrics::Gauge::new("queue_depth", "Items waiting.");
/// DEPTH.set(5);
/// DEPTH.dec();
/// assert_eq!(DEPTH.get(), 4);
/// ```
#[derive(Debug)]
pub struct Gauge {
    node: MetricNode,
    name: &'static str,
    help: &'static str,
    cell: GaugeCell,
}

impl Gauge {
    /// A gauge named `name`. Invalid names do not compile.
    pub const fn new(name: &'static str, help: &'static str) -> Self {
        check_family_name(name);
        Self {
            node: MetricNode::new(),
            name,
            help,
            cell: GaugeCell::new(),
        }
    }
    /// Sets the value.
    #[inline]
    pub fn set(&'static self, v: i64) {
        self.cell().set(v);
    }
    /// Adds `v`.
    #[inline]
    pub fn add(&'static self, v: i64) {
        self.cell().add(v);
    }
    /// Subtracts `v`.
    #[inline]
    pub fn sub(&'static self, v: i64) {
        self.cell().sub(v);
    }
    /// Adds one.
    #[inline]
    pub fn inc(&'static self) {
        self.cell().inc();
    }
    /// Subtracts one.
    #[inline]
    pub fn dec(&'static self) {
        self.cell().dec();
    }
    /// The current value.
    pub fn get(&self) -> i64 {
        self.cell.get()
    }
    /// Exports the gauge now (otherwise on first use).
    pub fn register(&'static self) -> Result<(), RegisterError> {
        register_metric(&self.node, self)
    }
    #[inline(always)]
    fn cell(&'static self) -> &'static GaugeCell {
        if !self.node.is_settled() {
            let _ = self.register();
        }
        &self.cell
    }
}

impl MetricFamily for Gauge {
    fn name(&self) -> &'static str {
        self.name
    }
    fn describe(&self) -> FamilyDesc<'static> {
        FamilyDesc {
            name: self.name,
            help: self.help,
            kind: MetricKind::Gauge,
            unit: None,
        }
    }
    fn each_series(&self, f: &mut dyn FnMut(&Series<'_>) -> bool) {
        f(&Series {
            labels: &[],
            value: SeriesValue::Gauge(self.get()),
            exemplar: None,
        });
    }
}
