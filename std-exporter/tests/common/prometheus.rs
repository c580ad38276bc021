//! A real Prometheus for the tests: started on a free loopback port with
//! its configuration and TSDB in a temporary directory, scraping its targets
//! every second, asked over its HTTP API, and killed when dropped.
//!
//! ```ignore
//! let prometheus = Prometheus::builder(&prometheus_bin)
//!     .target("app", addr)
//!     .start(); // ready, and every target scraped
//! prometheus.wait_for_value("sum(function_calls_total)", 3.0, LIMIT);
//! ```

use super::{ChildGuard, TempDir, free_port, http_get, run_with_input, wait_for, wait_ok};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// How long Prometheus may take to be ready, and to scrape its targets.
const STARTUP: Duration = Duration::from_secs(60);

/// What to start: see [`Prometheus::builder`].
#[derive(Debug, Clone)]
pub struct Builder {
    binary: PathBuf,
    name: String,
    targets: Vec<Target>,
    rule_files: Vec<PathBuf>,
    evaluation_interval: Option<String>,
    flags: Vec<String>,
}

/// One scrape job of one target.
#[derive(Debug, Clone)]
struct Target {
    job: String,
    address: String,
    bearer_token: Option<String>,
}

impl Builder {
    /// Names the server in messages, its directory and its log files
    /// (default `prometheus`).
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// Scrapes `address` (`host:port`, path `/metrics`) as job `job`.
    pub fn target(self, job: &str, address: impl Display) -> Self {
        self.scrape(job, address, None)
    }

    /// Scrapes `address` as job `job` with `Authorization: Bearer <token>`.
    pub fn target_with_token(self, job: &str, address: impl Display, token: &str) -> Self {
        self.scrape(job, address, Some(token))
    }

    fn scrape(mut self, job: &str, address: impl Display, token: Option<&str>) -> Self {
        self.targets.push(Target {
            job: job.to_string(),
            address: address.to_string(),
            bearer_token: token.map(str::to_string),
        });
        self
    }

    /// Loads the rules in `path`.
    pub fn rule_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.rule_files.push(path.into());
        self
    }

    /// Evaluates rules every `interval` (such as `1s`) instead of
    /// Prometheus' default minute.
    pub fn evaluation_interval(mut self, interval: &str) -> Self {
        self.evaluation_interval = Some(interval.to_string());
        self
    }

    /// An extra command-line flag, such as
    /// `--web.enable-remote-write-receiver`.
    pub fn flag(mut self, flag: &str) -> Self {
        self.flags.push(flag.to_string());
        self
    }

    /// The configuration file's text.
    fn config(&self) -> String {
        let mut config = String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n");
        if let Some(interval) = &self.evaluation_interval {
            config += &format!("  evaluation_interval: {interval}\n");
        }
        if !self.rule_files.is_empty() {
            config += "rule_files:\n";
            for f in &self.rule_files {
                config += &format!("  - {:?}\n", f.display().to_string());
            }
        }
        config += "scrape_configs:\n";
        for t in &self.targets {
            config += &format!("  - job_name: {:?}\n", t.job);
            if let Some(token) = &t.bearer_token {
                config += &format!("    authorization:\n      credentials: {token:?}\n");
            }
            config += &format!("    static_configs:\n      - targets: [{:?}]\n", t.address);
        }
        config
    }

    /// Starts Prometheus and waits until it is ready and has scraped every
    /// target successfully; panics (with its logs) if it exits meanwhile.
    pub fn start(self) -> Prometheus {
        let dir = TempDir::new(&format!("omnimetrics-{}", self.name));
        let config = dir.write("prometheus.yml", &self.config());
        let port = free_port();
        let process = ChildGuard::spawn(
            &self.name,
            Command::new(&self.binary)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--log.level=warn")
                .args(&self.flags),
            dir.path(),
        );
        let mut prometheus = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            targets: self.targets.len(),
            process,
            _dir: dir,
        };
        let ready = format!("{}/-/ready", prometheus.url);
        wait_for(&format!("{} to be ready", self.name), STARTUP, || {
            prometheus.assert_running();
            http_get(&ready)
        });
        wait_for(
            &format!("{} to scrape its targets", self.name),
            STARTUP,
            || {
                prometheus.assert_running();
                prometheus.targets_up().then_some(())
            },
        );
        prometheus
    }
}

