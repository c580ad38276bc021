//! `omnimetrics rules` and `omnimetrics explain`, run as the real binary.
//!
//! - `rules` writes the generic set, honours every option, and with
//!   `--from` writes exactly the objectives of a running program: this test
//!   binary's own instrumented shop, served by the exporter, whose declared
//!   objectives the library also reports (`slo::declared_rules`);
//! - bad option values are usage errors (status 2), unreachable or
//!   unreadable sources runtime errors (status 1), both with nothing on
//!   stdout;
//! - `explain` prints every query of `all_queries` with its link, and finds
//!   a function's module in Prometheus when it is not given;
//! - with `OMNIMETRICS_REAL_TOOLS=1`, `promtool check rules` accepts every
//!   file written here and `promtool test rules` shows the rules written
//!   from the running shop fire for its custom percentile and its 1 s
//!   threshold, with buckets written `le="1.0"` or `le="1"`.

mod common;
mod slo_support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;

use common::{TempDir, free_port, http_get, omnimetrics, run_with_input, show, tool};
use omnimetrics_exporter::Exporter;
use omnimetrics_exporter::slo::{
    ObjectiveSpec, RulesConfig, declared_objectives, declared_rules, objectives_from_scrape,
};
use omnimetrics_query::queries::{FunctionRef, QueryOptions, all_queries, prometheus_graph_link};
use omnimetrics_query::rules::generic_rules;
use slo_support::{cli, cli_ok, shop};

/// The exporter of this process, serving the shop's functions (registered
/// before `main`, so at zero until called).
fn serve_shop() -> Exporter {
    let _ = omnimetrics::set_service_name(shop::SERVICE);
    Exporter::builder()
        .address("127.0.0.1:0")
        .start()
        .expect("start the exporter")
}

fn expected_shop_objectives() -> Vec<ObjectiveSpec> {
    vec![
        ObjectiveSpec::success_rate("shop-checkout", "99.9"),
        ObjectiveSpec::latency("shop-checkout", "99", "0.01"),
        ObjectiveSpec::latency("shop-reports", "97.5", "1.0"),
    ]
}

#[test]
fn rules_default_to_the_generic_set() {
    let out = cli_ok(&["rules"]);
    assert_eq!(out, generic_rules(&RulesConfig::default()).unwrap());
}

#[test]
fn rules_options_reach_the_file() {
    let out = cli_ok(&[
        "rules",
        "--period",
        "4w",
        "--traffic-floor",
        "0.5",
        "--alert-label",
        "team=payments",
        "--alert-label",
        "env=prod=eu",
        "--annotation",
        "runbook_url=https://runbooks.example/slo?a=1#x",
    ]);
    let config = RulesConfig::default()
        .with_period_days(28)
        .with_traffic_floor_per_minute(0.5)
        .with_alert_label("team", "payments")
        .with_alert_label("env", "prod=eu")
        .with_annotation("runbook_url", "https://runbooks.example/slo?a=1#x");
    assert_eq!(out, generic_rules(&config).unwrap());
    assert!(out.contains("over a 28-day period"));
    assert!(out.contains("slo:sli_error:ratio_rate28d"));
    assert!(out.contains(">= (0.5 / 60)"));
    assert_eq!(out.matches("team: \"payments\"").count(), 16, "{out}");
    assert_eq!(out.matches("runbook_url: ").count(), 16);
    assert_eq!(cli_ok(&["rules", "--period", "28"]), {
        generic_rules(&RulesConfig::default().with_period_days(28)).unwrap()
    });
}

