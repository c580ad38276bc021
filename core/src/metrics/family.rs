//! Labelled families with a fixed capacity: `CounterVec`, `GaugeVec`,
//! `HistogramVec`.
//!
//! A family holds up to `CAP` series, each keyed by `L` label values stored
//! inline in fixed-size strings of `VLEN` bytes. Finding an existing series
//! is lock-free (a scan of published slots); claiming a new one takes a
//! `critical-section` for the few instructions that copy its values in.
//! When the family is full, or a value is too long, the sample goes to an
//! overflow series whose every label value is [`OVERFLOW_LABEL`]: counts
//! are never dropped, the error is returned to whoever asked, and the
//! overflow series tells whoever scrapes.

use super::MetricFamily;
use super::counter::CounterCell;
use super::gauge::GaugeCell;
use super::histogram::{HistogramCell, HistogramRef, ReadHistogram, counts_buf};
use super::names::{check_family_name, check_label_name, const_str_eq, counter_family};
use crate::buckets::Buckets;
use crate::registry::{MetricNode, RegisterError, register_metric};
use crate::visit::{FamilyDesc, HistogramSample, Label, MetricKind, Series, SeriesValue};
use core::cell::UnsafeCell;
use core::fmt;
use portable_atomic::{AtomicBool, AtomicU64, Ordering};

/// The label value of every label of a family's overflow series.
pub const OVERFLOW_LABEL: &str = "(overflow)";

/// What a family holds per series: [`CounterCell`], [`GaugeCell`] or
/// [`HistogramCell`].
pub trait Member: Sync + Sized + 'static {
    /// An empty member.
    #[doc(hidden)]
    const ZERO: Self;
    /// The family type.
    #[doc(hidden)]
    const KIND: MetricKind;
    /// Shared per-family settings (histogram buckets).
    type Config: Sync + 'static;
    /// What callers get to update a series.
    type Handle: Copy;
    #[doc(hidden)]
    fn handle(&'static self, config: &'static Self::Config) -> Self::Handle;
    #[doc(hidden)]
    fn with_value(&self, config: &Self::Config, f: &mut dyn FnMut(SeriesValue<'_>) -> bool)
    -> bool;
}

impl Member for CounterCell {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = CounterCell::new();
    const KIND: MetricKind = MetricKind::Counter;
    type Config = ();
    type Handle = &'static CounterCell;
    fn handle(&'static self, _: &'static ()) -> Self::Handle {
        self
    }
    fn with_value(&self, _: &(), f: &mut dyn FnMut(SeriesValue<'_>) -> bool) -> bool {
        f(SeriesValue::Counter(self.get()))
    }
}

impl Member for GaugeCell {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = GaugeCell::new();
    const KIND: MetricKind = MetricKind::Gauge;
    type Config = ();
    type Handle = &'static GaugeCell;
    fn handle(&'static self, _: &'static ()) -> Self::Handle {
        self
    }
    fn with_value(&self, _: &(), f: &mut dyn FnMut(SeriesValue<'_>) -> bool) -> bool {
        f(SeriesValue::Gauge(self.get()))
    }
}

impl<const N: usize> Member for HistogramCell<N> {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = HistogramCell::new();
    const KIND: MetricKind = MetricKind::Histogram;
    type Config = Buckets<N>;
    type Handle = HistogramRef<N>;
    fn handle(&'static self, config: &'static Buckets<N>) -> Self::Handle {
        HistogramRef {
            cell: self,
            buckets: config,
        }
    }
    fn with_value(&self, config: &Buckets<N>, f: &mut dyn FnMut(SeriesValue<'_>) -> bool) -> bool {
        let mut buf = counts_buf();
        let (counts, sum) = self.read(&mut buf);
        f(SeriesValue::Histogram(HistogramSample {
            bounds: config.bounds(),
            scale: config.scale(),
            counts,
            sum,
        }))
    }
}

/// Why a label set got the overflow series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelErrorKind {
    /// All `capacity` series are taken by other label sets.
    Full {
        /// The family's capacity.
        capacity: usize,
    },
    /// Label value `index` is longer than `max` bytes.
    ValueTooLong {
        /// Which label.
        index: usize,
        /// The longest value the family stores.
        max: usize,
    },
}

/// A label set that did not get its own series. The sample still counts:
/// [`into_overflow`](Self::into_overflow) is the overflow series' handle.
#[derive(Clone, Copy)]
pub struct LabelError<H> {
    family: &'static str,
    kind: LabelErrorKind,
    overflow: H,
}

impl<H> LabelError<H> {
    /// What went wrong.
    pub fn kind(&self) -> LabelErrorKind {
        self.kind
    }
    /// The overflow series, to record the sample in.
    pub fn into_overflow(self) -> H {
        self.overflow
    }
}

impl<H> fmt::Debug for LabelError<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabelError")
            .field("family", &self.family)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl<H> fmt::Display for LabelError<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            LabelErrorKind::Full { capacity } => write!(
                f,
                "metric family `{}` already holds its {capacity} series; this label set is counted in its `{OVERFLOW_LABEL}` series (raise the capacity)",
                self.family
            ),
            LabelErrorKind::ValueTooLong { index, max } => write!(
                f,
                "label value {index} of metric family `{}` is longer than {max} bytes; counted in its `{OVERFLOW_LABEL}` series",
                self.family
            ),
        }
    }
}

