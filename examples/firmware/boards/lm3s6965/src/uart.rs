//! UART0 of the LM3S6965 as an [`embedded_io::Write`], so that any encoder
//! written against `embedded-io` can report over it.
//!
//! Blocking: wait while the transmit FIFO is full, then write the data
//! register. QEMU's UART0 needs no set-up; on the real board, enable the
//! UART0 and GPIOA clocks in `RCGC1`/`RCGC2`, route PA1 to the UART, and set
//! the baud rate before using this.

use core::cell::Cell;
use core::convert::Infallible;
use core::ptr;
use critical_section::Mutex;

const BASE: usize = 0x4000_C000;
const DR: usize = 0x000;
const FR: usize = 0x018;
/// Transmit FIFO full.
const FR_TXFF: u32 = 1 << 5;

/// UART0, transmitting.
#[derive(Debug)]
pub(crate) struct Uart {
    _owned: (),
}

static TAKEN: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));

impl Uart {
    /// The UART; `None` if it was taken before.
    pub(crate) fn take() -> Option<Self> {
        let first = critical_section::with(|cs| !TAKEN.borrow(cs).replace(true));
        first.then_some(Self { _owned: () })
    }

    fn send(&mut self, byte: u8) {
        // SAFETY: FR and DR are UART0's flag and data registers; only the
        // `Uart` handed out once by `take` touches them.
        unsafe {
            while ptr::read_volatile((BASE + FR) as *const u32) & FR_TXFF != 0 {}
            ptr::write_volatile((BASE + DR) as *mut u32, u32::from(byte));
        }
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
        Ok(())
    }
}
