//! The nRF51 UART as an [`embedded_io::Write`], so that any encoder written
//! against `embedded-io` can report over it.
//!
//! Blocking and byte by byte: start the transmitter once, then for each byte
//! clear `EVENTS_TXDRDY`, write `TXD` and wait for the event. No interrupts,
//! no buffer: a report is written between control cycles, where blocking is
//! fine. The pin and baud-rate registers are set as on a real micro:bit
//! (TX on P0.24, 115200 baud); QEMU ignores them.

use core::cell::Cell;
use core::convert::Infallible;
use core::ptr;
use critical_section::Mutex;

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

static TAKEN: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));

impl Uart {
    /// Configures and starts the transmitter; `None` if it was taken before.
    pub(crate) fn take() -> Option<Self> {
        let first = critical_section::with(|cs| !TAKEN.borrow(cs).replace(true));
        if !first {
            return None;
        }
        write_reg(PSELTXD, TX_PIN);
        write_reg(BAUDRATE, BAUD_115200);
        write_reg(ENABLE, ENABLE_UART);
        write_reg(TASKS_STARTTX, 1);
        Some(Self { _owned: () })
    }

    fn send(&mut self, byte: u8) {
        write_reg(EVENTS_TXDRDY, 0);
        write_reg(TXD, u32::from(byte));
        while read_reg(EVENTS_TXDRDY) == 0 {}
    }
}

impl embedded_io::ErrorType for Uart {
    type Error = Infallible;
}

impl embedded_io::Write for Uart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        for &b in buf {
            self.send(b);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        // Every byte waited for its TXDRDY event.
        Ok(())
    }
}
