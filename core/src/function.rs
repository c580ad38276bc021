//! The storage of one instrumented function.
//!
//! The `#[autometrics]` macro emits two statics per function: a
//! [`FunctionDesc`] (names, objective, buckets: immutable, so it stays in
//! flash on a microcontroller) and a [`FunctionMetrics`] (the atomics, in
//! RAM). All of a description but the name is a [`SharedDesc`] constant,
//! one for the functions of a module instrumented alike. The description
//! points at the metrics: the hot path is handed
//! the description (as a [`TypedDesc`], which knows the metrics' type, so
//! each call site passes one address), and the registry and the metrics'
//! caller tables hold descriptions.
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
use core::marker::PhantomData;
use core::mem::MaybeUninit;
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
    /// Everything else the attribute says, shared with the functions of
    /// the same module instrumented alike (see [`SharedDesc`]).
    shared: &'static SharedDesc,
    storage: &'static dyn FunctionStorage,
    #[cfg(feature = "result-labels")]
    labels: Option<&'static dyn VariantStorage>,
}

impl fmt::Debug for FunctionDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionDesc")
            .field("name", &self.name)
            .field("module", &self.module())
            .field("package", &self.package().name)
            .field("objective", &self.objective().map(Objective::name))
            .finish_non_exhaustive()
    }
}

/// The part of a [`FunctionDesc`] that the functions of one module
/// instrumented alike have in common: module, package, objective, buckets
/// and concurrency tracking.
///
/// The macro hands [`FunctionDesc::typed`] a reference to a constant, and
/// an optimised build keeps one copy of equal constants (LLVM merges
/// them; nothing relies on it but the size): most functions of a module
/// share one, and a description is a name and two addresses (20 bytes on
/// a microcontroller, where the descriptions are a good part of the
/// library's flash, instead of 40).
#[doc(hidden)]
#[derive(Debug)]
pub struct SharedDesc {
    module: &'static str,
    package: &'static PackageInfo,
    objective: Option<&'static Objective>,
    bounds: &'static [u64],
    track_concurrency: bool,
}

impl SharedDesc {
    /// What functions instrumented alike in `module` share.
    pub const fn new(
        module: &'static str,
        package: &'static PackageInfo,
        objective: Option<&'static Objective>,
        bounds: &'static [u64],
        track_concurrency: bool,
    ) -> Self {
        Self {
            module,
            package,
            objective,
            bounds,
            track_concurrency,
        }
    }
}

impl FunctionDesc {
    /// The description of a function whose counts live in `storage`.
    /// `shared`'s bounds must be `N` long (checked, at compile time in a
    /// static).
    #[doc(hidden)]
    pub const fn typed<const C: usize, const N: usize>(
        name: &'static str,
        shared: &'static SharedDesc,
        storage: &'static FunctionMetrics<C, N>,
    ) -> TypedDesc<C, N> {
        assert!(
            shared.bounds.len() == N,
            "the bucket bounds do not match the function's storage"
        );
        TypedDesc {
            desc: Self {
                name,
                shared,
                storage,
                #[cfg(feature = "result-labels")]
                labels: None,
            },
            metrics: PhantomData,
        }
    }

    /// The `function` label: the name as written, `Type::method` for methods.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The `module` label: `module_path!()` where the function is defined.
    pub const fn module(&self) -> &'static str {
        self.shared.module
    }
    /// The package the function was compiled in.
    pub const fn package(&self) -> &'static PackageInfo {
        self.shared.package
    }
    /// The objective the function counts towards, if any.
    pub const fn objective(&self) -> Option<&'static Objective> {
        self.shared.objective
    }
    /// Latency bucket boundaries, in nanoseconds.
    pub const fn bounds(&self) -> &'static [u64] {
        self.shared.bounds
    }
    /// Whether `function_calls_concurrent` is exported for it.
    pub const fn tracks_concurrency(&self) -> bool {
        self.shared.track_concurrency
    }
    pub(crate) fn storage(&self) -> &'static dyn FunctionStorage {
        self.storage
    }
    #[cfg(feature = "result-labels")]
    pub(crate) fn labels(&self) -> Option<&'static dyn VariantStorage> {
        self.labels
    }
    /// The `service_name` label of this function's series.
    pub fn service_name(&self) -> &'static str {
        crate::service::service_name_for(self.package())
    }
}

