//! Prometheus text 0.0.4 and OpenMetrics 1.0, for scrapers.
//!
//! [`encode`] writes any [`Source`] (the live registry, an owned
//! `Snapshot`) to a `core::fmt::Write`; [`encode_io`] to an
//! `embedded_io::Write`. Both are `no_std`, allocate nothing, and render
//! every number from integers: `le` values, sums and exemplar values through
//! [`omnimetrics::Decimal`], the canonical form Prometheus 3 normalises to
//! (`0.005`, `1.0`, `1e-05`), so an objective threshold in a label equals
//! the `le` of its bucket byte for byte.
//!
//! What the encoders guarantee, whatever the source holds:
//! - each family once, `HELP` (when not empty) and `TYPE` before its samples;
//!   counters' samples end in `_total` (in 0.0.4 the `HELP`/`TYPE` lines use
//!   that name too; in OpenMetrics they use the family name);
//! - label values escaped (`\\`, `\"`, `\n`), help text escaped as each
//!   format asks, names outside the grammar sanitised (`.` → `_`), so no
//!   input can break the line structure (names from a source that declares
//!   them valid, as the live registry does, are written as they are: see
//!   `Source::VALID_NAMES`);
//! - histogram buckets cumulative, ending with `le="+Inf"`, `_count` equal
//!   to the `+Inf` bucket;
//! - OpenMetrics: `# UNIT` when the name ends in the unit, exemplars on
//!   counters and buckets (at most 128 characters of labels, else left
//!   out), `# EOF` at the end.
//!
//! A series whose value is not of its family's type, a family of a kind this
//! crate does not know, and a family whose name is longer than
//! [`MAX_FAMILY_NAME`] bytes are left out rather than written wrongly.
//!
//! What a source declares it hands out (`Source::VALID_NAMES`,
//! `EXEMPLARS`, `SCALED_VALUES`) decides, at compile time, which code the
//! encoders link: a wasm module or a firmware that encodes only its live
//! registry carries no name sanitising, exemplar or scaled-value code.
//!
//! ```
//! use omnimetrics::{FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
//! use omnimetrics::visit::MetricKind;
//! use omnimetrics_sinks::text::{encode, Format};
//!
//! let snap = Snapshot {
//!     families: vec![FamilySnapshot {
//!         name: "job_duration_seconds".into(),
//!         help: "Job time.".into(),
//!         kind: MetricKind::Histogram,
//!         unit: Some("seconds".into()),
//!         series: vec![SeriesSnapshot {
//!             labels: vec![("job".into(), "a\"b".into())],
//!             value: ValueSnapshot::Histogram(HistogramSnapshot {
//!                 bounds: vec![5_000_000, 1_000_000_000], // 0.005 s and 1 s, in ns
//!                 scale: 9,
//!                 counts: vec![1, 0, 2],
//!                 sum: 7_250_000_000,
//!             }),
//!             exemplar: None,
//!         }],
//!     }],
//! };
//! let mut text = String::new();
//! encode(&snap, Format::OpenMetrics, &mut text).unwrap();
//! assert_eq!(text, concat!(
//!     "# TYPE job_duration_seconds histogram\n",
//!     "# UNIT job_duration_seconds seconds\n",
//!     "# HELP job_duration_seconds Job time.\n",
//!     "job_duration_seconds_bucket{job=\"a\\\"b\",le=\"0.005\"} 1\n",
//!     "job_duration_seconds_bucket{job=\"a\\\"b\",le=\"1.0\"} 1\n",
//!     "job_duration_seconds_bucket{job=\"a\\\"b\",le=\"+Inf\"} 3\n",
//!     "job_duration_seconds_count{job=\"a\\\"b\"} 3\n",
//!     "job_duration_seconds_sum{job=\"a\\\"b\"} 7.25\n",
//!     "# EOF\n",
//! ));
//! ```

mod buf;
mod encoder;
mod escape;
mod negotiate;
#[cfg(target_pointer_width = "64")]
mod short;

pub use encoder::{MAX_EXEMPLAR_CHARS, MAX_FAMILY_NAME};

use crate::out::{Failed, FmtOut, IoOut, TextOut};
use omnimetrics::visit::{Source, Visitor};

/// `Content-Type` of Prometheus text 0.0.4.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// `Content-Type` of OpenMetrics 1.0.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One of the two text formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Prometheus text exposition 0.0.4 (the default, and what any client
    /// that does not ask for OpenMetrics gets).
    #[default]
    Prometheus,
    /// OpenMetrics 1.0 text: units, exemplars, `# EOF`.
    OpenMetrics,
}

