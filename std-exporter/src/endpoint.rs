//! A scrape, answered without any web framework.
//!
//! Everything that turns an incoming scrape into a response lives here, so
//! the standalone server, the axum integration and any other framework give
//! the same answer: check the credentials, pick Prometheus text or
//! OpenMetrics from `Accept`, encode the registry and the process metrics,
//! and gzip the body when `Accept-Encoding` allows it. The only input is the
//! request's headers, the output an [`http::Response`], which every Rust
//! web framework can convert.

use crate::auth::Auth;
use crate::chain::Chain;
use crate::compression::ok_response;
use crate::process::ProcessMetrics;
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::{HeaderMap, Response, StatusCode};
use omnimetrics::visit::Source;
use omnimetrics::{Registry, Snapshot};
use omnimetrics_sinks::text::{self, Format};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Answers scrapes: the configuration shared by the standalone server and
/// the framework integrations. Cloning is cheap (one reference count).
///
/// ```
/// use omnimetrics_exporter::{Auth, Endpoint};
///
/// let endpoint = Endpoint::new()
///     .with_auth(Auth::bearer("s3cret").unwrap())
///     .with_process_metrics(false);
///
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(endpoint.respond(&headers).status(), 401);
/// headers.insert("authorization", "Bearer s3cret".parse().unwrap());
/// headers.insert("accept", "application/openmetrics-text".parse().unwrap());
/// let response = endpoint.respond(&headers);
/// assert_eq!(response.status(), 200);
/// assert!(response.headers()["content-type"]
///     .to_str()
///     .unwrap()
///     .starts_with("application/openmetrics-text"));
/// assert!(response.body().ends_with(b"# EOF\n"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Endpoint {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    auth: Auth,
    gzip: bool,
    process: bool,
    /// What is served instead of the live registry, if anything.
    custom: Option<Custom>,
    /// The length of the last response, to size the next buffer in one go.
    size_hint: AtomicUsize,
}

/// A source chosen with [`Endpoint::with_source`], kept as two monomorphic
/// closures: `Source::visit` is generic, so it cannot sit behind `dyn`.
#[derive(Clone)]
struct Custom {
    render: Arc<RenderFn>,
    snapshot: Arc<SnapshotFn>,
}

/// Encodes the custom source (then the process metrics when the flag says
/// so) in a format.
type RenderFn = dyn Fn(Format, bool, &mut String) -> fmt::Result + Send + Sync;
/// Copies the custom source (then the process metrics when the flag says so).
type SnapshotFn = dyn Fn(bool) -> Snapshot + Send + Sync;

impl fmt::Debug for Custom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Custom")
    }
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            auth: Auth::none(),
            gzip: true,
            process: true,
            custom: None,
            size_hint: AtomicUsize::new(4096),
        }
    }
}

impl Clone for Inner {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
            gzip: self.gzip,
            process: self.process,
            custom: self.custom.clone(),
            size_hint: AtomicUsize::new(self.size_hint.load(Ordering::Relaxed)),
        }
    }
}

impl Endpoint {
    /// Open to anyone, gzip when accepted, process metrics included.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires these credentials (default: [`Auth::none`]).
    pub fn with_auth(mut self, auth: Auth) -> Self {
        Arc::make_mut(&mut self.inner).auth = auth;
        self
    }

    /// Whether to gzip responses for clients that accept it (default: yes).
    pub fn with_gzip(mut self, enabled: bool) -> Self {
        Arc::make_mut(&mut self.inner).gzip = enabled;
        self
    }

    /// Whether to add the `process_*` metrics (default: yes; Linux only).
    pub fn with_process_metrics(mut self, enabled: bool) -> Self {
        Arc::make_mut(&mut self.inner).process = enabled;
        self
    }

