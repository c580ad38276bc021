//! Hostile clients against the standalone server: each gets an HTTP error
//! or a closed connection, while a well-behaved scraper keeps getting its
//! metrics, and nothing panics.

mod common;

use common::{get, parse_response};
use omnimetrics_exporter::{Auth, Endpoint, Exporter};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const TOKEN: &str = "hardening-t0ken";

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on the exporters' threads (where every connection of the
/// standalone server is handled). Panics of the test threads fail their
/// test anyway, and must not count against the other tests.
fn count_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some("omnimetrics-exporter") {
                PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

#[omnimetrics::autometrics]
fn hardened_function() -> Result<(), ()> {
    Ok(())
}

/// What a hostile request ended with.
#[derive(Debug)]
enum Outcome {
    /// The server answered with this status.
    Status(u16),
    /// The server closed (or reset) the connection without an answer.
    Closed,
}

/// Reads until the server answers or closes; panics if it does neither
/// within `limit`.
fn outcome(stream: &mut TcpStream, limit: Duration) -> Outcome {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if raw.is_empty() {
                    panic!("the server neither answered nor closed within {limit:?}");
                }
                break;
            }
            Err(_) => break, // reset: closed
        }
    }
    match parse_response(&raw) {
        Some(r) => Outcome::Status(r.status),
        None => Outcome::Closed,
    }
}

fn scrape_ok(addr: SocketAddr) -> Result<(), String> {
    let r = get(
        addr,
        "/metrics",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    )
    .map_err(|e| format!("scrape failed: {e}"))?;
    if r.status != 200 {
        return Err(format!("scrape got {}", r.status));
    }
    if !r.text().contains("function=\"hardened_function\"") {
        return Err("scrape without the instrumented function".into());
    }
    Ok(())
}

