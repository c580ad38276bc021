//! End to end: real Prometheus servers load the rules `omnimetrics rules`
//! writes, scrape two instrumented programs, and answer every query the
//! dashboards and doc links make.
//!
//! The programs:
//! - this test binary's shop (`slo_support::shop`), which breaks its
//!   objectives on purpose in known proportions: a quarter of
//!   `Cart::checkout` calls fail and half are slow (objective
//!   `shop-checkout`: 99.9 % success, 99 % within 10 ms), half the
//!   `build_report` calls take over 1 s (objective `shop-reports`: 97.5 %, a
//!   custom percentile, within 1 s, written `le="1.0"`);
//! - the demo (`cargo run -p omnimetrics-exporter --example demo`), under its
//!   own load, on free ports.
//!
//! Two Prometheus servers scrape both every second and evaluate rules every
//! second: A with the generic rules (`omnimetrics rules`), B with the rules
//! of both programs' declared objectives (`omnimetrics rules --from URL
//! --from URL`). The test checks:
//! - `promtool check rules` accepts the generic set and the demo's declared
//!   rules (read from its `/metrics`);
//! - every rule of A and B evaluates without error;
//! - the recorded error ratios are the shop's known ones, in every window,
//!   in A (standard percentiles) and B (all objectives), and A records
//!   nothing for the custom 97.5 %; the page alerts fire;
//! - every query of every dashboard panel, with its template variables
//!   substituted as Grafana would for every option Prometheus offers (and
//!   "All"), and every doc-link query of every function of both programs,
//!   returns data in B. Queries that only some functions can answer (the
//!   concurrency gauge, callees, firing alerts, budgets of standard
//!   percentiles) must return data exactly when a selected function can.
//!
//! Needs `OMNIMETRICS_REAL_TOOLS=1`, `prometheus` and `promtool`. The demo is
//! `$OMNIMETRICS_DEMO_BIN` if set, else built here with cargo.

mod common;
mod slo_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::prometheus::{Prometheus, sample_labels, sample_value};
use common::{ChildGuard, TempDir, http_get, show, tools, wait_for, wait_ok};
use omnimetrics_exporter::Exporter;
use omnimetrics_query::queries::{FunctionRef, doc_section};
use serde_json::Value;
use slo_support::grafana::{self, Variable, format_value, interpolate};
use slo_support::{cli_ok, shop};

/// Grafana's built-in variables, as a dashboard over the last 5 minutes
/// would set them.
const BUILTINS: [(&str, &str); 3] = [
    ("__rate_interval", "1m"),
    ("__interval", "5s"),
    ("__range", "5m"),
];
const CALLS: &str = r#"__name__=~"function_calls(_count)?(_total)?""#;
const STANDARD_PERCENTILES: [&str; 4] = ["90", "95", "99", "99.9"];

/// The demo binary: `$OMNIMETRICS_DEMO_BIN`, else built with this test's
/// profile into this test's target directory.
fn demo_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OMNIMETRICS_DEMO_BIN") {
        return path.into();
    }
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let mut build = Command::new(cargo);
    build.args([
        "build",
        "--quiet",
        "--manifest-path",
        manifest,
        "--example",
        "demo",
    ]);
    if release {
        build.arg("--release");
    }
    let out = build.output().expect("run cargo build --example demo");
    assert!(
        out.status.success(),
        "cannot build the demo\n{}",
        show(&out)
    );
    profile_dir.join("examples/demo")
}

/// Starts the demo on free ports; returns it and its `/metrics` URL.
fn start_demo(dir: &TempDir) -> (ChildGuard, String) {
    let binary = demo_binary();
    let mut demo = ChildGuard::spawn(
        "demo",
        Command::new(&binary).args(["--addr", "127.0.0.1:0", "--rps", "40"]),
        dir.path(),
    );
    let url = wait_for("the demo's metrics URL", Duration::from_secs(30), || {
        demo.assert_running();
        demo.log("out")
            .lines()
            .find_map(|l| l.trim().strip_prefix("metrics"))
            .map(|u| u.trim().to_string())
    });
    (demo, url)
}

