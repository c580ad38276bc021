//! The visitor that writes exposition lines, for both text formats.
//!
//! The two formats differ in few places (the counter family's name in
//! `HELP`/`TYPE`, `UNIT`, the order of `_count` and `_sum`, exemplars,
//! `# EOF`, and `"` in help text), so one visitor writes both with a flag
//! rather than two copies of the line-writing code in flash.

use super::Format;
#[cfg(target_pointer_width = "64")]
use super::buf::TEXT_BUF;
use super::buf::{Line, TextBuf};
use super::escape::{Escape, NameKind, escaped, is_valid_name, name, sanitized};
use crate::copy::copy;
use crate::out::{Failed, TextOut};
use omnimetrics::visit::{
    Exemplar, FamilyDesc, HistogramSample, Label, MetricKind, Series, SeriesValue, Visitor,
};
use omnimetrics::{Decimal, DecimalBuf};

/// The longest family name (after sanitising) the text encoders write. A
/// family with a longer name is left out, header and samples, so that the
/// output stays valid (see the [module docs](super)).
pub const MAX_FAMILY_NAME: usize = 200;

/// OpenMetrics' limit on an exemplar's label names and values together, in
/// characters; a longer exemplar is left out.
pub const MAX_EXEMPLAR_CHARS: usize = 128;

/// The current family's sanitised name, copied because the visit API hands
/// it over only once per family while every sample line repeats it; for a
/// counter followed by `_total`, what its sample lines start with.
struct NameBuf {
    bytes: [u8; MAX_FAMILY_NAME + TOTAL.len()],
    /// The family name: `bytes[..len]`.
    len: usize,
    /// What sample lines start with (before any suffix): `bytes[..sample]`.
    sample: usize,
}

const TOTAL: &str = "_total";

impl NameBuf {
    /// Stores `name`, sanitised when `CHECK` (see [`name`]), then `_total`
    /// when `total`; `false` if the name does not fit.
    fn set<const CHECK: bool>(&mut self, family: &str, total: bool) -> bool {
        self.len = 0;
        self.sample = 0;
        let bytes = &mut self.bytes;
        let len = &mut self.len;
        let mut append = |s: &str| {
            let end = *len + s.len();
            let slot = bytes
                .get_mut(*len..end)
                .filter(|_| end <= MAX_FAMILY_NAME)
                .ok_or(Failed)?;
            copy(slot, s.as_bytes());
            *len = end;
            Ok(())
        };
        let fits = if CHECK {
            sanitized(family, NameKind::Metric, &mut append)
        } else {
            append(family)
        }
        .is_ok();
        self.sample = self.len;
        if fits && total {
            let end = self.len + TOTAL.len();
            if let Some(slot) = self.bytes.get_mut(self.len..end) {
                copy(slot, TOTAL.as_bytes());
                self.sample = end;
            }
        }
        fits
    }

    /// The family name as written: ASCII only (sanitised names are).
    fn name(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// What the family's sample lines start with: the name, and `_total`
    /// for a counter (ASCII).
    fn sample(&self) -> &[u8] {
        self.bytes.get(..self.sample).unwrap_or(&[])
    }
}

/// A sample's value, written straight into the output buffer.
#[derive(Clone, Copy)]
enum Value<'a> {
    Unsigned(u64),
    Signed(i64),
    /// A rendered decimal, after a `-` when `negative`.
    Text {
        negative: bool,
        digits: &'a str,
    },
}

/// A sample's labels: as the source gives them, or already written out
/// (`{a="x",b="y"`, the block every line of a histogram series shares).
#[derive(Clone, Copy)]
enum Labels<'a> {
    Given(&'a [Label<'a>]),
    #[cfg(target_pointer_width = "64")]
    Written(&'a [u8]),
}

/// The visitor, compiled with only the code its sources need (see
/// `Source::VALID_NAMES`, `EXEMPLARS` and `SCALED_VALUES`): `CHECK`, names
/// are checked and sanitised (see [`name`]); `EXEMPLARS`, exemplars are
/// written (else left out); `SCALED`, scaled values are written (else
/// their series are left out).
pub(crate) struct TextVisitor<'o, const CHECK: bool, const EXEMPLARS: bool, const SCALED: bool> {
    lines: Lines<'o, CHECK, EXEMPLARS>,
    /// The current family's kind; `None` while a family is being skipped.
    kind: Option<MetricKind>,
    /// The `le` texts of the last histogram's bounds.
    #[cfg(target_pointer_width = "64")]
    les: LeCache,
}

