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

use super::tag;
use core::mem::MaybeUninit;
use omnimetrics::visit::Label;

/// Bytes of label names and values remembered.
const TEXT: usize = 256;
/// Label positions remembered.
const LABELS: usize = 16;
/// Bucket bounds remembered.
const BOUNDS: usize = 16;

/// Invariant: `text[..text_len]`, `ends[..strings + 1]` and
/// `bounds[..histogram.0]` are initialised, and every `ends` entry is at
/// most `text_len`.
pub(crate) struct Recall {
    /// The remembered labels' names and values, back to back.
    text: [MaybeUninit<u8>; TEXT],
    text_len: usize,
    /// Where each remembered name and value starts in `text`, and where
    /// the last one ends: name `i` is `ends[2i]..ends[2i + 1]`, its value
    /// `ends[2i + 1]..ends[2i + 2]` (one array for both, so that a name and
    /// a value are looked up by the same code).
    ends: [MaybeUninit<u16>; 2 * LABELS + 1],
    /// Names and values remembered (twice the labels remembered, a prefix
    /// of the previous series').
    strings: usize,
    bounds: [MaybeUninit<u64>; BOUNDS],
    /// The previous histogram series' bound count and scale, if they fit.
    histogram: Option<(usize, u8)>,
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
        let mut ends = [const { MaybeUninit::uninit() }; 2 * LABELS + 1];
        ends[0].write(0);
        Self {
            text: [const { MaybeUninit::uninit() }; TEXT],
            text_len: 0,
            ends,
            strings: 0,
            bounds: [const { MaybeUninit::uninit() }; BOUNDS],
            histogram: None,
        }
    }

    /// Whether the previous series' `k`-th string (names at even `k`,
    /// values at odd) is `s`. Not inlined: the encoder asks twice per
    /// label, for the name and the value.
    #[inline(never)]
    fn is(&self, k: usize, s: &str) -> bool {
        // SAFETY: the struct's invariant.
        let (text, ends) = unsafe {
            (
                prefix(&self.text, self.text_len),
                prefix(&self.ends, self.strings + 1),
            )
        };
        match (ends.get(k), ends.get(k + 1)) {
            (Some(&start), Some(&end)) => {
                text.get(usize::from(start)..usize::from(end)) == Some(s.as_bytes())
            }
            _ => false,
        }
    }

    /// How `label` compares with the previous series' label at position
    /// `i`: the `Label` variant's tag.
    pub(crate) fn compare(&self, i: usize, label: &Label<'_>) -> u8 {
        if !self.is(2 * i, label.name) {
            tag::LABEL_FULL
        } else if self.is(2 * i + 1, label.value) {
            tag::LABEL_SAME
        } else {
            tag::LABEL_VALUE
        }
    }

    /// Remembers `labels` (as many leading ones as fit).
    pub(crate) fn set_labels(&mut self, labels: &[Label<'_>]) {
        self.text_len = 0;
        self.strings = 0;
        for l in labels.iter().take(LABELS) {
            if self.text_len + l.name.len() + l.value.len() > TEXT {
                break;
            }
            self.push(l.name);
            self.push(l.value);
        }
    }

    /// Appends `s` as the next string (the caller checked that it fits).
    #[inline(never)]
    fn push(&mut self, s: &str) {
        let mut len = self.text_len;
        for &b in s.as_bytes() {
            if let Some(slot) = self.text.get_mut(len) {
                slot.write(b);
                len += 1;
            }
        }
        self.text_len = len;
        self.strings += 1;
        if let Some(end) = self.ends.get_mut(self.strings) {
            // Fits in u16: at most TEXT, far below 65536.
            end.write(len as u16);
        }
    }

    /// How a histogram's `bounds` at `scale` compare with the previous
    /// histogram series' (the `Buckets` variant's tag, `Same` or `New`);
    /// remembers them for the next.
    pub(crate) fn bounds(&mut self, bounds: &[u64], scale: u8) -> u8 {
        if let Some((n, s)) = self.histogram {
            // SAFETY: the struct's invariant.
            if s == scale && unsafe { prefix(&self.bounds, n) } == bounds {
                return tag::BUCKETS_SAME;
            }
        }
        self.histogram = None;
        if bounds.len() <= BOUNDS {
            for (slot, &b) in self.bounds.iter_mut().zip(bounds) {
                slot.write(b);
            }
            self.histogram = Some((bounds.len(), scale));
        }
        tag::BUCKETS_NEW
    }
}
