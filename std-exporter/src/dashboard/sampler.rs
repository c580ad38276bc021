//! The thread that feeds the history: one snapshot per interval.
//!
//! Sampling runs on a plain thread of its own rather than a task on the
//! exporter's runtime, so the history keeps its pace whatever runs the
//! HTTP side (the standalone server, the application's runtime through
//! [`Server::run_until`](crate::Server::run_until), or an axum app), and a
//! slow capture never delays a scrape. It wakes on a fixed schedule; after
//! a stall (a suspended laptop, a stopped process) it resumes from the
//! current time instead of catching up with a burst of samples.
//!
//! It stops when its [`Sampler`] is dropped, which happens with the last
//! clone of the [`Dashboard`](super::Dashboard): the stop channel closes,
//! the thread wakes at once, and the drop waits for it to end.

use super::history::History;
use crate::endpoint::Endpoint;
use std::io;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The sampling thread; stops it when dropped.
#[derive(Debug)]
pub(crate) struct Sampler {
    /// Closing this channel is the signal to stop.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The history, even if a thread panicked while holding it: a sample is
/// pushed whole or not at all, so what is there is consistent.
pub(crate) fn lock(history: &Mutex<History>) -> MutexGuard<'_, History> {
    history.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sampler {
    /// Records a first sample at once, then one every `interval`.
    pub(crate) fn spawn(
        history: Arc<Mutex<History>>,
        endpoint: Endpoint,
        interval: Duration,
    ) -> io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("omnimetrics-dashboard".to_string())
            .spawn(move || {
                let mut next = Instant::now();
                loop {
                    let at = Instant::now();
                    // Captured outside the lock: the page is never kept
                    // waiting by a capture, only by a push.
                    let snapshot = endpoint.snapshot();
                    lock(&history).record(at, &snapshot);
                    drop(snapshot);
                    next += interval;
                    let now = Instant::now();
                    if next < now {
                        next = now;
                    }
                    match stopped.recv_timeout(next - now) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != thread::current().id()
        {
            // A panic in the thread (a custom source that panics) has
            // already been printed; nothing more to do with it here.
            let _ = thread.join();
        }
    }
}
