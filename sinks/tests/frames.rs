//! Frames end to end: arbitrary snapshots survive encode → frames → decode;
//! damaged streams (bytes flipped, cut, inserted) decode without panic,
//! every untouched frame is recovered and the damaged ones are reported;
//! and the encoder's description policy, reboots, gaps and hand-made frames
//! that the encoder would never write.

mod common;

use common::frames::{frame, kinds, snapshots_of};
use common::strategies::snapshot;
use common::{Declared, WithExemplars, fixture};
use omnimetrics::visit::MetricKind;
use omnimetrics::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use omnimetrics_sinks::frame::{DecodeError, EncodeError, Event, FrameDecoder, FrameEncoder};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Runs of snapshots that share their series (a device between changes),
/// so that value frames refer to earlier descriptions.
fn snapshots() -> impl Strategy<Value = Vec<Snapshot>> {
    prop::collection::vec((snapshot(), 1..4usize), 1..4).prop_map(|runs| {
        runs.into_iter()
            .flat_map(|(s, n)| std::iter::repeat_n(s, n))
            .collect()
    })
}

// ---- helpers ----

fn encode_all(snaps: &[Snapshot], every: u32) -> Vec<u8> {
    let mut enc = FrameEncoder::new(0xB007).describe_every(every);
    let mut wire = Vec::new();
    for s in snaps {
        enc.write(s, &mut wire).unwrap();
    }
    wire
}

/// Feeds `wire` in chunks of the given sizes (cycled).
fn decode(wire: &[u8], chunks: &[usize]) -> (Vec<Event>, FrameDecoder) {
    let mut dec = FrameDecoder::new();
    let mut events = Vec::new();
    let mut rest = wire;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        let (chunk, after) = rest.split_at(n);
        events.extend(dec.feed(chunk));
        rest = after;
    }
    (events, dec)
}

#[derive(Clone, Debug)]
enum Damage {
    None,
    Flip { at: usize, xor: u8 },
    Cut { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        3 => Just(Damage::None),
        1 => (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| Damage::Flip { at, xor }),
        1 => (any::<usize>(), 1..40usize).prop_map(|(at, len)| Damage::Cut { at, len }),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(at, bytes)| Damage::Insert { at, bytes }),
    ]
}

/// Applies `d` to a frame's bytes (its terminating 0x00 excluded and kept);
/// returns whether the frame was touched.
fn apply(frame: &[u8], d: &Damage) -> (Vec<u8>, bool) {
    let (body, end) = frame.split_at(frame.len() - 1);
    let mut b = body.to_vec();
    let touched = match d {
        Damage::None => false,
        Damage::Flip { at, xor } => {
            let i = at % b.len();
            b[i] ^= xor;
            true
        }
        Damage::Cut { at, len } => {
            // Leave at least one byte, so the frame does not vanish
            // silently as an empty one.
            let len = (*len).min(b.len() - 1);
            if len == 0 {
                false
            } else {
                let i = at % (b.len() - len + 1);
                b.drain(i..i + len);
                true
            }
        }
        Damage::Insert { at, bytes } => {
            let i = at % (b.len() + 1);
            // Bytes ending in 0x00 put before the frame, or starting with
            // 0x00 put after it, end up as a frame of their own: this one
            // stays intact.
            let intact =
                (i == 0 && bytes.last() == Some(&0)) || (i == b.len() && bytes.first() == Some(&0));
            b.splice(i..i, bytes.iter().copied());
            !intact
        }
    };
    b.extend_from_slice(end);
    (b, touched)
}

/// What each frame of an intact stream is, by sequence number.
#[derive(Debug)]
enum Known {
    Description { schema: u32 },
    Values { schema: u32, snapshot: Snapshot },
}

fn catalogue(events: &[Event]) -> BTreeMap<u32, Known> {
    let mut out = BTreeMap::new();
    for e in events {
        match e {
            Event::Described { seq, schema, .. } => {
                out.insert(*seq, Known::Description { schema: *schema });
            }
            Event::Snapshot(r) => {
                out.insert(
                    r.seq,
                    Known::Values {
                        schema: r.schema,
                        snapshot: r.snapshot.clone(),
                    },
                );
            }
            _ => {}
        }
    }
    out
}

