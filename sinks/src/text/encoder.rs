//! The visitor that writes exposition lines, for both text formats.
//!
//! The two formats differ in few places (the counter family's name in
//! `HELP`/`TYPE`, `UNIT`, the order of `_count` and `_sum`, exemplars,
//! `# EOF`, and `"` in help text), so one visitor writes both with a flag
//! rather than two copies of the line-writing code in flash.

use super::Format;
use super::escape::{Escape, NameKind, escaped, is_valid_name, name, sanitized};
use crate::digits::{MAX_DIGITS, SignedDecimalBuf, i64_text, u64_text};
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
/// it over only once per family while every sample line repeats it.
struct NameBuf {
    bytes: [u8; MAX_FAMILY_NAME],
    len: usize,
}

impl NameBuf {
    /// Stores `name` sanitised; `false` if it does not fit.
    fn set(&mut self, family: &str) -> bool {
        self.len = 0;
        let bytes = &mut self.bytes;
        let len = &mut self.len;
        sanitized(family, NameKind::Metric, &mut |s| {
            let end = *len + s.len();
            let slot = bytes.get_mut(*len..end).ok_or(Failed)?;
            slot.copy_from_slice(s.as_bytes());
            *len = end;
            Ok(())
        })
        .is_ok()
    }

    fn as_str(&self) -> &str {
        // Only whole sanitised names (ASCII) are ever stored.
        core::str::from_utf8(self.bytes.get(..self.len).unwrap_or(&[])).unwrap_or("_")
    }
}

pub(crate) struct TextVisitor<'o> {
    out: &'o mut dyn TextOut,
    om: bool,
    name: NameBuf,
    /// The current family's kind; `None` while a family is being skipped.
    kind: Option<MetricKind>,
}

impl<'o> TextVisitor<'o> {
    pub(crate) fn new(out: &'o mut dyn TextOut, format: Format) -> Self {
        Self {
            out,
            om: format == Format::OpenMetrics,
            name: NameBuf {
                bytes: [0; MAX_FAMILY_NAME],
                len: 0,
            },
            kind: None,
        }
    }

    /// Ends the exposition (`# EOF` for OpenMetrics).
    pub(crate) fn finish(self) -> Result<(), Failed> {
        if self.om {
            self.out.put("# EOF\n")?;
        }
        Ok(())
    }

    fn put(&mut self, s: &str) -> Result<(), Failed> {
        self.out.put(s)
    }

    /// `# KEYWORD name[_total] `
    fn meta(&mut self, keyword: &str, total: bool) -> Result<(), Failed> {
        self.out.put(keyword)?;
        self.out.put(self.name.as_str())?;
        if total {
            self.out.put("_total")?;
        }
        self.out.put(" ")
    }

