//! Damaging a captured frame stream on purpose: what a noisy serial line
//! does. Bytes are flipped, dropped, duplicated, frame ends lost and garbage
//! inserted, in many seeded trials; each damaged stream goes through the
//! sinks' decoder in random chunk sizes.
//!
//! The expectation is computed independently of the decoder. The damaged
//! stream is cut at its `0x00` bytes; a piece that equals a frame of the
//! capture byte for byte is untouched, any other piece is damaged. Then:
//! - every damaged piece is dropped and counted as exactly one bad frame;
//! - every untouched description frame is read;
//! - every untouched value frame is read, into exactly the snapshot the
//!   clean capture gave for it, as soon as a description of its schema
//!   has arrived intact (the decoder holds up to
//!   `omnimetrics_sinks::frame::MAX_PENDING` value frames that wait for
//!   one, and reads them in order when it comes); it is counted as
//!   undescribed until then;
//! - lost frames between the first and the last untouched one are counted
//!   as missed;
//! - when the last frame is untouched, its totals still equal the
//!   firmware's own counts exactly;
//! - nothing panics, also on pure garbage and on a stream cut short.
//!
//! The frames' header and schema id are read here with a few lines of
//! COBS and varint code, following the format's specification in
//! `omnimetrics_sinks::frame`, so the oracle does not lean on the decoder.

use crate::compare;
use crate::expect::Expectations;
use crate::frames::{self, Decoded};
use omnimetrics::Snapshot;
use omnimetrics_sinks::frame::{Event, MAX_PENDING};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Damaged streams to try.
const TRIALS: u64 = 300;
/// Descriptions the decoder keeps (its documented behaviour).
const KEPT_DESCRIPTIONS: usize = 4;

/// Deterministic dice, so a failing trial can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Description,
    Values,
}

/// What a frame of the capture is, read from its own bytes.
#[derive(Clone, Copy, Debug)]
struct FrameInfo {
    kind: Kind,
    boot_id: u32,
    seq: u32,
    schema: u32,
}

fn cobs_decode(piece: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(piece.len());
    let mut i = 0;
    while i < piece.len() {
        let code = usize::from(piece[i]);
        if code == 0 || i + code > piece.len() {
            return None;
        }
        out.extend_from_slice(&piece[i + 1..i + code]);
        i += code;
        if code < 255 && i < piece.len() {
            out.push(0);
        }
    }
    Some(out)
}

fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Header and schema id of a frame (COBS-encoded, without its `0x00`).
fn frame_info(piece: &[u8]) -> Option<FrameInfo> {
    let decoded = cobs_decode(piece)?;
    let body = decoded.get(..decoded.len().checked_sub(4)?)?;
    let mut at = 1; // version
    let kind = match varint(body, &mut at)? {
        0 => Kind::Description,
        1 => Kind::Values,
        _ => return None,
    };
    let boot_id = u32::try_from(varint(body, &mut at)?).ok()?;
    let seq = u32::try_from(varint(body, &mut at)?).ok()?;
    // The body ends with the `End` record: tag 6, then the schema varint,
    // whose last byte is the only one without the high bit.
    let mut start = body.len() - 1;
    while start > 0 && body[start - 1] & 0x80 != 0 {
        start -= 1;
    }
    if start == 0 || body[start - 1] != 6 {
        return None;
    }
    let schema = u32::try_from(varint(body, &mut start)?).ok()?;
    Some(FrameInfo {
        kind,
        boot_id,
        seq,
        schema,
    })
}

/// The capture cut into frames: `(bytes without the 0x00, info)`.
fn split(uart: &[u8]) -> Result<Vec<(&[u8], FrameInfo)>, String> {
    uart.split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| {
            frame_info(p)
                .map(|i| (p, i))
                .ok_or_else(|| "a frame of the clean capture does not parse".to_owned())
        })
        .collect()
}

/// What the decoder should report, per untouched frame or damaged piece.
#[derive(Debug, PartialEq)]
enum Want {
    Bad,
    Described { seq: u32, schema: u32 },
    Snapshot { seq: u32 },
    Undescribed { seq: u32 },
}

