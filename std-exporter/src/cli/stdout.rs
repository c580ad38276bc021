//! Writing a subcommand's output to stdout, where a closed pipe is a normal
//! end.
//!
//! Output piped into `head`, `grep -m1` or a pager that quits early finds
//! its stdout closed before everything is written. Rust ignores `SIGPIPE`,
//! so the write fails with `BrokenPipe` instead of the process being
//! killed; the reader has what it wanted, so every subcommand that prints
//! its result (`rules`, `explain`, `bridge --once`) goes through [`write`]
//! to end quietly with success then, as Unix tools do.

use std::io::{ErrorKind, Write as _};

use super::CliResult;

/// Writes `text` to stdout and flushes it; a closed pipe is not an error,
/// any other failure is (a full disk behind a redirection, say).
pub(super) fn write(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write to stdout: {e}").into()),
        Ok(()) => Ok(()),
    }
}
