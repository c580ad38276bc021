//! Percent-encoding and Prometheus UI links.
//!
//! A PromQL expression is full of characters that mean something in a URL
//! (`&`, `#`, `+`, `=`) or in a Markdown link (`(`, `)`, `[`, `]`, spaces),
//! so links carry it percent-encoded. The encoder is a dozen lines; a
//! dependency would be heavier than the code.

use alloc::string::String;

/// Whether `b` is written as itself: RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) and `:`, which RFC 3986 allows unencoded in a
/// query. Keeping `:` lets a module path such as `shop::api` be spliced raw
/// into a finished link (see [`doc_section`](crate::queries::doc_section)).
fn is_kept(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':')
}

/// Percent-encodes `text` (UTF-8) for a URL query value: every byte other
/// than `A-Z a-z 0-9 - . _ ~ :` becomes `%XX` with upper-case hex digits.
///
/// ```
/// use omnimetrics_query::queries::percent_encode;
///
/// assert_eq!(percent_encode("rate(x[5m])"), "rate%28x%5B5m%5D%29");
/// assert_eq!(percent_encode(r#"{a="b c"} & é"#), "%7Ba%3D%22b%20c%22%7D%20%26%20%C3%A9");
/// assert_eq!(percent_encode("shop::Cart::add-1.0_~"), "shop::Cart::add-1.0_~");
/// ```
pub fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for &b in text.as_bytes() {
        if is_kept(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

/// A link to the Prometheus UI's graph page showing `promql`:
/// `{base_url}/graph?g0.expr={percent-encoded promql}&g0.tab=0`.
/// Trailing slashes of `base_url` are dropped; `base_url` itself is not
/// encoded (it is a URL already).
///
/// ```
/// use omnimetrics_query::queries::prometheus_graph_link;
///
/// assert_eq!(
///     prometheus_graph_link("http://localhost:9090/", r#"up{job="a b"}"#),
///     "http://localhost:9090/graph?g0.expr=up%7Bjob%3D%22a%20b%22%7D&g0.tab=0",
/// );
/// ```
pub fn prometheus_graph_link(base_url: &str, promql: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let expr = percent_encode(promql);
    let mut out = String::with_capacity(base.len() + expr.len() + 24);
    out.push_str(base);
    out.push_str("/graph?g0.expr=");
    out.push_str(&expr);
    out.push_str("&g0.tab=0");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_reserved_byte() {
        for b in 0u8..=127 {
            let s = [b];
            let text = core::str::from_utf8(&s).unwrap();
            let enc = percent_encode(text);
            if is_kept(b) {
                assert_eq!(enc, text);
            } else {
                assert_eq!(enc, alloc::format!("%{b:02X}"));
            }
        }
        assert_eq!(percent_encode("🦀"), "%F0%9F%A6%80");
    }

    #[test]
    fn base_without_trailing_slash() {
        assert_eq!(
            prometheus_graph_link("http://p:9090", "up"),
            "http://p:9090/graph?g0.expr=up&g0.tab=0"
        );
        assert_eq!(
            prometheus_graph_link("http://p:9090///", "up"),
            "http://p:9090/graph?g0.expr=up&g0.tab=0"
        );
    }
}
