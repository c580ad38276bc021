//! The baseline plus a trivial reader of every series: the registry's walk
//! (assembling SPEC's label sets) without any encoding.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

#[cortex_m_rt::entry]
fn main() -> ! {
    common::setup();
    loop {
        common::work();
        common::read();
    }
}