#[derive(Default)]
struct Totals {
    frames_damaged: usize,
    pieces_bad: usize,
    values_untouched: usize,
    values_read: usize,
    values_without_description: usize,
    final_exact: usize,
}

/// One damaged copy of the stream.
fn damage(frames: &[(&[u8], FrameInfo)], rng: &mut Rng) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    if rng.below(4) == 0 {
        // Line noise before the device started.
        for _ in 0..1 + rng.below(40) {
            out.push(rng.next() as u8);
        }
    }
    out.push(0);
    let hits = 1 + rng.below(6);
    let mut targets: Vec<usize> = (0..hits).map(|_| rng.below(frames.len())).collect();
    targets.sort_unstable();
    targets.dedup();
    for (i, (bytes, _)) in frames.iter().enumerate() {
        let mut frame = bytes.to_vec();
        let mut terminator = true;
        if targets.contains(&i) {
            let at = rng.below(frame.len());
            match rng.below(5) {
                // Flip bits of one byte, never into a 0x00 (that would
                // split the frame, which `Garbage` covers).
                0 => {
                    let mask = 1 + rng.below(255) as u8;
                    frame[at] = if frame[at] ^ mask == 0 {
                        frame[at] ^ 0x81
                    } else {
                        frame[at] ^ mask
                    };
                    if frame[at] == 0 {
                        frame[at] = 0x55;
                    }
                }
                1 => {
                    frame.remove(at);
                }
                2 => {
                    let len = 1 + rng.below(8).min(frame.len() - at - 1);
                    let run = frame[at..at + len].to_vec();
                    frame.splice(at..at, run);
                }
                3 => terminator = false,
                _ => {
                    let garbage: Vec<u8> =
                        (0..1 + rng.below(16)).map(|_| rng.next() as u8).collect();
                    frame.splice(at..at, garbage);
                }
            }
        }
        out.extend_from_slice(&frame);
        if terminator {
            out.push(0);
        }
    }
    (out, targets.len())
}

