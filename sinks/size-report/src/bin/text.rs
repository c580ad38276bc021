//! Baseline plus the text encoders (0.0.4 and OpenMetrics, chosen at run
//! time so that neither is optimised away) writing to the UART.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

use omnimetrics_sinks::text::{Format, encode_io};

#[cortex_m_rt::entry]
fn main() -> ! {
    common::setup();
    loop {
        common::work();
        let format = if common::flag() & 1 == 1 { Format::OpenMetrics } else { Format::Prometheus };
        let Ok(()) = encode_io(&omnimetrics::registry(), format, &mut common::Uart);
    }
}