/// What writes the lines: the buffer, the format and the current family's
/// name. (`CHECK` and `EXEMPLARS` as for [`TextVisitor`].)
struct Lines<'o, const CHECK: bool, const EXEMPLARS: bool> {
    out: TextBuf<'o>,
    om: bool,
    name: NameBuf,
}

impl<'o, const CHECK: bool, const EXEMPLARS: bool, const SCALED: bool>
    TextVisitor<'o, CHECK, EXEMPLARS, SCALED>
{
    pub(crate) fn new(out: &'o mut dyn TextOut, format: Format) -> Self {
        Self {
            lines: Lines {
                out: TextBuf::new(out),
                om: format == Format::OpenMetrics,
                name: NameBuf {
                    bytes: [0; MAX_FAMILY_NAME + TOTAL.len()],
                    len: 0,
                    sample: 0,
                },
            },
            kind: None,
            #[cfg(target_pointer_width = "64")]
            les: LeCache::new(),
        }
    }

    /// Ends the exposition (`# EOF` for OpenMetrics) and writes out what is
    /// still buffered.
    pub(crate) fn finish(mut self) -> Result<(), Failed> {
        if self.lines.om {
            self.lines.out.put("# EOF\n")?;
        }
        self.lines.out.flush()
    }

    fn histogram(
        &mut self,
        labels: &[Label<'_>],
        h: &HistogramSample<'_>,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), Failed> {
        // On 64-bit targets the labels are written once for the series'
        // lines, and the `le` texts once for as long as the bounds stay
        // the same (they are the same for every series of a family, and
        // often for every histogram).
        #[cfg(target_pointer_width = "64")]
        let mut block = [0; TEXT_BUF];
        #[cfg(target_pointer_width = "64")]
        let labels =
            label_block::<CHECK>(&mut block, labels).map_or(Labels::Given(labels), Labels::Written);
        #[cfg(not(target_pointer_width = "64"))]
        let labels = Labels::Given(labels);
        #[cfg(target_pointer_width = "64")]
        let les = self.les.prepare(h.bounds, h.scale);
        // Written from the bounds, not from `counts`, so that a sample whose
        // counts do not match its bounds still gives every bucket, a +Inf
        // bucket and a `_count` equal to it (extra counts land in +Inf).
        let mut le_buf = DecimalBuf::new();
        let mut cumulative = 0u64;
        let at = |i: usize| exemplar.filter(|e| e.bucket == Some(i));
        for (i, &bound) in h.bounds.iter().enumerate() {
            cumulative = cumulative.wrapping_add(h.counts.get(i).copied().unwrap_or(0));
            #[cfg(target_pointer_width = "64")]
            let cached = les.and_then(|les| les.get(i));
            #[cfg(not(target_pointer_width = "64"))]
            let cached = None;
            let le = match cached {
                Some(le) => le,
                None => Decimal::new(bound, h.scale).render(&mut le_buf).as_bytes(),
            };
            let v = Value::Unsigned(cumulative);
            self.lines.sample("_bucket", labels, Some(le), v, at(i))?;
        }
        for &c in h.counts.iter().skip(h.bounds.len()) {
            cumulative = cumulative.wrapping_add(c);
        }
        let v = Value::Unsigned(cumulative);
        let inf = Some(&b"+Inf"[..]);
        self.lines
            .sample("_bucket", labels, inf, v, at(h.bounds.len()))?;
        let mut sum = DecimalBuf::new();
        let sum = Value::Text {
            negative: false,
            digits: Decimal::new(h.sum, h.scale).render(&mut sum),
        };
        let lines = &mut self.lines;
        if lines.om {
            lines.sample("_count", labels, None, v, None)?;
            lines.sample("_sum", labels, None, sum, None)
        } else {
            lines.sample("_sum", labels, None, sum, None)?;
            lines.sample("_count", labels, None, v, None)
        }
    }
}

impl<const CHECK: bool, const EXEMPLARS: bool> Lines<'_, CHECK, EXEMPLARS> {
    /// `# KEYWORD name[_total] text\n`, `text` escaped as `escape` says
    /// (`None`: text of this crate's, written as it is). One routine for
    /// every header line (the help's too), called with different words.
    fn meta(
        &mut self,
        keyword: &str,
        total: bool,
        text: &str,
        escape: Option<Escape>,
    ) -> Result<(), Failed> {
        let name = if total {
            self.name.sample()
        } else {
            self.name.name()
        };
        let mut l = self.out.line();
        l.put(keyword)?;
        l.bytes(name)?;
        l.byte(b' ')?;
        match escape {
            Some(mode) => escaped::<false>(&mut l, text, mode)?,
            None => l.put(text)?,
        }
        l.byte(b'\n')
    }

    /// One sample line: `name[_total]<suffix>{labels} value[ # exemplar]`
    /// (`le`, ASCII, as the last label).
    ///
    /// The whole line through one [`Line`](super::buf::Line) cursor, all
    /// inline but for what is rare (escaping, sanitising, exemplars, a full
    /// buffer). Inlined into each caller on 64-bit targets, where each copy
    /// then knows its suffix, value type and whether there is an `le`;
    /// one shared copy elsewhere (flash).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn sample(
        &mut self,
        suffix: &str,
        labels: Labels<'_>,
        le: Option<&[u8]>,
        value: Value<'_>,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), Failed> {
        let mut l = self.out.line();
        l.bytes(self.name.sample())?;
        if !suffix.is_empty() {
            l.put(suffix)?;
        }
        // `{a="x",b="y"[,le="…"]}`, nothing when there are no labels at all.
        let open = match labels {
            Labels::Given(labels) => given_labels::<CHECK>(&mut l, labels)?,
            #[cfg(target_pointer_width = "64")]
            Labels::Written(block) => {
                l.bytes(block)?;
                !block.is_empty()
            }
        };
        if let Some(le) = le {
            l.byte(if open { b',' } else { b'{' })?;
            l.bytes(b"le=\"")?;
            l.bytes(le)?;
            l.bytes(b"\"} ")?;
        } else if open {
            l.bytes(b"} ")?;
        } else {
            l.byte(b' ')?;
        }
        match value {
            Value::Unsigned(v) => l.u64(v)?,
            Value::Signed(v) => l.i64(v)?,
            Value::Text { negative, digits } => {
                if negative {
                    l.byte(b'-')?;
                }
                l.put(digits)?;
            }
        }
        if let Some(e) = exemplar.filter(|_| EXEMPLARS && self.om) {
            #[cfg(target_pointer_width = "64")]
            {
                let (buf, out, len) = l.parts();
                let len = exemplar_out_of_line::<CHECK>(buf, out, len, e)?;
                l.resume(len);
            }
            #[cfg(not(target_pointer_width = "64"))]
            write_exemplar::<CHECK>(&mut l, e)?;
        }
        l.byte(b'\n')
    }
}

