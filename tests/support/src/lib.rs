//! Helpers the workspace's integration tests share (a dev-dependency of
//! `omnimetrics-query`, `omnimetrics-sinks` and `omnimetrics-exporter`):
//! the gate for tests that need real external tools, scratch directories
//! that survive a failing test for a post-mortem, child processes that are
//! killed when dropped, free ports, waiting, and running commands with
//! their output shown on failure.
//!
//! Real-tool tests (Prometheus, promtool, wrk, Python's parsers, QEMU, ...)
//! run only with `OMNIMETRICS_REAL_TOOLS=1`, as `.ci/run` sets it; then a
//! missing tool fails the test instead of skipping it.

use std::io::Write;
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
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// `<temp>/<prefix>-<pid>-<n>-<nanos>`, created.
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

    /// The directory.
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
#[derive(Debug)]
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

/// Runs `cmd` to completion and panics, showing its output, unless it
/// succeeds. Returns its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed\n{}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
