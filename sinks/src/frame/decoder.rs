//! The host side: bytes in any chunks to owned snapshots, counting what
//! went wrong on the way and never trusting a byte.

use super::VERSION;
use super::error::DecodeError;
use super::expand::{Functions, Slot};
use super::wire::{Buckets, Build, FrameKind, Header, Kind, Label, Record};
use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use omnimetrics::visit::MetricKind;
use omnimetrics::{
    ExemplarSnapshot, FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot,
};

/// CRC-32C with a 1 KiB table (the host can afford it; the encoder cannot).
static CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// Descriptions kept, most recent first: enough for a device whose series
/// change back and forth, bounded against a stream of garbage that happens
/// to pass the CRC.
const KEPT_DESCRIPTIONS: usize = 4;

/// How many value frames wait for their description at most. A device
/// re-describes itself every few reports, so a lost description costs that
/// many frames; they are held, not dropped, and read when it comes.
pub const MAX_PENDING: usize = 32;

/// What the value frames waiting for their description may hold in memory
/// together, as [`Cost`] counts it.
const PENDING_BUDGET: usize = 8 << 20;

/// Reads frames (see the [module docs](super)) from a byte stream.
///
/// ```
/// use omnimetrics::metrics::Gauge;
/// use omnimetrics_sinks::frame::{Event, FrameDecoder, FrameEncoder};
///
/// static TEMP: Gauge = Gauge::new("temperature_celsius", "Die temperature.");
/// TEMP.set(-4);
///
/// let mut wire = Vec::new();
/// let mut device = FrameEncoder::new(1);
/// device.write(&omnimetrics::registry(), &mut wire).unwrap();
///
/// let mut host = FrameDecoder::new();
/// let mut snapshots = Vec::new();
/// for chunk in wire.chunks(7) {
///     for event in host.feed(chunk) {
///         if let Event::Snapshot(received) = event {
///             snapshots.push(received.snapshot);
///         }
///     }
/// }
/// assert_eq!(snapshots, [omnimetrics::Snapshot::capture(&omnimetrics::registry())]);
/// assert_eq!(host.stats().bad, 0);
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    /// The current frame's bytes, still COBS-encoded.
    raw: Vec<u8>,
    /// The current frame went over `max_len`: skip to the next `0x00`.
    discarding: bool,
    max_len: usize,
    descriptions: Vec<Description>,
    /// Value frames waiting for their description, oldest first.
    pending: VecDeque<Values>,
    /// Boot id and sequence number of the latest good frame.
    last: Option<(u32, u32)>,
    /// Boot id of the latest snapshot handed out.
    snapshot_boot: Option<u32>,
    stats: Stats,
}

/// What the decoder has seen so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Bytes fed.
    pub bytes: u64,
    /// Frames that passed the CRC and parsed.
    pub frames: u64,
    /// Frames dropped, each reported as an [`Event::Bad`].
    pub bad: u64,
    /// Frames never received intact, by gaps in sequence numbers (a frame
    /// that arrived damaged counts here too).
    pub missed: u64,
    /// Times the boot id changed: the device restarted.
    pub reboots: u64,
    /// Value frames that arrived before the description they need.
    pub undescribed: u64,
}

/// A snapshot read from a value frame.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// The device boot it comes from.
    pub boot_id: u32,
    /// The value frame's sequence number.
    pub seq: u32,
    /// The schema id of the description it was read with.
    pub schema: u32,
    /// The device restarted since the previous snapshot handed out: its
    /// counters started again from zero.
    pub rebooted: bool,
    /// Every family and series.
    pub snapshot: Snapshot,
}

/// What feeding bytes produced, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A value frame, read with its description.
    Snapshot(Received),
    /// A description frame arrived (and is kept for the value frames that
    /// refer to it).
    Described {
        /// Its boot id.
        boot_id: u32,
        /// Its sequence number.
        seq: u32,
        /// Its schema id.
        schema: u32,
    },
    /// A value frame whose description is unknown so far. It is held (up
    /// to [`MAX_PENDING`] of them) and comes out as [`Event::Snapshot`]
    /// when its description arrives; meanwhile the host may ask the device
    /// for one (see [`FrameDecoder::wants_description`]).
    Undescribed {
        /// Its boot id.
        boot_id: u32,
        /// Its sequence number.
        seq: u32,
        /// The schema id it needs.
        schema: u32,
    },
    /// A frame was dropped.
    Bad(DecodeError),
}