/// `{a="x",b="y"` (no closing brace); whether anything was written.
///
/// On 64-bit targets, labels whose names and values are all under 8 bytes
/// (checked byte by byte) are written inline; any longer one sends the
/// whole set out of line, where the checks go 8 bytes at a time with their
/// constants in registers, which inline they would take from the line.
#[cfg_attr(target_pointer_width = "64", inline(always))]
fn given_labels<const CHECK: bool>(l: &mut Line<'_>, labels: &[Label<'_>]) -> Result<bool, Failed> {
    #[cfg(target_pointer_width = "64")]
    if labels
        .iter()
        .any(|x| x.name.len() >= 8 || x.value.len() >= 8)
    {
        let (buf, out, len) = l.parts();
        let (len, open) = long_labels::<CHECK>(buf, out, len, labels)?;
        l.resume(len);
        return Ok(open);
    }
    write_labels::<false, CHECK>(l, labels)
}

/// [`given_labels`] out of line; returns the new position too.
#[cfg(target_pointer_width = "64")]
#[inline(never)]
fn long_labels<const CHECK: bool>(
    buf: &mut [u8; TEXT_BUF],
    out: &mut dyn TextOut,
    len: usize,
    labels: &[Label<'_>],
) -> Result<(usize, bool), Failed> {
    let mut end = 0;
    let mut l = Line::at(buf, out, len, &mut end);
    let open = write_labels::<true, CHECK>(&mut l, labels)?;
    Ok((l.position(), open))
}

/// `{a="x",b="y"` (no closing brace); whether anything was written.
/// (`WIDE`: see [`escaped`]; `CHECK`: see [`name`].)
#[cfg_attr(target_pointer_width = "64", inline(always))]
fn write_labels<const WIDE: bool, const CHECK: bool>(
    l: &mut Line<'_>,
    labels: &[Label<'_>],
) -> Result<bool, Failed> {
    let mut sep = b'{';
    for label in labels {
        l.byte(sep)?;
        name::<WIDE, CHECK>(l, label.name, NameKind::Label)?;
        l.bytes(b"=\"")?;
        escaped::<WIDE>(l, label.value, Escape::Quoted)?;
        l.byte(b'"')?;
        sep = b',';
    }
    Ok(sep == b',')
}

/// `labels` written once into `block` (see [`write_labels`]), for the
/// lines of one histogram series; `None` if they do not fit.
#[cfg(target_pointer_width = "64")]
#[inline(never)]
fn label_block<'b, const CHECK: bool>(
    block: &'b mut [u8; TEXT_BUF],
    labels: &[Label<'_>],
) -> Option<&'b [u8]> {
    /// Turns a full block into `None`.
    struct Refuse;
    impl TextOut for Refuse {
        fn put(&mut self, _: &str) -> Result<(), Failed> {
            Err(Failed)
        }
    }
    let (mut refuse, mut end) = (Refuse, 0);
    let len = {
        let mut l = Line::at(block, &mut refuse, 0, &mut end);
        write_labels::<true, CHECK>(&mut l, labels).ok()?;
        l.position()
    };
    block.get(..len)
}

/// The `le` texts of one list of bucket bounds (at most
/// [`MAX_BUCKETS`](omnimetrics::MAX_BUCKETS) of them, the core's limit),
/// kept from one histogram series to the next: rendering a
/// [`Decimal`] is much of the cost of a bucket line otherwise.
#[cfg(target_pointer_width = "64")]
struct LeCache {
    /// Whether `bounds[..n]` and `scale` are what `text` was rendered from.
    valid: bool,
    n: usize,
    scale: u8,
    bounds: [u64; omnimetrics::MAX_BUCKETS],
    /// Where each text ends in `text`.
    ends: [usize; omnimetrics::MAX_BUCKETS],
    /// The texts one after the other (a [`DecimalBuf`] is enough for one).
    text: [u8; 48 * omnimetrics::MAX_BUCKETS],
}

#[cfg(target_pointer_width = "64")]
impl LeCache {
    fn new() -> Self {
        Self {
            valid: false,
            n: 0,
            scale: 0,
            bounds: [0; omnimetrics::MAX_BUCKETS],
            ends: [0; omnimetrics::MAX_BUCKETS],
            text: [0; 48 * omnimetrics::MAX_BUCKETS],
        }
    }

    /// The texts of `bounds` at `scale`, rendered unless they were the
    /// last ones; `None` when there are too many to keep.
    #[inline]
    fn prepare(&mut self, bounds: &[u64], scale: u8) -> Option<&Self> {
        let same = self.valid && self.scale == scale && self.bounds.get(..self.n) == Some(bounds);
        if !same {
            self.render(bounds, scale)?;
        }
        Some(self)
    }

    #[inline(never)]
    fn render(&mut self, bounds: &[u64], scale: u8) -> Option<()> {
        self.valid = false;
        let mut at = 0;
        for (i, &bound) in bounds.iter().enumerate() {
            let mut buf = DecimalBuf::new();
            let le = Decimal::new(bound, scale).render(&mut buf).as_bytes();
            let end = at + le.len();
            copy(self.text.get_mut(at..end)?, le);
            *self.bounds.get_mut(i)? = bound;
            *self.ends.get_mut(i)? = end;
            at = end;
        }
        self.n = bounds.len();
        self.scale = scale;
        self.valid = true;
        Some(())
    }

    /// The text of bound `i` (ASCII).
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.text.get(start..*self.ends.get(i)?)
    }
}

