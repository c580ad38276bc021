//! `/metrics` inside an axum application (feature `axum`).
//!
//! A service that already runs axum usually wants its metrics on its own
//! port and router rather than a second server. [`router`] is a ready
//! `Router` to [`merge`](::axum::Router::merge) into the application;
//! [`handler`] is the bare handler for routing it yourself; [`router_with`]
//! serves a configured [`Endpoint`] (credentials, no process metrics, ...).
//! All answer like the standalone server: content negotiation, gzip,
//! credentials.
//!
//! ```
//! use axum::{Router, routing::get};
//!
//! #[omnimetrics::autometrics]
//! async fn hello() -> &'static str {
//!     "hello"
//! }
//!
//! let app: Router = Router::new()
//!     .route("/", get(hello))
//!     .merge(omnimetrics_exporter::axum::router());
//! # let _ = app;
//! // axum::serve(listener, app).await
//! ```

use crate::endpoint::{Endpoint, metrics_response};
use ::axum::Router;
use ::axum::body::Body;
use ::axum::response::Response;
use ::axum::routing::get;
use http::HeaderMap;

/// A router serving `GET /metrics` with the default [`Endpoint`] (no
/// credentials, gzip, process metrics). It fits any application state `S`.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(crate::DEFAULT_PATH, get(handler))
}

/// A router serving `GET path` from `endpoint`.
///
/// # Panics
///
/// Like [`Router::route`], if `path` is not a valid route (it must start
/// with `/`).
pub fn router_with<S>(endpoint: Endpoint, path: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(
        path,
        get(move |headers: HeaderMap| {
            let response = endpoint.respond(&headers).map(Body::from);
            async move { response }
        }),
    )
}

/// A router serving the [dashboard](crate::dashboard)'s page and JSON (at
/// [`Dashboard::page_path`](crate::dashboard::Dashboard::page_path) and
/// [`Dashboard::json_path`](crate::dashboard::Dashboard::json_path)) with
/// the dashboard's own answers: credentials, methods, query strings.
///
/// ```
/// use omnimetrics_exporter::Endpoint;
/// use omnimetrics_exporter::dashboard::{Dashboard, DashboardConfig};
///
/// # fn main() -> Result<(), omnimetrics_exporter::Error> {
/// let endpoint = Endpoint::new();
/// let config = DashboardConfig::new().metrics_link("/metrics");
/// let dashboard = Dashboard::start(config, endpoint.clone())?;
/// let app: axum::Router = axum::Router::new()
///     .merge(omnimetrics_exporter::axum::router_with(endpoint, "/metrics"))
///     .merge(omnimetrics_exporter::axum::dashboard_router(dashboard));
/// # let _ = app;
/// # Ok(()) }
/// ```
#[cfg(feature = "dashboard")]
pub fn dashboard_router<S>(dashboard: crate::dashboard::Dashboard) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    // Both are made of letters, digits and `/_.~-` (checked when the
    // dashboard started), so neither can be taken for a route pattern.
    let (page, json) = (
        dashboard.page_path().to_string(),
        dashboard.json_path().to_string(),
    );
    let answer = move |request: ::axum::extract::Request| {
        // Only routed paths get here, so there is always an answer.
        let response = dashboard
            .respond(&request)
            .map(|r| r.map(Body::from))
            .unwrap_or_default();
        async move { response }
    };
    Router::new()
        .route(&page, ::axum::routing::any(answer.clone()))
        .route(&json, ::axum::routing::any(answer))
}

/// The handler behind [`router`]: the default [`Endpoint`]'s answer to a
/// request with these headers.
pub async fn handler(headers: HeaderMap) -> Response {
    metrics_response(&headers).map(Body::from)
}
