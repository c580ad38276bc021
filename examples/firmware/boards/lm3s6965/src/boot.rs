//! The boot id every frame carries: a counter in RAM that survives resets.
//!
//! The host tells a device restart (its counters start again from zero)
//! from lost frames by a change of boot id, so it must differ from one boot
//! to the next. The LM3S6965 has no random number generator, so this keeps
//! a counter in `.uninit` RAM, which the start-up code leaves alone: after a
//! reset (watchdog, fault, reset button) it still holds the last id, next
//! to a marker, and the next boot counts on from it. At power-up the marker
//! is missing and the id is whatever the RAM held, which on real SRAM is
//! close to random (QEMU starts with zeroed RAM, so there it is 0). A board
//! with a hardware RNG, or a counter kept in flash, does better.

use core::arch::asm;
use core::mem::MaybeUninit;

const MARKER: u32 = 0xB007_1D5E;

#[unsafe(link_section = ".uninit.omnimetrics_boot_id")]
static mut SLOT: MaybeUninit<[u32; 2]> = MaybeUninit::uninit();

/// Reads a word the compiler cannot assume anything about (it may never
/// have been written since power-up).
fn load(p: *const u32) -> u32 {
    let value: u32;
    // SAFETY: `p` points into `SLOT`, a static in RAM; a plain load of it
    // has no side effect, and the asm output is always an initialised u32.
    unsafe {
        asm!("ldr {0}, [{1}]", out(reg) value, in(reg) p, options(nostack, readonly, preserves_flags));
    }
    value
}

/// This boot's id. Call once at start-up, before interrupts are enabled.
pub(crate) fn boot_id() -> u32 {
    let slot = (&raw mut SLOT).cast::<u32>();
    // SAFETY: `slot` and `slot + 1` are the two words of `SLOT`; this is the
    // only code that touches it, and it runs once, before anything else.
    let (marker_at, id_at) = (slot, unsafe { slot.add(1) });
    let id = if load(marker_at) == MARKER {
        load(id_at).wrapping_add(1)
    } else {
        load(id_at)
    };
    // SAFETY: as above; writing initialises the slot for the next boot.
    unsafe {
        marker_at.write_volatile(MARKER);
        id_at.write_volatile(id);
    }
    id
}
