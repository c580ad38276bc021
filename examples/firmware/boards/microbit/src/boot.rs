//! The boot id every frame carries: four bytes from the nRF51's hardware
//! random number generator (which QEMU emulates).
//!
//! The host tells a device restart (its counters start again from zero)
//! from lost frames by a change of boot id, so it must differ from one boot
//! to the next; a random 32-bit number does, with a one in four billion
//! chance of a repeat.

use core::ptr;

const RNG: usize = 0x4000_D000;
const TASKS_START: usize = 0x000;
const TASKS_STOP: usize = 0x004;
const EVENTS_VALRDY: usize = 0x100;
const VALUE: usize = 0x508;

fn write_reg(offset: usize, value: u32) {
    // SAFETY: RNG + offset is a register of the nRF51's RNG, used only here.
    unsafe { ptr::write_volatile((RNG + offset) as *mut u32, value) }
}

fn read_reg(offset: usize) -> u32 {
    // SAFETY: as in `write_reg`.
    unsafe { ptr::read_volatile((RNG + offset) as *const u32) }
}

/// A random boot id. Call once at start-up.
pub(crate) fn boot_id() -> u32 {
    write_reg(TASKS_START, 1);
    let mut id = 0u32;
    for _ in 0..4 {
        while read_reg(EVENTS_VALRDY) == 0 {}
        id = id << 8 | (read_reg(VALUE) & 0xff);
        write_reg(EVENTS_VALRDY, 0);
    }
    write_reg(TASKS_STOP, 1);
    id
}
