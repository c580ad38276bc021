//! omnimetrics in a wasm isolate (a Cloudflare-Worker-style host), and a
//! demo worker that uses it.
//!
//! An isolate is short-lived, has no socket to be scraped on, and must not
//! let metrics slow its responses. So the JS host does what a scraper would:
//! after each request it takes the isolate's snapshot from this module and
//! pushes it somewhere (a Pushgateway), inside `ctx.waitUntil(...)`, and it
//! can answer `/metrics` itself. This crate is the Rust half:
//!
//! - [`clock`]: where durations come from (the host's `performance.now()`
//!   or a time the host sets), and what they mean in a deployed Worker,
//!   whose clock only moves across I/O;
//! - [`export`]: the snapshot as Prometheus text, OpenMetrics and
//!   postcard+COBS frames;
//! - [`buffer`]: the byte buffers strings and results cross the JS
//!   boundary in (`worker/adapter.mjs` is the JS side);
//! - [`push`]: push outcome counters that travel with the snapshot;
//! - [`utf8`]: the check that the host's strings are UTF-8;
//! - [`demo`]: the demo's instrumented application;
//! - on `wasm32` only, the JS API (listed in the README and in the
//!   `bindings` module) and the module's runtime (allocator, panic handler,
//!   critical section).
//!
//! The `wasm-demo/` directory also holds the worker (`worker/worker.mjs`), its
//! `wrangler.toml`, and the node scripts that test it inside `workerd`.
//!
//! # Registration
//!
//! wasm has no constructors, so an instrumented function is registered, and
//! exported, from its first call on: a snapshot taken before shows nothing
//! of a function that has not run yet in this isolate.
//!
//! # Targets
//!
//! The crate is `no_std` on `wasm32-unknown-unknown` (std would only add its
//! panic machinery) unless the `std` feature asks for std's panic handler.
//! On other targets it links std and builds everything but the JS API, so
//! `cargo test --workspace` covers the application and the encoders on the
//! host too.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(any(test, feature = "std", not(target_arch = "wasm32")))]
extern crate std;

pub mod buffer;
pub mod clock;
pub mod demo;
pub mod export;
pub mod push;
pub mod utf8;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
mod runtime;
// The module's allocator (without `std`), and its tests on the host.
#[cfg(any(
    all(target_arch = "wasm32", not(feature = "std")),
    all(test, not(target_arch = "wasm32"))
))]
mod arena;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod host_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod wasm_tests;
