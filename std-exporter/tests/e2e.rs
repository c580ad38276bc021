//! End to end: an instrumented axum service with the exporter, scraped by a
//! real Prometheus, then asked over Prometheus' HTTP API; and a live scrape
//! of the same service checked by `promtool`.
//!
//! The service is this test binary itself, started again as a child
//! process (test `child_service` with `OMNIMETRICS_E2E_CHILD=1`), so that it
//! gets its own environment (the runtime `service_name` and `build_info`
//! overrides) and its own registry, with exactly the calls driven here. It
//! exits when its stdin closes, so it never outlives the test.
//!
//! Both tests need external tools and run with `OMNIMETRICS_REAL_TOOLS=1`.

mod common;

use common::prometheus::{Prometheus, promtool_check_metrics, sample_value};
use common::{ChildGuard, get, run_with_input, tool, tools, wait_for};
use omnimetrics_exporter::Format;
use omnimetrics_query::queries::{FunctionRef, QueryOptions, request_rate};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "e2e-scrape-t0ken";
const SERVICE: &str = "e2e-shop";
const VERSION: &str = "9.9.9-e2e";
const COMMIT: &str = "0123abcd";
const BRANCH: &str = "e2e-branch";
const REPOSITORY: &str = "https://github.com/omnimetrics/e2e-shop";

/// The instrumented service.
mod service {
    use axum::Router;
    use axum::extract::Path;
    use axum::http::StatusCode;
    use axum::routing::get;
    use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, autometrics};
    use std::io::{Read, Write};

    /// The `module` label of the functions below.
    pub(crate) const MODULE: &str = module_path!();

    const API: Objective = Objective::new("e2e-api")
        .success_rate(ObjectivePercentile::P99)
        .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P95);

    /// `GET /checkout/{id}`: fails when the cart cannot be loaded.
    #[autometrics(objective = API)]
    async fn checkout(Path(id): Path<u32>) -> Result<String, StatusCode> {
        let cart = load_cart(id).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        Ok(format!("total {cart}\n"))
    }

    /// Nested: the cart store is "down" for every third id.
    #[autometrics]
    fn load_cart(id: u32) -> Result<u32, &'static str> {
        if id.is_multiple_of(3) {
            Err("cart store unavailable")
        } else {
            Ok(id * 2)
        }
    }

    /// `GET /cart/{id}`: not instrumented, so `load_cart` has no caller.
    async fn cart(Path(id): Path<u32>) -> Result<String, StatusCode> {
        load_cart(id)
            .map(|c| format!("{c}\n"))
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)
    }

    #[autometrics]
    async fn health() -> &'static str {
        "ok\n"
    }

    /// Serves until stdin closes; prints `READY service=ADDR metrics=ADDR`.
    pub(crate) fn run() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let exporter = omnimetrics_exporter::Exporter::builder()
                .address("127.0.0.1:0")
                .bearer_token(super::TOKEN)
                .start()
                .unwrap();
            let app = Router::new()
                .route("/checkout/{id}", get(checkout))
                .route("/cart/{id}", get(cart))
                .route("/health", get(health));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            println!(
                "READY service={} metrics={}",
                listener.local_addr().unwrap(),
                exporter.local_addr()
            );
            std::io::stdout().flush().unwrap();
            let stdin_closed = tokio::task::spawn_blocking(|| {
                let _ = std::io::stdin().read_to_end(&mut Vec::new());
            });
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stdin_closed.await;
                })
                .await
                .unwrap();
        });
    }
}

/// The child's entry point; a no-op in ordinary test runs.
#[test]
fn child_service() {
    if std::env::var("OMNIMETRICS_E2E_CHILD").is_ok_and(|v| v == "1") {
        service::run();
    }
}

/// The running child: its two addresses.
struct Service {
    app: SocketAddr,
    metrics: SocketAddr,
    _child: ChildGuard,
}

