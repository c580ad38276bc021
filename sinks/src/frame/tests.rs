//! The hand-written encoder against the format's definition: postcard's own
//! (de)serializer, the `cobs` crate, the documented fingerprint, and the
//! worked example of the module docs.

extern crate std;

use super::wire::{Buckets, FrameKind, Header, Label, Record};
use super::writer::{FNV_OFFSET, fnv};
use super::*;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use omnimetrics::visit::MetricKind;
use omnimetrics::{
    ExemplarSnapshot, FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot,
};

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Every record type, repeated labels and bounds, a 300-byte label value
/// (longer than a COBS block and than the recall buffer), zero bytes.
fn rich() -> Snapshot {
    let long = "x".repeat(300);
    let hist = |counts: Vec<u64>| {
        ValueSnapshot::Histogram(HistogramSnapshot {
            bounds: vec![5_000_000, 1_000_000_000],
            scale: 9,
            counts,
            sum: 1_234_567_890,
        })
    };
    Snapshot {
        families: vec![
            FamilySnapshot {
                name: "function_calls".into(),
                help: "Calls.".into(),
                kind: MetricKind::Counter,
                unit: None,
                series: vec![
                    SeriesSnapshot {
                        labels: labels(&[("function", "a"), ("result", "ok")]),
                        value: ValueSnapshot::Counter(0),
                        exemplar: None,
                    },
                    SeriesSnapshot {
                        labels: labels(&[("function", "a"), ("result", "error")]),
                        value: ValueSnapshot::Counter(u64::MAX),
                        exemplar: Some(ExemplarSnapshot {
                            labels: labels(&[("trace_id", "0af7651916cd43dd8448eb211c80319c")]),
                            value: (1, 0),
                            bucket: None,
                        }),
                    },
                    SeriesSnapshot {
                        labels: labels(&[("function", &long), ("result", "\0ok")]),
                        value: ValueSnapshot::Counter(256),
                        exemplar: None,
                    },
                ],
            },
            FamilySnapshot {
                name: "g".into(),
                help: String::new(),
                kind: MetricKind::Gauge,
                unit: None,
                series: vec![SeriesSnapshot {
                    labels: vec![],
                    value: ValueSnapshot::Gauge(i64::MIN),
                    exemplar: None,
                }],
            },
            FamilySnapshot {
                name: "function_calls_duration_seconds".into(),
                help: "Durations.".into(),
                kind: MetricKind::Histogram,
                unit: Some("seconds".into()),
                series: vec![
                    SeriesSnapshot {
                        labels: labels(&[("function", "a")]),
                        value: hist(vec![1, 2, 3]),
                        exemplar: Some(ExemplarSnapshot {
                            labels: labels(&[("trace_id", "t")]),
                            value: (4_000_000, 9),
                            bucket: Some(0),
                        }),
                    },
                    SeriesSnapshot {
                        labels: labels(&[("function", "b")]),
                        value: hist(vec![0, 0, 0]),
                        exemplar: None,
                    },
                ],
            },
        ],
    }
}

fn frames(snap: &Snapshot) -> Vec<Vec<u8>> {
    let mut wire = Vec::new();
    FrameEncoder::new(0xDEAD_BEEF)
        .write(snap, &mut wire)
        .unwrap();
    wire.split_inclusive(|&b| b == 0)
        .map(<[u8]>::to_vec)
        .collect()
}

/// COBS-decodes with the `cobs` crate and checks the CRC; returns the body.
fn body(frame: &[u8]) -> Vec<u8> {
    assert_eq!(frame.last(), Some(&0));
    let decoded = cobs::decode_vec(&frame[..frame.len() - 1]).unwrap();
    let (body, crc) = decoded.split_at(decoded.len() - 4);
    let expect = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI).checksum(body);
    assert_eq!(crc, expect.to_le_bytes());
    body.to_vec()
}

/// Parses a body with postcard into its header and records.
fn records(body: &[u8]) -> (Header, Vec<Record<'_>>) {
    let (header, mut rest) = postcard::take_from_bytes::<Header>(body).unwrap();
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (r, after) = postcard::take_from_bytes::<Record<'_>>(rest).unwrap();
        out.push(r);
        rest = after;
    }
    (header, out)
}

#[test]
fn bytes_are_postcard_and_cobs() {
    let frames = frames(&rich());
    assert_eq!(frames.len(), 2, "a description, then values");
    for (i, frame) in frames.iter().enumerate() {
        // No 0x00 inside a frame.
        assert!(!frame[..frame.len() - 1].contains(&0));
        let body = body(frame);
        let (header, records) = records(&body);
        assert_eq!(
            header,
            Header {
                version: VERSION,
                kind: if i == 0 {
                    FrameKind::Description
                } else {
                    FrameKind::Values
                },
                boot_id: 0xDEAD_BEEF,
                seq: i as u32,
            }
        );
        // postcard's serializer gives back exactly the encoder's bytes.
        let mut again = postcard::to_allocvec(&header).unwrap();
        for r in &records {
            again.extend(postcard::to_allocvec(r).unwrap());
        }
        assert_eq!(again, body);
        assert!(matches!(records.last(), Some(Record::End { .. })));
    }
}

