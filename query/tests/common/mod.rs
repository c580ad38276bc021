//! Helpers shared by the integration tests: the real-tools gate, scratch
//! directories and running external commands with their output on failure.
#![allow(dead_code)] // Each test crate uses a different subset.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether tests that need real external tools should run. With
/// `OMNIMETRICS_REAL_TOOLS=1` they run and a missing tool fails them;
/// otherwise they print a note and pass.
pub(crate) fn real_tools(test: &str, tools: &[&str]) -> bool {
    if std::env::var("OMNIMETRICS_REAL_TOOLS").as_deref() != Ok("1") {
        eprintln!("note: {test} needs {tools:?}; set OMNIMETRICS_REAL_TOOLS=1 to run it");
        return false;
    }
    for tool in tools {
        match Command::new(tool).arg("--version").output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "OMNIMETRICS_REAL_TOOLS=1 but `{tool} --version` failed:\n{}",
                show(&out)
            ),
            Err(e) => panic!("OMNIMETRICS_REAL_TOOLS=1 but `{tool}` cannot be run: {e}"),
        }
    }
    true
}

/// A fresh directory under the system temp dir, removed on drop unless the
/// test is failing (then its path is printed for a post-mortem).
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "omnimetrics-query-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn write(&self, name: &str, contents: &str) -> PathBuf {
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

/// Exit status, stdout and stderr of a finished command, for messages.
pub(crate) fn show(out: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `cmd` to completion and panics, showing its output, unless it
/// succeeds. Returns its stdout.
pub(crate) fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed\n{}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
