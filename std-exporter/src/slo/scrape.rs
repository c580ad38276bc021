//! Reading declared objectives back from a `/metrics` text.
//!
//! A running program already publishes its objectives: every function with
//! one carries `objective_name` and `objective_percentile` on its call
//! counter (the success-rate percentile) and `objective_percentile` plus
//! `objective_latency_threshold` on its duration histogram (the latency
//! percentile and threshold), and on Linux every instrumented function is
//! exported at zero from the first scrape. Reading those labels gives
//! exactly the program's objectives without building against its code, and
//! works as well for any exporter that follows the wire contract.
//!
//! The parser reads the Prometheus text format and OpenMetrics (same sample
//! lines; comments and exemplars are skipped). It only looks closely at the
//! families it needs, matched as tolerantly as the rules match them, so
//! unusual lines elsewhere in a scrape do not stop it.

use std::fmt;

use super::{ObjectiveSpec, merge_objectives};

/// Why a text could not be read as a scrape of instrumented functions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScrapeError {
    /// A sample line of a function family whose labels cannot be parsed.
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// No `function_calls` or `function_calls_duration` series at all: not
    /// the `/metrics` of an instrumented program.
    NoFunctionSeries,
}

impl fmt::Display for ScrapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScrapeError::Malformed { line, reason } => write!(f, "line {line}: {reason}"),
            ScrapeError::NoFunctionSeries => f.write_str(
                "no function_calls series found: this does not look like the /metrics \
                 of a program instrumented with #[autometrics]",
            ),
        }
    }
}

impl std::error::Error for ScrapeError {}

/// Which family a sample belongs to, as far as objectives are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `function_calls(_count)?(_total)?`: carries the success-rate target.
    Calls,
    /// `function_calls_duration(_seconds)?_{bucket,count,sum}`: carries the
    /// latency target.
    Durations,
}

fn family(metric: &str) -> Option<Family> {
    if let Some(rest) = metric.strip_prefix("function_calls_duration") {
        let rest = rest.strip_prefix("_seconds").unwrap_or(rest);
        return matches!(rest, "_bucket" | "_count" | "_sum").then_some(Family::Durations);
    }
    let rest = metric.strip_prefix("function_calls")?;
    let rest = rest.strip_prefix("_count").unwrap_or(rest);
    matches!(rest, "" | "_total").then_some(Family::Calls)
}

/// The objectives whose labels appear in `text`, a scrape in the Prometheus
/// text format or OpenMetrics, each once and sorted (see
/// [`merge_objectives`]).
///
/// A function family without any objective label gives an empty list; a
/// text without any function family is an error (most likely the wrong URL
/// or file).
///
/// ```
/// use omnimetrics_exporter::slo::{ObjectiveSpec, objectives_from_scrape};
///
/// let scrape = r#"
/// # TYPE function_calls_total counter
/// function_calls_total{function="Cart::add",module="shop",service_name="shop",result="ok",caller_function="",caller_module="",objective_name="cart",objective_percentile="99.95"} 7
/// # TYPE function_calls_duration_seconds histogram
/// function_calls_duration_seconds_bucket{function="Cart::add",module="shop",service_name="shop",objective_name="cart",objective_percentile="99",objective_latency_threshold="1.0",le="1.0"} 7
/// "#;
/// assert_eq!(
///     objectives_from_scrape(scrape).unwrap(),
///     [ObjectiveSpec::success_rate("cart", "99.95"), ObjectiveSpec::latency("cart", "99", "1.0")],
/// );
/// ```
///
/// # Errors
///
/// [`ScrapeError::Malformed`] for a function sample whose labels cannot be
/// parsed, [`ScrapeError::NoFunctionSeries`] when there is no function
/// family at all.
pub fn objectives_from_scrape(text: &str) -> Result<Vec<ObjectiveSpec>, ScrapeError> {
    let mut found_functions = false;
    let mut specs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name_len = line
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b':')
            .count();
        let Some(family) = family(&line[..name_len]) else {
            continue;
        };
        found_functions = true;
        let malformed = |reason: String| ScrapeError::Malformed {
            line: i + 1,
            reason,
        };
        let rest = &line[name_len..];
        let labels = if rest.starts_with('{') {
            parse_labels(rest).map_err(malformed)?
        } else {
            Vec::new()
        };
        let get = |name: &str| {
            labels
                .iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let (objective, percentile) = (get("objective_name"), get("objective_percentile"));
        if objective.is_empty() || percentile.is_empty() {
            continue;
        }
        match family {
            Family::Calls => specs.push(ObjectiveSpec::success_rate(objective, percentile)),
            Family::Durations => {
                let threshold = get("objective_latency_threshold");
                if !threshold.is_empty() {
                    specs.push(ObjectiveSpec::latency(objective, percentile, threshold));
                }
            }
        }
    }
    if !found_functions {
        return Err(ScrapeError::NoFunctionSeries);
    }
    Ok(merge_objectives(specs))
}

