//! What a `no_std` wasm module must bring itself (wasm only).
//!
//! The module is built without `std`: std adds nothing this module uses
//! but its panic handler and hook (about 2.3 KiB of the optimised module
//! today), and without std a build of `core` with `panic=immediate-abort`
//! (nightly) can drop panic formatting altogether (see the README, "Size").
//! So the module supplies the three things std would have:
//!
//! - an allocator: [`SizeClasses`], power-of-two blocks on free lists,
//!   growing wasm memory as needed like std's `dlmalloc` does, in a ninth
//!   of its code (and about a third of `talc`'s, which it replaced);
//! - a panic handler that traps (`unreachable`): JS sees a
//!   `RuntimeError`. No input from the host is meant to reach it;
//! - a `critical-section` implementation for the metrics' rare
//!   two-word updates: a no-op, sound because this target runs one thread
//!   and has no interrupts. Building with the `atomics` target feature
//!   (shared-memory threads) is refused at compile time.
//!
//! With the `std` feature (which the tests turn on: their harness needs
//! std) std's panic handler, which reports the message, replaces the trap.
//! The allocator stays the same in every build.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

#[cfg(target_feature = "atomics")]
compile_error!(
    "omnimetrics-wasm assumes a single-threaded module; build without the `atomics` target feature"
);

#[global_allocator]
static ALLOCATOR: SizeClasses = SizeClasses {
    heap: UnsafeCell::new(Heap {
        free: [ptr::null_mut(); CLASSES],
        next: 0,
        end: 0,
    }),
};

/// The smallest block, as a power of two (16 bytes: room for the free-list
/// link, and the alignment of anything this module allocates).
const MIN_SHIFT: u32 = 4;
/// Block sizes 16 B, 32 B, ... 1 GiB (so that twice the largest still
/// fits a 32-bit `usize`).
const CLASSES: usize = 27;
/// WebAssembly's page size.
const PAGE: usize = 64 * 1024;

/// `at` rounded up to a multiple of `size`, a power of two; `None` past
/// the end of the address space. (Not `next_multiple_of`, whose check for
/// a zero divisor would bring a panic message into the module.)
fn align_up(at: usize, size: usize) -> Option<usize> {
    Some(at.checked_add(size - 1)? & !(size - 1))
}

/// A free block: the next free block of its size.
struct Free {
    next: *mut Free,
}

/// The allocator's state (see [`SizeClasses`]).
struct Heap {
    /// Per size class, the last freed block (a singly linked list).
    free: [*mut Free; CLASSES],
    /// Where the next new block starts: `next..end` is fresh memory.
    next: usize,
    end: usize,
}

/// The module's allocator: blocks of power-of-two sizes, each aligned to
/// its size, handed out from free lists per size or from fresh memory
/// (`memory.grow`), and put back on their list when freed. Nothing is
/// searched and nothing is merged: a few hundred bytes of code, where a
/// general allocator is several KiB of a module that has to stay small.
/// Blocks are never split or merged, so a size freed is only reused for
/// the same size class; an isolate's allocations (snapshot buffers,
/// request and response strings) repeat, so its memory levels off at
/// what one request needs, at most twice over, plus the free lists.
struct SizeClasses {
    heap: UnsafeCell<Heap>,
}

// SAFETY: without the `atomics` target feature (refused above) a wasm32
// module runs on one thread and nothing interrupts it, so the heap is
// never used by two parties at once.
unsafe impl Sync for SizeClasses {}

impl Heap {
    /// The address of a new block of `size` (a power of two) from fresh
    /// memory, aligned to `size`; grows the memory when needed.
    fn carve(&mut self, size: usize) -> Option<usize> {
        let fits = |next: usize, end: usize| {
            let start = align_up(next, size)?;
            (start.checked_add(size)? <= end).then_some(start)
        };
        let start = match fits(self.next, self.end) {
            Some(start) => start,
            None => {
                // Fresh pages: enough for one block at its alignment.
                // Pages start at multiples of 64 KiB, so a block of at most
                // a page fits in one; a larger one may have to skip up to
                // its size less a page to be aligned.
                let pages = (size / PAGE * 2).saturating_sub(1).max(1);
                let first = core::arch::wasm32::memory_grow(0, pages);
                if first == usize::MAX {
                    return None;
                }
                let from = first.checked_mul(PAGE)?;
                let to = first.checked_add(pages)?.checked_mul(PAGE)?;
                // Memory grows at its end: unless something else grew it in
                // between, the fresh pages continue the fresh memory.
                if from != self.end {
                    self.next = from;
                }
                self.end = to;
                fits(self.next, self.end)?
            }
        };
        self.next = start + size;
        Some(start)
    }
}

impl SizeClasses {
    /// The size class of `layout` and its block size; `None` beyond 1 GiB.
    fn class(layout: Layout) -> Option<(usize, usize)> {
        let size = layout
            .size()
            .max(layout.align())
            .max(1 << MIN_SHIFT)
            .checked_next_power_of_two()?;
        let class = (size.trailing_zeros() - MIN_SHIFT) as usize;
        (class < CLASSES).then_some((class, size))
    }
}

// SAFETY: blocks are handed out once (taken off a free list, or carved
// from fresh memory that `memory.grow` gave this allocator alone) and only
// go back to the list of their own class on `dealloc`; a block of a class
// is as large as, and aligned to, the class's size, which is at least the
// layout's size and alignment.
unsafe impl GlobalAlloc for SizeClasses {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((class, size)) = Self::class(layout) else {
            return ptr::null_mut();
        };
        // SAFETY: single-threaded (see `Sync`), and no reference to the
        // heap outlives this call.
        let heap = unsafe { &mut *self.heap.get() };
        let Some(head) = heap.free.get_mut(class) else {
            return ptr::null_mut();
        };
        if !head.is_null() {
            let block = *head;
            // SAFETY: a non-null head is a free block of this class, which
            // holds its link.
            *head = unsafe { (*block).next };
            return block.cast();
        }
        match heap.carve(size) {
            Some(start) => ptr::with_exposed_provenance_mut(start),
            None => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some((class, _)) = Self::class(layout) else {
            return;
        };
        // SAFETY: as in `alloc`.
        let heap = unsafe { &mut *self.heap.get() };
        if let Some(head) = heap.free.get_mut(class) {
            let block = block.cast::<Free>();
            // SAFETY: `block` was allocated with this layout (the
            // `GlobalAlloc` contract), so it is a block of this class: at
            // least 16 bytes, aligned to 16, and no longer in use.
            unsafe { block.write(Free { next: *head }) };
            *head = block;
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the `GlobalAlloc` contract for `realloc` guarantees that
        // the new layout is valid.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if Self::class(new) == Self::class(layout) {
            // The block is already large enough.
            return block;
        }
        // SAFETY: `new` is a valid, non-zero-sized layout (as above).
        let moved = unsafe { self.alloc(new) };
        if !moved.is_null() {
            // SAFETY: both blocks are at least this long, and distinct
            // (the old one is still allocated).
            unsafe {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }
}

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
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
