//! Reading the metrics: a walk over every family and series.
//!
//! Sinks (Prometheus text, OpenMetrics, serial frames) and the owned
//! [`Snapshot`](crate::Snapshot) all read the metrics the same way: a
//! [`Source`] calls a [`Visitor`] once per family, then once per series of
//! that family. Nothing is allocated and nothing is copied beyond one series'
//! labels and bucket counts on the stack, so encoding works on a
//! microcontroller, and each family is complete before the next starts (as
//! the text formats require).
//!
//! ```
//! use omnimetrics::visit::{FamilyDesc, Series, Source, Visitor};
//!
//! struct CountSeries(usize);
//! impl Visitor for CountSeries {
//!     type Error = core::convert::Infallible;
//!     fn family(&mut self, _: &FamilyDesc<'_>) -> Result<(), Self::Error> { Ok(()) }
//!     fn series(&mut self, _: &Series<'_>) -> Result<(), Self::Error> {
//!         self.0 += 1;
//!         Ok(())
//!     }
//! }
//!
//! #[omnimetrics::autometrics]
//! fn visited() {}
//! visited();
//!
//! let mut v = CountSeries(0);
//! omnimetrics::registry().visit(&mut v).unwrap();
//! assert!(v.0 >= 3); // calls (ok, error), duration, build_info
//! ```

use crate::decimal::Decimal;

pub use crate::rows::{CallRow, Caller, DurationBuf, LabelledRow};
pub use crate::service::{BuildInfo, build_infos};

/// The type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "alloc", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum MetricKind {
    /// A monotonically increasing count. Samples are named `<family>_total`.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Cumulative buckets, a sum and a count.
    Histogram,
}

/// A family: what its series measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FamilyDesc<'a> {
    /// The family name; for counters without the `_total` suffix
    /// (`function_calls`), which encoders add to the samples.
    pub name: &'a str,
    /// Help text (any UTF-8; encoders escape it).
    pub help: &'a str,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// The unit suffix the name ends with (`seconds`), if any.
    pub unit: Option<&'a str>,
}

/// One label of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label<'a> {
    /// Label name, `[a-zA-Z_][a-zA-Z0-9_]*`.
    pub name: &'a str,
    /// Any UTF-8 (encoders escape it).
    pub value: &'a str,
}

impl<'a> Label<'a> {
    /// A label.
    pub const fn new(name: &'a str, value: &'a str) -> Self {
        Self { name, value }
    }
}

/// A histogram's state at the time of the visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistogramSample<'a> {
    /// Finite bucket boundaries, increasing, in units of `10^-scale`.
    pub bounds: &'a [u64],
    /// Decimal places of `bounds` and `sum` (9: nanoseconds as seconds).
    pub scale: u8,
    /// Per-bucket (not cumulative) counts: one per bound, then `+Inf`.
    pub counts: &'a [u64],
    /// Sum of the observed values, in units of `10^-scale`.
    pub sum: u64,
}

impl HistogramSample<'_> {
    /// The total count (equal to the `+Inf` bucket).
    pub fn count(&self) -> u64 {
        self.counts.iter().fold(0u64, |a, &c| a.wrapping_add(c))
    }

    /// Boundary `i` as an exact decimal; `None` for `+Inf`.
    pub fn bound(&self, i: usize) -> Option<Decimal> {
        self.bounds.get(i).map(|&b| Decimal::new(b, self.scale))
    }

    /// `(le, cumulative count)` per bucket, `+Inf` (`None`) last.
    pub fn cumulative(&self) -> impl Iterator<Item = (Option<Decimal>, u64)> + '_ {
        let mut acc = 0u64;
        self.counts.iter().enumerate().map(move |(i, &c)| {
            acc = acc.wrapping_add(c);
            (self.bound(i), acc)
        })
    }

    /// The sum as an exact decimal.
    pub fn sum_decimal(&self) -> Decimal {
        Decimal::new(self.sum, self.scale)
    }
}

/// An exemplar: a trace that one of the counted observations belongs to.
/// Only OpenMetrics output carries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exemplar<'a> {
    /// Usually one `trace_id` label (and maybe `span_id`).
    pub labels: &'a [Label<'a>],
    /// The observed value (seconds for latency histograms, 1 for counters).
    pub value: Decimal,
    /// For histograms: the index of the bucket the observation fell in.
    pub bucket: Option<usize>,
}

/// A series' value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeriesValue<'a> {
    /// Counter value.
    Counter(u64),
    /// Gauge value.
    Gauge(i64),
    /// Histogram state.
    Histogram(HistogramSample<'a>),
    /// A counter with decimal places, `value × 10^-scale` (CPU time kept
    /// in nanoseconds and exported in seconds, say). Scale at most 19.
    ScaledCounter {
        /// The digits.
        value: u64,
        /// Decimal places.
        scale: u8,
    },
    /// A gauge with decimal places, `value × 10^-scale`. Scale at most 19.
    ScaledGauge {
        /// The digits, signed.
        value: i64,
        /// Decimal places.
        scale: u8,
    },
}

