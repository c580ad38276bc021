//! What the frame tests share: hand-made frames, fuzz seeds, and decoder
//! events at a glance.

use omnimetrics::Snapshot;
use omnimetrics_sinks::frame::Event;

/// A frame around `body`: its CRC-32C, COBS, the `0x00` (for frames the
/// encoder would never write).
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut raw = body.to_vec();
    raw.extend(
        crc::Crc::<u32>::new(&crc::CRC_32_ISCSI)
            .checksum(body)
            .to_le_bytes(),
    );
    let mut f = cobs::encode_vec(&raw);
    f.push(0);
    f
}

/// Checks that the fuzz seed `seed-<name>` holds `bytes` (writes it with
/// `OMNIMETRICS_BLESS=1`).
pub fn check_seed(name: &str, bytes: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decode");
    let path = dir.join(format!("seed-{name}"));
    if std::env::var("OMNIMETRICS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == bytes,
        "{} is stale: run with OMNIMETRICS_BLESS=1",
        path.display()
    );
}

/// The snapshots among decoder events.
pub fn snapshots_of(events: &[Event]) -> Vec<Snapshot> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Snapshot(r) => Some(r.snapshot.clone()),
            _ => None,
        })
        .collect()
}

/// Decoder events as letters: `D` described, `S` snapshot, `U`
/// undescribed, `B` bad.
pub fn kinds(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| match e {
            Event::Described { .. } => 'D',
            Event::Snapshot(_) => 'S',
            Event::Undescribed { .. } => 'U',
            Event::Bad(_) => 'B',
            _ => '?',
        })
        .collect()
}
