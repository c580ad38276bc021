//! The dashboard as the standalone exporter serves it: the page, its JSON,
//! the numbers in it, credentials, methods, paths, and hostile requests.
//!
//! Sampling runs every 20 ms here so the history fills in a fraction of a
//! second; the instrumented functions below are called between samples.

mod common;

use common::{get, request, wait_for};
use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, autometrics};
use omnimetrics_exporter::dashboard::DashboardConfig;
use omnimetrics_exporter::{Error, Exporter};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const CHECKOUT: Objective = Objective::new("dash-checkout")
    .success_rate(ObjectivePercentile::P99)
    .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P95);

/// The entry point; fails when its store does.
#[autometrics(objective = CHECKOUT, track_concurrency)]
fn dash_checkout(i: u32) -> Result<u32, &'static str> {
    dash_store(i)
}

/// Fails one call in four.
#[autometrics]
fn dash_store(i: u32) -> Result<u32, &'static str> {
    if i.is_multiple_of(4) {
        Err("store down")
    } else {
        Ok(i)
    }
}

fn fast_config() -> DashboardConfig {
    DashboardConfig::new()
        .interval(Duration::from_millis(20))
        .history(50)
        .rate_window(Duration::from_millis(200))
        .prometheus_url("http://prometheus.test:9090")
}

fn start(config: DashboardConfig) -> Exporter {
    Exporter::builder()
        .address("127.0.0.1:0")
        .dashboard(config)
        .start()
        .unwrap()
}

/// Calls the functions on a thread until the returned guard is dropped.
struct Traffic(
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    Option<std::thread::JoinHandle<()>>,
);

impl Traffic {
    fn start() -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut i = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = dash_checkout(i);
                i += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        Self(stop, Some(thread))
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.1.take() {
            let _ = t.join();
        }
    }
}

fn json(addr: SocketAddr, path: &str) -> Value {
    let r = get(addr, path, &[]).unwrap();
    assert_eq!(
        r.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    serde_json::from_slice(&r.body).unwrap()
}

fn function<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == name)
        .unwrap_or_else(|| panic!("{name} is not in {view}"))
}

