//! The accept loop: connections in, a limit on how many, a bounded shutdown.
//!
//! Connections run as tasks of a [`JoinSet`], which gives three things at
//! once: the count for the connection limit, a way to wait for requests in
//! progress when shutting down, and the certainty that no connection task
//! outlives [`Server::run_until`] (dropping the set aborts them), even on
//! the application's own runtime.

use super::builder::Settings;
use super::connection;
use crate::error::Error;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Sent, best effort, to connections over the limit before closing them.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: 57\r\n\r\n\
503 Service Unavailable: too many connections; try again\n";

/// A bound exporter that is not serving yet; run it on your own tokio
/// runtime. Get one from [`ExporterBuilder::build`](crate::ExporterBuilder::build).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), omnimetrics_exporter::Error> {
/// let server = omnimetrics_exporter::Exporter::builder()
///     .address("127.0.0.1:0")
///     .build()?;
/// println!("metrics at {}", server.url());
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let task = tokio::spawn(server.run_until(async { let _ = stopped.await; }));
/// // ... the application runs ...
/// stop.send(()).unwrap();
/// task.await.unwrap()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a server does nothing until `run` or `run_until` is awaited"]
pub struct Server {
    listener: std::net::TcpListener,
    local_addr: SocketAddr,
    settings: Arc<Settings>,
}

impl Server {
    pub(crate) fn new(
        listener: std::net::TcpListener,
        settings: Arc<Settings>,
    ) -> Result<Self, Error> {
        let local_addr = listener.local_addr().map_err(|e| Error::Bind {
            address: SocketAddr::from(([0, 0, 0, 0], 0)),
            source: e,
        })?;
        Ok(Self {
            listener,
            local_addr,
            settings,
        })
    }

    /// The address it listens on (with the actual port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The metrics URL, e.g. `http://127.0.0.1:9464/metrics`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.local_addr, self.settings.path)
    }

    /// Serves until the task is dropped.
    pub async fn run(self) -> Result<(), Error> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` completes, then stops accepting, lets the
    /// requests in progress finish (for at most the
    /// [shutdown timeout](crate::ExporterBuilder::shutdown_timeout)), and
    /// returns once every connection is closed.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        let listener = TcpListener::from_std(self.listener).map_err(|e| Error::Bind {
            address: self.local_addr,
            source: e,
        })?;
        let settings = self.settings;
        let (stop, stopping) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut refusals = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                // Reap finished connections so the count stays right.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                Some(_) = refusals.join_next(), if !refusals.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        if connections.len() >= settings.max_connections {
                            // Refusing politely is bounded too: past that,
                            // the connection is just closed.
                            if refusals.len() < settings.max_connections {
                                refusals.spawn(refuse(stream));
                            }
                            continue;
                        }
                        connections.spawn(connection::serve(
                            stream,
                            Arc::clone(&settings),
                            stopping.clone(),
                        ));
                    }
                    Err(e) => pause_after(&e).await,
                },
            }
        }
        drop(listener);
        let _ = stop.send(true);
        let drained = async { while connections.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(settings.shutdown_timeout, drained).await;
        connections.shutdown().await;
        refusals.shutdown().await;
        Ok(())
    }
}

/// Answers `503` to a connection over the limit, within a second. The
/// request is drained after the answer so that closing does not reset the
/// connection before the client has read why.
async fn refuse(mut stream: TcpStream) {
    let exchange = async {
        stream.write_all(BUSY).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), exchange).await;
}

/// After a failed `accept`: errors about one connection (reset before it
/// was accepted) are ignored; running out of descriptors or memory gets a
/// short pause instead of a busy loop, while existing connections finish.
async fn pause_after(error: &io::Error) {
    let transient = matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    );
    if !transient {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