// ---- properties ----

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn snapshots_survive_frames(
        snaps in snapshots(),
        every in 0..3u32,
        chunks in prop::collection::vec(1..64usize, 1..5),
    ) {
        let wire = encode_all(&snaps, every);
        let (events, dec) = decode(&wire, &chunks);
        prop_assert_eq!(snapshots_of(&events), snaps);
        let stats = dec.stats();
        prop_assert_eq!(stats.bad, 0);
        prop_assert_eq!(stats.missed, 0);
        prop_assert_eq!(stats.reboots, 0);
        prop_assert_eq!(stats.bytes, wire.len() as u64);
    }

    #[test]
    fn damaged_streams_lose_only_damaged_frames(
        snaps in snapshots(),
        every in 0..3u32,
        damages in prop::collection::vec(damage(), 1..40),
        chunks in prop::collection::vec(1..300usize, 1..4),
    ) {
        let wire = encode_all(&snaps, every);
        let (clean_events, _) = decode(&wire, &[wire.len()]);
        let known = catalogue(&clean_events);

        // Damage frames; remember which (frame i has sequence number i).
        let mut damaged = Vec::new();
        let mut touched = BTreeSet::new();
        for (seq, frame) in wire.split_inclusive(|&b| b == 0).enumerate() {
            let (bytes, t) = apply(frame, &damages[seq % damages.len()]);
            if t {
                touched.insert(seq as u32);
            }
            damaged.extend(bytes);
        }
        prop_assert_eq!(known.len(), wire.iter().filter(|&&b| b == 0).count());

        let (events, dec) = decode(&damaged, &chunks);

        let mut described = BTreeSet::new();
        let mut got = BTreeMap::new();
        let mut undescribed = BTreeSet::new();
        let mut bad = 0;
        for e in &events {
            match e {
                Event::Described { seq, .. } => { described.insert(*seq); }
                Event::Snapshot(r) => {
                    // Nothing is made up: every snapshot is an intact
                    // value frame's, with its exact contents.
                    prop_assert!(!touched.contains(&r.seq), "snapshot from damaged frame {}", r.seq);
                    match known.get(&r.seq) {
                        Some(Known::Values { snapshot, .. }) => prop_assert_eq!(&r.snapshot, snapshot),
                        other => prop_assert!(false, "frame {} was {:?}", r.seq, other),
                    }
                    got.insert(r.seq, ());
                }
                Event::Undescribed { seq, .. } => { undescribed.insert(*seq); }
                Event::Bad(_) => bad += 1,
                _ => {}
            }
        }
        // Every untouched frame is recovered.
        let lost_schemas: BTreeSet<u32> = known
            .iter()
            .filter(|(seq, _)| touched.contains(seq))
            .filter_map(|(_, k)| match k {
                Known::Description { schema } => Some(*schema),
                _ => None,
            })
            .collect();
        for (seq, k) in &known {
            if touched.contains(seq) {
                continue;
            }
            match k {
                Known::Description { .. } => prop_assert!(described.contains(seq), "description {} lost", seq),
                Known::Values { schema, .. } => prop_assert!(
                    got.contains_key(seq)
                        // Readable only with a description that was damaged.
                        || (undescribed.contains(seq) && lost_schemas.contains(schema)),
                    "value frame {} lost", seq
                ),
            }
        }
        // Every damaged frame is reported (at least once: inserted zeros
        // can split one into several).
        prop_assert!(bad >= touched.len(), "{} bad events for {} damaged frames", bad, touched.len());
        let stats = dec.stats();
        prop_assert_eq!(stats.bad, bad as u64);
        // Gaps in the sequence numbers of the frames that arrived intact.
        let good: BTreeSet<u32> = described.iter().chain(got.keys()).chain(&undescribed).copied().collect();
        if let (Some(first), Some(last)) = (good.first(), good.last()) {
            prop_assert_eq!(stats.missed, u64::from(last - first + 1) - good.len() as u64);
        }
        prop_assert_eq!(stats.reboots, 0);
    }

    #[test]
    fn decoder_survives_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000), chunk in 1..100usize) {
        let (events, dec) = decode(&bytes, &[chunk]);
        prop_assert_eq!(
            dec.stats().bad,
            events.iter().filter(|e| matches!(e, Event::Bad(_))).count() as u64
        );
    }
}

