//! The functions and data the comparison measures, shared by the criterion
//! driver (`benches/compare.rs`) and the instruction-count example
//! (`examples/hot_path.rs`).
//!
//! Every call variant wraps the same [`floor::body`] in an `#[inline(never)]`
//! function taking and returning the same types, so that their differences
//! are what each instrumentation adds to a call:
//! - no instrumentation: [`subjects::bare`];
//! - the floor, by hand (see [`floor`]): [`subjects::floor_std`],
//!   [`subjects::floor_fast`], and [`subjects::floor_instant`];
//! - `#[omnimetrics::autometrics]`: [`subjects::omnimetrics_call`];
//! - `#[autometrics::autometrics]` (3.0.0, `prometheus-client` backend):
//!   [`subjects::autometrics_call`];
//! - a labelled counter and a labelled histogram per call, written by hand
//!   with each crate and timed with `std::time::Instant` like those crates'
//!   own timers: [`subjects::prometheus_call`],
//!   [`subjects::prometheus_client_call`], [`subjects::measured_call`].

/// The signature every call variant shares.
pub type CallFn = fn(u64) -> Result<u64, u64>;

pub mod alloc_count;
pub mod encode;
pub mod floor;
pub mod subjects;
pub mod summary;
pub mod threads;
