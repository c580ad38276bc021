//! Baseline plus both encoders: what they share (one walk of the registry
//! through `dyn Visitor`) is counted once.
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
        common::send_text();
    }
}
