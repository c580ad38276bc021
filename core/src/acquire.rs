//! Acquire loads that link no panic path where code size matters.
//!
//! `portable-atomic`'s `load` checks its ordering argument (a `Release`
//! load panics). Built for size (a wasm module, a Cortex-M0 firmware) the
//! compiler does not inline it, and as soon as one atomic type is loaded
//! with two orderings the check and its panic message are linked. So on
//! 32-bit and smaller targets an acquire load is written here as a relaxed
//! load and an acquire fence, which synchronises with the same release
//! stores, and every other load of the crate is relaxed: the compiler sees
//! one constant ordering. On 64-bit targets (servers, where the clock's
//! load is on every instrumented call) it stays one acquire load: on
//! aarch64 an `ldar`, not an `ldr` and a barrier.

use portable_atomic::{AtomicBool, AtomicPtr, AtomicU8, Ordering};

/// `$atomic.load(Acquire)`, as the module docs explain.
macro_rules! acquire {
    ($atomic:expr) => {{
        #[cfg(target_pointer_width = "64")]
        let value = $atomic.load(Ordering::Acquire);
        #[cfg(not(target_pointer_width = "64"))]
        let value = {
            let value = $atomic.load(Ordering::Relaxed);
            portable_atomic::fence(Ordering::Acquire);
            value
        };
        value
    }};
}

/// `p.load(Acquire)`.
#[inline(always)]
pub(crate) fn ptr<T>(p: &AtomicPtr<T>) -> *mut T {
    acquire!(p)
}

/// `v.load(Acquire)`.
#[inline(always)]
pub(crate) fn u8(v: &AtomicU8) -> u8 {
    acquire!(v)
}

/// `flag.load(Acquire)`.
#[inline(always)]
pub(crate) fn bool(flag: &AtomicBool) -> bool {
    acquire!(flag)
}
