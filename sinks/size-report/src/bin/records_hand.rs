//! Experiment: value records (counter, gauge, histogram) in postcard's wire
//! format through a hand-written varint writer, as the frame encoder does.
//! Compare with `records_postcard`; no COBS or CRC in either.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

use core::convert::Infallible;
use embedded_io::Write;
use omnimetrics::visit::{FamilyDesc, Series, SeriesValue, Source, Visitor};

fn varint(mut v: u64) {
    let mut buf = [0u8; 10];
    let mut n = 0;
    for slot in buf.iter_mut() {
        n += 1;
        if v < 0x80 {
            *slot = v as u8;
            break;
        }
        *slot = (v as u8) | 0x80;
        v >>= 7;
    }
    let Ok(()) = common::Uart.write_all(buf.get(..n).unwrap_or(&[]));
}

struct Records;

impl Visitor for Records {
    type Error = Infallible;
    fn family(&mut self, _: &FamilyDesc<'_>) -> Result<(), Infallible> {
        Ok(())
    }
    fn series(&mut self, s: &Series<'_>) -> Result<(), Infallible> {
        match s.value {
            SeriesValue::Counter(v) => {
                varint(2);
                varint(v);
            }
            SeriesValue::Gauge(v) => {
                varint(3);
                varint(((v << 1) ^ (v >> 63)) as u64);
            }
            SeriesValue::Histogram(h) => {
                varint(4);
                varint(h.counts.len() as u64);
                for &c in h.counts {
                    varint(c);
                }
                varint(h.sum);
            }
            _ => {}
        }
        Ok(())
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    common::setup();
    loop {
        common::work();
        let Ok(()) = omnimetrics::registry().visit(&mut Records);
    }
}
