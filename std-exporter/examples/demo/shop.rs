//! What the handlers call: catalog, reviews, search ranking and cart
//! pricing, each instrumented, each calling the next layer down. The
//! dashboard's "who calls whom" view draws these calls, and each function's
//! `caller_function` label names the handler or function that called it.

use crate::chance;
use crate::db::{self, DbError};
use omnimetrics::autometrics;

/// A product as the pages show it.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub(crate) id: u32,
    pub(crate) name: &'static str,
    pub(crate) cents: u64,
}

const NAMES: [&str; 8] = [
    "desk lamp",
    "oak table",
    "wool rug",
    "linen chair",
    "reading lamp",
    "bookshelf",
    "floor lamp",
    "side table",
];

/// Loads a product, retrying once: a single failed query is hidden from
/// the caller, two in a row are not.
#[autometrics]
pub(crate) async fn load_product(id: u32) -> Result<Product, DbError> {
    let rows = match db::query("SELECT * FROM products WHERE id = $1").await {
        Ok(rows) => rows,
        Err(_) => db::query("SELECT * FROM products WHERE id = $1").await?,
    };
    Ok(Product {
        id,
        name: NAMES[id as usize % NAMES.len()],
        cents: 1_500 + u64::from(id % 40) * 250 + rows.0,
    })
}

/// Loads a product's reviews; no retry (the page does without them).
#[autometrics]
pub(crate) async fn load_reviews(id: u32) -> Result<u64, DbError> {
    let rows = db::query("SELECT * FROM reviews WHERE product_id = $1").await?;
    Ok(rows.0 + u64::from(id % 5))
}

/// Scores the catalog against a search term: CPU work, no await. Returns
/// the best three product ids.
#[autometrics]
pub(crate) fn rank(term: &str) -> [u32; 3] {
    let mut scored: Vec<(u64, u32)> = (0..2_000u32)
        .map(|id| {
            // A made-up relevance: a hash of the term and the id.
            let mut h = 0xcbf2_9ce4_8422_2325u64;
            for b in term.bytes().chain(id.to_le_bytes()) {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
            (h, id)
        })
        .collect();
    scored.sort_unstable();
    [scored[0].1, scored[1].1, scored[2].1]
}

/// Prices a cart of one to three products, loaded one after the other.
#[autometrics]
pub(crate) async fn price_cart(cart: u32) -> Result<u64, DbError> {
    let items = chance::between(1, 3) as u32;
    let mut total = 0;
    for item in 0..items {
        total += load_product(cart.wrapping_mul(7).wrapping_add(item))
            .await?
            .cents;
    }
    Ok(total)
}
