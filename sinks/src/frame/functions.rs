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
use omnimetrics::PackageInfo;
use omnimetrics::visit::{Caller, DurationBuf};

/// Writes the records of one frame, as `Walker` does for a source (see
/// there for the routing of description and value records); returns the
/// schema fingerprint.
pub(super) fn walk(w: &mut FrameWriter<'_>, describing: bool) -> u32 {
    // Callers are referred to by position in this walk: the registry only
    // grows at its head, so positions counted from the head read here stay
    // put while functions register during the walk.
    let all = omnimetrics::functions();
    let mut last_bounds: Option<&'static [u64]> = None;
    let mut last_package: Option<&'static PackageInfo> = None;
    for f in all.clone() {
        let mut buf = DurationBuf::new();
        let durations = f.durations(&mut buf);
        w.route(true, describing);
        w.byte(tag::FUNCTION);
        w.str(f.name());
        w.str(f.module());
        // `build_info`'s first value is the function's `service_name`.
        let build = f.build_info();
        w.str(build.value(0));
        for s in f.objective_labels() {
            w.str(s);
        }
        w.byte(u8::from(f.tracks_concurrency()));
        let bounds = f.bounds();
        // The default bounds are one static: the same address.
        let new_bounds = durations.is_some() && changed(&mut last_bounds, bounds);
        w.byte(match durations {
            None => tag::BUCKETS_NONE,
            Some(_) if new_bounds => tag::BUCKETS_NEW,
            Some(_) => tag::BUCKETS_SAME,
        });
        if new_bounds {
            w.byte(9);
            w.u64s(bounds);
        }
        let new_build = changed(&mut last_package, build.package());
        w.byte(if new_build {
            tag::BUILD_NEW
        } else {
            tag::BUILD_SAME
        });
        if new_build {
            for i in 1..7 {
                w.str(build.value(i));
            }
        }
        let mut row = 0;
        while let Some(r) = f.calls(row) {
            row += 1;
            // An unclaimed slot, and the overflow row while it is empty,
            // show nothing.
            let caller = match r.caller {
                Some(Caller::Other) if r.counts[0] | r.counts[1] == 0 => continue,
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
    w.hash()
}

/// Whether `now` is another static than `last`, which becomes `now`.
fn changed<T: ?Sized>(last: &mut Option<&'static T>, now: &'static T) -> bool {
    let changed = !last.is_some_and(|l| core::ptr::eq(l, now));
    *last = Some(now);
    changed
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
