//! `Histogram`: counts of values per bucket, with their sum.

use super::MetricFamily;
use super::names::check_family_name;
use crate::buckets::{Buckets, MAX_BUCKETS, bucket_index};
use crate::registry::{MetricNode, RegisterError, register_metric};
use crate::visit::{FamilyDesc, HistogramSample, MetricKind, Series, SeriesValue};
use core::mem::MaybeUninit;
use core::ptr;
use portable_atomic::{AtomicU64, Ordering::Relaxed};

/// The atomics of one histogram series: `N` finite buckets, `+Inf`, the
/// sum. Also the latency storage of every instrumented function.
#[derive(Debug)]
pub struct HistogramCell<const N: usize> {
    buckets: [AtomicU64; N],
    inf: AtomicU64,
    sum: AtomicU64,
}

impl<const N: usize> Default for HistogramCell<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> HistogramCell<N> {
    /// Empty.
    pub const fn new() -> Self {
        Self {
            buckets: [const { AtomicU64::new(0) }; N],
            inf: AtomicU64::new(0),
            sum: AtomicU64::new(0),
        }
    }

    /// Counts `value` in the first bucket whose bound is at or above it.
    #[inline(always)]
    pub(crate) fn observe(&self, bounds: &[u64], value: u64) {
        let i = bucket_index(bounds, value);
        self.buckets
            .get(i)
            .unwrap_or(&self.inf)
            .fetch_add(1, Relaxed);
        self.sum.fetch_add(value, Relaxed);
    }
}

/// Stack space for one histogram's per-bucket counts while it is read:
/// not zeroed first (on a microcontroller that would link `memset` for a
/// few hundred bytes that are overwritten anyway); [`ReadHistogram::read`]
/// hands back the part it wrote.
pub(crate) type CountsBuf = [MaybeUninit<u64>; MAX_BUCKETS + 1];

/// An empty [`CountsBuf`].
#[inline(always)]
pub(crate) const fn counts_buf() -> CountsBuf {
    [const { MaybeUninit::uninit() }; MAX_BUCKETS + 1]
}

/// Copying a histogram's counts out, whatever its `N`.
pub(crate) trait ReadHistogram: Sync {
    /// Writes per-bucket counts (finite, then `+Inf`) into the start of
    /// `out` (as many as fit); returns them and the sum.
    fn read<'o>(&self, out: &'o mut [MaybeUninit<u64>]) -> (&'o mut [u64], u64);
}

#[cfg(omnimetrics_striped)]
impl<const N: usize> HistogramCell<N> {
    /// Adds (wrapping) the per-bucket counts, finite then `+Inf`, to `out`
    /// (as many as fit); returns the sum. For summing stripes.
    pub(crate) fn read_add(&self, out: &mut [u64]) -> u64 {
        for (slot, b) in out.iter_mut().zip(self.buckets.iter().chain([&self.inf])) {
            *slot = slot.wrapping_add(b.load(Relaxed));
        }
        self.sum.load(Relaxed)
    }
}

impl<const N: usize> ReadHistogram for HistogramCell<N> {
    fn read<'o>(&self, out: &'o mut [MaybeUninit<u64>]) -> (&'o mut [u64], u64) {
        // Indexed rather than a chain of iterators: half the code on a
        // microcontroller.
        let (written, _) = out.split_at_mut((N + 1).min(out.len()));
        for (i, slot) in written.iter_mut().enumerate() {
            slot.write(self.buckets.get(i).unwrap_or(&self.inf).load(Relaxed));
        }
        // SAFETY: the loop above wrote each element of `written`, and
        // `MaybeUninit<u64>` has the layout of `u64`.
        let written = unsafe { &mut *(ptr::from_mut(written) as *mut [u64]) };
        (written, self.sum.load(Relaxed))
    }
}

/// A histogram series with its bucket boundaries: what a
/// [`HistogramVec`](super::HistogramVec) hands out per label set.
#[derive(Debug, Clone, Copy)]
pub struct HistogramRef<const N: usize> {
    pub(crate) cell: &'static HistogramCell<N>,
    pub(crate) buckets: &'static Buckets<N>,
}

impl<const N: usize> HistogramRef<N> {
    /// Records a value in the buckets' unit (nanoseconds for latency).
    #[inline]
    pub fn observe(&self, value: u64) {
        self.cell.observe(self.buckets.bounds(), value);
    }

