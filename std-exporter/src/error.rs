//! What can go wrong when configuring or starting an exporter.
//!
//! Every failure a user can fix has its own variant, and its message says
//! what to do about it (free the port, pick another address, ...), because
//! these errors usually end up printed once at start-up and nowhere else.

use std::io;
use std::net::SocketAddr;

/// An exporter could not be configured or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Another program (or another exporter in this one) already listens on
    /// the address.
    #[error(
        "cannot listen on {address}: the port is already in use. Stop the program that holds it \
         (`ss -ltnp` lists listeners) or choose another port, e.g. `.address(\"127.0.0.1:9465\")`; \
         port 0 picks a free one"
    )]
    AddressInUse {
        /// The address that was asked for.
        address: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// The operating system refused the address (usually a port below 1024
    /// without the privilege to use it).
    #[error(
        "cannot listen on {address}: permission denied. Ports below 1024 need extra privileges; \
         choose a port of 1024 or above, such as 9464"
    )]
    PermissionDenied {
        /// The address that was asked for.
        address: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// The IP address is not one of this machine's.
    #[error(
        "cannot listen on {address}: no network interface of this machine has that IP address. \
         Use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of the machine's own \
         addresses"
    )]
    AddressNotAvailable {
        /// The address that was asked for.
        address: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// Binding failed for another reason.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address that was asked for.
        address: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// The listen address could not be read or resolved.
    #[error(
        "{address:?} is not a listen address ({reason}). Write it as IP:PORT or HOST:PORT, \
         for example \"127.0.0.1:9464\", \"0.0.0.0:9464\" or \"[::1]:9464\""
    )]
    InvalidAddress {
        /// The text that was given.
        address: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The metrics path is not an absolute URL path.
    #[error(
        "{path:?} is not a usable metrics path: it must start with `/` and hold only visible \
         ASCII characters other than `?` and `#`, for example \"/metrics\""
    )]
    InvalidPath {
        /// The path that was given.
        path: String,
    },

    /// A bearer token or basic-auth user name or password that clients
    /// could not send.
    #[error("invalid credentials for the exporter: {reason}")]
    InvalidCredentials {
        /// What is wrong with them.
        reason: &'static str,
    },

    /// A limit or timeout that would make the server unusable.
    #[error("invalid exporter setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The builder method.
        setting: &'static str,
        /// What is wrong and what to use instead.
        reason: &'static str,
    },

    /// The exporter's own thread or runtime could not be created.
    #[error(
        "the exporter could not start its background thread or runtime: {0}. The process is \
         probably out of threads, memory or file descriptors"
    )]
    Runtime(#[source] io::Error),

    /// [`Server::run`](crate::Server::run) was polled outside a tokio
    /// runtime.
    #[error(
        "`Server::run` must be awaited inside a tokio runtime with I/O and time enabled \
         (`#[tokio::main]` or `Runtime::new()`); without one, use `ExporterBuilder::start`, \
         which brings its own"
    )]
    NoRuntime,
}

impl Error {
    /// Turns a bind failure into the variant that says how to fix it.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn bind(address: SocketAddr, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::AddrInUse => Self::AddressInUse { address, source },
            io::ErrorKind::PermissionDenied => Self::PermissionDenied { address, source },
            io::ErrorKind::AddrNotAvailable => Self::AddressNotAvailable { address, source },
            _ => Self::Bind { address, source },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_errors_say_what_to_do() {
        let addr: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let e = Error::bind(addr, io::Error::from(io::ErrorKind::AddrInUse));
        assert!(matches!(e, Error::AddressInUse { .. }));
        assert!(e.to_string().contains("already in use"), "{e}");
        assert!(e.to_string().contains("port 0 picks a free one"), "{e}");
        let e = Error::bind(addr, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(e.to_string().contains("below 1024"), "{e}");
        let e = Error::bind(addr, io::Error::from(io::ErrorKind::AddrNotAvailable));
        assert!(e.to_string().contains("no network interface"), "{e}");
        let e = Error::bind(addr, io::Error::other("boom"));
        assert_eq!(e.to_string(), "cannot listen on 127.0.0.1:80: boom");
    }
}