/// Type-erased access to a [`FunctionMetrics`] of any capacity.
pub(crate) trait FunctionStorage: Sync {
    fn link(&self) -> &Link;
    fn view(&self) -> FunctionView<'_>;
}

/// A [`FunctionDesc`] that knows the type of its storage, so that the hot
/// path is handed one address (this) and finds the storage from it; the
/// macro's static. Only [`FunctionDesc::typed`] makes one, which is what
/// makes that sound.
#[doc(hidden)]
#[repr(transparent)]
pub struct TypedDesc<const C: usize, const N: usize> {
    desc: FunctionDesc,
    metrics: PhantomData<&'static FunctionMetrics<C, N>>,
}

impl<const C: usize, const N: usize> TypedDesc<C, N> {
    /// The untyped description.
    #[inline(always)]
    pub const fn desc(&self) -> &FunctionDesc {
        &self.desc
    }

    /// The storage `typed` was given.
    #[inline(always)]
    pub(crate) fn metrics(&self) -> &'static FunctionMetrics<C, N> {
        let storage: *const dyn FunctionStorage = self.desc.storage;
        // SAFETY: `FunctionDesc::typed`, the only maker of a `TypedDesc`,
        // set `storage` to a `&'static FunctionMetrics<C, N>`, and nothing
        // changes it afterwards.
        unsafe { &*storage.cast::<FunctionMetrics<C, N>>() }
    }

    /// Counts this function's `result_labels` in `table`.
    #[cfg(feature = "result-labels")]
    pub const fn with_result_labels(mut self, table: &'static dyn VariantStorage) -> Self {
        self.desc.labels = Some(table);
        self
    }

    /// Without the `result-labels` feature: fails the build, saying so.
    #[cfg(not(feature = "result-labels"))]
    #[track_caller]
    pub const fn with_result_labels(self, _: &'static dyn VariantStorage) -> Self {
        panic!(
            "`#[autometrics(result_labels)]` needs the `result-labels` feature of omnimetrics (a default feature)"
        )
    }
}

impl<const C: usize, const N: usize> core::ops::Deref for TypedDesc<C, N> {
    type Target = FunctionDesc;

    #[inline(always)]
    fn deref(&self) -> &FunctionDesc {
        &self.desc
    }
}

impl<const C: usize, const N: usize> fmt::Debug for TypedDesc<C, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.desc.fmt(f)
    }
}

/// What visiting reads of one function's counts, whatever its capacity
/// and however many stripes hold them.
pub(crate) trait ReadCounts: Sync {
    /// `[ok, error]` of row `i`: 0 is the root (no caller), 1 to the
    /// capacity are the caller slots, anything after is the overflow slot.
    /// (One method, not three: the visit loop reads every row the same way,
    /// and each capacity in a program has its own copy of these.)
    fn row(&self, i: usize) -> [u64; 2];
    /// Per-bucket counts (finite, then `+Inf`) into the start of `out`;
    /// them, and the sum.
    fn histogram<'o>(&self, out: &'o mut [MaybeUninit<u64>]) -> (&'o [u64], u64);
    /// Calls running now.
    fn concurrent(&self) -> usize;
}

/// Borrowed access to one function's atomics, for visiting.
pub(crate) struct FunctionView<'a> {
    pub(crate) keys: &'a [AtomicPtr<FunctionDesc>],
    pub(crate) counts: &'a dyn ReadCounts,
    #[cfg(feature = "std")]
    pub(crate) exemplar: &'a crate::exemplar::ExemplarSlot,
}

/// The intrusive registry link of a function (see [`registry`](crate::registry)).
#[derive(Debug)]
pub(crate) struct Link {
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
        crate::acquire::relaxed_u8(&self.state) == REGISTERED
    }
}

/// How many copies ("stripes") of its hot counters a function keeps.
///
/// On `std` targets with 64-bit pointers (servers), threads are spread
/// round-robin over [`STRIPES`] cache-padded copies of the result counters,
/// the histogram and the concurrency gauge, so that threads calling the
/// same function do not fight over the same cache lines; visiting sums
/// the stripes. Elsewhere (microcontrollers, wasm) RAM matters more than
/// cores: one stripe, no padding.
#[cfg(omnimetrics_striped)]
pub(crate) const STRIPES: usize = 8;
/// See above: one stripe where RAM matters more than cores.
#[cfg(not(omnimetrics_striped))]
pub(crate) const STRIPES: usize = 1;