/// 1 MiB of headers, 1 KiB per header line.
fn huge_headers(addr: SocketAddr) -> Outcome {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n")
        .into_bytes();
    let filler = "a".repeat(1000);
    for i in 0..1040 {
        head.extend_from_slice(format!("X-Filler-{i:05}: {filler}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    assert!(head.len() > 1 << 20);
    // The server may close before everything is sent; that is an answer too.
    let _ = s.write_all(&head);
    outcome(&mut s, Duration::from_secs(10))
}

/// One header of 1 MiB.
fn one_huge_header(addr: SocketAddr) -> Outcome {
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nX-Big: {}\r\n\r\n",
        "b".repeat(1 << 20)
    );
    let _ = s.write_all(head.as_bytes());
    outcome(&mut s, Duration::from_secs(10))
}

/// A request sent one byte a second; returns how long until the server
/// hung up (or answered), and the outcome.
fn slow_client(addr: SocketAddr) -> (Duration, Outcome, usize) {
    let request =
        format!("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let start = Instant::now();
    let mut raw = Vec::new();
    for (sent, byte) in request.bytes().enumerate() {
        if s.write_all(&[byte]).is_err() {
            return (start.elapsed(), Outcome::Closed, sent);
        }
        // Waits one second for the server, which is the pacing.
        let mut chunk = [0u8; 1024];
        match s.read(&mut chunk) {
            Ok(0) => return (start.elapsed(), Outcome::Closed, sent + 1),
            Ok(n) => {
                raw.extend_from_slice(&chunk[..n]);
                let outcome = match parse_response(&raw) {
                    Some(r) => Outcome::Status(r.status),
                    None => Outcome::Closed,
                };
                return (start.elapsed(), outcome, sent + 1);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return (start.elapsed(), Outcome::Closed, sent + 1),
        }
    }
    panic!("the server accepted a request sent at one byte a second");
}

/// Things that are not HTTP/1.1 requests.
fn garbage(addr: SocketAddr) -> Vec<(String, Outcome)> {
    let mut noise = Vec::with_capacity(8192);
    let mut x: u32 = 0x9e37_79b9;
    for _ in 0..8192 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.push((x >> 24) as u8);
    }
    let payloads: Vec<(&str, Vec<u8>)> =
        vec![
        ("random bytes", noise),
        (
            "a TLS ClientHello",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\x00\x01\x02\x03\x04\x05\x06\x07\r\n\r\n"
                .to_vec(),
        ),
        (
            "the HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00".to_vec(),
        ),
        ("a bare word", b"HELLO\r\n\r\n".to_vec()),
        ("NUL in the request line", b"GET /met\x00rics HTTP/1.1\r\n\r\n".to_vec()),
        ("an unknown HTTP version", b"GET /metrics HTTP/7.3\r\nHost: x\r\n\r\n".to_vec()),
        (
            "a header line without a colon",
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n".to_vec(),
        ),
        (
            "a negative Content-Length",
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".to_vec(),
        ),
        (
            "two different Content-Lengths",
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
                .to_vec(),
        ),
        ("a request line of 64 KiB", {
            let mut v = b"GET /".to_vec();
            v.extend(std::iter::repeat_n(b'm', 64 * 1024));
            v.extend_from_slice(b" HTTP/1.1\r\n\r\n");
            v
        }),
    ];
    payloads
        .into_iter()
        .map(|(name, bytes)| {
            let mut s = TcpStream::connect(addr).unwrap();
            let _ = s.write_all(&bytes);
            (name.to_string(), outcome(&mut s, Duration::from_secs(10)))
        })
        .collect()
}

/// Requests with missing or wrong credentials.
fn wrong_credentials(addr: SocketAddr) -> Vec<(String, u16, Option<String>, String)> {
    let wrong = [
        ("no Authorization header", None),
        ("a wrong token", Some("Bearer not-the-token".to_string())),
        ("a longer token", Some(format!("Bearer {TOKEN}x"))),
        ("a shorter token", Some(format!("Bearer {}", &TOKEN[1..]))),
        ("the token as basic auth", Some(format!("Basic {TOKEN}"))),
        ("the token without a scheme", Some(TOKEN.to_string())),
    ];
    wrong
        .into_iter()
        .map(|(name, value)| {
            let headers: Vec<(&str, &str)> = value
                .as_deref()
                .map(|v| vec![("Authorization", v)])
                .unwrap_or_default();
            let r = get(addr, "/metrics", &headers).unwrap();
            (
                name.to_string(),
                r.status,
                r.header("www-authenticate").map(str::to_string),
                r.text().to_string(),
            )
        })
        .collect()
}

#[test]
fn hostile_clients_get_errors_while_scrapes_go_on() {
    count_panics();
    hardened_function().unwrap();
    let exporter = Exporter::builder()
        .address("127.0.0.1:0")
        .bearer_token(TOKEN)
        .request_timeout(Duration::from_secs(2))
        .max_header_bytes(16 * 1024)
        .start()
        .unwrap();
    let addr = exporter.local_addr();
    scrape_ok(addr).unwrap();

    // A well-behaved scraper, all along.
    let done = Arc::new(AtomicBool::new(false));
    let scraper = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let (mut served, mut failures) = (0usize, Vec::new());
            while !done.load(Ordering::SeqCst) {
                match scrape_ok(addr) {
                    Ok(()) => served += 1,
                    Err(e) => failures.push(e),
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            (served, failures)
        })
    };

    let attacks_started = Instant::now();
    let huge = std::thread::spawn(move || (huge_headers(addr), one_huge_header(addr)));
    let slow = std::thread::spawn(move || slow_client(addr));
    let junk = std::thread::spawn(move || garbage(addr));
    let creds = std::thread::spawn(move || wrong_credentials(addr));
    // A few slow clients at once do not starve the scraper either.
    let crowd: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(move || slow_client(addr)))
        .collect();

    let (many, one) = huge.join().unwrap();
    for (what, o) in [("1 MiB of header lines", many), ("a 1 MiB header", one)] {
        eprintln!("{what}: {o:?}");
        assert!(
            matches!(o, Outcome::Status(431) | Outcome::Closed),
            "{what}: {o:?}"
        );
    }

    let (took, o, sent) = slow.join().unwrap();
    eprintln!("one byte a second: {o:?} after {took:?} and {sent} bytes");
    assert!(
        matches!(o, Outcome::Closed | Outcome::Status(408)),
        "slow client: {o:?}"
    );
    assert!(
        took >= Duration::from_millis(1500) && took <= Duration::from_secs(6),
        "the 2 s request timeout cut the slow client after {took:?}"
    );
    for c in crowd {
        let (took, o, _) = c.join().unwrap();
        assert!(matches!(o, Outcome::Closed | Outcome::Status(408)), "{o:?}");
        assert!(took <= Duration::from_secs(6), "{took:?}");
    }

    for (what, o) in junk.join().unwrap() {
        eprintln!("{what}: {o:?}");
        assert!(
            matches!(o, Outcome::Closed | Outcome::Status(400..=599)),
            "{what}: {o:?}"
        );
    }

    for (what, status, challenge, body) in creds.join().unwrap() {
        assert_eq!(status, 401, "{what}");
        assert_eq!(
            challenge.as_deref(),
            Some("Bearer realm=\"metrics\""),
            "{what}"
        );
        assert!(body.contains("Authorization: Bearer"), "{what}: {body}");
        assert!(!body.contains("function_calls"), "{what}: metrics leaked");
    }

    done.store(true, Ordering::SeqCst);
    let (served, failures) = scraper.join().unwrap();
    let attack_time = attacks_started.elapsed();
    eprintln!("{served} scrapes served during {attack_time:?} of attacks");
    assert!(failures.is_empty(), "scrapes failed: {failures:?}");
    assert!(served >= 20, "only {served} scrapes in {attack_time:?}");
    scrape_ok(addr).unwrap();
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "something panicked");
}

#[test]
fn over_the_connection_limit_clients_get_503_and_the_server_recovers() {
    count_panics();
    let exporter = Exporter::builder()
        .address("127.0.0.1:0")
        .max_connections(4)
        .request_timeout(Duration::from_secs(1))
        .start()
        .unwrap();
    let addr = exporter.local_addr();
    // Four idle connections take every slot...
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let r = get(addr, "/metrics", &[]).unwrap();
    assert_eq!(r.status, 503);
    assert!(r.text().contains("too many connections"));
    assert_eq!(
        r.header("content-length").unwrap(),
        r.body.len().to_string(),
        "the canned 503 is well-formed"
    );
    // ...until the request timeout closes them.
    std::thread::sleep(Duration::from_millis(1500));
    let r = get(addr, "/metrics", &[]).unwrap();
    assert_eq!(r.status, 200);
    drop(idle);
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "something panicked");
}

#[test]
fn hostile_header_values_never_panic_the_endpoint() {
    let endpoint = Endpoint::new().with_auth(Auth::basic("u", "p").unwrap());
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let alphabet: &[u8] =
        b" \t,;=*/+qQ0.1gzipGZIPbasicBearer\"\\\x80\xff\xfeaplication/openmetrics-text";
    for _ in 0..5000 {
        let mut headers = http::HeaderMap::new();
        for name in ["accept", "accept-encoding", "authorization"] {
            for _ in 0..(next() % 3) {
                let len = (next() % 40) as usize;
                let value: Vec<u8> = (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect();
                if let Ok(v) = http::HeaderValue::from_bytes(&value) {
                    headers.append(name, v);
                }
            }
        }
        let status = endpoint.respond(&headers).status();
        assert!(status == 200 || status == 401);
    }
}
