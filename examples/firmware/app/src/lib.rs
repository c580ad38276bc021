//! The firmware both QEMU boards run: an instrumented workload and its
//! periodic report over a serial line.
//!
//! This crate is board-independent: a board crate sets the omnimetrics
//! clock, hands [`run`] its UART (anything implementing
//! [`embedded_io::Write`]), and afterwards prints the [ledger] over
//! semihosting so that the host can check what arrived over the UART.
//!
//! Features pick what is linked, for the size report as much as for use:
//! - none: the workload alone, without omnimetrics;
//! - `metrics`: omnimetrics and the frame sink, one instrumented function;
//! - `instrument`: all 16 functions instrumented (what the boards build);
//! - `text`: Prometheus text on the UART instead of frames.
#![no_std]

pub mod ledger;
#[cfg(feature = "metrics")]
pub mod report;
pub mod stack;
pub mod workload;

use embedded_io::Write;
use ledger::tally;
use workload::Node;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Control cycles to run before returning.
    pub rounds: u32,
    /// Send a report after every this many cycles, and once at the end.
    pub report_every: u32,
}

impl Config {
    /// The run CI checks: 240 cycles, a report every 10 (frames) or every
    /// 80 (text, which is about 70 KiB a report).
    pub const DEFAULT: Self = Self {
        rounds: 240,
        report_every: if cfg!(feature = "text") { 80 } else { 10 },
    };
}

/// What a run did, for the board to print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Control cycles run.
    pub rounds: u32,
    /// Control cycles that failed.
    pub failed: u32,
    /// Reports written to the UART.
    pub reports: u32,
    /// Bytes written to the UART.
    pub bytes: u64,
}

/// The seed of the simulated peripherals: the same calls on every board.
const SEED: u32 = 0x2545_f491;

/// Runs the workload, reporting over `uart` as configured. `boot_id` goes
/// into every frame: it must differ from one boot of the device to the next.
pub fn run<W: Write>(uart: &mut W, config: &Config, boot_id: u32) -> Result<Summary, W::Error> {
    let mut node = Node::new(SEED);
    let mut summary = Summary::default();
    #[cfg(feature = "metrics")]
    let mut reporter = report::Reporter::new(boot_id);
    #[cfg(not(feature = "metrics"))]
    let _ = boot_id;
    for round in 1..=config.rounds {
        node.round = round;
        if tally!(ControlCycle, workload::control_cycle(&mut node)).is_err() {
            summary.failed += 1;
        }
        summary.rounds = round;
        let last = round == config.rounds;
        if round.is_multiple_of(config.report_every) || last {
            #[cfg(feature = "metrics")]
            {
                summary.bytes += reporter.send(uart)? as u64;
                summary.reports += 1;
            }
        }
    }
    uart.flush()?;
    Ok(summary)
}

/// Writes the run's summary and the ledger's expectations in the form
/// `host-check` reads (see [`ledger::write_expectations`]).
pub fn write_expectations(
    out: &mut impl core::fmt::Write,
    device: &str,
    summary: &Summary,
) -> core::fmt::Result {
    writeln!(out, "omnimetrics-firmware device={device}")?;
    ledger::write_expectations(out)?;
    writeln!(
        out,
        "summary rounds={} failed={} reports={} bytes={}",
        summary.rounds, summary.failed, summary.reports, summary.bytes
    )
}