/// One copy of a function's hot counters. On servers each stripe owns its
/// cache lines (128 bytes: the x86_64 prefetcher fetches lines in pairs,
/// and some aarch64 cores have 128-byte lines).
#[derive(Debug)]
#[cfg_attr(omnimetrics_striped, repr(align(128)))]
struct Stripe<const C: usize, const N: usize> {
    /// `[ok, error]` for calls with no instrumented caller.
    root: [AtomicU64; 2],
    /// `[ok, error]` per caller slot (see `FunctionMetrics::keys`).
    counts: [[AtomicU64; 2]; C],
    /// `[ok, error]` for calls whose caller did not fit.
    overflow: [AtomicU64; 2],
    histogram: HistogramCell<N>,
    /// Entries minus exits seen by this stripe (wrapping: a call may enter
    /// on one thread and leave on another); the gauge is the sum.
    concurrent: AtomicUsize,
}

impl<const C: usize, const N: usize> Stripe<C, N> {
    const fn new() -> Self {
        Self {
            root: [const { AtomicU64::new(0) }; 2],
            counts: [const { [const { AtomicU64::new(0) }; 2] }; C],
            overflow: [const { AtomicU64::new(0) }; 2],
            histogram: HistogramCell::new(),
            concurrent: AtomicUsize::new(0),
        }
    }
}

/// The atomics of one instrumented function: `C` caller slots and `N`
/// latency buckets. Emitted as a `static` by the macro.
///
/// Per-caller counts live in a small fixed table: callers are claimed by
/// compare-and-swap on the address of their description (`keys`, shared by
/// all stripes), counted in the same slot of every stripe.
#[derive(Debug)]
pub struct FunctionMetrics<const C: usize, const N: usize> {
    stripes: [Stripe<C, N>; STRIPES],
    /// Callers by address of their description; null = free.
    keys: [AtomicPtr<FunctionDesc>; C],
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
            stripes: [const { Stripe::new() }; STRIPES],
            keys: [const { AtomicPtr::new(ptr::null_mut()) }; C],
            link: Link::new(),
            #[cfg(feature = "std")]
            exemplar: crate::exemplar::ExemplarSlot::new(),
        }
    }

    /// This thread's stripe.
    #[inline(always)]
    fn stripe(&self) -> &Stripe<C, N> {
        // `stripe_index` is below `STRIPES`; the modulo lets the compiler
        // drop the bounds check (a mask, as `STRIPES` is a power of two).
        #[cfg(omnimetrics_striped)]
        {
            &self.stripes[crate::context::stripe_index() % STRIPES]
        }
        #[cfg(not(omnimetrics_striped))]
        {
            &self.stripes[0]
        }
    }

    #[inline]
    pub(crate) fn enter_concurrent(&self) {
        self.stripe().concurrent.fetch_add(1, Relaxed);
    }

    #[inline]
    pub(crate) fn exit_concurrent(&self) {
        self.stripe().concurrent.fetch_sub(1, Relaxed);
    }

    /// The caller slot of `caller`, claimed on first sight; `None` when
    /// the table is full.
    #[inline(always)]
    fn slot_of(&self, caller: *const FunctionDesc) -> Option<usize> {
        let caller = caller.cast_mut();
        // On servers, where the hot path is inlined into every function, a
        // known caller is found here and claiming is out of line (it happens
        // once per caller). Slots are claimed in order and never freed, so
        // the scan stops at the first free slot. Small targets go straight
        // to the one shared loop.
        #[cfg(target_pointer_width = "64")]
        {
            let mut i = 0;
            while i < C {
                let key = crate::acquire::relaxed_ptr(&self.keys[i]);
                if key == caller {
                    return Some(i);
                }
                if key.is_null() {
                    return self.claim(caller, i);
                }
                i += 1;
            }
            // Every slot is taken by another caller: the overflow slot.
            None
        }
        #[cfg(not(target_pointer_width = "64"))]
        self.claim(caller, 0)
    }

    /// Looks for `caller` from slot `from` on (the slots before it are
    /// taken by other callers), claiming the first free slot.
    #[cfg_attr(target_pointer_width = "64", cold, inline(never))]
    fn claim(&self, caller: *mut FunctionDesc, from: usize) -> Option<usize> {
        let mut i = from;
        while i < C {
            let key = crate::acquire::relaxed_ptr(&self.keys[i]);
            if key == caller {
                return Some(i);
            }
            if key.is_null() {
                match self.keys[i].compare_exchange(ptr::null_mut(), caller, Relaxed, Relaxed) {
                    Ok(_) => return Some(i),
                    Err(won) if won == caller => return Some(i),
                    Err(_) => {}
                }
            }
            i += 1;
        }
        None
    }

    /// Counts a finished call (by caller and result, or in the labelled
    /// table), its duration and exemplar, and ends its in-progress count
    /// when the function tracks concurrency: one stripe lookup for all.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    pub(crate) fn record(
        desc: &TypedDesc<C, N>,
        caller: *const FunctionDesc,
        is_err: bool,
        label: Option<&'static str>,
        duration: Option<u64>,
    ) {
        #[cfg(feature = "result-labels")]
        let labelled = match (label, desc.labels) {
            (Some(l), Some(table)) => table.count_call(caller, is_err, l),
            _ => false,
        };
        #[cfg(not(feature = "result-labels"))]
        let labelled = {
            let _ = label;
            false
        };
        let this = desc.metrics();
        let stripe = this.stripe();
        if desc.tracks_concurrency() {
            stripe.concurrent.fetch_sub(1, Relaxed);
        }
        if !labelled {
            let r = is_err as usize;
            let cell = if caller.is_null() {
                &stripe.root[r]
            } else {
                match this.slot_of(caller).and_then(|i| stripe.counts.get(i)) {
                    Some(c) => &c[r],
                    None => &stripe.overflow[r],
                }
            };
            cell.fetch_add(1, Relaxed);
        }
        if let Some(d) = duration {
            stripe.histogram.observe(desc.bounds(), d);
        }
        #[cfg(feature = "std")]
        if let Some(trace) = crate::exemplar::current() {
            this.exemplar.record(&crate::exemplar::Recorded {
                trace,
                duration_ns: duration.unwrap_or(u64::MAX),
                caller: caller as usize,
                is_err,
            });
        }
    }

    #[inline(always)]
    fn sum2(&self, f: impl Fn(&Stripe<C, N>) -> &[AtomicU64; 2]) -> [u64; 2] {
        #[cfg(omnimetrics_striped)]
        {
            let mut out = [0u64; 2];
            for s in &self.stripes {
                let [ok, err] = load2(f(s));
                out[0] = out[0].wrapping_add(ok);
                out[1] = out[1].wrapping_add(err);
            }
            out
        }
        #[cfg(not(omnimetrics_striped))]
        {
            load2(f(&self.stripes[0]))
        }
    }
}

