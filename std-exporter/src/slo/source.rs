//! Getting a scrape's text from where a user points: a URL, a file, or
//! standard input.
//!
//! `omnimetrics rules --from` and `omnimetrics explain` talk to servers
//! (a program's `/metrics`, Prometheus' HTTP API) with one small blocking
//! client, and turn every way that can fail into a message that names the
//! source and what to do about it.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// How long one request may take in all.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response read (a very large service's scrape stays far below).
const MAX_BODY: u64 = 256 << 20;

/// Why the text of a scrape could not be obtained.
#[derive(Debug)]
#[non_exhaustive]
pub enum SourceError {
    /// The URL could not be fetched (refused, unresolvable, timed out, not
    /// HTTP, `https` in a build without TLS).
    Fetch {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with a status other than 200.
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The file (or standard input) could not be read.
    Read {
        /// The path, or `-` for standard input.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Fetch { url, reason } => write!(f, "cannot fetch {url}: {reason}"),
            SourceError::Status { url, status } => {
                write!(f, "{url} answered with HTTP status {status}")
            }
            SourceError::Read { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Read { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Whether `source` is to be fetched rather than read from disk.
pub(crate) fn is_url(source: &str) -> bool {
    let lower = source.get(..8).unwrap_or(source).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The text at `source`: an `http://` URL (fetched with a 10 s timeout,
/// asking for the Prometheus text format), `-` for standard input, or a
/// file path.
///
/// # Errors
///
/// A [`SourceError`] naming the source. `https://` URLs are refused: this
/// build has no TLS (save the scrape with `curl` and pass the file).
pub fn read_exposition(source: &str) -> Result<String, SourceError> {
    if is_url(source) {
        return http_get(source, "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    }
    let path = PathBuf::from(source);
    let read = if source == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(&path)
    };
    read.map_err(|error| SourceError::Read { path, error })
}

/// GETs `url` and returns its body; anything but `200` is an error.
pub(crate) fn http_get(url: &str, accept: &str) -> Result<String, SourceError> {
    let fetch = |reason: String| SourceError::Fetch {
        url: url.to_string(),
        reason,
    };
    if url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    {
        return Err(fetch(
            "https is not supported by this build; save the response with curl and pass the file"
                .into(),
        ));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(url)
        .header("Accept", accept)
        .call()
        .map_err(|e| fetch(describe(&e)))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(SourceError::Status {
            url: url.to_string(),
            status,
        });
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|e| fetch(describe(&e)))
}

/// A short, human reason for a failed request.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::ConnectionFailed => "connection refused or unreachable".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::Timeout(_) => format!("no complete answer within {} s", TIMEOUT.as_secs()),
        ureq::Error::BadUri(uri) => format!("not a valid URL ({uri})"),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert!(is_url("http://127.0.0.1:9464/metrics"));
        assert!(is_url("HTTPS://example.com"));
        assert!(!is_url("metrics.txt"));
        assert!(!is_url("-"));
        assert!(!is_url("./http://x"));
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let err = read_exposition("/nonexistent/omnimetrics-scrape.txt").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/omnimetrics-scrape.txt: "),
            "{err}"
        );
    }

    #[test]
    fn https_is_refused_clearly() {
        let err = read_exposition("https://example.com/metrics").unwrap_err();
        assert!(err.to_string().contains("https is not supported"), "{err}");
    }

    #[test]
    fn refused_connection() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/metrics");
        let err = read_exposition(&url).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("cannot fetch {url}: ")),
            "{err}"
        );
    }
}
