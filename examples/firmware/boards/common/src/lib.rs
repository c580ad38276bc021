//! What every board of the example does around [`firmware_app::run`], once
//! it has set its clock and taken its UART: paint the free stack, run the
//! workload, print what the firmware counted itself and the stack it used
//! over semihosting (for the host-side check), and end QEMU.
//!
//! A board crate keeps only what differs between boards: how its UART
//! sends a byte ([`Transmit`]), its clock, its boot id, its `memory.x`.
#![no_std]

use core::cell::Cell;
use core::convert::Infallible;
use core::fmt::Write as _;
use cortex_m_semihosting::{debug, hio};
use critical_section::Mutex;

unsafe extern "C" {
    /// The lowest address of the stack (the end of `.bss` and `.uninit`),
    /// from `cortex-m-rt`'s `link.x`.
    static mut _stack_end: u32;
    /// The initial stack pointer, from `link.x`.
    static mut _stack_start: u32;
}

/// Runs the example on `board` (its name in the ledger), reporting over
/// `uart`, with `boot_id` in every frame; ends QEMU when done (a failed
/// semihosting write panics, which `panic-semihosting` turns into exit
/// status 1).
pub fn run<W: embedded_io::Write<Error = Infallible>>(
    board: &str,
    uart: &mut W,
    boot_id: u32,
) -> ! {
    let (stack_bottom, stack_top) = (&raw mut _stack_end, &raw mut _stack_start);
    // SAFETY: below the current stack pointer (minus a margin for this
    // frame) the stack is unused; nothing else lives between its ends.
    unsafe {
        let sp = cortex_m::register::msp::read() as *mut u32;
        firmware_app::stack::paint(stack_bottom, sp.wrapping_sub(16));
    }
    let Ok(summary) = firmware_app::run(uart, &firmware_app::Config::DEFAULT, boot_id);
    let mut out = hio::hstdout().expect("semihosting stdout");
    firmware_app::write_expectations(&mut out, board, &summary).expect("semihosting write");
    // SAFETY: the range painted above.
    let stack = unsafe { firmware_app::stack::used(stack_bottom, stack_top) };
    writeln!(out, "stack used={stack}").expect("semihosting write");
    debug::exit(debug::EXIT_SUCCESS);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// A UART's transmitter: sends one byte, blocking until the hardware took
/// it.
pub trait Transmit {
    /// Sends `byte`.
    fn send(&mut self, byte: u8);
}

/// A [`Transmit`] as an [`embedded_io::Write`], so that any encoder written
/// against `embedded-io` can report over it: byte by byte, blocking, no
/// interrupts and no buffer (a report is written between control cycles,
/// where blocking is fine). `flush` has nothing to do: every byte was
/// taken by the hardware before `write` returned.
#[derive(Debug)]
pub struct Serial<T>(pub T);

impl<T> embedded_io::ErrorType for Serial<T> {
    type Error = Infallible;
}

impl<T: Transmit> embedded_io::Write for Serial<T> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        for &b in buf {
            self.0.send(b);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// Whether a peripheral was handed out: a driver's `take` asks
/// [`first`](Self::first), so that only one handle ever drives it.
#[derive(Debug)]
pub struct Taken(Mutex<Cell<bool>>);

impl Taken {
    /// Not taken yet.
    pub const fn new() -> Self {
        Self(Mutex::new(Cell::new(false)))
    }

    /// `true` the first time only.
    pub fn first(&self) -> bool {
        critical_section::with(|cs| !self.0.borrow(cs).replace(true))
    }
}

impl Default for Taken {
    fn default() -> Self {
        Self::new()
    }
}
