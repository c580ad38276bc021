//! The omnimetrics firmware example on a TI Stellaris LM3S6965 evaluation
//! board (Cortex-M3, `thumbv7m-none-eabi`), as QEMU's `lm3s6965evb`
//! machine emulates it.
//!
//! Sets the clock and hands UART0 to `firmware-board`, which runs the
//! instrumented workload of `firmware-app` with its reports going to it,
//! then prints what the firmware counted itself and the stack it used over
//! semihosting (for the host-side check) and ends QEMU. A panic ends QEMU with status 1 (`panic-semihosting`'s `exit`
//! feature).
//!
//! The Cortex-M3 has compare-and-swap but no 64-bit atomics, so
//! omnimetrics' 64-bit counters still go through `critical-section`,
//! provided by `cortex-m`'s `critical-section-single-core` feature.
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
    let peripherals = cortex_m::Peripherals::take().expect("peripherals are taken once");
    #[cfg(feature = "metrics")]
    clock::install(peripherals.SYST);
    #[cfg(not(feature = "metrics"))]
    let _ = peripherals;
    let uart = uart::Uart::take().expect("the UART is taken once");
    firmware_board::run(
        "lm3s6965",
        &mut firmware_board::Serial(uart),
        boot::boot_id(),
    )
}