#[test]
fn the_json_has_rates_errors_latency_callers_objectives_and_build_info() {
    let exporter = start(fast_config());
    let addr = exporter.local_addr();
    let _traffic = Traffic::start();
    let view = wait_for("rates in the dashboard", Duration::from_secs(20), || {
        let v = json(addr, "/dashboard.json");
        let ok = v["samples"].as_u64() >= Some(12)
            && function(&v, "dash_checkout")["now"]["rate"].as_f64() > Some(0.0)
            && function(&v, "dash_store")["now"]["error_ratio"].as_f64() > Some(0.0);
        ok.then_some(v)
    });
    assert_eq!(view["capacity"], 50);
    assert_eq!(view["interval_s"], 0.02);
    assert_eq!(view["window_s"], 0.2);
    let times = view["times"].as_array().unwrap();
    assert!(
        times.len() >= 11 && times.last() == Some(&Value::from(0.0)),
        "{times:?}"
    );

    let checkout = function(&view, "dash_checkout");
    assert_eq!(checkout["module"], "dashboard");
    assert_eq!(checkout["objective"], "dash-checkout");
    assert_eq!(checkout["concurrency"], true);
    // A quarter of the store's calls fail, and each fails the checkout.
    let store_errors = function(&view, "dash_store")["now"]["error_ratio"]
        .as_f64()
        .unwrap();
    assert!((0.1..0.4).contains(&store_errors), "{store_errors}");
    // Calls take microseconds: the median is in the first bucket (0 to 5 ms);
    // a slow outlier on a busy machine may lift the tail, not the median.
    let p50 = checkout["now"]["p50"].as_f64().unwrap();
    assert!(p50 > 0.0 && p50 <= 0.005, "p50 = {p50}");
    for q in ["p95", "p99"] {
        let p = checkout["now"][q].as_f64().unwrap();
        assert!(p >= p50 && p <= 10.0, "{q} = {p}");
    }
    let series = &checkout["series"];
    for s in ["rate", "error_ratio", "p50", "p95", "p99", "concurrent"] {
        assert_eq!(series[s].as_array().unwrap().len(), times.len(), "{s}");
    }
    assert!(checkout.get("queries").is_none(), "queries only when asked");

    let edges = view["edges"].as_array().unwrap();
    let edge = edges
        .iter()
        .find(|e| e["function"] == "dash_store" && e["caller_function"] == "dash_checkout")
        .unwrap_or_else(|| panic!("no checkout -> store edge in {edges:?}"));
    assert!(edge["rate"].as_f64() > Some(0.0));

    let objectives = view["objectives"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = objectives
        .iter()
        .filter(|o| o["name"] == "dash-checkout")
        .map(|o| {
            (
                o["kind"].as_str().unwrap(),
                o["percentile"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("success_rate", "99"), ("latency", "95")]);
    let success = objectives
        .iter()
        .find(|o| o["kind"] == "success_rate")
        .unwrap();
    assert_eq!(
        success["met"], false,
        "a quarter of checkouts fail: {success}"
    );
    assert!(success["burn_rate"].as_f64() > Some(10.0));
    let latency = objectives.iter().find(|o| o["kind"] == "latency").unwrap();
    assert_eq!(latency["met"], true, "{latency}");
    assert_eq!(latency["threshold"], "0.25");
    assert_eq!(latency["functions"][0], "dashboard::dash_checkout");

    let build = &view["build_info"][0];
    assert_eq!(build["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(build["autometrics_version"], "1.0.0");
    assert_eq!(view["services"][0], build["service_name"]);

    // The queries, once asked for: the same as the doc links.
    let view = json(addr, "/dashboard.json?queries=1&points=5&window=0.1");
    assert_eq!(view["window_s"], 0.1);
    assert!(view["times"].as_array().unwrap().len() <= 5);
    let checkout = function(&view, "dash_checkout");
    let queries = checkout["queries"].as_array().unwrap();
    let ids: Vec<&str> = queries.iter().map(|q| q["id"].as_str().unwrap()).collect();
    assert_eq!(ids[..3], ["request_rate", "error_ratio", "latency_p50"]);
    assert_eq!(queries.len(), 8);
    let service = checkout["service_name"].as_str().unwrap();
    let f = omnimetrics_query::queries::FunctionRef::new("dash_checkout", "dashboard", service);
    let expected = omnimetrics_query::queries::request_rate(
        &f,
        &omnimetrics_query::queries::QueryOptions::default(),
    );
    assert_eq!(queries[0]["promql"], expected.as_str());
    let link = queries[0]["link"].as_str().unwrap();
    assert!(
        link.starts_with("http://prometheus.test:9090/graph?g0.expr="),
        "{link}"
    );

    // /metrics is unchanged by the dashboard.
    let metrics = get(addr, "/metrics", &[]).unwrap();
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .text()
            .contains("function_calls_total{function=\"dash_store\"")
    );
}

#[test]
fn the_page_is_self_contained() {
    let exporter = start(fast_config());
    let r = get(exporter.local_addr(), "/", &[]).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none';") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let page = r.text();
    assert!(page.starts_with("<!doctype html>"));
    assert!(
        page.contains("<style>") && page.contains("<svg"),
        "style and the graph's SVG inline"
    );
    assert!(page.contains(r#""json":"dashboard.json""#));
    assert!(page.contains(r#""metrics":"/metrics""#));
    // Nothing to fetch: no external script, style sheet, image or font, and
    // no absolute URL at all but the SVG namespace and the configured
    // Prometheus server (for links to the queries).
    for needle in [
        "src=",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(",
        "//cdn",
    ] {
        assert!(!page.contains(needle), "the page contains {needle:?}");
    }
    let rest = page
        .replace("http://www.w3.org/2000/svg", "")
        .replace("http://prometheus.test:9090", "");
    assert!(
        !rest.contains("http://") && !rest.contains("https://"),
        "an absolute URL"
    );
    // Every link is to a data: URL or set by the script.
    assert_eq!(
        rest.matches("href=").count(),
        1,
        "only the icon's data: link"
    );

    // gzip for browsers, which always accept it.
    let gz = get(
        exporter.local_addr(),
        "/",
        &[("accept-encoding", "gzip, br")],
    )
    .unwrap();
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(gz.body.len() < page.len() / 2);
    let head = request(exporter.local_addr(), "HEAD", "/", &[]).unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn gzip_follows_the_exporter_setting() {
    for _ in 0..4 {
        let _ = dash_checkout(1);
    }
    for enabled in [true, false] {
        let exporter = Exporter::builder()
            .address("127.0.0.1:0")
            .gzip(enabled)
            .dashboard(fast_config())
            .start()
            .unwrap();
        let addr = exporter.local_addr();
        // A sample with the functions in it, so the JSON (with its queries)
        // is well above the size under which nothing is compressed.
        wait_for("a sample", Duration::from_secs(20), || {
            let v = json(addr, "/dashboard.json");
            let listed = v["functions"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["function"] == "dash_checkout"));
            listed.then_some(())
        });
        for path in ["/", "/dashboard.json?queries=1", "/metrics"] {
            let identity = get(addr, path, &[]).unwrap();
            assert_eq!(identity.header("content-encoding"), None, "{path}");
            assert!(
                identity.body.len() > 2048,
                "{path}: {} bytes",
                identity.body.len()
            );
            let r = get(addr, path, &[("accept-encoding", "gzip")]).unwrap();
            assert_eq!(r.status, 200, "{path}");
            assert_eq!(
                r.header("content-encoding"),
                enabled.then_some("gzip"),
                "{path} with gzip({enabled})"
            );
            assert!(
                r.header("vary")
                    .is_some_and(|v| v.contains("Accept-Encoding")),
                "{path}"
            );
        }
    }
}

#[test]
fn it_is_off_unless_asked_for() {
    let exporter = Exporter::builder().address("127.0.0.1:0").start().unwrap();
    for path in ["/", "/dashboard.json"] {
        assert_eq!(
            get(exporter.local_addr(), path, &[]).unwrap().status,
            404,
            "{path}"
        );
    }
}

#[test]
fn credentials_guard_the_page_and_its_data() {
    let exporter = Exporter::builder()
        .address("127.0.0.1:0")
        .bearer_token("dash-t0ken")
        .dashboard(fast_config())
        .start()
        .unwrap();
    let addr = exporter.local_addr();
    for path in ["/", "/dashboard.json", "/dashboard.json?queries=1"] {
        let refused = get(addr, path, &[]).unwrap();
        assert_eq!(refused.status, 401, "{path}");
        assert!(refused.header("www-authenticate").is_some());
        let wrong = get(addr, path, &[("authorization", "Bearer nope")]).unwrap();
        assert_eq!(wrong.status, 401, "{path}");
        let ok = get(addr, path, &[("authorization", "Bearer dash-t0ken")]).unwrap();
        assert_eq!(ok.status, 200, "{path}");
    }
}

#[test]
fn paths_methods_and_settings() {
    let exporter = start(fast_config().path("/ops/dash"));
    let addr = exporter.local_addr();
    assert_eq!(get(addr, "/ops/dash", &[]).unwrap().status, 200);
    assert_eq!(get(addr, "/ops/dash.json", &[]).unwrap().status, 200);
    assert_eq!(get(addr, "/", &[]).unwrap().status, 404);
    assert_eq!(get(addr, "/ops/dash/", &[]).unwrap().status, 404);
    let page = get(addr, "/ops/dash", &[]).unwrap();
    assert!(
        page.text().contains(r#""json":"dash.json""#),
        "relative to the page"
    );
    for method in ["POST", "PUT", "DELETE"] {
        let r = request(addr, method, "/ops/dash.json", &[]).unwrap();
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }

    let invalid = |config: DashboardConfig, path: &str| match Exporter::builder()
        .address("127.0.0.1:0")
        .path(path)
        .dashboard(config)
        .start()
    {
        Err(Error::InvalidSetting { setting, .. }) => setting,
        other => panic!("{other:?}"),
    };
    let c = DashboardConfig::new;
    assert_eq!(
        invalid(c().path("/metrics"), "/metrics"),
        "DashboardConfig::path"
    );
    assert_eq!(invalid(c(), "/dashboard.json"), "DashboardConfig::path");
    assert_eq!(
        invalid(c().path("nope"), "/metrics"),
        "DashboardConfig::path"
    );
    assert_eq!(
        invalid(c().history(1), "/metrics"),
        "DashboardConfig::history"
    );
    assert_eq!(
        invalid(c().interval(Duration::from_micros(10)), "/metrics"),
        "DashboardConfig::interval"
    );
    // The metrics at / with the dashboard elsewhere is fine.
    let exporter = Exporter::builder()
        .address("127.0.0.1:0")
        .path("/")
        .dashboard(c().path("/dash/"))
        .start()
        .unwrap();
    assert_eq!(
        get(exporter.local_addr(), "/dash/dashboard.json", &[])
            .unwrap()
            .status,
        200
    );
    assert!(format!("{:?}", Exporter::builder().dashboard(c())).contains("DashboardConfig"));
}

/// One raw request, read until the server closes: the status, or `None`
/// when the server answered nothing that parses (it must always answer).
fn raw_status(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(request).ok()?;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    common::parse_response(&raw).map(|r| r.status)
}

#[test]
fn hostile_query_strings_get_a_400_never_a_crash() {
    let exporter = start(fast_config());
    let addr = exporter.local_addr();
    let _traffic = Traffic::start();
    std::thread::sleep(Duration::from_millis(100));
    let long = "9".repeat(4000);
    let nasty = [
        "window=",
        "window=0",
        "window=-5",
        "window=NaN",
        "window=inf",
        "window=1e309",
        "window=1e-300",
        "window=86400",
        "window=0x10",
        "window=%31",
        "points=0",
        "points=-1",
        "points=18446744073709551616",
        "points=2000",
        "points=1",
        "queries=2",
        "queries=%00",
        "=",
        "&&&",
        "window",
        "a=b=c",
        "window=1&window=x",
        "%ff%fe",
        "window=\u{1F600}",
        &format!("window={long}"),
        &format!("{long}={long}"),
    ];
    for q in nasty {
        let encoded: String = q
            .bytes()
            .map(|b| {
                if b.is_ascii_graphic() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let path = format!("/dashboard.json?{encoded}");
        let r = get(addr, &path, &[]).unwrap();
        assert!(matches!(r.status, 200 | 400), "{q}: {}", r.status);
        if r.status == 400 {
            let text = r.text();
            assert!(
                text.starts_with("400 Bad Request: `") && text.len() < 300,
                "{q}: {text}"
            );
        }
    }
    // Bytes that are not even a valid request line or URI.
    for raw in [
        &b"GET /dashboard.json?\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
        b"GET /dashboard.json?window=1#frag HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET //dashboard.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET http://evil.example/dashboard.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ] {
        let status = raw_status(addr, raw);
        assert!(matches!(status, Some(200 | 400 | 404)), "{status:?}");
    }
    // Still serving.
    assert_eq!(json(addr, "/dashboard.json")["capacity"], 50);
}