    /// `{a="x",b="y"[,le="…"]}`, nothing when there are no labels at all.
    fn labels(&mut self, labels: &[Label<'_>], le: Option<&str>) -> Result<(), Failed> {
        if labels.is_empty() && le.is_none() {
            return Ok(());
        }
        let mut sep = "{";
        for l in labels {
            self.put(sep)?;
            name(self.out, l.name, NameKind::Label)?;
            self.put("=\"")?;
            escaped(self.out, l.value, Escape::Quoted)?;
            self.put("\"")?;
            sep = ",";
        }
        if let Some(le) = le {
            self.put(sep)?;
            self.put("le=\"")?;
            self.put(le)?;
            self.put("\"")?;
        }
        self.put("}")
    }

    /// One sample line: `name<suffix>{labels} value[ # exemplar]`.
    fn sample(
        &mut self,
        suffix: &str,
        labels: &[Label<'_>],
        le: Option<&str>,
        value: &str,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), Failed> {
        self.out.put(self.name.as_str())?;
        self.put(suffix)?;
        self.labels(labels, le)?;
        self.put(" ")?;
        self.put(value)?;
        if let Some(e) = exemplar.filter(|_| self.om) {
            self.exemplar(e)?;
        }
        self.put("\n")
    }

    fn exemplar(&mut self, e: &Exemplar<'_>) -> Result<(), Failed> {
        // Sanitising a name replaces characters one for one (plus one `_`
        // before a leading digit, or for an empty name), so this count is
        // what the parser will see.
        let total: usize = e
            .labels
            .iter()
            .map(|l| {
                let fix = usize::from(
                    !is_valid_name(l.name, NameKind::Label)
                        && (l.name.is_empty() || l.name.starts_with(|c: char| c.is_ascii_digit())),
                );
                chars(l.name) + fix + chars(l.value)
            })
            .sum();
        if total > MAX_EXEMPLAR_CHARS {
            return Ok(());
        }
        self.put(" # {")?;
        let mut sep = "";
        for l in e.labels {
            self.put(sep)?;
            name(self.out, l.name, NameKind::Label)?;
            self.put("=\"")?;
            escaped(self.out, l.value, Escape::Quoted)?;
            self.put("\"")?;
            sep = ",";
        }
        self.put("} ")?;
        let mut buf = DecimalBuf::new();
        self.out.put(e.value.render(&mut buf))
    }

    fn histogram(
        &mut self,
        labels: &[Label<'_>],
        h: &HistogramSample<'_>,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), Failed> {
        // Written from the bounds, not from `counts`, so that a sample whose
        // counts do not match its bounds still gives every bucket, a +Inf
        // bucket and a `_count` equal to it (extra counts land in +Inf).
        let mut digits = [0; MAX_DIGITS];
        let mut le_buf = DecimalBuf::new();
        let mut cumulative = 0u64;
        let at = |i: usize| exemplar.filter(|e| e.bucket == Some(i));
        for (i, &bound) in h.bounds.iter().enumerate() {
            cumulative = cumulative.wrapping_add(h.counts.get(i).copied().unwrap_or(0));
            let le = Decimal::new(bound, h.scale).render(&mut le_buf);
            let v = u64_text(cumulative, &mut digits);
            self.sample("_bucket", labels, Some(le), v, at(i))?;
        }
        for &c in h.counts.iter().skip(h.bounds.len()) {
            cumulative = cumulative.wrapping_add(c);
        }
        let v = u64_text(cumulative, &mut digits);
        self.sample("_bucket", labels, Some("+Inf"), v, at(h.bounds.len()))?;
        let mut sum = DecimalBuf::new();
        let sum = Decimal::new(h.sum, h.scale).render(&mut sum);
        if self.om {
            self.sample("_count", labels, None, v, None)?;
            self.sample("_sum", labels, None, sum, None)
        } else {
            self.sample("_sum", labels, None, sum, None)?;
            self.sample("_count", labels, None, v, None)
        }
    }
}

/// Characters in `s`: its bytes that start one. (`str::chars().count()`
/// links a few hundred bytes of speed-ups a firmware does not need.)
fn chars(s: &str) -> usize {
    s.bytes().filter(|&b| b & 0xC0 != 0x80).count()
}

impl Visitor for TextVisitor<'_> {
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
        if type_name.is_empty() || !self.name.set(f.name) {
            return Ok(());
        }
        self.kind = Some(f.kind);
        // 0.0.4 names a counter family by its samples' name, OpenMetrics by
        // the family name.
        let total = !self.om && f.kind == MetricKind::Counter;
        let help = |v: &mut Self| -> Result<(), Failed> {
            if f.help.is_empty() {
                return Ok(());
            }
            v.meta("# HELP ", total)?;
            let mode = if v.om { Escape::Quoted } else { Escape::Help };
            escaped(v.out, f.help, mode)?;
            v.put("\n")
        };
        if !self.om {
            help(self)?;
        }
        self.meta("# TYPE ", total)?;
        self.put(type_name)?;
        self.put("\n")?;
        if self.om {
            // OpenMetrics requires the family name to end in `_<unit>`;
            // a unit that does not fit the name is left out, not made up.
            let fits = f.unit.filter(|u| {
                is_valid_name(u, NameKind::Label)
                    && self
                        .name
                        .as_str()
                        .strip_suffix(u)
                        .is_some_and(|head| head.ends_with('_'))
            });
            if let Some(unit) = fits {
                self.meta("# UNIT ", false)?;
                self.put(unit)?;
                self.put("\n")?;
            }
            help(self)?;
        }
        Ok(())
    }

    fn series(&mut self, s: &Series<'_>) -> Result<(), Failed> {
        let mut digits = [0; MAX_DIGITS];
        // A series whose value does not fit its family's type is left out.
        match (self.kind, &s.value) {
            (Some(MetricKind::Counter), SeriesValue::Counter(v)) => {
                let v = u64_text(*v, &mut digits);
                self.sample("_total", s.labels, None, v, s.exemplar.as_ref())
            }
            (Some(MetricKind::Gauge), SeriesValue::Gauge(v)) => {
                let v = i64_text(*v, &mut digits);
                // OpenMetrics allows no exemplars on gauges.
                self.sample("", s.labels, None, v, None)
            }
            (Some(MetricKind::Counter), SeriesValue::ScaledCounter { value, scale }) => {
                let mut buf = DecimalBuf::new();
                let v = Decimal::new(*value, *scale).render(&mut buf);
                self.sample("_total", s.labels, None, v, s.exemplar.as_ref())
            }
            (Some(MetricKind::Gauge), SeriesValue::ScaledGauge { value, scale }) => {
                let mut buf = SignedDecimalBuf::new();
                let v = buf.render(*value, *scale);
                self.sample("", s.labels, None, v, None)
            }
            (Some(MetricKind::Histogram), SeriesValue::Histogram(h)) => {
                self.histogram(s.labels, h, s.exemplar.as_ref())
            }
            _ => Ok(()),
        }
    }
}
