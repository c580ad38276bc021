//! The omnimetrics clock of the LM3S6965: SysTick, extended to 64 bits by
//! counting its wraps in the SysTick exception.
//!
//! The Cortex-M3's DWT cycle counter would be the obvious choice on real
//! silicon, but QEMU does not emulate it (it reads 0). SysTick is emulated
//! and runs at the system clock, 12.5 MHz after reset (QEMU's model of the
//! reset value of `RCC`). It is a 24-bit down-counter that wraps every
//! 1.34 s, too often to rely on being read once per wrap, so its exception
//! counts the wraps. A reading takes the count and the counter inside a
//! critical section; if a wrap happened that the exception has not counted
//! yet (SysTick pending), it counts it and reads the counter again.

use core::cell::Cell;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{SCB, SYST};
use cortex_m_rt::exception;
use critical_section::Mutex;
use omnimetrics::clock::Clock;

const RELOAD: u32 = 0x00FF_FFFF;
/// At 12.5 MHz a tick is exactly 80 ns: a multiplication, where the general
/// `omnimetrics::clock::ticks_to_nanos` would divide 64-bit numbers in
/// software, twice per instrumented call.
const NANOS_PER_TICK: u64 = 80;

/// Wraps of SysTick since it started.
static WRAPS: Mutex<Cell<u32>> = Mutex::new(Cell::new(0));

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let wraps = WRAPS.borrow(cs);
        wraps.set(wraps.get() + 1);
    });
}

/// SysTick as a monotonic 64-bit count of 80 ns ticks.
#[derive(Debug)]
pub(crate) struct SysTickClock;

impl Clock for SysTickClock {
    fn now_nanos(&self) -> u64 {
        let ticks = critical_section::with(|cs| {
            let mut wraps = WRAPS.borrow(cs).get();
            let mut current = SYST::get_current();
            if SCB::is_pendst_pending() {
                // Wrapped, not counted yet: `current` may be from before
                // the wrap, so read it again.
                wraps += 1;
                current = SYST::get_current();
            }
            u64::from(wraps) * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current)
        });
        ticks.saturating_mul(NANOS_PER_TICK)
    }
}

static CLOCK: SysTickClock = SysTickClock;

/// Starts SysTick and makes it the omnimetrics clock. Call once, first
/// thing.
pub(crate) fn install(mut syst: SYST) {
    syst.disable_counter();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
    omnimetrics::clock::set_clock(&CLOCK).expect("the clock is installed once, at start-up");
}
