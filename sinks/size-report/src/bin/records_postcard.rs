//! Experiment: the same value records as `records_hand`, serialised by
//! postcard's serializer from a serde-derived enum.
#![no_std]
#![no_main]

#[path = "../common.rs"]
mod common;

use core::convert::Infallible;
use embedded_io::Write;
use omnimetrics::visit::{FamilyDesc, Series, SeriesValue, Source, Visitor};
use serde::Serialize;

#[derive(Serialize)]
enum Record<'a> {
    _Family,
    _Series,
    Counter(u64),
    Gauge(i64),
    Histogram { counts: &'a [u64], sum: u64 },
}

struct Records;

impl Visitor for Records {
    type Error = Infallible;
    fn family(&mut self, _: &FamilyDesc<'_>) -> Result<(), Infallible> {
        Ok(())
    }
    fn series(&mut self, s: &Series<'_>) -> Result<(), Infallible> {
        let record = match s.value {
            SeriesValue::Counter(v) => Record::Counter(v),
            SeriesValue::Gauge(v) => Record::Gauge(v),
            SeriesValue::Histogram(h) => Record::Histogram {
                counts: h.counts,
                sum: h.sum,
            },
            _ => return Ok(()),
        };
        let mut buf = [0u8; 700];
        if let Ok(bytes) = postcard::to_slice(&record, &mut buf) {
            let Ok(()) = common::Uart.write_all(bytes);
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