/// ` # {labels} value` after a sample (OpenMetrics), or nothing when its
/// labels are longer than [`MAX_EXEMPLAR_CHARS`].
#[cfg_attr(target_pointer_width = "64", inline(always))]
fn write_exemplar<const CHECK: bool>(l: &mut Line<'_>, e: &Exemplar<'_>) -> Result<(), Failed> {
    // Sanitising a name replaces characters one for one (plus one `_`
    // before a leading digit, or for an empty name), so this count is
    // what the parser will see.
    let total: usize = e
        .labels
        .iter()
        .map(|l| {
            let fix = usize::from(
                CHECK
                    && !is_valid_name(l.name, NameKind::Label)
                    && (l.name.is_empty() || l.name.starts_with(|c: char| c.is_ascii_digit())),
            );
            chars(l.name) + fix + chars(l.value)
        })
        .sum();
    if total > MAX_EXEMPLAR_CHARS {
        return Ok(());
    }
    l.put(" # {")?;
    let mut sep = "";
    for label in e.labels {
        l.put(sep)?;
        name::<false, CHECK>(l, label.name, NameKind::Label)?;
        l.put("=\"")?;
        escaped::<false>(l, label.value, Escape::Quoted)?;
        l.put("\"")?;
        sep = ",";
    }
    l.put("} ")?;
    let mut value = DecimalBuf::new();
    l.put(e.value.render(&mut value))
}

