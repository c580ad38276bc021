//! The generated queries against a real Prometheus server.
//!
//! The test serves four scrape targets from a thread (fixed text
//! exposition, counters growing with each scrape) and runs every query of
//! [`all_queries`] through `/api/v1/query`:
//!
//! - `with`: `build_info` always present, results carry `version`/`commit`;
//! - `without`: no `build_info`, results are there all the same;
//! - `flaky`: `build_info` only in the first two scrapes, then stale, as for
//!   a `build_info` sent less often than the query step; results keep its
//!   version;
//! - `deploy`: `build_info` changes version on the same target; the query
//!   keeps working and shows the new version, where the textbook join
//!   `last_over_time(build_info[1h])` fails with "many-to-many matching".
//!
//! Gated by `OMNIMETRICS_REAL_TOOLS=1` (see `omnimetrics_test_support::tools`).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use omnimetrics_query::queries::{
    FunctionRef, QueryOptions, all_queries, percent_encode, request_rate,
};
use omnimetrics_test_support::{TempDir, tool};
use serde_json::Value;

const TARGETS: [&str; 4] = ["with", "without", "flaky", "deploy"];

/// What the scrape targets serve; shared with the server thread.
#[derive(Default)]
struct Targets {
    scrapes: Mutex<HashMap<String, u64>>,
    deployed: AtomicBool,
}

impl Targets {
    fn scrapes(&self, target: &str) -> u64 {
        self.scrapes
            .lock()
            .unwrap()
            .get(target)
            .copied()
            .unwrap_or(0)
    }

