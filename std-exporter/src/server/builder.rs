//! The exporter's settings, their defaults and their validation.
//!
//! Setters never fail, so a configuration reads as one chain; everything is
//! checked once, in [`ExporterBuilder::build`] and
//! [`ExporterBuilder::start`], which return an [`Error`] saying what to
//! change.

use super::handle::Exporter;
use super::listen;
use super::serve::Server;
use crate::auth::Auth;
#[cfg(feature = "dashboard")]
use crate::dashboard::{Dashboard, DashboardConfig};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::{DEFAULT_ADDRESS, DEFAULT_PATH};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The smallest header limit that still lets ordinary clients through.
const MIN_HEADER_BYTES: usize = 1024;

/// Configures and starts an exporter. Get one from
/// [`Exporter::builder`].
///
/// ```
/// use std::time::Duration;
///
/// # fn main() -> Result<(), omnimetrics_exporter::Error> {
/// let exporter = omnimetrics_exporter::Exporter::builder()
///     .address("127.0.0.1:0") // any free port; the default is 127.0.0.1:9464
///     .path("/internal/metrics")
///     .bearer_token("s3cret")
///     .request_timeout(Duration::from_secs(5))
///     .max_header_bytes(8 * 1024)
///     .start()?;
/// assert!(exporter.url().ends_with("/internal/metrics"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until `start()` or `build()`"]
pub struct ExporterBuilder {
    address: String,
    path: String,
    credentials: Credentials,
    gzip: bool,
    process: bool,
    request_timeout: Duration,
    write_timeout: Duration,
    shutdown_timeout: Duration,
    max_header_bytes: usize,
    max_headers: usize,
    max_connections: usize,
    /// An endpoint to start from (its source), set by [`Self::source`].
    base: Option<Endpoint>,
    /// The dashboard to serve next to the metrics, if any.
    #[cfg(feature = "dashboard")]
    dashboard: Option<DashboardConfig>,
}

/// Credentials as given, checked at build time.
#[derive(Clone)]
enum Credentials {
    Ready(Auth),
    Bearer(String),
    Basic(String, String),
}

impl fmt::Debug for ExporterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = match &self.credentials {
            Credentials::Ready(auth) => format!("{auth:?}"),
            Credentials::Bearer(_) => "Bearer(<redacted>)".to_string(),
            Credentials::Basic(user, _) => format!("Basic({user:?}, <redacted>)"),
        };
        let mut d = f.debug_struct("ExporterBuilder");
        d.field("address", &self.address)
            .field("path", &self.path)
            .field("credentials", &credentials)
            .field("gzip", &self.gzip)
            .field("process_metrics", &self.process)
            .field("request_timeout", &self.request_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("max_headers", &self.max_headers)
            .field("max_connections", &self.max_connections);
        #[cfg(feature = "dashboard")]
        d.field("dashboard", &self.dashboard);
        d.finish()
    }
}

impl Default for ExporterBuilder {
    fn default() -> Self {
        Self {
            address: DEFAULT_ADDRESS.to_string(),
            path: DEFAULT_PATH.to_string(),
            credentials: Credentials::Ready(Auth::none()),
            gzip: true,
            process: true,
            request_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(5),
            max_header_bytes: 16 * 1024,
            max_headers: 64,
            max_connections: 128,
            base: None,
            #[cfg(feature = "dashboard")]
            dashboard: None,
        }
    }
}

/// Checked settings, shared by the accept loop and every connection.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) path: String,
    pub(crate) endpoint: Endpoint,
    pub(crate) request_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) max_header_bytes: usize,
    pub(crate) max_headers: usize,
    pub(crate) max_connections: usize,
    /// Started by [`ExporterBuilder::build`], once the address is bound.
    #[cfg(feature = "dashboard")]
    pub(crate) dashboard: Option<Dashboard>,
}

impl ExporterBuilder {
    /// The defaults: `127.0.0.1:9464`, `/metrics`, no credentials, gzip,
    /// process metrics, 10 s request and write timeouts, 16 KiB and 64
    /// request headers at most, 128 connections at most.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where to listen: `IP:PORT` or `HOST:PORT` (`"0.0.0.0:9464"`,
    /// `"[::1]:9464"`, `"localhost:9464"`, a [`SocketAddr`](std::net::SocketAddr)).
    /// Port 0 picks a free port; [`Exporter::local_addr`] tells which.
    pub fn address(mut self, address: impl ToString) -> Self {
        self.address = address.to_string();
        self
    }