#[test]
fn descriptions_send_repeats_as_same() {
    let frames = frames(&rich());
    let body = body(&frames[0]);
    let (_, records) = records(&body);
    let series: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Series { labels, buckets } => Some((labels, buckets)),
            _ => None,
        })
        .collect();
    assert_eq!(
        series[0].0,
        &[Label::Full("function", "a"), Label::Full("result", "ok")]
    );
    assert_eq!(series[1].0, &[Label::Same, Label::Value("error")]);
    // The 300-byte value did not fit the recall buffer: the next series
    // cannot refer to it, and gets the name and value in full.
    assert_eq!(series[2].0[1], Label::Value("\0ok"));
    assert!(matches!(series[3].0.as_slice(), []));
    // Across families: `function` was the previous series' first label
    // name? No: the gauge series had no labels, so this is in full.
    assert_eq!(series[4].0, &[Label::Full("function", "a")]);
    assert!(matches!(series[4].1, Buckets::New { scale: 9, .. }));
    assert_eq!(series[5].0, &[Label::Value("b")]);
    assert_eq!(series[5].1, &Buckets::Same);
}

#[test]
fn schema_is_fnv_of_the_description_records() {
    let frames = frames(&rich());
    let description = body(&frames[0]);
    let (_, described) = records(&description);
    // The description's records as sent (shortened), `End` excluded.
    let mut sent = Vec::new();
    for r in &described[..described.len() - 1] {
        sent.extend(postcard::to_allocvec(r).unwrap());
    }
    let expect = fnv(FNV_OFFSET, &sent);
    for frame in &frames {
        let body = body(frame);
        let (_, all) = records(&body);
        assert_eq!(all.last(), Some(&Record::End { schema: expect }));
    }
    // The same series give the same id in a later frame pair, and a
    // change of a single label value gives another.
    let mut enc = FrameEncoder::new(1);
    let schema = |enc: &mut FrameEncoder, snap: &Snapshot| {
        let mut wire = Vec::new();
        enc.write_values(snap, &mut wire).unwrap()
    };
    let first = schema(&mut enc, &rich());
    assert_eq!(first, expect);
    assert_eq!(schema(&mut enc, &rich()), first);
    let mut changed = rich();
    changed.families[0].series[1].labels[1].1 = "err".into();
    assert_ne!(schema(&mut enc, &changed), first);
}

#[test]
fn cobs_block_boundaries() {
    // Label values that put the frame's zero bytes and block ends at every
    // offset around the 254-byte block length.
    for len in 240..270 {
        let mut snap = rich();
        snap.families[1].series[0].labels = labels(&[("v", &"y".repeat(len))]);
        for frame in frames(&snap) {
            let body = body(&frame);
            let _ = records(&body);
            // The `cobs` crate's encoder agrees up to the optional final
            // empty block after a full one.
            let mut with_crc = body.clone();
            with_crc.extend(
                crc::Crc::<u32>::new(&crc::CRC_32_ISCSI)
                    .checksum(&body)
                    .to_le_bytes(),
            );
            let theirs = cobs::encode_vec(&with_crc);
            let ours = &frame[..frame.len() - 1];
            assert!(
                ours == theirs.as_slice() || ours.strip_suffix(&[1]) == Some(theirs.as_slice()),
                "len {len}"
            );
        }
    }
}

#[test]
fn the_documented_example() {
    let snap = Snapshot {
        families: vec![FamilySnapshot {
            name: "boots".into(),
            help: String::new(),
            kind: MetricKind::Counter,
            unit: None,
            series: vec![SeriesSnapshot {
                labels: vec![],
                value: ValueSnapshot::Counter(1),
                exemplar: None,
            }],
        }],
    };
    let mut wire = Vec::new();
    FrameEncoder::new(7).write(&snap, &mut wire).unwrap();
    let frames: Vec<_> = wire.split_inclusive(|&b| b == 0).collect();
    let hex = |b: &[u8]| {
        b.iter()
            .map(|x| std::format!("{x:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let schema = [0xF8, 0xE8, 0xD6, 0xCD, 0x02];
    let mut desc = vec![0x01, 0x00, 0x07, 0x00, 0x00, 0x05];
    desc.extend(b"boots");
    desc.extend([0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x06]);
    desc.extend(schema);
    let mut values = vec![0x01, 0x01, 0x07, 0x01, 0x02, 0x01, 0x06];
    values.extend(schema);
    assert_eq!(hex(&body(frames[0])), hex(&desc));
    assert_eq!(hex(&body(frames[1])), hex(&values));
}

/// `body` framed as the format says: CRC-32C, COBS, `0x00`.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut with_crc = body.to_vec();
    with_crc.extend(
        crc::Crc::<u32>::new(&crc::CRC_32_ISCSI)
            .checksum(body)
            .to_le_bytes(),
    );
    let mut out = cobs::encode_vec(&with_crc);
    out.push(0);
    out
}

#[test]
fn value_frames_waiting_for_a_description_stay_within_the_memory_budget() {
    // Value frames of many tiny records for a schema never described: a
    // few bytes each on the wire, far more once decoded. Held in number
    // and in memory only up to the decoder's limits.
    let mut decoder = FrameDecoder::new();
    for seq in 0..40u32 {
        let header = Header {
            version: VERSION,
            kind: FrameKind::Values,
            boot_id: 1,
            seq,
        };
        let mut body = postcard::to_allocvec(&header).unwrap();
        for _ in 0..20_000 {
            body.extend(postcard::to_allocvec(&Record::Counter(0)).unwrap());
        }
        body.extend(postcard::to_allocvec(&Record::End { schema: 0x0BAD }).unwrap());
        let events = decoder.feed(&framed(&body));
        assert!(
            matches!(events.as_slice(), [Event::Undescribed { .. }]),
            "{events:?}"
        );
        let held = decoder.held_bytes();
        assert!(
            held <= 8 << 20,
            "{held} bytes held after {} frames",
            seq + 1
        );
    }
    assert!(decoder.wants_description());
    assert_eq!(decoder.stats().undescribed, 40);
}