fn start_service() -> Service {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_service",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("OMNIMETRICS_E2E_CHILD", "1")
        .env("AUTOMETRICS_SERVICE_NAME", SERVICE)
        .env("AUTOMETRICS_VERSION", VERSION)
        .env("AUTOMETRICS_COMMIT", COMMIT)
        .env("AUTOMETRICS_BRANCH", BRANCH)
        .env("AUTOMETRICS_REPOSITORY_URL", REPOSITORY)
        .env_remove("OTEL_SERVICE_NAME")
        .env_remove("AUTOMETRICS_REPOSITORY_PROVIDER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = ChildGuard::new("the e2e service", child);
    let mut lines = BufReader::new(stdout).lines();
    let ready = loop {
        let line = lines
            .next()
            .expect("the service exited before it was ready")
            .unwrap();
        // libtest may print "test child_service ... " on the same line.
        if let Some(at) = line.find("READY ") {
            break line[at + "READY ".len()..].to_string();
        }
    };
    let addr = |key: &str| -> SocketAddr {
        ready
            .split(' ')
            .find_map(|kv| kv.strip_prefix(key))
            .unwrap()
            .parse()
            .unwrap()
    };
    Service {
        app: addr("service="),
        metrics: addr("metrics="),
        _child: guard,
    }
}

/// Drives the calls whose totals the tests check:
/// - `checkout` 12 times (ids 1..=12): 8 ok, 4 errors (3, 6, 9, 12), each
///   calling `load_cart` (caller `checkout`);
/// - `cart` (not instrumented) 5 times: `load_cart` without caller, 4 ok,
///   1 error;
/// - `health` 7 times.
fn drive(app: SocketAddr) {
    for id in 1..=12u32 {
        let r = get(app, &format!("/checkout/{id}"), &[]).unwrap();
        assert_eq!(
            r.status,
            if id.is_multiple_of(3) { 500 } else { 200 },
            "checkout {id}"
        );
    }
    for id in 1..=5 {
        let r = get(app, &format!("/cart/{id}"), &[]).unwrap();
        assert_eq!(r.status, if id == 3 { 503 } else { 200 }, "cart {id}");
    }
    for _ in 0..7 {
        assert_eq!(get(app, "/health", &[]).unwrap().status, 200);
    }
}

fn key(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

#[test]
fn prometheus_scrapes_an_instrumented_axum_service() {
    let Some(prometheus_bin) = tool("prometheus") else {
        return;
    };
    let service = start_service();
    let prometheus = Prometheus::builder(&prometheus_bin)
        .name("e2e-prometheus")
        .target_with_token("e2e", service.metrics, TOKEN)
        .start(); // ready, and the target scraped
    let m = service::MODULE;
    let sel = |f: &str| format!("{{function=\"{f}\",module=\"{m}\",service_name=\"{SERVICE}\"}}");

    // The first scrape saw every function at zero, before any call.
    let before = prometheus.values_by(
        &format!(
            "sum by (function) (function_calls_total{})",
            sel("checkout")
        ),
        &["function"],
    );
    assert_eq!(before.get(&key(&["checkout"])), Some(&0.0), "{before:?}");

    drive(service.app);
    wait_for(
        "Prometheus to scrape every call",
        Duration::from_secs(30),
        || {
            let totals = prometheus.values_by(
                &format!("sum by (function) (function_calls_total{{service_name=\"{SERVICE}\"}})"),
                &["function"],
            );
            (totals.get(&key(&["checkout"])) == Some(&12.0)
                && totals.get(&key(&["load_cart"])) == Some(&17.0)
                && totals.get(&key(&["health"])) == Some(&7.0))
            .then_some(())
        },
    );

    // Call totals per result.
    let by_result = prometheus.values_by(
        &format!("sum by (result) (function_calls_total{})", sel("checkout")),
        &["result"],
    );
    assert_eq!(
        by_result,
        BTreeMap::from([(key(&["error"]), 4.0), (key(&["ok"]), 8.0)])
    );
    let health = prometheus.values_by(
        &format!("sum by (result) (function_calls_total{})", sel("health")),
        &["result"],
    );
    assert_eq!(
        health,
        BTreeMap::from([(key(&["error"]), 0.0), (key(&["ok"]), 7.0)])
    );

    // Call totals per caller (and result) of the nested function.
    let by_caller = prometheus.values_by(
        &format!(
            "sum by (caller_function, caller_module, result) (function_calls_total{})",
            sel("load_cart")
        ),
        &["caller_function", "caller_module", "result"],
    );
    assert_eq!(
        by_caller,
        BTreeMap::from([
            (key(&["", "", "error"]), 1.0),
            (key(&["", "", "ok"]), 4.0),
            (key(&["checkout", m, "error"]), 4.0),
            (key(&["checkout", m, "ok"]), 8.0),
        ])
    );

    // Objective labels ride along on the handler's series.
    let objective = prometheus.values_by(
        &format!(
            "sum by (objective_name, objective_percentile) (function_calls_total{})",
            sel("checkout")
        ),
        &["objective_name", "objective_percentile"],
    );
    assert_eq!(objective, BTreeMap::from([(key(&["e2e-api", "99"]), 12.0)]));

    // Histogram counts.
    let counts = prometheus.values_by(
        &format!("sum by (function) (function_calls_duration_seconds_count{{service_name=\"{SERVICE}\"}})"),
        &["function"],
    );
    assert_eq!(
        counts,
        BTreeMap::from([
            (key(&["checkout"]), 12.0),
            (key(&["health"]), 7.0),
            (key(&["load_cart"]), 17.0),
        ])
    );
    let threshold = prometheus.values_by(
        &format!("function_calls_duration_seconds_count{}", sel("checkout")),
        &["objective_latency_threshold", "objective_percentile"],
    );
    assert_eq!(threshold, BTreeMap::from([(key(&["0.25", "95"]), 12.0)]));
    let inf = prometheus.values_by(
        &format!("function_calls_duration_seconds_bucket{{le=\"+Inf\",function=\"load_cart\",service_name=\"{SERVICE}\"}}"),
        &["function"],
    );
    assert_eq!(inf, BTreeMap::from([(key(&["load_cart"]), 17.0)]));

    // build_info, with the runtime overrides of the child's environment.
    let build_info = prometheus.query("build_info");
    assert_eq!(build_info.len(), 1, "{build_info:?}");
    let labels = &build_info[0]["metric"];
    for (name, expected) in [
        ("service_name", SERVICE),
        ("version", VERSION),
        ("commit", COMMIT),
        ("branch", BRANCH),
        ("repository_url", REPOSITORY),
        ("repository_provider", "github"),
        ("autometrics_version", "1.0.0"),
        ("job", "e2e"),
    ] {
        assert_eq!(labels[name], expected, "build_info label {name}: {labels}");
    }
    assert_eq!(sample_value(&build_info[0]), 1.0);

    // Prometheus 2.x prefers OpenMetrics, so it parsed this exporter's
    // OpenMetrics output: only that format carries units into metadata.
    let metadata = prometheus.api("targets/metadata", &[("metric", "process_cpu_seconds")]);
    eprintln!("metadata: {metadata}");
    assert_eq!(metadata[0]["type"], "counter", "{metadata}");
    assert_eq!(metadata[0]["unit"], "seconds", "{metadata}");

    // The request-rate query of checkout's doc links. Evaluated at the
    // timestamp of the last scrape, where every series started at zero
    // within the 5m window, Prometheus' rate() does no extrapolation:
    // the value is exactly calls / 300 s.
    let promql = request_rate(
        &FunctionRef::new("checkout", m, SERVICE),
        &QueryOptions::default(),
    );
    let stamp = prometheus.query(
        &format!("timestamp(function_calls_total{{function=\"checkout\",result=\"ok\",caller_function=\"\",service_name=\"{SERVICE}\"}})"),
    );
    assert_eq!(stamp.len(), 1, "{stamp:?}");
    let at = stamp[0]["value"][1].as_str().unwrap().to_string();
    let rate = prometheus.query_at(&promql, &at);
    assert_eq!(rate.len(), 1, "{promql}\n{rate:?}");
    let series = &rate[0]["metric"];
    assert_eq!(series["function"], "checkout");
    assert_eq!(series["module"], m);
    assert_eq!(series["service_name"], SERVICE);
    assert_eq!(series["version"], VERSION, "version joined from build_info");
    assert_eq!(series["commit"], COMMIT, "commit joined from build_info");
    let value = sample_value(&rate[0]);
    eprintln!("request rate of checkout at {at}: {value}");
    assert!(
        (value - 12.0 / 300.0).abs() < 1e-9,
        "request rate {value}, expected 12 calls / 300 s = 0.04\n{promql}"
    );
}

/// Runs `promtool check metrics` on `text`; its exit code and output.
fn promtool_check(promtool: &Path, text: &str) -> (i32, String) {
    let out = promtool_check_metrics(promtool, text);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), report)
}

