//! An owned copy of every family and series, for hosts and tests.
//!
//! The live registry is read by visiting; a host that receives metrics from
//! a device, a test that checks exact totals, or a dashboard that keeps
//! history needs a value it can keep, compare, serialise and visit again.
//! That is a [`Snapshot`]: plain vectors and strings, with serde.

use crate::Decimal;
use crate::visit::{
    Exemplar, FamilyDesc, HistogramSample, Label, MetricKind, Series, SeriesValue, Source, Visitor,
};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::convert::Infallible;
use serde::{Deserialize, Serialize};

/// Every family and series at one moment.
///
/// ```
/// use omnimetrics::Snapshot;
///
/// #[omnimetrics::autometrics]
/// fn add(a: u32, b: u32) -> Result<u32, &'static str> {
///     a.checked_add(b).ok_or("overflow")
/// }
/// add(1, 2).unwrap();
/// add(u32::MAX, 1).unwrap_err();
///
/// let snap = Snapshot::capture(&omnimetrics::registry());
/// let calls = |result| snap.counter_sum("function_calls", &[("function", "add"), ("result", result)]);
/// assert_eq!(calls("ok"), 1);
/// assert_eq!(calls("error"), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Families in visit order.
    pub families: Vec<FamilySnapshot>,
}

/// One family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilySnapshot {
    /// Family name (counters without `_total`).
    pub name: String,
    /// Help text.
    pub help: String,
    /// Type.
    pub kind: MetricKind,
    /// Unit suffix, if any.
    pub unit: Option<String>,
    /// Its series.
    pub series: Vec<SeriesSnapshot>,
}

/// One series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesSnapshot {
    /// `(name, value)` pairs in order.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: ValueSnapshot,
    /// An exemplar, if any.
    pub exemplar: Option<ExemplarSnapshot>,
}

/// A series' value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ValueSnapshot {
    /// Counter.
    Counter(u64),
    /// Gauge.
    Gauge(i64),
    /// Histogram.
    Histogram(HistogramSnapshot),
    /// Counter with decimal places, `value × 10^-scale`.
    ScaledCounter {
        /// The digits.
        value: u64,
        /// Decimal places.
        scale: u8,
    },
    /// Gauge with decimal places, `value × 10^-scale`.
    ScaledGauge {
        /// The digits, signed.
        value: i64,
        /// Decimal places.
        scale: u8,
    },
}

/// A histogram's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramSnapshot {
    /// Finite boundaries in units of `10^-scale`.
    pub bounds: Vec<u64>,
    /// Decimal places of bounds and sum.
    pub scale: u8,
    /// Per-bucket counts, `+Inf` last (`bounds.len() + 1` of them).
    pub counts: Vec<u64>,
    /// Sum of observations.
    pub sum: u64,
}

/// An exemplar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemplarSnapshot {
    /// Its labels.
    pub labels: Vec<(String, String)>,
    /// Observed value, `mantissa × 10^-scale`.
    pub value: (u64, u8),
    /// Bucket index, for histograms.
    pub bucket: Option<usize>,
}

impl ValueSnapshot {
    /// The value as a visitor sees it (borrowing the histogram's vectors).
    pub fn as_value(&self) -> SeriesValue<'_> {
        match self {
            ValueSnapshot::Counter(c) => SeriesValue::Counter(*c),
            ValueSnapshot::Gauge(g) => SeriesValue::Gauge(*g),
            ValueSnapshot::Histogram(h) => SeriesValue::Histogram(HistogramSample {
                bounds: &h.bounds,
                scale: h.scale,
                counts: &h.counts,
                sum: h.sum,
            }),
            ValueSnapshot::ScaledCounter { value, scale } => SeriesValue::ScaledCounter {
                value: *value,
                scale: *scale,
            },
            ValueSnapshot::ScaledGauge { value, scale } => SeriesValue::ScaledGauge {
                value: *value,
                scale: *scale,
            },
        }
    }
}

impl HistogramSnapshot {
    /// The total count (wrapping, as the counters themselves do: a decoded
    /// snapshot may hold any numbers).
    pub fn count(&self) -> u64 {
        self.counts.iter().fold(0, |sum, &c| sum.wrapping_add(c))
    }
}

impl SeriesSnapshot {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether every `(name, value)` of `filter` is among its labels.
    pub fn matches(&self, filter: &[(&str, &str)]) -> bool {
        filter.iter().all(|(n, v)| self.label(n) == Some(*v))
    }
}