    /// Serves `source` instead of the live registry (the process metrics
    /// still follow it, unless turned off). A bridge serving the snapshots of
    /// remote devices uses this; to serve both, pass a [`Chain`] of the
    /// registry and the other source.
    ///
    /// ```
    /// use omnimetrics::metrics::Counter;
    /// use omnimetrics::Snapshot;
    /// use omnimetrics_exporter::{Endpoint, Format};
    ///
    /// static SEEN: Counter = Counter::new("frames_seen_total", "Frames seen.");
    /// SEEN.inc();
    /// // A frozen copy, served as if it were live.
    /// let frozen = Snapshot::capture(&omnimetrics::registry());
    /// let endpoint = Endpoint::new().with_process_metrics(false).with_source(frozen);
    /// SEEN.inc();
    /// let text = endpoint.render(Format::Prometheus).unwrap();
    /// assert!(text.contains("frames_seen_total 1\n"));
    /// assert_eq!(endpoint.snapshot().counter_sum("frames_seen", &[]), 1);
    /// ```
    pub fn with_source<S: Source + Send + Sync + 'static>(mut self, source: S) -> Self {
        let source = Arc::new(source);
        let for_snapshot = Arc::clone(&source);
        Arc::make_mut(&mut self.inner).custom = Some(Custom {
            render: Arc::new(move |format, process, out| {
                let chained = Chain::new(&*source, process.then_some(ProcessMetrics));
                text::encode(&chained, format, out)
            }),
            snapshot: Arc::new(move |process| {
                Snapshot::capture(&Chain::new(
                    &*for_snapshot,
                    process.then_some(ProcessMetrics),
                ))
            }),
        });
        self
    }

    /// The credentials scrapes must present.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// A copy of what a scrape returns now: the registry (or the source of
    /// [`with_source`](Self::with_source)), then the process metrics if
    /// enabled.
    pub fn snapshot(&self) -> Snapshot {
        match &self.inner.custom {
            Some(c) => (c.snapshot)(self.inner.process),
            None => Snapshot::capture(&self.default_source()),
        }
    }

    fn default_source(&self) -> Chain<Registry, ProcessMetrics> {
        Chain::new(
            omnimetrics::registry(),
            self.inner.process.then_some(ProcessMetrics),
        )
    }

    /// The metrics as text in `format`, without any HTTP.
    pub fn render(&self, format: Format) -> Result<String, fmt::Error> {
        let hint = self.inner.size_hint.load(Ordering::Relaxed);
        let mut out = String::with_capacity(hint + hint / 8);
        match &self.inner.custom {
            Some(c) => (c.render)(format, self.inner.process, &mut out)?,
            None => text::encode(&self.default_source(), format, &mut out)?,
        }
        self.inner.size_hint.store(out.len(), Ordering::Relaxed);
        Ok(out)
    }

    /// The response to a scrape whose request carried `headers`.
    ///
    /// - `401 Unauthorized` with a `WWW-Authenticate` challenge when
    ///   credentials are required and missing or wrong;
    /// - otherwise `200 OK` in the format `Accept` asks for (Prometheus text
    ///   unless OpenMetrics is preferred), gzip-compressed if
    ///   `Accept-Encoding` allows it.
    pub fn respond(&self, headers: &HeaderMap) -> Response<Bytes> {
        if !self.inner.auth.allows(headers) {
            return unauthorized(&self.inner.auth);
        }
        let format = Format::negotiate(joined(headers, ACCEPT).as_deref());
        let text = match self.render(format) {
            Ok(text) => text,
            Err(fmt::Error) => {
                return plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "500 Internal Server Error: the metrics could not be encoded\n",
                );
            }
        };
        ok_response(
            self.inner.gzip,
            headers,
            format.content_type(),
            // The format depends on `Accept` too.
            "Accept, Accept-Encoding",
            Bytes::from(text),
        )
    }

    /// Whether responses are gzipped for clients that accept it; the
    /// dashboard started from this endpoint follows the same setting.
    #[cfg(feature = "dashboard")]
    pub(crate) fn gzip_enabled(&self) -> bool {
        self.inner.gzip
    }
}

/// The response to a scrape with `headers`, from an [`Endpoint`] with the
/// defaults (no credentials, gzip, process metrics). Use it from any web
/// framework; convert the body to the framework's type.
///
/// ```
/// let response = omnimetrics_exporter::metrics_response(&http::HeaderMap::new());
/// assert_eq!(response.status(), 200);
/// assert_eq!(
///     response.headers()["content-type"],
///     "text/plain; version=0.0.4; charset=utf-8"
/// );
/// ```
pub fn metrics_response(headers: &HeaderMap) -> Response<Bytes> {
    use std::sync::OnceLock;
    static DEFAULT: OnceLock<Endpoint> = OnceLock::new();
    DEFAULT.get_or_init(Endpoint::new).respond(headers)
}

