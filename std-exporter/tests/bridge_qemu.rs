//! Firmware to Prometheus (issue 8, must-show 2 and 3 through the bridge):
//! the micro:bit firmware runs in QEMU with its UART on a TCP socket that
//! `omnimetrics bridge` connects to; the LM3S6965 firmware's captured UART
//! is piped into the same bridge's stdin, and a copy of the micro:bit
//! capture damaged on purpose is read from a file. A real Prometheus
//! scrapes the bridge, and every function's call and error totals it
//! returns must equal the counts the firmware made itself (printed over
//! semihosting); the damaged stream's bad frames must be counted one by one.
//!
//! Needs `prometheus`, `promtool` and `qemu-system-arm`
//! (`OMNIMETRICS_REAL_TOOLS=1`), and the firmware that
//! `.ci/steps/firmware.sh` builds: `OMNIMETRICS_FIRMWARE_DIR` names its
//! output directory (`examples/firmware/target/ci`), which must hold
//! `microbit.elf`, `microbit.uart`, `lm3s6965.uart` and `lm3s6965.expect`.
//! `.ci/steps/bridge.sh` sets both; without them the test is skipped with a
//! note.

mod bridge_support;
mod common;

use bridge_support::{BridgeProcess, corrupt, sample, scrape_checked, start_bridge};
use common::prometheus::Prometheus;
use common::{ChildGuard, TempDir, free_port, tools, wait_for};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// The firmware's own counts: `(function, result) -> calls`, summed over
/// callers, and the UART bytes it wrote; from its semihosting output
/// (`call function=F module=M caller=C ok=N error=N`, `summary ... bytes=N`).
struct Expected {
    calls: BTreeMap<(String, &'static str), u64>,
    bytes: u64,
}

fn expected(text: &str) -> Expected {
    let mut calls = BTreeMap::new();
    let mut bytes = None;
    for line in text.lines() {
        let fields: BTreeMap<&str, &str> =
            line.split(' ').filter_map(|f| f.split_once('=')).collect();
        if line.starts_with("call ") {
            for result in ["ok", "error"] {
                let n: u64 = fields[result].parse().unwrap();
                *calls
                    .entry((fields["function"].to_string(), result))
                    .or_insert(0) += n;
            }
        } else if line.starts_with("summary ") {
            bytes = Some(fields["bytes"].parse().unwrap());
        }
    }
    assert!(!calls.is_empty(), "no `call` lines in:\n{text}");
    Expected {
        calls,
        bytes: bytes.expect("a summary line"),
    }
}

fn firmware_dir() -> Option<PathBuf> {
    match std::env::var_os("OMNIMETRICS_FIRMWARE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!(
                "note: skipped, set OMNIMETRICS_FIRMWARE_DIR to the firmware CI output \
                 (.ci/steps/bridge.sh does)"
            );
            None
        }
    }
}

fn need(dir: &Path, file: &str) -> PathBuf {
    let p = dir.join(file);
    assert!(
        p.is_file(),
        "{} is missing; run .ci/steps/firmware.sh first",
        p.display()
    );
    p
}

/// Runs the micro:bit firmware with its UART on a TCP server that waits
/// for the bridge; returns QEMU and the port.
fn start_qemu(qemu: &Path, elf: &Path, out: &Path) -> (ChildGuard, u16) {
    let port = free_port();
    let child = Command::new(qemu)
        .args(["-cpu", "cortex-m0", "-machine", "microbit"])
        .args(["-display", "none", "-monitor", "none"])
        .arg("-serial")
        .arg(format!("tcp:127.0.0.1:{port},server=on,wait=on"))
        .args(["-semihosting-config", "enable=on,target=native"])
        .arg("-kernel")
        .arg(elf)
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (ChildGuard::new("QEMU", child), port)
}

/// Waits for QEMU to end (the firmware ends it over semihosting).
fn wait_for_exit(qemu: &mut ChildGuard, limit: Duration) {
    let status = wait_for("QEMU to exit", limit, || qemu.try_wait().unwrap());
    assert!(status.success(), "QEMU exited with {status}");
}

