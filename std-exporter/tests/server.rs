//! The standalone server over real sockets: formats, gzip, methods, paths,
//! credentials, keep-alive, errors at start, and stopping.

mod common;

use common::{get, request};
use omnimetrics_exporter::{Error, Exporter, Format};
use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[omnimetrics::autometrics]
fn served_function(ok: bool) -> Result<(), &'static str> {
    if ok { Ok(()) } else { Err("no") }
}

fn exporter() -> Exporter {
    Exporter::builder().address("127.0.0.1:0").start().unwrap()
}

#[test]
fn content_negotiation_over_http() {
    served_function(true).unwrap();
    let e = exporter();
    let r = get(e.local_addr(), "/metrics", &[]).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some(Format::Prometheus.content_type())
    );
    assert!(
        r.text().contains("# TYPE function_calls_total counter"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("function=\"served_function\""));
    assert!(!r.text().contains("# EOF"));

    let r = get(
        e.local_addr(),
        "/metrics",
        &[(
            "Accept",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
    )
    .unwrap();
    assert_eq!(
        r.header("content-type"),
        Some(Format::OpenMetrics.content_type())
    );
    assert!(r.text().contains("# TYPE function_calls counter"));
    assert!(r.text().ends_with("# EOF\n"));
}

#[test]
fn gzip_over_http() {
    let e = exporter();
    let r = get(
        e.local_addr(),
        "/metrics",
        &[("Accept-Encoding", "gzip, deflate")],
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("vary"), Some("Accept, Accept-Encoding"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("build_info{"), "{text}");
}

#[test]
fn methods_and_paths() {
    let e = exporter();
    let head = request(e.local_addr(), "HEAD", "/metrics", &[]).unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = request(
        e.local_addr(),
        "POST",
        "/metrics",
        &[("Content-Length", "0")],
    )
    .unwrap();
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    let missing = get(e.local_addr(), "/", &[]).unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.text(),
        "404 Not Found: metrics are served at /metrics\n"
    );
    let custom = Exporter::builder()
        .address("127.0.0.1:0")
        .path("/internal/m")
        .start()
        .unwrap();
    assert_eq!(
        get(custom.local_addr(), "/internal/m", &[]).unwrap().status,
        200
    );
    assert_eq!(
        get(custom.local_addr(), "/metrics", &[]).unwrap().status,
        404
    );
    assert!(custom.url().ends_with("/internal/m"));
}

#[test]
fn basic_auth_over_http() {
    let e = Exporter::builder()
        .address("127.0.0.1:0")
        .basic_auth("prometheus", "pa55")
        .start()
        .unwrap();
    let r = get(e.local_addr(), "/metrics", &[]).unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"metrics\", charset=\"UTF-8\"")
    );
    // cHJvbWV0aGV1czpwYTU1 is base64("prometheus:pa55").
    let ok = get(
        e.local_addr(),
        "/metrics",
        &[("Authorization", "Basic cHJvbWV0aGV1czpwYTU1")],
    )
    .unwrap();
    assert_eq!(ok.status, 200);
}

#[test]
fn keep_alive_serves_several_scrapes_on_one_connection() {
    let e = exporter();
    let mut s = TcpStream::connect(e.local_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..3 {
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        // Read the head, then exactly content-length bytes.
        let mut raw = Vec::new();
        let mut byte = [0u8; 1];
        while !raw.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut byte).unwrap();
            raw.push(byte[0]);
        }
        let head = String::from_utf8(raw).unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_string())
            })
            .unwrap()
            .parse()
            .unwrap();
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).unwrap();
    }
}

#[test]
fn start_reports_a_port_in_use() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = holder.local_addr().unwrap();
    let err = Exporter::builder().address(addr).start().unwrap_err();
    assert!(matches!(err, Error::AddressInUse { address, .. } if address == addr));
    let text = err.to_string();
    assert!(
        text.contains("already in use") && text.contains(&addr.to_string()),
        "{text}"
    );
    let err = Exporter::builder().address("nonsense").start().unwrap_err();
    assert!(matches!(err, Error::InvalidAddress { .. }), "{err}");
}

#[test]
fn dropping_the_handle_stops_the_server_and_frees_the_port() {
    let e = exporter();
    let addr = e.local_addr();
    // An open keep-alive connection must not hold the shutdown up.
    let mut idle = TcpStream::connect(addr).unwrap();
    assert_eq!(get(addr, "/metrics", &[]).unwrap().status, 200);
    let started = std::time::Instant::now();
    drop(e);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(TcpStream::connect(addr).is_err(), "still listening");
    // The idle connection was closed.
    idle.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    assert_eq!(idle.read(&mut [0u8; 16]).unwrap_or(0), 0);
    // The port can be bound again at once.
    let again = Exporter::builder().address(addr).start().unwrap();
    assert_eq!(
        get(again.local_addr(), "/metrics", &[]).unwrap().status,
        200
    );
    again.shutdown();
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn a_detached_exporter_keeps_serving() {
    let e = exporter();
    let addr = e.local_addr();
    e.detach();
    assert_eq!(get(addr, "/metrics", &[]).unwrap().status, 200);
}

#[tokio::test(flavor = "current_thread")]
async fn scrapes_are_answered_while_the_application_runtime_is_blocked() {
    let e = exporter();
    // This blocks the test's only runtime thread on purpose: the exporter
    // runs on its own thread, so the scrape is answered anyway.
    let r = get(e.local_addr(), "/metrics", &[]).unwrap();
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_runs_on_the_application_runtime() {
    let server = Exporter::builder().address("127.0.0.1:0").build().unwrap();
    let addr = server.local_addr();
    assert_eq!(server.url(), format!("http://{addr}/metrics"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let r = tokio::task::spawn_blocking(move || get(addr, "/metrics", &[]).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the server stops when asked")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn a_server_outside_a_runtime_says_so() {
    let server = Exporter::builder().address("127.0.0.1:0").build().unwrap();
    let mut future = std::pin::pin!(server.run());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(e @ Error::NoRuntime)) => {
            assert!(e.to_string().contains("ExporterBuilder::start"), "{e}");
        }
        other => panic!("expected NoRuntime, got {other:?}"),
    }
}

#[test]
fn defaults() {
    assert_eq!(omnimetrics_exporter::DEFAULT_ADDRESS, "127.0.0.1:9464");
    assert_eq!(omnimetrics_exporter::DEFAULT_PATH, "/metrics");
}
