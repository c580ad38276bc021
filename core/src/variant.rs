//! Opt-in `ok` / `error` labels naming the variant a function returned.
//!
//! `#[autometrics(result_labels)]` adds, to each call's series, the name of
//! the returned value's variant (`error="NotFound"`) when its type
//! implements [`ResultLabel`] (derive it). Names are `&'static str` chosen
//! by the type, so cardinality is bounded by construction.
//!
//! Counts go to a small table per function keyed by (caller, result,
//! label). A key is claimed once, inside a `critical-section` (the only
//! place two words must be written together); after that, finding it is a
//! lock-free scan. When the table is full the call is counted in the
//! function's plain series, without the label, so totals stay exact.

use crate::function::FunctionDesc;
use crate::rows::{Caller, LabelledRow};
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::ptr;
use portable_atomic::{AtomicBool, AtomicU64, Ordering};

/// A value that names itself for the `ok` / `error` label.
///
/// Derive it on an enum: each variant reports its name, or the text given
/// with `#[result_label = "..."]`; `#[result_label(skip)]` reports none.
///
/// ```
/// use omnimetrics::ResultLabel;
///
/// #[derive(ResultLabel)]
/// enum ApiError {
///     NotFound,
///     #[result_label = "bad_input"]
///     Invalid(String),
///     #[result_label(skip)]
///     Other { code: u16 },
/// }
/// assert_eq!(ApiError::NotFound.result_label(), Some("NotFound"));
/// assert_eq!(ApiError::Invalid("x".into()).result_label(), Some("bad_input"));
/// assert_eq!(ApiError::Other { code: 1 }.result_label(), None);
/// ```
pub trait ResultLabel {
    /// The label value for this value, if any.
    fn result_label(&self) -> Option<&'static str>;
}

/// How many distinct (caller, result, label) keys a function with
/// `result_labels` tracks.
pub const DEFAULT_LABELLED_SERIES: usize = 8;

/// A slot's key: caller (null for none), whether the call failed, label.
type Key = (*const FunctionDesc, bool, &'static str);

struct Slot {
    ready: AtomicBool,
    /// Uninitialised until the slot is claimed: an empty table is then all
    /// zero bytes, which a static keeps in `.bss` (no flash, no data
    /// segment of the `.wasm`), where an initial `""` would not be.
    key: UnsafeCell<MaybeUninit<Key>>,
    count: AtomicU64,
}

/// The per-function table of labelled counts. Emitted by the macro.
pub struct VariantTable<const M: usize> {
    slots: [Slot; M],
}

impl<const M: usize> core::fmt::Debug for VariantTable<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VariantTable")
            .field("capacity", &M)
            .finish_non_exhaustive()
    }
}

// SAFETY: a slot's `key` is written once, inside a critical section, while
// `ready` is false, and read only after `ready` was observed true with
// Acquire (stored with Release after the write). The raw pointer in it
// points to an immutable `'static FunctionDesc`.
unsafe impl<const M: usize> Sync for VariantTable<M> {}

impl<const M: usize> Default for VariantTable<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const M: usize> VariantTable<M> {
    /// Empty.
    pub const fn new() -> Self {
        Self {
            slots: [const {
                Slot {
                    ready: AtomicBool::new(false),
                    key: UnsafeCell::new(MaybeUninit::uninit()),
                    count: AtomicU64::new(0),
                }
            }; M],
        }
    }

    /// Counts one call; `false` when the table is full (count it elsewhere).
    pub(crate) fn count(
        &self,
        caller: *const FunctionDesc,
        is_err: bool,
        label: &'static str,
    ) -> bool {
        let slot = crate::claim::find_or_claim(
            &self.slots,
            |s| &s.ready,
            |s| {
                // SAFETY: claimed slots only (see `find_or_claim`) and the
                // `Sync` impl.
                let (c, e, l) = unsafe { (*s.key.get()).assume_init() };
                // Labels come from a derive as `&'static str` literals: the
                // same pointer settles most comparisons.
                c == caller && e == is_err && (ptr::eq(l, label) || l == label)
            },
            |s| {
                // SAFETY: the only claimer, inside the critical section;
                // readers ignore the slot until it is published.
                unsafe { (*s.key.get()).write((caller, is_err, label)) };
            },
        );
        match slot {
            Some(s) => {
                s.count.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// Type-erased reading of a [`VariantTable`], for visiting.
#[doc(hidden)]
pub trait VariantStorage: Sync {
    /// Entry `i`: `None` past the end, `Some(None)` while unused. (A
    /// program without `result_labels` has no table, so this reading is
    /// not linked into it; the walks' loops that call it are.)
    fn row(&self, i: usize) -> Option<Option<LabelledRow>>;
    fn count_call(&self, caller: *const FunctionDesc, is_err: bool, label: &'static str) -> bool;
}

impl<const M: usize> VariantStorage for VariantTable<M> {
    fn row(&self, i: usize) -> Option<Option<LabelledRow>> {
        let s = self.slots.get(i)?;
        if !crate::acquire::bool(&s.ready) {
            return Some(None);
        }
        // SAFETY: see the `Sync` impl (a ready slot's key was written).
        let (c, e, l) = unsafe { (*s.key.get()).assume_init() };
        Some(Some(LabelledRow {
            // SAFETY: the caller is null or a `&'static FunctionDesc`.
            caller: unsafe { c.as_ref() }.map_or(Caller::Root, Caller::Function),
            is_err: e,
            label: l,
            count: s.count.load(Ordering::Relaxed),
        }))
    }
    fn count_call(&self, caller: *const FunctionDesc, is_err: bool, label: &'static str) -> bool {
        self.count(caller, is_err, label)
    }
}

/// The parts of a return value that can carry a label (see `result.rs` for
/// how the probes choose).
#[doc(hidden)]
#[derive(Debug)]
pub enum Split<A, B, C> {
    Ok(A),
    Err(B),
    Other(C),
}

/// A type with no label, for the arms that cannot happen.
#[doc(hidden)]
#[derive(Debug)]
pub enum Unlabelled {}
