//! Host-side checks of the firmware examples, run by CI after QEMU.
//!
//! The firmware cannot check itself: whether its metrics arrive intact is
//! only visible at the other end of the UART. This program is that other
//! end, built for the host:
//!
//! - `frames EXPECT UART`: decodes a captured frame stream with the sinks'
//!   host decoder and compares the last snapshot with what the firmware
//!   counted itself (printed over semihosting into `EXPECT`), exactly, per
//!   function, caller and result; every frame must decode.
//! - `text EXPECT UART`: the same for the Prometheus text mode.
//! - `corrupt EXPECT UART`: flips, drops and duplicates bytes of a captured
//!   frame stream and checks that every untouched frame still decodes (once
//!   a description of its series got through), the damaged ones are counted
//!   as bad, and nothing panics.
//! - `size --bare ELF --one ELF --full ELF [--text ELF]`: the size report;
//!   exit status 1 when a goal is missed, unless `--no-enforce`.
//!
//! Exit status 0 when every check passed, 1 otherwise.

mod compare;
mod corrupt;
mod expect;
mod frames;
mod size;
mod text;

use std::path::Path;
use std::process::ExitCode;

/// Caller slots per function on the 32-bit boards (omnimetrics'
/// `DEFAULT_CALLERS` there).
const CALLER_SLOTS: usize = 4;

type Outcome = Result<(), Vec<String>>;

fn read_bytes(path: &str) -> Result<Vec<u8>, Vec<String>> {
    std::fs::read(path).map_err(|e| vec![format!("{path}: {e}")])
}

fn read_text(path: &str) -> Result<String, Vec<String>> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| vec![format!("{path}: {e}")])
}

fn expectations(path: &str) -> Result<expect::Expectations, Vec<String>> {
    expect::Expectations::parse(&read_text(path)?).map_err(|e| vec![format!("{path}: {e}")])
}

fn check_text(expect_path: &str, uart_path: &str) -> Outcome {
    let expect = expectations(expect_path)?;
    let bytes = read_bytes(uart_path)?;
    let uart = String::from_utf8(bytes).map_err(|e| vec![format!("{uart_path}: {e}")])?;
    let reports = text::reports(&uart);
    println!(
        "{}: {} text reports, {} bytes on the UART",
        expect.device,
        reports.len(),
        uart.len()
    );
    let mut errors = Vec::new();
    if reports.len() as u64 != expect.reports {
        errors.push(format!(
            "{} reports on the UART, the firmware sent {}",
            reports.len(),
            expect.reports
        ));
    }
    if uart.len() as u64 != expect.bytes {
        errors.push(format!(
            "{} bytes on the UART, the firmware wrote {}",
            uart.len(),
            expect.bytes
        ));
    }
    let last = reports
        .last()
        .ok_or_else(|| vec!["no report on the UART".to_owned()])?;
    let samples = text::parse(last).map_err(|e| vec![e])?;
    let calls = text::calls(&samples).map_err(|e| vec![e])?;
    match compare::check_calls(&expect, &calls, CALLER_SLOTS) {
        Ok(m) => {
            m.print();
            let (ok, err) = m.totals();
            println!("  all {ok} ok and {err} error calls match the firmware's own counts");
        }
        Err(e) => errors.extend(e),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_frames(expect_path: &str, uart_path: &str) -> Outcome {
    frames::check(
        &expectations(expect_path)?,
        &read_bytes(uart_path)?,
        CALLER_SLOTS,
    )
}

fn check_corrupt(expect_path: &str, uart_path: &str) -> Outcome {
    corrupt::check(
        &expectations(expect_path)?,
        &read_bytes(uart_path)?,
        CALLER_SLOTS,
    )
}

fn check_size(args: &[String]) -> Outcome {
    let mut paths = [None, None, None, None];
    let mut functions = 16;
    let mut enforce = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let slot = match a.as_str() {
            "--bare" => 0,
            "--one" => 1,
            "--full" => 2,
            "--text" => 3,
            "--functions" => {
                functions = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| vec!["--functions takes a number".to_owned()])?;
                continue;
            }
            "--no-enforce" => {
                enforce = false;
                continue;
            }
            other => return Err(vec![format!("unknown size argument {other:?}")]),
        };
        paths[slot] = it.next().cloned();
    }
    let [Some(bare), Some(one), Some(full), text] = paths else {
        return Err(vec!["size needs --bare, --one and --full".to_owned()]);
    };
    let read = |p: &str| size::Image::read(Path::new(p)).map_err(|e| vec![e]);
    let text = text.as_deref().map(read).transpose()?;
    let result = size::report(
        &read(&bare)?,
        &read(&one)?,
        &read(&full)?,
        text.as_ref(),
        functions,
    );
    match result {
        Err(missed) if !enforce => {
            for m in missed {
                println!("  goal missed (not enforced): {m}");
            }
            Ok(())
        }
        other => other,
    }
}

fn usage() -> Outcome {
    Err(vec![
        "usage: firmware-host-check (frames|text|corrupt) EXPECT UART | size --bare ELF --one ELF --full ELF [--text ELF] [--functions N] [--no-enforce]"
            .to_owned(),
    ])
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["frames", e, u] => check_frames(e, u),
        ["text", e, u] => check_text(e, u),
        ["corrupt", e, u] => check_corrupt(e, u),
        ["size", ..] => check_size(&args[1..]),
        _ => usage(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(errors) => {
            for e in errors {
                eprintln!("FAIL: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
