//! `omnimetrics rules`: the Prometheus rules file for SLOs, on stdout.
//!
//! Without `--from` it writes the generic set, which needs no knowledge of
//! the program; with `--from` it writes rules for exactly the objectives a
//! running program (or a saved scrape) declares. Option values are checked
//! while parsing, so a bad value is a usage error (exit status 2) before
//! anything is fetched; failures to read a source or to generate the rules
//! exit with status 1 and write nothing to stdout.

use omnimetrics_query::rules::{RulesConfig, generic_rules, rules_for};

use super::CliResult;
use crate::slo::{ObjectiveKind, ObjectiveSpec, merge_objectives, objectives_from_scrape};

/// Arguments of `omnimetrics rules`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    omnimetrics rules > omnimetrics.rules.yml\n  \
    omnimetrics rules --from http://127.0.0.1:9464/metrics > my-service.rules.yml\n  \
    omnimetrics rules --period 28d --alert-label team=payments \\\n    \
    --annotation runbook_url=https://runbooks.example/slo > omnimetrics.rules.yml\n\n\
    Load the file with `rule_files: [omnimetrics.rules.yml]` in prometheus.yml. Load the \
    generic set or the --from set for an objective, not both: they record the same series.")]
pub(crate) struct Args {
    /// Write rules for exactly the objectives declared by a program: its
    /// /metrics URL (http://...), a file holding a scrape, or `-` for
    /// standard input. May be repeated. Without it, the generic rules for
    /// the standard percentiles (90, 95, 99, 99.9) are written.
    #[arg(long = "from", value_name = "URL|FILE")]
    from: Vec<String>,

    /// The SLO period: days (`30`, `30d`) or weeks (`4w`).
    #[arg(long, value_name = "PERIOD", default_value = "30d", value_parser = parse_period)]
    period: u32,

    /// Calls per minute under which no error ratio is recorded, so nothing
    /// fires on a handful of calls.
    #[arg(
        long,
        value_name = "CALLS_PER_MINUTE",
        default_value = "1",
        value_parser = parse_floor
    )]
    traffic_floor: f64,

    /// A label added to every alert (may be repeated).
    #[arg(long = "alert-label", value_name = "NAME=VALUE", value_parser = parse_alert_label)]
    alert_labels: Vec<(String, String)>,

    /// An annotation added to every alert (may be repeated); `summary` and
    /// `description` replace the generated ones.
    #[arg(long = "annotation", value_name = "NAME=VALUE", value_parser = parse_annotation)]
    annotations: Vec<(String, String)>,
}

pub(crate) fn run(args: Args) -> CliResult {
    let mut config = RulesConfig::default()
        .with_period_days(args.period)
        .with_traffic_floor_per_minute(args.traffic_floor);
    for (k, v) in &args.alert_labels {
        config = config.with_alert_label(k, v);
    }
    for (k, v) in &args.annotations {
        config = config.with_annotation(k, v);
    }

    let yaml = if args.from.is_empty() {
        generic_rules(&config)?
    } else {
        let objectives = declared_in(&args.from)?;
        rules_for(&objectives, &config).map_err(|e| format!("cannot write the rules: {e}"))?
    };
    super::stdout::write(&yaml)
}

/// The objectives of every source, merged; a note on stderr says what was
/// found, so that an empty file does not go unnoticed.
fn declared_in(sources: &[String]) -> Result<Vec<ObjectiveSpec>, Box<dyn std::error::Error>> {
    let mut all = Vec::new();
    for source in sources {
        let text = crate::slo::read_exposition(source)?;
        let found = objectives_from_scrape(&text).map_err(|e| format!("{source}: {e}"))?;
        if found.is_empty() {
            eprintln!("omnimetrics: note: {source} declares no objectives");
        }
        all.extend(found);
    }
    let all = merge_objectives(all);
    if all.is_empty() {
        eprintln!("omnimetrics: note: no objectives, so the rules file has no groups");
    } else {
        let list: Vec<String> = all.iter().map(describe).collect();
        eprintln!(
            "omnimetrics: {} objective target(s): {}",
            all.len(),
            list.join("; ")
        );
    }
    Ok(all)
}

fn describe(o: &ObjectiveSpec) -> String {
    match &o.kind {
        ObjectiveKind::SuccessRate => format!("{} success rate {}%", o.name, o.percentile),
        ObjectiveKind::Latency { threshold } => {
            format!("{} latency {}% within {threshold} s", o.name, o.percentile)
        }
    }
}

fn parse_period(text: &str) -> Result<u32, String> {
    let (digits, per_unit) = match text.as_bytes().last() {
        Some(b'd') => (&text[..text.len() - 1], 1),
        Some(b'w') => (&text[..text.len() - 1], 7),
        _ => (text, 1),
    };
    let n: u32 = digits
        .parse()
        .map_err(|_| "expected a number of days (30, 30d) or weeks (4w)".to_string())?;
    match n.checked_mul(per_unit) {
        Some(days @ 1..=3650) => Ok(days),
        _ => Err("the period must be between 1 and 3650 days".into()),
    }
}

fn parse_floor(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err("expected a non-negative number of calls per minute, such as 1 or 0.5".into()),
    }
}

fn parse_pair(text: &str, reserved: &[&str]) -> Result<(String, String), String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err("expected NAME=VALUE".into());
    };
    let mut bytes = name.bytes();
    let valid = matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with("__");
    if !valid {
        return Err(format!(
            "{name:?} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"
        ));
    }
    if reserved.contains(&name) {
        return Err(format!("{name:?} is set by the rules themselves"));
    }
    Ok((name.to_string(), value.to_string()))
}

fn parse_alert_label(text: &str) -> Result<(String, String), String> {
    parse_pair(
        text,
        &["severity", "category", "alertname", "objective_name"],
    )
}

fn parse_annotation(text: &str) -> Result<(String, String), String> {
    parse_pair(text, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(parse_period("30d"), Ok(30));
        assert_eq!(parse_period("28"), Ok(28));
        assert_eq!(parse_period("4w"), Ok(28));
        for bad in [
            "",
            "d",
            "0d",
            "30 d",
            "-1",
            "1y",
            "30h",
            "3651d",
            "999999999w",
        ] {
            assert!(parse_period(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn floors() {
        assert_eq!(parse_floor("0.5"), Ok(0.5));
        assert_eq!(parse_floor("0"), Ok(0.0));
        for bad in ["-1", "NaN", "inf", "x", ""] {
            assert!(parse_floor(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pairs() {
        assert_eq!(
            parse_alert_label("team=pay=ments"),
            Ok(("team".into(), "pay=ments".into()))
        );
        assert_eq!(
            parse_annotation("summary="),
            Ok(("summary".into(), "".into()))
        );
        assert!(parse_alert_label("severity=x").is_err());
        assert!(parse_annotation("severity=x").is_ok());
        for bad in ["team", "=x", "1a=x", "a-b=x", "__a=x"] {
            assert!(parse_alert_label(bad).is_err(), "{bad:?}");
        }
    }
}