// ---- behaviour ----

fn counter_snapshot(series: &[&str], value: u64) -> Snapshot {
    Snapshot {
        families: vec![FamilySnapshot {
            name: "calls".into(),
            help: "Calls.".into(),
            kind: MetricKind::Counter,
            unit: None,
            series: series
                .iter()
                .map(|f| SeriesSnapshot {
                    labels: vec![("function".into(), f.to_string())],
                    value: ValueSnapshot::Counter(value),
                    exemplar: None,
                })
                .collect(),
        }],
    }
}

#[test]
fn descriptions_go_out_first_on_change_on_request_and_periodically() {
    let a = counter_snapshot(&["a"], 1);
    let ab = counter_snapshot(&["a", "b"], 2);
    let mut enc = FrameEncoder::new(1);
    let mut dec = FrameDecoder::new();
    let mut step = |s: &Snapshot, enc: &mut FrameEncoder| {
        let mut wire = Vec::new();
        enc.write(s, &mut wire).unwrap();
        kinds(&dec.feed(&wire))
    };
    assert_eq!(step(&a, &mut enc), "DS");
    assert_eq!(step(&a, &mut enc), "S");
    // A new series: the value frame first, held until its description.
    assert_eq!(step(&ab, &mut enc), "UDS");
    assert_eq!(step(&ab, &mut enc), "S");
    enc.request_description();
    assert_eq!(step(&ab, &mut enc), "DS");
    assert_eq!(step(&ab, &mut enc), "S");

    let mut enc = FrameEncoder::new(2).describe_every(2);
    let pattern: String = (0..5)
        .map(|_| step(&a, &mut enc))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(pattern, "DS S DS S DS");
}

#[test]
fn the_encoder_state_is_small() {
    // What a firmware keeps in RAM between snapshots.
    assert_eq!(std::mem::size_of::<FrameEncoder>(), 24);
}

#[test]
fn a_late_host_waits_for_a_description_and_can_ask_for_one() {
    let s = counter_snapshot(&["a"], 1);
    let mut enc = FrameEncoder::new(1);
    let mut wire = Vec::new();
    enc.write(&s, &mut wire).unwrap();
    let mut dec = FrameDecoder::new();
    // The host attaches after the description went by.
    let mut late = Vec::new();
    enc.write(&s, &mut late).unwrap();
    assert_eq!(kinds(&dec.feed(&late)), "U");
    assert!(dec.wants_description());
    enc.request_description();
    let mut next = Vec::new();
    enc.write(&s, &mut next).unwrap();
    // The held frame is read as soon as the description arrives.
    let events = dec.feed(&next);
    assert_eq!(kinds(&events), "DSS");
    assert!(!dec.wants_description());
    let seqs: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            Event::Snapshot(r) => Some(r.seq),
            _ => None,
        })
        .collect();
    assert_eq!(seqs, [2, 4]);
    assert_eq!(dec.stats().undescribed, 1);
    assert_eq!(dec.stats().missed, 0);
}

#[test]
fn reboots_and_gaps() {
    let s = counter_snapshot(&["a"], 1);
    let mut wire = Vec::new();
    let mut first = FrameEncoder::new(100);
    first.write(&s, &mut wire).unwrap();
    first.write(&s, &mut wire).unwrap();
    // Two frames never arrive.
    let mut lost = Vec::new();
    first.write(&s, &mut lost).unwrap();
    first.write(&s, &mut lost).unwrap();
    first.write(&s, &mut wire).unwrap();
    // The device restarts: a new boot id, sequence from 0.
    let mut second = FrameEncoder::new(200);
    second.write(&s, &mut wire).unwrap();
    second.write(&s, &mut wire).unwrap();

    let mut dec = FrameDecoder::new();
    let events = dec.feed(&wire);
    let received: Vec<(u32, u32, bool)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Snapshot(r) => Some((r.boot_id, r.seq, r.rebooted)),
            _ => None,
        })
        .collect();
    assert_eq!(
        received,
        [
            (100, 1, false),
            (100, 2, false),
            (100, 5, false),
            (200, 1, true),
            (200, 2, false)
        ]
    );
    let stats = dec.stats();
    assert_eq!(stats.missed, 2);
    assert_eq!(stats.reboots, 1);
    assert_eq!(stats.bad, 0);
    assert_eq!(stats.frames, 7);
}

