//! A dashboard of the instrumented functions, served next to `/metrics`
//! (feature `dashboard`, on by default; off at run time until asked for).
//!
//! Prometheus and Grafana are where metrics belong in production, but they
//! are a lot to set up to look at one service on a laptop, or at a process
//! on a machine without them. The dashboard answers "what are my functions
//! doing right now?" from inside the process: for each instrumented
//! function its request rate, error ratio and p50/p95/p99 latency over the
//! last minutes, who calls whom, the objectives and whether each is met,
//! and `build_info`; with, for each function, the PromQL queries to paste
//! into Prometheus later.
//!
//! ```
//! use omnimetrics_exporter::dashboard::DashboardConfig;
//!
//! # fn main() -> Result<(), omnimetrics_exporter::Error> {
//! let exporter = omnimetrics_exporter::Exporter::builder()
//!     .address("127.0.0.1:0") // the default is 127.0.0.1:9464
//!     .dashboard(DashboardConfig::default())
//!     .start()?;
//! println!("dashboard at http://{}/", exporter.local_addr());
//! # Ok(()) }
//! ```
//!
//! How it works:
//!
//! - a thread takes a snapshot of what `/metrics` serves every
//!   [interval](DashboardConfig::interval) (1 s by default) into a
//!   [`History`], a ring of fixed capacity (300 samples by default), so
//!   memory is reserved once and never grows;
//! - the page (one HTML document with its script and style inline, charts
//!   drawn as SVG by that script; it loads nothing from anywhere) polls a
//!   JSON document next to it, `dashboard.json`, computed from the history:
//!   rates, ratios and percentiles follow PromQL's rules, so they agree
//!   with what Prometheus shows for the same queries;
//! - both URLs require the exporter's credentials, like `/metrics`
//!   (a browser prompts for basic auth; a bearer token cannot be typed into
//!   a browser, so with one the page is for tools only).
//!
//! Outside the standalone server (axum or another framework), start a
//! [`Dashboard`] yourself and route its two paths to [`Dashboard::respond`].

mod config;
mod history;
mod page;
mod route;
mod sampler;
mod stats;
mod view;

pub use config::DashboardConfig;
pub use history::History;

use crate::auth::Auth;
use crate::endpoint::Endpoint;
use crate::error::Error;
use bytes::Bytes;
use http::{Request, Response};
use route::Target;
use sampler::{Sampler, lock};
use std::fmt;
use std::sync::{Arc, Mutex};

/// A running dashboard: its history, the thread that samples into it, and
/// the answers to its two URLs. Cloning is cheap; sampling stops when the
/// last clone is dropped.
///
/// ```
/// use omnimetrics_exporter::Endpoint;
/// use omnimetrics_exporter::dashboard::{Dashboard, DashboardConfig};
///
/// # fn main() -> Result<(), omnimetrics_exporter::Error> {
/// let dashboard = Dashboard::start(DashboardConfig::new().path("/dash"), Endpoint::new())?;
/// assert_eq!((dashboard.page_path(), dashboard.json_path()), ("/dash", "/dash.json"));
///
/// let request = http::Request::get("/dash.json").body(()).unwrap();
/// let response = dashboard.respond(&request).expect("one of its paths");
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "application/json");
///
/// let elsewhere = http::Request::get("/metrics").body(()).unwrap();
/// assert!(dashboard.respond(&elsewhere).is_none());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Dashboard {
    inner: Arc<Inner>,
}

struct Inner {
    config: DashboardConfig,
    json_path: String,
    auth: Auth,
    /// The endpoint's gzip setting: the dashboard compresses when it does.
    gzip: bool,
    page: Bytes,
    history: Arc<Mutex<History>>,
    /// Stops the sampling thread when the last clone goes.
    _sampler: Sampler,
}

impl fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dashboard")
            .field("config", &self.inner.config)
            .field("samples", &self.samples())
            .finish_non_exhaustive()
    }
}

impl Dashboard {
    /// Checks `config` and starts sampling what `endpoint` serves (its
    /// registry or custom source; the process metrics are left out, the
    /// page does not show them). Requests must carry `endpoint`'s
    /// credentials, and answers are gzipped only if `endpoint`'s are
    /// ([`Endpoint::with_gzip`]).
    pub fn start(config: DashboardConfig, endpoint: Endpoint) -> Result<Self, Error> {
        config.check()?;
        let history = Arc::new(Mutex::new(History::new(config.history)));
        let auth = endpoint.auth().clone();
        let gzip = endpoint.gzip_enabled();
        let sampler = Sampler::spawn(
            Arc::clone(&history),
            endpoint.with_process_metrics(false),
            config.interval,
        )
        .map_err(Error::Runtime)?;
        Ok(Self {
            inner: Arc::new(Inner {
                json_path: config.json_path(),
                page: Bytes::from(page::render(&config)),
                config,
                auth,
                gzip,
                history,
                _sampler: sampler,
            }),
        })
    }

    /// Its configuration.
    pub fn config(&self) -> &DashboardConfig {
        &self.inner.config
    }

    /// Where the page is served.
    pub fn page_path(&self) -> &str {
        &self.inner.config.path
    }

    /// Where the page's JSON is served.
    pub fn json_path(&self) -> &str {
        &self.inner.json_path
    }

    /// How many samples the history holds now (at most
    /// [`DashboardConfig::history`]).
    pub fn samples(&self) -> usize {
        lock(&self.inner.history).len()
    }

    /// The answer to `request` if its path is the page's or the JSON's,
    /// `None` for any other path. Checks credentials (`401`) and the method
    /// (`405` unless `GET` or `HEAD`); a bad query string on the JSON is a
    /// `400` that says what is accepted.
    pub fn respond<B>(&self, request: &Request<B>) -> Option<Response<Bytes>> {
        let path = request.uri().path();
        let target = if path == self.page_path() {
            Target::Page
        } else if path == self.json_path() {
            Target::Json
        } else {
            return None;
        };
        if let Some(refused) = route::refusal(&self.inner.auth, request) {
            return Some(refused);
        }
        let body = match target {
            Target::Page => self.inner.page.clone(),
            Target::Json => match route::parse_query(request.uri().query()) {
                Ok(options) => {
                    let view = {
                        let history = lock(&self.inner.history);
                        view::build(&history, &self.inner.config, &options)
                    };
                    // Serialising plain structs of strings and numbers
                    // cannot fail; an empty body would be the worst case.
                    Bytes::from(serde_json::to_vec(&view).unwrap_or_default())
                }
                Err(reason) => return Some(route::bad_request(&reason)),
            },
        };
        Some(route::ok(target, self.inner.gzip, request.headers(), body))
    }
}
