//! The storage of one instrumented function.
//!
//! The `#[autometrics]` macro emits two statics per function: a
//! [`FunctionDesc`] (names, objective, buckets: immutable, so it stays in
//! flash on a microcontroller) and a [`FunctionMetrics`] (the atomics, in
//! RAM). They point at each other: the hot path uses the metrics directly,
//! the registry reaches the metrics through the description.
//!
//! Per-caller counts live in a small fixed table claimed by compare-and-swap
//! on the caller's address (no hashing, no lock). Callers beyond its capacity
//! are counted in an overflow slot, exported with `caller_function="(other)"`,
//! so totals are never lost.

use crate::metrics::{HistogramCell, ReadHistogram};
use crate::objective::Objective;
use crate::service::PackageInfo;
use crate::variant::VariantStorage;
use core::fmt;
use core::ptr;
use portable_atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// How many distinct callers a function tracks by default (more go to the
/// overflow slot). Smaller on 32-bit targets, where RAM is scarce.
pub const DEFAULT_CALLERS: usize = if cfg!(target_pointer_width = "64") {
    8
} else {
    4
};

/// The `caller_function` / `caller_module` value of the overflow slot.
pub const OVERFLOW_CALLER: &str = "(other)";

/// The description of an instrumented function: what it is called and what
/// it promises. Created by the macro; read it through
/// [`current_function`](crate::current_function) or a [`Visitor`](crate::visit::Visitor).
pub struct FunctionDesc {
    name: &'static str,
    module: &'static str,
    package: &'static PackageInfo,
    objective: Option<&'static Objective>,
    bounds: &'static [u64],
    track_concurrency: bool,
    storage: &'static dyn FunctionStorage,
    labels: Option<&'static dyn VariantStorage>,
}

impl fmt::Debug for FunctionDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionDesc")
            .field("name", &self.name)
            .field("module", &self.module)
            .field("package", &self.package.name)
            .field("objective", &self.objective.map(Objective::name))
            .finish_non_exhaustive()
    }
}

impl FunctionDesc {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        name: &'static str,
        module: &'static str,
        package: &'static PackageInfo,
        objective: Option<&'static Objective>,
        bounds: &'static [u64],
        track_concurrency: bool,
        storage: &'static dyn FunctionStorage,
        labels: Option<&'static dyn VariantStorage>,
    ) -> Self {
        Self {
            name,
            module,
            package,
            objective,
            bounds,
            track_concurrency,
            storage,
            labels,
        }
    }

    /// The `function` label: the name as written, `Type::method` for methods.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The `module` label: `module_path!()` where the function is defined.
    pub const fn module(&self) -> &'static str {
        self.module
    }
    /// The package the function was compiled in.
    pub const fn package(&self) -> &'static PackageInfo {
        self.package
    }
    /// The objective the function counts towards, if any.
    pub const fn objective(&self) -> Option<&'static Objective> {
        self.objective
    }
    /// Latency bucket boundaries, in nanoseconds.
    pub const fn bounds(&self) -> &'static [u64] {
        self.bounds
    }
    /// Whether `function_calls_concurrent` is exported for it.
    pub const fn tracks_concurrency(&self) -> bool {
        self.track_concurrency
    }
    pub(crate) fn storage(&self) -> &'static dyn FunctionStorage {
        self.storage
    }
    pub(crate) fn labels(&self) -> Option<&'static dyn VariantStorage> {
        self.labels
    }
    /// The `service_name` label of this function's series.
    pub fn service_name(&self) -> &'static str {
        crate::service::service_name_for(self.package)
    }
}

/// Type-erased access to a [`FunctionMetrics`] of any capacity.
#[doc(hidden)]
pub trait FunctionStorage: Sync {
    fn link(&self) -> &Link;
    fn view(&self) -> FunctionView<'_>;
}

/// Borrowed slices over one function's atomics, for visiting.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct FunctionView<'a> {
    pub(crate) root: &'a [AtomicU64; 2],
    pub(crate) keys: &'a [AtomicPtr<FunctionDesc>],
    pub(crate) counts: &'a [[AtomicU64; 2]],
    pub(crate) overflow: &'a [AtomicU64; 2],
    pub(crate) histogram: &'a dyn ReadHistogram,
    pub(crate) concurrent: &'a AtomicUsize,
    #[cfg(feature = "std")]
    pub(crate) exemplar: &'a crate::exemplar::ExemplarSlot,
}

/// The intrusive registry link of a function (see [`registry`](crate::registry)).
#[doc(hidden)]
#[derive(Debug)]
pub struct Link {
    pub(crate) next: AtomicPtr<FunctionDesc>,
    pub(crate) state: AtomicU8,
}

pub(crate) const UNREGISTERED: u8 = 0;
pub(crate) const CLAIMED: u8 = 1;
pub(crate) const REGISTERED: u8 = 2;

impl Link {
    const fn new() -> Self {
        Self {
            next: AtomicPtr::new(ptr::null_mut()),
            state: AtomicU8::new(UNREGISTERED),
        }
    }

    #[inline]
    pub(crate) fn is_registered(&self) -> bool {
        self.state.load(Relaxed) == REGISTERED
    }
}

/// Result counters per caller.
#[derive(Debug)]
pub(crate) struct CallerTable<const C: usize> {
    /// `[ok, error]` for calls with no instrumented caller.
    root: [AtomicU64; 2],
    /// Callers by address of their description; null = free.
    keys: [AtomicPtr<FunctionDesc>; C],
    counts: [[AtomicU64; 2]; C],
    /// `[ok, error]` for calls whose caller did not fit.
    overflow: [AtomicU64; 2],
}

