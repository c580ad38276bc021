//! The library and sixteen instrumented functions, counting calls, results
//! and durations; nothing reads the metrics.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

#[cortex_m_rt::entry]
fn main() -> ! {
    common::setup();
    loop {
        common::work();
    }
}
