//! The list of everything that exports metrics.
//!
//! Two intrusive, push-only, lock-free lists of statics: instrumented
//! functions, and user-defined metrics. A node is pushed once (on first use,
//! or before `main` where the platform runs constructors) and never removed,
//! so a compare-and-swap on the head is all the synchronisation needed, and
//! readers can walk the list while others push.

use crate::function::{CLAIMED, FunctionDesc, REGISTERED, UNREGISTERED};
use crate::metrics::MetricFamily;
use core::cell::UnsafeCell;
use core::fmt;
use core::ptr;
use portable_atomic::{AtomicPtr, AtomicU8, Ordering};

static FUNCTIONS: AtomicPtr<FunctionDesc> = AtomicPtr::new(ptr::null_mut());
static METRICS: AtomicPtr<MetricNode> = AtomicPtr::new(ptr::null_mut());

/// Adds an instrumented function to the registry (idempotent). The macro
/// calls it on a function's first call, and before `main` on platforms with
/// constructors (Linux, Android, the BSDs, macOS, iOS and Windows) so that a
/// function is exported at zero before it is first called.
#[doc(hidden)]
#[cold]
#[inline(never)]
pub fn register_function(desc: &'static FunctionDesc) {
    let link = desc.storage().link();
    let node = ptr::from_ref(desc).cast_mut();
    // Without compare-and-swap (a Cortex-M0), `portable-atomic` takes a
    // critical section for each one; one section for the whole push is
    // less code and less time with interrupts off.
    #[cfg(not(target_has_atomic = "ptr"))]
    critical_section::with(|_| {
        use crate::acquire::{relaxed_ptr, relaxed_u8, store_ptr_in_section, store_u8_in_section};
        if relaxed_u8(&link.state) == UNREGISTERED {
            store_ptr_in_section(&link.next, relaxed_ptr(&FUNCTIONS));
            store_ptr_in_section(&FUNCTIONS, node);
            store_u8_in_section(&link.state, REGISTERED);
        }
    });
    #[cfg(target_has_atomic = "ptr")]
    {
        if link
            .state
            .compare_exchange(UNREGISTERED, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let mut head = FUNCTIONS.load(Ordering::Relaxed);
        loop {
            link.next.store(head, Ordering::Relaxed);
            match FUNCTIONS.compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
        link.state.store(REGISTERED, Ordering::Release);
    }
}

/// Every registered instrumented function, newest first.
pub fn functions() -> impl Iterator<Item = &'static FunctionDesc> + Clone {
    let mut next = crate::acquire::ptr(&FUNCTIONS).cast_const();
    core::iter::from_fn(move || {
        // SAFETY: the list holds only addresses of `&'static FunctionDesc`,
        // published with Release after their `next` was written.
        let desc: &'static FunctionDesc = unsafe { next.as_ref() }?;
        next = crate::acquire::ptr(&desc.storage().link().next).cast_const();
        Some(desc)
    })
}

/// The registration slot inside every user-defined metric.
#[doc(hidden)]
pub(crate) struct MetricNode {
    next: AtomicPtr<MetricNode>,
    state: AtomicU8,
    this: UnsafeCell<Option<&'static dyn MetricFamily>>,
}

impl fmt::Debug for MetricNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricNode")
            .field(
                "registered",
                &(self.state.load(Ordering::Relaxed) == REGISTERED),
            )
            .finish()
    }
}

// SAFETY: `this` is written once by the thread that claimed the node, before
// the node is published with Release; it is only read after an Acquire load
// observed the node in the list or the REGISTERED state.
unsafe impl Sync for MetricNode {}

const REJECTED: u8 = 3;

impl MetricNode {
    pub(crate) const fn new() -> Self {
        Self {
            next: AtomicPtr::new(ptr::null_mut()),
            state: AtomicU8::new(UNREGISTERED),
            this: UnsafeCell::new(None),
        }
    }

    #[inline(always)]
    pub(crate) fn is_settled(&self) -> bool {
        self.state.load(Ordering::Relaxed) >= REGISTERED
    }

    fn family(&self) -> Option<&'static dyn MetricFamily> {
        // SAFETY: see the `Sync` impl; callers reached this node through the
        // list (Acquire) so the write is visible.
        unsafe { *self.this.get() }
    }
}

/// Why a metric was not registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterError {
    /// Another registered metric has the same family name; this one is not
    /// exported (a family must appear once).
    DuplicateName(&'static str),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateName(n) => write!(
                f,
                "a metric named `{n}` is already registered; give each static metric its own name"
            ),
        }
    }
}

impl core::error::Error for RegisterError {}

/// Registers a user metric. Idempotent for the same metric.
pub(crate) fn register_metric(
    node: &'static MetricNode,
    family: &'static dyn MetricFamily,
) -> Result<(), RegisterError> {
    if node
        .state
        .compare_exchange(UNREGISTERED, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        // Registered, rejected, or being registered by another thread.
        let state = crate::acquire::u8(&node.state);
        return match state {
            REJECTED => Err(RegisterError::DuplicateName(family.name())),
            _ => Ok(()),
        };
    }
    let name = family.name();
    // Two threads registering two metrics of the same name at the same
    // moment could both pass this check; it is a programming error either
    // way, and the encoders still see both families.
    if metric_families().any(|m| m.name() == name) {
        node.state.store(REJECTED, Ordering::Release);
        return Err(RegisterError::DuplicateName(name));
    }
    // SAFETY: the CAS above made this thread the only writer; no reader sees
    // the node before it is published below.
    unsafe { *node.this.get() = Some(family) };
    let me = ptr::from_ref(node).cast_mut();
    let mut head = METRICS.load(Ordering::Relaxed);
    loop {
        node.next.store(head, Ordering::Relaxed);
        match METRICS.compare_exchange_weak(head, me, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => break,
            Err(now) => head = now,
        }
    }
    node.state.store(REGISTERED, Ordering::Release);
    Ok(())
}

/// Every registered user metric, newest first.
pub(crate) fn metric_families() -> impl Iterator<Item = &'static dyn MetricFamily> {
    let mut next = crate::acquire::ptr(&METRICS).cast_const();
    core::iter::from_fn(move || {
        // SAFETY: the list holds only addresses of `&'static MetricNode`.
        let node: &'static MetricNode = unsafe { next.as_ref() }?;
        next = crate::acquire::ptr(&node.next).cast_const();
        node.family()
    })
}
