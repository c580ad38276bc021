//! Compact function records: the live registry's instrumented functions
//! and `build_info` without SPEC's label sets, which the host decoder
//! builds (see the format's `Function` records in the [module docs](super)).
//!
//! Why a second walk: a function's SPEC series repeat the same names and
//! label values (`function`, `module`, `service_name`, the objective) in
//! three families and in every row of calls, and the generic walk over
//! them, with the code that shortens what repeats, takes a few KB of a
//! firmware's flash. Here each function is one record of its own strings,
//! one small record per caller, and its numbers.

use super::tag;
use super::writer::FrameWriter;
use omnimetrics::visit::{Caller, DurationBuf, build_infos};
use omnimetrics::{FunctionDesc, ObjectivePercentile};

/// Writes the records of one frame, as `Walker` does for a source (see
/// there for the routing of description and value records); returns the
/// schema fingerprint.
pub(super) fn walk(w: &mut FrameWriter<'_>, describing: bool) -> u32 {
    // Callers are referred to by position in this walk: the registry only
    // grows at its head, so positions counted from the head read here stay
    // put while functions register during the walk.
    let all = omnimetrics::functions();
    let mut last_bounds: Option<&'static [u64]> = None;
    for f in all.clone() {
        let mut buf = DurationBuf::new();
        let durations = f.durations(&mut buf);
        let objective = f.objective();
        let latency = objective.and_then(|o| {
            let threshold = o.latency_threshold_text()?;
            Some((percentile(o.latency_percentile()), threshold))
        });
        let (latency_percentile, threshold) = latency.unwrap_or(("", ""));
        w.route(true, describing);
        w.byte(tag::FUNCTION);
        w.str(f.name());
        w.str(f.module());
        w.str(f.service_name());
        w.str(objective.map_or("", |o| o.name()));
        w.str(percentile(
            objective.and_then(|o| o.success_rate_percentile()),
        ));
        w.str(latency_percentile);
        w.str(threshold);
        w.byte(u8::from(f.tracks_concurrency()));
        if durations.is_none() {
            w.byte(tag::BUCKETS_NONE);
        } else if last_bounds.is_some_and(|b| core::ptr::eq(b, f.bounds())) {
            // The default bounds are one static: the same address.
            w.byte(tag::BUCKETS_SAME);
        } else {
            w.byte(tag::BUCKETS_NEW);
            w.byte(9);
            w.u64s(f.bounds());
            last_bounds = Some(f.bounds());
        }
        let mut row = 0;
        while let Some(r) = f.calls(row) {
            row += 1;
            // Row 0, the root, is the `Function` record's own.
            if row > 1 {
                let reference = match r.caller {
                    Some(Caller::Other) if r.counts != [0, 0] => Some(None),
                    Some(Caller::Function(c)) => position(all.clone(), c).map(Some),
                    _ => None,
                };
                // An unclaimed slot, an empty overflow slot, or a caller
                // registered after this walk began (its calls go out with
                // the next snapshot).
                let Some(reference) = reference else {
                    continue;
                };
                w.route(true, describing);
                w.byte(tag::CALLER);
                caller(w, reference);
            }
            w.route(false, !describing);
            for n in r.counts {
                w.byte(tag::COUNTER);
                w.varint(n);
            }
        }
        let mut i = 0;
        while let Some(entry) = f.labelled(i) {
            i += 1;
            let Some(l) = entry else { continue };
            let reference = match l.caller {
                None => None,
                Some(c) => match position(all.clone(), c) {
                    Some(p) => Some(Some(p)),
                    None => continue,
                },
            };
            w.route(true, describing);
            w.byte(tag::LABELLED);
            match reference {
                None => w.byte(tag::CALLER_NONE),
                Some(r) => caller(w, r),
            }
            w.byte(u8::from(l.is_err));
            w.str(l.label);
            w.route(false, !describing);
            w.byte(tag::COUNTER);
            w.varint(l.count);
        }
        w.route(false, !describing);
        if let Some((counts, sum)) = durations {
            w.byte(tag::HISTOGRAM);
            w.u64s(counts);
            w.varint(sum);
        }
        if let Some(n) = f.concurrent() {
            // A gauge's zigzag encoding: non-negative `n` is `2n`.
            w.byte(tag::GAUGE);
            w.varint((n as u64).saturating_mul(2).min(u64::MAX - 1));
        }
    }
    for b in build_infos() {
        w.route(true, describing);
        w.byte(tag::BUILD);
        for i in 0..7 {
            w.str(b.value(i));
        }
        w.route(false, !describing);
        w.byte(tag::GAUGE);
        w.byte(2);
    }
    w.hash()
}

/// A `CallerRef` to the `(other)` row (`None`) or to the function at
/// `Some(position)`.
fn caller(w: &mut FrameWriter<'_>, to: Option<usize>) {
    match to {
        None => w.byte(tag::CALLER_OTHER),
        Some(p) => {
            w.byte(tag::CALLER_FUNCTION);
            w.varint(p as u64);
        }
    }
}

/// Where `f` is in `functions`, if it is there.
fn position(
    functions: impl Iterator<Item = &'static FunctionDesc>,
    f: &'static FunctionDesc,
) -> Option<usize> {
    functions.into_iter().position(|g| core::ptr::eq(g, f))
}

/// An `objective_percentile` label value.
fn percentile(p: Option<ObjectivePercentile>) -> &'static str {
    p.map_or("", |p| p.as_str())
}