fn check_device(prometheus: &Prometheus, device: &str, expected: &Expected) {
    // The one query of the issue first: one function's error total.
    let one = format!(
        "sum(function_calls_total{{device=\"{device}\",function=\"read_sensor\",result=\"error\"}})"
    );
    let want = expected.calls[&("read_sensor".to_string(), "error")] as f64;
    prometheus.wait_for_value(&one, want, LIMIT);
    eprintln!("{device}: {one} = {want}, as the firmware counted");
    // Then every function and result.
    for ((function, result), &n) in &expected.calls {
        let q = format!(
            "sum(function_calls_total{{device=\"{device}\",function=\"{function}\",result=\"{result}\"}})"
        );
        prometheus.wait_for_value(&q, n as f64, LIMIT);
    }
    let q = format!("sum(omnimetrics_bridge_bad_frames_total{{device=\"{device}\"}})");
    prometheus.wait_for_value(&q, 0.0, LIMIT);
}

#[test]
fn firmware_totals_reach_prometheus_through_the_bridge() {
    let Some([prometheus_bin, promtool, qemu]) =
        tools(["prometheus", "promtool", "qemu-system-arm"])
    else {
        return;
    };
    let Some(fw) = firmware_dir() else {
        return;
    };
    let elf = need(&fw, "microbit.elf");
    let capture = std::fs::read(need(&fw, "microbit.uart")).unwrap();
    let lm3s_uart = need(&fw, "lm3s6965.uart");
    let lm3s = expected(&std::fs::read_to_string(need(&fw, "lm3s6965.expect")).unwrap());

    // The damaged copy of the micro:bit capture.
    let dir = TempDir::new("omnimetrics-bridge-qemu");
    let damaged = corrupt(&capture, 0xf1_4e55, 3, 2);
    let damaged_path = dir.path().join("damaged.uart");
    std::fs::write(&damaged_path, &damaged.bytes).unwrap();
    eprintln!(
        "damaged capture: {} frames, {} damaged ({} bad frames to count)\n  {}",
        damaged.frames,
        damaged.frames - damaged.untouched,
        damaged.bad,
        damaged.log.join("\n  ")
    );

    let microbit_out = dir.path().join("microbit.expect");
    let (mut qemu, port) = start_qemu(&qemu, &elf, &microbit_out);
    let bridge: BridgeProcess = start_bridge(
        &[
            "--input",
            &format!("microbit=tcp://127.0.0.1:{port}"),
            "--input",
            "lm3s6965=-",
            "--input",
            &format!("damaged=file:{}", damaged_path.display()),
        ],
        Stdio::from(std::fs::File::open(&lm3s_uart).unwrap()),
    );
    let prometheus = Prometheus::builder(&prometheus_bin)
        .name("bridge-prometheus")
        .target("bridge", bridge.addr)
        .start();
    wait_for_exit(&mut qemu, Duration::from_secs(120));
    let microbit = expected(&std::fs::read_to_string(&microbit_out).unwrap());

    check_device(&prometheus, "microbit", &microbit);
    check_device(&prometheus, "lm3s6965", &lm3s);
    // Every byte the firmware wrote reached the bridge, and QEMU's exit
    // shows as a disconnection.
    prometheus.wait_for_value(
        "omnimetrics_bridge_bytes_read_total{device=\"microbit\"}",
        microbit.bytes as f64,
        LIMIT,
    );
    prometheus.wait_for_value(
        "omnimetrics_bridge_connected{device=\"microbit\"}",
        0.0,
        LIMIT,
    );

    // The damaged stream: every damage counted once, every untouched frame
    // decoded, and the last report (left intact) served.
    prometheus.wait_for_value(
        "sum(omnimetrics_bridge_bad_frames_total{device=\"damaged\"})",
        damaged.bad as f64,
        LIMIT,
    );
    prometheus.wait_for_value(
        "omnimetrics_bridge_frames_total{device=\"damaged\"}",
        damaged.untouched as f64,
        LIMIT,
    );
    let captured = expected(&std::fs::read_to_string(need(&fw, "microbit.expect")).unwrap());
    let want = captured.calls[&("read_sensor".to_string(), "error")] as f64;
    prometheus.wait_for_value(
        "sum(function_calls_total{device=\"damaged\",function=\"read_sensor\",result=\"error\"})",
        want,
        LIMIT,
    );

    // What the bridge serves passes promtool, and it is still serving.
    let text = scrape_checked(bridge.addr, &promtool);
    assert_eq!(
        sample(
            &text,
            "omnimetrics_bridge_series",
            &[("device", "microbit")]
        ),
        sample(
            &text,
            "omnimetrics_bridge_series",
            &[("device", "lm3s6965")]
        ),
    );
}