impl Format {
    /// The format to answer a scrape with, from its `Accept` header:
    /// OpenMetrics when the header names `application/openmetrics-text`
    /// (version 1.0.0, 0.0.1 or none) with a weight no lower than what it
    /// gives text 0.0.4; 0.0.4 otherwise, including for no header, an
    /// unparsable one, or `*/*` alone.
    ///
    /// ```
    /// use omnimetrics_sinks::text::Format;
    /// // What Prometheus sends when it wants OpenMetrics.
    /// let prom = "application/openmetrics-text;version=1.0.0;q=0.5,\
    ///             application/openmetrics-text;version=0.0.1;q=0.4,\
    ///             text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    /// assert_eq!(Format::negotiate(Some(prom)), Format::OpenMetrics);
    /// assert_eq!(Format::negotiate(Some("text/plain;version=0.0.4;q=1,*/*;q=0.1")), Format::Prometheus);
    /// assert_eq!(Format::negotiate(Some("*/*")), Format::Prometheus);
    /// assert_eq!(Format::negotiate(None), Format::Prometheus);
    /// ```
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if negotiate::prefers_openmetrics(a) => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }

    /// The `Content-Type` to answer with (SPEC's exact strings).
    ///
    /// ```
    /// use omnimetrics_sinks::text::Format;
    /// assert_eq!(Format::Prometheus.content_type(), "text/plain; version=0.0.4; charset=utf-8");
    /// ```
    pub fn content_type(&self) -> &'static str {
        match self {
            Format::Prometheus => PROMETHEUS_CONTENT_TYPE,
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
        }
    }
}

/// Writes everything `source` holds in `format` to `out`.
///
/// The text is gathered in a buffer on the stack (2 KiB on 64-bit targets,
/// 128 bytes on smaller ones) and handed to `out` one buffer at a time,
/// with one `write_str` per buffer (a text fragment longer than the buffer
/// is written on its own).
///
/// Fails only when `out` does; what was written until then stays written.
pub fn encode<S: Source + ?Sized, W: core::fmt::Write + ?Sized>(
    source: &S,
    format: Format,
    out: &mut W,
) -> core::fmt::Result {
    run(source, format, &mut FmtOut(out)).map_err(|Failed| core::fmt::Error)
}

/// Writes everything `source` holds in `format` to `out`, with one
/// `embedded_io::Write::write_all` per buffer of text (see [`encode`]).
///
/// Fails only when `out` does, with its error.
pub fn encode_io<S: Source + ?Sized, W: embedded_io::Write + ?Sized>(
    source: &S,
    format: Format,
    out: &mut W,
) -> Result<(), W::Error> {
    let mut io = IoOut::new(out);
    let r = run(source, format, &mut io);
    io.result(r)
}

/// The one encoding routine; only the visit itself depends on the source.
fn run<S: Source + ?Sized>(
    source: &S,
    format: Format,
    out: &mut dyn TextOut,
) -> Result<(), Failed> {
    // A compile-time choice of the visitor's code from what the source
    // declares it hands out: a program that encodes only its live registry
    // (a firmware, a wasm module) links no name checking or sanitising, and
    // without `std` no exemplar or scaled-value code either.
    let (c, e, s) = (!S::VALID_NAMES, S::EXEMPLARS, S::SCALED_VALUES);
    match (c, e, s) {
        (false, false, false) => run_with::<S, false, false, false>(source, format, out),
        (false, false, true) => run_with::<S, false, false, true>(source, format, out),
        (false, true, false) => run_with::<S, false, true, false>(source, format, out),
        (false, true, true) => run_with::<S, false, true, true>(source, format, out),
        (true, false, false) => run_with::<S, true, false, false>(source, format, out),
        (true, false, true) => run_with::<S, true, false, true>(source, format, out),
        (true, true, false) => run_with::<S, true, true, false>(source, format, out),
        (true, true, true) => run_with::<S, true, true, true>(source, format, out),
    }
}

/// [`run`] with one [`TextVisitor`](encoder::TextVisitor) (see there for
/// the flags).
fn run_with<S: Source + ?Sized, const CHECK: bool, const EXEMPLARS: bool, const SCALED: bool>(
    source: &S,
    format: Format,
    out: &mut dyn TextOut,
) -> Result<(), Failed> {
    let mut visitor = encoder::TextVisitor::<CHECK, EXEMPLARS, SCALED>::new(out, format);
    // Visiting through `dyn Visitor` makes one copy of the source's walk
    // (for the live registry, the code that assembles SPEC's label sets)
    // serve this encoder and the frame encoder alike.
    source.visit(&mut visitor as &mut dyn Visitor<Error = Failed>)?;
    visitor.finish()
}
