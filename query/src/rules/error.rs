//! Why a rules file could not be generated.
//!
//! The generators refuse input that would produce a file Prometheus rejects
//! or, worse, accepts with a different meaning; this type names the reason.

use alloc::string::String;
use core::fmt;

/// An invalid objective or setting.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RulesError {
    /// A percentile that is not a plain decimal strictly between 0 and 100.
    InvalidPercentile(String),
    /// A latency threshold that is not a plain non-negative decimal.
    InvalidThreshold(String),
    /// An empty objective name.
    EmptyObjectiveName,
    /// The same objective (name, kind and percentile) given twice.
    DuplicateObjective(String),
    /// A period of 0 days or more than 3650.
    InvalidPeriod(u32),
    /// A traffic floor that is negative, infinite or NaN.
    InvalidTrafficFloor(f64),
    /// An alert label or annotation name that is not a valid label name.
    InvalidLabelName(String),
    /// An alert label that the rules set themselves.
    ReservedLabel(String),
    /// The same alert label or annotation name given twice.
    DuplicateLabel(String),
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RulesError::InvalidPercentile(p) => {
                write!(
                    f,
                    "objective percentile {p:?} is not a decimal between 0 and 100"
                )
            }
            RulesError::InvalidThreshold(t) => {
                write!(
                    f,
                    "latency threshold {t:?} is not a decimal number of seconds"
                )
            }
            RulesError::EmptyObjectiveName => f.write_str("objective name is empty"),
            RulesError::DuplicateObjective(o) => write!(f, "objective {o} is given twice"),
            RulesError::InvalidPeriod(d) => {
                write!(f, "SLO period of {d} days is not within 1..=3650")
            }
            RulesError::InvalidTrafficFloor(x) => {
                write!(f, "traffic floor {x} is not a finite, non-negative number")
            }
            RulesError::InvalidLabelName(n) => write!(f, "{n:?} is not a valid label name"),
            RulesError::ReservedLabel(n) => write!(f, "alert label {n:?} is set by the rules"),
            RulesError::DuplicateLabel(n) => write!(f, "{n:?} is given twice"),
        }
    }
}

impl core::error::Error for RulesError {}
