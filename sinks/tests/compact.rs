//! Compact function records (`FrameEncoder::write_functions`): what the
//! host decodes is exactly what the live registry shows of its functions
//! and `build_info` (callers, the overflow row, labelled results,
//! objectives, concurrency, shared and own buckets), report after report;
//! damaged streams lose only the damaged frames; and hand-made frames that
//! break the records' rules are refused.
//!
//! The tests share the registry, so they take turns (`turn`), and a fixed
//! clock makes every duration 0 (the fuzz seed written here stays the
//! same from run to run).

mod common;

use common::fixture;
use common::frames::{frame, kinds, snapshots_of};
use omnimetrics::clock::{Clock, set_clock};
use omnimetrics::{Buckets, ResultLabel, Snapshot, autometrics, names};
use omnimetrics_sinks::frame::{DecodeError, Event, FrameDecoder, FrameEncoder};
use std::sync::{Mutex, MutexGuard};

struct Fixed;
impl Clock for Fixed {
    fn now_nanos(&self) -> u64 {
        1_000
    }
}
static FIXED: Fixed = Fixed;

static TURN: Mutex<()> = Mutex::new(());

/// The registry to this test alone, with the fixed clock and the fixture's
/// functions (and user metrics, which compact records leave out).
fn turn() -> MutexGuard<'static, ()> {
    let guard = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let _ = set_clock(&FIXED);
    fixture();
    guard
}

#[derive(Debug)]
enum Fault {
    Busy,
    Gone,
}

impl ResultLabel for Fault {
    fn result_label(&self) -> Option<&'static str> {
        Some(match self {
            Fault::Busy => "busy",
            Fault::Gone => "gone",
        })
    }
}

#[autometrics(result_labels)]
fn labelled(fault: Option<Fault>) -> Result<(), Fault> {
    fault.map_or(Ok(()), Err)
}

const COARSE: Buckets<2> = Buckets::from_millis([1, 1_000]);

#[autometrics(buckets = COARSE)]
fn coarse() {}

#[autometrics]
fn callee() -> Result<(), ()> {
    Ok(())
}

