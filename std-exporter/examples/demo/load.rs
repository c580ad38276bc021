//! The built-in load generator: real HTTP requests to the API at a rate
//! that drifts slowly up and down, so the charts are not flat lines.
//!
//! Requests go out on a schedule whether or not earlier ones have finished
//! (like real users), up to a cap on requests in flight.

use crate::chance;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};

/// The most requests in flight at once.
const MAX_IN_FLIGHT: usize = 128;
const SEARCH_TERMS: [&str; 5] = ["lamp", "oak", "rug", "chair", "shelf"];

/// Sends requests to `api` at about `rps` per second until `stop` turns true.
pub(crate) async fn generate(api: SocketAddr, rps: f64, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let start = Instant::now();
    loop {
        // ±30 % over two minutes.
        let phase = start.elapsed().as_secs_f64() / 120.0 * std::f64::consts::TAU;
        let rate = (rps * (1.0 + 0.3 * phase.sin())).max(0.1);
        let pause = Duration::from_secs_f64(1.0 / rate);
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            () = tokio::time::sleep(pause) => {}
        }
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            continue;
        };
        let path = next_path();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(5), get(api, &path)).await;
            drop(slot);
        });
    }
    // Let the requests in flight finish, for a second at most.
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        slots.acquire_many(MAX_IN_FLIGHT as u32),
    )
    .await;
}

/// A request path, in the shop's usual mix: mostly product pages.
fn next_path() -> String {
    let roll = chance::unit();
    if roll < 0.55 {
        format!("/products/{}", chance::between(1, 500))
    } else if roll < 0.75 {
        let term = SEARCH_TERMS[chance::between(0, SEARCH_TERMS.len() as u64 - 1) as usize];
        format!("/search/{term}")
    } else if roll < 0.90 {
        format!("/checkout/{}", chance::between(1, 10_000))
    } else {
        "/health".to_string()
    }
}

/// `GET path` over a fresh connection; the status code.
async fn get(api: SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(api).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let status = response
        .get(9..12)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(status)
}
