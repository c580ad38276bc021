//! How much stack a run used: the free stack is painted with a pattern at
//! start-up, and at the end the deepest word that no longer holds it marks
//! the high-water line.
//!
//! Encoding a report walks the whole registry on the stack, so this is the
//! number to check against a board's RAM, next to the size report's
//! `.data` + `.bss`.

const PAINT: u32 = 0x5AFE_57AC;

/// Fills `[bottom, below)` with the pattern.
///
/// # Safety
///
/// The range must be RAM that nothing uses now: stack below the current
/// stack pointer, above everything else. Call it early, with `below` a
/// little under the stack pointer.
pub unsafe fn paint(bottom: *mut u32, below: *mut u32) {
    let mut p = bottom;
    while p < below {
        // SAFETY: the caller promises the range is unused RAM.
        unsafe {
            p.write_volatile(PAINT);
            p = p.add(1);
        }
    }
}

/// Bytes of stack used since [`paint`]: from `top` (the initial stack
/// pointer) down to the deepest overwritten word above `bottom`.
///
/// # Safety
///
/// `[bottom, top)` must be the stack region painted before.
pub unsafe fn used(bottom: *const u32, top: *const u32) -> usize {
    let mut p = bottom;
    // SAFETY: the caller promises the range is the stack; reading it has no
    // effect.
    while p < top && unsafe { p.read_volatile() } == PAINT {
        // SAFETY: as above, `p` stays within the range.
        p = unsafe { p.add(1) };
    }
    top as usize - p as usize
}
