//! Baseline plus the frame encoder writing to the UART, with descriptions
//! on request and periodically.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

#[cortex_m_rt::entry]
fn main() -> ! {
    common::setup();
    let mut frames = common::frame_encoder();
    loop {
        common::work();
        common::send_frames(&mut frames);
    }
}