fn host_port(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

/// Label tuples of an instant query's result.
fn set(prom: &Prometheus, promql: &str, names: &[&str]) -> BTreeSet<Vec<String>> {
    prom.query(promql)
        .iter()
        .map(|s| sample_labels(s, names))
        .collect()
}

/// `Ok` when every recorded ratio in `expected` is within its tolerance.
fn ratios_match(
    prom: &Prometheus,
    expected: &[(&str, &str, &str, f64, f64)],
) -> Result<(), String> {
    for (window, objective, category, value, tolerance) in expected {
        let q = format!(
            r#"slo:sli_error:ratio_rate{window}{{objective_name="{objective}",category="{category}",service_name="{}"}}"#,
            shop::SERVICE
        );
        let result = prom.query(&q);
        if result.len() != 1 || (sample_value(&result[0]) - value).abs() > *tolerance {
            return Err(format!("{q} = {result:?}, expected {value} ± {tolerance}"));
        }
    }
    Ok(())
}

/// Every rule of every group evaluated without error.
fn assert_rules_healthy(prom: &Prometheus, name: &str) -> usize {
    let data = prom.api("rules", &[]);
    let mut n = 0;
    for group in data["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            n += 1;
            assert_eq!(
                rule["health"], "ok",
                "{name}: rule {} of {}: {}",
                rule["name"], group["name"], rule["lastError"]
            );
        }
    }
    n
}

