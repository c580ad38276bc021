//! The axum integration, served by axum itself.

mod common;

use axum::Router;
use axum::routing::get;
use common::get as http_get;
use omnimetrics_exporter::{Auth, Endpoint, Format};
use std::net::SocketAddr;

#[omnimetrics::autometrics]
async fn greet() -> &'static str {
    "hello"
}

async fn fetch(
    addr: SocketAddr,
    path: &'static str,
    headers: Vec<(&'static str, String)>,
) -> common::Response {
    tokio::task::spawn_blocking(move || {
        let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        http_get(addr, path, &h).unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ready_router_merges_into_an_app() {
    #[derive(Clone)]
    struct AppState;
    let app = Router::new()
        .route("/hello", get(greet))
        .merge(omnimetrics_exporter::axum::router::<AppState>())
        .with_state(AppState);
    let addr = common::serve_axum(app).await;
    assert_eq!(fetch(addr, "/hello", vec![]).await.text(), "hello");
    let r = fetch(addr, "/metrics", vec![]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some(Format::Prometheus.content_type())
    );
    assert!(r.text().contains("function=\"greet\""), "{}", r.text());
    let r = fetch(
        addr,
        "/metrics",
        vec![("Accept", "application/openmetrics-text".to_string())],
    )
    .await;
    assert_eq!(
        r.header("content-type"),
        Some(Format::OpenMetrics.content_type())
    );
    assert!(r.text().ends_with("# EOF\n"));
    let r = fetch(
        addr,
        "/metrics",
        vec![("Accept-Encoding", "gzip".to_string())],
    )
    .await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_endpoint_at_its_own_path() {
    let endpoint = Endpoint::new()
        .with_auth(Auth::bearer("axum-t0ken").unwrap())
        .with_process_metrics(false);
    let app: Router = omnimetrics_exporter::axum::router_with(endpoint, "/internal/metrics");
    let addr = common::serve_axum(app).await;
    let r = fetch(addr, "/internal/metrics", vec![]).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"metrics\"")
    );
    let r = fetch(
        addr,
        "/internal/metrics",
        vec![("Authorization", "Bearer axum-t0ken".to_string())],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("process_"));
    assert_eq!(fetch(addr, "/metrics", vec![]).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bare_handler() {
    let app: Router = Router::new().route("/m", get(omnimetrics_exporter::axum::handler));
    let addr = common::serve_axum(app).await;
    assert_eq!(fetch(addr, "/m", vec![]).await.status, 200);
}
