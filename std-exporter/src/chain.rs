//! One [`Source`] made of two: the registry, then what the exporter adds.
//!
//! Encoders take a single source and expect every family once, in one walk.
//! The exporter serves the registry's families followed by families it
//! computes itself (the process metrics), so it hands the encoder a chain
//! of the two. Family names must not repeat across the two sources; the
//! registry refuses user metrics named like omnimetrics' own families, and
//! `process_*` names are left to [`ProcessMetrics`](crate::ProcessMetrics).

use omnimetrics::visit::{Source, Visitor};

/// Visits `first`, then `second` when there is one.
///
/// ```
/// use omnimetrics::Snapshot;
/// use omnimetrics_exporter::{Chain, ProcessMetrics};
///
/// let everything = Chain::new(omnimetrics::registry(), Some(ProcessMetrics));
/// let only_functions = Chain::new(omnimetrics::registry(), None::<ProcessMetrics>);
/// assert!(Snapshot::capture(&everything).families.len()
///     >= Snapshot::capture(&only_functions).families.len());
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Chain<A, B> {
    first: A,
    second: Option<B>,
}

impl<A, B> Chain<A, B> {
    /// `first`, then `second` if it is `Some`.
    pub const fn new(first: A, second: Option<B>) -> Self {
        Self { first, second }
    }
}

impl<A: Source, B: Source> Source for Chain<A, B> {
    const VALID_NAMES: bool = A::VALID_NAMES && B::VALID_NAMES;
    const EXEMPLARS: bool = A::EXEMPLARS || B::EXEMPLARS;
    const SCALED_VALUES: bool = A::SCALED_VALUES || B::SCALED_VALUES;

    fn visit<V: Visitor + ?Sized>(&self, visitor: &mut V) -> Result<(), V::Error> {
        self.first.visit(visitor)?;
        match &self.second {
            Some(second) => second.visit(visitor),
            None => Ok(()),
        }
    }
}