/// The counter families whose OpenMetrics samples promtool 2.x's text
/// linter reports as "no help text", if that is all it reports.
///
/// `promtool check metrics` parses its input as Prometheus text 0.0.4. In
/// OpenMetrics a counter family `x` has its `# HELP x` line but samples
/// named `x_total`, which that parser files under a family `x_total` with
/// no help, so promtool 2.42 exits 3 on every valid OpenMetrics counter
/// (see the control case in the test). Anything else it reports (a parse
/// error, another lint) is a real finding.
fn only_openmetrics_counter_help_findings(report: &str, text: &str) -> bool {
    report.lines().filter(|l| !l.trim().is_empty()).all(|line| {
        line.strip_suffix("_total no help text")
            .is_some_and(|family| {
                let typed = format!("# TYPE {family} counter");
                let help = format!("# HELP {family} ");
                text.lines().any(|l| l == typed) && text.lines().any(|l| l.starts_with(&help))
            })
    })
}

/// Parses `text` with Python `prometheus_client`'s strict OpenMetrics
/// parser (run by `python`); returns `family type samples` lines.
fn strict_openmetrics_parse(python: &Path, text: &str) -> Result<Vec<String>, String> {
    let script = "import sys\n\
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse\n\
        for f in parse(sys.stdin.read()):\n    print(f.name, f.type, len(f.samples))\n";
    let out = run_with_input(Command::new(python).args(["-c", script]), text.as_bytes());
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect())
}

