//! The frame encoder: walks a source and streams description and value
//! frames, deciding when a description is due.

use super::recall::{Delta, Recall};
use super::tag;
use super::writer::FrameWriter;
use super::{EncodeError, VERSION};
use crate::out::{ByteOut, Failed, IoOut, SliceOut};
use omnimetrics::visit::{
    Exemplar, FamilyDesc, Label, MetricKind, Series, SeriesValue, Source, Visitor,
};

/// Writes snapshots as frames (see the [module docs](super) for the format).
///
/// One encoder per device and boot: it numbers frames, remembers which
/// description the host was last sent, and sends a new one first of all,
/// when [asked](Self::request_description), every
/// [`describe_every`](Self::describe_every) value frames if set, and right
/// after a value frame whose series no longer match the last description
/// (a function called for the first time, a caller seen for the first
/// time).
///
/// The encoder's state is 28 bytes. Frames are streamed, never built in
/// memory: whatever the size of the snapshot, writing one takes under 1 KB
/// of stack of the encoder's own on a Cortex-M0 (a 254-byte COBS block, and
/// a 450-byte copy of the previous series' labels),
/// plus what the source's walk takes (about 0.9 KB for the live registry).
///
/// ```
/// use omnimetrics::metrics::Counter;
/// use omnimetrics_sinks::frame::FrameEncoder;
///
/// static BOOTS: Counter = Counter::new("boots_total", "Times the device started.");
/// BOOTS.inc();
///
/// let mut frames = FrameEncoder::new(0x5eed);
/// let mut buf = [0u8; 512];
/// let n = frames.write_to_slice(&omnimetrics::registry(), &mut buf).unwrap();
/// // A description frame, then a value frame, each ended by 0x00.
/// assert_eq!(buf[..n].iter().filter(|&&b| b == 0).count(), 2);
/// // Next time only the values go out: a header (6 bytes here), the
/// // counter's record (2), `End` with the schema id (6), the CRC (4), COBS
/// // overhead and the terminator (2).
/// let n = frames.write_to_slice(&omnimetrics::registry(), &mut buf).unwrap();
/// assert_eq!(n, 20);
/// ```
#[derive(Clone, Debug)]
pub struct FrameEncoder {
    boot_id: u32,
    seq: u32,
    /// The schema of the last description frame written.
    described: Option<u32>,
    /// Value frames between periodic descriptions; 0 for none.
    every: u32,
    /// Value frames since the last description.
    since: u32,
    requested: bool,
}

impl FrameEncoder {
    /// An encoder for the boot `boot_id` of the device: a value that
    /// differs from one boot to the next (a random number, or a counter kept
    /// in flash), so that a host can tell a restart (counters start again
    /// from zero) from lost frames.
    pub const fn new(boot_id: u32) -> Self {
        Self {
            boot_id,
            seq: 0,
            described: None,
            every: 0,
            since: 0,
            requested: false,
        }
    }

    /// Also sends a description frame before every `values`-th value frame
    /// (0, the default: only when needed), so that a host that attaches
    /// late, or lost a description, learns the series without asking.
    pub const fn describe_every(mut self, values: u32) -> Self {
        self.every = values;
        self
    }

    /// Sends a description frame with the next snapshot (call it when the
    /// host asks for one, e.g. on a byte received from it).
    pub fn request_description(&mut self) {
        self.requested = true;
    }

    /// The boot id every frame carries.
    pub fn boot_id(&self) -> u32 {
        self.boot_id
    }

    /// The sequence number the next frame will carry.
    pub fn sequence(&self) -> u32 {
        self.seq
    }

    /// Writes one snapshot of `source` to `out`: a description frame when
    /// one is due, a value frame, and a description frame after it if the
    /// series changed. Each frame is streamed out with `write_all` as it is
    /// encoded.
    ///
    /// On an error, frames already written stay written (the host discards
    /// a partial frame as bad) and the encoder keeps going from there.
    pub fn write<S: Source + ?Sized, W: embedded_io::Write + ?Sized>(
        &mut self,
        source: &S,
        out: &mut W,
    ) -> Result<(), W::Error> {
        let mut io = IoOut::new(out);
        let r = self.snapshot(source, &mut io);
        io.result(r)
    }

    /// Writes one snapshot, as [`write`](Self::write) does, into `buf`;
    /// returns how many bytes were used.
    ///
    /// If the frames do not fit, nothing counts as sent: the encoder is
    /// left as it was, and `buf` holds a partial frame to throw away.
    pub fn write_to_slice<S: Source + ?Sized>(
        &mut self,
        source: &S,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let saved = self.clone();
        let mut out = SliceOut { buf, len: 0 };
        match self.snapshot(source, &mut out) {
            Ok(()) => Ok(out.len),
            Err(Failed) => {
                *self = saved;
                Err(EncodeError::BufferTooSmall)
            }
        }
    }

