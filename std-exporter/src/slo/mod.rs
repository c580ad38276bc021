//! The objectives a program declares, and the Prometheus rules that make
//! them fire.
//!
//! Objectives live in code (`#[autometrics(objective = API_SLO)]`); alerts
//! live in Prometheus. This module is the bridge between the two, on the
//! program side:
//!
//! - [`declared_objectives`] lists the objectives of the functions
//!   registered in this process (on Linux and the other platforms with
//!   constructors, every instrumented function is registered before `main`,
//!   so the list is complete from the start);
//! - [`declared_rules`] turns them into a rules file with
//!   [`rules_for`](omnimetrics_query::rules::rules_for);
//! - [`objectives_from_scrape`] reads the same objectives back from another
//!   program's `/metrics` text (its `objective_*` labels), which is how
//!   `omnimetrics rules --from URL` writes exactly a running program's rules
//!   without linking its code;
//! - with the `cli` feature, [`read_exposition`] fetches that text from a URL
//!   or reads it from a file.
//!
//! For objectives at the standard percentiles (90, 95, 99, 99.9) the
//! program-independent [`generic_rules`](omnimetrics_query::rules::generic_rules)
//! work too; the declared rules are what custom percentiles need. Load one
//! file or the other for a given objective, not both: they record the same
//! series.
//!
//! ```
//! use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, autometrics};
//! use omnimetrics_exporter::slo::{ObjectiveSpec, RulesConfig, declared_objectives, declared_rules};
//!
//! const API: Objective = Objective::new("api")
//!     .success_rate(ObjectivePercentile::P99_9)
//!     .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P99);
//!
//! #[autometrics(objective = API)]
//! fn get_user() -> Result<(), String> {
//!     Ok(())
//! }
//!
//! # get_user().unwrap();
//! let objectives = declared_objectives();
//! assert!(objectives.contains(&ObjectiveSpec::success_rate("api", "99.9")));
//! assert!(objectives.contains(&ObjectiveSpec::latency("api", "99", "0.25")));
//!
//! let yaml = declared_rules(&RulesConfig::default()).unwrap();
//! assert!(yaml.contains("- alert: \"High Error Rate SLO - 99.9%\""));
//! ```

mod scrape;
#[cfg(feature = "cli")]
pub(crate) mod source;

use std::collections::BTreeMap;

pub use omnimetrics_query::rules::{ObjectiveKind, ObjectiveSpec, RulesConfig, RulesError};

pub use self::scrape::{ScrapeError, objectives_from_scrape};
#[cfg(feature = "cli")]
pub use self::source::{SourceError, read_exposition};

/// The objectives of every instrumented function registered in this
/// process, each once, sorted by name, kind and percentile.
///
/// An [`Objective`](omnimetrics::Objective) with both targets gives two
/// entries (success rate and latency). Latency thresholds are written as
/// the exporter writes them in `objective_latency_threshold` (`0.25`,
/// `1.0`).
///
/// Functions are registered before `main` on Linux, Android, the BSDs,
/// macOS, iOS and Windows; elsewhere only once called.
pub fn declared_objectives() -> Vec<ObjectiveSpec> {
    let mut specs = Vec::new();
    for f in omnimetrics::functions() {
        let Some(o) = f.objective() else { continue };
        if let Some(p) = o.success_rate_percentile() {
            specs.push(ObjectiveSpec::success_rate(o.name(), p.as_str()));
        }
        if let (Some(p), Some(t)) = (o.latency_percentile(), o.latency_threshold()) {
            specs.push(ObjectiveSpec::latency(o.name(), p.as_str(), &t.to_string()));
        }
    }
    merge_objectives(specs)
}

/// The rules file for [`declared_objectives`]: recording rules and
/// multi-window, multi-burn-rate alerts for exactly those objectives
/// (custom percentiles and thresholds included).
///
/// # Errors
///
/// An invalid setting in `config`, or two objectives that share a name and
/// percentile but not a latency threshold (see [`RulesError`]).
pub fn declared_rules(config: &RulesConfig) -> Result<String, RulesError> {
    omnimetrics_query::rules::rules_for(&declared_objectives(), config)
}

/// `specs` without repetitions, sorted. Latency thresholds that only differ
/// in how they are written (`1` and `1.0`, as two exporters may write the
/// same boundary) count as one: the rules match every written form anyway.
pub fn merge_objectives(specs: impl IntoIterator<Item = ObjectiveSpec>) -> Vec<ObjectiveSpec> {
    let mut unique: BTreeMap<(String, u8, String, String), ObjectiveSpec> = BTreeMap::new();
    for spec in specs {
        let (kind, threshold) = match &spec.kind {
            ObjectiveKind::SuccessRate => (0, String::new()),
            ObjectiveKind::Latency { threshold } => (1, canonical_decimal(threshold)),
        };
        let key = (spec.name.clone(), kind, spec.percentile.clone(), threshold);
        unique.entry(key).or_insert(spec);
    }
    unique.into_values().collect()
}

/// `1.0` → `1`, `0.250` → `0.25`, `007` → `7`; anything that is not a plain
/// decimal is returned unchanged (the rules generator rejects it later,
/// with a message naming it).
fn canonical_decimal(text: &str) -> String {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (text.contains('.') && frac.is_empty()) {
        return text.to_string();
    }
    let int = match int.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    };
    match frac.trim_end_matches('0') {
        "" => int.to_string(),
        frac => format!("{int}.{frac}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_decimals() {
        for (text, canonical) in [
            ("1", "1"),
            ("1.0", "1"),
            ("1.000", "1"),
            ("0.250", "0.25"),
            ("007.5", "7.5"),
            ("0", "0"),
            ("0.0", "0"),
            ("10", "10"),
            ("1.", "1."),
            ("abc", "abc"),
            ("", ""),
        ] {
            assert_eq!(canonical_decimal(text), canonical, "{text:?}");
        }
    }

    #[test]
    fn merging_dedupes_and_sorts() {
        let merged = merge_objectives([
            ObjectiveSpec::latency("b", "99", "1.0"),
            ObjectiveSpec::success_rate("b", "99.9"),
            ObjectiveSpec::latency("b", "99", "1"),
            ObjectiveSpec::success_rate("a", "95"),
            ObjectiveSpec::success_rate("b", "99.9"),
            ObjectiveSpec::latency("b", "99", "0.5"),
        ]);
        assert_eq!(
            merged,
            [
                ObjectiveSpec::success_rate("a", "95"),
                ObjectiveSpec::success_rate("b", "99.9"),
                ObjectiveSpec::latency("b", "99", "0.5"),
                ObjectiveSpec::latency("b", "99", "1.0"),
            ]
        );
    }
}