/// A running Prometheus server, killed when dropped.
pub struct Prometheus {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// How many targets it scrapes.
    targets: usize,
    // Dropped in this order: the process is killed before its directory
    // is removed.
    process: ChildGuard,
    _dir: TempDir,
}

impl Prometheus {
    /// A server run from `binary` (from [`super::tools`]), to be given its
    /// targets, rules and flags and then started.
    pub fn builder(binary: &Path) -> Builder {
        Builder {
            binary: binary.to_path_buf(),
            name: "prometheus".to_string(),
            targets: Vec::new(),
            rule_files: Vec::new(),
            evaluation_interval: None,
            flags: Vec::new(),
        }
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

    /// The series of an instant query (now).
    pub fn query(&self, promql: &str) -> Vec<Value> {
        self.instant(&[("query", promql)])
    }

    /// The series of an instant query at `time` (a Unix timestamp).
    pub fn query_at(&self, promql: &str, time: &str) -> Vec<Value> {
        self.instant(&[("query", promql), ("time", time)])
    }

    fn instant(&self, params: &[(&str, &str)]) -> Vec<Value> {
        let data = self.api("query", params);
        assert_eq!(data["resultType"], "vector", "{params:?}");
        data["result"].as_array().cloned().unwrap_or_default()
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

    /// The value of an instant query that returns at most one series.
    pub fn value(&self, promql: &str) -> Option<f64> {
        let result = self.query(promql);
        assert!(result.len() <= 1, "{promql}: {result:?}");
        result.first().map(sample_value)
    }

    /// The value of every series of an instant query, keyed by the values
    /// of the labels `by` (`""` for a missing label).
    pub fn values_by(&self, promql: &str, by: &[&str]) -> BTreeMap<Vec<String>, f64> {
        self.query(promql)
            .iter()
            .map(|s| (sample_labels(s, by), sample_value(s)))
            .collect()
    }

    /// Waits until `promql` returns `expected`; panics with the last value
    /// after `limit`.
    pub fn wait_for_value(&self, promql: &str, expected: f64, limit: Duration) {
        wait_ok(
            &format!("{promql} to be {expected}"),
            limit,
            || match self.value(promql) {
                Some(got) if got == expected => Ok(()),
                got => Err(format!("Prometheus says {got:?}")),
            },
        );
    }

    /// Whether every target has been scraped successfully (the last time).
    pub fn targets_up(&self) -> bool {
        let data = self.api("targets", &[]);
        let active = data["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        active.len() == self.targets && active.iter().all(|t| t["health"] == "up")
    }

    /// Panics (with its logs) if Prometheus has exited.
    pub fn assert_running(&mut self) {
        self.process.assert_running();
    }
}

/// The value of a sample of an instant query's result.
pub fn sample_value(sample: &Value) -> f64 {
    sample["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("a sample value")
}

/// The values of the labels `names` of a sample (`""` for a missing label).
pub fn sample_labels(sample: &Value, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| sample["metric"][n].as_str().unwrap_or("").to_string())
        .collect()
}

/// Runs `promtool check metrics` (the binary `promtool`) on the exposition
/// `text`; returns its status and report.
pub fn promtool_check_metrics(promtool: &Path, text: &str) -> Output {
    run_with_input(
        Command::new(promtool).args(["check", "metrics"]),
        text.as_bytes(),
    )
}

/// `application/x-www-form-urlencoded` value encoding.
fn form_encode(s: &str) -> String {
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