    /// The path metrics are served at (default `/metrics`). Other paths get
    /// `404 Not Found`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Requires `Authorization: Bearer <token>` on every request.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Credentials::Bearer(token.into());
        self
    }

    /// Requires HTTP basic auth with this user and password on every request.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Credentials::Basic(user.into(), password.into());
        self
    }

    /// Requires these credentials (replaces [`bearer_token`](Self::bearer_token)
    /// and [`basic_auth`](Self::basic_auth)).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.credentials = Credentials::Ready(auth);
        self
    }

    /// Serves `source` instead of the live registry (see
    /// [`Endpoint::with_source`]).
    pub fn source<S: omnimetrics::visit::Source + Send + Sync + 'static>(
        mut self,
        source: S,
    ) -> Self {
        self.base = Some(Endpoint::new().with_source(source));
        self
    }

    /// Whether to gzip responses for clients that accept it (default: yes).
    pub fn gzip(mut self, enabled: bool) -> Self {
        self.gzip = enabled;
        self
    }

    /// Whether to export the `process_*` metrics (default: yes; Linux only).
    pub fn process_metrics(mut self, enabled: bool) -> Self {
        self.process = enabled;
        self
    }

    /// How long a client may take to send a request's headers, counted
    /// from when the server starts waiting for them; an idle keep-alive
    /// connection is closed after the same time (default 10 s, like
    /// Prometheus' default scrape timeout).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long a response write may stall because the client stops reading
    /// before the connection is closed (default 10 s).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How long shutting down waits for requests in progress before closing
    /// their connections (default 5 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The most bytes a request's line and headers may take (default
    /// 16 KiB, at least 1 KiB); larger requests get
    /// `431 Request Header Fields Too Large`.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes;
        self
    }

    /// The most headers a request may have (default 64).
    pub fn max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    /// The most connections served at once (default 128); more are answered
    /// `503 Service Unavailable` and closed.
    pub fn max_connections(mut self, count: usize) -> Self {
        self.max_connections = count;
        self
    }

    /// Also serves the [dashboard](crate::dashboard) of the instrumented
    /// functions: at `/` by default ([`DashboardConfig::path`]), with its
    /// data at `/dashboard.json`, behind the same credentials as the
    /// metrics. Sampling starts when the server is built and stops with it.
    ///
    /// ```
    /// use omnimetrics_exporter::dashboard::DashboardConfig;
    ///
    /// # fn main() -> Result<(), omnimetrics_exporter::Error> {
    /// let exporter = omnimetrics_exporter::Exporter::builder()
    ///     .address("127.0.0.1:0")
    ///     .dashboard(DashboardConfig::default())
    ///     .start()?;
    /// println!("open http://{}/", exporter.local_addr());
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "dashboard")]
    pub fn dashboard(mut self, config: DashboardConfig) -> Self {
        self.dashboard = Some(config);
        self
    }

    /// Binds the address and returns a server to run on the caller's own
    /// tokio runtime ([`Server::run_until`]). Also reads the runtime
    /// `service_name` and `build_info` overrides from the environment
    /// (`AUTOMETRICS_SERVICE_NAME`, `AUTOMETRICS_VERSION`, ...), once.
    pub fn build(self) -> Result<Server, Error> {
        #[allow(unused_mut)]
        let mut settings = self.settings()?;
        omnimetrics::read_environment();
        let listener = listen::bind(&self.address)?;
        #[cfg(feature = "dashboard")]
        if let Some(config) = &self.dashboard {
            let config = config.clone().metrics_link(settings.path.clone());
            settings.dashboard = Some(Dashboard::start(config, settings.endpoint.clone())?);
        }
        Server::new(listener, Arc::new(settings))
    }

    /// Binds the address and serves from a background thread with its own
    /// single-threaded tokio runtime, until the returned [`Exporter`] is
    /// dropped or [shut down](Exporter::shutdown). Works with or without a
    /// runtime in the application.
    pub fn start(self) -> Result<Exporter, Error> {
        Exporter::spawn(self.build()?)
    }

    fn settings(&self) -> Result<Settings, Error> {
        check_path(&self.path)?;
        #[cfg(feature = "dashboard")]
        if let Some(config) = &self.dashboard {
            config.check()?;
            if config.path == self.path || config.json_path() == self.path {
                return Err(Error::InvalidSetting {
                    setting: "DashboardConfig::path",
                    reason: "the dashboard and the metrics need different paths; the defaults \
                             are / and /metrics",
                });
            }
        }
        let auth = match &self.credentials {
            Credentials::Ready(auth) => auth.clone(),
            Credentials::Bearer(token) => Auth::bearer(token.clone())?,
            Credentials::Basic(user, password) => Auth::basic(user.clone(), password.clone())?,
        };
        for (setting, timeout) in [
            ("request_timeout", self.request_timeout),
            ("write_timeout", self.write_timeout),
        ] {
            if timeout.is_zero() {
                return Err(Error::InvalidSetting {
                    setting,
                    reason: "a zero timeout would close every connection; use a few seconds",
                });
            }
        }
        if self.max_header_bytes < MIN_HEADER_BYTES {
            return Err(Error::InvalidSetting {
                setting: "max_header_bytes",
                reason: "below 1024 bytes ordinary scrapes are refused; 8 KiB to 64 KiB is usual",
            });
        }
        if self.max_headers == 0 {
            return Err(Error::InvalidSetting {
                setting: "max_headers",
                reason: "scrapers send a few headers; allow at least 16",
            });
        }
        if self.max_connections == 0 {
            return Err(Error::InvalidSetting {
                setting: "max_connections",
                reason: "zero would refuse every scrape; allow at least a few",
            });
        }
        let endpoint = self
            .base
            .clone()
            .unwrap_or_default()
            .with_auth(auth)
            .with_gzip(self.gzip)
            .with_process_metrics(self.process);
        Ok(Settings {
            path: self.path.clone(),
            endpoint,
            request_timeout: self.request_timeout,
            write_timeout: self.write_timeout,
            shutdown_timeout: self.shutdown_timeout,
            max_header_bytes: self.max_header_bytes,
            max_headers: self.max_headers,
            max_connections: self.max_connections,
            #[cfg(feature = "dashboard")]
            dashboard: None,
        })
    }
}

