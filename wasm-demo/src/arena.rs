//! The module's allocator: a grow-only arena on wasm memory.
//!
//! The module allocates nothing but the buffers it shares with the host
//! (see `buffer`): two of them, which only ever grow, and the service name,
//! kept for good. So the allocator does not need to find room among freed
//! blocks: it hands out memory from the end of what it has, growing wasm
//! memory as needed, and resizes or frees in place only the block it handed
//! out last. A buffer that grows while it is the last block grows where it
//! is; otherwise it moves to the end and its old block stays unused. Each
//! buffer's capacity at least doubles when it grows, so an isolate's memory
//! levels off at what its largest request and snapshot need, a few times
//! over at most. This is a tenth of `dlmalloc`'s code, in a module whose
//! goal is 24 KiB.
//!
//! [`Heap`] is the bookkeeping, with the memory it grows passed in, so that
//! its tests run on the host; on wasm (without the `std` feature, whose
//! test harness allocates and frees all the time and keeps std's
//! allocator) it is the global allocator, on `memory.grow`.

use core::alloc::Layout;
use core::ptr;

/// WebAssembly's page size: memory grows by whole pages.
pub(crate) const PAGE: usize = 64 * 1024;

/// Where the next block goes, and the block handed out last.
pub(crate) struct Heap {
    /// Fresh memory: `next..end`.
    next: usize,
    end: usize,
    /// Where the block handed out last starts (it ends at `next`).
    last: usize,
}

impl Heap {
    /// No memory yet.
    pub(crate) const fn new() -> Self {
        Self {
            next: 0,
            end: 0,
            last: usize::MAX,
        }
    }

    /// Makes `next..until` fresh memory, with `grow(bytes)` (whole pages;
    /// returns where they start) when `until` is past the end. Memory grows
    /// at its end, so the new pages continue the fresh memory, unless
    /// something else grew it in between: then the new pages become the
    /// fresh memory, and `false` says that `until` was not reached.
    fn reach(&mut self, until: usize, grow: impl FnOnce(usize) -> Option<usize>) -> bool {
        if until <= self.end {
            return true;
        }
        let Some(bytes) = (until - self.end).checked_next_multiple_of(PAGE) else {
            return false;
        };
        let Some(start) = grow(bytes) else {
            return false;
        };
        let contiguous = start == self.end;
        if !contiguous {
            self.next = start;
        }
        self.end = start.saturating_add(bytes);
        contiguous
    }

    /// A block for `layout` from fresh memory; null when memory cannot
    /// grow. (`GlobalAlloc::alloc`.)
    pub(crate) fn alloc(
        &mut self,
        layout: Layout,
        mut grow: impl FnMut(usize) -> Option<usize>,
    ) -> *mut u8 {
        // A second try when the memory grew somewhere else.
        for _ in 0..2 {
            let Some(start) = self.next.checked_next_multiple_of(layout.align()) else {
                return ptr::null_mut();
            };
            let Some(until) = start.checked_add(layout.size()) else {
                return ptr::null_mut();
            };
            if self.reach(until, &mut grow) {
                self.last = start;
                self.next = until;
                return ptr::with_exposed_provenance_mut(start);
            }
        }
        ptr::null_mut()
    }

    /// Frees `block`: its memory is fresh again if it was the last one
    /// handed out. (`GlobalAlloc::dealloc`.)
    pub(crate) fn dealloc(&mut self, block: *mut u8) {
        if block.addr() == self.last {
            self.next = self.last;
            self.last = usize::MAX;
        }
    }

