//! Deciding whether a call succeeded, from its return value.
//!
//! The macro cannot see types, only tokens: `Result<T, E>`, `io::Result<T>`
//! and `type ApiResult = ...` all look different. So it emits a method call
//! on `&&Probe(&value)` and lets method resolution pick: the impl for
//! `&Probe<Result<T, E>>` matches first when the value is a `Result`
//! (checking `is_err`); otherwise auto-deref reaches the impl for
//! `Probe<T>`, which says "ok". This resolves at compile time, at the call
//! site, where the concrete type is known.

/// Wraps a reference to a return value for classification.
#[doc(hidden)]
#[derive(Debug)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// Chosen for `Result` values.
#[doc(hidden)]
pub trait ProbeResult {
    fn __omnimetrics_is_err(&self) -> bool;
}

impl<T, E> ProbeResult for &Probe<'_, core::result::Result<T, E>> {
    #[inline(always)]
    fn __omnimetrics_is_err(&self) -> bool {
        self.0.is_err()
    }
}

/// Chosen for everything else: always a success.
#[doc(hidden)]
pub trait ProbeOther {
    #[inline(always)]
    fn __omnimetrics_is_err(&self) -> bool {
        false
    }
}

impl<T: ?Sized> ProbeOther for Probe<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    type Aliased = core::result::Result<u8, ()>;

    #[test]
    fn classifies_by_type() {
        let ok: Aliased = Ok(1);
        let err: Aliased = Err(());
        assert!(!(&&Probe(&ok)).__omnimetrics_is_err());
        assert!((&&Probe(&err)).__omnimetrics_is_err());
        assert!(!(&&Probe(&5u32)).__omnimetrics_is_err());
        assert!(!(&&Probe(&None::<u8>)).__omnimetrics_is_err());
    }
}