#[test]
fn the_live_registry_and_exemplars_round_trip() {
    fixture();
    for source in [
        Snapshot::capture(&omnimetrics::registry()),
        Snapshot::capture(&WithExemplars),
    ] {
        let mut wire = Vec::new();
        FrameEncoder::new(9).write(&source, &mut wire).unwrap();
        let (events, _) = decode(&wire, &[5]);
        assert_eq!(snapshots_of(&events), [source]);
    }
    // Straight from the live registry, not through a snapshot.
    let mut wire = Vec::new();
    FrameEncoder::new(9)
        .write(&omnimetrics::registry(), &mut wire)
        .unwrap();
    let (events, _) = decode(&wire, &[64]);
    assert_eq!(
        snapshots_of(&events),
        [Snapshot::capture(&omnimetrics::registry())]
    );
}

/// What a source declares it hands out (`Source::EXEMPLARS`,
/// `SCALED_VALUES`) selects the walker's code: declared, exemplars and
/// scaled values go out; not declared, they are left out (exemplars alone,
/// scaled values with their series), and nothing else changes.
#[test]
fn what_a_source_declares_selects_the_code() {
    fn round_trip<S: omnimetrics::visit::Source>(source: &S) -> Snapshot {
        let mut wire = Vec::new();
        FrameEncoder::new(3).write(source, &mut wire).unwrap();
        let (events, _) = decode(&wire, &[16]);
        let mut snaps = snapshots_of(&events);
        assert_eq!(snaps.len(), 1);
        snaps.remove(0)
    }
    let with = Snapshot::capture(&WithExemplars);
    assert!(
        with.families
            .iter()
            .flat_map(|f| &f.series)
            .any(|s| s.exemplar.is_some())
    );
    assert_eq!(round_trip(&Declared::<_, true, true, false>(&with)), with);
    let mut without = with.clone();
    for f in &mut without.families {
        for s in &mut f.series {
            s.exemplar = None;
        }
    }
    assert_eq!(
        round_trip(&Declared::<_, true, false, true>(&with)),
        without
    );

    let scaled = Snapshot {
        families: vec![FamilySnapshot {
            name: "cpu_seconds".into(),
            help: "CPU time.".into(),
            kind: MetricKind::Counter,
            unit: None,
            series: vec![
                SeriesSnapshot {
                    labels: vec![("mode".into(), "user".into())],
                    value: ValueSnapshot::ScaledCounter {
                        value: 1_500_000_000,
                        scale: 9,
                    },
                    exemplar: None,
                },
                SeriesSnapshot {
                    labels: vec![("mode".into(), "ticks".into())],
                    value: ValueSnapshot::Counter(7),
                    exemplar: None,
                },
            ],
        }],
    };
    assert_eq!(
        round_trip(&Declared::<_, false, true, true>(&scaled)),
        scaled
    );
    let mut plain = scaled.clone();
    plain.families[0].series.remove(0);
    assert_eq!(
        round_trip(&Declared::<_, false, true, false>(&scaled)),
        plain
    );
}

