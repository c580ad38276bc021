//! What the previous series of a frame looked like, so that repeated label
//! names, values and bucket lists are written as "same".
//!
//! A function's series come in runs (`result="ok"` then `"error"`, one pair
//! per caller) that share most labels, and every series of a family shares
//! the label names; SPEC's counter series carry eight labels. Sending only
//! what changed keeps description frames small without a string table in the
//! device's RAM: the visit API lends strings only for the duration of one
//! call, so the previous series is copied here, into a fixed buffer on the
//! stack while a frame is written. What does not fit is simply not
//! remembered (and then sent in full), so the result is always exact.
//!
//! The buffers are not zeroed when a frame starts (on a Cortex-M0 that
//! would link `memset` for a few hundred bytes of stack): only their
//! prefixes that were written are ever read, which is what the `len`
//! fields below track.

use core::mem::MaybeUninit;
use omnimetrics::visit::Label;

/// Bytes of label names and values remembered.
const TEXT: usize = 256;
/// Label positions remembered.
const LABELS: usize = 16;
/// Bucket bounds remembered.
const BOUNDS: usize = 16;

/// Invariant: `text[..text_len]`, `ends[..labels]` and
/// `bounds[..histogram.0]` are initialised, and every `ends` entry is at
/// most `text_len`.
pub(crate) struct Recall {
    /// The remembered labels' names and values, back to back.
    text: [MaybeUninit<u8>; TEXT],
    text_len: usize,
    /// Per position: where the name ends and where the value ends in `text`
    /// (the name starts where the previous value ended).
    ends: [MaybeUninit<[u16; 2]>; LABELS],
    /// Positions remembered exactly (a prefix of the previous series).
    labels: usize,
    bounds: [MaybeUninit<u64>; BOUNDS],
    /// The previous histogram series' bound count and scale, if they fit.
    histogram: Option<(usize, u8)>,
}

/// How a label compares with the previous series' label at its position.
pub(crate) enum Delta {
    Same,
    SameName,
    New,
}

/// The first `len` elements of `a`.
///
/// # Safety
/// They must be initialised.
unsafe fn prefix<T>(a: &[MaybeUninit<T>], len: usize) -> &[T] {
    let len = len.min(a.len());
    // SAFETY: the caller guarantees that `a[..len]` is initialised, and
    // `MaybeUninit<T>` has the layout of `T`.
    unsafe { core::slice::from_raw_parts(a.as_ptr().cast::<T>(), len) }
}

impl Recall {
    // Inlined so the buffers are set up in place, not built and copied.
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self {
            text: [const { MaybeUninit::uninit() }; TEXT],
            text_len: 0,
            ends: [const { MaybeUninit::uninit() }; LABELS],
            labels: 0,
            bounds: [const { MaybeUninit::uninit() }; BOUNDS],
            histogram: None,
        }
    }

    pub(crate) fn compare(&self, i: usize, label: &Label<'_>) -> Delta {
        // SAFETY: the struct's invariant.
        let (text, ends) = unsafe {
            (
                prefix(&self.text, self.text_len),
                prefix(&self.ends, self.labels),
            )
        };
        let start = match i.checked_sub(1).and_then(|p| ends.get(p)) {
            Some(&[_, value_end]) => value_end,
            None => 0,
        };
        let Some(&[name_end, value_end]) = ends.get(i) else {
            return Delta::New;
        };
        let name = text.get(usize::from(start)..usize::from(name_end));
        let value = text.get(usize::from(name_end)..usize::from(value_end));
        if name != Some(label.name.as_bytes()) {
            Delta::New
        } else if value == Some(label.value.as_bytes()) {
            Delta::Same
        } else {
            Delta::SameName
        }
    }

    /// Remembers `labels` (as many leading ones as fit).
    pub(crate) fn set_labels(&mut self, labels: &[Label<'_>]) {
        self.labels = 0;
        self.text_len = 0;
        for (l, end) in labels.iter().zip(&mut self.ends) {
            let name_end = self.text_len + l.name.len();
            let value_end = name_end + l.value.len();
            if value_end > TEXT {
                break;
            }
            let bytes = l.name.bytes().chain(l.value.bytes());
            for (slot, b) in self.text.iter_mut().skip(self.text_len).zip(bytes) {
                slot.write(b);
            }
            // Both fit in u16: TEXT is far below 65536.
            end.write([name_end as u16, value_end as u16]);
            self.text_len = value_end;
            self.labels += 1;
        }
    }

    /// Whether `bounds` at `scale` equal the previous histogram series'.
    pub(crate) fn same_bounds(&self, bounds: &[u64], scale: u8) -> bool {
        match self.histogram {
            // SAFETY: the struct's invariant.
            Some((n, s)) => s == scale && unsafe { prefix(&self.bounds, n) } == bounds,
            None => false,
        }
    }

    pub(crate) fn set_bounds(&mut self, bounds: &[u64], scale: u8) {
        self.histogram = None;
        if bounds.len() <= BOUNDS {
            for (slot, &b) in self.bounds.iter_mut().zip(bounds) {
                slot.write(b);
            }
            self.histogram = Some((bounds.len(), scale));
        }
    }
}
