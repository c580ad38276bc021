//! Baseline plus the frame encoder writing to the UART, with descriptions
//! on request and periodically.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

use omnimetrics_sinks::frame::FrameEncoder;

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
    }
}