/// One `[ok, error]` pair of counters; one shared copy, as reading is not
/// the hot path (and a 64-bit load is a critical section on some
/// microcontrollers).
#[inline(never)]
fn load2(c: &[AtomicU64; 2]) -> [u64; 2] {
    [c[0].load(Relaxed), c[1].load(Relaxed)]
}

impl<const C: usize, const N: usize> ReadCounts for FunctionMetrics<C, N> {
    fn row(&self, i: usize) -> [u64; 2] {
        self.sum2(|s| match i.checked_sub(1) {
            None => &s.root,
            Some(slot) => s.counts.get(slot).unwrap_or(&s.overflow),
        })
    }

    fn histogram<'o>(&self, out: &'o mut [MaybeUninit<u64>]) -> (&'o [u64], u64) {
        #[cfg(omnimetrics_striped)]
        {
            let (counts, mut sum) = self.stripes[0].histogram.read(out);
            for s in &self.stripes[1..] {
                sum = sum.wrapping_add(s.histogram.read_add(counts));
            }
            (counts, sum)
        }
        #[cfg(not(omnimetrics_striped))]
        {
            let (counts, sum) = self.stripes[0].histogram.read(out);
            (counts, sum)
        }
    }

    fn concurrent(&self) -> usize {
        #[cfg(omnimetrics_striped)]
        {
            let sum = self
                .stripes
                .iter()
                .fold(0usize, |a, s| a.wrapping_add(s.concurrent.load(Relaxed)));
            // An async call that entered on one stripe and left on another,
            // read between the two stripes, can make the sum dip below zero
            // for one read; a gauge of running calls shows 0 then.
            if (sum as isize) < 0 { 0 } else { sum }
        }
        #[cfg(not(omnimetrics_striped))]
        {
            self.stripes[0].concurrent.load(Relaxed)
        }
    }
}