/// Parses `{name="value",...}` at the start of `text` (values unescaped).
fn parse_labels(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut labels = Vec::new();
    let mut chars = text.char_indices().peekable();
    chars.next(); // '{'
    loop {
        while chars.next_if(|(_, c)| *c == ' ').is_some() {}
        match chars.peek() {
            Some((_, '}')) => return Ok(labels),
            Some(_) => {}
            None => return Err("unterminated label set".into()),
        }
        let mut name = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| c.is_ascii_alphanumeric() || *c == '_') {
            name.push(c);
        }
        if name.is_empty() {
            let at = chars.peek().map_or(text.len(), |(i, _)| *i);
            return Err(format!("expected a label name at column {}", at + 1));
        }
        while chars.next_if(|(_, c)| *c == ' ').is_some() {}
        if chars.next().map(|(_, c)| c) != Some('=') {
            return Err(format!("expected `=` after label {name}"));
        }
        while chars.next_if(|(_, c)| *c == ' ').is_some() {}
        if chars.next().map(|(_, c)| c) != Some('"') {
            return Err(format!("expected a quoted value for label {name}"));
        }
        let mut value = String::new();
        loop {
            match chars.next().map(|(_, c)| c) {
                Some('"') => break,
                Some('\\') => match chars.next().map(|(_, c)| c) {
                    Some('n') => value.push('\n'),
                    Some(c @ ('\\' | '"')) => value.push(c),
                    Some(c) => {
                        return Err(format!("unknown escape `\\{c}` in the value of {name}"));
                    }
                    None => return Err(format!("unterminated value of label {name}")),
                },
                Some(c) => value.push(c),
                None => return Err(format!("unterminated value of label {name}")),
            }
        }
        labels.push((name, value));
        while chars.next_if(|(_, c)| *c == ' ').is_some() {}
        match chars.next().map(|(_, c)| c) {
            Some(',') => {}
            Some('}') => return Ok(labels),
            _ => return Err("expected `,` or `}` after a label value".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_matched_tolerantly() {
        for calls in [
            "function_calls",
            "function_calls_total",
            "function_calls_count",
            "function_calls_count_total",
        ] {
            assert_eq!(family(calls), Some(Family::Calls), "{calls}");
        }
        for durations in [
            "function_calls_duration_seconds_bucket",
            "function_calls_duration_seconds_count",
            "function_calls_duration_seconds_sum",
            "function_calls_duration_bucket",
        ] {
            assert_eq!(family(durations), Some(Family::Durations), "{durations}");
        }
        for other in [
            "function_calls_concurrent",
            "function_calls_duration_seconds",
            "function_calls_totals",
            "build_info",
            "my_function_calls_total",
            "",
        ] {
            assert_eq!(family(other), None, "{other}");
        }
    }

    #[test]
    fn labels_are_unescaped() {
        let labels = parse_labels(r#"{a="x\"y\\z\nw", b = "" ,c="{,}",} 1"#).unwrap();
        assert_eq!(
            labels,
            [
                ("a".to_string(), "x\"y\\z\nw".to_string()),
                ("b".to_string(), String::new()),
                ("c".to_string(), "{,}".to_string()),
            ]
        );
        assert_eq!(parse_labels("{} 1").unwrap(), []);
        for bad in [
            r#"{a="x"#,
            r#"{a=x}"#,
            r#"{="x"}"#,
            r#"{a="x" b="y"}"#,
            r#"{a="\q"}"#,
            "{a",
        ] {
            assert!(parse_labels(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_both_targets_and_ignores_the_rest() {
        let scrape = concat!(
            "# HELP function_calls Calls.\n",
            "# TYPE function_calls counter\n",
            "function_calls_total{function=\"a\",result=\"ok\",objective_name=\"api\",objective_percentile=\"99.9\"} 1 # {trace_id=\"x\"} 1\n",
            "function_calls_total{function=\"b\",result=\"ok\",objective_name=\"\",objective_percentile=\"\"} 1\n",
            "function_calls_total{function=\"c\",result=\"ok\",objective_name=\"lat-only\",objective_percentile=\"\"} 1\n",
            "function_calls_duration_seconds_bucket{function=\"a\",objective_name=\"api\",objective_percentile=\"99\",objective_latency_threshold=\"0.25\",le=\"0.25\"} 1\n",
            "function_calls_duration_seconds_count{function=\"a\",objective_name=\"api\",objective_percentile=\"99\",objective_latency_threshold=\"0.25\"} 1\n",
            "function_calls_duration_seconds_bucket{function=\"c\",objective_name=\"lat-only\",objective_percentile=\"90\",objective_latency_threshold=\"10.0\",le=\"+Inf\"} 1\n",
            "function_calls_duration_seconds_bucket{function=\"d\",objective_name=\"sr-only\",objective_percentile=\"\",objective_latency_threshold=\"\",le=\"+Inf\"} 1\n",
            "process_weird{this is not parsed at all\n",
            "# EOF\n",
        );
        assert_eq!(
            objectives_from_scrape(scrape).unwrap(),
            [
                ObjectiveSpec::success_rate("api", "99.9"),
                ObjectiveSpec::latency("api", "99", "0.25"),
                ObjectiveSpec::latency("lat-only", "90", "10.0"),
            ]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            objectives_from_scrape("up 1\n# EOF\n"),
            Err(ScrapeError::NoFunctionSeries)
        );
        assert_eq!(
            objectives_from_scrape("<html>not metrics</html>"),
            Err(ScrapeError::NoFunctionSeries)
        );
        let err =
            objectives_from_scrape("up 1\nfunction_calls_total{function=\"a} 1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: unterminated value of label function"
        );
        // Functions without objectives: no error, no objectives.
        assert_eq!(
            objectives_from_scrape("function_calls_total{function=\"a\"} 0\n").unwrap(),
            []
        );
    }
}
