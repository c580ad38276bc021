//! Snapshots as checked, self-delimiting frames, for serial lines and other
//! byte streams from a device to a host (SPEC, "Snapshot wire format").
//!
//! A device sends what rarely changes (family names, help, label names and
//! values, bucket bounds) in *description* frames, and each snapshot's
//! numbers in *value* frames that refer to a description by its schema id
//! and to its series by position. For sixteen instrumented functions (49
//! series) a value frame is about 400 bytes and its description under 2 KB
//! (the same metrics as Prometheus text are 60 KB); the description goes
//! out when the host first needs it, and again only when asked,
//! periodically if configured, or when the set of series changes.
//!
//! A description says what it describes in one of two ways. *Families and
//! series* (`FrameEncoder::write` of any [`Source`](omnimetrics::visit::Source))
//! name every family, label and bound. *Compact function records*
//! (`FrameEncoder::write_functions`, for firmware) give each instrumented
//! function's own strings once, and the decoder builds SPEC's families and
//! label sets from them: the device needs no label names, help texts or
//! label sets in its flash, nor the code that walks them.
//!
//! [`FrameEncoder`] writes frames into a caller's buffer or any
//! `embedded_io::Write`, streaming: no allocation, and RAM bounded by one
//! COBS block whatever the size of the snapshot. With the `alloc` feature,
//! `FrameDecoder` turns a byte stream, fed in chunks of any size, back into
//! owned `omnimetrics::Snapshot`s, with statistics of bad, missed and
//! undescribed frames and of device restarts.
//!
//! What a source declares it hands out (`Source::EXEMPLARS`,
//! `SCALED_VALUES`) decides at compile time which code the encoder links:
//! a firmware's live registry has neither, so its flash holds no exemplar
//! or scaled-value records.
//!
//! # The format, version 1
//!
//! This section is the whole specification; a decoder in another language
//! needs nothing else.
//!
//! ## Stream
//!
//! A stream is a sequence of frames, each `COBS(body ‖ crc) ‖ 0x00`:
//! - `crc` is CRC-32C (Castagnoli: polynomial `0x1EDC6F41` reflected,
//!   init and xorout `0xFFFFFFFF`, the `CRC-32/ISCSI` of the CRC catalogue)
//!   of `body`, 4 bytes little-endian;
//! - COBS is the standard Consistent Overhead Byte Stuffing with `0x00` as
//!   the delimiter: a block is a length byte `n` (1 to 255) followed by
//!   `n - 1` non-zero bytes; a block with `n < 255` stands for its bytes
//!   and a zero, except that the zero after the frame's last block is
//!   dropped. Encoders write a final block (`0x01` if empty) even after a
//!   full one;
//! - an empty frame (two `0x00` in a row) means nothing and is skipped; a
//!   device may send a `0x00` at start-up to end any garbage on the line.
//!
//! A receiver that sees a frame fail (bad COBS, bad CRC, unknown version,
//! unparsable body) drops it and resumes at the byte after the next
//! `0x00`.
//!
//! ## Body
//!
//! The body is [postcard](https://postcard.jamesmunns.com/wire-format)
//! data: a header, then records, the last of which is `End`. In postcard,
//! `u8` is one byte; `u32` and `u64` are unsigned LEB128 varints (7 bits per
//! byte, least significant group first, high bit set on all but the last
//! byte); `i64` is zigzag-encoded (`(v << 1) ^ (v >> 63)`) then a varint;
//! `str` is a varint byte length and UTF-8; `Option<T>` is `0x00`, or
//! `0x01` and a `T`; a sequence is a varint count and its items; an enum is
//! its variant index as a varint, then the variant's fields in order.
//!
//! ```text
//! Header  = version: u8 (= 1)
//!           kind: varint (0 = description frame, 1 = value frame)
//!           boot_id: u32
//!           seq: u32
//!
//! Record  = 0 Family    { name: str, help: str, kind: varint (0 counter,
//!                         1 gauge, 2 histogram), unit: Option<str> }
//!         | 1 Series    { labels: seq of Label, buckets: Buckets }
//!         | 2 Counter   (u64)
//!         | 3 Gauge     (i64)
//!         | 4 Histogram { counts: seq of u64, sum: u64 }
//!         | 5 Exemplar  { labels: seq of (name: str, value: str),
//!                         mantissa: u64, scale: u8, bucket: Option<u64> }
//!         | 6 End       { schema: u32 }
//!         | 7 ScaledCounter { value: u64, scale: u8 }   counter value
//!                         `value × 10^-scale` (CPU seconds, say)
//!         | 8 ScaledGauge   { value: i64, scale: u8 }   gauge value
//!                         `value × 10^-scale`
//!         | 9 Function  { function: str, module: str, service_name: str,
//!                         objective_name: str, objective_percentile: str,
//!                         latency_percentile: str, latency_threshold: str,
//!                         concurrency: bool, buckets: Buckets, build: Build }
//!         | 10 Caller   (CallerRef)
//!         | 11 Labelled { caller: CallerRef, error: bool, label: str }
//!
//! CallerRef = 0 None | 1 Other | 2 Function (index: u32)
//!
//! Build   = 0 Same                   the previous Function record's build
//!         | 1 New { version: str, commit: str, branch: str,
//!                   repository_url: str, repository_provider: str,
//!                   autometrics_version: str }
//!
//! Label   = 0 Same                   same name and value as the previous
//!                                    Series record's label at this position
//!         | 1 Value (value: str)     same name, this value
//!         | 2 Full  (name: str, value: str)
//!
//! Buckets = 0 None                   not a histogram
//!         | 1 Same                   the bounds and scale of the previous
//!                                    histogram Series record in this frame
//!         | 2 New { scale: u8, bounds: seq of u64 }
//! ```
//!
//! A **description frame** holds `Family` records, each followed by the
//! `Series` records of its series (`Buckets` is `None` exactly when the
//! family is not a histogram), or compact function records (below), then
//! `End`. "Previous" in `Label` and
//! `Buckets` refers to records of the same frame, across families;
//! `Same` with no such previous record is an error.
//!
//! A **value frame** holds one value record (`Counter`, `Gauge`,
//! `Histogram`, `ScaledCounter` or `ScaledGauge`) per series of its
//! description, in the order of the description's `Series` records (and
//! of the series compact records stand for), each optionally followed by one
//! `Exemplar` record for that series, then `End`. A value record must match
//! its family's kind, and a histogram has one count per bound and one for
//! `+Inf` (not cumulative); `sum`, the bounds and an exemplar's value are
//! decimal numbers `mantissa × 10^-scale` (scale 9: nanoseconds read as
//! seconds).
//!
//! **Compact function records** in a description frame stand for SPEC's
//! series of one instrumented function (`Function`, then its `Caller` and
//! `Labelled` records); a frame may also hold `Family` records after them.
//! Their series, and the values a value frame gives for them, in this
//! order:
//! - `Function`: `function_calls_total` with `result="ok"`, then with
//!   `result="error"`, both with no caller (the labels are SPEC's, in
//!   SPEC's order; `objective_percentile` is the record's
//!   `objective_percentile`);
//! - each `Caller` after it: the same two series with the caller's
//!   `caller_function` and `caller_module`: `Other` is the overflow row
//!   (`"(other)"` for both), `Function(i)` the `i`-th `Function` record
//!   of the frame (from 0);
//! - each `Labelled` after it: one `function_calls_total` series whose
//!   `result` is `error` or `ok`, with one more label of that name whose
//!   value is `label` (`None`: no caller);
//! - then, when the next record that is not `Caller` or `Labelled` comes,
//!   the function's `function_calls_duration_seconds` histogram if
//!   `buckets` is not `None` (scale 9: seconds; `Same` refers to the last
//!   histogram `Series` or `Function` record of the frame), with labels
//!   `function`, `module`, `service_name`, `objective_name`,
//!   `objective_percentile` (the record's `latency_percentile`) and
//!   `objective_latency_threshold`; and its `function_calls_concurrent`
//!   gauge (`function`, `module`, `service_name`) if `concurrency`;
//! - and one `build_info` gauge series per distinct `service_name` among
//!   the `Function` records, labelled by the first such record's
//!   `service_name` and build (`Same` on the first record is an error).
//!   Its value is 1, and a value frame has no record for it.
//!
//! The decoder shows these families first, in SPEC's order (calls,
//! durations, concurrency, `build_info`), each function's series in record
//! order, then the frame's `Family` records; a `Family` of one of those
//! names beside compact records is an error, as is a `Caller` or
//! `Labelled` record with no `Function` before it (or another record in
//! between), a caller index past the frame's functions, a `Caller` of
//! `None`, or a `Labelled` of `Other`.
//!
//! `End.schema` ties the two together: a value frame can be read with the
//! description frame that carries the same `schema`. A description may
//! arrive after the value frames that need it; a receiver may hold those
//! until it does. Encoders compute the schema as 32-bit FNV-1a (offset
//! basis `0x811C9DC5`, prime `0x01000193`) over the description frame's
//! records as it holds them, `End` excluded (the body's bytes between the
//! header and `End`); the shortening depends on nothing but the series, so
//! equal series give equal ids. A receiver only compares them.
//!
//! `seq` counts frames of both kinds, starting at 0 at each boot and
//! wrapping at 2³²; a gap means frames were lost. `boot_id` is chosen by the
//! device at start-up and differs from one boot to the next: when it
//! changes, the device restarted and its counters started again from zero.
//!
//! ## Example
//!
//! One counter family `boots` with one series of no labels and value 1,
//! boot id 7, as the first frames of a boot (schema `0x29B5_B478`):
//!
//! ```text
//! description body: 01 00 07 00 | 00 05 "boots" 00 00 00 | 01 00 00 | 06 F8 E8 D6 CD 02
//! value body:       01 01 07 01 | 02 01 | 06 F8 E8 D6 CD 02
//! ```
//!
//! Each body is then followed by its CRC, COBS-encoded and terminated by
//! `0x00`.