#[derive(Debug)]
struct Description {
    schema: u32,
    families: Vec<FamilyShape>,
    /// Where each value of a value frame goes, in order: family and
    /// series.
    order: Vec<(usize, usize)>,
}

#[derive(Debug)]
pub(super) struct FamilyShape {
    pub(super) name: String,
    pub(super) help: String,
    pub(super) kind: MetricKind,
    pub(super) unit: Option<String>,
    pub(super) series: Vec<SeriesShape>,
}

#[derive(Debug)]
pub(super) struct SeriesShape {
    pub(super) labels: Vec<(String, String)>,
    /// Bounds and scale, for histograms.
    pub(super) buckets: Option<(Vec<u64>, u8)>,
    /// A gauge's value given by the description (`build_info`'s 1): no
    /// value record stands for it.
    pub(super) fixed: Option<i64>,
}

/// A value and the exemplar that came with it.
type ValueWithExemplar = (Value, Option<ExemplarSnapshot>);

/// A value frame's contents.
#[derive(Debug)]
struct Values {
    boot_id: u32,
    seq: u32,
    schema: u32,
    values: Vec<(Value, Option<ExemplarSnapshot>)>,
    /// What the values hold in memory, as [`Cost`] counts it.
    cost: usize,
}

#[derive(Debug)]
enum Value {
    Counter(u64),
    Gauge(i64),
    ScaledCounter { value: u64, scale: u8 },
    ScaledGauge { value: i64, scale: u8 },
    Histogram { counts: Vec<u64>, sum: u64 },
}

enum Frame {
    Description(Header, Description),
    Values(Header, Values),
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder that accepts frames of up to 1 MiB.
    pub fn new() -> Self {
        Self::with_max_frame_len(1 << 20)
    }

    /// A decoder that drops frames longer than `max` bytes (as received,
    /// before COBS decoding), so that a line without `0x00` bytes cannot
    /// make it grow without bound.
    pub fn with_max_frame_len(max: usize) -> Self {
        Self {
            raw: Vec::new(),
            discarding: false,
            max_len: max,
            descriptions: Vec::new(),
            pending: VecDeque::new(),
            last: None,
            snapshot_boot: None,
            stats: Stats::default(),
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Whether a value frame is waiting for a description: time to ask the
    /// device for one (`FrameEncoder::request_description` on its side).
    pub fn wants_description(&self) -> bool {
        !self.pending.is_empty()
    }

    /// What the value frames waiting for a description hold (tests).
    #[cfg(test)]
    pub(super) fn held_bytes(&self) -> usize {
        self.pending.iter().map(|p| p.cost).sum()
    }

    /// Takes the next bytes of the stream (any amount, split anywhere) and
    /// returns what the frames they complete produced.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.stats.bytes = self.stats.bytes.saturating_add(bytes.len() as u64);
        let mut events = Vec::new();
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|&b| b == 0) {
            let (part, after) = rest.split_at(end);
            self.take(part);
            self.end_frame(&mut events);
            rest = after.get(1..).unwrap_or(&[]);
        }
        self.take(rest);
        events
    }

    fn take(&mut self, part: &[u8]) {
        if self.discarding {
            return;
        }
        if self.raw.len().saturating_add(part.len()) > self.max_len {
            self.discarding = true;
            self.raw = Vec::new();
        } else {
            self.raw.extend_from_slice(part);
        }
    }

    fn end_frame(&mut self, events: &mut Vec<Event>) {
        if core::mem::take(&mut self.discarding) {
            self.bad(
                events,
                DecodeError::TooLong {
                    limit: self.max_len,
                },
            );
            return;
        }
        if self.raw.is_empty() {
            return;
        }
        let mut raw = core::mem::take(&mut self.raw);
        let frame = parse(&mut raw);
        // Keep the buffer's capacity for the next frame.
        raw.clear();
        self.raw = raw;
        match frame {
            Ok(frame) => self.accept(frame, events),
            Err(e) => self.bad(events, e),
        }
    }