/// Checks one damaged stream; returns what it found.
fn trial(
    frames: &[(&[u8], FrameInfo)],
    clean: &HashMap<u32, &Snapshot>,
    expect: &Expectations,
    slots: usize,
    rng: &mut Rng,
    totals: &mut Totals,
) -> Result<(), String> {
    let (stream, damaged) = damage(frames, rng);
    totals.frames_damaged += damaged;
    let by_bytes: HashMap<&[u8], FrameInfo> = frames.iter().map(|(b, i)| (*b, *i)).collect();

    // The oracle, over the pieces of the damaged stream.
    let mut want = Vec::new();
    let mut known: VecDeque<u32> = VecDeque::new();
    let mut pending: VecDeque<FrameInfo> = VecDeque::new();
    let mut intact_seqs = Vec::new();
    let mut last_piece_intact = None;
    // A piece counts once its 0x00 arrived: the bytes after the last one
    // are an unfinished frame, which produces nothing yet.
    let ended = &stream[..stream.iter().rposition(|&b| b == 0).map_or(0, |i| i + 1)];
    for piece in ended.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        let Some(info) = by_bytes.get(piece).copied() else {
            want.push(Want::Bad);
            last_piece_intact = None;
            continue;
        };
        intact_seqs.push(info.seq);
        last_piece_intact = Some(info);
        match info.kind {
            Kind::Description => {
                want.push(Want::Described {
                    seq: info.seq,
                    schema: info.schema,
                });
                known.retain(|&s| s != info.schema);
                known.push_front(info.schema);
                known.truncate(KEPT_DESCRIPTIONS);
                let (ready, waiting): (VecDeque<_>, VecDeque<_>) =
                    pending.drain(..).partition(|p| p.schema == info.schema);
                pending = waiting;
                want.extend(ready.iter().map(|p| Want::Snapshot { seq: p.seq }));
            }
            Kind::Values => {
                totals.values_untouched += 1;
                if known.contains(&info.schema) {
                    want.push(Want::Snapshot { seq: info.seq });
                } else {
                    want.push(Want::Undescribed { seq: info.seq });
                    if pending.len() == MAX_PENDING {
                        pending.pop_front();
                    }
                    pending.push_back(info);
                }
            }
        }
    }

    // The decoder, fed in random chunks.
    let chunks: Vec<usize> = (0..16).map(|_| 1 + rng.below(300)).collect();
    let Decoded { events, stats } = frames::decode(&stream, &chunks);
    let mut got = Vec::new();
    let mut last_snapshot = None;
    for e in &events {
        got.push(match e {
            Event::Bad(_) => Want::Bad,
            Event::Described { seq, schema, .. } => Want::Described {
                seq: *seq,
                schema: *schema,
            },
            Event::Undescribed { seq, .. } => Want::Undescribed { seq: *seq },
            Event::Snapshot(r) => {
                if clean.get(&r.seq) != Some(&&r.snapshot) {
                    return Err(format!(
                        "frame {} decoded into another snapshot than on the clean stream",
                        r.seq
                    ));
                }
                last_snapshot = Some(r);
                Want::Snapshot { seq: r.seq }
            }
            other => return Err(format!("unknown event {other:?}")),
        });
    }
    if got != want {
        let at = got
            .iter()
            .zip(&want)
            .position(|(g, w)| g != w)
            .unwrap_or(got.len().min(want.len()));
        return Err(format!(
            "events differ from the expectation at {at}: got {:?}, want {:?}",
            got.get(at.saturating_sub(1)..(at + 2).min(got.len())),
            want.get(at.saturating_sub(1)..(at + 2).min(want.len()))
        ));
    }
    let bad = want.iter().filter(|w| **w == Want::Bad).count();
    let read = want
        .iter()
        .filter(|w| matches!(w, Want::Snapshot { .. }))
        .count();
    let undescribed = want
        .iter()
        .filter(|w| matches!(w, Want::Undescribed { .. }))
        .count();
    totals.pieces_bad += bad;
    totals.values_read += read;
    totals.values_without_description += totals_unread(&want);
    if stats.bad != bad as u64
        || stats.frames != intact_seqs.len() as u64
        || stats.undescribed != undescribed as u64
    {
        return Err(format!(
            "stats {stats:?}: want bad {bad}, frames {}, undescribed {undescribed}",
            intact_seqs.len()
        ));
    }
    // Missed: frames lost between the first and the last untouched one
    // (a host cannot know about frames before the first it read).
    let oldest = intact_seqs.iter().copied().min().unwrap_or(0);
    let newest = intact_seqs.iter().copied().max().unwrap_or(0);
    let lost = frames
        .iter()
        .filter(|(_, i)| oldest < i.seq && i.seq < newest && !intact_seqs.contains(&i.seq))
        .count() as u64;
    if stats.missed != lost {
        return Err(format!(
            "stats.missed {} but {lost} frames were lost between the first and the last good one",
            stats.missed
        ));
    }
    // The device's final state still arrives when the last frame does.
    if let (Some(info), Some(r)) = (last_piece_intact, last_snapshot) {
        let final_seq = frames.last().map(|(_, i)| i.seq);
        if info.kind == Kind::Values && r.seq == info.seq && Some(info.seq) == final_seq {
            compare::check_calls(expect, &frames::calls(&r.snapshot), slots)
                .map_err(|e| e.join("; "))?;
            totals.final_exact += 1;
        }
    }
    Ok(())
}

/// Untouched value frames that never became snapshots.
fn totals_unread(want: &[Want]) -> usize {
    let read: Vec<u32> = want
        .iter()
        .filter_map(|w| match w {
            Want::Snapshot { seq } => Some(*seq),
            _ => None,
        })
        .collect();
    want.iter()
        .filter(|w| matches!(w, Want::Undescribed { seq } if !read.contains(seq)))
        .count()
}