/// One instrumented caller per index: more than a function's caller table
/// holds, so `callee` counts some in its overflow row.
macro_rules! callers {
    ($($name:ident)*) => {
        $(#[autometrics] fn $name() { let _ = callee(); labelled(None).unwrap(); })*
        fn call_all() { $($name();)* }
    };
}
callers!(c0 c1 c2 c3 c4 c5 c6 c7 c8 c9);

/// `coarse`'s first instrumented caller.
#[autometrics]
fn late() {
    coarse();
}

/// SPEC's families of the live registry, as compact records carry them:
/// no user metrics and no exemplars.
fn functions_part(mut s: Snapshot) -> Snapshot {
    let spec: Vec<&str> = names::FAMILIES.iter().map(|f| f.name).collect();
    s.families.retain(|f| spec.contains(&f.name.as_str()));
    for f in &mut s.families {
        for series in &mut f.series {
            series.exemplar = None;
        }
    }
    s
}

#[test]
fn compact_reports_decode_to_what_the_live_registry_shows() {
    let _turn = turn();
    call_all();
    labelled(Some(Fault::Busy)).unwrap_err();
    labelled(Some(Fault::Gone)).unwrap_err();
    coarse();
    let mut device = FrameEncoder::new(0xC0);
    let mut host = FrameDecoder::new();

    // The first report: a description, then the values.
    let mut wire = Vec::new();
    device.write_functions(&mut wire).unwrap();
    let expected = functions_part(Snapshot::capture(&omnimetrics::registry()));
    // Everything the compact records carry is there: the overflow row,
    // labelled series, the objective's labels, the gauge, own buckets.
    let total = |labels: &[(&str, &str)]| expected.counter_sum(names::CALLS, labels);
    assert!(total(&[("function", "callee"), ("caller_function", "(other)")]) > 0);
    assert_eq!(total(&[("function", "labelled"), ("error", "busy")]), 1);
    assert!(total(&[("objective_name", "api")]) > 0);
    assert!(expected.family(names::CONCURRENT).is_some());
    assert!(expected.family(names::BUILD_INFO).is_some());
    let events: Vec<Event> = wire.chunks(5).flat_map(|c| host.feed(c)).collect();
    assert_eq!(kinds(&events), "DS");
    assert_eq!(snapshots_of(&events), [expected]);

    // The next: values only, with what changed since.
    callee().unwrap();
    let mut wire = Vec::new();
    device.write_functions(&mut wire).unwrap();
    let expected = functions_part(Snapshot::capture(&omnimetrics::registry()));
    let events = host.feed(&wire);
    assert_eq!(kinds(&events), "S");
    assert_eq!(snapshots_of(&events), [expected]);

    // A caller seen for the first time changes the series: a description
    // follows the value frame, which the host reads with it.
    late();
    let mut wire = Vec::new();
    device.write_functions(&mut wire).unwrap();
    let expected = functions_part(Snapshot::capture(&omnimetrics::registry()));
    let events = host.feed(&wire);
    assert_eq!(kinds(&events), "UDS", "{events:?}");
    assert_eq!(snapshots_of(&events), [expected]);
    assert_eq!(host.stats().bad, 0);
}

#[test]
fn a_damaged_stream_loses_only_the_damaged_frames() {
    let _turn = turn();
    call_all();
    let mut device = FrameEncoder::new(7).describe_every(2);
    let mut frames = Vec::new();
    for _ in 0..4 {
        let mut wire = Vec::new();
        device.write_functions(&mut wire).unwrap();
        frames.extend(wire.split_inclusive(|&b| b == 0).map(<[u8]>::to_vec));
    }
    let clean: Vec<Event> = {
        let mut host = FrameDecoder::new();
        frames.iter().flat_map(|f| host.feed(f)).collect()
    };
    assert_eq!(kinds(&clean), "DSSDSS");
    // Every byte of every frame flipped in turn: that frame is dropped
    // (or, for a value frame, its description lost), nothing panics, and
    // the frames after it still decode.
    for (damaged, f) in frames.iter().enumerate() {
        for at in 0..f.len() {
            let mut host = FrameDecoder::new();
            let mut events = Vec::new();
            for (i, g) in frames.iter().enumerate() {
                let mut g = g.clone();
                if i == damaged {
                    g[at] ^= 0x5A;
                }
                events.extend(host.feed(&g));
            }
            let last = snapshots_of(&events).pop();
            assert_eq!(
                last,
                snapshots_of(&clean).pop(),
                "frame {damaged} byte {at}: the last report is read"
            );
        }
    }
}

#[test]
fn compact_records_that_break_the_rules_are_refused() {
    let _turn = turn();
    // A `Function` record: tag 9, seven strings ("f", "m", "s" and four
    // empty), no concurrency, no buckets, a new build of six empty strings.
    let function: &[u8] = &[
        9, 1, b'f', 1, b'm', 1, b's', 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
    ];
    let description = |records: &[&[u8]]| {
        let mut body = vec![1, 0, 1, 0];
        for r in records {
            body.extend_from_slice(r);
        }
        body.extend([6, 5]);
        frame(&body)
    };
    let values = |records: &[u8]| {
        let mut body = vec![1, 1, 1, 1];
        body.extend_from_slice(records);
        body.extend([6, 5]);
        frame(&body)
    };
    // A good pair: one function, its root's two counts.
    let mut host = FrameDecoder::new();
    host.feed(&description(&[function]));
    let events = host.feed(&values(&[2, 3, 2, 4]));
    let got = snapshots_of(&events);
    assert_eq!(
        got[0].counter_sum(names::CALLS, &[("function", "f"), ("result", "error")]),
        4
    );
    let malformed: &[&[&[u8]]] = &[
        // A `Caller` record before any function.
        &[&[10, 1]],
        // A caller that is not one of the frame's functions.
        &[function, &[10, 2, 1]],
        // A `Caller` of no one (only labelled series may have none).
        &[function, &[10, 0]],
        // A labelled series of the overflow row, which labelled tables
        // do not have.
        &[function, &[11, 1, 0, 1, b'x']],
        // A `Caller` after a `Family` record: no function is open.
        &[function, &[0, 1, b'x', 0, 0, 0], &[10, 1]],
        // The first function's build the same as the previous one's.
        &[&[9, 1, b'f', 1, b'm', 1, b's', 0, 0, 0, 0, 0, 0, 0]],
        // A family of SPEC's name beside the function records.
        &[
            function,
            &[
                0, 14, b'f', b'u', b'n', b'c', b't', b'i', b'o', b'n', b'_', b'c', b'a', b'l',
                b'l', b's', 0, 0, 0,
            ],
        ],
        // `Buckets::Same` with no bounds before it.
        &[&[9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]],
    ];
    for records in malformed {
        let mut host = FrameDecoder::new();
        let events = host.feed(&description(records));
        assert!(
            matches!(events[..], [Event::Bad(DecodeError::Malformed)]),
            "{records:?}: {events:?}"
        );
    }
    // Values that do not fit the description: one count short, one too
    // many, a gauge for a counter.
    for v in [&[2, 3][..], &[2, 3, 2, 4, 2, 5], &[2, 3, 3, 4]] {
        let mut host = FrameDecoder::new();
        host.feed(&description(&[function]));
        let events = host.feed(&values(v));
        assert!(
            matches!(events[..], [Event::Bad(DecodeError::SchemaMismatch { .. })]),
            "{v:?}: {events:?}"
        );
    }
}

#[test]
fn fuzz_seed_of_compact_records_is_current() {
    // Hand-made, so that it does not depend on what the other tests
    // called: two functions of one build (the second with a caller row of
    // the first, the overflow row, a labelled series, own buckets and a
    // gauge), then their values.
    let description: &[u8] = &[
        1, 0, 1, 0, // version, description, boot 1, seq 0
        9, 1, b'a', 1, b'm', 1, b's', 0, 0, 0, 0, 0, 0, // Function "a"
        1, 1, b'v', 0, 0, 0, 0, 5, b'1', b'.', b'0', b'.', b'0', // Build::New
        9, 1, b'b', 1, b'm', 1, b's', 2, b'o', b'k', 2, b'9', b'9', 0, 0, 1, // Function "b"
        2, 9, 2, 1, 2, // Buckets::New, scale 9, [1, 2]
        0, // Build::Same
        10, 2, 0, // Caller: function 0
        10, 1, // Caller: (other)
        11, 0, 1, 1, b'x', // Labelled: no caller, error, "x"
        6, 5, // End, schema 5
    ];
    let values: &[u8] = &[
        1, 1, 1, 1, // version, values, boot 1, seq 1
        2, 1, 2, 0, // a: root ok 1, error 0
        2, 3, 2, 1, 2, 2, 2, 0, 2, 1, 2, 0, 2, 4, // b: root, a's row, (other)'s, labelled
        4, 3, 1, 0, 0, 7, // b's histogram: counts [1, 0, 0], sum 7
        3, 2, // b's gauge: 1
        6, 5,
    ];
    let mut wire = vec![7];
    wire.extend(frame(description));
    wire.extend(frame(values));
    let mut host = FrameDecoder::new();
    let events = host.feed(&wire[1..]);
    assert_eq!(kinds(&events), "DS", "{events:?}");
    let s = &snapshots_of(&events)[0];
    assert_eq!(
        s.counter_sum(names::CALLS, &[("function", "b"), ("caller_function", "a")]),
        2
    );
    assert_eq!(
        s.counter_sum(names::CALLS, &[("function", "b"), ("error", "x")]),
        4
    );
    // One `build_info` for the one service, with no value record.
    let builds: Vec<_> = s.series(names::BUILD_INFO, &[]).collect();
    assert_eq!(builds.len(), 1);
    assert_eq!(builds[0].value, omnimetrics::ValueSnapshot::Gauge(1));
    assert!(builds[0].labels.contains(&("version".into(), "v".into())));
    common::frames::check_seed("compact", &wire);
}