/// Values the wire format cannot carry (a histogram with the wrong number
/// of counts, scaled values with a scale above 19) cost only their own
/// series, never the frame: a decoder rejects a frame that holds one.
#[test]
fn series_the_format_cannot_carry_are_left_out_not_the_frame() {
    let mut snap = counter_snapshot(&["kept"], 5);
    let series = |name: &str, value| SeriesSnapshot {
        labels: vec![("function".into(), name.into())],
        value,
        exemplar: None,
    };
    let family = |name: &str, kind, series| FamilySnapshot {
        name: name.into(),
        help: "h".into(),
        kind,
        unit: None,
        series,
    };
    snap.families[0].series.push(series(
        "too_fine",
        ValueSnapshot::ScaledCounter {
            value: 1,
            scale: 20,
        },
    ));
    let histogram = |counts: Vec<u64>, scale| {
        ValueSnapshot::Histogram(omnimetrics::HistogramSnapshot {
            bounds: vec![1, 2],
            scale,
            counts,
            sum: 3,
        })
    };
    snap.families.push(family(
        "latency",
        MetricKind::Histogram,
        vec![
            series("short", histogram(vec![1, 2], 0)),
            series("ok", histogram(vec![1, 0, 2], 0)),
            series("long", histogram(vec![1, 0, 2, 7], 0)),
        ],
    ));
    snap.families.push(family(
        "offset",
        MetricKind::Gauge,
        vec![
            series(
                "fine",
                ValueSnapshot::ScaledGauge {
                    value: -15,
                    scale: 1,
                },
            ),
            series(
                "too_fine",
                ValueSnapshot::ScaledGauge {
                    value: 1,
                    scale: 200,
                },
            ),
        ],
    ));
    let (events, _) = decode(&encode_all(&[snap.clone(), snap], 0), &[7]);
    assert!(bad(&events).is_empty(), "{}", kinds(&events));
    let got = snapshots_of(&events);
    assert_eq!(got.len(), 2);
    let names = |s: &Snapshot, family: usize| -> Vec<String> {
        s.families[family]
            .series
            .iter()
            .map(|x| x.labels[0].1.clone())
            .collect()
    };
    for s in &got {
        assert_eq!(names(s, 0), ["kept"]);
        assert_eq!(s.families[0].series[0].value, ValueSnapshot::Counter(5));
        assert_eq!(names(s, 1), ["ok"]);
        assert_eq!(names(s, 2), ["fine"]);
    }
}

#[test]
fn a_buffer_too_small_changes_nothing() {
    fixture();
    let mut enc = FrameEncoder::new(3);
    let mut small = [0u8; 64];
    assert_eq!(
        enc.write_to_slice(&omnimetrics::registry(), &mut small),
        Err(EncodeError::BufferTooSmall)
    );
    assert_eq!(enc.sequence(), 0);
    let mut big = vec![0u8; 64 * 1024];
    let n = enc
        .write_to_slice(&omnimetrics::registry(), &mut big)
        .unwrap();
    let (events, _) = decode(&big[..n], &[n]);
    assert_eq!(kinds(&events), "DS");
    match &events[0] {
        Event::Described { seq, .. } => assert_eq!(*seq, 0),
        e => panic!("{e:?}"),
    }
    assert_eq!(
        EncodeError::BufferTooSmall.to_string(),
        "the frames do not fit in the buffer"
    );
}

/// A frame from a body, per the format docs: CRC-32C, COBS, 0x00.
fn bad(events: &[Event]) -> Vec<DecodeError> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Bad(b) => Some(*b),
            _ => None,
        })
        .collect()
}

