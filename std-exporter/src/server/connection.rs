//! One client connection: HTTP/1.1 with limits, deadlines and a graceful end.
//!
//! hyper enforces the header limits and the header-read deadline (a client
//! sending one byte a second is cut off). What hyper does not bound is a
//! client that sends a request and then stops reading the response: the
//! write would wait forever and hold a connection slot. [`WriteDeadline`]
//! wraps the socket and fails a write that makes no progress for the
//! configured time.

use super::builder::Settings;
use super::routes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Sleep;

/// hyper refuses read buffers smaller than this.
const HYPER_MIN_BUF: usize = 8192;

/// Serves HTTP/1.1 on `stream` until the client leaves, a limit or deadline
/// is hit, or `stop` turns true (then the request in progress, if any, is
/// finished and the connection closed).
pub(crate) async fn serve(
    stream: TcpStream,
    settings: Arc<Settings>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(WriteDeadline::new(stream, settings.write_timeout));
    let routing = Arc::clone(&settings);
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let response = routes::respond(&routing, &request);
        async move { Ok::<_, Infallible>(response) }
    });
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.request_timeout)
        .max_header_size(settings.max_header_bytes)
        .max_headers(settings.max_headers)
        .max_buf_size(settings.max_header_bytes.max(HYPER_MIN_BUF))
        .keep_alive(true);
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    let stopping = async move {
        // An error means the server is gone: stop too.
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    tokio::select! {
        // Errors (malformed requests, timeouts, resets) end this connection
        // and nothing else; hyper has already answered what it could.
        _ = connection.as_mut() => {}
        () = stopping => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// A socket whose writes fail with `TimedOut` after making no progress for
/// `timeout`. Reads are passed through (hyper bounds those).
#[derive(Debug)]
pub(crate) struct WriteDeadline<T> {
    inner: T,
    timeout: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T> WriteDeadline<T> {
    pub(crate) fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// Called when a write returned `Pending`: arms the deadline on the
    /// first stall, and reports `TimedOut` once it passes.
    fn pending<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let timeout = self.timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading the response",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn track<R>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match poll {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.track(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.track(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.track(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.track(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn a_stalled_write_times_out() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut guarded = WriteDeadline::new(near, Duration::from_secs(3));
        // The pipe holds 64 bytes; nobody reads the far end.
        let started = tokio::time::Instant::now();
        let err = guarded.write_all(&[7u8; 1000]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        let mut got = [0u8; 64];
        far.read_exact(&mut got).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_that_keeps_reading_is_served() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut guarded = WriteDeadline::new(near, Duration::from_secs(3));
        let reader = tokio::spawn(async move {
            let mut total = 0;
            let mut chunk = [0u8; 64];
            while total < 1000 {
                // Slower than the pipe, faster than the deadline.
                tokio::time::sleep(Duration::from_secs(2)).await;
                total += far.read(&mut chunk).await.unwrap();
            }
            total
        });
        guarded.write_all(&[7u8; 1000]).await.unwrap();
        assert_eq!(reader.await.unwrap(), 1000);
    }
}
