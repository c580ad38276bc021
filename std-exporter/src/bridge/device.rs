//! One device's state, and the handle that feeds it bytes.
//!
//! Each input has a reading thread that owns a [`Feeder`]: the frame
//! decoder for its stream, and a shared [`DeviceStatus`] that scrapes read.
//! Decoding happens on the reading thread, outside any lock; the lock is
//! taken once per chunk read, to store what the chunk produced, and by a
//! scrape just long enough to clone the status (the snapshot is behind an
//! `Arc`, so that is a reference count, not a copy).

use super::BridgeError;
use super::clean::clean;
use omnimetrics::Snapshot;
use omnimetrics_sinks::frame::{DecodeError, Event, FrameDecoder, Stats};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

/// Why frames were dropped, as the `reason` label of
/// `omnimetrics_bridge_bad_frames_total`; [`DeviceStatus::bad`] counts in
/// this order.
pub const BAD_REASONS: [&str; 8] = [
    "too_long",
    "cobs",
    "too_short",
    "checksum",
    "version",
    "malformed",
    "schema_mismatch",
    "other",
];

fn reason_index(e: &DecodeError) -> usize {
    match e {
        DecodeError::TooLong { .. } => 0,
        DecodeError::Cobs => 1,
        DecodeError::TooShort => 2,
        DecodeError::Checksum => 3,
        DecodeError::Version(_) => 4,
        DecodeError::Malformed => 5,
        DecodeError::SchemaMismatch { .. } => 6,
        _ => 7,
    }
}

/// What the bridge knows about one device.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DeviceStatus {
    /// The `device` label value.
    pub name: String,
    /// Where its bytes come from (`tcp://...`, `file:...`).
    pub input: String,
    /// Whether its input is open now (connected, device present, file not
    /// at its end).
    pub connected: bool,
    /// How many times its input was opened or connected.
    pub connects: u64,
    /// Bytes read from its input.
    pub bytes: u64,
    /// The decoder's counts: good, bad, missed and undescribed frames,
    /// reboots. (Its byte count also has one `0x00` per frame cut short by
    /// a disconnection, fed to end that frame.)
    pub decoder: Stats,
    /// Bad frames by reason, in the order of [`BAD_REASONS`].
    pub bad: [u64; BAD_REASONS.len()],
    /// Snapshots received (the latest is served; see `rejected`).
    pub snapshots: u64,
    /// Snapshots refused for having more series than the limit.
    pub rejected: u64,
    /// Series left out of the latest snapshot (invalid or repeated).
    pub dropped_series: usize,
    /// The boot id of the latest snapshot.
    pub boot_id: Option<u32>,
    /// When the last good frame arrived.
    pub last_seen: Option<SystemTime>,
    /// The latest snapshot, as served.
    pub snapshot: Option<Arc<Snapshot>>,
}

impl DeviceStatus {
    fn new(name: String, input: String) -> Self {
        Self {
            name,
            input,
            connected: false,
            connects: 0,
            bytes: 0,
            decoder: Stats::default(),
            bad: [0; BAD_REASONS.len()],
            snapshots: 0,
            rejected: 0,
            dropped_series: 0,
            boot_id: None,
            last_seen: None,
            snapshot: None,
        }
    }

    /// Series in the latest snapshot.
    pub fn series(&self) -> usize {
        self.snapshot
            .as_ref()
            .map_or(0, |s| s.families.iter().map(|f| f.series.len()).sum())
    }
}

/// A device's shared state.
#[derive(Debug)]
pub(crate) struct Device {
    status: Mutex<DeviceStatus>,
}

impl Device {
    fn lock(&self) -> MutexGuard<'_, DeviceStatus> {
        // Nothing panics while holding it; if something did, the counts are
        // still the best there are.
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn status(&self) -> DeviceStatus {
        self.lock().clone()
    }
}

/// Limits that apply to every device.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_devices: usize,
    pub(crate) max_series: usize,
    pub(crate) max_frame_bytes: usize,
    pub(crate) log: bool,
}

/// Every device of a bridge, in the order they were attached.
#[derive(Debug)]
pub(crate) struct Devices {
    list: Mutex<Vec<Arc<Device>>>,
    pub(crate) limits: Limits,
}

