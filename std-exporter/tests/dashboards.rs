//! The Grafana dashboards in `dashboards/`: what Grafana's import needs,
//! what the wire contract allows, and safe template variables.
//!
//! - every file is valid JSON in Grafana's export format (`__inputs` for the
//!   data source, `__requires`, `uid`, `title`, `schemaVersion`,
//!   `templating`, `panels` with `targets`), with unique ids and panels
//!   that fit the 24-column grid without overlapping;
//! - queries use only the SPEC's metric and label names, metric names are
//!   matched tolerantly, and the function explorer shows exactly the
//!   queries of the doc links and `omnimetrics explain`;
//! - template variables are interpolated safely for values such as
//!   `Type::method`: a multi-value or "All" variable only inside a `=~`
//!   matcher (Grafana regex-escapes its values and joins them as `(a|b)`),
//!   a single-value one only inside a `=` matcher (Grafana does not
//!   regex-escape it), and every variable is defined before it is used;
//! - with `OMNIMETRICS_REAL_TOOLS=1`, `promtool` parses every query, with
//!   variables substituted as Grafana would.
//!
//! Whether the queries return data is `slo_e2e`'s job.

mod common;
mod slo_support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use common::{TempDir, show, tool};
use omnimetrics_query::queries::{FunctionRef, QueryOptions, all_queries};
use serde_json::Value;
use slo_support::grafana::{
    self, Variable, dashboards, format_value, interpolate, references, targets, variables,
};

const BUILTINS: [&str; 3] = ["__rate_interval", "__interval", "__range"];

/// The SPEC's label names, those Prometheus adds to scraped and alerting
/// series, and the rules' `category`.
const LABELS: [&str; 18] = [
    "function",
    "module",
    "service_name",
    "result",
    "caller_function",
    "caller_module",
    "objective_name",
    "objective_percentile",
    "objective_latency_threshold",
    "le",
    "version",
    "commit",
    "instance",
    "job",
    "category",
    "alertname",
    "alertstate",
    "__name__",
];

fn string<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

