//! Helpers shared by the integration tests: the gate for tests that need
//! external tools, guards that clean up directories and processes, free
//! ports, waiting, running a command on some input, the `omnimetrics`
//! binary, a raw HTTP/1.1 client (the hardening tests need byte-level control
//! anyway) next to a plain GET of a URL, and, in [`prometheus`], a real
//! Prometheus server.
//!
//! Test files use it with `mod common;`; `slo_support` and `bridge_support`
//! build on it (`mod common; mod slo_support;`).
#![allow(dead_code, unreachable_pub)]

pub mod prometheus;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Whether tests that need external tools (prometheus, promtool, wrk, ...)
/// run: with `OMNIMETRICS_REAL_TOOLS=1` they do.
pub fn real_tools() -> bool {
    std::env::var("OMNIMETRICS_REAL_TOOLS").is_ok_and(|v| v == "1")
}

/// The paths of the tools `names` when real-tool tests run; `None` (after a
/// note that the test is skipped) when they do not. With
/// `OMNIMETRICS_REAL_TOOLS=1`, a tool that is not on `PATH` fails the test.
pub fn tools<const N: usize>(names: [&str; N]) -> Option<[PathBuf; N]> {
    if !real_tools() {
        // libtest names each test's thread after the test.
        let test = std::thread::current()
            .name()
            .filter(|n| *n != "main")
            .map_or_else(|| "this test".to_string(), str::to_string);
        eprintln!(
            "note: {test} skipped: it needs {}; set OMNIMETRICS_REAL_TOOLS=1 to run it",
            names.join(", ")
        );
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    Some(names.map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| {
                panic!(
                    "OMNIMETRICS_REAL_TOOLS=1 but `{name}` is not on PATH; install it \
                     (the scripts in .ci/steps install what each test needs)"
                )
            })
    }))
}

/// [`tools`] for one tool.
pub fn tool(name: &str) -> Option<PathBuf> {
    tools([name]).map(|[path]| path)
}

/// A fresh directory under the system temp dir, removed when dropped unless
/// the test is failing (then kept, and its path printed).
pub struct TempDir(PathBuf);

impl TempDir {
    /// `<temp>/<prefix>-<pid>-<n>-<nanos>`.
    pub fn new(prefix: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes the file `name` in the directory; returns its path.
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

/// A child process, killed and reaped when dropped; it derefs to its
/// [`Child`].
pub struct ChildGuard {
    name: String,
    child: Child,
    /// Where [`ChildGuard::spawn`] sends stdout and stderr.
    logs: Option<PathBuf>,
}

impl ChildGuard {
    /// Guards `child`, started by the caller (with pipes of its choosing).
    pub fn new(name: &str, child: Child) -> Self {
        Self {
            name: name.to_string(),
            child,
            logs: None,
        }
    }

    /// Starts `cmd` with stdin closed and stdout and stderr sent to the
    /// files `<name>.out` and `<name>.err` in `log_dir`.
    pub fn spawn(name: &str, cmd: &mut Command, log_dir: &Path) -> Self {
        let log = |stream: &str| {
            std::fs::File::create(log_dir.join(format!("{name}.{stream}"))).expect("log file")
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log("out"))
            .stderr(log("err"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        Self {
            name: name.to_string(),
            child,
            logs: Some(log_dir.to_path_buf()),
        }
    }

    /// What the process has written so far to `stream` (`"out"` or
    /// `"err"`), when started by [`ChildGuard::spawn`]; empty otherwise.
    pub fn log(&self, stream: &str) -> String {
        self.logs
            .as_ref()
            .and_then(|dir| {
                std::fs::read_to_string(dir.join(format!("{}.{stream}", self.name))).ok()
            })
            .unwrap_or_default()
    }

    /// Panics (with the logs) if the process has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited with {status}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.name,
                self.log("out"),
                self.log("err")
            );
        }
    }
}

impl Deref for ChildGuard {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.child
    }
}

impl DerefMut for ChildGuard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on loopback (free when this returns; good enough for a
/// tool that cannot be told to pick one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Retries `f` every 200 ms until it returns `Some`; panics after `limit`
/// with `what`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    wait_ok(what, limit, || f().ok_or_else(String::new))
}

/// Retries `f` every 200 ms until it returns `Ok`; panics after `limit`
/// with `what` and the last error.
pub fn wait_ok<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Result<T, String>) -> T {
    let start = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if start.elapsed() > limit => {
                let last = if e.is_empty() {
                    e
                } else {
                    format!("; last: {e}")
                };
                panic!("timed out after {limit:?} waiting for {what}{last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
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

/// Runs `cmd` with `input` on its stdin; returns its status and output.
pub fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from another thread, so that a command that answers before it
    // has read everything cannot block on a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for the command");
    writer
        .join()
        .unwrap()
        .unwrap_or_else(|e| panic!("write to {cmd:?}: {e}\n{}", show(&out)));
    out
}

/// The `omnimetrics` binary of this build.
#[cfg(feature = "cli")]
pub fn omnimetrics() -> Command {
    Command::new(env!("CARGO_BIN_EXE_omnimetrics"))
}

/// A body fetched with GET from `url`, or `None` on any failure or a status
/// other than 200.
pub fn http_get(url: &str) -> Option<String> {
    let mut response = ureq::get(url).call().ok()?;
    if response.status() != 200 {
        return None;
    }
    response.body_mut().read_to_string().ok()
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }
}

/// Parses one complete response from `raw` (the server closed afterwards).
pub fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    })
}

/// `GET path` with `Connection: close` and extra headers.
pub fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> io::Result<Response> {
    request(addr, "GET", path, headers)
}

/// One request on a fresh connection, read until the server closes it.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP response"))
}

/// This process' resident set size in bytes, from `/proc/self/status`.
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}

/// Serves an axum application on a free loopback port, on the test's
/// runtime; returns where.
pub async fn serve_axum(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}
