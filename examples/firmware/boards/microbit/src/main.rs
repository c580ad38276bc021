//! The omnimetrics firmware example on a BBC micro:bit (nRF51822,
//! Cortex-M0, `thumbv6m-none-eabi`), as QEMU's `microbit` machine emulates
//! it.
//!
//! Sets the clock, runs the instrumented workload of `firmware-app` with its
//! reports going to the UART, then prints what the firmware counted itself
//! and the stack it used over semihosting (for the host-side check) and ends
//! QEMU. A panic ends QEMU with status 1 (`panic-semihosting`'s `exit`
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

use core::fmt::Write as _;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};
use panic_semihosting as _;

unsafe extern "C" {
    /// The lowest address of the stack (the end of `.bss` and `.uninit`).
    static mut _stack_end: u32;
    /// The initial stack pointer.
    static mut _stack_start: u32;
}

#[entry]
fn main() -> ! {
    let (stack_bottom, stack_top) = (&raw mut _stack_end, &raw mut _stack_start);
    // SAFETY: below the current stack pointer (minus a margin for this
    // frame) the stack is unused; nothing else lives between its ends.
    unsafe {
        let sp = cortex_m::register::msp::read() as *mut u32;
        firmware_app::stack::paint(stack_bottom, sp.wrapping_sub(16));
    }
    #[cfg(feature = "metrics")]
    clock::install();
    let mut uart = uart::Uart::take().expect("the UART is taken once");
    let Ok(summary) = firmware_app::run(&mut uart, &firmware_app::Config::DEFAULT, boot::boot_id());
    let mut out = hio::hstdout().expect("semihosting stdout");
    firmware_app::write_expectations(&mut out, "microbit", &summary).expect("semihosting write");
    // SAFETY: the range painted above.
    let stack = unsafe { firmware_app::stack::used(stack_bottom, stack_top) };
    writeln!(out, "stack used={stack}").expect("semihosting write");
    debug::exit(debug::EXIT_SUCCESS);
    #[allow(clippy::empty_loop)]
    loop {}
}