#[test]
fn three_dashboards_in_grafanas_import_format() {
    let all = dashboards();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "omnimetrics-function-explorer.json",
            "omnimetrics-overview.json",
            "omnimetrics-slo.json"
        ]
    );
    let mut uids = BTreeSet::new();
    for (name, d) in &all {
        let uid = string(&d["uid"], "uid");
        assert!(
            !uid.is_empty()
                && uid.len() <= 40
                && uid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{name}: uid {uid:?}"
        );
        assert!(uids.insert(uid), "{name}: uid {uid} used twice");
        assert!(!string(&d["title"], "title").is_empty(), "{name}");
        assert!(
            d["schemaVersion"].as_u64().is_some_and(|v| v >= 36),
            "{name}"
        );
        // Import form: no database id; the data source is an input.
        assert!(d["id"].is_null(), "{name}: id must be null");
        let inputs = d["__inputs"].as_array().expect("__inputs");
        assert_eq!(inputs.len(), 1, "{name}");
        assert_eq!(inputs[0]["name"], "DS_PROMETHEUS", "{name}");
        assert_eq!(inputs[0]["type"], "datasource", "{name}");
        assert_eq!(inputs[0]["pluginId"], "prometheus", "{name}");
        let requires = d["__requires"].as_array().expect("__requires");
        for (kind, id) in [("grafana", "grafana"), ("datasource", "prometheus")] {
            assert!(
                requires.iter().any(|r| r["type"] == kind && r["id"] == id),
                "{name}: __requires lacks {id}"
            );
        }
        // The text never mentions an input that is not declared.
        let text = d.to_string();
        for (i, _) in text.match_indices("${DS_") {
            assert!(
                text[i..].starts_with("${DS_PROMETHEUS}"),
                "{name}: {}",
                &text[i..i + 20]
            );
        }

        // Templating: a data source variable (set from the input on import,
        // Grafana's default Prometheus when provisioned), then queries.
        let list = d["templating"]["list"].as_array().expect("templating.list");
        assert_eq!(list[0]["type"], "datasource", "{name}");
        assert_eq!(list[0]["name"], "datasource", "{name}");
        assert_eq!(list[0]["query"], "prometheus", "{name}");
        assert_eq!(list[0]["current"]["value"], "${DS_PROMETHEUS}", "{name}");
        let mut seen = BTreeSet::new();
        for v in list {
            let vname = string(&v["name"], "variable name");
            assert!(seen.insert(vname), "{name}: variable {vname} twice");
            if v["type"] == "query" {
                assert_eq!(v["datasource"]["uid"], "${datasource}", "{name}: {vname}");
                assert_eq!(v["definition"], v["query"], "{name}: {vname}");
                assert!(
                    v["refresh"].as_u64().is_some_and(|r| r >= 1),
                    "{name}: {vname}"
                );
            }
        }
        assert!(!variables(d).is_empty(), "{name}: no query variables");

        // Panels: unique ids, on the grid, no overlaps, each with targets.
        let panels = d["panels"].as_array().expect("panels");
        assert!(panels.len() >= 5, "{name}");
        let mut ids = BTreeSet::new();
        let mut cells = BTreeSet::new();
        for p in panels {
            let title = string(&p["title"], "panel title");
            let id = p["id"].as_u64().expect("panel id");
            assert!(ids.insert(id), "{name}: panel id {id} twice");
            let kind = string(&p["type"], "panel type");
            assert!(
                ["timeseries", "stat", "table"].contains(&kind),
                "{name}: {title}: {kind}"
            );
            let g = &p["gridPos"];
            let [h, w, x, y] = ["h", "w", "x", "y"].map(|k| g[k].as_u64().expect("gridPos"));
            assert!(w > 0 && h > 0 && x + w <= 24, "{name}: {title}: {g}");
            for cx in x..x + w {
                for cy in y..y + h {
                    assert!(
                        cells.insert((cx, cy)),
                        "{name}: {title} overlaps another panel"
                    );
                }
            }
            assert_eq!(p["datasource"]["type"], "prometheus", "{name}: {title}");
            assert_eq!(p["datasource"]["uid"], "${datasource}", "{name}: {title}");
            let ts = p["targets"].as_array().expect("targets");
            assert!(!ts.is_empty(), "{name}: {title}: no targets");
            let mut refs = BTreeSet::new();
            for t in ts {
                assert!(refs.insert(string(&t["refId"], "refId")), "{name}: {title}");
                assert!(
                    !string(&t["expr"], "expr").trim().is_empty(),
                    "{name}: {title}"
                );
                assert_eq!(t["datasource"], p["datasource"], "{name}: {title}");
                let instant = t["instant"].as_bool().unwrap_or(false);
                let range = t["range"].as_bool().unwrap_or(false);
                assert!(instant != range, "{name}: {title}: one of instant or range");
            }
        }
    }
}

/// Every PromQL text of a dashboard: variable selectors and targets.
fn promql_texts(d: &Value) -> Vec<(String, String)> {
    let mut texts: Vec<(String, String)> = variables(d)
        .into_iter()
        .map(|v| (format!("variable {}", v.name), v.selector))
        .collect();
    for (title, t) in targets(d) {
        texts.push((title, t["expr"].as_str().unwrap().to_string()));
    }
    texts
}

