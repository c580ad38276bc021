//! `#[autometrics]` with `default-features = false`: this crate has no `std`
//! and no `alloc`, and CI builds it for `thumbv6m-none-eabi` (no atomic
//! compare-and-swap, no 64-bit atomics), `thumbv7m-none-eabi`,
//! `riscv32imc-unknown-none-elf` and `wasm32-unknown-unknown`. It also pins
//! the RAM a function costs on 32-bit targets.
#![no_std]

use omnimetrics::metrics::{Counter, CounterVec};
use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, autometrics};

/// An objective, checked at compile time.
pub const SENSOR_SLO: Objective = Objective::new("sensor")
    .success_rate(ObjectivePercentile::P99)
    .latency(ObjectiveLatency::from_millis(10), ObjectivePercentile::P95);

/// A failing function with an objective.
#[autometrics(objective = SENSOR_SLO)]
pub fn read_sensor(raw: u16) -> Result<u16, u8> {
    if raw == u16::MAX { Err(1) } else { Ok(raw / 4) }
}

/// A caller, with concurrency tracking.
#[autometrics(track_concurrency)]
pub fn sample() -> u16 {
    read_sensor(100).unwrap_or(0)
}

/// An async function.
#[autometrics]
pub async fn poll_sensor() -> Result<u16, u8> {
    read_sensor(8)
}

/// A driver with instrumented methods.
#[derive(Debug)]
pub struct Driver;

#[autometrics]
impl Driver {
    /// `Driver::reset`.
    pub fn reset(&mut self) -> Result<(), ()> {
        Ok(())
    }
}

/// A user metric.
pub static RESETS: Counter = Counter::new("resets_total", "Resets.");
/// A labelled user metric.
pub static ERRORS: CounterVec<1, 4, 8> = CounterVec::new("errors_total", "Errors.", ["kind"]);

/// What one instrumented function costs in RAM with the default histogram
/// and caller table, with 64-bit counters.
pub const FUNCTION_RAM: usize = core::mem::size_of::<
    omnimetrics::__private::FunctionMetrics<
        { omnimetrics::DEFAULT_CALLERS },
        { omnimetrics::DEFAULT_BUCKET_COUNT },
    >,
>();

// The firmware budget: at most 256 bytes of RAM per function on 32-bit.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(FUNCTION_RAM <= 256);

/// What one instrumented function's description costs in flash: its name
/// and two addresses (what it shares with the functions of its module
/// instrumented alike, and its storage with that storage's vtable).
pub const DESC_FLASH: usize = core::mem::size_of::<omnimetrics::FunctionDesc>();

// Without `result-labels` (this crate has default features off).
#[cfg(target_pointer_width = "32")]
const _: () = assert!(DESC_FLASH == 20);
