//! A real Prometheus scrapes `omnimetrics bridge`, fed on stdin with frames
//! of functions instrumented here, and sees exact totals, the bridge's bad
//! frames, and a device restart as a counter reset.
//!
//! Needs `prometheus` and `promtool`; runs with `OMNIMETRICS_REAL_TOOLS=1`
//! (`.ci/steps/bridge.sh`), and is skipped with a note otherwise. This
//! binary has one test, so its registry holds exactly the calls made here.

mod bridge_support;
mod common;

use bridge_support::{scrape_checked, start_bridge};
use common::prometheus::Prometheus;
use common::tools;
use omnimetrics::Snapshot;
use omnimetrics_sinks::frame::FrameEncoder;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

#[omnimetrics::autometrics]
fn prom_read_sensor(fail: bool) -> Result<u16, &'static str> {
    if fail { Err("sensor timeout") } else { Ok(512) }
}

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn prometheus_reads_device_totals_through_the_bridge() {
    let Some([prometheus_bin, promtool]) = tools(["prometheus", "promtool"]) else {
        return;
    };
    // The device's first boot: 4 calls, 1 error, remembered for later...
    for i in 0..4 {
        let _ = prom_read_sensor(i == 0);
    }
    let early = Snapshot::capture(&omnimetrics::registry());
    // ... then 16 calls more, 5 of them failing.
    for i in 0..16 {
        let _ = prom_read_sensor(i % 4 == 1 || i == 15);
    }
    let mut bridge = start_bridge(&["-q", "-i", "board=-"], Stdio::piped());
    let mut line = bridge.child.stdin.take().unwrap();
    let mut wire = vec![0];
    FrameEncoder::new(1)
        .write(&omnimetrics::registry(), &mut wire)
        .unwrap();
    line.write_all(&wire).unwrap();
    // Line noise, which the bridge counts and skips.
    line.write_all(b"\x13\x37 noise \x00").unwrap();
    line.flush().unwrap();

    let prometheus = Prometheus::builder(&prometheus_bin)
        .name("bridge-prometheus")
        .target("bridge", bridge.addr)
        .start();
    let errors = "sum(function_calls_total{device=\"board\",function=\"prom_read_sensor\",result=\"error\"})";
    prometheus.wait_for_value(errors, 6.0, LIMIT);
    prometheus.wait_for_value(
        "sum(function_calls_total{device=\"board\",function=\"prom_read_sensor\",result=\"ok\"})",
        14.0,
        LIMIT,
    );
    prometheus.wait_for_value(
        "sum(function_calls_duration_seconds_count{device=\"board\",function=\"prom_read_sensor\"})",
        20.0,
        LIMIT,
    );
    prometheus.wait_for_value(
        "sum(omnimetrics_bridge_bad_frames_total{device=\"board\"})",
        1.0,
        LIMIT,
    );
    prometheus.wait_for_value("omnimetrics_bridge_connected{device=\"board\"}", 1.0, LIMIT);

    // The served text passes promtool's checks.
    scrape_checked(bridge.addr, &promtool);

    // The device restarts: a new boot id, and its counters start again
    // (here: the early snapshot, 1 error). Prometheus sees a counter reset.
    let mut wire = Vec::new();
    FrameEncoder::new(2).write(&early, &mut wire).unwrap();
    line.write_all(&wire).unwrap();
    line.flush().unwrap();
    prometheus.wait_for_value(errors, 1.0, LIMIT);
    prometheus.wait_for_value(
        "omnimetrics_bridge_reboots_total{device=\"board\"}",
        1.0,
        LIMIT,
    );
    let resets = "sum(resets(function_calls_total{device=\"board\",function=\"prom_read_sensor\",result=\"error\"}[5m]))";
    assert_eq!(prometheus.value(resets), Some(1.0), "{resets}");
    // increase() counts across the reset: 6 before it, then 1 from zero
    // (give or take Prometheus' extrapolation, so only bounds are checked).
    let increase = prometheus
        .value("sum(increase(function_calls_total{device=\"board\",function=\"prom_read_sensor\",result=\"error\"}[5m]))")
        .unwrap();
    assert!(increase >= 1.0, "increase across the reset: {increase}");

    // The input ends; the last snapshot stays served.
    drop(line);
    prometheus.wait_for_value("omnimetrics_bridge_connected{device=\"board\"}", 0.0, LIMIT);
    assert_eq!(prometheus.value(errors), Some(1.0));
}
