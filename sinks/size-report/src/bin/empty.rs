//! No metrics at all: the cost of the runtime, vector table and UART.
#![no_std]
#![no_main]

use core::ptr::write_volatile;

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        // SAFETY: nRF51 UART0 TXD, a memory-mapped register.
        unsafe { write_volatile(0x4000_251C as *mut u32, u32::from(b'.')) };
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
