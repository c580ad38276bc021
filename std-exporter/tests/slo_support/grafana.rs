//! What Grafana does with the dashboards' JSON, as far as the tests need:
//! reading the files, the template variables, and interpolating a query
//! the way Grafana's Prometheus data source does.
//!
//! Interpolation follows Grafana's `interpolateQueryExpr`: a variable that
//! is neither multi-value nor has "All" gets `prometheusRegularEscape`
//! (`\` → `\\`, `'` → `\\'`); a multi-value or "All" variable gets
//! `prometheusSpecialRegexEscape` on each value (`\` → `\\\\`, each of
//! `$^*{}[]'+?.()|` → `\\` + itself), and several values are joined as
//! `(a|b)`. "All" without a custom all-value means every option. `:` is
//! not special to either escape, so `Type::method` passes through as is,
//! but only a regular-expression matcher (`=~`) can take a multi-value
//! variable, and only an equality matcher (`=`) is exact for a single one.

use std::path::PathBuf;

use serde_json::Value;

/// The dashboards shipped in `dashboards/`, by file name.
pub fn dashboards() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dashboards");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let json: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), json)
        })
        .collect()
}

/// A `query` template variable.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    /// The selector of `label_values(selector, label)`.
    pub selector: String,
    /// The label whose values are the options.
    pub label: String,
    pub multi: bool,
    pub include_all: bool,
}

impl Variable {
    /// Whether Grafana regex-escapes this variable's values.
    pub fn regex_escaped(&self) -> bool {
        self.multi || self.include_all
    }
}

/// The `query` variables of `dashboard`, in order (the datasource variable
/// is left out).
pub fn variables(dashboard: &Value) -> Vec<Variable> {
    dashboard["templating"]["list"]
        .as_array()
        .expect("templating.list")
        .iter()
        .filter(|v| v["type"] == "query")
        .map(|v| {
            let query = v["query"].as_str().expect("a string query");
            let inner = query
                .strip_prefix("label_values(")
                .and_then(|q| q.strip_suffix(')'))
                .unwrap_or_else(|| panic!("not label_values(selector, label): {query}"));
            let (selector, label) = inner
                .rsplit_once(", ")
                .unwrap_or_else(|| panic!("no label in {query}"));
            Variable {
                name: v["name"].as_str().unwrap().to_string(),
                selector: selector.to_string(),
                label: label.to_string(),
                multi: v["multi"].as_bool().unwrap_or(false),
                include_all: v["includeAll"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

/// Every panel target of `dashboard`: (panel title, target).
pub fn targets(dashboard: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        let title = panel["title"].as_str().unwrap_or("").to_string();
        for t in panel["targets"].as_array().into_iter().flatten() {
            out.push((title.clone(), t.clone()));
        }
    }
    out
}

/// Grafana's `prometheusRegularEscape`.
pub fn regular_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\\\'")
}

/// Grafana's `prometheusSpecialRegexEscape`.
pub fn regex_escape(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\\\\\"),
            '$' | '^' | '*' | '{' | '}' | '[' | ']' | '\'' | '+' | '?' | '.' | '(' | ')' | '|' => {
                out.push_str("\\\\");
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The text Grafana puts in place of `var` when `values` are selected.
pub fn format_value(var: &Variable, values: &[String]) -> String {
    if !var.regex_escaped() {
        assert_eq!(values.len(), 1, "{} takes one value", var.name);
        return regular_escape(&values[0]);
    }
    let escaped: Vec<String> = values.iter().map(|v| regex_escape(v)).collect();
    match escaped.as_slice() {
        [one] => one.clone(),
        many => format!("({})", many.join("|")),
    }
}

/// Replaces `$name` and `${name}` by `values` (longest names first, so
/// `$service` does not eat `$service_name`), and the built-ins
/// `$__rate_interval`, `$__interval` and `$__range`.
pub fn interpolate(text: &str, values: &[(String, String)], builtins: &[(&str, &str)]) -> String {
    let mut all: Vec<(String, String)> = values.to_vec();
    all.extend(builtins.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    all.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut out = text.to_string();
    for (name, value) in &all {
        out = out.replace(&format!("${{{name}}}"), value);
        out = out.replace(&format!("${name}"), value);
    }
    out
}

/// `$name` or `${name}` references in `text`.
pub fn references(text: &str) -> Vec<String> {
    let mut refs = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let braced = b.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(braced);
            let len = b[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if len > 0 {
                refs.push(text[start..start + len].to_string());
            }
            i = start + len;
        } else {
            i += 1;
        }
    }
    refs
}