    /// The exposition for the `n`-th scrape of `target`.
    fn exposition(&self, target: &str, n: u64) -> String {
        let svc = format!("svc-{target}");
        let own = format!(r#"function="checkout",module="shop::api",service_name="{svc}""#);
        let callee = format!(
            r#"function="charge",module="shop::pay",service_name="{svc}",caller_function="checkout",caller_module="shop::api""#
        );
        let no_objective = r#"objective_name="",objective_percentile="""#;
        let mut t = String::new();
        t += "# HELP function_calls_total Calls of instrumented functions.\n";
        t += "# TYPE function_calls_total counter\n";
        for (labels, caller, ok, err) in [
            (&own, r#",caller_function="",caller_module="""#, 90, 10),
            (&callee, "", 45, 5),
        ] {
            for (result, per_scrape) in [("ok", ok), ("error", err)] {
                t += &format!(
                    "function_calls_total{{{labels}{caller},result=\"{result}\",{no_objective}}} {}\n",
                    per_scrape * n
                );
            }
        }
        t += "# HELP function_calls_duration_seconds Durations of instrumented functions.\n";
        t += "# TYPE function_calls_duration_seconds histogram\n";
        let hist = format!(r#"{own},{no_objective},objective_latency_threshold="""#);
        for (le, per_scrape) in [("0.1", 50), ("0.25", 80), ("1.0", 95), ("+Inf", 100)] {
            t += &format!(
                "function_calls_duration_seconds_bucket{{{hist},le=\"{le}\"}} {}\n",
                per_scrape * n
            );
        }
        t += &format!("function_calls_duration_seconds_sum{{{hist}}} {}\n", 20 * n);
        t += &format!(
            "function_calls_duration_seconds_count{{{hist}}} {}\n",
            100 * n
        );
        t += "# HELP function_calls_concurrent Calls in progress.\n";
        t += "# TYPE function_calls_concurrent gauge\n";
        t += &format!("function_calls_concurrent{{{own}}} 3\n");
        let build = match target {
            "with" => Some(("1.2.3", "abc123")),
            "flaky" if n <= 2 => Some(("0.9.0", "fff000")),
            "deploy" if self.deployed.load(Ordering::SeqCst) => Some(("2.0.0", "bbb222")),
            "deploy" => Some(("1.0.0", "aaa111")),
            _ => None,
        };
        if let Some((version, commit)) = build {
            t += "# HELP build_info Build information.\n# TYPE build_info gauge\n";
            t += &format!(
                "build_info{{service_name=\"{svc}\",version=\"{version}\",commit=\"{commit}\",branch=\"main\",\
                 repository_url=\"\",repository_provider=\"\",autometrics_version=\"1.0.0\"}} 1\n"
            );
        }
        t
    }

    fn serve(self: Arc<Self>, listener: TcpListener) {
        for stream in listener.incoming().flatten() {
            let _ = self.answer(stream);
        }
    }

    fn answer(&self, mut stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16384 {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let request = String::from_utf8_lossy(&request);
        let path = request.split(' ').nth(1).unwrap_or("/");
        let target = path.trim_start_matches('/').split('?').next().unwrap_or("");
        let (status, body) = if TARGETS.contains(&target) {
            // Count first, so that a test that saw the count can rely on the
            // scrape having happened.
            let n = {
                let mut scrapes = self.scrapes.lock().unwrap();
                let n = scrapes.entry(target.to_string()).or_insert(0);
                *n += 1;
                *n
            };
            ("200 OK", self.exposition(target, n))
        } else {
            ("404 Not Found", String::new())
        };
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }
}

/// The Prometheus child process, killed on drop.
struct Server {
    child: Child,
    addr: String,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- prometheus log ---\n{log}");
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A plain HTTP/1.0 GET (so that the answer is never chunked): status code
/// and body.
fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

impl Server {
    /// Runs an instant query: the result vector, or Prometheus' error.
    fn query(&self, promql: &str) -> Result<Vec<Value>, String> {
        self.api(&format!("/api/v1/query?query={}", percent_encode(promql)))
    }

    /// Runs a range query over the last `seconds` seconds, step 1 s.
    fn query_range(&self, promql: &str, seconds: u64) -> Result<Vec<Value>, String> {
        let end = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        self.api(&format!(
            "/api/v1/query_range?query={}&start={}&end={end}&step=1",
            percent_encode(promql),
            end - seconds
        ))
    }

    fn api(&self, path: &str) -> Result<Vec<Value>, String> {
        let (_, body) = http_get(&self.addr, path).map_err(|e| e.to_string())?;
        let json: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        if json["status"] == "success" {
            Ok(json["data"]["result"]
                .as_array()
                .cloned()
                .unwrap_or_default())
        } else {
            Err(json["error"].as_str().unwrap_or(&body).to_string())
        }
    }
}

fn start_prometheus(dir: &TempDir, target_addr: &str) -> Server {
    let mut config =
        String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    for t in TARGETS {
        config += &format!(
            "  - job_name: {t}\n    metrics_path: /{t}\n    static_configs:\n      - targets: [\"{target_addr}\"]\n"
        );
    }
    let config = dir.write("prometheus.yml", &config);
    let data = dir.path().join("data");
    let log = dir.path().join("prometheus.log");
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address={addr}"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.path().join("prometheus.err")).unwrap())
        .spawn()
        .expect("start prometheus");
    Server {
        child,
        addr,
        log: dir.path().join("prometheus.err"),
    }
}

/// Polls `f` every 250 ms until it returns `Some`, for at most `secs`.
fn wait_for<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn label<'a>(series: &'a Value, name: &str) -> Option<&'a str> {
    series["metric"][name].as_str()
}

fn value(series: &Value) -> f64 {
    series["value"][1].as_str().unwrap().parse().unwrap()
}

fn function(target: &str) -> (String, QueryOptions) {
    (format!("svc-{target}"), QueryOptions::default())
}

/// Runs every named query for `target`'s `checkout` and checks the values
/// and the `version`/`commit` labels (`None`: no such labels).
fn check_all_queries(prom: &Server, target: &str, build: Option<(&str, &str)>) {
    let (svc, opts) = function(target);
    let f = FunctionRef::new("checkout", "shop::api", &svc);
    for q in all_queries(&f, &opts) {
        let result = wait_for(&format!("{target}: {}", q.id), 30, || {
            prom.query(&q.promql)
                .unwrap_or_else(|e| panic!("{target}: {} failed: {e}\n{}", q.id, q.promql))
                .into_iter()
                .next()
                .map(|s| vec![s])
        });
        let all = prom.query(&q.promql).unwrap();
        assert_eq!(all.len(), 1, "{target}: {} gave {all:?}", q.id);
        let s = &result[0];
        let v = value(s);
        assert_eq!(
            (label(s, "version"), label(s, "commit")),
            (build.map(|b| b.0), build.map(|b| b.1)),
            "{target}: {} gave {s}",
            q.id
        );
        let expected_function = if q.id.starts_with("callee") {
            "charge"
        } else {
            "checkout"
        };
        assert_eq!(label(s, "function"), Some(expected_function), "{s}");
        assert_eq!(label(s, "service_name"), Some(svc.as_str()), "{s}");
        let close = |x: f64, want: f64| (x - want).abs() < 1e-6 * want.max(1.0);
        let ok = match q.id {
            "request_rate" | "callee_request_rate" => v > 0.0,
            "error_ratio" | "callee_error_ratio" => close(v, 0.1),
            "latency_p50" => close(v, 0.1),
            "latency_p95" => close(v, 1.0),
            // 99th of 100: in the +Inf bucket, reported as the highest
            // finite boundary.
            "latency_p99" => close(v, 1.0),
            "concurrent_calls" => close(v, 3.0),
            other => panic!("untested query {other}"),
        };
        assert!(ok, "{target}: {} = {v}", q.id);
        println!("{target}: {} = {v} {:?}", q.id, build);
    }
}

#[test]
fn queries_against_real_prometheus() {
    if tool("prometheus").is_none() {
        return;
    }
    let started = Instant::now();
    let dir = TempDir::new("omnimetrics-query-prometheus");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target_addr = listener.local_addr().unwrap().to_string();
    let targets = Arc::new(Targets::default());
    std::thread::spawn({
        let targets = Arc::clone(&targets);
        move || targets.serve(listener)
    });
    let prom = start_prometheus(&dir, &target_addr);

    wait_for("prometheus to be ready", 30, || {
        matches!(http_get(&prom.addr, "/-/ready"), Ok((200, _))).then_some(())
    });
    // Four scrapes of every target: rates have data, flaky's build_info is
    // stale.
    wait_for("four scrapes of each target", 40, || {
        TARGETS
            .iter()
            .all(|t| targets.scrapes(t) >= 4)
            .then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));

    check_all_queries(&prom, "with", Some(("1.2.3", "abc123")));
    check_all_queries(&prom, "without", None);

    // build_info is stale (no instant sample) yet the version is attached,
    // at every step of a range query too.
    assert_eq!(
        prom.query(r#"build_info{job="flaky"}"#).unwrap(),
        Vec::<Value>::new()
    );
    check_all_queries(&prom, "flaky", Some(("0.9.0", "fff000")));
    let (svc, opts) = function("flaky");
    let rate = request_rate(&FunctionRef::new("checkout", "shop::api", &svc), &opts);
    let range = prom.query_range(&rate, 20).unwrap();
    assert_eq!(range.len(), 1, "{range:?}");
    assert_eq!(label(&range[0], "version"), Some("0.9.0"));

    // A new version on the same target.
    check_all_queries(&prom, "deploy", Some(("1.0.0", "aaa111")));
    let before = targets.scrapes("deploy");
    targets.deployed.store(true, Ordering::SeqCst);
    wait_for("three scrapes after the deploy", 20, || {
        (targets.scrapes("deploy") >= before + 3).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    check_all_queries(&prom, "deploy", Some(("2.0.0", "bbb222")));

    // The textbook join breaks here, which is why the queries do not use it.
    let (svc, _) = function("deploy");
    let textbook = format!(
        "sum by (function, module, service_name, version, commit) (\
         rate({{__name__=~\"function_calls(_count)?(_total)?\",function=\"checkout\",module=\"shop::api\",service_name=\"{svc}\"}}[5m]) \
         * on (instance, job) group_left (version, commit) \
         (last_over_time(build_info[1h]) or on (instance, job) up))"
    );
    let err = prom
        .query(&textbook)
        .expect_err("textbook join after a deploy");
    assert!(err.contains("many-to-many matching not allowed"), "{err}");
    println!("textbook join after a deploy: {err}");
    println!("done in {:?}", started.elapsed());
}
