//! The isolate's metrics in the forms a JS host can take.
//!
//! An isolate has no socket to be scraped on, so the host asks for the
//! metrics and carries them out itself: as the text of a `/metrics` answer,
//! as the body of a push, or as frames for a collector that decodes
//! omnimetrics' wire format. Each function here walks the live registry
//! once and writes what it finds to a writer (on wasm, the module's
//! [`Buffer`](crate::buffer::Buffer) for output, which the host reads out of
//! wasm memory); nothing is cached between calls.
//!
//! A function appears only after its first call: wasm has no constructors
//! to register instrumented functions before `main`, so each registers
//! itself the first time it runs.

use embedded_io::Write;
use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::{Format, encode_io};

/// Writes the live registry in `format` to `out`.
pub fn text<W: Write + ?Sized>(format: Format, out: &mut W) -> Result<(), W::Error> {
    encode_io(&omnimetrics::registry(), format, out)
}

/// The format to answer a scrape with, from its `Accept` header.
pub fn negotiate(accept: Option<&str>) -> Format {
    Format::negotiate(accept)
}

/// Writes the next frames of `encoder` for the live registry to `out`: a
/// description frame when one is due, then a value frame (see
/// `omnimetrics_sinks::frame`).
pub fn frames<W: Write + ?Sized>(encoder: &mut FrameEncoder, out: &mut W) -> Result<(), W::Error> {
    encoder.write(&omnimetrics::registry(), out)
}