#[test]
fn invalid_option_values_are_usage_errors() {
    for args in [
        &["rules", "--period", "0d"][..],
        &["rules", "--period", "30h"],
        &["rules", "--period", "9999d"],
        &["rules", "--traffic-floor", "-1"],
        &["rules", "--traffic-floor", "lots"],
        &["rules", "--alert-label", "team"],
        &["rules", "--alert-label", "severity=low"],
        &["rules", "--alert-label", "bad-name=x"],
        &["rules", "--annotation", "__x=y"],
        &["rules", "--no-such-option"],
        &["explain"],
        &["explain", "f", "--prometheus-url", "localhost:9090"],
        &[
            "explain",
            "f",
            "--module",
            "m",
            "--rate-window",
            "5 minutes",
        ],
    ] {
        let out = cli(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}\n{}", show(&out));
        assert!(out.stdout.is_empty(), "{args:?}\n{}", show(&out));
        assert!(stderr.starts_with("error: "), "{args:?}\n{stderr}");
    }
    // A label given twice is caught by the generator: status 1, a message.
    let out = cli(&["rules", "--alert-label", "a=1", "--alert-label", "a=2"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "omnimetrics: \"a\" is given twice\n"
    );
}

#[test]
fn the_library_lists_the_programs_declared_objectives() {
    assert_eq!(declared_objectives(), expected_shop_objectives());
    let yaml = declared_rules(&RulesConfig::default()).unwrap();
    assert!(yaml.contains("  - name: \"omnimetrics-slo-shop-reports-latency-97.5\"\n"));
    assert!(
        yaml.contains(
            r#"objective_name="shop-reports",objective_percentile="97.5",le=~"1(\\.0*)?""#
        )
    );
    assert!(
        yaml.contains(r#"objective_name="shop-checkout",objective_percentile="99",le=~"0\\.010*""#)
    );
}

#[test]
fn rules_from_a_running_program_are_exactly_its_objectives() {
    let exporter = serve_shop();
    let url = exporter.url().to_string();
    let expected = declared_rules(&RulesConfig::default()).unwrap();

    let out = cli(&["rules", "--from", &url]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    let note = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        note,
        "omnimetrics: 3 objective target(s): shop-checkout success rate 99.9%; \
         shop-checkout latency 99% within 0.01 s; shop-reports latency 97.5% within 1.0 s\n"
    );

    // The same from a saved OpenMetrics scrape, from stdin, and from the
    // same source twice (merged).
    let openmetrics = ureq::get(&url)
        .header("Accept", "application/openmetrics-text; version=1.0.0")
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(openmetrics.ends_with("# EOF\n"));
    assert_eq!(
        objectives_from_scrape(&openmetrics).unwrap(),
        expected_shop_objectives()
    );
    let dir = TempDir::new("omnimetrics-slo-cli");
    let file = dir.write("scrape.txt", &openmetrics);
    let file = file.to_str().unwrap();
    assert_eq!(cli_ok(&["rules", "--from", file, "--from", &url]), expected);
    let out = run_with_input(
        omnimetrics().args(["rules", "--from", "-"]),
        openmetrics.as_bytes(),
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);

    // Options apply to declared rules too.
    let custom = cli_ok(&[
        "rules",
        "--from",
        &url,
        "--period",
        "7d",
        "--alert-label",
        "team=shop",
    ]);
    let config = RulesConfig::default()
        .with_period_days(7)
        .with_alert_label("team", "shop");
    assert_eq!(custom, declared_rules(&config).unwrap());
}

#[test]
fn rules_from_a_program_without_objectives_has_no_groups() {
    let dir = TempDir::new("omnimetrics-slo-cli");
    let file = dir.write(
        "plain.txt",
        "function_calls_total{function=\"f\",module=\"m\",service_name=\"s\",result=\"ok\",\
         caller_function=\"\",caller_module=\"\",objective_name=\"\",objective_percentile=\"\"} 3\n",
    );
    let out = cli(&["rules", "--from", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", show(&out));
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.ends_with("groups: []\n"), "{yaml}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("declares no objectives"));
}

#[test]
fn unreadable_sources_fail_with_a_message_and_nothing_on_stdout() {
    let exporter = serve_shop();
    let base = format!("http://{}", exporter.local_addr());
    let closed = format!("http://127.0.0.1:{}/metrics", free_port());
    let dir = TempDir::new("omnimetrics-slo-cli");
    let html = dir.write("page.html", "<html><body>Grafana</body></html>\n");
    let broken = dir.write(
        "broken.txt",
        "# TYPE function_calls_total counter\nfunction_calls_total{function=\"f\",module=\"m} 1\n",
    );
    let missing = dir.path().join("missing.txt");
    let cases: [(&str, String); 6] = [
        (&closed, format!("omnimetrics: cannot fetch {closed}: ")),
        (
            "http://no-such-host.invalid/metrics",
            "omnimetrics: cannot fetch http://no-such-host.invalid/metrics: ".into(),
        ),
        (
            &format!("{base}/not-metrics"),
            format!("omnimetrics: {base}/not-metrics answered with HTTP status 404"),
        ),
        (
            missing.to_str().unwrap(),
            format!("omnimetrics: cannot read {}: ", missing.display()),
        ),
        (
            html.to_str().unwrap(),
            format!(
                "omnimetrics: {}: no function_calls series found",
                html.display()
            ),
        ),
        (
            broken.to_str().unwrap(),
            format!(
                "omnimetrics: {}: line 2: unterminated value of label module",
                broken.display()
            ),
        ),
    ];
    for (source, message) in cases {
        let out = cli(&["rules", "--from", source]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{source}\n{}", show(&out));
        assert!(out.stdout.is_empty(), "{source}");
        assert!(stderr.starts_with(&message), "{source}: {stderr}");
    }
}

#[test]
fn explain_prints_every_query_and_its_link() {
    let out = cli_ok(&[
        "explain",
        "Cart::checkout",
        "--module",
        shop::MODULE,
        "--service",
        shop::SERVICE,
        "--prometheus-url",
        "http://prometheus.example:9090/",
    ]);
    let f = FunctionRef::new("Cart::checkout", shop::MODULE, shop::SERVICE);
    let mut expected = format!(
        "Cart::checkout (module {}, {}); links to http://prometheus.example:9090\n",
        shop::MODULE,
        shop::SERVICE
    );
    for q in all_queries(&f, &QueryOptions::default()) {
        let link = prometheus_graph_link("http://prometheus.example:9090", &q.promql);
        expected += &format!("\n{}\n  {}\n  {link}\n", q.title, q.promql);
    }
    assert_eq!(out, expected);

    // The rate window, and the default URL from PROMETHEUS_URL.
    let out = omnimetrics()
        .args([
            "explain",
            "charge",
            "--module",
            "m",
            "--rate-window",
            "1m30s",
        ])
        .env("PROMETHEUS_URL", "http://from-env:9090")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("charge (module m, any service); links to http://from-env:9090\n"));
    assert!(text.contains("[1m30s]") && !text.contains("[5m]"), "{text}");
    assert!(text.contains("\n  http://from-env:9090/graph?g0.expr="));
}

/// A stand-in for Prometheus' label values API: answers every request with
/// `modules` and reports the request line.
fn fake_prometheus(modules: &'static str) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let body = format!(r#"{{"status":"success","data":{modules}}}"#);
            let _ = write!(
                &stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tx.send(request_line);
        }
    });
    (url, rx)
}

#[test]
fn explain_finds_the_module_in_prometheus() {
    let (url, requests) = fake_prometheus(r#"["shop::cart"]"#);
    let out = cli(&[
        "explain",
        "Cart::add",
        "--service",
        "shop",
        "--prometheus-url",
        &url,
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&format!(
        "Cart::add (module shop::cart, shop); links to {url}\n"
    )));
    assert!(text.contains(r#"function="Cart::add",module="shop::cart",service_name="shop""#));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "omnimetrics: Cart::add is in module shop::cart\n"
    );
    let request = requests.recv().unwrap();
    let expected_selector = omnimetrics_query::queries::percent_encode(
        r#"{__name__=~"function_calls(_count)?(_total)?",function="Cart::add",service_name="shop"}"#,
    );
    assert_eq!(
        request.trim_end(),
        format!("GET /api/v1/label/module/values?match[]={expected_selector} HTTP/1.1")
    );

    let (url, _requests) = fake_prometheus(r#"["a::b","c"]"#);
    let out = cli(&["explain", "run", "--prometheus-url", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "omnimetrics: function \"run\" exists in several modules (a::b, c); pass --module\n"
    );

    let (url, _requests) = fake_prometheus("[]");
    let out = cli(&["explain", "nope", "--prometheus-url", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "omnimetrics: Prometheus at {url} has no series of function \"nope\"; check the name, or pass --module\n"
        )
    );

    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = cli(&["explain", "f", "--prometheus-url", &closed]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("omnimetrics: cannot look up the module of f (cannot fetch "),
        "{stderr}"
    );
    assert!(stderr.ends_with("; pass --module\n"), "{stderr}");
}

/// Runs `promtool check rules` on `files` in `dir`; all must pass.
fn promtool_check(promtool: &Path, dir: &TempDir, files: &[&str]) -> String {
    let out = Command::new(promtool)
        .args(["check", "rules", "--lint-fatal"])
        .args(files)
        .current_dir(dir.path())
        .output()
        .expect("run promtool");
    let text = show(&out);
    assert!(out.status.success(), "promtool check rules failed\n{text}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("SUCCESS")
            .count(),
        files.len(),
        "{text}"
    );
    text
}

#[test]
fn promtool_accepts_every_generated_file() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let exporter = serve_shop();
    let url = exporter.url().to_string();
    let dir = TempDir::new("omnimetrics-slo-promtool-check");
    dir.write("generic.yml", &cli_ok(&["rules"]));
    dir.write(
        "options.yml",
        &cli_ok(&[
            "rules",
            "--period",
            "28d",
            "--traffic-floor",
            "0.25",
            "--alert-label",
            "team=pay\"ments\\ ünï: #x",
            "--annotation",
            "runbook_url=https://runbooks.example/slo?a=1&b=2",
        ]),
    );
    dir.write("declared.yml", &cli_ok(&["rules", "--from", &url]));
    dir.write(
        "declared-options.yml",
        &cli_ok(&[
            "rules",
            "--from",
            &url,
            "--period",
            "1d",
            "--traffic-floor",
            "0",
        ]),
    );
    // Several objectives at the same percentile: their alerts share a name,
    // and must still differ for promtool's duplicate-rule lint.
    let scrape = dir.write(
        "same-percentile.txt",
        concat!(
            "function_calls_total{function=\"a\",objective_name=\"one\",objective_percentile=\"99.9\"} 1\n",
            "function_calls_total{function=\"b\",objective_name=\"two\",objective_percentile=\"99.9\"} 1\n",
            "function_calls_duration_seconds_bucket{function=\"a\",objective_name=\"one\",objective_percentile=\"99\",objective_latency_threshold=\"0.25\",le=\"+Inf\"} 1\n",
            "function_calls_duration_seconds_bucket{function=\"b\",objective_name=\"two\",objective_percentile=\"99\",objective_latency_threshold=\"1\",le=\"+Inf\"} 1\n",
        ),
    );
    dir.write(
        "same-percentile.yml",
        &cli_ok(&["rules", "--from", scrape.to_str().unwrap()]),
    );
    let report = promtool_check(
        &promtool,
        &dir,
        &[
            "generic.yml",
            "options.yml",
            "declared.yml",
            "declared-options.yml",
            "same-percentile.yml",
        ],
    );
    println!("{report}");
    // 8 groups of 8 ratios and 2 alerts; the shop's 3 objectives likewise
    // (a 1-day period is among the recorded windows: 7 ratios).
    assert!(
        report.contains("generic.yml\n  SUCCESS: 80 rules found"),
        "{report}"
    );
    assert!(
        report.contains("declared.yml\n  SUCCESS: 30 rules found"),
        "{report}"
    );
    assert!(
        report.contains("declared-options.yml\n  SUCCESS: 27 rules found"),
        "{report}"
    );
    assert!(
        report.contains("same-percentile.yml\n  SUCCESS: 40 rules found"),
        "{report}"
    );
}

#[test]
fn promtool_unit_tests_of_the_running_programs_rules() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let exporter = serve_shop();
    let dir = TempDir::new("omnimetrics-slo-promtool-test");
    dir.write(
        "declared_rules.yml",
        &cli_ok(&["rules", "--from", exporter.url()]),
    );
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slo_promtool");
    std::fs::copy(
        tests.join("declared_test.yml"),
        dir.path().join("declared_test.yml"),
    )
    .unwrap();
    let out = Command::new(promtool)
        .args(["test", "rules", "declared_test.yml"])
        .current_dir(dir.path())
        .output()
        .expect("run promtool");
    println!("{}", show(&out));
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SUCCESS"));
}

#[test]
fn the_exporter_serves_the_objective_labels_the_rules_read() {
    // What `--from` depends on: the shop's objectives on its series at zero,
    // before any call (functions register before main on Linux).
    let exporter = serve_shop();
    let text = http_get(exporter.url()).expect("scrape");
    assert!(text.contains(r#"function="Cart::checkout","#));
    assert!(text.contains(r#"objective_name="shop-reports",objective_percentile="97.5",objective_latency_threshold="1.0""#), "{text}");
}
