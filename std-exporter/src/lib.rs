//! Serve `#[autometrics]` metrics on `/metrics` from a std program.
//!
//! ```
//! use omnimetrics::autometrics;
//! use std::io::{Read, Write};
//!
//! #[autometrics]
//! fn checkout(items: u32) -> Result<u32, &'static str> {
//!     if items == 0 { Err("empty cart") } else { Ok(items * 5) }
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // `omnimetrics_exporter::start()?` serves http://127.0.0.1:9464/metrics
//!     // from a background thread until the handle is dropped. Port 0 picks
//!     // a free port instead, so that this example runs anywhere.
//!     let exporter = omnimetrics_exporter::Exporter::builder()
//!         .address("127.0.0.1:0")
//!         .start()?;
//!     println!("Prometheus can scrape {}", exporter.url());
//!
//!     checkout(3)?;
//!     checkout(0).unwrap_err();
//!
//!     // What a scraper sees:
//!     let mut scrape = std::net::TcpStream::connect(exporter.local_addr())?;
//!     scrape.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
//!     let mut response = String::new();
//!     scrape.read_to_string(&mut response)?;
//!     assert!(response.starts_with("HTTP/1.1 200 OK"));
//!     assert!(response.contains("content-type: text/plain; version=0.0.4; charset=utf-8"));
//!     let calls = response
//!         .lines()
//!         .filter(|l| l.starts_with("function_calls_total{function=\"checkout\""))
//!         .filter(|l| l.contains("result=\"error\"") && l.ends_with(" 1"));
//!     assert_eq!(calls.count(), 1);
//!     Ok(())
//! }
//! ```
//!
//! # Three ways to serve
//!
//! - **Standalone** ([`start`], [`Exporter::builder`]): an HTTP/1.1 server
//!   (hyper) on its own thread and single-threaded tokio runtime, whether or
//!   not the application uses tokio. It binds when started, so a port
//!   conflict is an [`Error`] at the call site, and stops when the
//!   [`Exporter`] handle is dropped. Address, path, credentials (bearer token
//!   or basic auth), timeouts, header and connection limits are set on the
//!   builder; defaults are `127.0.0.1:9464` and `/metrics`. To run it on
//!   the application's own runtime instead, [`ExporterBuilder::build`] it and
//!   spawn [`Server::run_until`].
//! - **axum** (feature `axum`): [`axum::router`][axum-router] to merge
//!   into an application, or [`axum::handler`][axum-handler].
//! - **Any other framework**: [`metrics_response`] (or
//!   [`Endpoint::respond`]) turns a request's headers into an
//!   [`http::Response`].
//!
//! All three answer the same way: Prometheus text 0.0.4, or OpenMetrics 1.0
//! when the scraper's `Accept` prefers it (see [`Format`]), gzip when
//! `Accept-Encoding` allows it, `401` with a challenge when credentials are
//! required and missing.
//!
//! The matching Prometheus scrape configuration (drop `authorization` when
//! no [`bearer_token`](ExporterBuilder::bearer_token) is set; use
//! `basic_auth` for [`basic_auth`](ExporterBuilder::basic_auth)):
//!
//! ```yaml
//! scrape_configs:
//!   - job_name: my-service
//!     authorization:
//!       credentials: s3cret
//!     static_configs:
//!       - targets: ['127.0.0.1:9464']
//! ```
//!
//! # What is served
//!
//! The live registry ([`omnimetrics::registry`]: instrumented functions,
//! `build_info`, user metrics), then the standard `process_*` metrics read
//! from `/proc` on Linux ([`ProcessMetrics`], which can be turned off).
//!
//! `service_name` and the `build_info` labels can be overridden at run time
//! by `AUTOMETRICS_SERVICE_NAME` (or `OTEL_SERVICE_NAME`),
//! `AUTOMETRICS_VERSION`, `AUTOMETRICS_COMMIT`, `AUTOMETRICS_BRANCH`,
//! `AUTOMETRICS_REPOSITORY_URL` and `AUTOMETRICS_REPOSITORY_PROVIDER`; the
//! exporter reads them once, when it starts.
//!
//! # Features
//!
//! - `server` (default): the standalone server (hyper, hyper-util, tokio).
//! - `axum`: the [`axum`][axum-module] module.
//! - `dashboard` (default): the built-in [`dashboard`] page, served at `/`
//!   once turned on with [`ExporterBuilder::dashboard`].
//! - `bridge` (with `cli`): the [`bridge`] module: devices' snapshot frames,
//!   read from serial lines, TCP, files or stdin, served with a `device`
//!   label.
//! - `cli` (default): the `omnimetrics` command-line tool (`rules`,
//!   `explain`, `bridge`).
// The `axum` links lead to this list of features when the module is not
// built (docs built with default features). A blank line first: a link
// definition cannot interrupt the paragraph above.
#![doc = ""]
#![cfg_attr(feature = "axum", doc = "[axum-router]: crate::axum::router")]
#![cfg_attr(feature = "axum", doc = "[axum-handler]: crate::axum::handler")]
#![cfg_attr(feature = "axum", doc = "[axum-module]: crate::axum")]
#![cfg_attr(not(feature = "axum"), doc = "[axum-router]: #features")]
#![cfg_attr(not(feature = "axum"), doc = "[axum-handler]: #features")]
#![cfg_attr(not(feature = "axum"), doc = "[axum-module]: #features")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod auth;
mod chain;
#[cfg(feature = "cli")]
pub mod cli;
mod compression;
mod endpoint;
mod error;
mod process;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "bridge")]
pub mod bridge;
#[cfg(feature = "dashboard")]
pub mod dashboard;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "slo")]
pub mod slo;

pub use auth::Auth;
pub use chain::Chain;
pub use endpoint::{Endpoint, metrics_response};
pub use error::Error;
pub use omnimetrics_sinks::text::Format;
pub use process::{ProcessMetrics, ProcessStats};
#[cfg(feature = "server")]
pub use server::{Exporter, ExporterBuilder, Server, start};

/// The address the standalone exporter binds by default (9464 is the port
/// of OpenTelemetry's Prometheus exporters, which Autometrics uses too).
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:9464";

/// The path metrics are served at by default.
pub const DEFAULT_PATH: &str = "/metrics";
