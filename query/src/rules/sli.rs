//! The PromQL of the SLI error ratios and of the burn-rate alerts.
//!
//! Kept apart from the YAML writer so that the expressions, the part with
//! the actual meaning, read as a unit.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::decimal::Decimal;
use crate::promql::{self, BUCKETS, CALLS, Matcher, selector};

/// The labels an SLI keeps.
const BY: &str = "sum by (objective_name, objective_percentile, service_name)";

/// The name of the temporary label that holds a normalised bucket boundary.
const NORMALISED: &str = "slo_le";

/// Rewrites a decimal into its shortest form: `1`, `1.0` and `1.00` become
/// `1`; `0.250` becomes `0.25`; `0.25`, `10` and `+Inf` stay as they are.
/// (Prometheus anchors the regular expression at both ends; a value that
/// matches neither branch is left alone.)
const NORMALISE_RE: &str = r"(\d+)\.?0*|(\d*\.\d*[1-9])0*";

/// What the error ratio of one SLO is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    /// `result="error"` calls over all calls.
    SuccessRate,
    /// Calls over the threshold bucket over all calls.
    Latency,
}

impl Category {
    /// The `category` label value.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Category::SuccessRate => "success-rate",
            Category::Latency => "latency",
        }
    }
}

/// One SLO: every objective at a percentile (generic rules), or one named
/// objective (rules for a program).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slo<'a> {
    pub(crate) category: Category,
    pub(crate) percentile: &'a str,
    /// `Some` for one named objective, `None` for all at the percentile.
    pub(crate) objective: Option<&'a str>,
    /// `Some` for a latency objective with a known threshold; `None` uses
    /// each series' own `objective_latency_threshold` label.
    pub(crate) threshold: Option<Decimal<'a>>,
}

