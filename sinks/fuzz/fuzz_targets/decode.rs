//! The frame decoder on any bytes, fed in chunks of any size.
//!
//! Besides not panicking: every bad frame is reported and counted, and
//! whatever the decoder accepts is a snapshot the encoders handle (the text
//! encoders write it, and it survives frames again unchanged).
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnimetrics::ValueSnapshot;
use omnimetrics_sinks::frame::{Event, FrameDecoder, FrameEncoder};
use omnimetrics_sinks::text::{Format, encode};

fuzz_target!(|data: &[u8]| {
    // The first byte chooses the chunk size (0: all at once).
    let (chunk, stream) = match data.split_first() {
        Some((&c, rest)) => (if c == 0 { rest.len().max(1) } else { usize::from(c) }, rest),
        None => return,
    };
    let mut decoder = FrameDecoder::with_max_frame_len(1 << 16);
    let mut events = Vec::new();
    for piece in stream.chunks(chunk) {
        events.extend(decoder.feed(piece));
    }
    let bad = events.iter().filter(|e| matches!(e, Event::Bad(_))).count();
    assert_eq!(decoder.stats().bad, bad as u64);

    for event in events {
        let Event::Snapshot(received) = event else {
            continue;
        };
        let snapshot = received.snapshot;
        for s in snapshot.families.iter().flat_map(|f| &f.series) {
            if let ValueSnapshot::Histogram(h) = &s.value {
                assert_eq!(h.counts.len(), h.bounds.len() + 1);
            }
        }
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let mut text = String::new();
            encode(&snapshot, format, &mut text).unwrap();
        }
        let mut wire = Vec::new();
        FrameEncoder::new(received.boot_id).write(&snapshot, &mut wire).unwrap();
        let again: Vec<_> = FrameDecoder::new()
            .feed(&wire)
            .into_iter()
            .filter_map(|e| match e {
                Event::Snapshot(r) => Some(r.snapshot),
                _ => None,
            })
            .collect();
        assert_eq!(again, [snapshot]);
    }
});
