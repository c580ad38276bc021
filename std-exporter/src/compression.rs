//! Gzip for clients that ask for it.
//!
//! Prometheus sends `Accept-Encoding: gzip` with every scrape, and metrics
//! text (long, repetitive label sets) shrinks to a tenth or less, which
//! matters for targets scraped across a network. This module decides from
//! the `Accept-Encoding` header whether gzip is acceptable (RFC 9110
//! quality values: `gzip;q=0` refuses it, `*` accepts it) and compresses.
//!
//! [`ok_response`] is the one place a `200` body gets compressed and its
//! headers set, for `/metrics` and the dashboard alike, so that both honour
//! the exporter's `gzip(false)` and answer caches the same way.

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, HeaderValue, VARY,
};
use http::{HeaderMap, Response};
use std::io::Write as _;

/// Below this many bytes, compressing costs more than it saves.
pub(crate) const MIN_GZIP_BYTES: usize = 512;

/// Whether the `Accept-Encoding` headers allow a gzip response.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in headers.get_all(ACCEPT_ENCODING) {
        // Not UTF-8 means not something we understand; skip that header.
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let accepted = quality_above_zero(parts);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(gzip.unwrap_or(false) || accepted);
            } else if coding == "*" {
                any = Some(any.unwrap_or(false) || accepted);
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// Whether the parameters after a coding leave its quality above zero
/// (`q=0`, `q=0.0`, `q=0.000` mean "not acceptable"; no `q` means 1).
fn quality_above_zero<'a>(params: impl Iterator<Item = &'a str>) -> bool {
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("q") {
            let value = value.trim();
            let zero = value.starts_with('0')
                && value.len() <= 5
                && value
                    .bytes()
                    .enumerate()
                    .all(|(i, b)| b == b'0' || (i == 1 && b == b'.'));
            return !zero && !value.is_empty();
        }
    }
    true
}

/// `text` compressed with gzip, or `None` if compression failed (it does
/// not, writing to memory; the caller then sends the text as it is).
pub(crate) fn gzip(text: &[u8]) -> Option<Vec<u8>> {
    // Level 1: metrics text is so repetitive that higher levels gain a few
    // percent for several times the CPU, on every scrape.
    let mut encoder = GzEncoder::new(Vec::with_capacity(text.len() / 8), Compression::fast());
    encoder.write_all(text).ok()?;
    encoder.finish().ok()
}

/// `200 OK` with `body` of `content_type`, never cached, gzip-compressed
/// when `gzip_enabled` (the exporter's setting), the body is big enough to
/// gain from it and the request's headers accept it.
///
/// `vary` lists the request headers the answer depends on; it always holds
/// `Accept-Encoding`, even for an answer sent uncompressed, so that a cache
/// in between never hands a gzip body to a client that cannot read it.
pub(crate) fn ok_response(
    gzip_enabled: bool,
    request_headers: &HeaderMap,
    content_type: &'static str,
    vary: &'static str,
    body: Bytes,
) -> Response<Bytes> {
    debug_assert!(vary.contains("Accept-Encoding"), "{vary}");
    let compressed =
        if gzip_enabled && body.len() >= MIN_GZIP_BYTES && accepts_gzip(request_headers) {
            gzip(&body)
        } else {
            None
        };
    let mut response = Response::new(Bytes::new());
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(VARY, HeaderValue::from_static(vary));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    *response.body_mut() = match compressed {
        Some(gz) => {
            h.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            Bytes::from(gz)
        }
        None => body,
    };
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::io::Read as _;

    fn accepts(values: &[&str]) -> bool {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        accepts_gzip(&h)
    }

    #[test]
    fn accept_encoding() {
        assert!(!accepts(&[]));
        assert!(accepts(&["gzip"]));
        assert!(accepts(&["GZip"]));
        assert!(accepts(&["x-gzip"]));
        assert!(accepts(&["deflate, gzip;q=1.0, *;q=0.5"]));
        assert!(accepts(&["br", "gzip"]));
        assert!(accepts(&["*"]));
        assert!(accepts(&["gzip;q=0.001"]));
        assert!(accepts(&["gzip; q=1"]));
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip;q=0.000"]));
        assert!(!accepts(&["gzip;q=0, *"]));
        assert!(!accepts(&["*;q=0"]));
        assert!(!accepts(&["br, deflate"]));
        assert!(!accepts(&[""]));
        assert!(!accepts(&["gzip;q="]));
    }

    #[test]
    fn ok_response_compresses_only_when_enabled_big_and_accepted() {
        let big = Bytes::from("x".repeat(MIN_GZIP_BYTES));
        let small = Bytes::from("x".repeat(MIN_GZIP_BYTES - 1));
        let mut gzip_ok = HeaderMap::new();
        gzip_ok.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let encoding = |enabled, headers: &HeaderMap, body: &Bytes| {
            let r = ok_response(
                enabled,
                headers,
                "text/plain",
                "Accept-Encoding",
                body.clone(),
            );
            assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
            assert_eq!(r.headers()[VARY], "Accept-Encoding");
            assert_eq!(r.headers()[CONTENT_TYPE], "text/plain");
            let gzipped = r.headers().get(CONTENT_ENCODING).is_some();
            assert_eq!(gzipped, r.body() != body);
            gzipped
        };
        assert!(encoding(true, &gzip_ok, &big));
        assert!(!encoding(false, &gzip_ok, &big));
        assert!(!encoding(true, &gzip_ok, &small));
        assert!(!encoding(true, &HeaderMap::new(), &big));
    }

    #[test]
    fn gzip_round_trips() {
        let text = "function_calls_total{function=\"a\"} 1\n".repeat(100);
        let packed = gzip(text.as_bytes()).unwrap();
        assert!(packed.len() < text.len() / 10);
        let mut back = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }
}
