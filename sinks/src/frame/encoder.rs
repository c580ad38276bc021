//! The frame encoder: walks a source and streams description and value
//! frames, deciding when a description is due.

use super::recall::Recall;
use super::tag;
use super::writer::FrameWriter;
use super::{EncodeError, VERSION};
use crate::out::{ByteOut, Failed, IoOut, SliceOut};
use omnimetrics::visit::{Exemplar, FamilyDesc, MetricKind, Series, SeriesValue, Source, Visitor};

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
/// The encoder's state is 24 bytes. Frames are streamed, never built in
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
    /// The schema of the last description frame written; meaningless
    /// until one was, which `requested` (set from the start) sees to.
    described: u32,
    /// Value frames between periodic descriptions, less one: a description
    /// is due once `since` exceeds it. `u32::MAX` (from 0) for none, which
    /// `since` never exceeds.
    every_less_one: u32,
    /// Value frames since the last description.
    since: u32,
    /// A description is due with the next snapshot: asked for, or none
    /// was written yet.
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
            described: 0,
            every_less_one: u32::MAX,
            since: 0,
            // The first snapshot starts with a description. (One flag for
            // "never described" and "asked for" keeps the decision, inlined
            // into every caller of `write`, to two tests.)
            requested: true,
        }
    }

    /// Also sends a description frame before every `values`-th value frame
    /// (0, the default: only when needed), so that a host that attaches
    /// late, or lost a description, learns the series without asking.
    pub const fn describe_every(mut self, values: u32) -> Self {
        self.every_less_one = values.wrapping_sub(1);
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
        let r = self.snapshot(walk_of(source), &mut io);
        io.result(r)
    }

    /// Writes one snapshot of the live registry's instrumented functions
    /// and its `build_info`, as [`write`](Self::write) does with
    /// [`omnimetrics::registry()`], in compact `Function` records (see the
    /// [module docs](super)): each function's names once, then its
    /// numbers, and the host decoder builds SPEC's series from them.
    ///
    /// For firmware, where it matters: it links less code than `write`
    /// (no label sets, nothing to shorten), on the example micro:bit
    /// firmware (16 functions) its description frame is a third of the
    /// size (1.1 KB), and sending a report takes half the stack. What it leaves out: user metrics
    /// (`omnimetrics::metrics`) and exemplars, which `write` sends.
    ///
    /// ```standalone_crate
    /// use omnimetrics_sinks::frame::FrameEncoder;
    ///
    /// #[omnimetrics::autometrics]
    /// fn compact_doc() -> Result<(), ()> { Err(()) }
    /// let _ = compact_doc();
    ///
    /// let mut frames = FrameEncoder::new(1);
    /// let mut buf = [0u8; 2048];
    /// let mut uart: &mut [u8] = &mut buf;
    /// frames.write_functions(&mut uart).unwrap();
    /// let first = 2048 - uart.len();
    /// // A description frame, then a value frame, each ended by 0x00.
    /// assert_eq!(buf[..first].iter().filter(|&&b| b == 0).count(), 2);
    ///
    /// // Then only values: the function's counts and histogram.
    /// let mut uart: &mut [u8] = &mut buf;
    /// frames.write_functions(&mut uart).unwrap();
    /// let next = 2048 - uart.len();
    /// assert_eq!(buf[..next].iter().filter(|&&b| b == 0).count(), 1);
    /// assert!(next < first / 2);
    /// ```
    pub fn write_functions<W: embedded_io::Write + ?Sized>(
        &mut self,
        out: &mut W,
    ) -> Result<(), W::Error> {
        let mut io = IoOut::new(out);
        let r = self.snapshot(super::functions::walk, &mut io);
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
        match self.snapshot(walk_of(source), &mut out) {
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
        let r = self.frame(&walk_of(source), true, &mut io);
        io.result(r.map(drop))
    }

    /// Writes a value frame only, with no description even if one is due;
    /// returns its schema id (what its description frame carries).
    pub fn write_values<S: Source + ?Sized, W: embedded_io::Write + ?Sized>(
        &mut self,
        source: &S,
        out: &mut W,
    ) -> Result<u32, W::Error> {
        let mut io = IoOut::new(out);
        let r = self.frame(&walk_of(source), false, &mut io);
        io.result(r)
    }

    /// Writes one snapshot: a description frame when one is due, a
    /// value frame, and a description frame after it if the series
    /// changed. `walk` writes a frame's records (see [`walk`]).
    fn snapshot(
        &mut self,
        walk: impl Fn(&mut FrameWriter<'_>, bool) -> u32,
        out: &mut dyn ByteOut,
    ) -> Result<(), Failed> {
        if self.requested || self.since > self.every_less_one {
            self.frame(&walk, true, out)?;
        }
        let schema = self.frame(&walk, false, out)?;
        self.since = self.since.saturating_add(1);
        if self.described != schema {
            // The series changed since the last description (or between
            // the two walks): the host holds this value frame until the
            // description that follows lets it read it.
            self.frame(&walk, true, out)?;
        }
        Ok(())
    }

    /// Writes one frame and, for a description frame, notes it as the
    /// last one sent; returns its schema id. (Not inlined: it is called
    /// from five places, and one copy is what a firmware wants.)
    #[inline(never)]
    fn frame(
        &mut self,
        walk: &impl Fn(&mut FrameWriter<'_>, bool) -> u32,
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
        let schema = walk(&mut w, describe);
        w.route(false, true);
        w.byte(tag::END);
        w.varint(u64::from(schema));
        w.finish()?;
        self.seq = self.seq.wrapping_add(1);
        if describe {
            self.described = schema;
            self.since = 0;
            self.requested = false;
        }
        Ok(schema)
    }
}

/// The walk of `source` as the encoder's frames take it: one closure type
/// per source type, so that every way of writing shares one copy of
/// `FrameEncoder::frame`.
fn walk_of<S: Source + ?Sized>(source: &S) -> impl Fn(&mut FrameWriter<'_>, bool) -> u32 + '_ {
    move |w, describing| walk(source, w, describing)
}

fn walk<S: Source + ?Sized>(source: &S, w: &mut FrameWriter<'_>, describing: bool) -> u32 {
    // A compile-time choice from what the source declares it hands out
    // (`Source::EXEMPLARS`, `SCALED_VALUES`): a firmware's or a wasm
    // module's live registry has neither, and links no code for them.
    match (S::EXEMPLARS, S::SCALED_VALUES) {
        (false, false) => walk_with::<S, false, false>(source, w, describing),
        (false, true) => walk_with::<S, false, true>(source, w, describing),
        (true, false) => walk_with::<S, true, false>(source, w, describing),
        (true, true) => walk_with::<S, true, true>(source, w, describing),
    }
}

/// [`walk`] with one [`Walker`] (see there for the flags).
fn walk_with<S: Source + ?Sized, const EXEMPLARS: bool, const SCALED: bool>(
    source: &S,
    w: &mut FrameWriter<'_>,
    describing: bool,
) -> u32 {
    let mut walker = Walker::<EXEMPLARS, SCALED> {
        w,
        recall: Recall::new(),
        describing,
        accept: 0,
    };
    // Through `dyn Visitor`, as the text encoder does: one copy of the
    // source's walk serves both.
    // Its only error is the writer's, which the writer remembers: the
    // frame's `finish` reports it.
    let _ = source.visit(&mut walker as &mut dyn Visitor<Error = Failed>);
    walker.w.hash()
}

/// Writes the records of one frame. The description records (families and
/// series) always go to the schema fingerprint, exactly as a description
/// frame holds them (shortened against [`Recall`]); in a description frame
/// they also go out, in a value frame the value records go out instead.
///
/// Compiled with only the code its sources need: `EXEMPLARS`, exemplars
/// are written (else left out); `SCALED`, scaled values are written (else
/// their series are left out, from the fingerprint as from the frame).
struct Walker<'a, 'o, const EXEMPLARS: bool, const SCALED: bool> {
    w: &'a mut FrameWriter<'o>,
    /// The previous series, for shortening.
    recall: Recall,
    /// Writing a description frame.
    describing: bool,
    /// The value records the current family's series may have, as a set of
    /// record tags (bit `t` for tag `t`); empty while a family is left out.
    accept: u16,
}

impl<const EXEMPLARS: bool, const SCALED: bool> Visitor for Walker<'_, '_, EXEMPLARS, SCALED> {
    type Error = Failed;

    fn family(&mut self, f: &FamilyDesc<'_>) -> Result<(), Failed> {
        let kind = match f.kind {
            MetricKind::Counter => tag::KIND_COUNTER,
            MetricKind::Gauge => tag::KIND_GAUGE,
            MetricKind::Histogram => tag::KIND_HISTOGRAM,
            // A kind this crate does not know: leave the family out.
            _ => {
                self.accept = 0;
                return Ok(());
            }
        };
        // The record tags follow the kinds' order (`Counter`, `Gauge`,
        // `Histogram`, then `ScaledCounter`, `ScaledGauge`): a kind's
        // records are the counter's shifted by the kind. (For histograms
        // that also lets in tag 9, which no series has.)
        const _: () = assert!(
            tag::GAUGE == tag::COUNTER + tag::KIND_GAUGE
                && tag::HISTOGRAM == tag::COUNTER + tag::KIND_HISTOGRAM
                && tag::SCALED_GAUGE == tag::SCALED_COUNTER + tag::KIND_GAUGE
        );
        self.accept = ((1 << tag::COUNTER) | (1 << tag::SCALED_COUNTER)) << kind;
        let w = &mut *self.w;
        w.route(true, self.describing);
        w.byte(tag::FAMILY);
        w.str(f.name);
        w.str(f.help);
        w.byte(kind);
        w.byte(u8::from(f.unit.is_some()));
        if let Some(u) = f.unit {
            w.str(u);
        }
        w.status()
    }

    // One function for the `Series` record and the value records: split,
    // the parts were inlined back into each other, with the series'
    // fields passed from one to the next.
    fn series(&mut self, s: &Series<'_>) -> Result<(), Failed> {
        // The value record's tag, its number (the sum for histograms; the
        // bits of an `i64` for gauges), its scale (0 where it has none)
        // and the histogram.
        let mut scale = 0;
        let mut histogram = None;
        let (tag, raw) = match s.value {
            SeriesValue::Counter(v) => (tag::COUNTER, v),
            SeriesValue::Gauge(v) => (tag::GAUGE, v as u64),
            SeriesValue::ScaledCounter { value, scale: sc } if SCALED => {
                scale = sc;
                (tag::SCALED_COUNTER, value)
            }
            SeriesValue::ScaledGauge { value, scale: sc } if SCALED => {
                scale = sc;
                (tag::SCALED_GAUGE, value as u64)
            }
            SeriesValue::Histogram(ref h) if h.counts.len() == h.bounds.len() + 1 => {
                histogram = Some(h);
                (tag::HISTOGRAM, h.sum)
            }
            _ => return Ok(()),
        };
        // A gauge's `i64` is zigzag-encoded, as postcard writes it.
        let number = if tag == tag::GAUGE || tag == tag::SCALED_GAUGE {
            let v = raw as i64;
            ((v << 1) ^ (v >> 63)) as u64
        } else {
            raw
        };
        // A series this crate does not know, one the format cannot carry
        // (a histogram whose counts are not one per bound plus `+Inf`, a
        // scale above 19: a decoder would reject the whole frame for it),
        // or one whose value does not fit its family's kind is left out,
        // from the fingerprint as from the frame.
        if scale > 19 || self.accept & (1 << tag) == 0 {
            return Ok(());
        }
        let (w, recall) = (&mut *self.w, &mut self.recall);

        // The `Series` record: what repeats the previous series is written
        // as "same", and the series is remembered for the next.
        w.route(true, self.describing);
        w.byte(tag::SERIES);
        w.varint(s.labels.len() as u64);
        for (i, l) in s.labels.iter().enumerate() {
            let tag = recall.compare(i, l);
            w.byte(tag);
            if tag == tag::LABEL_FULL {
                w.str(l.name);
            }
            if tag != tag::LABEL_SAME {
                w.str(l.value);
            }
        }
        recall.set_labels(s.labels);
        let buckets = match histogram {
            None => tag::BUCKETS_NONE,
            Some(h) => recall.bounds(h.bounds, h.scale),
        };
        w.byte(buckets);
        if let (tag::BUCKETS_NEW, Some(h)) = (buckets, histogram) {
            w.byte(h.scale);
            w.u64s(h.bounds);
        }

        // The value records.
        if !self.describing {
            w.route(false, true);
            w.byte(tag);
            if let Some(h) = histogram {
                w.u64s(h.counts);
            }
            w.varint(number);
            if tag >= tag::SCALED_COUNTER {
                w.byte(scale);
            }
            if let Some(e) = s.exemplar.as_ref().filter(|_| EXEMPLARS) {
                exemplar(w, e);
            }
        }
        w.status()
    }
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
    w.byte(u8::from(e.bucket.is_some()));
    if let Some(b) = e.bucket {
        w.varint(b as u64);
    }
}
