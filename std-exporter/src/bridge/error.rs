//! What can go wrong when setting up a bridge.
//!
//! These errors are printed once, at start-up, by `omnimetrics bridge`, so
//! each says which input it is about and what to do. Failures after start-up
//! (a connection refused, a device unplugged) are not errors: the input is
//! retried, and the bridge's own metrics show it.

use std::io;

/// An input could not be parsed or opened, or a device not attached.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The input string does not follow `[NAME=]SOURCE`.
    #[error("invalid input `{input}`: {reason}")]
    InvalidInput {
        /// The input as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A file or device does not exist.
    #[error("cannot open {input}: no such file or device")]
    NotFound {
        /// The input.
        input: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// The file or device exists but this user may not read it.
    #[error(
        "cannot open {input}: permission denied. For a serial device, add your user to the group \
         that owns it (`ls -l` shows it; usually `dialout` or `uucp`: \
         `sudo usermod -aG dialout $USER`, then log in again)"
    )]
    PermissionDenied {
        /// The input.
        input: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// Opening failed for another reason.
    #[error("cannot open {input}: {source}")]
    Open {
        /// The input.
        input: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// A `serial:` input is not a terminal device.
    #[error(
        "{input} is not a serial device (it does not accept terminal settings); \
         read a captured stream with file:PATH instead"
    )]
    NotASerialDevice {
        /// The input.
        input: String,
    },

    /// The baud rate is not one the system can set.
    #[error("{input}: unsupported baud rate {baud}; use one of {supported}")]
    UnsupportedBaud {
        /// The input.
        input: String,
        /// The rate asked for.
        baud: u32,
        /// The rates this system supports, for the message.
        supported: String,
    },

    /// Serial devices are not supported on this system.
    #[error("{input}: serial devices are supported on Unix only; use tcp:// or a file")]
    SerialUnsupported {
        /// The input.
        input: String,
    },

    /// A `tcp://` host name does not resolve.
    #[error("{input}: cannot resolve the address: {source}")]
    Resolve {
        /// The input.
        input: String,
        /// What the resolver said.
        #[source]
        source: io::Error,
    },

    /// Two inputs would have the same `device` label.
    #[error(
        "two inputs are named `{name}`; give each its own device name with NAME=SOURCE, \
         e.g. `--input {name}-2=SOURCE`"
    )]
    DuplicateDevice {
        /// The name.
        name: String,
    },

    /// A device name is empty.
    #[error("a device name must not be empty")]
    EmptyName,

    /// The bridge already has as many devices as it was allowed.
    #[error("cannot add device `{name}`: the bridge is limited to {limit} devices")]
    TooManyDevices {
        /// The device that was refused.
        name: String,
        /// The limit.
        limit: usize,
    },

    /// A thread for the input could not be started.
    #[error("cannot start a thread for {input}: {source}")]
    Thread {
        /// The input.
        input: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

impl BridgeError {
    /// The error for an `io::Error` met while opening `input`.
    pub(crate) fn open(input: impl ToString, source: io::Error) -> Self {
        let input = input.to_string();
        match source.kind() {
            io::ErrorKind::NotFound => Self::NotFound { input, source },
            io::ErrorKind::PermissionDenied => Self::PermissionDenied { input, source },
            _ => Self::Open { input, source },
        }
    }
}