    fn bad(&mut self, events: &mut Vec<Event>, e: DecodeError) {
        self.stats.bad += 1;
        events.push(Event::Bad(e));
    }

    /// Books a good frame's boot id and sequence number.
    fn count(&mut self, h: &Header) {
        self.stats.frames += 1;
        match self.last {
            Some((boot, seq)) if boot == h.boot_id => {
                let ahead = h.seq.wrapping_sub(seq);
                if ahead == 0 || ahead > u32::MAX / 2 {
                    // A repeat, or an older frame arriving late: not a gap,
                    // and not the new latest.
                    return;
                }
                self.stats.missed += u64::from(ahead - 1);
            }
            Some(_) => self.stats.reboots += 1,
            None => {}
        }
        self.last = Some((h.boot_id, h.seq));
    }

    fn accept(&mut self, frame: Frame, events: &mut Vec<Event>) {
        match frame {
            Frame::Description(h, d) => {
                self.count(&h);
                events.push(Event::Described {
                    boot_id: h.boot_id,
                    seq: h.seq,
                    schema: d.schema,
                });
                let schema = d.schema;
                self.descriptions.retain(|k| k.schema != schema);
                self.descriptions.insert(0, d);
                self.descriptions.truncate(KEPT_DESCRIPTIONS);
                // Everything that waited for this description, in order.
                let (ready, waiting): (VecDeque<_>, VecDeque<_>) =
                    self.pending.drain(..).partition(|p| p.schema == schema);
                self.pending = waiting;
                for p in ready {
                    self.read(p, events);
                }
            }
            Frame::Values(h, v) => {
                self.count(&h);
                if self.descriptions.iter().any(|d| d.schema == v.schema) {
                    self.read(v, events);
                } else {
                    self.stats.undescribed += 1;
                    events.push(Event::Undescribed {
                        boot_id: v.boot_id,
                        seq: v.seq,
                        schema: v.schema,
                    });
                    self.hold(v);
                }
            }
        }
    }

    /// Keeps a value frame until its description comes, within
    /// [`MAX_PENDING`] frames and [`PENDING_BUDGET`] bytes: the oldest go
    /// first (they waited longest; their description is the least likely to
    /// come). A frame bigger than the whole budget is not kept.
    fn hold(&mut self, v: Values) {
        if v.cost > PENDING_BUDGET {
            return;
        }
        let mut held: usize = self.pending.iter().map(|p| p.cost).sum();
        while self.pending.len() >= MAX_PENDING || held + v.cost > PENDING_BUDGET {
            let Some(oldest) = self.pending.pop_front() else {
                break;
            };
            held -= oldest.cost;
        }
        self.pending.push_back(v);
    }

    /// Turns a value frame with a known description into a snapshot.
    fn read(&mut self, v: Values, events: &mut Vec<Event>) {
        let Some(d) = self.descriptions.iter().find(|d| d.schema == v.schema) else {
            return;
        };
        match assemble(d, v.values) {
            Some(snapshot) => {
                let rebooted = self.snapshot_boot.is_some_and(|b| b != v.boot_id);
                self.snapshot_boot = Some(v.boot_id);
                events.push(Event::Snapshot(Received {
                    boot_id: v.boot_id,
                    seq: v.seq,
                    schema: v.schema,
                    rebooted,
                    snapshot,
                }));
            }
            None => self.bad(events, DecodeError::SchemaMismatch { schema: v.schema }),
        }
    }
}

