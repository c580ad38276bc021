//! Service-level objectives, declared as `const` values next to the code.
//!
//! An objective groups functions (by name) under a success-rate target, a
//! latency target, or both. It becomes the `objective_*` labels of SPEC, from
//! which the generated Prometheus rules compute error budgets. Everything is
//! checked while compiling: a bad name, a bad percentile, an objective with no
//! target, or (by the macro) a latency threshold that is not one of the
//! function's bucket boundaries.

use crate::decimal::{self, Decimal, DecimalText};

/// The share of calls an objective promises, as the `objective_percentile`
/// label writes it.
///
/// The standard values are the ones the generic rules file covers; a
/// [`custom`](ObjectivePercentile::custom) value needs rules generated from the
/// program's own objectives (`omnimetrics rules --from <its /metrics URL>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectivePercentile {
    /// 90 %
    P90,
    /// 95 %
    P95,
    /// 99 %
    P99,
    /// 99.9 %
    P99_9,
    /// Another value, as decimal text strictly between 0 and 100 (`"99.95"`).
    Custom(&'static str),
}

impl ObjectivePercentile {
    /// A custom percentile; not compiling if `text` is not a decimal number
    /// strictly between 0 and 100.
    ///
    /// ```
    /// use omnimetrics::ObjectivePercentile;
    /// const P: ObjectivePercentile = ObjectivePercentile::custom("99.95");
    /// assert_eq!(P.as_str(), "99.95");
    /// ```
    pub const fn custom(text: &'static str) -> Self {
        // Six decimals is finer than any error budget anyone states.
        let millionths = decimal::parse_decimal(text.as_bytes(), 6);
        if millionths == 0 || millionths >= 100_000_000 {
            panic!("omnimetrics: a percentile must be strictly between 0 and 100");
        }
        Self::Custom(text)
    }

    /// The label value: `90`, `95`, `99`, `99.9` or the custom text.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::P90 => "90",
            Self::P95 => "95",
            Self::P99 => "99",
            Self::P99_9 => "99.9",
            Self::Custom(text) => text,
        }
    }
}

/// A latency threshold. It must be one of the instrumented function's bucket
/// boundaries (the macro checks this at compile time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectiveLatency {
    nanos: u64,
}

impl ObjectiveLatency {
    /// A threshold in nanoseconds.
    pub const fn from_nanos(nanos: u64) -> Self {
        Self { nanos }
    }
    /// A threshold in milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Self::from_nanos(millis * 1_000_000)
    }
    /// A threshold in whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Self::from_nanos(secs * 1_000_000_000)
    }
    /// A threshold written as decimal seconds (`"0.25"`).
    pub const fn from_seconds_str(text: &str) -> Self {
        Self::from_nanos(decimal::parse_decimal(text.as_bytes(), 9))
    }
    /// The threshold in nanoseconds.
    pub const fn as_nanos(&self) -> u64 {
        self.nanos
    }
    /// The threshold in seconds, as an exact decimal; its text is the
    /// `objective_latency_threshold` label, equal to the bucket's `le`.
    pub const fn as_seconds(&self) -> Decimal {
        Decimal::new(self.nanos, 9)
    }
}

/// A service-level objective.
///
/// ```
/// use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile};
///
/// const API_SLO: Objective = Objective::new("api")
///     .success_rate(ObjectivePercentile::P99_9)
///     .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P99);
///
/// assert_eq!(API_SLO.name(), "api");
/// assert_eq!(API_SLO.latency_threshold().unwrap().to_string(), "0.25");
/// ```
///
/// Names are 1 to 64 characters of ASCII letters, digits, `_`, `-` and `.`;
/// anything else does not compile:
///
/// ```compile_fail
/// const BAD: omnimetrics::Objective = omnimetrics::Objective::new("my api")
///     .success_rate(omnimetrics::ObjectivePercentile::P99);
/// let _ = BAD;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Objective {
    name: &'static str,
    success_rate: Option<ObjectivePercentile>,
    latency: Option<(ObjectiveLatency, ObjectivePercentile)>,
    /// The threshold's label text, rendered while compiling.
    threshold_text: DecimalText,
}