    /// Writes a description frame now, whether due or not.
    pub fn write_description<S: Source + ?Sized, W: embedded_io::Write + ?Sized>(
        &mut self,
        source: &S,
        out: &mut W,
    ) -> Result<(), W::Error> {
        let mut io = IoOut::new(out);
        let r = self.describe(source, &mut io);
        io.result(r)
    }

    /// Writes a value frame only, with no description even if one is due;
    /// returns its schema id (what its description frame carries).
    pub fn write_values<S: Source + ?Sized, W: embedded_io::Write + ?Sized>(
        &mut self,
        source: &S,
        out: &mut W,
    ) -> Result<u32, W::Error> {
        let mut io = IoOut::new(out);
        let r = self.frame(source, false, &mut io);
        io.result(r)
    }

    fn snapshot<S: Source + ?Sized>(
        &mut self,
        source: &S,
        out: &mut dyn ByteOut,
    ) -> Result<(), Failed> {
        let periodic = self.every != 0 && self.since >= self.every;
        if self.described.is_none() || self.requested || periodic {
            self.describe(source, out)?;
        }
        let schema = self.frame(source, false, out)?;
        self.since = self.since.saturating_add(1);
        if self.described != Some(schema) {
            // The series changed since the last description (or between
            // the two walks): the host holds this value frame until the
            // description that follows lets it read it.
            self.describe(source, out)?;
        }
        Ok(())
    }

    fn describe<S: Source + ?Sized>(
        &mut self,
        source: &S,
        out: &mut dyn ByteOut,
    ) -> Result<(), Failed> {
        let schema = self.frame(source, true, out)?;
        self.described = Some(schema);
        self.since = 0;
        self.requested = false;
        Ok(())
    }

    /// Writes one frame; returns its schema id. (Not inlined: it is called
    /// from three places, and one copy is what a firmware wants.)
    #[inline(never)]
    fn frame<S: Source + ?Sized>(
        &mut self,
        source: &S,
        describe: bool,
        out: &mut dyn ByteOut,
    ) -> Result<u32, Failed> {
        let mut w = FrameWriter::new(out);
        w.byte(VERSION);
        w.byte(if describe {
            tag::DESCRIPTION_FRAME
        } else {
            tag::VALUE_FRAME
        });
        w.varint(u64::from(self.boot_id));
        w.varint(u64::from(self.seq));
        let schema = walk(source, &mut w, describe)?;
        w.route(false, true);
        w.byte(tag::END);
        w.varint(u64::from(schema));
        w.finish()?;
        self.seq = self.seq.wrapping_add(1);
        Ok(schema)
    }
}

fn walk<S: Source + ?Sized>(
    source: &S,
    w: &mut FrameWriter<'_>,
    describing: bool,
) -> Result<u32, Failed> {
    let mut recall = Recall::new();
    let mut walker = Walker {
        w,
        recall: &mut recall,
        describing,
        kind: None,
    };
    // Through `dyn Visitor`, as the text encoder does: one copy of the
    // source's walk serves both.
    source.visit(&mut walker as &mut dyn Visitor<Error = Failed>)?;
    walker.w.status()?;
    Ok(walker.w.hash())
}

/// Writes the records of one frame. The description records (families and
/// series) always go to the schema fingerprint, exactly as a description
/// frame holds them (shortened against [`Recall`]); in a description frame
/// they also go out, in a value frame the value records go out instead.
struct Walker<'a, 'o> {
    w: &'a mut FrameWriter<'o>,
    /// The previous series, for shortening.
    recall: &'a mut Recall,
    /// Writing a description frame.
    describing: bool,
    /// The current family's kind (its wire tag); `None` while a family is
    /// left out.
    kind: Option<u8>,
}

impl Walker<'_, '_> {
    /// A `Series` record: what repeats the previous series is written as
    /// "same", and the series is remembered for the next.
    fn series_record(&mut self, s: &Series<'_>) {
        let (w, recall) = (&mut *self.w, &mut *self.recall);
        w.byte(tag::SERIES);
        w.varint(s.labels.len() as u64);
        for (i, l) in s.labels.iter().enumerate() {
            label(w, recall.compare(i, l), l);
        }
        recall.set_labels(s.labels);
        let SeriesValue::Histogram(h) = &s.value else {
            return w.byte(tag::BUCKETS_NONE);
        };
        if recall.same_bounds(h.bounds, h.scale) {
            return w.byte(tag::BUCKETS_SAME);
        }
        recall.set_bounds(h.bounds, h.scale);
        w.byte(tag::BUCKETS_NEW);
        w.byte(h.scale);
        w.varint(h.bounds.len() as u64);
        for &b in h.bounds {
            w.varint(b);
        }
    }