impl<const C: usize, const N: usize> FunctionStorage for FunctionMetrics<C, N> {
    fn link(&self) -> &Link {
        &self.link
    }

    fn view(&self) -> FunctionView<'_> {
        FunctionView {
            keys: &self.keys,
            counts: self,
            #[cfg(feature = "std")]
            exemplar: &self.exemplar,
        }
    }
}

impl FunctionView<'_> {
    /// Copies the bucket counts (finite ones, then `+Inf`) into the start
    /// of `out` and returns them and the sum.
    pub(crate) fn histogram<'o>(&self, out: &'o mut [MaybeUninit<u64>]) -> (&'o [u64], u64) {
        self.counts.histogram(out)
    }

    pub(crate) fn concurrent(&self) -> usize {
        self.counts.concurrent()
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

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::Snapshot;
    use std::vec::Vec;

    #[crate::autometrics(track_concurrency)]
    fn striped(n: u64) -> Result<u64, u64> {
        if n.is_multiple_of(5) { Err(n) } else { Ok(n) }
    }

    #[test]
    fn more_threads_than_stripes_keep_every_count() {
        let threads = STRIPES as u64 * 2 + 1;
        let per_thread: u64 = if cfg!(miri) { 50 } else { 1_000 };
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::spawn(move || {
                    for n in 0..per_thread {
                        let _ = striped(n);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let snap = Snapshot::capture(&crate::registry());
        let calls = |result| {
            snap.counter_sum(
                "function_calls",
                &[("function", "striped"), ("result", result)],
            )
        };
        assert_eq!(calls("error"), threads * per_thread / 5);
        assert_eq!(calls("ok"), threads * per_thread * 4 / 5);
        let h = snap
            .histograms(
                "function_calls_duration_seconds",
                &[("function", "striped")],
            )
            .next()
            .expect("histogram");
        assert_eq!(h.count(), threads * per_thread);
        let running = snap
            .series("function_calls_concurrent", &[("function", "striped")])
            .next()
            .map(|s| s.value.clone());
        assert_eq!(running, Some(crate::ValueSnapshot::Gauge(0)));
    }

    #[test]
    fn a_description_is_a_name_and_two_addresses() {
        // `name`, `shared`, `storage` (a data and a vtable address), and
        // with `result-labels` the labelled table's two.
        let words = if cfg!(feature = "result-labels") {
            7
        } else {
            5
        };
        assert_eq!(
            core::mem::size_of::<FunctionDesc>(),
            words * core::mem::size_of::<usize>()
        );
        assert_eq!(
            core::mem::size_of::<TypedDesc<4, 14>>(),
            core::mem::size_of::<FunctionDesc>()
        );
    }

    #[test]
    fn shared_parts_read_through() {
        #[crate::autometrics(track_concurrency)]
        fn shared_a() {}
        #[crate::autometrics]
        fn shared_b() {}
        shared_a();
        shared_b();
        let find = |name| crate::functions().find(|f| f.name() == name).unwrap();
        let (a, b) = (find("shared_a"), find("shared_b"));
        assert_eq!(a.module(), module_path!());
        assert_eq!(b.module(), module_path!());
        assert!(a.tracks_concurrency() && !b.tracks_concurrency());
        // Equal, not necessarily one address (each use of a constant may
        // be its own copy; Miri makes them so).
        assert_eq!(a.bounds(), b.bounds());
        assert_eq!(a.bounds(), crate::DEFAULT_BUCKETS.bounds());
        assert!(a.objective().is_none());
        assert_eq!(a.package().name, "omnimetrics");
    }

    #[test]
    fn gauge_sum_never_goes_below_zero() {
        static M: FunctionMetrics<1, 1> = FunctionMetrics::new();
        // Entered on the last stripe, left on the first, read in between.
        M.stripes[0].concurrent.fetch_sub(1, Relaxed);
        assert_eq!(ReadCounts::concurrent(&M), 0);
        M.stripes[STRIPES - 1].concurrent.fetch_add(1, Relaxed);
        assert_eq!(ReadCounts::concurrent(&M), 0);
        M.stripes[0].concurrent.fetch_add(2, Relaxed);
        assert_eq!(ReadCounts::concurrent(&M), 2);
    }
}
