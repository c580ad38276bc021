//! The transmitter of the LM3S6965's UART0 (`firmware_board::Serial` makes
//! it an `embedded_io::Write`).
//!
//! Wait while the transmit FIFO is full, then write the data register. QEMU's UART0 needs no set-up; on the real board, enable the
//! UART0 and GPIOA clocks in `RCGC1`/`RCGC2`, route PA1 to the UART, and set
//! the baud rate before using this.

use core::ptr;
use firmware_board::{Taken, Transmit};

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

static TAKEN: Taken = Taken::new();

impl Uart {
    /// The UART; `None` if it was taken before.
    pub(crate) fn take() -> Option<Self> {
        TAKEN.first().then_some(Self { _owned: () })
    }
}

impl Transmit for Uart {
    fn send(&mut self, byte: u8) {
        // SAFETY: FR and DR are UART0's flag and data registers; only the
        // `Uart` handed out once by `take` touches them.
        unsafe {
            while ptr::read_volatile((BASE + FR) as *const u32) & FR_TXFF != 0 {}
            ptr::write_volatile((BASE + DR) as *mut u32, u32::from(byte));
        }
    }
}