impl<'a> Slo<'a> {
    fn matchers(&self, extra: &[Matcher<'a>]) -> Vec<Matcher<'a>> {
        let mut m = Vec::with_capacity(3 + extra.len());
        if let Some(name) = self.objective {
            m.push(Matcher::eq("objective_name", name));
        }
        m.push(Matcher::eq("objective_percentile", self.percentile));
        m.extend_from_slice(extra);
        m
    }

    fn series(&self, name: Matcher<'a>, extra: &[Matcher<'a>]) -> String {
        let mut all = Vec::with_capacity(4 + extra.len());
        all.push(name);
        all.extend(self.matchers(extra));
        selector(&all)
    }

    /// The error ratio over `window`, absent where fewer than
    /// `floor_per_minute` calls per minute were made.
    pub(crate) fn error_ratio(&self, window: &str, floor_per_minute: &str) -> String {
        let (errors, calls) = match self.category {
            Category::SuccessRate => self.success_parts(window),
            Category::Latency => self.latency_parts(window),
        };
        format!("(\n{errors}\n)\n/\n(\n  {calls}\n  >= ({floor_per_minute} / 60)\n)")
    }

    /// `(errors or calls * 0, calls)`: a ratio of 0, not none, while there
    /// are calls but no errors.
    fn success_parts(&self, w: &str) -> (String, String) {
        let calls = format!("{BY} (rate({}[{w}]))", self.series(CALLS, &[]));
        let errors = format!(
            "{BY} (rate({}[{w}]))",
            self.series(CALLS, &[Matcher::eq("result", "error")])
        );
        (format!("  {errors}\n  or\n  {calls} * 0"), calls)
    }

    /// `(all - good, all)` from the histogram, `all` being the `+Inf` bucket.
    fn latency_parts(&self, w: &str) -> (String, String) {
        let with_threshold = Matcher::ne("objective_latency_threshold", "");
        let inf = match self.threshold {
            Some(_) => self.series(BUCKETS, &[Matcher::eq("le", "+Inf")]),
            None => self.series(BUCKETS, &[with_threshold, Matcher::eq("le", "+Inf")]),
        };
        let calls = format!("{BY} (rate({inf}[{w}]))");
        let good = match self.threshold {
            Some(t) => {
                let re = le_regex(t);
                let sel = self.series(BUCKETS, &[Matcher::re("le", &re)]);
                format!("{BY} (rate({sel}[{w}]))")
            }
            None => {
                // Keep the buckets whose normalised `le` equals their own
                // normalised threshold: copy each into the same label and
                // let `and` (which matches on all labels) find the pairs.
                let rate = format!("rate({}[{w}])", self.series(BUCKETS, &[with_threshold]));
                format!(
                    "{BY} (\n    {}\n    and\n    {}\n  )",
                    normalised(&rate, "le"),
                    normalised(&rate, "objective_latency_threshold")
                )
            }
        };
        (format!("  {calls}\n  -\n  {good}"), calls)
    }

    /// The selector of this SLO's recorded ratios.
    pub(crate) fn recorded(&self) -> String {
        let category = [Matcher::eq("category", self.category.label())];
        let mut m = Vec::with_capacity(3);
        m.extend_from_slice(&category);
        m.extend(self.matchers(&[]));
        selector(&m)
    }
}

/// `vector` with label `slo_le` set to the normalised value of `source`.
fn normalised(vector: &str, source: &str) -> String {
    let mut re = String::new();
    promql::push_string(&mut re, NORMALISE_RE);
    format!(
        "label_replace(label_replace({vector}, \"{NORMALISED}\", \"$1\", \"{source}\", \"(.*)\"), \
         \"{NORMALISED}\", \"$1$2\", \"{NORMALISED}\", {re})"
    )
}

/// A regular expression for every way of writing the boundary `t`:
/// `1(\.0*)?` for 1, `0\.250*` for 0.25.
fn le_regex(t: Decimal<'_>) -> String {
    let (int, frac) = (t.int_canonical(), t.frac_canonical());
    if frac.is_empty() {
        format!(r"{int}(\.0*)?")
    } else {
        format!(r"{int}\.{frac}0*")
    }
}

/// `short` and `long` over `factor` times the budget.
fn window_pair(recorded: &str, short: &str, long: &str, factor: &str, budget: &str) -> String {
    format!(
        "(\n  slo:sli_error:ratio_rate{short}{recorded} > ({factor} * {budget})\n  and\n  \
         slo:sli_error:ratio_rate{long}{recorded} > ({factor} * {budget})\n)"
    )
}

/// The burn factors of a period of `days` days: 2 % of the period's budget
/// in 1 h, 5 % in 6 h, 10 % in 1 d, 10 % in 3 d (14.4, 6, 3, 1 for 30 days).
pub(crate) struct BurnFactors {
    pub(crate) page_fast: String,
    pub(crate) page_slow: String,
    pub(crate) ticket_fast: String,
    pub(crate) ticket_slow: String,
}

impl BurnFactors {
    pub(crate) fn for_period(days: u32) -> Self {
        use crate::decimal::format_ratio;
        let hours = u64::from(days) * 24;
        BurnFactors {
            page_fast: format_ratio(2 * hours, 100),
            page_slow: format_ratio(5 * hours, 100 * 6),
            ticket_fast: format_ratio(10 * hours, 100 * 24),
            ticket_slow: format_ratio(10 * hours, 100 * 72),
        }
    }
}

/// The page alert's expression: 5m and 1h over the fast factor, or 30m and
/// 6h over the slow one.
pub(crate) fn page_expr(slo: &Slo<'_>, f: &BurnFactors, budget: &str) -> String {
    let r = slo.recorded();
    format!(
        "{}\nor\n{}",
        window_pair(&r, "5m", "1h", &f.page_fast, budget),
        window_pair(&r, "30m", "6h", &f.page_slow, budget)
    )
}

/// The ticket alert's expression: 2h and 1d over the fast factor, or 6h and
/// 3d over the slow one.
pub(crate) fn ticket_expr(slo: &Slo<'_>, f: &BurnFactors, budget: &str) -> String {
    let r = slo.recorded();
    format!(
        "{}\nor\n{}",
        window_pair(&r, "2h", "1d", &f.ticket_fast, budget),
        window_pair(&r, "6h", "3d", &f.ticket_slow, budget)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        let f = BurnFactors::for_period(30);
        assert_eq!(
            [f.page_fast, f.page_slow, f.ticket_fast, f.ticket_slow],
            ["14.4", "6", "3", "1"]
        );
        let f = BurnFactors::for_period(28);
        assert_eq!(
            [f.page_fast, f.page_slow, f.ticket_fast, f.ticket_slow],
            ["13.44", "5.6", "2.8", "(14 / 15)"]
        );
    }

    #[test]
    fn threshold_regexes() {
        let re = |t| le_regex(Decimal::parse(t).unwrap());
        assert_eq!(re("1"), r"1(\.0*)?");
        assert_eq!(re("1.0"), r"1(\.0*)?");
        assert_eq!(re("10.00"), r"10(\.0*)?");
        assert_eq!(re("0.25"), r"0\.250*");
        assert_eq!(re("00.250"), r"0\.250*");
    }
}
