//! The caller context: which instrumented function is running right now.
//!
//! `caller_function` is the nearest *instrumented* function up the stack.
//! Each instrumented call saves the current value, puts itself in, and puts
//! the saved value back when it returns, so the context is a stack kept in
//! the callers' own frames. On `std` the current value is per thread; on
//! `no_std` targets it is one global, which is right for the single-threaded
//! programs (with interrupts, which nest and restore) such targets run. Async
//! functions set it around each poll (see [`Instrumented`]), so it survives
//! `.await` and does not leak into tasks spawned from inside.
//!
//! [`Instrumented`]: crate::__private::Instrumented

use crate::function::FunctionDesc;
use core::ptr;

#[cfg(feature = "std")]
mod imp {
    use super::*;
    use core::cell::Cell;

    std::thread_local! {
        static CURRENT: Cell<*const FunctionDesc> = const { Cell::new(ptr::null()) };
    }

    #[inline]
    pub(crate) fn replace(new: *const FunctionDesc) -> *const FunctionDesc {
        // `try_with` fails only while the thread is being torn down; then
        // there is no caller to report and nothing to restore.
        CURRENT.try_with(|c| c.replace(new)).unwrap_or(ptr::null())
    }

    #[inline]
    pub(crate) fn current() -> *const FunctionDesc {
        CURRENT.try_with(Cell::get).unwrap_or(ptr::null())
    }
}

/// This thread's stripe of every function's hot counters (see
/// `function::STRIPES`): threads are numbered round-robin on their first
/// instrumented call.
#[cfg(omnimetrics_striped)]
#[inline(always)]
pub(crate) fn stripe_index() -> usize {
    use core::cell::Cell;
    use portable_atomic::{AtomicUsize, Ordering};

    const UNSET: usize = usize::MAX;
    std::thread_local! {
        static STRIPE: Cell<usize> = const { Cell::new(UNSET) };
    }
    static NEXT: AtomicUsize = AtomicUsize::new(0);

    #[cold]
    #[inline(never)]
    fn assign(cell: &Cell<usize>) -> usize {
        let i = NEXT.fetch_add(1, Ordering::Relaxed) % crate::function::STRIPES;
        cell.set(i);
        i
    }

    // `try_with` fails only during thread teardown: any stripe will do.
    STRIPE
        .try_with(|cell| match cell.get() {
            UNSET => assign(cell),
            i => i,
        })
        .unwrap_or(0)
}

#[cfg(not(feature = "std"))]
mod imp {
    use super::*;
    // Plain loads and stores only, which every target has natively (also
    // thumbv6m): `core`'s atomic, not `portable-atomic`'s, whose loads and
    // stores take a critical section where it emulates compare-and-swap.
    use core::sync::atomic::{AtomicPtr, Ordering};

    static CURRENT: AtomicPtr<FunctionDesc> = AtomicPtr::new(ptr::null_mut());

    #[inline]
    pub(crate) fn replace(new: *const FunctionDesc) -> *const FunctionDesc {
        // A load and a store, not a swap: thumbv6m has no atomic swap, and an
        // interrupt that runs between the two restores what it changed
        // before returning, so nothing is lost.
        let prev = CURRENT.load(Ordering::Relaxed);
        CURRENT.store(new.cast_mut(), Ordering::Relaxed);
        prev
    }

    #[inline]
    pub(crate) fn current() -> *const FunctionDesc {
        CURRENT.load(Ordering::Relaxed)
    }
}

pub(crate) use imp::{current, replace};

/// The function running now, if it is instrumented.
///
/// ```
/// #[omnimetrics::autometrics]
/// fn outer() -> &'static str {
///     omnimetrics::current_function().map(|f| f.name()).unwrap_or("")
/// }
/// assert_eq!(outer(), "outer");
/// assert!(omnimetrics::current_function().is_none());
/// ```
pub fn current_function() -> Option<&'static FunctionDesc> {
    let p = current();
    // SAFETY: the context only ever holds null or pointers made from
    // `&'static FunctionDesc` by `__private::Call`.
    unsafe { p.as_ref() }
}
