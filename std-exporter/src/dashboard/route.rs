//! The dashboard's two URLs: the page, and the JSON it polls.
//!
//! Both answer like `/metrics` does: the same credentials, `GET` and `HEAD`
//! only, gzip when the client accepts it and the exporter allows it (the
//! same code as `/metrics`), never cached. The query string of the JSON is
//! read by hand and strictly: a known parameter with a bad value is a `400`
//! that says what is accepted; unknown parameters (a browser's cache-buster,
//! say) are ignored. Nothing a client sends can make it panic.

use super::view::{MAX_POINTS, ViewOptions};
use crate::compression::ok_response;
use crate::endpoint::{plain, unauthorized};
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use std::time::Duration;

/// The longest rate window a request may ask for (a day).
const MAX_WINDOW_SECONDS: f64 = 86_400.0;

/// What the page may load and talk to: only itself. Its script and style
/// are inline, so nothing else is needed, and a browser refuses anything
/// else even if some data slipped into the page.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// Which of the dashboard's URLs a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Page,
    Json,
}

/// The answer to send instead when the credentials or the method are
/// wrong; `None` when the request may proceed.
pub(crate) fn refusal<B>(auth: &crate::Auth, request: &Request<B>) -> Option<Response<Bytes>> {
    if !auth.allows(request.headers()) {
        return Some(unauthorized(auth));
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut r = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "405 Method Not Allowed: the dashboard is read with GET\n",
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(r);
    }
    None
}

/// A request's view options from its query string, or why they are wrong.
pub(crate) fn parse_query(query: Option<&str>) -> Result<ViewOptions, String> {
    let mut options = ViewOptions::default();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "window" => {
                let seconds = value
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_WINDOW_SECONDS)
                    .ok_or_else(|| {
                        format!(
                            "`window` is a number of seconds above 0 and at most 86400, \
                             such as window=30 (got {:?})",
                            shorten(value)
                        )
                    })?;
                options.window = Some(Duration::from_secs_f64(seconds));
            }
            "points" => {
                options.points = value
                    .parse::<usize>()
                    .ok()
                    .filter(|p| (1..=MAX_POINTS).contains(p))
                    .ok_or_else(|| {
                        format!(
                            "`points` is a whole number from 1 to {MAX_POINTS}, such as \
                             points=150 (got {:?})",
                            shorten(value)
                        )
                    })?;
            }
            "queries" => {
                options.queries = match value {
                    "" | "1" | "true" => true,
                    "0" | "false" => false,
                    other => {
                        return Err(format!("`queries` is 1 or 0 (got {:?})", shorten(other)));
                    }
                };
            }
            _ => {}
        }
    }
    Ok(options)
}

/// At most 40 characters of client input, for an error message.
fn shorten(value: &str) -> &str {
    match value.char_indices().nth(40) {
        Some((i, _)) => &value[..i],
        None => value,
    }
}

/// `400` saying what was wrong.
pub(crate) fn bad_request(reason: &str) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from(format!("400 Bad Request: {reason}\n")));
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// `200` with `body`, gzip-compressed when the exporter allows it
/// (`gzip_enabled`) and the client accepts it, as `/metrics` is.
pub(crate) fn ok(
    target: Target,
    gzip_enabled: bool,
    request_headers: &HeaderMap,
    body: Bytes,
) -> Response<Bytes> {
    let content_type = match target {
        Target::Page => "text/html; charset=utf-8",
        Target::Json => "application/json",
    };
    let mut response = ok_response(
        gzip_enabled,
        request_headers,
        content_type,
        "Accept-Encoding",
        body,
    );
    let h = response.headers_mut();
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    if target == Target::Page {
        h.insert(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings() {
        let ok = |q| parse_query(Some(q)).unwrap();
        assert_eq!(ok(""), ViewOptions::default());
        assert_eq!(parse_query(None).unwrap(), ViewOptions::default());
        let o = ok("window=30&points=20&queries=1&_=1712345");
        assert_eq!(o.window, Some(Duration::from_secs(30)));
        assert_eq!((o.points, o.queries), (20, true));
        assert!(ok("queries").queries);
        assert!(!ok("queries=1&queries=0").queries);
        assert_eq!(ok("window=0.5").window, Some(Duration::from_millis(500)));
        assert_eq!(ok("&&points=1&").points, 1);
    }

    #[test]
    fn bad_query_strings_say_why() {
        for q in [
            "window=",
            "window=0",
            "window=-1",
            "window=NaN",
            "window=inf",
            "window=1e308",
            "window=86401",
            "window=10s",
            "points=0",
            "points=2001",
            "points=-3",
            "points=1.5",
            "points=99999999999999999999999999",
            "queries=yes",
        ] {
            let e = parse_query(Some(q)).unwrap_err();
            let name = q.split('=').next().unwrap();
            assert!(e.contains(&format!("`{name}`")), "{q}: {e}");
        }
        let long = format!("window={}", "9".repeat(500));
        let e = parse_query(Some(&long)).unwrap_err();
        assert!(e.len() < 200, "{e}");
    }

    #[test]
    fn random_query_strings_never_panic() {
        // A small deterministic fuzz: random bytes from a set that includes
        // every character the parser treats specially.
        let alphabet = b"windowpointsqueries=&%0123456789.-+eE_xyz\xc3\xa9 ";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let mut q = Vec::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for k in 0..(state % 40) {
                let r = state.rotate_left(k as u32 * 7) ^ (k * 0x2545_f491);
                q.push(alphabet[(r % alphabet.len() as u64) as usize]);
            }
            let text = String::from_utf8_lossy(&q);
            let _ = parse_query(Some(&text));
        }
    }
}