/// COBS, CRC, version, then the records.
fn parse(raw: &mut [u8]) -> Result<Frame, DecodeError> {
    let len = cobs::decode_in_place(raw).map_err(|_| DecodeError::Cobs)?;
    let body = raw.get(..len).ok_or(DecodeError::Cobs)?;
    let (body, crc) = body.split_last_chunk::<4>().ok_or(DecodeError::TooShort)?;
    let version = *body.first().ok_or(DecodeError::TooShort)?;
    if CRC.checksum(body) != u32::from_le_bytes(*crc) {
        return Err(DecodeError::Checksum);
    }
    if version != VERSION {
        return Err(DecodeError::Version(version));
    }
    let (header, mut rest) =
        postcard::take_from_bytes::<Header>(body).map_err(|_| DecodeError::Malformed)?;
    let mut cost = Cost::new(body.len());
    let mut records = Vec::new();
    let schema = loop {
        let (record, after) =
            postcard::take_from_bytes::<Record<'_>>(rest).map_err(|_| DecodeError::Malformed)?;
        rest = after;
        match record {
            Record::End { schema } => break schema,
            r => {
                cost.add(size_of::<Record<'_>>())?;
                records.push(r);
            }
        }
    };
    if !rest.is_empty() {
        return Err(DecodeError::Malformed);
    }
    match header.kind {
        FrameKind::Description => {
            let (families, order) = describe(records, &mut cost)?;
            Ok(Frame::Description(
                header,
                Description {
                    schema,
                    families,
                    order,
                },
            ))
        }
        FrameKind::Values => {
            // The records' own cost is spent by the time the values exist;
            // what is held (if the frame waits) is the values'.
            let mut held = Cost::new(body.len());
            let values = values(records, &mut held)?;
            let v = Values {
                boot_id: header.boot_id,
                seq: header.seq,
                schema,
                values,
                cost: held.spent,
            };
            Ok(Frame::Values(header, v))
        }
    }
}

/// How many times its own size a frame may expand to in memory, with
/// `Same` labels and bounds copied into every series that refers to them
/// and every record and value a struct of its own: far more than real
/// frames need, and a bound on what a hostile frame can make the host
/// allocate.
const EXPANSION: usize = 64;
/// The same for a description frame with compact function records, whose
/// few bytes per caller (a `Caller` record is 3) stand for two series of
/// eight labels each, built on the host.
const COMPACT_EXPANSION: usize = 1024;
/// The expansion every frame is allowed, however short.
const MIN_BUDGET: usize = 64 * 1024;
/// The most any frame may expand to, however long.
const MAX_BUDGET: usize = 64 << 20;

/// The memory one frame's decoding may take, and what it took so far:
/// bytes of strings and numbers plus the size of every struct holding them.
pub(super) struct Cost {
    body_len: usize,
    budget: usize,
    spent: usize,
}

impl Cost {
    fn new(body_len: usize) -> Self {
        Self {
            body_len,
            budget: Self::budget(body_len, EXPANSION),
            spent: 0,
        }
    }

    fn budget(body_len: usize, expansion: usize) -> usize {
        body_len
            .saturating_mul(expansion)
            .clamp(MIN_BUDGET, MAX_BUDGET)
    }

    /// Allows the expansion of compact function records.
    pub(super) fn allow_compact(&mut self) {
        self.budget = Self::budget(self.body_len, COMPACT_EXPANSION);
    }

    /// Books `bytes`; `TooLarge` once over the budget.
    pub(super) fn add(&mut self, bytes: usize) -> Result<(), DecodeError> {
        self.spent = self.spent.saturating_add(bytes);
        if self.spent > self.budget {
            Err(DecodeError::TooLarge)
        } else {
            Ok(())
        }
    }
}

/// What a label pair of these lengths holds.
pub(super) fn label_cost(name: usize, value: usize) -> usize {
    size_of::<(String, String)>() + name + value
}

/// A description frame's records as families, and where each value of a
/// value frame goes in them.
#[allow(clippy::type_complexity)]
fn describe(
    records: Vec<Record<'_>>,
    cost: &mut Cost,
) -> Result<(Vec<FamilyShape>, Vec<(usize, usize)>), DecodeError> {
    let malformed = DecodeError::Malformed;
    let mut families: Vec<FamilyShape> = Vec::new();
    let mut functions = Functions::default();
    let mut slots = Vec::new();
    let mut previous: Vec<(String, String)> = Vec::new();
    let mut previous_buckets: Option<(Vec<u64>, u8)> = None;
    // `Buckets::Same` refers to the last histogram `Series` or `Function`
    // record of the frame.
    let mut bounds = |buckets: Buckets, cost: &mut Cost| -> Result<_, DecodeError> {
        let buckets = match buckets {
            Buckets::None => None,
            Buckets::Same => {
                let same = previous_buckets.clone().ok_or(malformed)?;
                cost.add(same.0.len().saturating_mul(size_of::<u64>()))?;
                Some(same)
            }
            Buckets::New { scale, bounds } => Some((bounds, scale)),
        };
        if buckets.is_some() {
            previous_buckets.clone_from(&buckets);
        }
        Ok(buckets)
    };
    for record in records {
        match record {
            Record::Family {
                name,
                help,
                kind,
                unit,
            } => {
                functions.close(&mut slots);
                cost.add(
                    size_of::<FamilyShape>() + name.len() + help.len() + unit.map_or(0, str::len),
                )?;
                families.push(FamilyShape {
                    name: name.to_string(),
                    help: help.to_string(),
                    kind: match kind {
                        Kind::Counter => MetricKind::Counter,
                        Kind::Gauge => MetricKind::Gauge,
                        Kind::Histogram => MetricKind::Histogram,
                    },
                    unit: unit.map(ToString::to_string),
                    series: Vec::new(),
                });
            }
            Record::Series { labels, buckets } => {
                functions.close(&mut slots);
                let f = families.len().checked_sub(1).ok_or(malformed)?;
                let family = &mut families[f];
                // What the series will hold once expanded, checked before
                // anything is copied.
                cost.add(size_of::<SeriesShape>())?;
                for (i, label) in labels.iter().enumerate() {
                    let previous = previous.get(i);
                    cost.add(match label {
                        Label::Same => previous.map_or(0, |(n, v)| label_cost(n.len(), v.len())),
                        Label::Value(v) => {
                            label_cost(previous.map_or(0, |(n, _)| n.len()), v.len())
                        }
                        Label::Full(n, v) => label_cost(n.len(), v.len()),
                    })?;
                }
                let mut full = Vec::with_capacity(labels.len());
                for (i, label) in labels.into_iter().enumerate() {
                    full.push(match label {
                        Label::Same => previous.get(i).ok_or(malformed)?.clone(),
                        Label::Value(v) => {
                            (previous.get(i).ok_or(malformed)?.0.clone(), v.to_string())
                        }
                        Label::Full(n, v) => (n.to_string(), v.to_string()),
                    });
                }
                let buckets = bounds(buckets, cost)?;
                if buckets.is_some() != (family.kind == MetricKind::Histogram) {
                    return Err(malformed);
                }
                previous.clone_from(&full);
                slots.push(Slot::Generic(f, family.series.len()));
                family.series.push(SeriesShape {
                    labels: full,
                    buckets,
                    fixed: None,
                });
            }
            Record::Function {
                strings,
                concurrency,
                buckets,
                build,
            } => {
                let buckets = bounds(buckets, cost)?;
                let build = match build {
                    Build::Same => None,
                    Build::New(values) => Some(*values),
                };
                functions.function(*strings, concurrency, buckets, build, &mut slots, cost)?;
            }
            Record::Caller(caller) => functions.row(caller, None, &mut slots, cost)?,
            Record::Labelled {
                caller,
                error,
                label,
            } => functions.row(caller, Some((error, label)), &mut slots, cost)?,
            _ => return Err(malformed),
        }
    }
    functions.close(&mut slots);
    // SPEC's families from the function records come first, as the live
    // registry shows them; a family of the same name besides them would
    // make two.
    let (mut all, placement) = functions.expand(cost)?;
    if families
        .iter()
        .any(|f| all.iter().any(|g| g.name == f.name))
    {
        return Err(malformed);
    }
    let offset = all.len();
    all.extend(families);
    let order = slots
        .into_iter()
        .map(|s| match s {
            Slot::Generic(f, i) => Some((offset + f, i)),
            s => placement.place(s),
        })
        .collect::<Option<_>>()
        .ok_or(malformed)?;
    Ok((all, order))
}

/// A value frame's records as values with their exemplars, booking what
/// they hold in `cost`; `Malformed` if they break the format's rules.
fn values(
    records: Vec<Record<'_>>,
    cost: &mut Cost,
) -> Result<Vec<(Value, Option<ExemplarSnapshot>)>, DecodeError> {
    let malformed = DecodeError::Malformed;
    let mut out: Vec<(Value, Option<ExemplarSnapshot>)> = Vec::new();
    for record in records {
        let value = match record {
            Record::Counter(v) => Value::Counter(v),
            Record::Gauge(v) => Value::Gauge(v),
            // Scales above 19 are not decimals the core represents.
            Record::ScaledCounter { value, scale } if scale <= 19 => {
                Value::ScaledCounter { value, scale }
            }
            Record::ScaledGauge { value, scale } if scale <= 19 => {
                Value::ScaledGauge { value, scale }
            }
            Record::Histogram { counts, sum } => {
                cost.add(counts.len().saturating_mul(size_of::<u64>()))?;
                Value::Histogram { counts, sum }
            }
            Record::Exemplar {
                labels,
                mantissa,
                scale,
                bucket,
            } => {
                for (n, v) in &labels {
                    cost.add(label_cost(n.len(), v.len()))?;
                }
                let slot = &mut out.last_mut().ok_or(malformed)?.1;
                // One exemplar per value; scales above 19 are not decimals
                // the core can represent (its `Decimal` clamps them).
                if slot.is_some() || scale > 19 {
                    return Err(malformed);
                }
                *slot = Some(ExemplarSnapshot {
                    labels: labels
                        .into_iter()
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect(),
                    value: (mantissa, scale),
                    bucket: match bucket {
                        Some(b) => Some(usize::try_from(b).map_err(|_| malformed)?),
                        None => None,
                    },
                });
                continue;
            }
            _ => return Err(malformed),
        };
        cost.add(size_of::<(Value, Option<ExemplarSnapshot>)>())?;
        out.push((value, None));
    }
    Ok(out)
}

/// A description and a value frame's values as a snapshot; `None` if they
/// do not fit each other.
fn assemble(d: &Description, values: Vec<(Value, Option<ExemplarSnapshot>)>) -> Option<Snapshot> {
    if d.order.len() != values.len() {
        return None;
    }
    let mut placed: Vec<Vec<Option<ValueWithExemplar>>> = d
        .families
        .iter()
        .map(|f| {
            f.series
                .iter()
                .map(|s| s.fixed.map(|v| (Value::Gauge(v), None)))
                .collect()
        })
        .collect();
    for (&(f, s), value) in d.order.iter().zip(values) {
        let slot = placed.get_mut(f)?.get_mut(s)?;
        if slot.replace(value).is_some() {
            return None;
        }
    }
    let mut families = Vec::with_capacity(d.families.len());
    for (f, values) in d.families.iter().zip(placed) {
        let mut series = Vec::with_capacity(f.series.len());
        for (s, value) in f.series.iter().zip(values) {
            let (value, exemplar) = value?;
            let value = match (value, &s.buckets) {
                (Value::Counter(v), None) if f.kind == MetricKind::Counter => {
                    ValueSnapshot::Counter(v)
                }
                (Value::Gauge(v), None) if f.kind == MetricKind::Gauge => ValueSnapshot::Gauge(v),
                (Value::ScaledCounter { value, scale }, None) if f.kind == MetricKind::Counter => {
                    ValueSnapshot::ScaledCounter { value, scale }
                }
                (Value::ScaledGauge { value, scale }, None) if f.kind == MetricKind::Gauge => {
                    ValueSnapshot::ScaledGauge { value, scale }
                }
                (Value::Histogram { counts, sum }, Some((bounds, scale)))
                    if counts.len() == bounds.len() + 1 =>
                {
                    ValueSnapshot::Histogram(HistogramSnapshot {
                        bounds: bounds.clone(),
                        scale: *scale,
                        counts,
                        sum,
                    })
                }
                _ => return None,
            };
            series.push(SeriesSnapshot {
                labels: s.labels.clone(),
                value,
                exemplar,
            });
        }
        families.push(FamilySnapshot {
            name: f.name.clone(),
            help: f.help.clone(),
            kind: f.kind,
            unit: f.unit.clone(),
            series,
        });
    }
    Some(Snapshot { families })
}
