//! The firmware every variant shares: sixteen instrumented functions, a
//! clock, a UART, a trivial reader of the registry (the `reader` variant)
//! and the reports of the encoder variants.

use core::convert::Infallible;
use core::ptr::{read_volatile, write_volatile};
use omnimetrics::autometrics;
use omnimetrics::clock::{Clock, set_clock};
use omnimetrics::visit::{FamilyDesc, Series, SeriesValue, Source, Visitor};
use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::{Format, encode_io};

/// nRF51 UART0 TXD register.
const UART_TXD: *mut u32 = 0x4000_251C as *mut u32;
/// SysTick current value register.
const SYST_CVR: *const u32 = 0xE000_E018 as *const u32;
/// A RAM word the program cannot predict (stands for a button, a command).
const FLAG: *const u32 = 0x2000_3FF0 as *const u32;

#[allow(dead_code)] // Not every variant writes through it.
pub struct Uart;

impl embedded_io::ErrorType for Uart {
    type Error = Infallible;
}

impl embedded_io::Write for Uart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        for &b in buf {
            // SAFETY: a memory-mapped register on the target board.
            unsafe { write_volatile(UART_TXD, u32::from(b)) };
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

struct Ticks;

impl Clock for Ticks {
    fn now_nanos(&self) -> u64 {
        // SAFETY: a memory-mapped register on the target board.
        let t = unsafe { read_volatile(SYST_CVR) };
        u64::from(t) * 62
    }
}

static TICKS: Ticks = Ticks;

pub fn flag() -> u32 {
    // SAFETY: a word of RAM.
    unsafe { read_volatile(FLAG) }
}

macro_rules! functions {
    ($($name:ident),*) => {
        $(
            #[autometrics]
            fn $name(x: u32) -> Result<u32, ()> {
                x.checked_mul(3).ok_or(())
            }
        )*
        fn call_all(x: u32) -> u32 {
            let mut acc = 0u32;
            $( acc = acc.wrapping_add($name(x).unwrap_or(1)); )*
            acc
        }
    };
}

functions!(
    f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15
);

/// Folds every byte and number the registry hands out into a checksum:
/// what any reader must at least look at, so that nothing the walk
/// produces is optimised away.
#[allow(dead_code)]
struct Touch(u32);

impl Touch {
    fn bytes(&mut self, s: &str) {
        for &b in s.as_bytes() {
            self.0 = (self.0 ^ u32::from(b)).wrapping_mul(16_777_619);
        }
    }
    fn number(&mut self, v: u64) {
        self.0 = (self.0 ^ (v as u32) ^ ((v >> 32) as u32)).wrapping_mul(16_777_619);
    }
}

impl Visitor for Touch {
    type Error = Infallible;
    fn family(&mut self, f: &FamilyDesc<'_>) -> Result<(), Infallible> {
        self.bytes(f.name);
        self.bytes(f.help);
        self.bytes(f.unit.unwrap_or(""));
        Ok(())
    }
    fn series(&mut self, s: &Series<'_>) -> Result<(), Infallible> {
        for l in s.labels {
            self.bytes(l.name);
            self.bytes(l.value);
        }
        match s.value {
            SeriesValue::Counter(v) => self.number(v),
            SeriesValue::Gauge(v) => self.number(v as u64),
            SeriesValue::Histogram(h) => {
                for &b in h.bounds.iter().chain(h.counts) {
                    self.number(b);
                }
                self.number(h.sum);
            }
            _ => {}
        }
        Ok(())
    }
}

pub fn setup() {
    let _ = set_clock(&TICKS);
}

/// Calls the functions: what every variant does.
pub fn work() {
    let acc = call_all(flag());
    // SAFETY: a memory-mapped register on the target board.
    unsafe { write_volatile(UART_TXD, acc) };
}

/// Reads every series without encoding anything: the registry's walk
/// alone, to tell it apart from what the encoders add.
#[allow(dead_code)]
pub fn read() {
    let mut touch = Touch(0);
    // Through `dyn Visitor`, as the encoders read the registry.
    let Ok(()) = omnimetrics::registry().visit(&mut touch as &mut dyn Visitor<Error = Infallible>);
    // SAFETY: a memory-mapped register on the target board.
    unsafe { write_volatile(UART_TXD, touch.0) };
}

/// The frame encoder of the `frames` and `both` variants: descriptions
/// periodically, and on request.
#[allow(dead_code)]
pub fn frame_encoder() -> FrameEncoder {
    FrameEncoder::new(flag()).describe_every(60)
}

/// One report as frames, with a description when the flag asks for one.
#[allow(dead_code)]
pub fn send_frames(frames: &mut FrameEncoder) {
    if flag() & 2 == 2 {
        frames.request_description();
    }
    let Ok(()) = frames.write(&omnimetrics::registry(), &mut Uart);
}

/// One report as text, 0.0.4 or OpenMetrics as the flag says (chosen at
/// run time, so that neither is optimised away).
#[allow(dead_code)]
pub fn send_text() {
    let format = if flag() & 1 == 1 {
        Format::OpenMetrics
    } else {
        Format::Prometheus
    };
    let Ok(()) = encode_io(&omnimetrics::registry(), format, &mut Uart);
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        cortex_m::asm::nop();
    }
}
