//! The omnimetrics clock of the micro:bit: the nRF51's TIMER0, extended to
//! 64 bits.
//!
//! A Cortex-M0 has no cycle counter, and SysTick is only 24 bits wide, so
//! the clock is TIMER0 (which QEMU emulates) counting microseconds
//! (16 MHz / 2^4) in 32-bit mode. Reading it is a capture task and a
//! register read. A 32-bit count of microseconds wraps after 71 minutes, so
//! the clock remembers the last value it read and counts wraps itself: a
//! reading below the previous one means the timer wrapped. That needs one
//! reading per 71 minutes, which any firmware calling an instrumented
//! function that often gives it; one that sleeps longer gets a clock that
//! falls behind by 71 minutes per missed wrap, yet never goes backwards, so
//! durations are still right. No interrupt is used.

use core::cell::Cell;
use core::ptr;
use critical_section::Mutex;
use omnimetrics::clock::Clock;

const TIMER0: usize = 0x4000_8000;
const TASKS_START: usize = 0x000;
const TASKS_STOP: usize = 0x004;
const TASKS_CLEAR: usize = 0x00C;
const TASKS_CAPTURE0: usize = 0x040;
const MODE: usize = 0x504;
const BITMODE: usize = 0x508;
const PRESCALER: usize = 0x510;
const CC0: usize = 0x540;

const MODE_TIMER: u32 = 0;
const BITMODE_32: u32 = 3;
/// 16 MHz / 2^4 = 1 MHz.
const PRESCALE_1MHZ: u32 = 4;
/// At 1 MHz a tick is exactly 1000 ns: a multiplication, where the general
/// `omnimetrics::clock::ticks_to_nanos` would divide 64-bit numbers, which
/// a Cortex-M0 does in software, twice per instrumented call.
const NANOS_PER_TICK: u64 = 1_000;

fn write_reg(offset: usize, value: u32) {
    // SAFETY: TIMER0 + offset is a TIMER0 register of the nRF51; only this
    // module touches TIMER0.
    unsafe { ptr::write_volatile((TIMER0 + offset) as *mut u32, value) }
}

fn read_reg(offset: usize) -> u32 {
    // SAFETY: as in `write_reg`.
    unsafe { ptr::read_volatile((TIMER0 + offset) as *const u32) }
}

/// TIMER0 as a monotonic 64-bit microsecond counter.
#[derive(Debug)]
pub(crate) struct Timer0Clock {
    /// The last 32-bit reading and the number of wraps seen before it.
    state: Mutex<Cell<(u32, u32)>>,
}

impl Clock for Timer0Clock {
    fn now_nanos(&self) -> u64 {
        let ticks = critical_section::with(|cs| {
            let cell = self.state.borrow(cs);
            let (last, mut wraps) = cell.get();
            write_reg(TASKS_CAPTURE0, 1);
            let now = read_reg(CC0);
            if now < last {
                wraps += 1;
            }
            cell.set((now, wraps));
            u64::from(wraps) << 32 | u64::from(now)
        });
        // It overflows after 2^64 ns of uptime, 584 years: nothing to
        // check (a check is code on every call, and `saturating_mul`'s
        // would be a second call of the software 64-bit multiplication).
        ticks.wrapping_mul(NANOS_PER_TICK)
    }
}

static CLOCK: Timer0Clock = Timer0Clock {
    state: Mutex::new(Cell::new((0, 0))),
};

/// Starts TIMER0 and makes it the omnimetrics clock. Call once, first thing.
pub(crate) fn install() {
    write_reg(TASKS_STOP, 1);
    write_reg(MODE, MODE_TIMER);
    write_reg(BITMODE, BITMODE_32);
    write_reg(PRESCALER, PRESCALE_1MHZ);
    write_reg(TASKS_CLEAR, 1);
    write_reg(TASKS_START, 1);
    // It fails only if a clock is set already, and nothing sets one before
    // this, which runs once, first thing: there is nothing to check (a
    // check would link its panic message, 70 bytes of flash).
    let _ = omnimetrics::clock::set_clock(&CLOCK);
}
