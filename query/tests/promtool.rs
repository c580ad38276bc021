//! The generated rules, checked by the real `promtool`: `check rules` accepts
//! them, and the unit tests under `tests/promtool/` (synthetic series, alert
//! expectations) pass against them.
//!
//! Gated by `OMNIMETRICS_REAL_TOOLS=1` (see `omnimetrics_test_support::tools`).

use std::path::PathBuf;
use std::process::Command;

use omnimetrics_query::rules::{ObjectiveSpec, RulesConfig, generic_rules, rules_for};
use omnimetrics_test_support::{TempDir, run_ok, show, tool};

/// The objectives of `tests/promtool/custom_test.yml`.
fn custom_objectives() -> Vec<ObjectiveSpec> {
    vec![
        ObjectiveSpec::success_rate("checkout", "99.95"),
        ObjectiveSpec::latency("checkout", "97.5", "0.3"),
        ObjectiveSpec::latency("api", "99", "1.0"),
    ]
}

/// A temp dir holding both generated rules files and the unit test files.
fn workspace() -> TempDir {
    let dir = TempDir::new("omnimetrics-query-promtool");
    let cfg = RulesConfig::default();
    dir.write("generic_rules.yml", &generic_rules(&cfg).unwrap());
    dir.write(
        "custom_rules.yml",
        &rules_for(&custom_objectives(), &cfg).unwrap(),
    );
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/promtool");
    for entry in std::fs::read_dir(&tests).expect("tests/promtool") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yml") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn promtool_test(file: &str) {
    if tool("promtool").is_none() {
        return;
    }
    let dir = workspace();
    let out = Command::new("promtool")
        .args(["test", "rules", file])
        .current_dir(dir.path())
        .output()
        .expect("run promtool");
    let text = show(&out);
    println!("{text}");
    assert!(
        out.status.success(),
        "promtool test rules {file} failed\n{text}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("SUCCESS"),
        "{text}"
    );
}

#[test]
fn success_rate_alerts() {
    promtool_test("success_rate_test.yml");
}

#[test]
fn latency_alerts_with_tolerant_thresholds() {
    promtool_test("latency_test.yml");
}

#[test]
fn latency_burns_page_ticket_floor_and_recovery() {
    promtool_test("latency_burn_test.yml");
}

#[test]
fn custom_objectives_alerts() {
    promtool_test("custom_test.yml");
}

#[test]
fn check_rules_accepts_generated_files() {
    if tool("promtool").is_none() {
        return;
    }
    let dir = workspace();
    let awkward = RulesConfig::default()
        .with_period_days(28)
        .with_traffic_floor_per_minute(0.25)
        .with_alert_label("team", "pay\"ments\\ \n ünï: #x")
        .with_alert_label("env", "")
        .with_annotation("runbook_url", "https://runbooks.example/slo?a=1&b=2#frag")
        .with_annotation(
            "summary",
            "{{ $labels.objective_name }}: {{ $value | humanizePercentage }}",
        );
    let objectives = [
        ObjectiveSpec::success_rate("we\"ird\\ name\n✓ \u{2028}", "99.99"),
        ObjectiveSpec::latency("we\"ird\\ name\n✓ \u{2028}", "99.5", "0.075"),
        ObjectiveSpec::latency("big", "90", "10.0"),
    ];
    let mut files = vec![
        PathBuf::from("generic_rules.yml"),
        PathBuf::from("custom_rules.yml"),
        dir.write("awkward_generic.yml", &generic_rules(&awkward).unwrap()),
        dir.write(
            "awkward_custom.yml",
            &rules_for(&objectives, &awkward).unwrap(),
        ),
        dir.write("empty.yml", &rules_for(&[], &awkward).unwrap()),
    ];
    // Periods of 1 and 3 days coincide with recorded windows.
    for days in [1, 3, 7] {
        let cfg = RulesConfig::default().with_period_days(days);
        files.push(dir.write(&format!("period_{days}.yml"), &generic_rules(&cfg).unwrap()));
    }
    let out = run_ok(
        Command::new("promtool")
            .args(["check", "rules"])
            .args(&files)
            .current_dir(dir.path()),
    );
    println!("{out}");
    assert_eq!(out.matches("SUCCESS").count(), files.len(), "{out}");
    assert!(out.contains("SUCCESS: 80 rules found"), "{out}");
}
