//! Reading inputs: one thread per input, reconnecting where that makes
//! sense.
//!
//! A blocking thread per input is the simplest thing that serves serial
//! devices, sockets, files and stdin alike (a serial device has no async
//! story without more dependencies), and a bridge has a handful of inputs.
//! Every read returns within a quarter of a second (a socket read timeout,
//! `poll` on a serial device; files do not block), so a thread notices when
//! the bridge stops. Stdin can block forever, which is why a stopping bridge
//! waits for its threads only briefly.
//!
//! TCP and serial inputs are retried when they fail or close, with a delay
//! that doubles from the bridge's minimum to its maximum and goes back to
//! the minimum once connected: QEMU may start after the bridge, a USB
//! adapter may be unplugged and plugged back. Files and stdin are read once,
//! to their end; the devices' last snapshots stay served.

use super::device::Feeder;
use super::input::Transport;
use super::serial::SerialPort;
use super::{BridgeError, BridgeOptions};
use std::fs::File;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a read waits before checking whether to stop.
const READ_TIMEOUT: Duration = Duration::from_millis(250);
/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// An input checked and, where that can be done up front, opened: errors a
/// user can fix (no such file, permission denied, not a serial device, an
/// unknown host) come out when the input is added, not later in a thread.
#[derive(Debug)]
pub(crate) enum Opened {
    Tcp(String),
    Serial {
        path: PathBuf,
        baud: u32,
        port: SerialPort,
    },
    File(File),
    Stdin,
}

pub(crate) fn open(
    transport: &Transport,
    options: &BridgeOptions,
    label: &str,
) -> Result<Opened, BridgeError> {
    match transport {
        Transport::Tcp(address) => {
            resolve(address).map_err(|source| BridgeError::Resolve {
                input: label.to_string(),
                source,
            })?;
            Ok(Opened::Tcp(address.clone()))
        }
        Transport::Serial { path, baud } => {
            let baud = baud.unwrap_or(options.baud);
            let port = SerialPort::open(path, baud, label)?;
            Ok(Opened::Serial {
                path: path.clone(),
                baud,
                port,
            })
        }
        Transport::File(path) => {
            let file = File::open(path).map_err(|e| BridgeError::open(label, e))?;
            if file.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(BridgeError::Open {
                    input: label.to_string(),
                    source: io::Error::other("it is a directory"),
                });
            }
            Ok(Opened::File(file))
        }
        Transport::Stdin => Ok(Opened::Stdin),
    }
}

fn resolve(address: &str) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = address.to_socket_addrs()?.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "the name has no address",
        ));
    }
    Ok(addrs)
}

/// What a reading thread needs besides its input.
#[derive(Debug)]
pub(crate) struct Reader {
    pub(crate) feeder: Feeder,
    pub(crate) label: String,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) options: BridgeOptions,
}

