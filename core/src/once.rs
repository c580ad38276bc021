//! A global value that is set at most once and then read lock-free.
//!
//! The clock, the service name override and the exemplar hook are process-wide
//! choices made at start-up and read on every call. `core` has no `OnceLock`,
//! and a lock on the read side is not acceptable on the hot path, so this is
//! the small state machine `log::set_logger` popularised: claim, write,
//! publish with `Release`; readers check the state with `Acquire` and only
//! then read the value.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use portable_atomic::AtomicU8;
#[cfg(target_has_atomic = "ptr")]
use portable_atomic::Ordering;

const EMPTY: u8 = 0;
/// Claimed by the one writer (without compare-and-swap, the critical
/// section is the claim).
#[cfg(target_has_atomic = "ptr")]
const WRITING: u8 = 1;
const READY: u8 = 2;

pub(crate) struct SetOnce<T> {
    state: AtomicU8,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: the value is written exactly once, by the thread that won the
// EMPTY -> WRITING transition, before READY is published with `Release`;
// readers only touch it after observing READY with `Acquire`. After that it is
// only ever read, so sharing it needs `T: Sync`, and handing it over from the
// writing thread needs `T: Send`.
unsafe impl<T: Send + Sync> Sync for SetOnce<T> {}

impl<T: Copy> SetOnce<T> {
    pub(crate) const fn new() -> Self {
        Self {
            state: AtomicU8::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// Stores `value` unless a value was stored before; hands it back then.
    pub(crate) fn set(&self, value: T) -> Result<(), T> {
        // Without compare-and-swap, one critical section for the whole
        // claim, write and publish, rather than one per operation in
        // `portable-atomic` (as in `register_function`).
        #[cfg(not(target_has_atomic = "ptr"))]
        return critical_section::with(|_| {
            if crate::acquire::relaxed_u8(&self.state) != EMPTY {
                return Err(value);
            }
            // SAFETY: the critical section makes this the only writer,
            // and no reader looks at the cell before READY.
            unsafe { (*self.value.get()).write(value) };
            crate::acquire::store_u8_in_section(&self.state, READY);
            Ok(())
        });
        #[cfg(target_has_atomic = "ptr")]
        {
            if self
                .state
                .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                return Err(value);
            }
            // SAFETY: winning the EMPTY -> WRITING exchange makes this the
            // only writer, and no reader looks at the cell before READY.
            unsafe { (*self.value.get()).write(value) };
            self.state.store(READY, Ordering::Release);
            Ok(())
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> Option<T> {
        if crate::acquire::u8(&self.state) == READY {
            // SAFETY: READY is published after the write completed (Release /
            // Acquire pair), and the value is never written again.
            Some(unsafe { (*self.value.get()).assume_init_read() })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_once_then_refuses() {
        static CELL: SetOnce<&'static str> = SetOnce::new();
        assert_eq!(CELL.get(), None);
        assert_eq!(CELL.set("a"), Ok(()));
        assert_eq!(CELL.set("b"), Err("b"));
        assert_eq!(CELL.get(), Some("a"));
    }
}
