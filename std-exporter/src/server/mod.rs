//! The standalone `/metrics` server.
//!
//! Most programs want their metrics scrapeable with one line, whatever else
//! they run: a CLI tool, a worker pool, an actix or axum service, or no
//! async runtime at all. [`start`] (or [`Exporter::builder`]) binds the
//! address at once, so a port conflict is an error at the call site, then
//! serves from a thread of its own with a single-threaded tokio runtime.
//! Running apart from the application's runtime is deliberate: scrapes are
//! answered while the application's runtime is saturated or blocked, which
//! is when its metrics matter most, and dropping the handle stops the server
//! deterministically, without needing an async context.
//!
//! Applications that prefer to serve from their own tokio runtime call
//! [`ExporterBuilder::build`] and spawn [`Server::run_until`] instead, or
//! mount the [`axum`](crate::axum) router in their app.
//!
//! The server speaks HTTP/1.1 (hyper 1) and defends itself: header size
//! and count limits, a deadline for receiving a request's headers (which
//! also closes idle keep-alive connections), a deadline for a stalled
//! response write, a connection limit, and a bounded graceful shutdown.

mod builder;
mod connection;
mod handle;
mod listen;
mod routes;
mod serve;

pub use builder::ExporterBuilder;
pub use handle::Exporter;
pub use serve::Server;

/// Starts an exporter with the defaults: `http://127.0.0.1:9464/metrics`,
/// no credentials, gzip, process metrics. It serves until the returned
/// handle is dropped.
///
/// ```no_run
/// # fn main() -> Result<(), omnimetrics_exporter::Error> {
/// let exporter = omnimetrics_exporter::start()?;
/// assert_eq!(exporter.url(), "http://127.0.0.1:9464/metrics");
/// // ... the program runs; the exporter stops when `exporter` is dropped.
/// # Ok(()) }
/// ```
pub fn start() -> Result<Exporter, crate::Error> {
    Exporter::builder().start()
}