impl Reader {
    /// Reads `opened` until it ends for good or the bridge stops.
    pub(crate) fn run(mut self, opened: Opened) {
        match opened {
            Opened::Tcp(address) => self.tcp(&address),
            Opened::Serial { path, baud, port } => self.serial(&path, baud, port),
            Opened::File(file) => self.read_all(file),
            Opened::Stdin => self.read_all(io::stdin().lock()),
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn log(&self, message: &str) {
        if self.options.log {
            eprintln!("omnimetrics bridge: {}: {message}", self.feeder.name());
        }
    }

    fn read_all(&mut self, mut r: impl Read) {
        self.feeder.connected();
        let outcome = self.pump(&mut r);
        self.feeder.disconnected();
        let bytes = self.feeder.status().bytes;
        match outcome {
            Ok(()) if self.stopped() => {}
            Ok(()) => self.log(&format!("end of {} after {bytes} bytes", self.label)),
            Err(e) => self.log(&format!("reading {} failed: {e}", self.label)),
        }
    }

    fn tcp(&mut self, address: &str) {
        let label = self.label.clone();
        self.reconnecting(None, || {
            let stream =
                connect(address).map_err(|e| format!("cannot connect to {label} ({e})"))?;
            // A stream that cannot take a timeout still works; it only
            // notices a stop when data or a close comes.
            let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
            Ok(stream)
        });
    }

    fn serial(&mut self, path: &Path, baud: u32, port: SerialPort) {
        let label = self.label.clone();
        self.reconnecting(Some(port), || {
            SerialPort::open(path, baud, &label).map_err(|e| e.to_string())
        });
    }

    /// Reads what `open` opens (`first`, the first time, if given) until
    /// it ends or fails, then opens it again after a delay, until the
    /// bridge stops.
    fn reconnecting<R: Read>(
        &mut self,
        mut first: Option<R>,
        mut open: impl FnMut() -> Result<R, String>,
    ) {
        let mut backoff = Backoff::new(&self.options);
        let mut failing = false;
        while !self.stopped() {
            match first.take().map_or_else(&mut open, Ok) {
                Ok(mut r) => {
                    failing = false;
                    backoff.reset();
                    self.feeder.connected();
                    self.log(&format!("connected to {}", self.label));
                    let outcome = self.pump(&mut r);
                    self.feeder.disconnected();
                    if self.stopped() {
                        break;
                    }
                    match outcome {
                        Ok(()) => self.log(&format!("{} closed; reconnecting", self.label)),
                        Err(e) => self.log(&format!("{} failed ({e}); reconnecting", self.label)),
                    }
                }
                // Said once per outage, not at every attempt.
                Err(e) if !failing => {
                    self.log(&format!(
                        "{e}; retrying every {:?} at most",
                        self.options.reconnect_max
                    ));
                    failing = true;
                }
                Err(_) => {}
            }
            backoff.wait(&self.stop);
        }
    }

    /// Feeds what `r` gives until it ends (`Ok`), fails (`Err`), or the
    /// bridge stops (`Ok`).
    fn pump(&mut self, r: &mut impl Read) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        while !self.stopped() {
            match r.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => self.feeder.feed(buf.get(..n).unwrap_or(&buf)),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn connect(address: &str) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
    for addr in resolve(address)? {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A delay that doubles up to a maximum.
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(options: &BridgeOptions) -> Self {
        Self {
            min: options.reconnect_min,
            max: options.reconnect_max.max(options.reconnect_min),
            next: options.reconnect_min,
        }
    }

    fn reset(&mut self) {
        self.next = self.min;
    }

    /// Sleeps for the current delay (in short steps, returning early when
    /// `stop` is set), then doubles it.
    fn wait(&mut self, stop: &AtomicBool) {
        let step = Duration::from_millis(50);
        let mut left = self.next;
        while !left.is_zero() && !stop.load(Ordering::Relaxed) {
            let d = left.min(step);
            std::thread::sleep(d);
            left -= d;
        }
        self.next = self.next.saturating_mul(2).min(self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_maximum_and_resets() {
        let options = BridgeOptions {
            reconnect_min: Duration::ZERO,
            reconnect_max: Duration::ZERO,
            ..BridgeOptions::default()
        };
        let mut b = Backoff::new(&options);
        b.min = Duration::from_millis(1);
        b.max = Duration::from_millis(5);
        b.next = b.min;
        let stop = AtomicBool::new(false);
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(b.next.as_millis());
            b.wait(&stop);
        }
        assert_eq!(seen, [1, 2, 4, 5, 5]);
        b.reset();
        assert_eq!(b.next, b.min);
    }

    #[test]
    fn open_reports_what_is_wrong() {
        let options = BridgeOptions::default();
        let e = open(
            &Transport::File("/nonexistent/capture.bin".into()),
            &options,
            "file:/nonexistent/capture.bin",
        )
        .unwrap_err();
        assert!(matches!(e, BridgeError::NotFound { .. }), "{e}");
        let e = open(&Transport::File("/".into()), &options, "file:/").unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        let e = open(
            &Transport::Tcp("no-such-host.invalid:1".into()),
            &options,
            "tcp://no-such-host.invalid:1",
        )
        .unwrap_err();
        assert!(matches!(e, BridgeError::Resolve { .. }), "{e}");
    }
}
