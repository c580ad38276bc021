//! What a `no_std` wasm module must bring itself (wasm only).
//!
//! The module is built without `std`: std adds nothing this module uses
//! but its panic handler and hook (about 2.3 KiB of the optimised module
//! today), and without std a build of `core` with `panic=immediate-abort`
//! (nightly) can drop panic formatting altogether (see the README, "Size").
//! So the module supplies the three things std would have:
//!
//! - an allocator: a grow-only arena on `memory.grow` (`arena`);
//! - a panic handler that traps (`unreachable`): JS sees a
//!   `RuntimeError`. No input from the host is meant to reach it;
//! - a `critical-section` implementation for the metrics' rare
//!   two-word updates: a no-op, sound because this target runs one thread
//!   and has no interrupts. Building with the `atomics` target feature
//!   (shared-memory threads) is refused at compile time.
//!
//! The same single-thread argument lets the module keep its state (the
//! heap, the buffers, the frame stream) in [`Local`]s, used in place.
//!
//! With the `std` feature (which the tests turn on: their harness needs
//! std) std's panic handler, which reports the message, replaces the trap,
//! and std's allocator the arena: the test harness allocates and frees all
//! the time, which an arena is not made for. The arena's own tests run on
//! the host.

use core::cell::UnsafeCell;

#[cfg(target_feature = "atomics")]
compile_error!(
    "omnimetrics-wasm assumes a single-threaded module; build without the `atomics` target feature"
);

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// State of the module's one thread, used in place: the module's buffers,
/// its frame stream (`bindings`) and its heap (`arena`). Neither a
/// `critical_section::Mutex<RefCell<_>>` (whose borrow error would bring
/// `core::fmt`'s padding code in) nor a `Mutex<Cell<_>>` (taking the value
/// out and putting it back, with the drop of what it replaces, in every
/// export): both guard against sharing that cannot happen here.
pub(crate) struct Local<T>(UnsafeCell<T>);

// SAFETY: without the `atomics` target feature (refused above) a wasm32
// module runs on one thread and nothing interrupts it, so a `Local` is
// never reached by two parties at once.
unsafe impl<T> Sync for Local<T> {}

impl<T> Local<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// Runs `f` on the value. Callers never call `with` on the same
    /// `Local` from inside `f` (the exports and the allocator each use
    /// their own, and the allocator calls nothing that allocates), and JS
    /// cannot call in while an export runs (the only import, `hostNow`,
    /// does not call back), so the reference is the only one while `f`
    /// runs.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: see above: no other reference to the value exists.
        f(unsafe { &mut *self.0.get() })
    }
}

/// The single-threaded critical section.
struct SingleThread;

critical_section::set_impl!(SingleThread);

// SAFETY: without the `atomics` target feature (refused above) a wasm32
// module runs on one thread and nothing can interrupt it, so there is never
// a second party to exclude: acquiring and releasing need to do nothing.
unsafe impl critical_section::Impl for SingleThread {
    unsafe fn acquire() -> critical_section::RawRestoreState {}

    unsafe fn release(_: critical_section::RawRestoreState) {}
}