#[test]
fn frames_the_encoder_never_writes() {
    // Description, boot 1, seq 0: family "c" (counter), one series, no
    // labels; End with schema 5.
    let desc = [1, 0, 1, 0, 0, 1, b'c', 0, 0, 0, 1, 0, 0, 6, 5];
    let mut dec = FrameDecoder::new();
    assert_eq!(kinds(&dec.feed(&frame(&desc))), "D");
    // Values for schema 5, seq 1: one counter (7) → a snapshot.
    let events = dec.feed(&frame(&[1, 1, 1, 1, 2, 7, 6, 5]));
    assert_eq!(snapshots_of(&events), [counter_snapshot_c(7)]);
    let cases: &[(&[u8], DecodeError)] = &[
        // Two values for one series.
        (
            &[1, 1, 1, 2, 2, 7, 2, 8, 6, 5],
            DecodeError::SchemaMismatch { schema: 5 },
        ),
        // A gauge for a counter.
        (
            &[1, 1, 1, 3, 3, 7, 6, 5],
            DecodeError::SchemaMismatch { schema: 5 },
        ),
        // Version 2.
        (&[2, 1, 1, 4, 2, 7, 6, 5], DecodeError::Version(2)),
        // Bytes after End.
        (&[1, 1, 1, 5, 2, 7, 6, 5, 0], DecodeError::Malformed),
        // No End.
        (&[1, 1, 1, 6, 2, 7], DecodeError::Malformed),
        // An unknown record.
        (&[1, 1, 1, 7, 9, 6, 5], DecodeError::Malformed),
        // An exemplar with no value before it.
        (&[1, 1, 1, 8, 5, 0, 1, 0, 0, 6, 5], DecodeError::Malformed),
        // A description record in a value frame.
        (
            &[1, 1, 1, 9, 0, 1, b'c', 0, 0, 0, 6, 5],
            DecodeError::Malformed,
        ),
        // "Same" label with no previous series.
        (
            &[1, 0, 1, 10, 0, 1, b'c', 0, 0, 0, 1, 1, 0, 0, 6, 5],
            DecodeError::Malformed,
        ),
        // A counter family with buckets.
        (
            &[1, 0, 1, 11, 0, 1, b'c', 0, 0, 0, 1, 0, 2, 0, 0, 6, 5],
            DecodeError::Malformed,
        ),
        // A series before any family.
        (&[1, 0, 1, 12, 1, 0, 0, 6, 5], DecodeError::Malformed),
        // Invalid UTF-8 in a name.
        (
            &[1, 0, 1, 13, 0, 1, 0xFF, 0, 0, 0, 6, 5],
            DecodeError::Malformed,
        ),
        // Header only, too short for a CRC.
        (&[], DecodeError::TooShort),
    ];
    for (body, expect) in cases {
        assert_eq!(bad(&dec.feed(&frame(body))), [*expect], "{body:?}");
    }
    // One 10 kB label value, then a hundred series that repeat it: 1 MB
    // once expanded, from 10 kB of frame.
    let mut bomb = vec![
        1, 0, 1, 15, 0, 1, b'c', 0, 0, 0, 1, 1, 2, 1, b'k', 0x90, 0x4E,
    ];
    bomb.extend([b'x'; 10_000]);
    bomb.push(0);
    for _ in 0..100 {
        bomb.extend([1, 1, 0, 0]);
    }
    bomb.extend([6, 5]);
    assert_eq!(bad(&dec.feed(&frame(&bomb))), [DecodeError::TooLarge]);
    // The same with ten repeats is a fine description.
    bomb.truncate(17 + 10_001 + 40);
    bomb.extend([6, 5]);
    assert_eq!(kinds(&dec.feed(&frame(&bomb))), "D");
    // A bad CRC, and bytes that are not COBS (a length byte past the end).
    let mut f = frame(&[1, 1, 1, 14, 2, 7, 6, 5]);
    f[3] ^= 0x40;
    assert_eq!(bad(&dec.feed(&f)), [DecodeError::Checksum]);
    assert_eq!(bad(&dec.feed(&[9, 1, 2, 0])), [DecodeError::Cobs]);
    assert_eq!(bad(&dec.feed(&[1, 0])), [DecodeError::TooShort]);
    // Empty frames are nothing at all.
    assert!(dec.feed(&[0, 0, 0]).is_empty());
    // Every error has a message.
    for e in bad(&dec.feed(&frame(&[2, 1, 1, 4, 2, 7, 6, 5]))) {
        assert!(!e.to_string().is_empty());
    }
}

fn counter_snapshot_c(v: u64) -> Snapshot {
    Snapshot {
        families: vec![FamilySnapshot {
            name: "c".into(),
            help: String::new(),
            kind: MetricKind::Counter,
            unit: None,
            series: vec![SeriesSnapshot {
                labels: vec![],
                value: ValueSnapshot::Counter(v),
                exemplar: None,
            }],
        }],
    }
}