impl<const C: usize> CallerTable<C> {
    const fn new() -> Self {
        Self {
            root: [const { AtomicU64::new(0) }; 2],
            keys: [const { AtomicPtr::new(ptr::null_mut()) }; C],
            counts: [const { [const { AtomicU64::new(0) }; 2] }; C],
            overflow: [const { AtomicU64::new(0) }; 2],
        }
    }

    /// The counter for a call from `caller` with this outcome.
    #[inline]
    fn cell(&self, caller: *const FunctionDesc, is_err: bool) -> &AtomicU64 {
        let r = is_err as usize;
        if caller.is_null() {
            return &self.root[r];
        }
        let caller = caller.cast_mut();
        let mut i = 0;
        while i < C {
            let key = self.keys[i].load(Relaxed);
            if key == caller {
                return &self.counts[i][r];
            }
            if key.is_null() {
                match self.keys[i].compare_exchange(ptr::null_mut(), caller, Relaxed, Relaxed) {
                    Ok(_) => return &self.counts[i][r],
                    Err(won) if won == caller => return &self.counts[i][r],
                    Err(_) => {}
                }
            }
            i += 1;
        }
        &self.overflow[r]
    }
}

/// The atomics of one instrumented function: `C` caller slots and `N`
/// latency buckets. Emitted as a `static` by the macro.
#[derive(Debug)]
pub struct FunctionMetrics<const C: usize, const N: usize> {
    calls: CallerTable<C>,
    histogram: HistogramCell<N>,
    concurrent: AtomicUsize,
    pub(crate) link: Link,
    #[cfg(feature = "std")]
    exemplar: crate::exemplar::ExemplarSlot,
}

impl<const C: usize, const N: usize> Default for FunctionMetrics<C, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize, const N: usize> FunctionMetrics<C, N> {
    /// Zeroed storage.
    pub const fn new() -> Self {
        Self {
            calls: CallerTable::new(),
            histogram: HistogramCell::new(),
            concurrent: AtomicUsize::new(0),
            link: Link::new(),
            #[cfg(feature = "std")]
            exemplar: crate::exemplar::ExemplarSlot::new(),
        }
    }

    #[inline]
    pub(crate) fn enter_concurrent(&self) {
        self.concurrent.fetch_add(1, Relaxed);
    }

    #[inline]
    pub(crate) fn exit_concurrent(&self) {
        self.concurrent.fetch_sub(1, Relaxed);
    }

    #[inline]
    pub(crate) fn record(
        &self,
        desc: &FunctionDesc,
        caller: *const FunctionDesc,
        is_err: bool,
        label: Option<&'static str>,
        duration: Option<u64>,
    ) {
        let labelled = match (label, desc.labels) {
            (Some(l), Some(table)) => table.count_call(caller, is_err, l),
            _ => false,
        };
        if !labelled {
            self.calls.cell(caller, is_err).fetch_add(1, Relaxed);
        }
        if let Some(d) = duration {
            self.histogram.observe(desc.bounds, d);
        }
        #[cfg(feature = "std")]
        if let Some(trace) = crate::exemplar::current() {
            self.exemplar.record(&crate::exemplar::Recorded {
                trace,
                duration_ns: duration.unwrap_or(u64::MAX),
                caller: caller as usize,
                is_err,
            });
        }
    }
}

impl<const C: usize, const N: usize> FunctionStorage for FunctionMetrics<C, N> {
    fn link(&self) -> &Link {
        &self.link
    }

    fn view(&self) -> FunctionView<'_> {
        FunctionView {
            root: &self.calls.root,
            keys: &self.calls.keys,
            counts: &self.calls.counts,
            overflow: &self.calls.overflow,
            histogram: &self.histogram,
            concurrent: &self.concurrent,
            #[cfg(feature = "std")]
            exemplar: &self.exemplar,
        }
    }
}

impl FunctionView<'_> {
    /// `(caller, [ok, error])` for every slot with a caller, plus the root
    /// (caller `None`) first; the overflow slot is separate.
    pub(crate) fn callers(
        &self,
    ) -> impl Iterator<Item = (Option<&'static FunctionDesc>, [u64; 2])> + '_ {
        let root = core::iter::once((None, load2(self.root)));
        let slots = self.keys.iter().zip(self.counts).filter_map(|(k, c)| {
            // SAFETY: keys hold null or addresses of `&'static FunctionDesc`.
            let desc = unsafe { k.load(Relaxed).cast_const().as_ref() }?;
            Some((Some(desc), load2(c)))
        });
        root.chain(slots)
    }

    pub(crate) fn overflow(&self) -> [u64; 2] {
        load2(self.overflow)
    }

    /// Copies the bucket counts (finite ones, then `+Inf`) into `out` and
    /// returns how many were written and the sum.
    pub(crate) fn histogram(&self, out: &mut [u64]) -> (usize, u64) {
        self.histogram.read(out)
    }

    pub(crate) fn concurrent(&self) -> usize {
        self.concurrent.load(Relaxed)
    }

    /// The last exemplar recorded, if any.
    pub(crate) fn exemplar(&self) -> Option<crate::exemplar::Recorded> {
        #[cfg(feature = "std")]
        {
            self.exemplar.read()
        }
        #[cfg(not(feature = "std"))]
        {
            None
        }
    }
}

fn load2(c: &[AtomicU64; 2]) -> [u64; 2] {
    [c[0].load(Relaxed), c[1].load(Relaxed)]
}