/// An absolute path of visible ASCII, without query or fragment.
fn check_path(path: &str) -> Result<(), Error> {
    let ok = path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidPath {
            path: path.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for good in ["/metrics", "/", "/a/b-c_d.e~f%20"] {
            check_path(good).unwrap();
        }
        for bad in ["metrics", "", "/m?x", "/m#x", "/a b", "/ü"] {
            let e = check_path(bad).unwrap_err();
            assert!(e.to_string().contains("must start with `/`"), "{e}");
        }
    }

    #[test]
    fn settings_are_checked() {
        let err = |b: ExporterBuilder| b.settings().unwrap_err();
        assert!(matches!(
            err(ExporterBuilder::new().bearer_token("")),
            Error::InvalidCredentials { .. }
        ));
        assert!(matches!(
            err(ExporterBuilder::new().basic_auth("a:b", "c")),
            Error::InvalidCredentials { .. }
        ));
        assert!(matches!(
            err(ExporterBuilder::new().request_timeout(Duration::ZERO)),
            Error::InvalidSetting {
                setting: "request_timeout",
                ..
            }
        ));
        assert!(matches!(
            err(ExporterBuilder::new().max_header_bytes(100)),
            Error::InvalidSetting {
                setting: "max_header_bytes",
                ..
            }
        ));
        assert!(matches!(
            err(ExporterBuilder::new().max_connections(0)),
            Error::InvalidSetting { .. }
        ));
        assert!(matches!(
            err(ExporterBuilder::new().max_headers(0)),
            Error::InvalidSetting { .. }
        ));
        assert!(matches!(
            err(ExporterBuilder::new().path("metrics")),
            Error::InvalidPath { .. }
        ));
        ExporterBuilder::new().settings().unwrap();
    }

    #[test]
    fn debug_hides_secrets() {
        let b = ExporterBuilder::new().bearer_token("hunter2");
        assert!(!format!("{b:?}").contains("hunter2"));
        let b = ExporterBuilder::new().basic_auth("prom", "hunter2");
        let text = format!("{b:?}");
        assert!(!text.contains("hunter2") && text.contains("prom"), "{text}");
    }
}