    /// Records a duration (for latency buckets, built from seconds).
    #[inline]
    pub fn observe_duration(&self, d: core::time::Duration) {
        self.observe(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Starts timing with the global [clock](crate::clock); the duration is
    /// recorded when the timer is dropped or stopped (not at all when there
    /// is no clock).
    pub fn start_timer(&self) -> Timer<N> {
        Timer {
            target: *self,
            start: crate::clock::now(),
        }
    }

    /// `(per-bucket counts, sum)` as the exporter sees them.
    pub fn get(&self) -> ([u64; MAX_BUCKETS + 1], u64) {
        let mut buf = counts_buf();
        let (counts, sum) = self.cell.read(&mut buf);
        let mut out = [0; MAX_BUCKETS + 1];
        for (o, &c) in out.iter_mut().zip(counts.iter()) {
            *o = c;
        }
        (out, sum)
    }
}

/// Times a scope into a histogram; see [`Histogram::start_timer`].
#[derive(Debug)]
#[must_use = "the duration is recorded when the timer is dropped"]
pub struct Timer<const N: usize> {
    target: HistogramRef<N>,
    start: Option<u64>,
}

impl<const N: usize> Timer<N> {
    /// Records now.
    pub fn stop_and_record(self) {}

    /// Records nothing.
    pub fn stop_and_discard(mut self) {
        self.start = None;
    }
}

impl<const N: usize> Drop for Timer<N> {
    fn drop(&mut self) {
        if let (Some(s), Some(e)) = (self.start, crate::clock::now()) {
            self.target.observe(e.saturating_sub(s));
        }
    }
}

/// A histogram without labels, like the `prometheus` crate's `Histogram`.
///
/// ```
/// use omnimetrics::Buckets;
/// use omnimetrics::metrics::Histogram;
///
/// static SIZES: Histogram<3> =
///     Histogram::new("payload_bytes", "Payload sizes.", Buckets::from_integers([64, 512, 4096]));
/// SIZES.observe(100);
/// SIZES.observe(10_000);
/// let (counts, sum) = SIZES.get();
/// assert_eq!(&counts[..4], &[0, 1, 0, 1]);
/// assert_eq!(sum, 10_100);
/// ```
#[derive(Debug)]
pub struct Histogram<const N: usize> {
    node: MetricNode,
    name: &'static str,
    help: &'static str,
    buckets: Buckets<N>,
    cell: HistogramCell<N>,
}

impl<const N: usize> Histogram<N> {
    /// A histogram named `name` over `buckets`. Invalid names do not compile.
    pub const fn new(name: &'static str, help: &'static str, buckets: Buckets<N>) -> Self {
        check_family_name(name);
        Self {
            node: MetricNode::new(),
            name,
            help,
            buckets,
            cell: HistogramCell::new(),
        }
    }

    #[inline(always)]
    fn series(&'static self) -> HistogramRef<N> {
        if !self.node.is_settled() {
            let _ = self.register();
        }
        HistogramRef {
            cell: &self.cell,
            buckets: &self.buckets,
        }
    }

    /// Records a value in the buckets' unit.
    #[inline]
    pub fn observe(&'static self, value: u64) {
        self.series().observe(value);
    }

    /// Records a duration.
    #[inline]
    pub fn observe_duration(&'static self, d: core::time::Duration) {
        self.series().observe_duration(d);
    }

    /// Starts a [`Timer`].
    pub fn start_timer(&'static self) -> Timer<N> {
        self.series().start_timer()
    }

    /// `(per-bucket counts, sum)`; counts beyond `N + 1` are zero.
    pub fn get(&'static self) -> ([u64; MAX_BUCKETS + 1], u64) {
        HistogramRef {
            cell: &self.cell,
            buckets: &self.buckets,
        }
        .get()
    }

    /// Exports the histogram now (otherwise on first use).
    pub fn register(&'static self) -> Result<(), RegisterError> {
        register_metric(&self.node, self)
    }
}

impl<const N: usize> MetricFamily for Histogram<N> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn describe(&self) -> FamilyDesc<'static> {
        FamilyDesc {
            name: self.name,
            help: self.help,
            kind: MetricKind::Histogram,
            unit: None,
        }
    }
    fn each_series(&self, f: &mut dyn FnMut(&Series<'_>) -> bool) {
        let mut buf = counts_buf();
        let (counts, sum) = self.cell.read(&mut buf);
        f(&Series {
            labels: &[],
            value: SeriesValue::Histogram(HistogramSample {
                bounds: self.buckets.bounds(),
                scale: self.buckets.scale(),
                counts,
                sum,
            }),
            exemplar: None,
        });
    }
}