#[test]
fn promtool_accepts_a_live_scrape_in_both_formats() {
    let Some([promtool, python]) = tools(["promtool", "python3"]) else {
        return;
    };
    let service = start_service();
    drive(service.app);
    let auth = format!("Bearer {TOKEN}");

    // Prometheus text: promtool must be entirely happy.
    let r = get(
        service.metrics,
        "/metrics",
        &[("Authorization", auth.as_str())],
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some(Format::Prometheus.content_type())
    );
    let text = r.text();
    assert!(
        text.contains("function=\"load_cart\"") && text.contains("process_resident_memory_bytes")
    );
    assert!(!text.contains("# EOF"));
    let (code, report) = promtool_check(&promtool, text);
    assert_eq!(
        code, 0,
        "promtool check metrics, Prometheus text:\n{report}\n---\n{text}"
    );
    assert!(report.trim().is_empty(), "{report}");

    // Control: promtool's verdict on the smallest valid OpenMetrics counter.
    let control = "# TYPE a counter\n# HELP a A counter.\na_total 1\n# EOF\n";
    let (control_code, control_report) = promtool_check(&promtool, control);
    assert!(
        control_code == 0 || only_openmetrics_counter_help_findings(&control_report, control),
        "{control_code}: {control_report}"
    );

    for accept in [
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
        // What Prometheus 2.x sends.
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,\
         text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    ] {
        let r = get(
            service.metrics,
            "/metrics",
            &[("Authorization", auth.as_str()), ("Accept", accept)],
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("content-type"),
            Some(Format::OpenMetrics.content_type()),
            "Accept: {accept}"
        );
        let text = r.text();
        assert!(text.ends_with("# EOF\n"));
        assert!(
            text.contains("function=\"load_cart\"")
                && text.contains("process_resident_memory_bytes")
        );
        let (code, report) = promtool_check(&promtool, text);
        assert!(
            code == 0
                || (code == control_code && only_openmetrics_counter_help_findings(&report, text)),
            "promtool check metrics, OpenMetrics (exit {code}):\n{report}\n---\n{text}"
        );
        // And the strict OpenMetrics parser reads every family.
        let families =
            strict_openmetrics_parse(&python, text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
        for expected in [
            "function_calls counter ",
            "function_calls_duration_seconds histogram",
            "build_info gauge 1",
            "process_cpu_seconds counter 1",
            "process_resident_memory_bytes gauge 1",
        ] {
            assert!(
                families.iter().any(|f| f.starts_with(expected)),
                "{expected} not in {families:?}"
            );
        }
    }
}
