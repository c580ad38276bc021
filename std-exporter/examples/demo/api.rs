//! The shop's HTTP API (axum). Every handler carries `#[autometrics]` with
//! the API's objective and concurrency tracking: the dashboard shows their
//! rates, errors and latency, calls in flight, and whether the objective is
//! met.

use crate::payments;
use crate::shop;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, autometrics};

/// What the API promises: 99 % of requests succeed, 95 % within 250 ms
/// (a latency threshold must be one of the latency buckets).
pub(crate) const API: Objective = Objective::new("shop-api")
    .success_rate(ObjectivePercentile::P99)
    .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P95);

/// The routes.
pub(crate) fn router() -> Router {
    Router::new()
        .route("/products/{id}", get(product))
        .route("/search/{term}", get(search))
        .route("/checkout/{cart}", get(checkout))
        .route("/health", get(health))
}

/// A failed request: `503` with a reason.
#[derive(Debug)]
pub(crate) struct ApiError(String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", self.0)).into_response()
    }
}

impl<E: std::fmt::Display> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.to_string())
    }
}

/// `GET /products/{id}`: the product and its reviews, loaded concurrently.
#[autometrics(objective = API, track_concurrency)]
pub(crate) async fn product(Path(id): Path<u32>) -> Result<String, ApiError> {
    let (product, reviews) = tokio::join!(shop::load_product(id), shop::load_reviews(id));
    let product = product?;
    // Reviews are optional: the page is served without them.
    let reviews = reviews.map_or_else(
        |_| "reviews unavailable".to_string(),
        |n| format!("{n} reviews"),
    );
    Ok(format!(
        "{} #{}: {}.{:02} EUR, {reviews}\n",
        product.name,
        product.id,
        product.cents / 100,
        product.cents % 100
    ))
}

/// `GET /search/{term}`: ranks the catalog, then loads the top two
/// concurrently (leaving out any that fails to load).
#[autometrics(objective = API, track_concurrency)]
pub(crate) async fn search(Path(term): Path<String>) -> Result<String, ApiError> {
    let top = shop::rank(&term);
    let (first, second) = tokio::join!(shop::load_product(top[0]), shop::load_product(top[1]));
    let mut out = String::new();
    for p in [first, second].into_iter().flatten() {
        out.push_str(&format!("{} #{}\n", p.name, p.id));
    }
    Ok(out)
}

/// `GET /checkout/{cart}`: prices the cart and charges it, retrying the
/// charge once.
#[autometrics(objective = API, track_concurrency)]
pub(crate) async fn checkout(Path(cart): Path<u32>) -> Result<String, ApiError> {
    let cents = shop::price_cart(cart).await?;
    let receipt = match payments::charge(cents).await {
        Ok(receipt) => receipt,
        Err(_) => payments::charge(cents).await?,
    };
    Ok(format!(
        "paid {}.{:02} EUR: {receipt}\n",
        cents / 100,
        cents % 100
    ))
}

/// `GET /health`.
#[autometrics]
pub(crate) async fn health() -> &'static str {
    "ok\n"
}
