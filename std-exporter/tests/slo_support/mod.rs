//! Shared by the SLO tests (`slo_cli`, `slo_e2e`, `dashboards`): a small
//! instrumented shop that breaks its objectives on purpose, the gate for
//! tests that need real tools, guards for child processes and directories,
//! a Prometheus runner, and the `omnimetrics` binary.
//!
//! The tests keep their own helpers rather than the exporter's
//! `tests/common` so that the two suites can change independently.
#![allow(dead_code, unreachable_pub)]

pub mod grafana;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The instrumented shop. Its functions and objectives (a `Type::method`
/// with an objective and concurrency tracking, a callee, and a custom
/// percentile with an integer latency threshold):
///
/// | function | objective | breaks it by |
/// |---|---|---|
/// | `Cart::checkout` | `shop-checkout`: 99.9 % succeed, 99 % within 10 ms | 1 call in 4 fails, 2 in 4 take 30 ms |
/// | `charge` (called by `Cart::checkout`) | none | |
/// | `build_report` | `shop-reports`: 97.5 % within 1 s | 1 call in 2 takes 1.1 s |
pub mod shop {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread::JoinHandle;
    use std::time::Duration;

    use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, autometrics};

    /// The `module` label of the shop's functions.
    pub const MODULE: &str = module_path!();
    /// The shop's `service_name` (set in code by [`Load::start`]).
    pub const SERVICE: &str = "slo-shop";

    /// Checkout: success rate 99.9 %, and 99 % of calls within 10 ms.
    pub const CHECKOUT: Objective = Objective::new("shop-checkout")
        .success_rate(ObjectivePercentile::P99_9)
        .latency(ObjectiveLatency::from_millis(10), ObjectivePercentile::P99);

    /// Reports: 97.5 % (a custom percentile) within 1 s (a whole-number
    /// boundary, written `1.0`).
    pub const REPORTS: Objective = Objective::new("shop-reports").latency(
        ObjectiveLatency::from_secs(1),
        ObjectivePercentile::custom("97.5"),
    );

    /// What [`Load`] makes of the error ratios: the share of failing
    /// checkouts, of slow checkouts and of slow reports.
    pub const CHECKOUT_ERROR_RATIO: f64 = 0.25;
    pub const CHECKOUT_SLOW_RATIO: f64 = 0.5;
    pub const REPORTS_SLOW_RATIO: f64 = 0.5;

    pub struct Cart;

    #[autometrics(objective = CHECKOUT, track_concurrency)]
    impl Cart {
        pub fn checkout(&self, fail: bool, slow: bool) -> Result<u32, String> {
            if slow {
                std::thread::sleep(Duration::from_millis(30));
            }
            charge(fail)
        }
    }

    #[autometrics]
    pub fn charge(fail: bool) -> Result<u32, String> {
        if fail {
            Err("card declined".to_string())
        } else {
            Ok(42)
        }
    }

    #[autometrics(objective = REPORTS)]
    pub fn build_report(slow: bool) -> Result<usize, String> {
        if slow {
            std::thread::sleep(Duration::from_millis(1100));
        }
        Ok(3)
    }

    /// Calls the shop's functions in the proportions above until dropped.
    pub struct Load {
        stop: Arc<AtomicBool>,
        threads: Vec<JoinHandle<()>>,
    }

    impl Load {
        /// Names the service [`SERVICE`] and starts two threads: checkouts
        /// in batches of four (ok, ok and slow, failing, ok and slow), and
        /// reports alternating slow and fast.
        pub fn start() -> Load {
            let _ = omnimetrics::set_service_name(SERVICE);
            let stop = Arc::new(AtomicBool::new(false));
            let checkouts = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        for (fail, slow) in
                            [(false, false), (false, true), (true, false), (false, true)]
                        {
                            let _ = Cart.checkout(fail, slow);
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                })
            };
            let reports = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let _ = build_report(true);
                        let _ = build_report(false);
                    }
                })
            };
            Load {
                stop,
                threads: vec![checkouts, reports],
            }
        }
    }

    impl Drop for Load {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            for t in self.threads.drain(..) {
                let _ = t.join();
            }
        }
    }
}

/// Whether tests that need real tools run: with `OMNIMETRICS_REAL_TOOLS=1`
/// they do, and a missing tool fails them; otherwise they print a note.
pub fn real_tools(test: &str, tools: &[&str]) -> bool {
    if std::env::var("OMNIMETRICS_REAL_TOOLS").as_deref() != Ok("1") {
        eprintln!(
            "note: {test} skipped: it needs {tools:?}; set OMNIMETRICS_REAL_TOOLS=1 to run it"
        );
        return false;
    }
    for tool in tools {
        match Command::new(tool).arg("--version").output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "OMNIMETRICS_REAL_TOOLS=1 but `{tool} --version` failed:\n{}",
                show(&out)
            ),
            Err(e) => panic!(
                "OMNIMETRICS_REAL_TOOLS=1 but `{tool}` cannot be run ({e}); \
                 install it: apt-get install -y --no-install-recommends prometheus"
            ),
        }
    }
    true
}

