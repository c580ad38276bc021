//! A serial device in raw mode, read with a timeout.
//!
//! Why not the `serialport` crate: it pulls in `nix`, `libudev` (a system
//! library, by default) and port enumeration, for what is here an `open`,
//! four termios calls and a `poll`. The crate already depends on `libc`, so
//! this is the whole of it: open without becoming the controlling terminal
//! and without waiting for carrier, set raw 8N1 at the baud rate with the
//! modem lines ignored and no flow control, and read with `poll` so that the
//! reading thread can notice it should stop, and a hang-up (a USB adapter
//! unplugged) ends the read instead of blocking forever.

use super::BridgeError;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// How long one read waits for data before giving the caller a chance to
/// stop (milliseconds).
const POLL_MS: libc::c_int = 250;

/// An open serial device; reading returns `WouldBlock` after [`POLL_MS`]
/// without data and `Ok(0)` when the device hangs up.
#[derive(Debug)]
pub(crate) struct SerialPort {
    file: File,
}

/// The rates `termios` can set here, with their constants.
fn speeds() -> &'static [(u32, libc::speed_t)] {
    &[
        (1200, libc::B1200),
        (2400, libc::B2400),
        (4800, libc::B4800),
        (9600, libc::B9600),
        (19200, libc::B19200),
        (38400, libc::B38400),
        (57600, libc::B57600),
        (115_200, libc::B115200),
        (230_400, libc::B230400),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (460_800, libc::B460800),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (500_000, libc::B500000),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (576_000, libc::B576000),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (921_600, libc::B921600),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (1_000_000, libc::B1000000),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (1_500_000, libc::B1500000),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (2_000_000, libc::B2000000),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (3_000_000, libc::B3000000),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        (4_000_000, libc::B4000000),
    ]
}

/// Checks that `baud` can be set, before anything is opened.
pub(crate) fn check_baud(baud: u32, input: &str) -> Result<libc::speed_t, BridgeError> {
    speeds()
        .iter()
        .find(|(b, _)| *b == baud)
        .map(|(_, s)| *s)
        .ok_or_else(|| BridgeError::UnsupportedBaud {
            input: input.to_string(),
            baud,
            supported: speeds()
                .iter()
                .map(|(b, _)| b.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl SerialPort {
    /// Opens `path` and sets it to raw 8N1 at `baud`; `input` names it in
    /// errors.
    pub(crate) fn open(path: &Path, baud: u32, input: &str) -> Result<Self, BridgeError> {
        let speed = check_baud(baud, input)?;
        // O_NONBLOCK: do not wait for the carrier line on open; reads are
        // guarded by poll anyway.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| BridgeError::open(input, e))?;
        let fd = file.as_raw_fd();
        // SAFETY: `termios` is plain integers and arrays, for which all
        // zeroes is a valid value; tcgetattr overwrites it.
        let mut tio: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is open for as long as `file` lives; `tio` is a
        // valid, writable termios.
        if unsafe { libc::tcgetattr(fd, &mut tio) } != 0 {
            let e = io::Error::last_os_error();
            return Err(if e.raw_os_error() == Some(libc::ENOTTY) {
                BridgeError::NotASerialDevice {
                    input: input.to_string(),
                }
            } else {
                BridgeError::open(input, e)
            });
        }
        // SAFETY: `tio` is a valid termios that cfmakeraw only modifies.
        unsafe { libc::cfmakeraw(&mut tio) };
        // Receiver on, modem lines ignored, one stop bit, no hardware flow
        // control (cfmakeraw already set 8 data bits and no parity).
        tio.c_cflag |= libc::CLOCAL | libc::CREAD;
        tio.c_cflag &= !(libc::CSTOPB | libc::CRTSCTS);
        tio.c_cc[libc::VMIN] = 1;
        tio.c_cc[libc::VTIME] = 0;
        // SAFETY: as above; both calls only write into `tio`.
        let speed_set = unsafe {
            libc::cfsetispeed(&mut tio, speed) == 0 && libc::cfsetospeed(&mut tio, speed) == 0
        };
        // SAFETY: `fd` is open; `tio` is a valid termios read by the call.
        if !speed_set || unsafe { libc::tcsetattr(fd, libc::TCSANOW, &tio) } != 0 {
            return Err(BridgeError::open(input, io::Error::last_os_error()));
        }
        Ok(Self { file })
    }
}

impl Read for SerialPort {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut fds = libc::pollfd {
            fd: self.file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `fds` is one valid pollfd, and we pass a count of one.
        let ready = unsafe { libc::poll(&mut fds, 1, POLL_MS) };
        if ready < 0 {
            return Err(io::Error::last_os_error());
        }
        if ready == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        if fds.revents & libc::POLLIN == 0 {
            // POLLHUP, POLLERR or POLLNVAL without data: the device is gone.
            return Ok(0);
        }
        self.file.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bauds() {
        assert!(check_baud(115_200, "x").is_ok());
        let e = check_baud(115_201, "serial:/dev/x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported baud rate 115201"), "{e}");
        assert!(e.contains("9600, 19200"), "{e}");
    }

    #[test]
    fn a_file_is_not_a_serial_device() {
        let e = SerialPort::open(Path::new("/dev/null"), 9600, "serial:/dev/null").unwrap_err();
        assert!(matches!(e, BridgeError::NotASerialDevice { .. }), "{e}");
        let e = SerialPort::open(
            Path::new("/nonexistent/tty"),
            9600,
            "serial:/nonexistent/tty",
        )
        .unwrap_err();
        assert!(matches!(e, BridgeError::NotFound { .. }), "{e}");
    }
}
