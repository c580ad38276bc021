//! Where a device's bytes come from, as one line of text.
//!
//! The command line and the library take the same `[NAME=]SOURCE` strings,
//! so that what a user types is parsed in one place and every mistake gets
//! the same message. Parsing checks only the form; opening (does the file
//! exist, is that a serial device) happens when the input is added to a
//! [`Bridge`](super::Bridge).

use super::BridgeError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The syntax of an input, for error messages and `--help`.
pub const INPUT_SYNTAX: &str = "\
[NAME=]SOURCE, where SOURCE is one of
  tcp://HOST:PORT     connect to a TCP server (QEMU: -serial tcp:HOST:PORT,server=on,wait=off);
                      reconnects with backoff when the connection fails or closes
  serial:PATH[@BAUD]  a serial device in raw mode, 8N1 (e.g. serial:/dev/ttyACM0@115200);
                      reopened with backoff if it goes away
  file:PATH           a captured stream, read to its end
  -                   standard input, read to its end
  PATH                a character device is read as serial:PATH, anything else as file:PATH
NAME is the `device` label of the input's series (default: the host and port, the
device's or file's name without extension, or `stdin`).";

/// One input: a transport and the name of the device behind it.
///
/// ```
/// use omnimetrics_exporter::bridge::{Input, Transport};
///
/// let input: Input = "board=tcp://127.0.0.1:4444".parse().unwrap();
/// assert_eq!(input.name(), "board");
/// assert_eq!(input.transport(), &Transport::Tcp("127.0.0.1:4444".into()));
///
/// let input: Input = "file:captures/microbit.uart".parse().unwrap();
/// assert_eq!(input.name(), "microbit");
/// assert_eq!(input.to_string(), "microbit=file:captures/microbit.uart");
///
/// assert!("tcp://localhost".parse::<Input>().is_err()); // no port
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    name: String,
    transport: Transport,
}

/// How an input's bytes are read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// A TCP server at `HOST:PORT`, connected to (and reconnected to).
    Tcp(String),
    /// A serial device; `baud` `None` takes the bridge's default.
    Serial {
        /// The device, e.g. `/dev/ttyACM0`.
        path: PathBuf,
        /// Its baud rate.
        baud: Option<u32>,
    },
    /// A file (or a named pipe) read to its end.
    File(PathBuf),
    /// Standard input, read to its end.
    Stdin,
}

impl Input {
    /// An input with an explicit device name.
    pub fn new(name: impl Into<String>, transport: Transport) -> Self {
        Self {
            name: name.into(),
            transport,
        }
    }

    /// An input named after its transport (see [`Transport::default_name`]).
    pub fn from_transport(transport: Transport) -> Self {
        Self::new(transport.default_name(), transport)
    }

    /// The `device` label value of its series.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How it is read.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Whether it ends by itself (files, stdin) rather than being
    /// reconnected forever (TCP, serial).
    pub fn is_finite(&self) -> bool {
        matches!(self.transport, Transport::File(_) | Transport::Stdin)
    }
}

impl Transport {
    /// The device name used when the input gives none: `HOST:PORT`, the
    /// serial device's or file's name without its extension, or `stdin`.
    pub fn default_name(&self) -> String {
        fn stem(path: &Path) -> String {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| path.display().to_string())
        }
        match self {
            Transport::Tcp(address) => address.clone(),
            Transport::Serial { path, .. } | Transport::File(path) => stem(path),
            Transport::Stdin => "stdin".to_string(),
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Tcp(address) => write!(f, "tcp://{address}"),
            Transport::Serial {
                path,
                baud: Some(baud),
            } => write!(f, "serial:{}@{baud}", path.display()),
            Transport::Serial { path, baud: None } => write!(f, "serial:{}", path.display()),
            Transport::File(path) => write!(f, "file:{}", path.display()),
            Transport::Stdin => f.write_str("stdin"),
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.transport)
    }
}

impl FromStr for Input {
    type Err = BridgeError;

