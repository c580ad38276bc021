//! What an instrumented function has counted, read row by row.
//!
//! The live walk ([`registry()`](crate::registry)) turns these numbers into
//! SPEC's label sets for every encoder. An encoder that sends the numbers
//! without the label sets, for a host that builds them (the frame sink's
//! compact function records, which keep a firmware's flash small), reads
//! them here: one function at a time, one row of call counts at a time,
//! nothing copied but the numbers.
//!
//! ```standalone_crate
//! use omnimetrics::visit::Caller;
//!
//! #[omnimetrics::autometrics]
//! fn rows_doc_leaf() -> Result<(), ()> { Err(()) }
//!
//! #[omnimetrics::autometrics]
//! fn rows_doc_outer() -> Result<(), ()> { rows_doc_leaf() }
//!
//! let _ = rows_doc_leaf();
//! let _ = rows_doc_outer();
//! let leaf = omnimetrics::functions().find(|f| f.name() == "rows_doc_leaf").unwrap();
//! // Row 0: calls with no instrumented caller; then the caller slots.
//! let root = leaf.calls(0).unwrap();
//! assert!(matches!(root.caller, Some(Caller::Root)));
//! assert_eq!(root.counts, [0, 1]);
//! let from_outer = leaf.calls(1).unwrap();
//! assert!(matches!(from_outer.caller, Some(Caller::Function(f)) if f.name() == "rows_doc_outer"));
//! assert_eq!(from_outer.counts, [0, 1]);
//! ```

use crate::function::{FunctionDesc, OVERFLOW_CALLER};
use crate::metrics::{CountsBuf, counts_buf};
use crate::objective::ObjectivePercentile;

/// Who made the calls that one row of a function's call counts holds.
#[derive(Clone, Copy, Debug)]
pub enum Caller {
    /// No instrumented function (`caller_function=""`).
    Root,
    /// This instrumented function.
    Function(&'static FunctionDesc),
    /// One of the callers that did not fit in the function's caller table
    /// (`caller_function="(other)"`, see [`OVERFLOW_CALLER`]).
    Other,
}

impl Caller {
    /// The `caller_function` and `caller_module` label values.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Caller::Root => ("", ""),
            Caller::Function(f) => (f.name(), f.module()),
            Caller::Other => (OVERFLOW_CALLER, OVERFLOW_CALLER),
        }
    }
}

/// One row of a function's call counts (see [`FunctionDesc::calls`]).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct CallRow {
    /// Who called; `None` for a caller slot that no caller has claimed yet.
    pub caller: Option<Caller>,
    /// Calls that returned successfully, then calls that failed.
    pub counts: [u64; 2],
}

/// One series of a function with `result_labels` (see
/// [`FunctionDesc::labelled`]).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct LabelledRow {
    /// The caller: [`Caller::Root`] or [`Caller::Function`] (a full
    /// table of labelled series has no overflow row).
    pub caller: Caller,
    /// Whether the calls failed (the label's name is `error`, else `ok`).
    pub is_err: bool,
    /// The returned variant's label.
    pub label: &'static str,
    /// How many calls.
    pub count: u64,
}

/// Stack space for reading one latency histogram (see
/// [`FunctionDesc::durations`]); left uninitialised, as the read writes
/// what it hands back.
#[allow(missing_debug_implementations)]
pub struct DurationBuf(CountsBuf);

impl DurationBuf {
    /// Room for the largest histogram.
    #[inline(always)]
    pub const fn new() -> Self {
        Self(counts_buf())
    }
}

impl Default for DurationBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl FunctionDesc {
    /// Row `row` of the function's call counts, or `None` past the last
    /// row: row 0 counts calls with no instrumented caller, then one row
    /// per caller slot (its caller `None` while unclaimed), then the
    /// overflow row ([`Caller::Other`]). The live registry shows the
    /// overflow row only once it has counted something.
    pub fn calls(&self, row: usize) -> Option<CallRow> {
        let view = self.storage().view();
        if row > view.keys.len() + 1 {
            return None;
        }
        // Counts before the key: a caller slot is only counted in after its
        // key is set, so a slot claimed in between shows zero, as it would
        // have a moment earlier.
        let counts = view.counts.row(row);
        let caller = match row.checked_sub(1) {
            None => Some(Caller::Root),
            Some(slot) => match view.keys.get(slot) {
                Some(key) => {
                    let key = crate::acquire::relaxed_ptr(key).cast_const();
                    // SAFETY: keys hold null or addresses of `&'static FunctionDesc`.
                    unsafe { key.as_ref() }.map(Caller::Function)
                }
                None => Some(Caller::Other),
            },
        };
        Some(CallRow { caller, counts })
    }

    /// Entry `i` of the function's table of labelled series
    /// (`#[autometrics(result_labels)]`): `None` past the end (at once for
    /// a function without the table), `Some(None)` for an entry not used
    /// yet.
    pub fn labelled(&self, i: usize) -> Option<Option<LabelledRow>> {
        #[cfg(feature = "result-labels")]
        return self.labels()?.row(i);
        #[cfg(not(feature = "result-labels"))]
        {
            let _ = i;
            None
        }
    }

    /// The latency histogram's counts per bucket (the finite
    /// [`bounds`](Self::bounds), then `+Inf`; not cumulative) and the sum
    /// of durations in nanoseconds; `None` when the function shows no
    /// histogram: there is no clock to measure with, and nothing was
    /// measured before.
    pub fn durations<'b>(&self, buf: &'b mut DurationBuf) -> Option<(&'b [u64], u64)> {
        let (counts, sum) = self.storage().view().histogram(&mut buf.0);
        (crate::clock::is_available() || counts.iter().any(|&c| c > 0)).then_some((counts, sum))
    }

    /// The objective's label values, `""` where the function has none:
    /// `objective_name`, the success rate's `objective_percentile`, then
    /// the latency target's `objective_percentile` and
    /// `objective_latency_threshold` (both `""` without a latency target).
    pub fn objective_labels(&self) -> [&'static str; 4] {
        let Some(o) = self.objective() else {
            return [""; 4];
        };
        let percentile = |p: Option<ObjectivePercentile>| p.map_or("", |p| p.as_str());
        let (latency, threshold) = match o.latency_threshold_text() {
            Some(threshold) => (percentile(o.latency_percentile()), threshold),
            None => ("", ""),
        };
        [
            o.name(),
            percentile(o.success_rate_percentile()),
            latency,
            threshold,
        ]
    }

    /// Calls running now, for a function that tracks them
    /// (`track_concurrency`); `None` for one that does not.
    pub fn concurrent(&self) -> Option<usize> {
        self.tracks_concurrency()
            .then(|| self.storage().view().concurrent())
    }
}
