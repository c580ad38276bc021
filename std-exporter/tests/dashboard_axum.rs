//! The dashboard inside an axum application: its router merged next to the
//! application's routes and `/metrics`, served by axum itself.

mod common;

use axum::Router;
use axum::routing::get;
use omnimetrics_exporter::dashboard::{Dashboard, DashboardConfig};
use omnimetrics_exporter::{Auth, Endpoint};
use std::net::SocketAddr;
use std::time::Duration;

#[omnimetrics::autometrics]
async fn axum_dash_hello() -> &'static str {
    "hello"
}

async fn fetch(
    addr: SocketAddr,
    method: &'static str,
    path: &'static str,
    token: Option<&'static str>,
) -> common::Response {
    tokio::task::spawn_blocking(move || {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("authorization", a.as_str())).collect();
        common::request(addr, method, path, &headers).unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_router_merges_into_an_app() {
    let endpoint = Endpoint::new()
        .with_auth(Auth::bearer("axum-t0ken").unwrap())
        .with_process_metrics(false);
    let config = DashboardConfig::new()
        .interval(Duration::from_millis(20))
        .rate_window(Duration::from_millis(100));
    let dashboard = Dashboard::start(config, endpoint.clone()).unwrap();
    let app = Router::new()
        .route("/hello", get(axum_dash_hello))
        .merge(omnimetrics_exporter::axum::router_with(
            endpoint, "/metrics",
        ))
        .merge(omnimetrics_exporter::axum::dashboard_router(dashboard));
    let addr = common::serve_axum(app).await;
    let token = Some("axum-t0ken");

    let page = fetch(addr, "GET", "/", token).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.header("content-security-policy").is_some());
    assert_eq!(fetch(addr, "GET", "/", None).await.status, 401);
    assert_eq!(
        fetch(addr, "GET", "/dashboard.json", None).await.status,
        401
    );
    assert_eq!(
        fetch(addr, "POST", "/dashboard.json", token).await.status,
        405
    );
    assert_eq!(
        fetch(addr, "GET", "/dashboard.json?points=0", token)
            .await
            .status,
        400
    );

    let mut rate = None;
    for _ in 0..100 {
        assert_eq!(fetch(addr, "GET", "/hello", None).await.text(), "hello");
        tokio::time::sleep(Duration::from_millis(10)).await;
        let r = fetch(addr, "GET", "/dashboard.json", token).await;
        assert_eq!(r.status, 200);
        let view: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        rate = view["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["function"] == "axum_dash_hello")
            .and_then(|f| f["now"]["rate"].as_f64())
            .filter(|r| *r > 0.0);
        if rate.is_some() {
            break;
        }
    }
    assert!(rate.is_some(), "the handler's rate never showed");
    assert_eq!(fetch(addr, "GET", "/metrics", token).await.status, 200);
}
