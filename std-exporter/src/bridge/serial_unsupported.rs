//! Serial inputs where the bridge has no termios code (Windows, and Unix
//! systems whose `libc` bindings lack `cfmakeraw`): opening one is an error
//! that says so, and the rest of the bridge works the same. `mod.rs` picks
//! this file instead of `serial.rs` there.

use super::BridgeError;
use std::io::{self, Read};
use std::path::Path;

/// Never made: opening always fails.
#[derive(Debug)]
pub(crate) struct SerialPort(std::convert::Infallible);

impl SerialPort {
    pub(crate) fn open(_: &Path, _: u32, input: &str) -> Result<Self, BridgeError> {
        Err(BridgeError::SerialUnsupported {
            input: input.to_string(),
        })
    }
}

impl Read for SerialPort {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0 {}
    }
}
