//! Which answer a request gets: metrics, or a short error that says why not.
//!
//! The server serves the metrics path and, when turned on, the dashboard's
//! page and JSON (which check the same credentials themselves). Credentials
//! guard every other path too, so that a 404 tells nothing to a client
//! without them.

use super::builder::Settings;
use crate::endpoint::{plain, unauthorized};
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;

/// The response to `request`; its body is never read.
pub(crate) fn respond<B>(settings: &Settings, request: &Request<B>) -> Response<Full<Bytes>> {
    let endpoint = &settings.endpoint;
    let response = if request.uri().path() == settings.path {
        if matches!(*request.method(), Method::GET | Method::HEAD) {
            endpoint.respond(request.headers())
        } else {
            let mut r = plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "405 Method Not Allowed: scrape with GET\n",
            );
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        }
    } else if let Some(response) = dashboard(settings, request) {
        response
    } else if !endpoint.auth().allows(request.headers()) {
        unauthorized(endpoint.auth())
    } else {
        not_found(&settings.path)
    };
    response.map(Full::new)
}

/// The dashboard's answer, if it is on and the path is one of its own.
#[cfg(feature = "dashboard")]
fn dashboard<B>(settings: &Settings, request: &Request<B>) -> Option<Response<Bytes>> {
    settings.dashboard.as_ref()?.respond(request)
}

#[cfg(not(feature = "dashboard"))]
fn dashboard<B>(_: &Settings, _: &Request<B>) -> Option<Response<Bytes>> {
    None
}

/// `404`, naming the path that does exist.
fn not_found(path: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(format!(
        "404 Not Found: metrics are served at {path}\n"
    )));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Auth;
    use crate::endpoint::Endpoint;
    use std::time::Duration;

    fn settings(auth: Auth) -> Settings {
        Settings {
            path: "/metrics".into(),
            endpoint: Endpoint::new().with_auth(auth),
            request_timeout: Duration::from_secs(1),
            write_timeout: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(1),
            max_header_bytes: 8192,
            max_headers: 16,
            max_connections: 4,
            #[cfg(feature = "dashboard")]
            dashboard: None,
        }
    }

    fn request(method: Method, uri: &str, token: Option<&str>) -> Request<()> {
        let mut r = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.body(()).unwrap()
    }

    #[test]
    fn routes() {
        let s = settings(Auth::none());
        let status = |m, u| respond(&s, &request(m, u, None)).status();
        assert_eq!(status(Method::GET, "/metrics"), 200);
        assert_eq!(status(Method::HEAD, "/metrics"), 200);
        assert_eq!(status(Method::GET, "/metrics?x=1"), 200);
        assert_eq!(status(Method::GET, "http://example/metrics"), 200);
        assert_eq!(status(Method::GET, "/metrics/"), 404);
        assert_eq!(status(Method::GET, "/"), 404);
        let post = respond(&s, &request(Method::POST, "/metrics", None));
        assert_eq!(post.status(), 405);
        assert_eq!(post.headers()[ALLOW], "GET, HEAD");
    }

    #[test]
    fn credentials_guard_every_path() {
        let s = settings(Auth::bearer("t0k").unwrap());
        let status = |u, t| respond(&s, &request(Method::GET, u, t)).status();
        assert_eq!(status("/metrics", None), 401);
        assert_eq!(status("/metrics", Some("nope")), 401);
        assert_eq!(status("/other", None), 401);
        assert_eq!(status("/other", Some("t0k")), 404);
        assert_eq!(status("/metrics", Some("t0k")), 200);
    }
}
