//! Devices that report over a byte stream, served to Prometheus.
//!
//! A microcontroller has no network stack to scrape, only a serial line.
//! Its firmware writes snapshot frames (`omnimetrics_sinks::frame`) to the
//! line; the bridge reads them on the host, keeps each device's latest
//! snapshot, and serves all of them as one [`Source`](omnimetrics::visit::Source)
//! ([`BridgeSource`]) with a `device` label on every series. This is what
//! `omnimetrics bridge` runs; a program can also embed it, and feed it from
//! a transport of its own through a [`Feeder`].
//!
//! ```
//! use omnimetrics::metrics::Counter;
//! use omnimetrics_exporter::bridge::Bridge;
//! use omnimetrics_sinks::frame::FrameEncoder;
//!
//! // What a device sends: frames of its registry (here, this program's).
//! static SAMPLES: Counter = Counter::new("samples_total", "Samples taken.");
//! SAMPLES.inc_by(3);
//! let mut wire = vec![0xde, 0xad, 0]; // garbage first, ended by a 0x00
//! FrameEncoder::new(0x5eed).write(&omnimetrics::registry(), &mut wire).unwrap();
//!
//! // The host side.
//! let bridge = Bridge::new();
//! let mut device = bridge.attach("sensor-1").unwrap();
//! for chunk in wire.chunks(5) {
//!     device.feed(chunk);
//! }
//! let mut text = String::new();
//! omnimetrics_sinks::text::encode(
//!     &bridge.source(),
//!     omnimetrics_exporter::Format::Prometheus,
//!     &mut text,
//! )
//! .unwrap();
//! assert!(text.contains("samples_total{device=\"sensor-1\"} 3\n"));
//! assert!(text.contains(
//!     "omnimetrics_bridge_bad_frames_total{device=\"sensor-1\",reason=\"cobs\"} 1\n"
//! ));
//! // To serve it: Exporter::builder().source(bridge.source()).start()
//! ```
//!
//! # Inputs and devices
//!
//! An [`Input`] is a TCP server to connect to (QEMU's `-serial tcp:...`),
//! a serial device, a file, or stdin, written `[NAME=]SOURCE` (see
//! [`INPUT_SYNTAX`]). Each input is one device: frames carry a boot id and
//! a sequence number but no device identity, and one decoder must see one
//! device's stream to tell lost frames and restarts apart. The input's name
//! is the `device` label. A device's own label called `device` is renamed
//! `exported_device`.
//!
//! Each input is read on its own thread. TCP and serial inputs are retried with backoff when they fail or close;
//! files and stdin are read to their end. Either way the device's latest
//! snapshot stays served, and its `omnimetrics_bridge_last_seen_timestamp_seconds`
//! says how old it is (`time() - ... > 60` finds a silent device).
//!
//! # Garbage, restarts and disconnections
//!
//! A frame that fails its checks is dropped and counted
//! (`omnimetrics_bridge_bad_frames_total{reason}`), and reading resumes at
//! the next frame; frames lost on the way show as
//! `omnimetrics_bridge_missed_frames_total`. A frame cut short by a
//! disconnection is dropped (one bad frame) rather than joined to the next
//! connection's bytes.
//!
//! When a device restarts, its boot id changes and its counters start again
//! from zero. The bridge serves the new, smaller values as they are and
//! counts the restart (`omnimetrics_bridge_reboots_total`). For Prometheus
//! a counter that goes down is a *counter reset*: `rate()` and `increase()`
//! treat the new value as counted from zero, so rates stay right across a
//! restart. (As for any exporter, calls made between the last scrape
//! before the restart and the restart itself are lost, and a restart is
//! invisible to Prometheus if the counter climbs past its old value
//! between two scrapes.)
//!
//! # Limits
//!
//! Memory per device is bounded: a frame longer than
//! [`BridgeBuilder::max_frame_bytes`] (64 KiB by default, enough for a
//! description of several hundred functions) is dropped as `too_long`
//! without being buffered; a snapshot of more than
//! [`BridgeBuilder::max_series`] series (10,000) is refused whole and
//! counted in `omnimetrics_bridge_rejected_snapshots_total`, the previous
//! snapshot staying served. [`BridgeBuilder::max_devices`] (256) caps the
//! devices; adding one more is an error. A series that would make
//! Prometheus reject the scrape (a repeated label set, a repeated label
//! name, histogram bounds out of order) is left out and counted in
//! `omnimetrics_bridge_dropped_series`; so is a device family of another
//! type than the same family of a device listed before it.
//!
//! # The bridge's own metrics
//!
//! Per device (`device` label): `omnimetrics_bridge_connected` (1 while the
//! input is open), `_connects_total`, `_last_seen_timestamp_seconds` (0
//! until the first good frame), `_bytes_read_total`, `_frames_total` (good
//! frames), `_bad_frames_total{reason}` (reasons in [`BAD_REASONS`]),
//! `_missed_frames_total`, `_undescribed_frames_total`, `_reboots_total`,
//! `_snapshots_total`, `_rejected_snapshots_total`, `_series`,
//! `_dropped_series`. Devices may not send families with the
//! `omnimetrics_bridge_` prefix (they are left out).

