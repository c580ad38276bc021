//! The omnimetrics firmware example on a BBC micro:bit (nRF51822,
//! Cortex-M0, `thumbv6m-none-eabi`), as QEMU's `microbit` machine emulates
//! it.
//!
//! Sets the clock and hands the UART to `firmware-board`, which runs the
//! instrumented workload of `firmware-app` with its reports going to the
//! UART, then prints what the firmware counted itself and the stack it used
//! over semihosting (for the host-side check) and ends QEMU. A panic ends QEMU with status 1 (`panic-semihosting`'s `exit`
//! feature).
//!
//! The Cortex-M0 has no compare-and-swap and no 64-bit atomics:
//! omnimetrics' counters go through `portable-atomic`'s fallback, which
//! takes `critical-section`'s lock, provided here by `cortex-m`'s
//! `critical-section-single-core` feature (interrupts off for a few cycles).
#![no_std]
#![no_main]

mod boot;
#[cfg(feature = "metrics")]
mod clock;
mod uart;

use cortex_m_rt::entry;
use panic_semihosting as _;

#[entry]
fn main() -> ! {
    #[cfg(feature = "metrics")]
    clock::install();
    let uart = uart::Uart::take().expect("the UART is taken once");
    firmware_board::run(
        "microbit",
        &mut firmware_board::Serial(uart),
        boot::boot_id(),
    )
}