impl<H> core::error::Error for LabelError<H> {}

struct Slot<M, const L: usize, const VLEN: usize> {
    ready: AtomicBool,
    values: UnsafeCell<[heapless::String<VLEN>; L]>,
    metric: M,
}

// SAFETY: `values` is written only inside a critical section by the claimer
// of a slot whose `ready` is false, and read only after `ready` was seen
// true with Acquire (set with Release after the write); it is never written
// again.
unsafe impl<M: Sync, const L: usize, const VLEN: usize> Sync for Slot<M, L, VLEN> {}

impl<M: Member, const L: usize, const VLEN: usize> Slot<M, L, VLEN> {
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: Self = Self {
        ready: AtomicBool::new(false),
        values: UnsafeCell::new([const { heapless::String::new() }; L]),
        metric: M::ZERO,
    };

    fn values(&self) -> Option<&[heapless::String<VLEN>; L]> {
        if crate::acquire::bool(&self.ready) {
            // SAFETY: see the `Sync` impl.
            Some(unsafe { &*self.values.get() })
        } else {
            None
        }
    }

    fn matches(&self, values: &[&str; L]) -> bool {
        self.values()
            .is_some_and(|v| v.iter().zip(values).all(|(a, b)| a.as_str() == *b))
    }
}

/// A labelled family of up to `CAP` series with `L` labels whose values are
/// at most `VLEN` bytes. Use the aliases [`CounterVec`], [`GaugeVec`] and
/// [`HistogramVec`].
pub struct Family<M: Member, const L: usize, const CAP: usize, const VLEN: usize = 32> {
    node: MetricNode,
    name: &'static str,
    help: &'static str,
    label_names: [&'static str; L],
    config: M::Config,
    slots: [Slot<M, L, VLEN>; CAP],
    overflow: M,
    overflowed: AtomicU64,
}

/// Counters by label set, like the `prometheus` crate's `IntCounterVec`.
///
/// ```
/// use omnimetrics::metrics::{CounterVec, LabelErrorKind};
///
/// static ROUTES: CounterVec<1, 2> = CounterVec::new("route_hits_total", "Hits.", ["route"]);
/// ROUTES.with_label_values(["/a"]).inc();
/// ROUTES.with_label_values(["/b"]).inc();
/// // Full: the error says so, and hands back the overflow series.
/// let err = ROUTES.try_with_label_values(["/c"]).unwrap_err();
/// assert_eq!(err.kind(), LabelErrorKind::Full { capacity: 2 });
/// err.into_overflow().inc();
/// assert_eq!(ROUTES.overflowed(), 1);
/// ```
pub type CounterVec<const L: usize, const CAP: usize, const VLEN: usize = 32> =
    Family<CounterCell, L, CAP, VLEN>;

/// Gauges by label set, like `IntGaugeVec`.
pub type GaugeVec<const L: usize, const CAP: usize, const VLEN: usize = 32> =
    Family<GaugeCell, L, CAP, VLEN>;

/// Histograms with `N` buckets by label set, like `HistogramVec`.
///
/// ```
/// use omnimetrics::Buckets;
/// use omnimetrics::metrics::HistogramVec;
///
/// static LATENCY: HistogramVec<3, 1, 8> = HistogramVec::new(
///     "db_query_duration_seconds",
///     "Query latency.",
///     ["table"],
///     Buckets::from_millis([1, 10, 100]),
/// );
/// LATENCY.with_label_values(["users"]).observe_duration(core::time::Duration::from_millis(5));
/// ```
pub type HistogramVec<const N: usize, const L: usize, const CAP: usize, const VLEN: usize = 32> =
    Family<HistogramCell<N>, L, CAP, VLEN>;

impl<M: Member, const L: usize, const CAP: usize, const VLEN: usize> fmt::Debug
    for Family<M, L, CAP, VLEN>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("name", &self.name)
            .field("labels", &self.label_names)
            .field("series", &self.len())
            .field("capacity", &CAP)
            .finish_non_exhaustive()
    }
}

