//! The instrumented call allocates nothing after the first call, and neither
//! does reading the metrics through the visit API. A counting global
//! allocator (this file is its own test binary) proves it.

use omnimetrics::autometrics;
use omnimetrics::metrics::{Counter, CounterVec};
use omnimetrics::visit::{FamilyDesc, Series, Source, Visitor};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread's allocations are counted: only the test's own,
    /// not those of the test harness's other threads (which allocate when
    /// the machine is slow enough for a "running for over 60 seconds"
    /// notice). Constant-initialised, so reading it allocates nothing.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the allocating thread is being watched (not while the thread
/// is being torn down).
fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread's watch.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.set(true);
    f();
    COUNTING.set(false);
    ALLOCATIONS.load(Ordering::SeqCst)
}

#[autometrics]
fn leaf(n: u32) -> Result<u32, u32> {
    if n.is_multiple_of(3) { Err(n) } else { Ok(n) }
}

#[autometrics(track_concurrency)]
fn parent(n: u32) -> u32 {
    leaf(n).unwrap_or(0)
}

#[autometrics]
async fn async_parent(n: u32) -> u32 {
    parent(n)
}

static HITS: Counter = Counter::new("no_alloc_hits_total", "Hits.");
static BY_KIND: CounterVec<1, 4> = CounterVec::new("no_alloc_by_kind_total", "By kind.", ["kind"]);

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

struct Discard(usize);
impl Visitor for Discard {
    type Error = ();
    fn family(&mut self, _: &FamilyDesc<'_>) -> Result<(), ()> {
        Ok(())
    }
    fn series(&mut self, s: &Series<'_>) -> Result<(), ()> {
        self.0 += s.labels.len();
        Ok(())
    }
}

#[test]
fn instrumented_calls_and_visits_allocate_nothing() {
    // First calls: registration, the clock's origin, thread-locals, the
    // environment lookup of `service_name`.
    parent(1);
    block_on(async_parent(1));
    HITS.inc();
    BY_KIND.with_label_values(["a"]).inc();
    omnimetrics::registry().visit(&mut Discard(0)).unwrap();

    let n = allocations_in(|| {
        for i in 0..10_000 {
            parent(i);
            block_on(async_parent(i));
            HITS.inc();
            BY_KIND.with_label_values(["a"]).inc();
        }
    });
    assert_eq!(n, 0, "instrumented calls allocated");

    let mut v = Discard(0);
    let n = allocations_in(|| omnimetrics::registry().visit(&mut v).unwrap());
    assert_eq!(n, 0, "visiting allocated");
    assert!(v.0 > 0);
}
