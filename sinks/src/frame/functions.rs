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
use omnimetrics::FunctionDesc;
use omnimetrics::visit::{Caller, DurationBuf, build_infos};

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
        w.route(true, describing);
        w.byte(tag::FUNCTION);
        w.str(f.name());
        w.str(f.module());
        w.str(f.service_name());
        for s in f.objective_labels() {
            w.str(s);
        }
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
            // An unclaimed slot, and the overflow row while it is empty,
            // show nothing.
            let caller = match r.caller {
                Some(Caller::Other) if r.counts == [0, 0] => continue,
                Some(c) => c,
                None => continue,
            };
            // The root's row is the `Function` record's own.
            if !matches!(caller, Caller::Root)
                && !caller_record(w, describing, tag::CALLER, all.clone(), caller)
            {
                continue;
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
            if !caller_record(w, describing, tag::LABELLED, all.clone(), l.caller) {
                continue;
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

/// Starts a `Caller` or `Labelled` record (`record`): its tag and the
/// `CallerRef` of `caller`, a function by its position in `all`. Returns
/// `false`, having written nothing, for a function not in `all`: one
/// registered after this walk began, whose calls go out with the next
/// snapshot.
fn caller_record(
    w: &mut FrameWriter<'_>,
    describing: bool,
    record: u8,
    all: impl Iterator<Item = &'static FunctionDesc>,
    caller: Caller,
) -> bool {
    let (variant, position) = match caller {
        Caller::Root => (tag::CALLER_NONE, None),
        Caller::Other => (tag::CALLER_OTHER, None),
        Caller::Function(c) => match all.into_iter().position(|g| core::ptr::eq(g, c)) {
            Some(p) => (tag::CALLER_FUNCTION, Some(p)),
            None => return false,
        },
    };
    w.route(true, describing);
    w.byte(record);
    w.byte(variant);
    if let Some(p) = position {
        w.varint(p as u64);
    }
    true
}