    fn from_str(spec: &str) -> Result<Self, BridgeError> {
        let invalid = |reason: &str| BridgeError::InvalidInput {
            input: spec.to_string(),
            reason: reason.to_string(),
        };
        // `NAME=` only when what comes before the `=` cannot be part of a
        // source (no `:` and no `/`), so `file:a=b` stays a path.
        let (name, source) = match spec.split_once('=') {
            Some((name, source)) if !name.contains([':', '/']) => {
                if name.is_empty() {
                    return Err(invalid("the device name before `=` is empty"));
                }
                (Some(name), source)
            }
            _ => (None, spec),
        };
        let transport = if let Some(address) = source.strip_prefix("tcp://") {
            Transport::Tcp(tcp_address(address).map_err(invalid)?)
        } else if let Some(rest) = source.strip_prefix("serial:") {
            let (path, baud) = match rest.rsplit_once('@') {
                Some((path, baud))
                    if !baud.is_empty() && baud.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    let baud = baud
                        .parse()
                        .ok()
                        .filter(|&b| b > 0)
                        .ok_or_else(|| invalid("the baud rate after `@` is out of range"))?;
                    (path, Some(baud))
                }
                _ => (rest, None),
            };
            if path.is_empty() {
                return Err(invalid("no device path after `serial:`"));
            }
            Transport::Serial {
                path: PathBuf::from(path),
                baud,
            }
        } else if let Some(path) = source.strip_prefix("file:") {
            if path.is_empty() {
                return Err(invalid("no path after `file:`"));
            }
            Transport::File(PathBuf::from(path))
        } else if source == "-" || source == "stdin" {
            Transport::Stdin
        } else if source.is_empty() {
            return Err(invalid("empty"));
        } else if let Some((scheme, _)) = source.split_once("://") {
            return Err(invalid(&format!(
                "unknown scheme `{scheme}://` (only tcp:// connects; serial devices and files \
                 take `serial:` and `file:`)"
            )));
        } else if is_char_device(Path::new(source)) {
            Transport::Serial {
                path: PathBuf::from(source),
                baud: None,
            }
        } else {
            Transport::File(PathBuf::from(source))
        };
        Ok(match name {
            Some(name) => Input::new(name, transport),
            None => Input::from_transport(transport),
        })
    }
}

/// Checks the form `HOST:PORT` (resolving is left to connecting).
fn tcp_address(address: &str) -> Result<String, &'static str> {
    let address = address.trim_end_matches('/');
    let Some((host, port)) = address.rsplit_once(':') else {
        return Err("expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:4444 (no port given)");
    };
    if host.is_empty() || host == "[]" {
        return Err("expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:4444 (no host given)");
    }
    match port.parse::<u16>() {
        Ok(p) if p != 0 => Ok(address.to_string()),
        _ => Err("expected tcp://HOST:PORT with a port from 1 to 65535"),
    }
}

#[cfg(unix)]
fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[cfg(not(unix))]
fn is_char_device(_: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Input {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn sources() {
        assert_eq!(
            parse("tcp://127.0.0.1:4444"),
            Input::new("127.0.0.1:4444", Transport::Tcp("127.0.0.1:4444".into()))
        );
        assert_eq!(
            parse("tcp://[::1]:4444/").transport(),
            &Transport::Tcp("[::1]:4444".into())
        );
        assert_eq!(
            parse("serial:/dev/ttyACM0@9600"),
            Input::new(
                "ttyACM0",
                Transport::Serial {
                    path: "/dev/ttyACM0".into(),
                    baud: Some(9600)
                }
            )
        );
        assert_eq!(
            parse("serial:/dev/serial/by-id/usb-x@y").transport(),
            &Transport::Serial {
                path: "/dev/serial/by-id/usb-x@y".into(),
                baud: None
            }
        );
        assert_eq!(parse("-"), Input::new("stdin", Transport::Stdin));
        assert_eq!(parse("a=stdin"), Input::new("a", Transport::Stdin));
        assert_eq!(
            parse("file:x/microbit.uart"),
            Input::new("microbit", Transport::File("x/microbit.uart".into()))
        );
        // `=` inside a path is not a name.
        assert_eq!(
            parse("file:./a=b.bin").transport(),
            &Transport::File("./a=b.bin".into())
        );
        assert_eq!(
            parse("/dev/null").transport(),
            &Transport::Serial {
                path: "/dev/null".into(),
                baud: None
            }
        );
        assert_eq!(
            parse("capture.bin"),
            Input::new("capture", Transport::File("capture.bin".into()))
        );
    }

    #[test]
    fn round_trip() {
        for s in [
            "a=tcp://h:1",
            "b=serial:/dev/x@115200",
            "c=serial:/dev/x",
            "d=file:/tmp/u",
            "e=stdin",
        ] {
            assert_eq!(parse(s).to_string(), s);
            assert_eq!(parse(&parse(s).to_string()), parse(s));
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (spec, needle) in [
            ("tcp://localhost", "no port"),
            ("tcp://:80", "no host"),
            ("tcp://h:0", "port from 1"),
            ("tcp://h:99999", "port from 1"),
            ("udp://h:1", "unknown scheme"),
            ("=tcp://h:1", "name before `=` is empty"),
            ("serial:", "no device path"),
            ("serial:/dev/x@99999999999", "out of range"),
            ("file:", "no path"),
            ("", "empty"),
        ] {
            let e = spec.parse::<Input>().unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
            assert!(e.contains(&format!("`{spec}`")), "{spec}: {e}");
        }
    }
}
