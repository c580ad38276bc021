//! `#[autometrics::autometrics]` with the `prometheus` backend, against the
//! bare call and the driver's `floor_instant`, in this process.

use criterion::Criterion;
use std::hint::black_box;

#[path = "../../src/floor.rs"]
#[allow(dead_code)]
mod floor;

use floor::{FloorStatics, body};

#[inline(never)]
fn bare(x: u64) -> Result<u64, u64> {
    body(x)
}

static FLOOR: FloorStatics = FloorStatics::new();

/// `Instant::now()` then `elapsed()`, as the driver's `floor_instant`.
#[inline(never)]
fn floor_instant(x: u64) -> Result<u64, u64> {
    floor::instrument_instant(&FLOOR, || body(x))
}

#[autometrics::autometrics]
#[inline(never)]
fn autometrics_call(x: u64) -> Result<u64, u64> {
    body(x)
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let _ = autometrics_call(1);
    let mut g = c.benchmark_group("call_autometrics_prometheus");
    for (name, f) in [
        ("bare", bare as fn(u64) -> Result<u64, u64>),
        ("floor_instant", floor_instant),
        ("autometrics_prometheus", autometrics_call),
    ] {
        g.bench_function(name, |b| {
            let mut i = 0u64;
            b.iter(|| {
                i = i.wrapping_add(1);
                f(black_box(i))
            })
        });
    }
    g.finish();
    c.final_summary();
}
