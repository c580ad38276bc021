//! Baseline plus both encoders: what they share (one walk of the registry
//! through `dyn Visitor`) is counted once.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::{Format, encode_io};

#[cortex_m_rt::entry]
fn main() -> ! {
    common::setup();
    let mut frames = FrameEncoder::new(common::flag()).describe_every(60);
    loop {
        common::work();
        if common::flag() & 2 == 2 {
            frames.request_description();
        }
        let Ok(()) = frames.write(&omnimetrics::registry(), &mut common::Uart);
        let format = if common::flag() & 1 == 1 { Format::OpenMetrics } else { Format::Prometheus };
        let Ok(()) = encode_io(&omnimetrics::registry(), format, &mut common::Uart);
    }
}