/// One series of the current family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Series<'a> {
    /// Its labels, in a fixed order per family.
    pub labels: &'a [Label<'a>],
    /// Its value.
    pub value: SeriesValue<'a>,
    /// An exemplar, if one was recorded.
    pub exemplar: Option<Exemplar<'a>>,
}

/// Receives families and series from a [`Source`].
pub trait Visitor {
    /// What stops the walk (a write error, say).
    type Error;
    /// A new family starts; its series follow.
    fn family(&mut self, family: &FamilyDesc<'_>) -> Result<(), Self::Error>;
    /// A series of the last family.
    fn series(&mut self, series: &Series<'_>) -> Result<(), Self::Error>;
}

impl<V: Visitor + ?Sized> Visitor for &mut V {
    type Error = V::Error;
    fn family(&mut self, family: &FamilyDesc<'_>) -> Result<(), Self::Error> {
        (**self).family(family)
    }
    fn series(&mut self, series: &Series<'_>) -> Result<(), Self::Error> {
        (**self).series(series)
    }
}

/// Something that can be walked: the live [`registry`](crate::registry()) or
/// an owned [`Snapshot`](crate::Snapshot).
pub trait Source {
    /// Whether every family, label and unit name this source hands out
    /// already follows SPEC's grammar (`[a-zA-Z_:][a-zA-Z0-9_:]*` for
    /// families, `[a-zA-Z_][a-zA-Z0-9_]*` for labels and units), so that
    /// encoders may write names as they are instead of checking and
    /// sanitising each one. Only a source whose names cannot be anything
    /// else may say `true`; an encoder that trusts a wrong `true` writes
    /// output a parser rejects. The default, `false`, is always safe.
    ///
    /// The live registry says `true`: its names are constants of this
    /// crate or were checked when the metric was declared.
    const VALID_NAMES: bool = false;

    /// Whether any of its series may carry an [`Exemplar`]. A source that
    /// never has one says `false`, so that encoders can leave their
    /// exemplar code out of a program; an exemplar from a source that says
    /// `false` is left out. The default, `true`, is always safe.
    ///
    /// The live registry says `false` without the `std` feature, where
    /// there is no trace context to take exemplars from.
    const EXEMPLARS: bool = true;

    /// Whether any of its series may have a scaled value
    /// ([`SeriesValue::ScaledCounter`] or [`SeriesValue::ScaledGauge`]). A
    /// source that never has one says `false`, so that encoders can leave
    /// that code out; a scaled value from a source that says `false` is
    /// left out with its series. The default, `true`, is always safe.
    const SCALED_VALUES: bool = true;

    /// Calls `visitor` for every family and series, families in a stable
    /// order, each family once.
    fn visit<V: Visitor + ?Sized>(&self, visitor: &mut V) -> Result<(), V::Error>;
}

impl<S: Source + ?Sized> Source for &S {
    const VALID_NAMES: bool = S::VALID_NAMES;
    const EXEMPLARS: bool = S::EXEMPLARS;
    const SCALED_VALUES: bool = S::SCALED_VALUES;

    fn visit<V: Visitor + ?Sized>(&self, visitor: &mut V) -> Result<(), V::Error> {
        (**self).visit(visitor)
    }
}

/// What an erased walk stops with; the real error is kept by [`Erased`].
#[derive(Debug)]
pub(crate) struct Stop;

/// Any visitor behind one `dyn Visitor` type, so that the registry walk is
/// compiled once rather than once per visitor type (on a microcontroller
/// every copy costs flash). The visitor's own error is kept here.
pub(crate) struct Erased<'a, V: Visitor + ?Sized> {
    inner: &'a mut V,
    error: Option<V::Error>,
}

impl<'a, V: Visitor + ?Sized> Erased<'a, V> {
    pub(crate) fn new(inner: &'a mut V) -> Self {
        Self { inner, error: None }
    }

    /// The outcome of a walk that returned `walked`.
    pub(crate) fn finish(self, walked: Result<(), Stop>) -> Result<(), V::Error> {
        match (walked, self.error) {
            (Err(Stop), Some(e)) => Err(e),
            // `Stop` only comes with an error; without one, nothing failed.
            _ => Ok(()),
        }
    }
}

// Not inlined: the walk calls these from many places, and when only one
// visitor type is linked (a firmware) the compiler would otherwise copy the
// error handling into every one of them.
impl<V: Visitor + ?Sized> Visitor for Erased<'_, V> {
    type Error = Stop;
    #[inline(never)]
    fn family(&mut self, family: &FamilyDesc<'_>) -> Result<(), Stop> {
        self.inner.family(family).map_err(|e| {
            self.error = Some(e);
            Stop
        })
    }
    #[inline(never)]
    fn series(&mut self, series: &Series<'_>) -> Result<(), Stop> {
        self.inner.series(series).map_err(|e| {
            self.error = Some(e);
            Stop
        })
    }
}

/// The visitor type the registry walk is compiled for.
pub(crate) type DynVisitor<'a> = dyn Visitor<Error = Stop> + 'a;