mod clean;
mod device;
mod error;
mod input;
mod own;
mod reader;
// The termios code where `libc` has what it needs; elsewhere a stub whose
// `open` says serial devices are not supported.
#[cfg_attr(
    not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    )),
    path = "serial_unsupported.rs"
)]
mod serial;
mod source;

pub use device::{BAD_REASONS, DeviceStatus, Feeder};
pub use error::BridgeError;
pub use input::{INPUT_SYNTAX, Input, Transport};
pub use source::BridgeSource;

use device::{Devices, Limits};
use reader::Reader;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The baud rate of serial inputs that do not give one.
pub const DEFAULT_BAUD: u32 = 115_200;

/// How long dropping a [`Bridge`] waits for its reading threads (a thread
/// blocked on stdin is left to end with the process).
const STOP_WAIT: Duration = Duration::from_secs(1);

/// Settings shared by the inputs' threads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BridgeOptions {
    pub(crate) baud: u32,
    pub(crate) reconnect_min: Duration,
    pub(crate) reconnect_max: Duration,
    pub(crate) log: bool,
}

impl Default for BridgeOptions {
    fn default() -> Self {
        Self {
            baud: DEFAULT_BAUD,
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            log: false,
        }
    }
}

/// Configures a [`Bridge`].
#[derive(Clone, Debug)]
pub struct BridgeBuilder {
    limits: Limits,
    options: BridgeOptions,
}

impl Default for BridgeBuilder {
    fn default() -> Self {
        Self {
            limits: Limits {
                max_devices: 256,
                max_series: 10_000,
                max_frame_bytes: 64 * 1024,
                log: false,
            },
            options: BridgeOptions::default(),
        }
    }
}

impl BridgeBuilder {
    /// Most devices the bridge takes (default 256).
    pub fn max_devices(mut self, n: usize) -> Self {
        self.limits.max_devices = n;
        self
    }

    /// Most series a device's snapshot may have (default 10,000); a bigger
    /// snapshot is refused whole and counted.
    pub fn max_series(mut self, n: usize) -> Self {
        self.limits.max_series = n;
        self
    }

    /// Longest frame accepted, in bytes as received (default 64 KiB); a
    /// longer one is dropped without being buffered.
    pub fn max_frame_bytes(mut self, n: usize) -> Self {
        self.limits.max_frame_bytes = n;
        self
    }

    /// Baud rate of serial inputs that do not give one (default
    /// [`DEFAULT_BAUD`]).
    pub fn baud(mut self, baud: u32) -> Self {
        self.options.baud = baud;
        self
    }

