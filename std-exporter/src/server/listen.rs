//! Turning the configured address into a listening socket.
//!
//! Binding happens in the caller's thread, before anything is spawned, so
//! that "port in use" or "not an address of this machine" comes back from
//! `start()` as a typed [`Error`] instead of a log line from a background
//! thread.

use crate::error::Error;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};

/// Binds `address` (`IP:PORT`, or `HOST:PORT`, trying each resolved address
/// in turn) as a non-blocking listener.
pub(crate) fn bind(address: &str) -> Result<TcpListener, Error> {
    let invalid = |reason: String| Error::InvalidAddress {
        address: address.to_string(),
        reason,
    };
    let candidates: Vec<SocketAddr> = match address.parse::<SocketAddr>() {
        Ok(addr) => vec![addr],
        Err(_) if !address.contains(':') => return Err(invalid("it has no port".to_string())),
        Err(_) => address
            .to_socket_addrs()
            .map_err(|e| invalid(e.to_string()))?
            .collect(),
    };
    let mut failure = invalid("the host name resolves to no address".to_string());
    for addr in candidates {
        match TcpListener::bind(addr) {
            Ok(listener) => {
                return match listener.set_nonblocking(true) {
                    Ok(()) => Ok(listener),
                    Err(e) => Err(Error::bind(addr, e)),
                };
            }
            Err(e) => failure = Error::bind(addr, e),
        }
    }
    Err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_loopback_and_any_free_port() {
        let l = bind("127.0.0.1:0").unwrap();
        assert_ne!(l.local_addr().unwrap().port(), 0);
        let l = bind("localhost:0").unwrap();
        assert!(l.local_addr().unwrap().ip().is_loopback());
    }

    #[test]
    fn port_in_use() {
        let first = bind("127.0.0.1:0").unwrap();
        let addr = first.local_addr().unwrap();
        let e = bind(&addr.to_string()).unwrap_err();
        assert!(
            matches!(e, Error::AddressInUse { address, .. } if address == addr),
            "{e}"
        );
        assert!(e.to_string().contains("already in use"));
    }

    #[test]
    fn bad_addresses() {
        for (text, reason) in [
            ("9464", "no port"),
            ("127.0.0.1", "no port"),
            ("127.0.0.1:http", "invalid"),
            ("127.0.0.1:70000", "invalid"),
            ("", "no port"),
        ] {
            let e = bind(text).unwrap_err();
            assert!(matches!(e, Error::InvalidAddress { .. }), "{text}: {e}");
            let msg = e.to_string();
            assert!(
                msg.contains(reason) && msg.contains("IP:PORT"),
                "{text}: {msg}"
            );
        }
    }

    #[test]
    fn foreign_address() {
        // 192.0.2.0/24 is reserved for documentation: never a local address.
        let e = bind("192.0.2.1:0").unwrap_err();
        assert!(matches!(e, Error::AddressNotAvailable { .. }), "{e}");
    }
}