/// Status, stdout and stderr of a finished command, for messages.
pub fn show(out: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The `omnimetrics` binary of this build.
pub fn omnimetrics() -> Command {
    Command::new(env!("CARGO_BIN_EXE_omnimetrics"))
}

/// Runs `omnimetrics args...` and returns its output.
pub fn cli(args: &[&str]) -> Output {
    omnimetrics().args(args).output().expect("run omnimetrics")
}

/// Runs `omnimetrics args...`, fails unless it succeeds, returns stdout.
pub fn cli_ok(args: &[&str]) -> String {
    let out = cli(args);
    assert!(out.status.success(), "omnimetrics {args:?}\n{}", show(&out));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A fresh directory under the system temp dir, removed on drop unless the
/// test is failing (then kept, and its path printed).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "omnimetrics-slo-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("keeping {} for inspection", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Kills and reaps a child process when dropped.
pub struct ChildGuard {
    pub name: &'static str,
    pub child: Child,
}

impl ChildGuard {
    /// Starts `cmd` with stdout and stderr sent to files in `dir`.
    pub fn spawn(name: &'static str, cmd: &mut Command, dir: &TempDir) -> ChildGuard {
        let log = |suffix: &str| {
            std::fs::File::create(dir.path().join(format!("{name}.{suffix}"))).expect("log file")
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log("out"))
            .stderr(log("err"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        ChildGuard { name, child }
    }

    /// Panics (with the logs) if the process has exited.
    pub fn assert_running(&mut self, dir: &TempDir) {
        if let Ok(Some(status)) = self.child.try_wait() {
            let read = |s: &str| {
                std::fs::read_to_string(dir.path().join(format!("{}.{s}", self.name)))
                    .unwrap_or_default()
            };
            panic!(
                "{} exited with {status}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.name,
                read("out"),
                read("err")
            );
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on loopback, for tools that cannot be told to pick one.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Retries `f` every 250 ms until it returns `Some`; panics after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Retries `f` every 500 ms until it returns `Ok`; panics after `limit`
/// with `what` and the last error.
pub fn wait_ok<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Result<T, String>) -> T {
    let start = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if start.elapsed() > limit => {
                panic!("timed out after {limit:?} waiting for {what}; last: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// A body fetched with GET, or `None` on any failure.
pub fn http_get(url: &str) -> Option<String> {
    let mut response = ureq::get(url).call().ok()?;
    if response.status() != 200 {
        return None;
    }
    response.body_mut().read_to_string().ok()
}

/// `application/x-www-form-urlencoded` value encoding.
pub fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A Prometheus server on a free port, stopped when dropped.
pub struct Prometheus {
    pub url: String,
    pub guard: ChildGuard,
}

impl Prometheus {
    /// Starts `prometheus` with `rule_files` (paths) and scrape `targets`
    /// (`job` → `host:port`), scraping and evaluating every second, and
    /// waits until it is ready.
    pub fn start(
        dir: &TempDir,
        name: &'static str,
        rule_files: &[PathBuf],
        targets: &[(&str, String)],
    ) -> Prometheus {
        let mut config = String::from(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nrule_files:\n",
        );
        for f in rule_files {
            config += &format!("  - {:?}\n", f.display().to_string());
        }
        config += "scrape_configs:\n";
        for (job, target) in targets {
            config += &format!(
                "  - job_name: {job:?}\n    static_configs:\n      - targets: [{target:?}]\n"
            );
        }
        let config_path = dir.write(&format!("{name}.yml"), &config);
        let data = dir.path().join(format!("{name}-data"));
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let guard = ChildGuard::spawn(
            name,
            Command::new("prometheus")
                .arg(format!("--config.file={}", config_path.display()))
                .arg(format!("--storage.tsdb.path={}", data.display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--log.level=warn"),
            dir,
        );
        let mut prometheus = Prometheus { url, guard };
        let ready = format!("{}/-/ready", prometheus.url);
        wait_for("Prometheus to be ready", Duration::from_secs(60), || {
            prometheus.guard.assert_running(dir);
            http_get(&ready)
        });
        prometheus
    }

    /// GET `/api/v1/<path>` with `params`; panics unless `status` is
    /// `success`. Returns `data`.
    pub fn api(&self, path: &str, params: &[(&str, &str)]) -> Value {
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect();
        let url = format!("{}/api/v1/{path}?{}", self.url, query.join("&"));
        let mut response = ureq::get(&url)
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let body = response.body_mut().read_to_string().expect("body");
        let json: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(json["status"], "success", "GET {url}\n{body}");
        json["data"].clone()
    }

    /// The result of an instant query (now).
    pub fn query(&self, promql: &str) -> Vec<Value> {
        self.api("query", &[("query", promql)])["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The result of a range query over the last `seconds`, one step every
    /// `step` seconds.
    pub fn query_range(&self, promql: &str, seconds: u64, step: u64) -> Vec<Value> {
        let end = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let (start, end, step) = (
            (end - seconds).to_string(),
            end.to_string(),
            step.to_string(),
        );
        self.api(
            "query_range",
            &[
                ("query", promql),
                ("start", &start),
                ("end", &end),
                ("step", &step),
            ],
        )["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Whether every target has been scraped successfully at least once.
    pub fn targets_up(&self, n: usize) -> bool {
        let data = self.api("targets", &[]);
        let active = data["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        active.len() == n && active.iter().all(|t| t["health"] == "up")
    }
}

/// The value of an instant-query sample.
pub fn sample_value(sample: &Value) -> f64 {
    sample["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("a sample value")
}

/// Reads a child's stdout to the end (for small outputs).
pub fn read_all(mut r: impl Read) -> String {
    let mut s = String::new();
    let _ = r.read_to_string(&mut s);
    s
}