/// [`write_exemplar`] out of line (64-bit targets; see
/// [`Line`](super::buf::Line)); returns the new position.
#[cfg(target_pointer_width = "64")]
#[inline(never)]
fn exemplar_out_of_line<const CHECK: bool>(
    buf: &mut [u8; TEXT_BUF],
    out: &mut dyn TextOut,
    len: usize,
    e: &Exemplar<'_>,
) -> Result<usize, Failed> {
    let mut end = 0;
    let mut l = Line::at(buf, out, len, &mut end);
    write_exemplar::<CHECK>(&mut l, e)?;
    Ok(l.position())
}

/// Characters in `s`: its bytes that start one. (`str::chars().count()`
/// links a few hundred bytes of speed-ups a firmware does not need.)
fn chars(s: &str) -> usize {
    s.bytes().filter(|&b| b & 0xC0 != 0x80).count()
}

impl<const CHECK: bool, const EXEMPLARS: bool, const SCALED: bool> Visitor
    for TextVisitor<'_, CHECK, EXEMPLARS, SCALED>
{
    type Error = Failed;

    fn family(&mut self, f: &FamilyDesc<'_>) -> Result<(), Failed> {
        let type_name = match f.kind {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            // A kind this crate does not know: leave the family out.
            _ => "",
        };
        self.kind = None;
        let counter = f.kind == MetricKind::Counter;
        if type_name.is_empty() || !self.lines.name.set::<CHECK>(f.name, counter) {
            return Ok(());
        }
        self.kind = Some(f.kind);
        // 0.0.4 names a counter family by its samples' name, OpenMetrics by
        // the family name.
        let lines = &mut self.lines;
        let om = lines.om;
        let total = !om && counter;
        // 0.0.4: HELP, TYPE. OpenMetrics: TYPE, UNIT, HELP, where the help
        // also escapes `"`, and the family name must end in `_<unit>`: a
        // unit that does not fit the name is left out, not made up.
        let mode = if om { Escape::Quoted } else { Escape::Help };
        let help = !f.help.is_empty();
        if !om && help {
            lines.meta("# HELP ", total, f.help, Some(mode))?;
        }
        lines.meta("# TYPE ", total, type_name, None)?;
        if om {
            let fits = f.unit.filter(|u| {
                (!CHECK || is_valid_name(u, NameKind::Label))
                    && lines
                        .name
                        .name()
                        .strip_suffix(u.as_bytes())
                        .is_some_and(|head| head.ends_with(b"_"))
            });
            if let Some(unit) = fits {
                lines.meta("# UNIT ", false, unit, None)?;
            }
            if help {
                lines.meta("# HELP ", false, f.help, Some(mode))?;
            }
        }
        Ok(())
    }

    fn series(&mut self, s: &Series<'_>) -> Result<(), Failed> {
        // A series whose value does not fit its family's type is left out.
        match (self.kind, &s.value) {
            (Some(MetricKind::Counter), SeriesValue::Counter(v)) => {
                let v = Value::Unsigned(*v);
                self.lines
                    .sample("", Labels::Given(s.labels), None, v, s.exemplar.as_ref())
            }
            (Some(MetricKind::Gauge), SeriesValue::Gauge(v)) => {
                let v = Value::Signed(*v);
                // OpenMetrics allows no exemplars on gauges.
                self.lines
                    .sample("", Labels::Given(s.labels), None, v, None)
            }
            (Some(MetricKind::Counter), SeriesValue::ScaledCounter { value, scale }) if SCALED => {
                let mut buf = DecimalBuf::new();
                let v = Value::Text {
                    negative: false,
                    digits: Decimal::new(*value, *scale).render(&mut buf),
                };
                self.lines
                    .sample("", Labels::Given(s.labels), None, v, s.exemplar.as_ref())
            }
            (Some(MetricKind::Gauge), SeriesValue::ScaledGauge { value, scale }) if SCALED => {
                let mut buf = DecimalBuf::new();
                let v = Value::Text {
                    negative: *value < 0,
                    digits: Decimal::new(value.unsigned_abs(), *scale).render(&mut buf),
                };
                self.lines
                    .sample("", Labels::Given(s.labels), None, v, None)
            }
            (Some(MetricKind::Histogram), SeriesValue::Histogram(h)) => {
                self.histogram(s.labels, h, s.exemplar.as_ref())
            }
            _ => Ok(()),
        }
    }
}
