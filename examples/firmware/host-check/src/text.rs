//! Reading the firmware's text mode back: Prometheus text reports, one after
//! another on the UART, each preceded by a `# omnimetrics report N` comment.
//!
//! Only what the check needs: sample lines `name{label="value",...} value`
//! with the format's escapes (`\\`, `\"`, `\n`) in label values. Comment,
//! `# HELP` and `# TYPE` lines are skipped.

use crate::compare::CallSeries;

/// The comment the firmware writes before each text report.
pub(crate) const REPORT_MARK: &str = "# omnimetrics report ";

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) value: String,
}

impl Sample {
    pub(crate) fn label(&self, name: &str) -> &str {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Splits the UART text into reports (the text after each mark).
pub(crate) fn reports(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(REPORT_MARK) {
        rest = &rest[i + REPORT_MARK.len()..];
        let end = rest.find(REPORT_MARK).unwrap_or(rest.len());
        out.push(&rest[..end]);
    }
    out
}

/// Parses the sample lines of one report.
pub(crate) fn parse(report: &str) -> Result<Vec<Sample>, String> {
    let mut out = Vec::new();
    // The first line is the rest of the mark (the report number).
    for line in report.lines().skip(1) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(parse_line(line).map_err(|e| format!("{e} in {line:?}"))?);
    }
    Ok(out)
}

fn parse_line(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or("no value after the metric name")?;
    let name = line[..name_end].to_owned();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices().peekable();
        loop {
            let Some(&(start, c)) = chars.peek() else {
                return Err("unterminated label set".into());
            };
            if c == '}' {
                rest = &body[start + 1..];
                break;
            }
            if c == ',' {
                chars.next();
                continue;
            }
            let eq = body[start..].find("=\"").ok_or("label without =\"")? + start;
            let label = body[start..eq].to_owned();
            while chars.peek().is_some_and(|&(i, _)| i <= eq + 1) {
                chars.next();
            }
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c @ ('\\' | '"'))) => value.push(c),
                        _ => return Err("bad escape".into()),
                    },
                    Some((_, c)) => value.push(c),
                    None => return Err("unterminated label value".into()),
                }
            }
            labels.push((label, value));
        }
    }
    let value = rest.split_whitespace().next().ok_or("no value")?.to_owned();
    Ok(Sample {
        name,
        labels,
        value,
    })
}

/// The `function_calls_total` samples as call series.
pub(crate) fn calls(samples: &[Sample]) -> Result<Vec<CallSeries>, String> {
    samples
        .iter()
        .filter(|s| s.name == "function_calls_total")
        .map(|s| {
            Ok(CallSeries {
                function: s.label("function").to_owned(),
                module: s.label("module").to_owned(),
                caller_function: s.label("caller_function").to_owned(),
                caller_module: s.label("caller_module").to_owned(),
                result: s.label("result").to_owned(),
                value: s
                    .value
                    .parse()
                    .map_err(|e| format!("counter value {:?}: {e}", s.value))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_samples_with_escapes() {
        let s = parse_line(
            r#"function_calls_total{function="a",caller_function="x\"y\\z\n",result="ok"} 42"#,
        )
        .unwrap();
        assert_eq!(s.name, "function_calls_total");
        assert_eq!(s.label("function"), "a");
        assert_eq!(s.label("caller_function"), "x\"y\\z\n");
        assert_eq!(s.value, "42");
        let bare = parse_line("up 1").unwrap();
        assert!(bare.labels.is_empty());
        assert!(parse_line(r#"x{a="b} 1"#).is_err());
    }

    #[test]
    fn splits_reports() {
        let text = "# omnimetrics report 1\nup 1\n# omnimetrics report 2\nup 2\n";
        let r = reports(text);
        assert_eq!(r.len(), 2);
        assert_eq!(parse(r[1]).unwrap()[0].value, "2");
    }
}
