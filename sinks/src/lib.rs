//! The bytes that leave the process: Prometheus text 0.0.4 and OpenMetrics
//! 1.0 for scrapers, and compact checked frames for serial lines.
//!
//! Every encoder reads an [`omnimetrics::visit::Source`] (the live
//! [`omnimetrics::registry()`], or an owned `omnimetrics::Snapshot`) one
//! series at a time. They are `no_std`, allocate nothing and never format a
//! float, so the same code serves an HTTP exporter and a Cortex-M0:
//!
//! ```
//! use omnimetrics::metrics::CounterVec;
//! use omnimetrics_sinks::text::{encode, Format};
//!
//! static REQUESTS: CounterVec<1, 4> =
//!     CounterVec::new("http_requests_total", "Requests served.", ["path"]);
//! REQUESTS.with_label_values(["/say \"hi\""]).inc();
//!
//! let mut text = String::new();
//! encode(&omnimetrics::registry(), Format::Prometheus, &mut text).unwrap();
//! assert_eq!(text, concat!(
//!     "# HELP http_requests_total Requests served.\n",
//!     "# TYPE http_requests_total counter\n",
//!     "http_requests_total{path=\"/say \\\"hi\\\"\"} 1\n",
//! ));
//! ```
//!
//! - [`text`]: the two exposition formats, `Accept` negotiation and
//!   `Content-Type`s.
//! - [`frame`]: the device-to-host wire format of SPEC (postcard records,
//!   CRC-32C, COBS, `0x00`-terminated), its streaming encoder, and with the
//!   `alloc` feature its decoder.
//!
//! # Features
//! - `alloc`: the frame decoder (`frame::FrameDecoder`).
//! - `std`: `alloc`, and `std::io` interoperability of `embedded-io`.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod copy;
mod digits;
pub mod frame;
mod out;
pub mod text;