impl<const L: usize, const CAP: usize, const VLEN: usize> Family<CounterCell, L, CAP, VLEN> {
    /// A counter family (the name may end in `_total`). Invalid names do not
    /// compile.
    pub const fn new(name: &'static str, help: &'static str, labels: [&'static str; L]) -> Self {
        Self::build(counter_family(name), help, labels, ())
    }
}

impl<const L: usize, const CAP: usize, const VLEN: usize> Family<GaugeCell, L, CAP, VLEN> {
    /// A gauge family. Invalid names do not compile.
    pub const fn new(name: &'static str, help: &'static str, labels: [&'static str; L]) -> Self {
        Self::build(name, help, labels, ())
    }
}

impl<const N: usize, const L: usize, const CAP: usize, const VLEN: usize>
    Family<HistogramCell<N>, L, CAP, VLEN>
{
    /// A histogram family over `buckets`. Invalid names do not compile.
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: [&'static str; L],
        buckets: Buckets<N>,
    ) -> Self {
        Self::build(name, help, labels, buckets)
    }
}

impl<M: Member, const L: usize, const CAP: usize, const VLEN: usize> Family<M, L, CAP, VLEN> {
    const fn build(
        name: &'static str,
        help: &'static str,
        label_names: [&'static str; L],
        config: M::Config,
    ) -> Self {
        check_family_name(name);
        let mut i = 0;
        while i < L {
            check_label_name(label_names[i]);
            let mut j = 0;
            while j < i {
                if const_str_eq(label_names[i], label_names[j]) {
                    panic!("omnimetrics: a family lists the same label name twice");
                }
                j += 1;
            }
            i += 1;
        }
        if CAP == 0 {
            panic!("omnimetrics: a family needs a capacity of at least one series");
        }
        Self {
            node: MetricNode::new(),
            name,
            help,
            label_names,
            config,
            slots: [const { Slot::EMPTY }; CAP],
            overflow: M::ZERO,
            overflowed: AtomicU64::new(0),
        }
    }

    /// The series for `values`, claimed on first sight. Errs with the
    /// overflow series when the family is full or a value is too long.
    pub fn try_with_label_values(
        &'static self,
        values: [&str; L],
    ) -> Result<M::Handle, LabelError<M::Handle>> {
        if !self.node.is_settled() {
            let _ = self.register();
        }
        match self.find_or_claim(&values) {
            Ok(slot) => Ok(slot.metric.handle(&self.config)),
            Err(kind) => {
                self.overflowed.fetch_add(1, Ordering::Relaxed);
                Err(LabelError {
                    family: self.name,
                    kind,
                    overflow: self.overflow.handle(&self.config),
                })
            }
        }
    }

    /// Like [`try_with_label_values`](Self::try_with_label_values), but gives
    /// the overflow series instead of an error.
    pub fn with_label_values(&'static self, values: [&str; L]) -> M::Handle {
        self.try_with_label_values(values)
            .unwrap_or_else(LabelError::into_overflow)
    }

    fn find_or_claim(&self, values: &[&str; L]) -> Result<&Slot<M, L, VLEN>, LabelErrorKind> {
        if let Some(index) = values.iter().position(|v| v.len() > VLEN) {
            return Err(LabelErrorKind::ValueTooLong { index, max: VLEN });
        }
        crate::claim::find_or_claim(
            &self.slots,
            |s| &s.ready,
            |s| s.matches(values),
            |s| {
                // SAFETY: inside the critical section, this is the only
                // thread writing any slot, and no reader reads an unclaimed
                // slot.
                let stored = unsafe { &mut *s.values.get() };
                for (dst, src) in stored.iter_mut().zip(values) {
                    dst.clear();
                    // Lengths were checked above.
                    let _ = dst.push_str(src);
                }
            },
        )
        .ok_or(LabelErrorKind::Full { capacity: CAP })
    }

    /// How many label sets have their own series.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.values().is_some()).count()
    }

    /// Whether no label set has a series yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many times a label set was sent to the overflow series.
    pub fn overflowed(&self) -> u64 {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// Exports the family now (otherwise on first use).
    pub fn register(&'static self) -> Result<(), RegisterError> {
        register_metric(&self.node, self)
    }
}

impl<M: Member, const L: usize, const CAP: usize, const VLEN: usize> MetricFamily
    for Family<M, L, CAP, VLEN>
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn describe(&self) -> FamilyDesc<'static> {
        FamilyDesc {
            name: self.name,
            help: self.help,
            kind: M::KIND,
            unit: None,
        }
    }

    fn each_series(&self, f: &mut dyn FnMut(&Series<'_>) -> bool) {
        for slot in &self.slots {
            let Some(values) = slot.values() else {
                continue;
            };
            let labels: [Label<'_>; L] =
                core::array::from_fn(|i| Label::new(self.label_names[i], values[i].as_str()));
            let go_on = slot.metric.with_value(&self.config, &mut |value| {
                f(&Series {
                    labels: &labels,
                    value,
                    exemplar: None,
                })
            });
            if !go_on {
                return;
            }
        }
        if self.overflowed() > 0 {
            let labels: [Label<'_>; L] =
                core::array::from_fn(|i| Label::new(self.label_names[i], OVERFLOW_LABEL));
            self.overflow.with_value(&self.config, &mut |value| {
                f(&Series {
                    labels: &labels,
                    value,
                    exemplar: None,
                })
            });
        }
    }
}
