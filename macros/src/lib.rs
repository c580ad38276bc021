//! The `#[autometrics]` attribute of [omnimetrics]. Depend on the
//! `omnimetrics` crate, which re-exports it with a matching runtime; this
//! crate alone is of no use.
//!
//! ```
//! use omnimetrics::{autometrics, Objective, ObjectivePercentile, ObjectiveLatency};
//!
//! const API: Objective = Objective::new("api")
//!     .success_rate(ObjectivePercentile::P99)
//!     .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P95);
//!
//! #[autometrics(objective = API, track_concurrency)]
//! async fn get_item(id: u64) -> Result<String, String> {
//!     Ok(format!("item {id}"))
//! }
//!
//! struct Db;
//!
//! #[autometrics]
//! impl Db {
//!     fn query(&self) -> Option<u32> { Some(1) }       // `Db::query`
//!     #[skip_autometrics]
//!     fn helper(&self) {}                             // not instrumented
//! }
//! # let _ = get_item(1);
//! # Db.query(); Db.helper();
//! ```
//!
//! # Arguments
//! - `track_concurrency`: also export `function_calls_concurrent`.
//! - `result_labels`: add an `ok="Variant"` / `error="Variant"` label naming
//!   the returned variant, for types that implement `omnimetrics::ResultLabel`
//!   (derive it).
//! - `objective = CONST`: an [`Objective`](https://docs.rs/omnimetrics) the
//!   function counts towards; its latency threshold must be one of the
//!   function's bucket boundaries, or the program does not compile.
//! - `ok_if = path` / `error_if = path`: a `fn(&ReturnType) -> bool` that
//!   decides success (by default a `Result::Err` is an error and anything
//!   else is ok).
//! - `buckets = CONST`: the latency buckets of this function (an
//!   `omnimetrics::Buckets`).
//! - `crate = path`: where the `omnimetrics` crate is, when it cannot be
//!   found under its name or rename in `Cargo.toml`.
//!
//! # Generated documentation
//! Each instrumented function's rustdoc gains a "Metrics" section with
//! links to its live queries in Prometheus at `PROMETHEUS_URL` (read at
//! compile time, default `http://localhost:9090`). Set
//! `OMNIMETRICS_DISABLE_DOCS=1` (or `AUTOMETRICS_DISABLE_DOCS=1`) to leave
//! the docs alone.
//!
//! [omnimetrics]: https://docs.rs/omnimetrics

mod args;
mod derive;
mod docs;
mod expand;

use proc_macro::TokenStream;

/// Instruments a function, an `async fn`, or every method of an `impl`
/// block. See the [crate documentation](crate).
#[proc_macro_attribute]
pub fn autometrics(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::autometrics(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `omnimetrics::ResultLabel` for an enum. Use it through the
/// `omnimetrics` crate.
#[proc_macro_derive(ResultLabel, attributes(result_label))]
pub fn result_label(item: TokenStream) -> TokenStream {
    derive::result_label(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
