//! Settings of a generated rules file, and their validation.
//!
//! Everything here ends up inside YAML or PromQL; checking it once, before
//! writing, means a bad setting is an error at generation time rather than a
//! rules file that Prometheus refuses to load.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::RulesError;

/// Settings for [`generic_rules`](super::generic_rules) and
/// [`rules_for`](super::rules_for).
///
/// ```
/// use omnimetrics_query::rules::RulesConfig;
///
/// let cfg = RulesConfig::default()
///     .with_traffic_floor_per_minute(0.5)
///     .with_alert_label("team", "payments")
///     .with_annotation("runbook_url", "https://runbooks.example/slo");
/// assert_eq!(cfg.period_days, 30);
/// assert_eq!(cfg.alert_labels, [("team".to_string(), "payments".to_string())]);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RulesConfig {
    /// The SLO period in days (default 30). It names the period ratio
    /// (`slo:sli_error:ratio_rate30d`) and scales the burn factors, which
    /// are 14.4, 6, 3 and 1 for 30 days (each means a fixed share of the
    /// period's budget spent within its window: 2 % in 1 h, 5 % in 6 h,
    /// 10 % in 1 d, 10 % in 3 d).
    pub period_days: u32,
    /// Calls per minute under which no error ratio is recorded (default 1),
    /// so that a handful of calls cannot page anybody.
    pub traffic_floor_per_minute: f64,
    /// Labels added to every alert (not `severity`, `category`,
    /// `alertname` or `objective_name`, which the rules set).
    pub alert_labels: Vec<(String, String)>,
    /// Annotations added to every alert; a key equal to a default one
    /// (`summary`, `description`) replaces it.
    pub annotations: Vec<(String, String)>,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            period_days: 30,
            traffic_floor_per_minute: 1.0,
            alert_labels: Vec::new(),
            annotations: Vec::new(),
        }
    }
}

impl RulesConfig {
    /// Sets [`period_days`](Self::period_days).
    pub fn with_period_days(mut self, days: u32) -> Self {
        self.period_days = days;
        self
    }

    /// Sets [`traffic_floor_per_minute`](Self::traffic_floor_per_minute).
    pub fn with_traffic_floor_per_minute(mut self, calls_per_minute: f64) -> Self {
        self.traffic_floor_per_minute = calls_per_minute;
        self
    }

    /// Adds a label to every alert.
    pub fn with_alert_label(mut self, name: &str, value: &str) -> Self {
        self.alert_labels
            .push((name.to_string(), value.to_string()));
        self
    }

    /// Adds an annotation to every alert.
    pub fn with_annotation(mut self, name: &str, value: &str) -> Self {
        self.annotations.push((name.to_string(), value.to_string()));
        self
    }

    /// Checks every setting; called by the generators.
    pub(crate) fn validate(&self) -> Result<(), RulesError> {
        if self.period_days == 0 || self.period_days > 3650 {
            return Err(RulesError::InvalidPeriod(self.period_days));
        }
        let floor = self.traffic_floor_per_minute;
        if !floor.is_finite() || floor < 0.0 {
            return Err(RulesError::InvalidTrafficFloor(floor));
        }
        check_names(
            &self.alert_labels,
            &["severity", "category", "alertname", "objective_name"],
        )?;
        check_names(&self.annotations, &[])
    }
}

/// Label (and annotation) names: `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed.
pub(crate) fn is_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_');
    first_ok && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') && !name.starts_with("__")
}

fn check_names(pairs: &[(String, String)], reserved: &[&str]) -> Result<(), RulesError> {
    for (i, (name, _)) in pairs.iter().enumerate() {
        if !is_label_name(name) {
            return Err(RulesError::InvalidLabelName(name.clone()));
        }
        if reserved.contains(&name.as_str()) {
            return Err(RulesError::ReservedLabel(name.clone()));
        }
        if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(RulesError::DuplicateLabel(name.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names() {
        for ok in ["a", "_a", "team", "A_1"] {
            assert!(is_label_name(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a.b", "__x", "é"] {
            assert!(!is_label_name(bad), "{bad}");
        }
    }

    #[test]
    fn validation() {
        assert_eq!(RulesConfig::default().validate(), Ok(()));
        let bad = |c: RulesConfig| c.validate().unwrap_err();
        assert_eq!(
            bad(RulesConfig::default().with_period_days(0)),
            RulesError::InvalidPeriod(0)
        );
        assert!(matches!(
            bad(RulesConfig::default().with_traffic_floor_per_minute(f64::NAN)),
            RulesError::InvalidTrafficFloor(_)
        ));
        assert_eq!(
            bad(RulesConfig::default().with_alert_label("severity", "x")),
            RulesError::ReservedLabel("severity".into())
        );
        assert_eq!(
            bad(RulesConfig::default().with_alert_label("objective_name", "x")),
            RulesError::ReservedLabel("objective_name".into())
        );
        assert_eq!(
            bad(RulesConfig::default().with_annotation("a-b", "x")),
            RulesError::InvalidLabelName("a-b".into())
        );
        assert_eq!(
            bad(RulesConfig::default()
                .with_alert_label("team", "a")
                .with_alert_label("team", "b")),
            RulesError::DuplicateLabel("team".into())
        );
    }
}