#[test]
fn overlong_frames_are_dropped_and_the_stream_resumes() {
    let s = counter_snapshot(&["a"], 1);
    let mut wire = vec![0x55; 5000];
    wire.push(0);
    FrameEncoder::new(1).write(&s, &mut wire).unwrap();
    let mut dec = FrameDecoder::with_max_frame_len(1000);
    let mut events = Vec::new();
    for chunk in wire.chunks(333) {
        events.extend(dec.feed(chunk));
    }
    assert_eq!(bad(&events), [DecodeError::TooLong { limit: 1000 }]);
    assert_eq!(snapshots_of(&events), [s]);
}

/// The fuzz target's seed corpus is the encoder's current output: when the
/// format changes, this fails until the seeds are regenerated with
/// `OMNIMETRICS_BLESS=1 cargo test -p omnimetrics-sinks --features alloc --test frames`.
#[test]
fn fuzz_seed_corpus_is_current() {
    fixture();
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut wire = Vec::new();
    let mut enc = FrameEncoder::new(0x1234_5678);
    let mut live = Snapshot::capture(&omnimetrics::registry());
    // Measured durations differ from run to run; the seed must not.
    for f in &mut live.families {
        for s in &mut f.series {
            if let ValueSnapshot::Histogram(h) = &mut s.value {
                h.counts
                    .iter_mut()
                    .enumerate()
                    .for_each(|(i, c)| *c = i as u64);
                h.sum = 1_500_000_000;
            }
        }
    }
    enc.write(&live, &mut wire).unwrap();
    enc.write(&live, &mut wire).unwrap();
    seeds.push(("live-registry", wire));
    let mut wire = Vec::new();
    FrameEncoder::new(1)
        .write(&Snapshot::capture(&WithExemplars), &mut wire)
        .unwrap();
    seeds.push(("exemplars", wire));
    let mut wire = Vec::new();
    let mut enc = FrameEncoder::new(2);
    enc.write(&counter_snapshot(&["a"], 1), &mut wire).unwrap();
    enc.write(&counter_snapshot(&["a", "b"], 2), &mut wire)
        .unwrap();
    seeds.push(("schema-change", wire));
    seeds.push((
        "hand-made",
        frame(&[1, 0, 1, 0, 0, 1, b'c', 0, 0, 0, 1, 0, 0, 6, 5]),
    ));
    // The fuzz target reads the first byte as its chunk size.
    for (name, bytes) in &mut seeds {
        bytes.insert(0, 7);
        common::frames::check_seed(name, bytes);
    }
}

/// Splits a stream into its frames (each with its terminating 0x00).
fn split_frames(wire: &[u8]) -> Vec<Vec<u8>> {
    wire.split_inclusive(|&b| b == 0)
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn value_frames_wait_for_a_damaged_description_to_come_again() {
    // A device that describes itself every 4 reports, whose first
    // description is damaged on the way: the 3 untouched value frames that
    // follow are held, then read when the next description arrives.
    let snaps: Vec<Snapshot> = (1..=8).map(|v| counter_snapshot(&["a", "b"], v)).collect();
    let mut enc = FrameEncoder::new(7).describe_every(4);
    let mut frames = Vec::new();
    for s in &snaps {
        let mut wire = Vec::new();
        enc.write(s, &mut wire).unwrap();
        frames.extend(split_frames(&wire));
    }
    let mut wire = Vec::new();
    let mut first_description = true;
    for f in &frames {
        let mut dec = FrameDecoder::new();
        let is_description = dec
            .feed(f)
            .iter()
            .any(|e| matches!(e, Event::Described { .. }));
        if is_description && first_description {
            first_description = false;
            let mut damaged = f.clone();
            damaged[1] ^= 0x55;
            wire.extend(damaged);
        } else {
            wire.extend_from_slice(f);
        }
    }
    let (events, dec) = decode(&wire, &[7]);
    assert_eq!(dec.stats().bad, 1);
    assert!(dec.stats().undescribed >= 3, "{:?}", dec.stats());
    // Every value frame is read, the held ones first, in order.
    assert_eq!(snapshots_of(&events), snaps);
    assert!(!dec.wants_description());
}
