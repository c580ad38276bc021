//! PromQL queries, Prometheus links and SLO rules files for the metrics that
//! `#[autometrics]` functions export.
//!
//! The crate is a leaf: it knows the wire contract (metric families, label
//! names, the SLO scheme) and turns it into text, nothing more. It is used in
//! two places:
//!
//! - by the `#[autometrics]` proc-macro at expansion time, through
//!   [`queries::doc_section`], to add links to live queries to every
//!   instrumented function's documentation;
//! - at runtime by the std exporter: [`queries::all_queries`] feeds the
//!   dashboard page and `omnimetrics explain`, [`rules::generic_rules`] and
//!   [`rules::rules_for`] feed `omnimetrics rules`.
//!
//! It is `no_std` with `alloc` and has no dependencies.
//!
//! ```
//! use omnimetrics_query::queries::{FunctionRef, QueryOptions, request_rate};
//!
//! let f = FunctionRef::new("checkout", "shop::api", "shop");
//! let promql = request_rate(&f, &QueryOptions::default());
//! assert!(promql.starts_with("sum by (function, module, service_name, version, commit) ("));
//! ```
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod decimal;
mod promql;
pub mod queries;
pub mod rules;
mod url;
mod yaml;
