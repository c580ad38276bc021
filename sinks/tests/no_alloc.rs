//! Encoding allocates nothing: the fixture (live registry: every SPEC
//! family, user families, hostile label values) and a source with
//! exemplars, in both text formats, to a `fmt::Write` and an
//! `embedded_io::Write`, and as frames into a buffer and a writer. A
//! counting global allocator (this file is its own test binary) proves it.

mod common;

use common::{WithExemplars, fixture};
use omnimetrics::visit::Source;
use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::{Format, encode, encode_io};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

// Per thread: the test harness's own threads allocate when they like.
thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    // `try_with`: nothing to count while the thread's locals are torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: forwards every call to the system allocator; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `alloc`'s contract, which is ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while `f` runs.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(Cell::get)
}

/// A `fmt::Write` and `embedded_io::Write` into a fixed buffer.
struct Fixed {
    buf: Box<[u8]>,
    len: usize,
}

impl Fixed {
    fn new() -> Self {
        Self {
            buf: vec![0; 1 << 20].into_boxed_slice(),
            len: 0,
        }
    }
    fn push(&mut self, b: &[u8]) -> bool {
        let Some(slot) = self.buf.get_mut(self.len..self.len + b.len()) else {
            return false;
        };
        slot.copy_from_slice(b);
        self.len += b.len();
        true
    }
}

impl std::fmt::Write for Fixed {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push(s.as_bytes()).then_some(()).ok_or(std::fmt::Error)
    }
}

impl embedded_io::ErrorType for Fixed {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io::Write for Fixed {
    fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> {
        self.push(b)
            .then_some(b.len())
            .ok_or(embedded_io::ErrorKind::OutOfMemory)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn encode_everything<S: Source>(source: &S, out: &mut Fixed, frame_buf: &mut [u8]) {
    for format in [Format::Prometheus, Format::OpenMetrics] {
        encode(source, format, out).unwrap();
        encode_io(source, format, out).unwrap();
    }
    let mut frames = FrameEncoder::new(1).describe_every(1);
    frames.write(source, out).unwrap();
    frames.write_to_slice(source, frame_buf).unwrap();
}

#[test]
fn encoding_allocates_nothing() {
    // The counter sees allocations at all.
    assert_eq!(
        allocations_in(|| drop(std::hint::black_box(vec![1u8; 10]))),
        1
    );
    fixture();
    let mut out = Fixed::new();
    let mut frame_buf = vec![0u8; 1 << 16];
    let n = allocations_in(|| {
        encode_everything(&omnimetrics::registry(), &mut out, &mut frame_buf);
        encode_everything(&WithExemplars, &mut out, &mut frame_buf);
    });
    // The work was done: both sources, all formats.
    let written = String::from_utf8_lossy(&out.buf[..out.len]);
    assert!(written.contains("function_calls_total{"));
    assert!(written.contains("# {trace_id="));
    assert!(written.contains("# EOF"));
    assert_eq!(n, 0, "encoding allocated {n} times");
}
