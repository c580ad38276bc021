//! What an objective is, as far as rules are concerned.
//!
//! The rules only need an objective's labels (name, percentile) and, for a
//! latency objective, which histogram bucket is the threshold. This module
//! holds that description and checks it before any text is written.

use alloc::format;
use alloc::string::{String, ToString};

use super::RulesError;
use crate::decimal::{Decimal, error_budget};

/// The percentiles that [`generic_rules`](super::generic_rules) covers.
pub const STANDARD_PERCENTILES: [&str; 4] = ["90", "95", "99", "99.9"];

/// One objective of the program: a name, a percentile and what is measured.
///
/// ```
/// use omnimetrics_query::rules::{ObjectiveKind, ObjectiveSpec};
///
/// let o = ObjectiveSpec::latency("checkout", "99", "0.25");
/// assert_eq!(o.kind, ObjectiveKind::Latency { threshold: "0.25".to_string() });
/// assert_eq!(ObjectiveSpec::success_rate("checkout", "99.9").percentile, "99.9");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectiveSpec {
    /// The `objective_name` label.
    pub name: String,
    /// The `objective_percentile` label, byte for byte (`"99.9"`).
    pub percentile: String,
    /// Success rate or latency.
    pub kind: ObjectiveKind,
}

/// What an objective measures.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectiveKind {
    /// The share of calls with `result="ok"`.
    SuccessRate,
    /// The share of calls at or under `threshold` seconds.
    Latency {
        /// The bucket boundary in its canonical `le` text (`0.25`, `1.0`).
        /// `1`, `1.0` and `1.00` are treated alike.
        threshold: String,
    },
}

impl ObjectiveSpec {
    /// A success-rate objective.
    pub fn success_rate(name: &str, percentile: &str) -> Self {
        ObjectiveSpec {
            name: name.to_string(),
            percentile: percentile.to_string(),
            kind: ObjectiveKind::SuccessRate,
        }
    }

    /// A latency objective: `percentile` % of calls within `threshold` s.
    pub fn latency(name: &str, percentile: &str, threshold: &str) -> Self {
        ObjectiveSpec {
            name: name.to_string(),
            percentile: percentile.to_string(),
            kind: ObjectiveKind::Latency {
                threshold: threshold.to_string(),
            },
        }
    }

    /// A short description for error messages.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            ObjectiveKind::SuccessRate => {
                format!("{:?} (success rate, {}%)", self.name, self.percentile)
            }
            ObjectiveKind::Latency { threshold } => format!(
                "{:?} (latency, {}% within {} s)",
                self.name, self.percentile, threshold
            ),
        }
    }

    /// Checks the objective and returns its error budget.
    pub(crate) fn validate(&self) -> Result<String, RulesError> {
        if self.name.is_empty() {
            return Err(RulesError::EmptyObjectiveName);
        }
        if let ObjectiveKind::Latency { threshold } = &self.kind
            && Decimal::parse(threshold).is_none()
        {
            return Err(RulesError::InvalidThreshold(threshold.clone()));
        }
        error_budget(&self.percentile)
            .ok_or_else(|| RulesError::InvalidPercentile(self.percentile.clone()))
    }
}