    /// `block` (allocated with `layout`) resized to `new_size` bytes: in
    /// place when it was the last block handed out, otherwise moved to
    /// fresh memory; null, and `block` unchanged, when memory cannot grow.
    ///
    /// # Safety
    ///
    /// `GlobalAlloc::realloc`'s contract: `block` was handed out by this
    /// heap with `layout` and is still in use, and `new_size` is non-zero
    /// and makes a valid layout with `layout`'s alignment.
    pub(crate) unsafe fn realloc(
        &mut self,
        block: *mut u8,
        layout: Layout,
        new_size: usize,
        mut grow: impl FnMut(usize) -> Option<usize>,
    ) -> *mut u8 {
        if block.addr() == self.last
            && let Some(until) = self.last.checked_add(new_size)
            && self.reach(until, &mut grow)
        {
            self.next = until;
            return block;
        }
        // SAFETY: the contract makes this a valid layout.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let moved = self.alloc(new, grow);
        if !moved.is_null() {
            // SAFETY: both blocks are at least this long, and distinct (the
            // old one is still in use, so it is not where fresh memory
            // started).
            unsafe { ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size)) };
        }
        moved
    }
}

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod global {
    //! The arena as the module's global allocator.

    use super::{Heap, PAGE};
    use crate::runtime::Local;
    use core::alloc::{GlobalAlloc, Layout};

    #[global_allocator]
    static ALLOCATOR: Arena = Arena(Local::new(Heap::new()));

    /// `bytes` (whole pages) of fresh wasm memory: where they start.
    fn grow(bytes: usize) -> Option<usize> {
        let before = core::arch::wasm32::memory_grow(0, bytes / PAGE);
        if before == usize::MAX {
            return None;
        }
        before.checked_mul(PAGE)
    }

    /// The arena, on wasm memory (one thread: see [`Local`]).
    struct Arena(Local<Heap>);

    // SAFETY: the heap hands out each block once, from memory that
    // `memory.grow` gave it alone, aligned and as long as asked, and hands
    // its bytes out again only after the block was freed or resized; it is
    // only reached through `Local::with`, one call at a time.
    unsafe impl GlobalAlloc for Arena {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            self.0.with(|heap| heap.alloc(layout, grow))
        }

        unsafe fn dealloc(&self, block: *mut u8, _: Layout) {
            self.0.with(|heap| heap.dealloc(block));
        }

        unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: `GlobalAlloc::realloc`'s contract is the one
            // `Heap::realloc` asks for.
            self.0
                .with(|heap| unsafe { heap.realloc(block, layout, new_size, grow) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Pages of host memory standing in for wasm memory, handed out in
    /// order like `memory.grow`; `skip` pages are left out before the next
    /// grow (as if something else had grown the memory).
    struct Memory {
        pages: Vec<u8>,
        used: usize,
        skip: usize,
    }

    impl Memory {
        fn new(pages: usize) -> Self {
            Self {
                pages: std::vec![0; (pages + 1) * PAGE],
                used: 0,
                skip: 0,
            }
        }

        fn grow(&mut self, bytes: usize) -> Option<usize> {
            assert_eq!(bytes % PAGE, 0);
            // Page-aligned, like wasm memory.
            let base = self.pages.as_ptr().addr().next_multiple_of(PAGE);
            let start = self.used + self.skip * PAGE;
            if start + bytes > self.pages.len() - PAGE {
                return None;
            }
            self.used = start + bytes;
            self.skip = 0;
            Some(base + start)
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn blocks_follow_each_other_aligned() {
        let mut memory = Memory::new(4);
        let mut heap = Heap::new();
        let a = heap.alloc(layout(3, 1), |b| memory.grow(b));
        let b = heap.alloc(layout(8, 8), |b| memory.grow(b));
        assert!(!a.is_null() && !b.is_null());
        assert_eq!(a.addr() % PAGE, 0);
        assert_eq!(b.addr(), a.addr() + 8);
        // A block larger than a page takes as many pages as it needs.
        let c = heap.alloc(layout(2 * PAGE, 16), |b| memory.grow(b));
        assert_eq!(c.addr(), b.addr() + 8);
        assert_eq!(memory.used, 3 * PAGE);
    }

    #[test]
    fn the_last_block_grows_and_is_freed_in_place() {
        let mut memory = Memory::new(4);
        let mut heap = Heap::new();
        let a = heap.alloc(layout(16, 1), |b| memory.grow(b));
        // SAFETY: `a` is in use, allocated with this layout.
        unsafe { a.write_bytes(7, 16) };
        // SAFETY: as above.
        let grown = unsafe { heap.realloc(a, layout(16, 1), PAGE + 1, |b| memory.grow(b)) };
        assert_eq!(grown, a);
        heap.dealloc(a);
        let again = heap.alloc(layout(32, 1), |b| memory.grow(b));
        assert_eq!(again, a);
        assert_eq!(memory.used, 2 * PAGE);
    }

    #[test]
    fn another_block_moves_with_its_bytes() {
        let mut memory = Memory::new(4);
        let mut heap = Heap::new();
        let a = heap.alloc(layout(4, 1), |b| memory.grow(b));
        // SAFETY: `a` is in use, allocated with this layout.
        unsafe { a.copy_from_nonoverlapping(b"abcd".as_ptr(), 4) };
        let b = heap.alloc(layout(4, 1), |b| memory.grow(b));
        // SAFETY: as above.
        let moved = unsafe { heap.realloc(a, layout(4, 1), 64, |b| memory.grow(b)) };
        assert_eq!(moved.addr(), b.addr() + 4);
        // SAFETY: the first 4 bytes of the moved block were copied.
        assert_eq!(unsafe { core::slice::from_raw_parts(moved, 4) }, b"abcd");
        // Freeing a block that is not the last one changes nothing.
        heap.dealloc(b);
        let c = heap.alloc(layout(1, 1), |b| memory.grow(b));
        assert_eq!(c.addr(), moved.addr() + 64);
    }

    #[test]
    fn no_memory_is_null_and_the_block_stays() {
        let mut memory = Memory::new(1);
        let mut heap = Heap::new();
        let a = heap.alloc(layout(PAGE / 2, 1), |b| memory.grow(b));
        assert!(!a.is_null());
        assert!(heap.alloc(layout(PAGE, 1), |b| memory.grow(b)).is_null());
        // SAFETY: `a` is in use, allocated with this layout.
        let grown = unsafe { heap.realloc(a, layout(PAGE / 2, 1), 2 * PAGE, |b| memory.grow(b)) };
        assert!(grown.is_null());
        // Sizes past the address space are refused, not wrapped.
        assert!(
            heap.alloc(layout(isize::MAX as usize, 1), |b| memory.grow(b))
                .is_null()
        );
        // The block is still the last one and still fits its page.
        // SAFETY: as above.
        let in_place = unsafe { heap.realloc(a, layout(PAGE / 2, 1), PAGE, |_| None) };
        assert_eq!(in_place, a);
    }

    #[test]
    fn memory_grown_elsewhere_is_skipped() {
        let mut memory = Memory::new(4);
        let mut heap = Heap::new();
        let a = heap.alloc(layout(PAGE, 1), |b| memory.grow(b));
        memory.skip = 1;
        let b = heap.alloc(layout(8, 1), |b| memory.grow(b));
        assert_eq!(b.addr(), a.addr() + 2 * PAGE);
        assert_eq!(memory.used, 3 * PAGE);
    }
}