impl Devices {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            list: Mutex::new(Vec::new()),
            limits,
        }
    }

    fn list(&self) -> MutexGuard<'_, Vec<Arc<Device>>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new device called `name`, read from `input`.
    pub(crate) fn attach(&self, name: &str, input: String) -> Result<Feeder, BridgeError> {
        if name.is_empty() {
            return Err(BridgeError::EmptyName);
        }
        let mut list = self.list();
        if list.iter().any(|d| d.lock().name == name) {
            return Err(BridgeError::DuplicateDevice {
                name: name.to_string(),
            });
        }
        if list.len() >= self.limits.max_devices {
            return Err(BridgeError::TooManyDevices {
                name: name.to_string(),
                limit: self.limits.max_devices,
            });
        }
        let device = Arc::new(Device {
            status: Mutex::new(DeviceStatus::new(name.to_string(), input)),
        });
        list.push(Arc::clone(&device));
        Ok(Feeder {
            name: name.to_string(),
            mid_frame: false,
            decoder: FrameDecoder::with_max_frame_len(self.limits.max_frame_bytes),
            device,
            limits: self.limits,
        })
    }

    /// Every device's status, in attach order.
    pub(crate) fn statuses(&self) -> Vec<DeviceStatus> {
        let devices: Vec<Arc<Device>> = self.list().clone();
        devices.iter().map(|d| d.status()).collect()
    }
}

/// Feeds one device's byte stream to the bridge: what an input's reading
/// thread does, and what a program with its own transport (BLE, a radio,
/// a message queue) calls directly. Get one from
/// [`Bridge::attach`](super::Bridge::attach).
///
/// Bytes may be split anywhere. Bad bytes are counted, never trusted:
/// nothing fed to it can make it panic, and its memory is bounded by the
/// bridge's frame and series limits.
#[derive(Debug)]
pub struct Feeder {
    name: String,
    decoder: FrameDecoder,
    /// The last byte fed was not a frame end: a frame is in progress.
    mid_frame: bool,
    device: Arc<Device>,
    limits: Limits,
}

impl Feeder {
    /// Takes the next bytes of the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        if let Some(&last) = bytes.last() {
            self.mid_frame = last != 0;
        }
        self.decode(bytes, bytes.len() as u64);
    }

    /// Decodes `bytes` and stores what they produced; `read` of them came
    /// from the input.
    fn decode(&mut self, bytes: &[u8], read: u64) {
        let frames_before = self.decoder.stats().frames;
        let events = self.decoder.feed(bytes);
        let mut bad = [0u64; BAD_REASONS.len()];
        let mut latest = None;
        let mut received = 0u64;
        let mut rejected = 0u64;
        for event in events {
            match event {
                Event::Snapshot(r) => {
                    received += 1;
                    if r.rebooted {
                        self.log(&format!("restarted (boot id {:08x})", r.boot_id));
                    }
                    // Only the last snapshot of a chunk is kept, so only it
                    // is worth cleaning.
                    latest = Some((r.boot_id, r.snapshot));
                }
                Event::Bad(e) => bad[reason_index(&e)] += 1,
                _ => {}
            }
        }
        let cleaned = latest.and_then(|(boot_id, snapshot)| {
            clean(snapshot, self.limits.max_series)
                .map(|c| (boot_id, c))
                .map_err(|series| {
                    rejected += 1;
                    self.log(&format!(
                        "snapshot refused: {series} series, over the limit of {}",
                        self.limits.max_series
                    ));
                })
                .ok()
        });
        let stats = *self.decoder.stats();
        let mut status = self.device.lock();
        status.bytes = status.bytes.saturating_add(read);
        let first = status.snapshot.is_none();
        for (total, n) in status.bad.iter_mut().zip(bad) {
            *total = total.saturating_add(n);
        }
        status.snapshots = status.snapshots.saturating_add(received);
        status.rejected = status.rejected.saturating_add(rejected);
        status.decoder = stats;
        if stats.frames != frames_before {
            status.last_seen = Some(SystemTime::now());
        }
        if let Some((boot_id, c)) = cleaned {
            status.boot_id = Some(boot_id);
            status.dropped_series = c.dropped;
            status.snapshot = Some(Arc::new(c.snapshot));
            if first {
                let series = status.series();
                drop(status);
                self.log(&format!("first snapshot, {series} series"));
            }
        }
    }

    /// Marks the input open (a connection made, a device opened).
    pub fn connected(&mut self) {
        let mut status = self.device.lock();
        status.connected = true;
        status.connects = status.connects.saturating_add(1);
    }

    /// Marks the input closed. A frame cut short by the disconnection is
    /// dropped (and counted as bad) rather than joined to the first bytes of
    /// the next connection.
    pub fn disconnected(&mut self) {
        if std::mem::take(&mut self.mid_frame) {
            self.decode(&[0], 0);
        }
        self.device.lock().connected = false;
    }

    /// The device's name (its `device` label).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The device's status now.
    pub fn status(&self) -> DeviceStatus {
        self.device.status()
    }

    fn log(&self, message: &str) {
        if self.limits.log {
            eprintln!("omnimetrics bridge: {}: {message}", self.name);
        }
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.device.lock().connected = false;
    }
}