/// Runs the trials on a clean capture.
pub(crate) fn check(expect: &Expectations, uart: &[u8], slots: usize) -> Result<(), Vec<String>> {
    let frames = split(uart).map_err(|e| vec![e])?;
    let clean = frames::decode(uart, &[4096]);
    let mut clean_snapshots = HashMap::new();
    for e in &clean.events {
        if let Event::Snapshot(r) = e {
            clean_snapshots.insert(r.seq, &r.snapshot);
        }
    }
    if clean.stats.bad != 0 || clean_snapshots.is_empty() {
        return Err(vec![
            "the clean capture does not decode; run `frames` first".into(),
        ]);
    }
    let boots: BTreeMap<u32, usize> = frames.iter().fold(BTreeMap::new(), |mut m, (_, i)| {
        *m.entry(i.boot_id).or_default() += 1;
        m
    });
    let sizes = |k: Kind| {
        let s: Vec<usize> = frames
            .iter()
            .filter(|(_, i)| i.kind == k)
            .map(|(b, _)| b.len() + 1)
            .collect();
        (
            s.len(),
            s.iter().min().copied().unwrap_or(0),
            s.iter().max().copied().unwrap_or(0),
        )
    };
    let (nd, dmin, dmax) = sizes(Kind::Description);
    let (nv, vmin, vmax) = sizes(Kind::Values);
    println!(
        "{}: {} frames from {} boot(s): {nd} description ({dmin}..{dmax} bytes), {nv} value ({vmin}..{vmax} bytes)",
        expect.device,
        frames.len(),
        boots.len()
    );

    let mut errors = Vec::new();
    let mut totals = Totals::default();
    for t in 0..TRIALS {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        if let Err(e) = trial(
            &frames,
            &clean_snapshots,
            expect,
            slots,
            &mut rng,
            &mut totals,
        ) {
            errors.push(format!("trial {t}: {e}"));
        }
    }
    // Garbage only, and a stream cut anywhere: no panic, nothing read.
    let mut rng = Rng(42);
    let garbage: Vec<u8> = (0..200_000).map(|_| rng.next() as u8).collect();
    let g = frames::decode(&garbage, &[1, 13, 255, 4096]);
    if g.events.iter().any(|e| !matches!(e, Event::Bad(_))) {
        errors.push("random bytes produced something other than bad frames".into());
    }
    for cut in [1, uart.len() / 3, uart.len() - 1] {
        let d = frames::decode(&uart[..cut], &[97]);
        if d.stats.bad != 0 {
            errors.push(format!("a stream cut at {cut} produced a bad frame"));
        }
    }
    println!(
        "  {TRIALS} damaged streams: {} frames damaged, {} bad pieces dropped and counted, \
         {} of {} untouched value frames read exactly as on the clean stream, \
         {} waited in vain for a lost description, final totals exact in {} streams",
        totals.frames_damaged,
        totals.pieces_bad,
        totals.values_read,
        totals.values_untouched,
        totals.values_without_description,
        totals.final_exact
    );
    println!(
        "  random garbage ({} bytes): {} bad frames, no snapshot, no panic",
        garbage.len(),
        g.stats.bad
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobs_round_trip_of_the_spec_shapes() {
        assert_eq!(cobs_decode(&[0x01, 0x01]), Some(vec![0]));
        assert_eq!(
            cobs_decode(&[0x03, 0x11, 0x22, 0x02, 0x33]),
            Some(vec![0x11, 0x22, 0, 0x33])
        );
        assert_eq!(cobs_decode(&[0x05, 0x11]), None);
        let mut long = vec![0xff];
        long.extend(1..=254u8);
        long.push(0x01);
        assert_eq!(cobs_decode(&long), Some((1..=254u8).collect()));
    }

    #[test]
    fn varints() {
        let mut at = 0;
        assert_eq!(varint(&[0xac, 0x02, 0x05], &mut at), Some(300));
        assert_eq!(varint(&[0xac, 0x02, 0x05], &mut at), Some(5));
        assert_eq!(varint(&[0x80], &mut 0), None);
    }
}