/// `(label, operator, value)` of every matcher in `promql`.
fn matchers(promql: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let b = promql.as_bytes();
    let mut depth = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b'"' if depth > 0 => {
                // The matcher's label and operator precede the quote.
                let before = &promql[..i];
                let op_len =
                    if before.ends_with("=~") || before.ends_with("!~") || before.ends_with("!=") {
                        2
                    } else {
                        assert!(
                            before.ends_with('='),
                            "no operator before a value: {promql}"
                        );
                        1
                    };
                let op = &before[before.len() - op_len..];
                let label_start = before[..before.len() - op_len]
                    .rfind(['{', ','])
                    .map_or(0, |p| p + 1);
                let label = before[label_start..before.len() - op_len].trim();
                let mut j = i + 1;
                while b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push((
                    label.to_string(),
                    op.to_string(),
                    promql[i + 1..j].to_string(),
                ));
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The label lists of `by`, `without`, `on`, `ignoring` and `group_left`.
fn grouping_labels(promql: &str) -> Vec<String> {
    let mut out = Vec::new();
    for kw in ["by (", "without (", "on (", "ignoring (", "group_left ("] {
        for (i, _) in promql.match_indices(kw) {
            let start = i + kw.len();
            let end = start + promql[start..].find(')').expect("closing parenthesis");
            out.extend(
                promql[start..end]
                    .split(',')
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty()),
            );
        }
    }
    out
}

#[test]
fn queries_use_only_the_specs_names_matched_tolerantly() {
    let allowed_names = [
        r#"function_calls(_count)?(_total)?"#,
        r#"function_calls_duration(_seconds)?_bucket"#,
        "function_calls_concurrent",
    ];
    for (name, d) in dashboards() {
        for (title, promql) in promql_texts(&d) {
            let ctx = format!("{name}: {title}: {promql}");
            for (label, op, value) in matchers(&promql) {
                assert!(LABELS.contains(&label.as_str()), "label {label:?} in {ctx}");
                if label == "__name__" {
                    assert!(
                        allowed_names.contains(&value.as_str())
                            && (op == "=~" || value == "function_calls_concurrent"),
                        "name {value:?} in {ctx}"
                    );
                }
            }
            for label in grouping_labels(&promql) {
                assert!(
                    LABELS.contains(&label.as_str()),
                    "grouping by {label:?} in {ctx}"
                );
            }
            // Every selector names its metric through the tolerant matcher,
            // or is a recorded SLO ratio, ALERTS, or build_info in the join.
            for (i, _) in promql.match_indices('{') {
                let before = &promql[..i];
                let metric_start = before
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .map_or(0, |p| p + 1);
                let metric = &before[metric_start..];
                let after = &promql[i + 1..];
                let ok = match metric {
                    "" => after.starts_with("__name__"),
                    "ALERTS" => {
                        after.starts_with("alertname=~\"High (Error Rate|Latency) SLO - .+\"")
                    }
                    m => m.starts_with("slo:sli_error:ratio_rate"),
                };
                assert!(ok, "selector after {metric:?} in {ctx}");
            }
            for bare in [
                "function_calls_total",
                "function_calls_duration_seconds_bucket",
                "_count{",
                "_sum{",
            ] {
                assert!(!promql.contains(bare), "{bare} in {ctx}");
            }
            if promql.contains("build_info") {
                assert!(
                    promql.contains(" or ignoring (version, commit) "),
                    "build_info without the fallback in {ctx}"
                );
            }
        }
    }
}

#[test]
fn the_function_explorer_shows_the_explain_queries() {
    let d = dashboards()
        .into_iter()
        .find(|(n, _)| n == "omnimetrics-function-explorer.json")
        .unwrap()
        .1;
    let shown: Vec<String> = targets(&d)
        .iter()
        .map(|(_, t)| {
            t["expr"]
                .as_str()
                .unwrap()
                .replace("[$__rate_interval]", "[5m]")
        })
        .collect();
    let f = FunctionRef::new("$function", "$module", "$service");
    let expected: Vec<String> = all_queries(&f, &QueryOptions::default())
        .into_iter()
        .map(|q| q.promql)
        .collect();
    assert_eq!(shown[..expected.len()], expected[..]);
}

#[test]
fn variables_are_used_where_grafana_escapes_them_right() {
    for (name, d) in dashboards() {
        let vars: BTreeMap<String, Variable> = variables(&d)
            .into_iter()
            .map(|v| (v.name.clone(), v))
            .collect();
        let order: Vec<String> = variables(&d).into_iter().map(|v| v.name).collect();
        for (title, promql) in promql_texts(&d) {
            let ctx = format!("{name}: {title}: {promql}");
            // Defined, and (in a variable's own query) defined earlier.
            for r in references(&promql) {
                if BUILTINS.contains(&r.as_str()) {
                    assert!(
                        promql.contains(&format!("[${r}]")),
                        "${r} outside a range in {ctx}"
                    );
                    continue;
                }
                let var = vars
                    .get(&r)
                    .unwrap_or_else(|| panic!("${r} is not defined: {ctx}"));
                if let Some(own) = title.strip_prefix("variable ") {
                    let pos = |n: &str| order.iter().position(|o| o == n).unwrap();
                    assert!(pos(&var.name) < pos(own), "{own} uses ${r}, defined later");
                }
            }
            // A variable's value is exactly a matcher's value, with the
            // operator its escaping calls for.
            let mut in_matchers = 0;
            for (label, op, value) in matchers(&promql) {
                let refs = references(&value);
                if refs.is_empty() {
                    continue;
                }
                in_matchers += refs.len();
                let var = &vars[&refs[0]];
                assert_eq!(value, format!("${}", var.name), "{ctx}");
                let wanted = if var.regex_escaped() { "=~" } else { "=" };
                assert_eq!(op, wanted, "${} with {op} on {label} in {ctx}", var.name);
            }
            let all_refs = references(&promql)
                .into_iter()
                .filter(|r| !BUILTINS.contains(&r.as_str()))
                .count();
            assert_eq!(
                in_matchers, all_refs,
                "a variable outside a matcher in {ctx}"
            );
        }
    }
}

#[test]
fn grafana_interpolation_of_method_names() {
    let multi = Variable {
        name: "function".into(),
        selector: String::new(),
        label: "function".into(),
        multi: true,
        include_all: true,
    };
    let single = Variable {
        multi: false,
        include_all: false,
        ..multi.clone()
    };
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(format_value(&multi, &v(&["Cart::add"])), "Cart::add");
    assert_eq!(
        format_value(&multi, &v(&["Cart::add", "shop.v2(x)", "a\\b"])),
        r"(Cart::add|shop\\.v2\\(x\\)|a\\\\b)"
    );
    assert_eq!(format_value(&single, &v(&["Cart::add"])), "Cart::add");
    assert_eq!(format_value(&single, &v(&["a\\b'c"])), r"a\\b\\'c");
    let values = vec![("function".to_string(), "Cart::add".to_string())];
    assert_eq!(
        interpolate(
            r#"rate(x{function=~"$function",f2="${function}"}[$__rate_interval])"#,
            &values,
            &[("__rate_interval", "1m")]
        ),
        r#"rate(x{function=~"Cart::add",f2="Cart::add"}[1m])"#
    );
    assert_eq!(
        grafana::references("a $x ${y_1} $$ $__range"),
        ["x", "y_1", "__range"]
    );
}

#[test]
fn promtool_parses_every_query() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    // Each query, with method-name values substituted as Grafana would, as
    // a recording rule: `promtool check rules` parses its PromQL.
    let mut rules = String::from("groups:\n  - name: dashboards\n    rules:\n");
    let mut n = 0;
    for (_, d) in dashboards() {
        let vars = variables(&d);
        for values in [
            vec!["Cart::checkout"],
            vec!["Cart::checkout", "shop.v2::x(y)"],
        ] {
            let values: Vec<String> = values.into_iter().map(String::from).collect();
            let substituted: Vec<(String, String)> = vars
                .iter()
                .map(|v| {
                    let vals = if v.regex_escaped() {
                        &values[..]
                    } else {
                        &values[..1]
                    };
                    (v.name.clone(), format_value(v, vals))
                })
                .collect();
            for (_, promql) in promql_texts(&d) {
                let expr = interpolate(
                    &promql,
                    &substituted,
                    &[
                        ("__rate_interval", "1m"),
                        ("__interval", "15s"),
                        ("__range", "1h"),
                    ],
                );
                n += 1;
                rules += &format!(
                    "      - record: dashboard:query{n}\n        expr: {}\n",
                    serde_json::to_string(&expr).unwrap()
                );
            }
        }
    }
    let dir = TempDir::new("omnimetrics-slo-dashboards");
    let file = dir.write("queries.yml", &rules);
    let out = Command::new(promtool)
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .expect("run promtool");
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("SUCCESS: {n} rules found")),
        "{}",
        show(&out)
    );
}