    /// Delay before retrying a failed or closed TCP or serial input: from
    /// `min`, doubling up to `max` (default 100 ms to 5 s).
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.options.reconnect_min = min;
        self.options.reconnect_max = max;
        self
    }

    /// Whether to print connections, restarts and refused snapshots to
    /// stderr (default: no).
    pub fn log(mut self, enabled: bool) -> Self {
        self.limits.log = enabled;
        self.options.log = enabled;
        self
    }

    /// The bridge, with no device yet.
    pub fn build(self) -> Bridge {
        Bridge {
            devices: Arc::new(Devices::new(self.limits)),
            options: self.options,
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::new(),
            stdin_taken: false,
        }
    }
}

/// Devices' latest snapshots, fed by inputs read on background threads.
/// Dropping it stops the threads.
#[derive(Debug)]
pub struct Bridge {
    devices: Arc<Devices>,
    options: BridgeOptions,
    stop: Arc<AtomicBool>,
    /// Reading threads, with whether their input ends by itself.
    threads: Vec<(bool, JoinHandle<()>)>,
    stdin_taken: bool,
}

impl Default for Bridge {
    fn default() -> Self {
        Self::new()
    }
}

impl Bridge {
    /// A bridge with the default limits.
    pub fn new() -> Self {
        BridgeBuilder::default().build()
    }

    /// A bridge with other limits or settings.
    pub fn builder() -> BridgeBuilder {
        BridgeBuilder::default()
    }

    /// Opens `input` (so that a missing file, a permission problem or a
    /// host that does not resolve is an error now) and starts reading it
    /// on a thread of its own. A TCP server that does not accept yet is not
    /// an error: it is retried.
    pub fn add_input(&mut self, input: &Input) -> Result<(), BridgeError> {
        let label = input.transport().to_string();
        if matches!(input.transport(), Transport::Stdin) && self.stdin_taken {
            return Err(BridgeError::InvalidInput {
                input: input.to_string(),
                reason: "standard input can be read by one input only".to_string(),
            });
        }
        let opened = reader::open(input.transport(), &self.options, &label)?;
        let feeder = self.devices.attach(input.name(), label.clone())?;
        let reader = Reader {
            feeder,
            label: label.clone(),
            stop: Arc::clone(&self.stop),
            options: self.options,
        };
        let thread = std::thread::Builder::new()
            // A NUL in a thread name would make `spawn` panic.
            .name(format!(
                "omnimetrics-bridge {}",
                input.name().replace('\0', "")
            ))
            .spawn(move || reader.run(opened))
            .map_err(|source| BridgeError::Thread {
                input: label,
                source,
            })?;
        self.stdin_taken |= matches!(input.transport(), Transport::Stdin);
        self.threads.push((input.is_finite(), thread));
        Ok(())
    }

    /// A device fed by the caller instead of an input thread.
    pub fn attach(&self, name: &str) -> Result<Feeder, BridgeError> {
        let mut feeder = self.devices.attach(name, "feeder".to_string())?;
        feeder.connected();
        Ok(feeder)
    }

    /// What to serve: every device's latest snapshot and the bridge's own
    /// metrics, read live at each visit.
    pub fn source(&self) -> BridgeSource {
        BridgeSource::new(Arc::clone(&self.devices))
    }

    /// Every device's status, in the order they were added.
    pub fn devices(&self) -> Vec<DeviceStatus> {
        self.devices.statuses()
    }

    /// Waits until every file and stdin input has been read to its end
    /// (TCP and serial inputs go on).
    pub fn wait_for_finite_inputs(&mut self) {
        let (finite, other): (Vec<_>, Vec<_>) = std::mem::take(&mut self.threads)
            .into_iter()
            .partition(|(finite, _)| *finite);
        self.threads = other;
        for (_, thread) in finite {
            // A reading thread does not panic; if it did, it already said so.
            let _ = thread.join();
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + STOP_WAIT;
        for (_, thread) in self.threads.drain(..) {
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}
