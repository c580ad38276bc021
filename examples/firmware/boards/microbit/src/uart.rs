//! The nRF51 UART's transmitter (`firmware_board::Serial` makes it an
//! `embedded_io::Write`).
//!
//! Start the transmitter once, then for each byte clear `EVENTS_TXDRDY`,
//! write `TXD` and wait for the event. The pin and baud-rate registers are
//! set as on a real micro:bit (TX on P0.24, 115200 baud); QEMU ignores them.

use core::ptr;
use firmware_board::{Taken, Transmit};

const BASE: usize = 0x4000_2000;
const TASKS_STARTTX: usize = 0x008;
const EVENTS_TXDRDY: usize = 0x11C;
const ENABLE: usize = 0x500;
const PSELTXD: usize = 0x50C;
const TXD: usize = 0x51C;
const BAUDRATE: usize = 0x524;

const ENABLE_UART: u32 = 4;
const TX_PIN: u32 = 24;
const BAUD_115200: u32 = 0x01D7_E000;

fn write_reg(offset: usize, value: u32) {
    // SAFETY: BASE + offset is a UART register of the nRF51 (see the
    // constants above); volatile writes are how it is driven, and only the
    // `Uart` handed out once by `take` writes them.
    unsafe { ptr::write_volatile((BASE + offset) as *mut u32, value) }
}

fn read_reg(offset: usize) -> u32 {
    // SAFETY: as in `write_reg`; reading an event register has no effect.
    unsafe { ptr::read_volatile((BASE + offset) as *const u32) }
}

/// The UART, transmitting.
#[derive(Debug)]
pub(crate) struct Uart {
    _owned: (),
}

static TAKEN: Taken = Taken::new();

impl Uart {
    /// Configures and starts the transmitter; `None` if it was taken before.
    pub(crate) fn take() -> Option<Self> {
        if !TAKEN.first() {
            return None;
        }
        write_reg(PSELTXD, TX_PIN);
        write_reg(BAUDRATE, BAUD_115200);
        write_reg(ENABLE, ENABLE_UART);
        write_reg(TASKS_STARTTX, 1);
        Some(Self { _owned: () })
    }
}

impl Transmit for Uart {
    fn send(&mut self, byte: u8) {
        write_reg(EVENTS_TXDRDY, 0);
        write_reg(TXD, u32::from(byte));
        while read_reg(EVENTS_TXDRDY) == 0 {}
    }
}
