//! Gzip for clients that ask for it.
//!
//! Prometheus sends `Accept-Encoding: gzip` with every scrape, and metrics
//! text (long, repetitive label sets) shrinks to a tenth or less, which
//! matters for targets scraped across a network. This module decides from
//! the `Accept-Encoding` header whether gzip is acceptable (RFC 9110
//! quality values: `gzip;q=0` refuses it, `*` accepts it) and compresses.

use flate2::Compression;
use flate2::write::GzEncoder;
use http::HeaderMap;
use http::header::ACCEPT_ENCODING;
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