impl Objective {
    /// An objective with no target yet; add [`success_rate`](Self::success_rate)
    /// and/or [`latency`](Self::latency).
    pub const fn new(name: &'static str) -> Self {
        let bytes = name.as_bytes();
        if bytes.is_empty() || bytes.len() > 64 {
            panic!("omnimetrics: an objective name must have 1 to 64 characters");
        }
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.') {
                panic!(
                    "omnimetrics: an objective name may only hold ASCII letters, digits, '_', '-' and '.'"
                );
            }
            i += 1;
        }
        Self {
            name,
            success_rate: None,
            latency: None,
            threshold_text: DecimalText::new(Decimal::new(0, 0)),
        }
    }

    /// Promises that at least `percentile` of calls succeed.
    pub const fn success_rate(mut self, percentile: ObjectivePercentile) -> Self {
        self.success_rate = Some(percentile);
        self
    }

    /// Promises that at least `percentile` of calls finish within `threshold`.
    pub const fn latency(
        mut self,
        threshold: ObjectiveLatency,
        percentile: ObjectivePercentile,
    ) -> Self {
        self.latency = Some((threshold, percentile));
        self.threshold_text = DecimalText::new(threshold.as_seconds());
        self
    }

    /// The `objective_name` label.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The success-rate target, if any.
    pub const fn success_rate_percentile(&self) -> Option<ObjectivePercentile> {
        self.success_rate
    }

    /// The latency target's percentile, if any.
    pub const fn latency_percentile(&self) -> Option<ObjectivePercentile> {
        match self.latency {
            Some((_, p)) => Some(p),
            None => None,
        }
    }

    /// The latency target's threshold in seconds, if any.
    pub const fn latency_threshold(&self) -> Option<Decimal> {
        match self.latency {
            Some((t, _)) => Some(t.as_seconds()),
            None => None,
        }
    }

    /// The `objective_latency_threshold` label: the threshold's canonical
    /// text, equal to its bucket's `le` (rendered at compile time).
    pub fn latency_threshold_text(&self) -> Option<&str> {
        self.latency.map(|_| self.threshold_text.as_str())
    }

    /// The latency threshold in nanoseconds, if any.
    pub const fn latency_threshold_nanos(&self) -> Option<u64> {
        match self.latency {
            Some((t, _)) => Some(t.as_nanos()),
            None => None,
        }
    }

    /// Compile-time check the macro emits for each function carrying an
    /// objective: it must have a target, and a latency threshold must be one
    /// of `bounds` (nanoseconds).
    #[doc(hidden)]
    pub const fn check_against(&self, bounds: &[u64]) {
        if self.success_rate.is_none() && self.latency.is_none() {
            panic!(
                "omnimetrics: this objective has neither a success rate nor a latency target; add `.success_rate(..)` or `.latency(..)`"
            );
        }
        if let Some((t, _)) = self.latency {
            let mut i = 0;
            let mut found = false;
            while i < bounds.len() {
                if bounds[i] == t.as_nanos() {
                    found = true;
                }
                i += 1;
            }
            if !found {
                panic!(
                    "omnimetrics: the objective's latency threshold is not one of this function's bucket boundaries; use a boundary (the defaults are 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10 s) or pass `buckets = ...`"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        const O: Objective = Objective::new("checkout.v2")
            .success_rate(ObjectivePercentile::P99)
            .latency(ObjectiveLatency::from_secs(1), ObjectivePercentile::P95);
        assert_eq!(O.success_rate_percentile().unwrap().as_str(), "99");
        assert_eq!(O.latency_percentile().unwrap().as_str(), "95");
        let mut buf = crate::DecimalBuf::new();
        assert_eq!(O.latency_threshold().unwrap().render(&mut buf), "1.0");
        assert_eq!(O.latency_threshold_text(), Some("1.0"));
        assert_eq!(
            Objective::new("x")
                .success_rate(ObjectivePercentile::P90)
                .latency_threshold_text(),
            None
        );
        O.check_against(crate::DEFAULT_BUCKETS.bounds());
    }

    #[test]
    #[should_panic(expected = "not one of this function's bucket boundaries")]
    fn threshold_must_be_a_boundary() {
        Objective::new("x")
            .latency(ObjectiveLatency::from_millis(300), ObjectivePercentile::P99)
            .check_against(crate::DEFAULT_BUCKETS.bounds());
    }
}