    /// The value records of a series whose record tag and number
    /// [`parts`] gave.
    fn value(&mut self, s: &Series<'_>, tag: u8, number: u64, scale: Option<u8>) {
        let w = &mut *self.w;
        w.byte(tag);
        if let SeriesValue::Histogram(h) = &s.value {
            w.varint(h.counts.len() as u64);
            for &c in h.counts {
                w.varint(c);
            }
        }
        w.varint(number);
        if let Some(scale) = scale {
            w.byte(scale);
        }
        if let Some(e) = &s.exemplar {
            exemplar(w, e);
        }
    }
}

/// A value's family kind and record tag, its number (zigzag for gauges, the
/// sum for histograms) and its scale; `None` for values this crate does not
/// know, and for values the format cannot carry (a histogram whose counts
/// are not one per bound plus `+Inf`, a scaled value with a scale above
/// 19): a decoder would reject the whole frame for them, so the series is
/// left out instead.
fn parts(value: &SeriesValue<'_>) -> Option<(u8, u8, u64, Option<u8>)> {
    let (kind, tag, raw, signed, scale) = match *value {
        SeriesValue::Counter(v) => (tag::KIND_COUNTER, tag::COUNTER, v, false, None),
        SeriesValue::Gauge(v) => (tag::KIND_GAUGE, tag::GAUGE, v as u64, true, None),
        SeriesValue::ScaledCounter { value, scale } => (
            tag::KIND_COUNTER,
            tag::SCALED_COUNTER,
            value,
            false,
            Some(scale),
        ),
        SeriesValue::ScaledGauge { value, scale } => (
            tag::KIND_GAUGE,
            tag::SCALED_GAUGE,
            value as u64,
            true,
            Some(scale),
        ),
        SeriesValue::Histogram(h) if h.counts.len() == h.bounds.len() + 1 => {
            (tag::KIND_HISTOGRAM, tag::HISTOGRAM, h.sum, false, None)
        }
        _ => return None,
    };
    if scale.is_some_and(|s| s > 19) {
        return None;
    }
    let number = if signed {
        let v = raw as i64;
        ((v << 1) ^ (v >> 63)) as u64
    } else {
        raw
    };
    Some((kind, tag, number, scale))
}

/// An `Exemplar` record (out of line: only OpenMetrics-minded sources
/// have them, never a firmware's registry).
#[inline(never)]
fn exemplar(w: &mut FrameWriter<'_>, e: &Exemplar<'_>) {
    w.byte(tag::EXEMPLAR);
    w.varint(e.labels.len() as u64);
    for l in e.labels {
        w.str(l.name);
        w.str(l.value);
    }
    w.varint(e.value.mantissa);
    w.byte(e.value.scale);
    match e.bucket {
        Some(b) => {
            w.byte(1);
            w.varint(b as u64);
        }
        None => w.byte(0),
    }
}

fn label(w: &mut FrameWriter<'_>, delta: Delta, l: &Label<'_>) {
    match delta {
        Delta::Same => w.byte(tag::LABEL_SAME),
        Delta::SameName => {
            w.byte(tag::LABEL_VALUE);
            w.str(l.value);
        }
        Delta::New => {
            w.byte(tag::LABEL_FULL);
            w.str(l.name);
            w.str(l.value);
        }
    }
}

impl Visitor for Walker<'_, '_> {
    type Error = Failed;

    fn family(&mut self, f: &FamilyDesc<'_>) -> Result<(), Failed> {
        let kind = match f.kind {
            MetricKind::Counter => tag::KIND_COUNTER,
            MetricKind::Gauge => tag::KIND_GAUGE,
            MetricKind::Histogram => tag::KIND_HISTOGRAM,
            // A kind this crate does not know: leave the family out.
            _ => {
                self.kind = None;
                return Ok(());
            }
        };
        self.kind = Some(kind);
        let w = &mut *self.w;
        w.route(true, self.describing);
        w.byte(tag::FAMILY);
        w.str(f.name);
        w.str(f.help);
        w.byte(kind);
        match f.unit {
            Some(u) => {
                w.byte(1);
                w.str(u);
            }
            None => w.byte(0),
        }
        w.status()
    }

    fn series(&mut self, s: &Series<'_>) -> Result<(), Failed> {
        // A series whose value does not fit its family's type is left out,
        // from the fingerprint as from the frame.
        let Some((kind, tag, number, scale)) = parts(&s.value) else {
            return Ok(());
        };
        if self.kind != Some(kind) {
            return Ok(());
        }
        self.w.route(true, self.describing);
        self.series_record(s);
        if !self.describing {
            self.w.route(false, true);
            self.value(s, tag, number, scale);
        }
        self.w.status()
    }
}
