//! The running exporter: its thread, its address, and stopping it.
//!
//! The handle owns the server's thread. Dropping it (or calling
//! [`Exporter::shutdown`]) signals the server, which stops accepting,
//! finishes the requests in progress within the shutdown timeout, and ends
//! its thread; the handle waits for that, so the port is free again when
//! `drop` returns. [`Exporter::detach`] keeps it serving for the life of
//! the process instead.

use super::builder::ExporterBuilder;
use super::serve::Server;
use crate::error::Error;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// A running exporter. It serves until this handle is dropped.
///
/// ```
/// # fn main() -> Result<(), omnimetrics_exporter::Error> {
/// let exporter = omnimetrics_exporter::Exporter::builder()
///     .address("127.0.0.1:0")
///     .start()?;
/// let addr = exporter.local_addr();
/// exporter.shutdown();
/// assert!(std::net::TcpStream::connect(addr).is_err());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "the exporter stops when this handle is dropped; keep it, or call `detach()`"]
pub struct Exporter {
    local_addr: SocketAddr,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Exporter {
    /// A builder with the defaults (`127.0.0.1:9464`, `/metrics`).
    pub fn builder() -> ExporterBuilder {
        ExporterBuilder::new()
    }

    /// Runs `server` on a new thread with a single-threaded runtime.
    pub(crate) fn spawn(server: Server) -> Result<Self, Error> {
        let local_addr = server.local_addr();
        let url = server.url();
        let (stop, stopped) = oneshot::channel::<()>();
        // The runtime is built (and dropped) on its own thread: tokio
        // refuses to drop a runtime inside another one, which is where
        // `start()` may be called from.
        let (started, outcome) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let thread = std::thread::Builder::new()
            .name("omnimetrics-exporter".to_string())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = started.send(Err(e));
                        return;
                    }
                };
                let _ = started.send(Ok(()));
                let signal = async {
                    // A dropped sender without a signal means "detached":
                    // serve until the process exits.
                    if stopped.await.is_err() {
                        std::future::pending::<()>().await;
                    }
                };
                // Cannot fail: the runtime is current and has I/O and time.
                let _ = runtime.block_on(server.run_until(signal));
            })
            .map_err(Error::Runtime)?;
        match outcome.recv() {
            Ok(Ok(())) => Ok(Self {
                local_addr,
                url,
                stop: Some(stop),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(Error::Runtime(e))
            }
            Err(_) => {
                let _ = thread.join();
                Err(Error::Runtime(std::io::Error::other(
                    "the exporter thread ended while starting",
                )))
            }
        }
    }

    /// The address it listens on (with the actual port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The metrics URL, e.g. `http://127.0.0.1:9464/metrics`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops serving and waits until every connection is closed (at most
    /// the [shutdown timeout](ExporterBuilder::shutdown_timeout)). Dropping
    /// the handle does the same.
    pub fn shutdown(mut self) {
        self.stop_and_wait();
    }

    /// Keeps serving until the process exits, without a handle to keep.
    pub fn detach(mut self) {
        // Dropping the sender without sending is the "detached" signal.
        self.stop.take();
        self.thread.take();
    }

    fn stop_and_wait(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            // The thread catches nothing: a panic there already printed.
            let _ = thread.join();
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop_and_wait();
    }
}
