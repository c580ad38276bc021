//! The dashboard's history has bounded memory: run for many more intervals
//! than it has room for, its length and the heap it holds stay fixed.
//!
//! The heap is measured by a counting allocator, per thread (the ring is
//! filled on the test's own thread), so other tests running at the same
//! time do not disturb the count. Nothing else in this binary starts a
//! dashboard, so its sampling thread can be counted too.

use omnimetrics::{Objective, ObjectivePercentile, Snapshot, autometrics};
use omnimetrics_exporter::Endpoint;
use omnimetrics_exporter::dashboard::{Dashboard, DashboardConfig, History};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The system allocator, counting the bytes each thread holds.
struct Counting;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: allocations can happen while a thread's locals are torn down.
    let _ = LIVE_BYTES.try_with(|b| b.set(b.get() + delta));
}

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded to `System` with the same arguments; the
// counting touches a thread-local `Cell` only, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(size(layout));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(size(layout));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator (so by `System`)
        // with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) };
        count(-size(layout));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and `new_size` is valid per the caller.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout));
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

const STORE: Objective = Objective::new("store").success_rate(ObjectivePercentile::P99);

#[autometrics(objective = STORE, track_concurrency)]
fn handle(i: u32) -> Result<u32, &'static str> {
    let _ = lookup(i);
    lookup(i + 1)
}

#[autometrics]
fn lookup(i: u32) -> Result<u32, &'static str> {
    if i.is_multiple_of(7) {
        Err("not found")
    } else {
        Ok(i)
    }
}

#[test]
fn the_history_ring_keeps_its_size_for_ever() {
    const CAPACITY: usize = 64;
    const INTERVALS: usize = CAPACITY * 50;
    let mut history = History::new(CAPACITY);
    let start = Instant::now();
    let step = |history: &mut History, i: usize| {
        let n = u32::try_from(i).unwrap();
        for k in 0..5 {
            let _ = handle(n * 5 + k);
        }
        let snapshot = Snapshot::capture(&omnimetrics::registry());
        history.record(start + Duration::from_secs(i as u64), &snapshot);
    };

    // Fill it twice over: from then on, every sample evicts one.
    for i in 0..CAPACITY * 2 {
        step(&mut history, i);
    }
    assert_eq!(history.len(), CAPACITY);
    let full = live_bytes();
    let mut lengths = Vec::with_capacity(INTERVALS);
    let lengths_heap = live_bytes() - full;
    for i in CAPACITY * 2..INTERVALS {
        step(&mut history, i);
        lengths.push(history.len());
    }
    let after = live_bytes() - lengths_heap;
    assert!(lengths.iter().all(|&l| l == CAPACITY), "the ring grew");
    assert_eq!(history.capacity(), CAPACITY);
    assert_eq!(
        after,
        full,
        "the history held {full} bytes when full and {after} bytes {} intervals later",
        INTERVALS - CAPACITY * 2
    );
    println!(
        "history of {CAPACITY} samples of 2 functions: {full} bytes ({} per sample), \
         unchanged after {INTERVALS} intervals",
        full / CAPACITY as isize
    );
}

/// Threads of this process named like the sampler (Linux keeps 15 bytes
/// of a thread's name).
#[cfg(target_os = "linux")]
fn sampler_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "omnimetrics-das")
        .count()
}

#[test]
fn the_live_sampler_keeps_the_capacity_and_stops_with_the_dashboard() {
    let interval = Duration::from_millis(10);
    let config = DashboardConfig::new()
        .interval(interval)
        .history(8)
        .rate_window(interval);
    let dashboard = Dashboard::start(config, Endpoint::new()).unwrap();
    let clone = dashboard.clone();
    let start = Instant::now();
    while dashboard.samples() < 8 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the sampler is not sampling"
        );
        std::thread::sleep(interval);
    }
    // Ten times as many intervals as there is room for.
    let mut seen = Vec::new();
    while start.elapsed() < interval * 80 {
        seen.push(dashboard.samples());
        std::thread::sleep(interval / 2);
    }
    assert!(seen.iter().all(|&n| n == 8), "{seen:?}");
    #[cfg(target_os = "linux")]
    assert_eq!(sampler_threads(), 1);
    drop(dashboard);
    // A clone keeps it going; the last one stops it, and waits for it.
    assert_eq!(clone.samples(), 8);
    drop(clone);
    #[cfg(target_os = "linux")]
    assert_eq!(
        sampler_threads(),
        0,
        "the sampling thread outlived the dashboard"
    );
}