impl Snapshot {
    /// Copies everything `source` holds now.
    pub fn capture<S: Source + ?Sized>(source: &S) -> Self {
        let mut builder = Builder::default();
        let Ok(()) = source.visit(&mut builder);
        Snapshot {
            families: builder.families,
        }
    }

    /// The family called `name` (counters without `_total`).
    pub fn family(&self, name: &str) -> Option<&FamilySnapshot> {
        self.families.iter().find(|f| f.name == name)
    }

    /// The series of family `name` whose labels include all of `filter`.
    pub fn series<'a>(
        &'a self,
        name: &str,
        filter: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a SeriesSnapshot> + 'a {
        self.family(name)
            .into_iter()
            .flat_map(|f| &f.series)
            .filter(move |s| s.matches(filter))
    }

    /// The sum of the counter series of family `name` matching `filter`.
    pub fn counter_sum(&self, name: &str, filter: &[(&str, &str)]) -> u64 {
        self.series(name, filter)
            .map(|s| match s.value {
                ValueSnapshot::Counter(v) => v,
                _ => 0,
            })
            .sum()
    }

    /// The histogram series of family `name` matching `filter`.
    pub fn histograms<'a>(
        &'a self,
        name: &str,
        filter: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a HistogramSnapshot> + 'a {
        self.series(name, filter).filter_map(|s| match &s.value {
            ValueSnapshot::Histogram(h) => Some(h),
            _ => None,
        })
    }
}

#[derive(Default)]
struct Builder {
    families: Vec<FamilySnapshot>,
}

fn owned_labels(labels: &[Label<'_>]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|l| (l.name.to_string(), l.value.to_string()))
        .collect()
}

impl Visitor for Builder {
    type Error = Infallible;

    fn family(&mut self, f: &FamilyDesc<'_>) -> Result<(), Infallible> {
        self.families.push(FamilySnapshot {
            name: f.name.to_string(),
            help: f.help.to_string(),
            kind: f.kind,
            unit: f.unit.map(ToString::to_string),
            series: Vec::new(),
        });
        Ok(())
    }

    fn series(&mut self, s: &Series<'_>) -> Result<(), Infallible> {
        let value = match s.value {
            SeriesValue::Counter(v) => ValueSnapshot::Counter(v),
            SeriesValue::Gauge(v) => ValueSnapshot::Gauge(v),
            SeriesValue::Histogram(h) => ValueSnapshot::Histogram(HistogramSnapshot {
                bounds: h.bounds.to_vec(),
                scale: h.scale,
                counts: h.counts.to_vec(),
                sum: h.sum,
            }),
            SeriesValue::ScaledCounter { value, scale } => {
                ValueSnapshot::ScaledCounter { value, scale }
            }
            SeriesValue::ScaledGauge { value, scale } => {
                ValueSnapshot::ScaledGauge { value, scale }
            }
        };
        let exemplar = s.exemplar.map(|e| ExemplarSnapshot {
            labels: owned_labels(e.labels),
            value: (e.value.mantissa, e.value.scale),
            bucket: e.bucket,
        });
        // A series before any family has nowhere to go; sources never do that.
        if let Some(f) = self.families.last_mut() {
            f.series.push(SeriesSnapshot {
                labels: owned_labels(s.labels),
                value,
                exemplar,
            });
        }
        Ok(())
    }
}

impl Source for Snapshot {
    fn visit<V: Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        let mut labels: Vec<Label<'_>> = Vec::new();
        let mut ex_labels: Vec<Label<'_>> = Vec::new();
        for f in &self.families {
            v.family(&FamilyDesc {
                name: &f.name,
                help: &f.help,
                kind: f.kind,
                unit: f.unit.as_deref(),
            })?;
            for s in &f.series {
                labels.clear();
                labels.extend(s.labels.iter().map(|(n, v)| Label::new(n, v)));
                ex_labels.clear();
                let exemplar = s.exemplar.as_ref().map(|e| {
                    ex_labels.extend(e.labels.iter().map(|(n, v)| Label::new(n, v)));
                    (Decimal::new(e.value.0, e.value.1), e.bucket)
                });
                let value = s.value.as_value();
                v.series(&Series {
                    labels: &labels,
                    value,
                    exemplar: exemplar.map(|(value, bucket)| Exemplar {
                        labels: &ex_labels,
                        value,
                        bucket,
                    }),
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::HistogramSnapshot;
    use alloc::vec;

    #[test]
    fn count_of_arbitrary_decoded_counts_wraps_instead_of_panicking() {
        let h = HistogramSnapshot {
            bounds: vec![1],
            scale: 0,
            counts: vec![u64::MAX, 2],
            sum: 0,
        };
        assert_eq!(h.count(), 1);
    }
}
