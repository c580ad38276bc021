//! The periodic report over the serial line.
//!
//! Frames (the default): `omnimetrics-sinks`' [`FrameEncoder`] streams the
//! instrumented functions straight into the UART, with no buffer of its
//! own, in compact function records (the host builds SPEC's label sets).
//! The first report carries a description frame (each function's names,
//! callers and buckets), later ones only a value frame of a few hundred
//! bytes; a description goes out
//! again when the set of series changes (a caller seen for the first time)
//! and every [`DESCRIBE_EVERY`] reports, so that a host that attaches late
//! or lost a description to line noise catches up without asking. A `0x00`
//! goes first, ending whatever garbage the line held before.
//!
//! Text (feature `text`): Prometheus text 0.0.4 of the whole registry after
//! a `# omnimetrics report N` comment line, for reading in a terminal.

use embedded_io::{ErrorType, Write};
#[cfg(not(feature = "text"))]
use omnimetrics_sinks::frame::FrameEncoder;

/// A description frame goes out at least once per this many reports.
pub const DESCRIBE_EVERY: u32 = 8;

/// Sends reports of the live registry.
#[derive(Debug)]
pub struct Reporter {
    #[cfg(not(feature = "text"))]
    frames: FrameEncoder,
    sent: u32,
}

impl Reporter {
    /// A reporter for this boot of the device; `boot_id` must differ from
    /// one boot to the next (see the board's `boot_id`).
    pub const fn new(boot_id: u32) -> Self {
        #[cfg(feature = "text")]
        let _ = boot_id;
        Self {
            #[cfg(not(feature = "text"))]
            frames: FrameEncoder::new(boot_id).describe_every(DESCRIBE_EVERY),
            sent: 0,
        }
    }

    /// Writes one report; returns the bytes written.
    pub fn send<W: Write>(&mut self, uart: &mut W) -> Result<usize, W::Error> {
        let mut out = Counting {
            inner: uart,
            bytes: 0,
        };
        #[cfg(not(feature = "text"))]
        {
            if self.sent == 0 {
                out.write_all(&[0])?;
            }
            self.frames.write_functions(&mut out)?;
        }
        #[cfg(feature = "text")]
        {
            write_decimal(&mut out, b"# omnimetrics report ", self.sent + 1)?;
            omnimetrics_sinks::text::encode_io(
                &omnimetrics::registry(),
                omnimetrics_sinks::text::Format::Prometheus,
                &mut out,
            )?;
        }
        self.sent += 1;
        Ok(out.bytes)
    }
}

/// Writes `prefix`, `n` in decimal and a newline, without `core::fmt`.
#[cfg(feature = "text")]
fn write_decimal<W: Write>(out: &mut W, prefix: &[u8], n: u32) -> Result<(), W::Error> {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.write_all(prefix)?;
    out.write_all(&digits[i..])?;
    out.write_all(b"\n")
}

/// Counts the bytes that pass, for the run's summary.
struct Counting<'a, W> {
    inner: &'a mut W,
    bytes: usize,
}

impl<W: ErrorType> ErrorType for Counting<'_, W> {
    type Error = W::Error;
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, W::Error> {
        let n = self.inner.write(buf)?;
        self.bytes += n;
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), W::Error> {
        self.inner.flush()
    }
}
