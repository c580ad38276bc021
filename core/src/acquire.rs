//! Atomic loads (and, without compare-and-swap, stores) that link no panic
//! path and no critical section where code size matters.
//!
//! `portable-atomic`'s `load` checks its ordering argument (a `Release`
//! load panics). Built for size (a wasm module, a Cortex-M0 firmware) the
//! compiler does not inline it, and as soon as one atomic type is loaded
//! with two orderings the check and its panic message are linked. Where it
//! emulates compare-and-swap with a critical section (thumbv6m), its loads
//! take one too, out of line. So on 32-bit and smaller targets a load is
//! written here as a plain load through `core`'s atomic of the same
//! address (every target loads 8- and 32-bit values atomically, and
//! `portable-atomic`'s emulated operations do their one store of a value
//! inside their critical section, so a load sees it before or after), and
//! an acquire load is that and an acquire fence, which synchronises with
//! the same release stores. On 64-bit targets (servers, where the clock's
//! load is on every instrumented call) it stays one acquire load: on
//! aarch64 an `ldar`, not an `ldr` and a barrier.
//!
//! Where `portable-atomic` emulates compare-and-swap, code that holds the
//! critical section it would take for each operation (registering a
//! function) stores through `core`'s atomics too.

use portable_atomic::{AtomicBool, AtomicPtr, AtomicU8, Ordering};

/// `$atomic.load(Acquire)`, as the module docs explain.
macro_rules! acquire {
    ($atomic:expr, $plain:ident) => {{
        #[cfg(target_pointer_width = "64")]
        let value = $atomic.load(Ordering::Acquire);
        #[cfg(not(target_pointer_width = "64"))]
        let value = {
            let value = plain::$plain($atomic);
            portable_atomic::fence(Ordering::Acquire);
            value
        };
        value
    }};
}

/// `p.load(Acquire)`.
#[inline(always)]
pub(crate) fn ptr<T>(p: &AtomicPtr<T>) -> *mut T {
    acquire!(p, ptr)
}

/// `v.load(Acquire)`.
#[inline(always)]
pub(crate) fn u8(v: &AtomicU8) -> u8 {
    acquire!(v, u8)
}

/// `flag.load(Acquire)`.
#[inline(always)]
pub(crate) fn bool(flag: &AtomicBool) -> bool {
    acquire!(flag, bool)
}

/// `v.load(Relaxed)`, as the module docs explain.
#[inline(always)]
pub(crate) fn relaxed_u8(v: &AtomicU8) -> u8 {
    #[cfg(target_pointer_width = "64")]
    return v.load(Ordering::Relaxed);
    #[cfg(not(target_pointer_width = "64"))]
    plain::u8(v)
}

/// `p.load(Relaxed)`, as the module docs explain.
#[inline(always)]
pub(crate) fn relaxed_ptr<T>(p: &AtomicPtr<T>) -> *mut T {
    #[cfg(target_pointer_width = "64")]
    return p.load(Ordering::Relaxed);
    #[cfg(not(target_pointer_width = "64"))]
    plain::ptr(p)
}

/// `p.store(value, Release)` through `core`'s atomic, inside a critical
/// section (see the module docs).
#[cfg(not(target_has_atomic = "ptr"))]
#[inline(always)]
pub(crate) fn store_ptr_in_section<T>(p: &AtomicPtr<T>, value: *mut T) {
    // SAFETY: as in `plain::u8`; `portable-atomic`'s own operations on it
    // run in the critical section the caller holds, so none is half done.
    unsafe { core::sync::atomic::AtomicPtr::from_ptr(p.as_ptr()) }.store(value, Ordering::Release)
}

/// `v.store(value, Release)`, as [`store_ptr_in_section`].
#[cfg(not(target_has_atomic = "ptr"))]
#[inline(always)]
pub(crate) fn store_u8_in_section(v: &AtomicU8, value: u8) {
    // SAFETY: as in `store_ptr_in_section`.
    unsafe { core::sync::atomic::AtomicU8::from_ptr(v.as_ptr()) }.store(value, Ordering::Release)
}

/// Relaxed loads through `core`'s atomics (see the module docs).
#[cfg(not(target_pointer_width = "64"))]
mod plain {
    use core::sync::atomic::{self, Ordering::Relaxed};
    use portable_atomic::{AtomicBool, AtomicPtr, AtomicU8};

    #[inline(always)]
    pub(super) fn u8(v: &AtomicU8) -> u8 {
        // SAFETY: `as_ptr` is the address of a live atomic of the size and
        // alignment of `core`'s, for as long as the borrow; it is only ever
        // accessed atomically, and `portable-atomic`'s operations are
        // compatible with a concurrent atomic load (see the module docs).
        unsafe { atomic::AtomicU8::from_ptr(v.as_ptr()) }.load(Relaxed)
    }

    #[inline(always)]
    pub(super) fn ptr<T>(p: &AtomicPtr<T>) -> *mut T {
        // SAFETY: as in `u8`.
        unsafe { atomic::AtomicPtr::from_ptr(p.as_ptr()) }.load(Relaxed)
    }

    #[inline(always)]
    pub(super) fn bool(flag: &AtomicBool) -> bool {
        // SAFETY: as in `u8`.
        unsafe { atomic::AtomicBool::from_ptr(flag.as_ptr()) }.load(Relaxed)
    }
}