mod encoder;
mod error;
mod functions;
mod recall;
mod writer;

#[cfg(feature = "alloc")]
mod decoder;
#[cfg(feature = "alloc")]
mod expand;
#[cfg(feature = "alloc")]
mod wire;

#[cfg(all(test, feature = "alloc"))]
mod tests;

pub use encoder::FrameEncoder;
pub use error::EncodeError;

#[cfg(feature = "alloc")]
pub use decoder::{Event, FrameDecoder, MAX_PENDING, Received, Stats};
#[cfg(feature = "alloc")]
pub use error::DecodeError;

/// The format version this crate writes and reads: the first byte of
/// every frame body.
pub const VERSION: u8 = 1;

/// Variant indices of the format's enums (see the module docs). All are
/// below 128, so each is its own one-byte varint.
mod tag {
    pub(crate) const DESCRIPTION_FRAME: u8 = 0;
    pub(crate) const VALUE_FRAME: u8 = 1;

    pub(crate) const FAMILY: u8 = 0;
    pub(crate) const SERIES: u8 = 1;
    pub(crate) const COUNTER: u8 = 2;
    pub(crate) const GAUGE: u8 = 3;
    pub(crate) const HISTOGRAM: u8 = 4;
    pub(crate) const EXEMPLAR: u8 = 5;
    pub(crate) const END: u8 = 6;
    pub(crate) const SCALED_COUNTER: u8 = 7;
    pub(crate) const SCALED_GAUGE: u8 = 8;
    pub(crate) const FUNCTION: u8 = 9;
    pub(crate) const CALLER: u8 = 10;
    pub(crate) const LABELLED: u8 = 11;
    pub(crate) const BUILD_SAME: u8 = 0;
    pub(crate) const BUILD_NEW: u8 = 1;

    pub(crate) const CALLER_NONE: u8 = 0;
    pub(crate) const CALLER_OTHER: u8 = 1;
    pub(crate) const CALLER_FUNCTION: u8 = 2;

    pub(crate) const KIND_COUNTER: u8 = 0;
    pub(crate) const KIND_GAUGE: u8 = 1;
    pub(crate) const KIND_HISTOGRAM: u8 = 2;

    pub(crate) const LABEL_SAME: u8 = 0;
    pub(crate) const LABEL_VALUE: u8 = 1;
    pub(crate) const LABEL_FULL: u8 = 2;

    pub(crate) const BUCKETS_NONE: u8 = 0;
    pub(crate) const BUCKETS_SAME: u8 = 1;
    pub(crate) const BUCKETS_NEW: u8 = 2;
}
