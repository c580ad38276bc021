//! The isolate's metrics as owned values a JS host can take.
//!
//! An isolate has no socket to be scraped on, so the host asks for the
//! metrics and carries them out itself: as the text of a `/metrics` answer,
//! as the body of a push, or as frames for a collector that decodes
//! omnimetrics' wire format. Each function here walks the live registry
//! once and returns a fresh buffer (wasm-bindgen copies it into a JS string
//! or `Uint8Array`); nothing is cached between calls.
//!
//! A function appears only after its first call: wasm has no constructors
//! to register instrumented functions before `main`, so each registers
//! itself the first time it runs.

use alloc::string::String;
use alloc::vec::Vec;
use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::{Format, encode};

/// The live registry in `format`.
pub fn text(format: Format) -> String {
    let mut out = String::with_capacity(4096);
    // Writing to a `String` cannot fail; if it ever did, what was written
    // so far is still the best answer there is.
    let _ = encode(&omnimetrics::registry(), format, &mut out);
    out
}

/// The live registry as Prometheus text 0.0.4 (what a Pushgateway takes).
pub fn prometheus_text() -> String {
    text(Format::Prometheus)
}

/// The live registry as OpenMetrics 1.0 text (ends with `# EOF`).
pub fn openmetrics_text() -> String {
    text(Format::OpenMetrics)
}

/// The format to answer a scrape with, from its `Accept` header.
pub fn negotiate(accept: Option<&str>) -> Format {
    Format::negotiate(accept)
}

/// The next frames of `encoder` for the live registry: a description frame
/// when one is due, then a value frame (see `omnimetrics_sinks::frame`).
pub fn frames(encoder: &mut FrameEncoder) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    // `Vec<u8>` as `embedded_io::Write` never fails.
    let _ = encoder.write(&omnimetrics::registry(), &mut out);
    out
}