/// Every value of header `name` joined with `, ` (how HTTP combines
/// repeated headers); values that are not UTF-8 are left out.
fn joined(headers: &HeaderMap, name: http::header::HeaderName) -> Option<Cow<'_, str>> {
    let mut values = headers.get_all(name).iter().filter_map(|v| v.to_str().ok());
    let first = values.next()?;
    let mut all = Cow::Borrowed(first);
    for more in values {
        let s = all.to_mut();
        s.push_str(", ");
        s.push_str(more);
    }
    Some(all)
}

/// A short plain-text response.
pub(crate) fn plain(status: StatusCode, body: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(body.as_bytes()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `401` with the challenge that tells the client which scheme to use.
pub(crate) fn unauthorized(auth: &Auth) -> Response<Bytes> {
    let mut response = plain(StatusCode::UNAUTHORIZED, auth.refusal());
    if let Some(challenge) = auth.challenge() {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, VARY};
    use std::io::Read as _;

    #[omnimetrics::autometrics]
    fn endpoint_test_function(fail: bool) -> Result<(), ()> {
        if fail { Err(()) } else { Ok(()) }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                http::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn negotiates_the_format() {
        let _ = endpoint_test_function(false);
        let e = Endpoint::new();
        let r = e.respond(&headers(&[]));
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()[CONTENT_TYPE], Format::Prometheus.content_type());
        let body = std::str::from_utf8(r.body()).unwrap();
        assert!(
            body.contains("function=\"endpoint_test_function\""),
            "{body}"
        );
        assert!(!body.contains("# EOF"));
        let r = e.respond(&headers(&[(
            "accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        )]));
        assert_eq!(
            r.headers()[CONTENT_TYPE],
            Format::OpenMetrics.content_type()
        );
        assert!(r.body().ends_with(b"# EOF\n"));
        assert_eq!(r.headers()[VARY], "Accept, Accept-Encoding");
    }

    #[test]
    fn gzips_when_accepted() {
        let _ = endpoint_test_function(true);
        let e = Endpoint::new();
        let plain = e.respond(&headers(&[]));
        assert!(plain.headers().get(CONTENT_ENCODING).is_none());
        let r = e.respond(&headers(&[(ACCEPT_ENCODING.as_str(), "gzip")]));
        assert_eq!(r.headers()[CONTENT_ENCODING], "gzip");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&r.body()[..])
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.contains("endpoint_test_function"));
        assert!(r.body().len() < text.len());
        let off = Endpoint::new().with_gzip(false);
        let r = off.respond(&headers(&[(ACCEPT_ENCODING.as_str(), "gzip")]));
        assert!(r.headers().get(CONTENT_ENCODING).is_none());
    }

    #[test]
    fn process_metrics_can_be_left_out() {
        let with = Endpoint::new().render(Format::Prometheus).unwrap();
        let without = Endpoint::new()
            .with_process_metrics(false)
            .render(Format::Prometheus)
            .unwrap();
        assert!(!without.contains("process_"));
        if cfg!(target_os = "linux") {
            assert!(with.contains("\nprocess_open_fds "), "{with}");
        }
    }

    #[test]
    fn refuses_without_credentials() {
        let e = Endpoint::new().with_auth(Auth::basic("prom", "pw").unwrap());
        let r = e.respond(&headers(&[]));
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()[WWW_AUTHENTICATE],
            "Basic realm=\"metrics\", charset=\"UTF-8\""
        );
        assert!(
            std::str::from_utf8(r.body())
                .unwrap()
                .contains("basic_auth")
        );
        // cHJvbTpwdw== is base64("prom:pw").
        let r = e.respond(&headers(&[("authorization", "Basic cHJvbTpwdw==")]));
        assert_eq!(r.status(), 200);
    }

    #[test]
    fn joins_repeated_headers() {
        let h = headers(&[("accept", "a"), ("accept", "b")]);
        assert_eq!(joined(&h, ACCEPT).as_deref(), Some("a, b"));
        assert_eq!(joined(&HeaderMap::new(), ACCEPT), None);
        let mut h = HeaderMap::new();
        h.append(ACCEPT, HeaderValue::from_bytes(b"\xff").unwrap());
        h.append(ACCEPT, HeaderValue::from_static("c"));
        assert_eq!(joined(&h, ACCEPT).as_deref(), Some("c"));
    }

    #[test]
    fn default_function_answers() {
        let r = metrics_response(&HeaderMap::new());
        assert_eq!(r.status(), 200);
    }
}
