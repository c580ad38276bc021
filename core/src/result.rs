//! Deciding whether a call succeeded, from its return value.
//!
//! The macro cannot see types, only tokens: `Result<T, E>`, `io::Result<T>`
//! and `type ApiResult = ...` all look different. So it emits a method call
//! on `&&Probe(&value)` and lets method resolution pick: the impl for
//! `&Probe<Result<T, E>>` matches first when the value is a `Result`
//! (checking `is_err`); otherwise auto-deref reaches the impl for
//! `Probe<T>`, which says "ok". This resolves at compile time, at the call
//! site, where the concrete type is known.
//!
//! `result_labels` uses the same trick twice: once to split a `Result` into
//! its `Ok` and `Err` sides (whose types are then concrete at the call
//! site), once per side to ask for a [`ResultLabel`].

use crate::variant::{ResultLabel, Split, Unlabelled};

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

/// For `#[autometrics(result_labels)]`: splits a `Result` into its sides...
#[doc(hidden)]
pub trait ProbeSplitResult {
    type Ok;
    type Err;
    fn __omnimetrics_split(&self) -> Split<Self::Ok, Self::Err, &'static Unlabelled>;
}

impl<'a, T, E> ProbeSplitResult for &Probe<'a, core::result::Result<T, E>> {
    type Ok = &'a T;
    type Err = &'a E;
    #[inline]
    fn __omnimetrics_split(&self) -> Split<&'a T, &'a E, &'static Unlabelled> {
        match self.0 {
            Ok(v) => Split::Ok(v),
            Err(e) => Split::Err(e),
        }
    }
}

/// ...and passes any other value through whole.
#[doc(hidden)]
pub trait ProbeSplitOther {
    type Value;
    fn __omnimetrics_split(&self) -> Split<&'static Unlabelled, &'static Unlabelled, Self::Value>;
}

impl<'a, T: ?Sized> ProbeSplitOther for Probe<'a, T> {
    type Value = &'a T;
    #[inline]
    fn __omnimetrics_split(&self) -> Split<&'static Unlabelled, &'static Unlabelled, &'a T> {
        Split::Other(self.0)
    }
}

/// The label of a value whose type implements [`ResultLabel`]...
#[doc(hidden)]
pub trait ProbeLabel {
    fn __omnimetrics_label(&self) -> Option<&'static str>;
}

impl<T: ResultLabel + ?Sized> ProbeLabel for &Probe<'_, T> {
    #[inline]
    fn __omnimetrics_label(&self) -> Option<&'static str> {
        self.0.result_label()
    }
}

/// ...and none for every other type.
#[doc(hidden)]
pub trait ProbeNoLabel {
    #[inline]
    fn __omnimetrics_label(&self) -> Option<&'static str> {
        None
    }
}

impl<T: ?Sized> ProbeNoLabel for Probe<'_, T> {}

#[cfg(test)]
// The `&&` borrows are the point: they steer method resolution.
#[allow(clippy::needless_borrow)]
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

    enum E {
        A,
    }
    impl ResultLabel for E {
        fn result_label(&self) -> Option<&'static str> {
            Some("A")
        }
    }

    fn label_of<T, F: Fn(&T) -> Option<&'static str>>(v: &T, f: F) -> Option<&'static str> {
        f(v)
    }

    #[test]
    fn labels_by_type() {
        let r: core::result::Result<u8, E> = Err(E::A);
        let l = match (&&Probe(&r)).__omnimetrics_split() {
            Split::Ok(v) => (&&Probe(v)).__omnimetrics_label(),
            Split::Err(e) => (&&Probe(e)).__omnimetrics_label(),
            Split::Other(o) => (&&Probe(o)).__omnimetrics_label(),
        };
        assert_eq!(l, Some("A"));
        let plain = 3u8;
        let l = match (&&Probe(&plain)).__omnimetrics_split() {
            Split::Ok(v) => (&&Probe(v)).__omnimetrics_label(),
            Split::Err(e) => (&&Probe(e)).__omnimetrics_label(),
            Split::Other(o) => (&&Probe(o)).__omnimetrics_label(),
        };
        assert_eq!(l, None);
        assert_eq!(label_of(&E::A, |e| e.result_label()), Some("A"));
    }
}
