//! Baseline plus the text encoders (0.0.4 and OpenMetrics) writing to the
//! UART.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

#[cortex_m_rt::entry]
fn main() -> ! {
    common::setup();
    loop {
        common::work();
        common::send_text();
    }
}