/// Firing alerts: (alertname, severity, objective_name, service_name).
fn firing(prom: &Prometheus) -> BTreeSet<Vec<String>> {
    prom.api("alerts", &[])["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] == "firing")
        .map(|a| {
            ["alertname", "severity", "objective_name", "service_name"]
                .iter()
                .map(|k| a["labels"][k].as_str().unwrap_or("").to_string())
                .collect()
        })
        .collect()
}

fn key(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

/// What the data can answer, to tell a query that must return data from one
/// that legitimately returns none.
struct Facts {
    /// (function, module, service_name) with `function_calls_concurrent`.
    concurrent: BTreeSet<Vec<String>>,
    /// (function, module, service_name) that call instrumented functions.
    callers: BTreeSet<Vec<String>>,
    /// (objective_name, service_name) with a pending or firing SLO alert.
    alerting: BTreeSet<Vec<String>>,
    /// (objective_name, service_name) with a target at a standard percentile.
    standard: BTreeSet<Vec<String>>,
}

impl Facts {
    fn gather(prom: &Prometheus) -> Facts {
        let fms = ["function", "module", "service_name"];
        let callers = prom
            .query(&format!(
                r#"group by (caller_function, caller_module, service_name) ({{{CALLS},caller_function!=""}})"#
            ))
            .iter()
            .map(|s| sample_labels(s, &["caller_function", "caller_module", "service_name"]))
            .collect();
        let standard_re = STANDARD_PERCENTILES.join("|").replace('.', "\\\\.");
        Facts {
            concurrent: set(
                prom,
                "group by (function, module, service_name) (function_calls_concurrent)",
                &fms,
            ),
            callers,
            alerting: set(
                prom,
                r#"group by (objective_name, service_name) (ALERTS{alertname=~"High (Error Rate|Latency) SLO - .+"})"#,
                &["objective_name", "service_name"],
            ),
            standard: set(
                prom,
                &format!(
                    r#"group by (objective_name, service_name) ({{__name__=~"function_calls(_count)?(_total)?|function_calls_duration(_seconds)?_bucket",objective_name!="",objective_percentile=~"{standard_re}"}})"#
                ),
                &["objective_name", "service_name"],
            ),
        }
    }

    /// Whether `promql` can return data when `functions` and `objectives`
    /// are selected.
    fn can_answer(
        &self,
        promql: &str,
        functions: &BTreeSet<Vec<String>>,
        objectives: &BTreeSet<Vec<String>>,
    ) -> bool {
        let any = |s: &BTreeSet<Vec<String>>, of: &BTreeSet<Vec<String>>| !s.is_disjoint(of);
        if promql.contains("function_calls_concurrent") && !any(&self.concurrent, functions) {
            return false;
        }
        if (promql.contains("caller_function=\"") || promql.contains("caller_function=~\""))
            && !any(&self.callers, functions)
        {
            return false;
        }
        if promql.contains("ALERTS") && !any(&self.alerting, objectives) {
            return false;
        }
        if promql.contains("objective_percentile=\"") && !any(&self.standard, objectives) {
            return false;
        }
        true
    }
}

/// One choice of values for a dashboard's variables.
#[derive(Debug, Clone)]
struct Selection {
    /// (variable, formatted value) for interpolation.
    values: Vec<(String, String)>,
    /// Human description.
    describe: String,
    /// Matchers equivalent to the selection, for finding what it selects.
    matchers: Vec<String>,
}

/// Every selection Grafana offers: for each variable in order, its options
/// as Prometheus lists them for the earlier choices (`label_values`), each
/// alone and, for a multi-value variable, all together ("All").
fn selections(prom: &Prometheus, vars: &[Variable]) -> Vec<Selection> {
    let mut done = vec![Selection {
        values: Vec::new(),
        describe: String::new(),
        matchers: Vec::new(),
    }];
    let start = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600)
        .to_string();
    for var in vars {
        let mut next = Vec::new();
        for sel in &done {
            let selector = interpolate(&var.selector, &sel.values, &[]);
            let options: Vec<String> = prom
                .api(
                    &format!("label/{}/values", var.label),
                    &[("match[]", &selector), ("start", &start)],
                )
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            assert!(
                !options.is_empty(),
                "variable {} has no options for {}",
                var.name,
                sel.describe
            );
            let mut choices: Vec<(String, Vec<String>)> = options
                .iter()
                .map(|o| (o.clone(), vec![o.clone()]))
                .collect();
            if var.regex_escaped() && options.len() > 1 {
                choices.push(("All".to_string(), options.clone()));
            }
            for (label, values) in choices {
                let formatted = format_value(var, &values);
                let op = if var.regex_escaped() { "=~" } else { "=" };
                let mut s = sel.clone();
                s.values.push((var.name.clone(), formatted.clone()));
                s.describe += &format!("{}={label} ", var.name);
                s.matchers.push(format!("{}{op}\"{formatted}\"", var.label));
                next.push(s);
            }
        }
        done = next;
    }
    done
}

/// Runs every target of `dashboard` for every selection; returns the
/// number of queries that had to, and did, return data.
fn check_dashboard(prom: &Prometheus, facts: &Facts, name: &str, dashboard: &Value) -> usize {
    let vars = grafana::variables(dashboard);
    let targets = grafana::targets(dashboard);
    let sels = selections(prom, &vars);
    let mut checked = 0;
    let mut failures = Vec::new();
    for sel in &sels {
        let matchers = sel.matchers.join(",");
        let functions = set(
            prom,
            &format!("group by (function, module, service_name) ({{{CALLS},{matchers}}})"),
            &["function", "module", "service_name"],
        );
        let objectives = set(
            prom,
            &format!(
                r#"group by (objective_name, service_name) ({{{CALLS},objective_name!="",{matchers}}})"#
            ),
            &["objective_name", "service_name"],
        );
        assert!(
            !functions.is_empty(),
            "{name}: {} selects no function",
            sel.describe
        );
        for (title, target) in &targets {
            let expr = interpolate(target["expr"].as_str().unwrap(), &sel.values, &BUILTINS);
            assert!(
                !expr.contains('$'),
                "{name}: {title}: not interpolated: {expr}"
            );
            let result = if target["instant"] == true {
                prom.query(&expr)
            } else {
                prom.query_range(&expr, 60, 5)
            };
            let mut required = facts.can_answer(&expr, &functions, &objectives);
            let mut result = result;
            if expr.contains("ALERTS") && required == result.is_empty() {
                // The demo's alerts may start or stop between the facts and
                // the query: look again once.
                std::thread::sleep(Duration::from_secs(2));
                let alerting = Facts::gather(prom).alerting;
                required = !alerting.is_disjoint(&objectives);
                result = prom.query(&expr);
            }
            if required && result.is_empty() {
                failures.push(format!(
                    "{name}: {title} [{}]: no data\n  {expr}",
                    sel.describe
                ));
            } else if !required && !result.is_empty() {
                failures.push(format!(
                    "{name}: {title} [{}]: data where none was expected: {result:?}",
                    sel.describe
                ));
            }
            checked += usize::from(required);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{name}: {} selections x {} targets, {checked} with data",
        sels.len(),
        targets.len()
    );
    checked
}

/// The PromQL of every link in `markdown`.
fn doc_link_queries(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|l| {
            l.split_once("](")
                .map(|(_, link)| link.trim_end_matches(')'))
        })
        .map(|link| {
            let expr = link
                .split_once("g0.expr=")
                .unwrap()
                .1
                .split('&')
                .next()
                .unwrap();
            percent_decode(expr)
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn prometheus_loads_the_rules_and_every_dashboard_query_has_data() {
    let Some([prometheus_bin, promtool]) = tools(["prometheus", "promtool"]) else {
        return;
    };
    let started = Instant::now();
    let dir = TempDir::new("omnimetrics-slo-e2e");

    // The two programs.
    let _load = shop::Load::start();
    let exporter = Exporter::builder()
        .address("127.0.0.1:0")
        .start()
        .expect("start the shop's exporter");
    let shop_url = exporter.url().to_string();
    let (mut demo, demo_url) = start_demo(&dir);
    println!("shop {shop_url}, demo {demo_url} ({:?})", started.elapsed());

    // Rules, checked by promtool (must-show 1).
    let generic = dir.write("generic.yml", &cli_ok(&["rules"]));
    let demo_rules = cli_ok(&["rules", "--from", &demo_url]);
    assert!(
        demo_rules.contains("High Error Rate SLO - "),
        "{demo_rules}"
    );
    dir.write("demo.yml", &demo_rules);
    // B without a traffic floor: the period ratio of a program minutes old
    // would otherwise wait for the 43,200 calls that 1 call/min over 30
    // days means (A shows that below).
    let declared = dir.write(
        "declared.yml",
        &cli_ok(&[
            "rules",
            "--from",
            &shop_url,
            "--from",
            &demo_url,
            "--traffic-floor",
            "0",
        ]),
    );
    let check = Command::new(promtool)
        .args([
            "check",
            "rules",
            "--lint-fatal",
            "generic.yml",
            "demo.yml",
            "declared.yml",
        ])
        .current_dir(dir.path())
        .output()
        .expect("run promtool");
    assert!(check.status.success(), "{}", show(&check));
    assert_eq!(
        String::from_utf8_lossy(&check.stdout)
            .matches("SUCCESS")
            .count(),
        3,
        "{}",
        show(&check)
    );
    println!("{}", String::from_utf8_lossy(&check.stdout));

    // Two servers scraping both programs and evaluating rules every
    // second; `start` returns once both targets are up.
    let both = Prometheus::builder(&prometheus_bin)
        .evaluation_interval("1s")
        .target("slo-shop", host_port(&shop_url))
        .target("shop-demo", host_port(&demo_url));
    let a = both
        .clone()
        .name("prometheus-generic")
        .rule_file(generic)
        .start();
    let b = both.name("prometheus-declared").rule_file(declared).start();
    println!("Prometheus ready, targets up ({:?})", started.elapsed());

    // The shop's known ratios (window, objective, category, value, tolerance).
    // A's floor (1 call/min) is met within seconds for the short windows,
    // after about 1,440 calls for the 1d one; B has no floor.
    let checkout = |windows: &[&'static str]| {
        let mut v = Vec::new();
        for &window in windows {
            v.push((
                window,
                "shop-checkout",
                "success-rate",
                shop::CHECKOUT_ERROR_RATIO,
                0.03,
            ));
            v.push((
                window,
                "shop-checkout",
                "latency",
                shop::CHECKOUT_SLOW_RATIO,
                0.08,
            ));
        }
        v
    };
    let expected = checkout(&["5m", "30m", "1h", "2h", "6h", "1d"]);
    let mut expected_b = checkout(&["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]);
    expected_b.push((
        "5m",
        "shop-reports",
        "latency",
        shop::REPORTS_SLOW_RATIO,
        0.15,
    ));
    expected_b.push((
        "30d",
        "shop-reports",
        "latency",
        shop::REPORTS_SLOW_RATIO,
        0.15,
    ));
    wait_ok("the recorded ratios", Duration::from_secs(90), || {
        demo.assert_running();
        ratios_match(&a, &expected).map_err(|e| format!("generic: {e}"))?;
        ratios_match(&b, &expected_b).map_err(|e| format!("declared: {e}"))
    });
    println!("recorded ratios as expected ({:?})", started.elapsed());
    // Under A's floor over 30 days (fewer than 43,200 calls so far): no
    // period ratio, so nothing can fire from it.
    let calls_so_far = sample_value(
        &a.query(&format!(
            r#"sum(increase({{{CALLS},service_name="{}",function="Cart::checkout"}}[30d]))"#,
            shop::SERVICE
        ))[0],
    );
    assert!(
        calls_so_far < 43_200.0,
        "{calls_so_far} calls: the test ran too long"
    );
    assert!(
        a.query(r#"slo:sli_error:ratio_rate30d{objective_name="shop-checkout"}"#)
            .is_empty()
    );
    // The generic rules know nothing of a 97.5 % objective.
    assert!(
        a.query(r#"slo:sli_error:ratio_rate5m{objective_name="shop-reports"}"#)
            .is_empty()
    );
    // B records the demo's objectives too, in [0, 1].
    let demo_ratios = b.query(r#"slo:sli_error:ratio_rate5m{service_name="shop-demo"}"#);
    let demo_slos: BTreeSet<Vec<String>> = demo_ratios
        .iter()
        .inspect(|s| assert!((0.0..=1.0).contains(&sample_value(s)), "{s}"))
        .map(|s| sample_labels(s, &["objective_name", "category"]))
        .collect();
    let declared_by_demo: BTreeSet<Vec<String>> =
        omnimetrics_exporter::slo::objectives_from_scrape(&http_get(&demo_url).unwrap())
            .unwrap()
            .into_iter()
            .map(|o| {
                let category = match o.kind {
                    omnimetrics_exporter::slo::ObjectiveKind::SuccessRate => "success-rate",
                    _ => "latency",
                };
                key(&[&o.name, category])
            })
            .collect();
    assert_eq!(demo_slos, declared_by_demo);

    // The page alerts fire for the broken objectives.
    let shop_page = |alert: &str, objective: &str| key(&[alert, "page", objective, shop::SERVICE]);
    let want_a = [shop_page("High Error Rate SLO - 99.9%", "shop-checkout")];
    let want_b = [
        shop_page("High Error Rate SLO - 99.9%", "shop-checkout"),
        shop_page("High Latency SLO - 99%", "shop-checkout"),
        shop_page("High Latency SLO - 97.5%", "shop-reports"),
    ];
    wait_for("the page alerts", Duration::from_secs(30), || {
        let (fa, fb) = (firing(&a), firing(&b));
        (want_a.iter().all(|w| fa.contains(w)) && want_b.iter().all(|w| fb.contains(w)))
            .then_some(())
    });
    assert!(!firing(&a).iter().any(|f| f[2] == "shop-reports"));
    let rules_a = assert_rules_healthy(&a, "generic");
    let rules_b = assert_rules_healthy(&b, "declared");
    assert_eq!(rules_a, 80);
    println!(
        "alerts firing; {rules_a} + {rules_b} rules healthy ({:?})",
        started.elapsed()
    );

    // Every dashboard query, for every selection.
    let facts = Facts::gather(&b);
    assert!(
        facts
            .concurrent
            .contains(&key(&["Cart::checkout", shop::MODULE, shop::SERVICE]))
    );
    assert!(
        facts
            .callers
            .contains(&key(&["Cart::checkout", shop::MODULE, shop::SERVICE]))
    );
    let mut with_data = 0;
    for (name, dashboard) in grafana::dashboards() {
        with_data += check_dashboard(&b, &facts, &name, &dashboard);
    }
    println!(
        "dashboards: {with_data} queries with data ({:?})",
        started.elapsed()
    );

    // Every doc link of every function of both programs.
    let functions = set(
        &b,
        &format!("group by (function, module, service_name) ({{{CALLS}}})"),
        &["function", "module", "service_name"],
    );
    let services: BTreeSet<&str> = functions.iter().map(|f| f[2].as_str()).collect();
    assert_eq!(services, BTreeSet::from([shop::SERVICE, "shop-demo"]));
    let mut links = 0;
    let mut failures = Vec::new();
    let objectives_of: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = functions
        .iter()
        .map(|f| {
            let q = format!(
                r#"group by (objective_name, service_name) ({{{CALLS},function="{}",module="{}",service_name="{}",objective_name!=""}})"#,
                f[0], f[1], f[2]
            );
            (f.clone(), set(&b, &q, &["objective_name", "service_name"]))
        })
        .collect();
    for f in &functions {
        let section = doc_section(&FunctionRef::new(&f[0], &f[1], &f[2]), &b.url);
        let queries = doc_link_queries(&section);
        assert_eq!(queries.len(), 7, "{section}");
        for q in queries {
            let selected = BTreeSet::from([f.clone()]);
            let required = facts.can_answer(&q, &selected, &objectives_of[f]);
            let result = b.query(&q);
            if required == result.is_empty() {
                failures.push(format!(
                    "doc link of {f:?}: required {required}, got {result:?}\n  {q}"
                ));
            }
            links += usize::from(required);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "doc links: {} functions, {links} queries with data ({:?})",
        functions.len(),
        started.elapsed()
    );
    demo.assert_running();
}
