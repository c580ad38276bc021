//! What the previous series of a description frame looked like, so that
//! repeated label names, values and bucket lists are sent as "same".
//!
//! A function's series come in runs (`result="ok"` then `"error"`, one pair
//! per caller) that share most labels, and every series of a family shares
//! the label names; SPEC's counter series carry eight labels. Sending only
//! what changed keeps description frames small without a string table in the
//! device's RAM: the visit API lends strings only for the duration of one
//! call, so the previous series is copied here, into a fixed buffer on the
//! stack while a description frame is written. What does not fit is simply
//! not remembered (and then sent in full), so the result is always exact.

use omnimetrics::visit::Label;

/// Bytes of label names and values remembered.
const TEXT: usize = 256;
/// Label positions remembered.
const LABELS: usize = 16;
/// Bucket bounds remembered.
const BOUNDS: usize = 16;

pub(crate) struct Recall {
    text: [u8; TEXT],
    /// Per position: where the name ends in `text`.
    name_ends: [u16; LABELS],
    /// Per position: where the value ends in `text`.
    value_ends: [u16; LABELS],
    /// Positions remembered exactly (a prefix of the previous series).
    labels: usize,
    bounds: [u64; BOUNDS],
    /// The previous histogram series' bounds and scale, if they fit.
    histogram: Option<(usize, u8)>,
}

/// How a label compares with the previous series' label at its position.
pub(crate) enum Delta {
    Same,
    SameName,
    New,
}

impl Recall {
    // Inlined so the buffers are set up in place, not built and copied.
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self {
            text: [0; TEXT],
            name_ends: [0; LABELS],
            value_ends: [0; LABELS],
            labels: 0,
            bounds: [0; BOUNDS],
            histogram: None,
        }
    }

    fn at(&self, i: usize) -> Option<(&[u8], &[u8])> {
        if i >= self.labels {
            return None;
        }
        let start = match i.checked_sub(1) {
            Some(p) => usize::from(*self.value_ends.get(p)?),
            None => 0,
        };
        let name_end = usize::from(*self.name_ends.get(i)?);
        let value_end = usize::from(*self.value_ends.get(i)?);
        let name = self.text.get(start..name_end)?;
        let value = self.text.get(name_end..value_end)?;
        Some((name, value))
    }

    pub(crate) fn compare(&self, i: usize, label: &Label<'_>) -> Delta {
        match self.at(i) {
            Some((n, v)) if n == label.name.as_bytes() => {
                if v == label.value.as_bytes() {
                    Delta::Same
                } else {
                    Delta::SameName
                }
            }
            _ => Delta::New,
        }
    }

    /// Remembers `labels` (as many leading ones as fit).
    pub(crate) fn set_labels(&mut self, labels: &[Label<'_>]) {
        self.labels = 0;
        let mut end = 0usize;
        for (i, l) in labels.iter().enumerate().take(LABELS) {
            let name_end = end + l.name.len();
            let value_end = name_end + l.value.len();
            if value_end > TEXT {
                break;
            }
            let bytes = l.name.bytes().chain(l.value.bytes());
            for (slot, b) in self.text.iter_mut().skip(end).zip(bytes) {
                *slot = b;
            }
            // Both fit in u16: TEXT is far below 65536.
            if let (Some(n), Some(v)) = (self.name_ends.get_mut(i), self.value_ends.get_mut(i)) {
                *n = name_end as u16;
                *v = value_end as u16;
            }
            end = value_end;
            self.labels += 1;
        }
    }

    /// Whether `bounds` at `scale` equal the previous histogram series'.
    pub(crate) fn same_bounds(&self, bounds: &[u64], scale: u8) -> bool {
        match self.histogram {
            Some((n, s)) => s == scale && self.bounds.get(..n) == Some(bounds),
            None => false,
        }
    }

    pub(crate) fn set_bounds(&mut self, bounds: &[u64], scale: u8) {
        self.histogram = None;
        if bounds.len() <= BOUNDS {
            for (slot, &b) in self.bounds.iter_mut().zip(bounds) {
                *slot = b;
            }
            self.histogram = Some((bounds.len(), scale));
        }
    }
}
