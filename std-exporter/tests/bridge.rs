//! `omnimetrics bridge` and `omnimetrics_exporter::bridge` without external
//! tools: device streams are made here with the sinks' `FrameEncoder`, from
//! functions instrumented in this test or from hand-made snapshots, and fed
//! to the bridge over TCP, files, stdin, a pseudo-terminal and its library
//! API; `/metrics` is read over HTTP.

mod bridge_support;
mod common;

use bridge_support::{
    Rng, calls_at, corrupt, device_snapshot, frames, reports, sample, scrape, start_bridge,
};
use common::{TempDir, omnimetrics, wait_for};
use omnimetrics::Snapshot;
use omnimetrics_exporter::Exporter;
use omnimetrics_exporter::bridge::{BAD_REASONS, Bridge, Input};
use omnimetrics_sinks::frame::FrameEncoder;
use std::io::Write;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

/// Serves `bridge` on a free port.
fn serve(bridge: &Bridge) -> Exporter {
    Exporter::builder()
        .address("127.0.0.1:0")
        .process_metrics(false)
        .source(bridge.source())
        .start()
        .unwrap()
}

fn bad_total(text: &str, device: &str) -> f64 {
    BAD_REASONS
        .iter()
        .map(|r| {
            sample(
                text,
                "omnimetrics_bridge_bad_frames_total",
                &[("device", device), ("reason", r)],
            )
            .unwrap_or_else(|| panic!("no bad-frame series for {device}, {r}"))
        })
        .sum()
}

/// What the bridge serves, as Prometheus text (without going through HTTP).
fn prometheus_text(bridge: &Bridge) -> String {
    let mut text = String::new();
    omnimetrics_sinks::text::encode(
        &bridge.source(),
        omnimetrics_exporter::Format::Prometheus,
        &mut text,
    )
    .unwrap();
    text
}

fn errors(text: &str, device: &str, function: &str) -> Option<f64> {
    sample(
        text,
        "function_calls_total",
        &[
            ("device", device),
            ("function", function),
            ("result", "error"),
        ],
    )
}

mod instrumented {
    //! Functions only the first test calls, so that their counts are exact
    //! while other tests run in parallel.
    use omnimetrics::autometrics;

    #[autometrics]
    pub fn bridge_read_sensor(fail: bool) -> Result<u32, &'static str> {
        if fail { Err("i2c nack") } else { Ok(21) }
    }

    #[autometrics]
    pub fn bridge_control_cycle(round: u32) -> Result<(), &'static str> {
        bridge_read_sensor(round.is_multiple_of(4)).map(|_| ())
    }
}

#[test]
fn instrumented_functions_reach_metrics_over_tcp() {
    // The "device": this process' registry, encoded as firmware would.
    for round in 1..=10 {
        let _ = instrumented::bridge_control_cycle(round);
    }
    let mut wire = vec![0];
    FrameEncoder::new(7)
        .write(&omnimetrics::registry(), &mut wire)
        .unwrap();
    let device = TcpListener::bind("127.0.0.1:0").unwrap();

    let mut bridge = Bridge::builder()
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(200))
        .build();
    let input: Input = format!("board=tcp://{}", device.local_addr().unwrap())
        .parse()
        .unwrap();
    bridge.add_input(&input).unwrap();
    let exporter = serve(&bridge);

    let (mut line, _) = device.accept().unwrap();
    line.write_all(&wire).unwrap();
    let text = wait_for("the snapshot to be served", LIMIT, || {
        let text = scrape(exporter.local_addr());
        errors(&text, "board", "bridge_control_cycle").map(|_| text)
    });
    let m = module_path!().to_string() + "::instrumented";
    let calls = |function: &str, caller: &str, result: &str| {
        sample(
            &text,
            "function_calls_total",
            &[
                ("device", "board"),
                ("function", function),
                ("module", &m),
                ("caller_function", caller),
                ("result", result),
            ],
        )
    };
    assert_eq!(
        calls("bridge_read_sensor", "bridge_control_cycle", "error"),
        Some(2.0)
    );
    assert_eq!(
        calls("bridge_read_sensor", "bridge_control_cycle", "ok"),
        Some(8.0)
    );
    assert_eq!(calls("bridge_control_cycle", "", "error"), Some(2.0));
    assert_eq!(calls("bridge_control_cycle", "", "ok"), Some(8.0));
    // Every series carries the device label, the bridge reports on itself.
    assert!(
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| l.contains("device=\"board\"")),
        "{text}"
    );
    let own = |name: &str| sample(&text, name, &[("device", "board")]);
    assert_eq!(own("omnimetrics_bridge_connected"), Some(1.0));
    assert_eq!(own("omnimetrics_bridge_connects_total"), Some(1.0));
    assert_eq!(own("omnimetrics_bridge_frames_total"), Some(2.0));
    assert_eq!(own("omnimetrics_bridge_snapshots_total"), Some(1.0));
    assert_eq!(
        own("omnimetrics_bridge_bytes_read_total"),
        Some(wire.len() as f64)
    );
    assert_eq!(bad_total(&text, "board"), 0.0);
    let seen = own("omnimetrics_bridge_last_seen_timestamp_seconds").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - seen).abs() < 60.0, "last seen {seen}, now {now}");
}

#[test]
fn devices_share_each_family_once() {
    let dir = TempDir::new("omnimetrics-bridge-merge");
    let a = dir.path().join("left.bin");
    let b = dir.path().join("right.bin");
    std::fs::write(&a, reports(1, 3, 0)).unwrap();
    std::fs::write(&b, reports(2, 5, 0)).unwrap();
    // A third device whose stream is only garbage: it has no series but its
    // own metrics.
    let c = dir.path().join("noise.bin");
    std::fs::write(&c, b"\x07garbage\x00\x01\x02\x00").unwrap();
    let out = omnimetrics()
        .args([
            "bridge",
            "--once",
            "--quiet",
            "--input",
            &format!("file:{}", a.display()),
            "--input",
            &b.display().to_string(),
            "--input",
            &format!("file:{}", c.display()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for family in [
        "function_calls_total counter",
        "function_calls_duration_seconds histogram",
        "build_info gauge",
        "omnimetrics_bridge_bad_frames_total counter",
    ] {
        let n = text.matches(&format!("# TYPE {family}\n")).count();
        assert_eq!(n, 1, "{family}: {n} times in\n{text}");
    }
    // Device names come from the file names.
    assert_eq!(errors(&text, "left", "read_sensor"), Some(1.0));
    assert_eq!(errors(&text, "right", "read_sensor"), Some(1.0));
    assert_eq!(errors(&text, "right", "send_packet"), Some(1.0));
    assert_eq!(errors(&text, "noise", "read_sensor"), None);
    assert_eq!(
        sample(
            &text,
            "function_calls_duration_seconds_count",
            &[("device", "right"), ("function", "read_sensor")]
        ),
        Some(51.0)
    );
    assert_eq!(bad_total(&text, "noise"), 2.0);
    assert_eq!(
        sample(&text, "omnimetrics_bridge_connected", &[("device", "left")]),
        Some(0.0),
        "a file at its end is not connected"
    );
}

#[test]
fn stdin_is_an_input() {
    let mut child = omnimetrics()
        .args(["bridge", "--once", "-q", "-i", "uart=-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let wire = reports(3, 4, 2);
    // Split anywhere: the bridge does not care where reads end.
    let mut stdin = child.stdin.take().unwrap();
    for chunk in wire.chunks(3) {
        stdin.write_all(chunk).unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(errors(&text, "uart", "read_sensor"), Some(1.0));
    assert_eq!(
        sample(
            &text,
            "omnimetrics_bridge_snapshots_total",
            &[("device", "uart")]
        ),
        Some(4.0)
    );
}

#[test]
fn once_into_a_closed_pipe_ends_quietly() {
    // `omnimetrics bridge --once -i capture | head -1`. The output has to
    // be bigger than a pipe's buffer (64 KiB on Linux), or the bridge
    // writes it all before the pipe is closed and the test proves nothing:
    // 400 functions are about 650 KB of text.
    let names: Vec<String> = (0..400).map(|i| format!("function_{i:03}")).collect();
    let calls: Vec<(&str, u64, u64)> = names.iter().map(|n| (n.as_str(), 5, 1)).collect();
    let mut wire = vec![0];
    FrameEncoder::new(1)
        .write(&device_snapshot("big-fw", &calls), &mut wire)
        .unwrap();
    let dir = TempDir::new("omnimetrics-bridge-pipe");
    let capture = dir.path().join("big.bin");
    std::fs::write(&capture, &wire).unwrap();

    let mut child = omnimetrics()
        .args([
            "bridge",
            "--once",
            "-q",
            "--max-frame-bytes",
            "16777216",
            "-i",
        ])
        .arg(&capture)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    // The reader (and with it the pipe's only read end) is gone here.
    assert!(first.starts_with("# HELP "), "{first:?}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_reboot_restarts_the_counters_and_is_counted() {
    let bridge = Bridge::new();
    let mut device = bridge.attach("dev").unwrap();
    device.feed(&reports(100, 9, 0));
    let status = device.status();
    assert_eq!(status.boot_id, Some(100));
    assert_eq!(
        status.snapshot.unwrap().counter_sum(
            "function_calls",
            &[("function", "read_sensor"), ("result", "error")]
        ),
        3
    );
    // The device restarts: a new boot id, counters from zero.
    device.feed(&reports(200, 1, 0));
    let text = prometheus_text(&bridge);
    assert_eq!(errors(&text, "dev", "read_sensor"), Some(0.0));
    assert_eq!(
        sample(
            &text,
            "function_calls_total",
            &[
                ("device", "dev"),
                ("function", "read_sensor"),
                ("result", "ok")
            ]
        ),
        Some(10.0)
    );
    assert_eq!(
        sample(
            &text,
            "omnimetrics_bridge_reboots_total",
            &[("device", "dev")]
        ),
        Some(1.0)
    );
    assert_eq!(bad_total(&text, "dev"), 0.0);
    assert_eq!(device.status().boot_id, Some(200));
}

#[test]
fn survives_disconnects_and_reconnects() {
    let device = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = device.local_addr().unwrap();
    let bridge = start_bridge(&["-q", "-i", &format!("board=tcp://{addr}")], Stdio::null());
    let own = |text: &str, name: &str| sample(text, name, &[("device", "board")]);

    let first = reports(1, 3, 0);
    let (mut line, _) = device.accept().unwrap();
    line.write_all(&first).unwrap();
    // The connection drops in the middle of the next frame.
    let next = reports(1, 4, 0);
    let cut = first.len() + (next.len() - first.len()) / 2;
    line.write_all(&next[first.len()..cut]).unwrap();
    wait_for("the first connection's frames", LIMIT, || {
        let text = scrape(bridge.addr);
        (own(&text, "omnimetrics_bridge_bytes_read_total") == Some(cut as f64)).then_some(())
    });
    drop(line);
    // The bridge drops the cut frame (one bad frame) and reconnects by
    // itself (the connection waits in the listener's backlog).
    let text = wait_for("the bridge to reconnect", LIMIT, || {
        let text = scrape(bridge.addr);
        (own(&text, "omnimetrics_bridge_connects_total") == Some(2.0)).then_some(text)
    });
    assert_eq!(bad_total(&text, "board"), 1.0);
    // The last snapshot is still served.
    assert_eq!(errors(&text, "board", "read_sensor"), Some(1.0));

    // The device has rebooted meanwhile.
    let (mut line, _) = device.accept().unwrap();
    line.write_all(&reports(2, 7, 0)).unwrap();
    let text = wait_for("the second connection's snapshot", LIMIT, || {
        let text = scrape(bridge.addr);
        (errors(&text, "board", "read_sensor") == Some(2.0)).then_some(text)
    });
    assert_eq!(own(&text, "omnimetrics_bridge_connected"), Some(1.0));
    assert_eq!(own(&text, "omnimetrics_bridge_connects_total"), Some(2.0));
    assert_eq!(own(&text, "omnimetrics_bridge_reboots_total"), Some(1.0));
    // The frame cut by the disconnection is the one bad frame.
    assert_eq!(bad_total(&text, "board"), 1.0);
}

/// Must-show 3: a stream damaged on purpose (bytes flipped, dropped,
/// duplicated, frame ends dropped, garbage inserted) goes through the
/// bridge binary over TCP while /metrics is scraped.
#[test]
fn corrupted_stream_through_the_bridge() {
    let clean = reports(0xb007, 120, 4);
    let damaged = corrupt(&clean, 0x5eed_0001, 4, 2);
    assert!(damaged.bad >= 15, "{damaged:?}");
    eprintln!(
        "{} frames, {} damaged, {} bad frames expected",
        damaged.frames,
        damaged.frames - damaged.untouched,
        damaged.bad
    );
    let device = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = device.local_addr().unwrap();
    let bridge = start_bridge(&["-q", "-i", &format!("noisy=tcp://{addr}")], Stdio::null());
    let (mut line, _) = device.accept().unwrap();
    // Scrapes keep working while damaged frames arrive.
    for (i, chunk) in damaged.bytes.chunks(997).enumerate() {
        line.write_all(chunk).unwrap();
        if i % 4 == 0 {
            let text = scrape(bridge.addr);
            assert!(text.contains("omnimetrics_bridge_bytes_read_total{device=\"noisy\"}"));
        }
    }
    let text = wait_for("every byte to be read", LIMIT, || {
        let text = scrape(bridge.addr);
        (sample(
            &text,
            "omnimetrics_bridge_bytes_read_total",
            &[("device", "noisy")],
        ) == Some(damaged.bytes.len() as f64))
        .then_some(text)
    });
    let own = |name: &str| sample(&text, name, &[("device", "noisy")]).unwrap();
    let why = damaged.log.join("\n");
    // Every untouched frame was decoded, every damage counted once.
    assert_eq!(
        own("omnimetrics_bridge_frames_total"),
        damaged.untouched as f64,
        "{why}"
    );
    assert_eq!(bad_total(&text, "noisy"), damaged.bad as f64, "{why}");
    assert_eq!(
        own("omnimetrics_bridge_missed_frames_total"),
        (damaged.frames - damaged.untouched) as f64,
        "{why}"
    );
    assert_eq!(own("omnimetrics_bridge_reboots_total"), 0.0);
    // The last report came through intact: its numbers are served.
    let last = calls_at(120);
    assert_eq!(
        errors(&text, "noisy", "read_sensor"),
        Some(last[0].2 as f64)
    );
    assert_eq!(
        errors(&text, "noisy", "send_packet"),
        Some(last[1].2 as f64)
    );
    // And after the device goes away for good, it is still served.
    drop(line);
    drop(device);
    let after = wait_for("the disconnection", LIMIT, || {
        let text = scrape(bridge.addr);
        (sample(
            &text,
            "omnimetrics_bridge_connected",
            &[("device", "noisy")],
        ) == Some(0.0))
        .then_some(text)
    });
    assert_eq!(
        errors(&after, "noisy", "read_sensor"),
        Some(last[0].2 as f64)
    );
}

#[test]
fn random_bytes_never_panic_and_stay_bounded() {
    let bridge = Bridge::builder().max_frame_bytes(2048).build();
    let mut device = bridge.attach("fuzz").unwrap();
    let mut rng = Rng(0x0dd_ba11);
    let good = reports(9, 3, 0);
    let mut fed = 0u64;
    for round in 0..400 {
        // Random bytes, with zeros now and then, in random chunk sizes.
        let len = rng.below(4096);
        let zeros = 1 + rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(zeros) == 0 {
                    0
                } else {
                    rng.next() as u8
                }
            })
            .collect();
        for chunk in bytes.chunks(1 + rng.below(300)) {
            device.feed(chunk);
        }
        fed += bytes.len() as u64;
        if round % 50 == 0 {
            // Good frames still get through between the noise.
            device.feed(&good);
            fed += good.len() as u64;
        }
    }
    // A long run without a zero is dropped as too long, not buffered.
    let long = vec![0x55u8; 100_000];
    device.feed(&long);
    device.feed(&[0]);
    fed += long.len() as u64 + 1;
    let status = device.status();
    assert_eq!(status.bytes, fed);
    assert!(status.decoder.bad > 100, "{:?}", status.decoder);
    assert!(status.bad[0] >= 1, "too_long counted: {:?}", status.bad);
    assert_eq!(status.bad.iter().sum::<u64>(), status.decoder.bad);
    assert!(status.snapshot.is_some());
    // What is served is still valid text with the good frames' numbers.
    let text = prometheus_text(&bridge);
    assert_eq!(errors(&text, "fuzz", "read_sensor"), Some(1.0));
}

#[test]
fn limits_refuse_oversized_snapshots_and_invalid_series() {
    let bridge = Bridge::builder().max_series(4).build();
    let mut small = bridge.attach("small").unwrap();
    // 3 functions: 6 counter series, 3 histograms, build_info: 10 > 4.
    small.feed(&reports(1, 2, 0));
    let status = small.status();
    assert_eq!(status.rejected, 1);
    assert!(status.snapshot.is_none());

    // A device that sends a `device` label of its own and a series twice.
    let bridge = Bridge::new();
    let mut odd = bridge.attach("odd").unwrap();
    let mut snap = device_snapshot("odd-fw", &[("f", 1, 0)]);
    let info = &mut snap.families[2].series;
    info[0].labels.push(("device".into(), "its-own".into()));
    info.push(info[0].clone());
    let mut wire = vec![0];
    FrameEncoder::new(1).write(&snap, &mut wire).unwrap();
    odd.feed(&wire);
    let status = odd.status();
    assert_eq!(status.dropped_series, 1);
    let served: &Snapshot = status.snapshot.as_deref().unwrap();
    let build_info = &served.family("build_info").unwrap().series;
    assert_eq!(build_info.len(), 1);
    assert_eq!(build_info[0].label("exported_device"), Some("its-own"));
    let e = bridge.attach("odd").unwrap_err().to_string();
    assert!(e.contains("two inputs are named `odd`"), "{e}");
    let few = Bridge::builder().max_devices(1).build();
    few.attach("one").unwrap();
    assert!(
        few.attach("two")
            .unwrap_err()
            .to_string()
            .contains("limited to 1 devices")
    );
}

#[cfg(target_os = "linux")]
#[test]
fn reads_a_serial_device() {
    use std::os::fd::FromRawFd;
    // A pseudo-terminal: the bridge opens its device side as it would a
    // USB serial adapter; the test writes to the other side.
    // SAFETY: plain libc calls on a descriptor this test owns.
    let (master, path) = unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(fd >= 0);
        assert_eq!(libc::grantpt(fd), 0);
        assert_eq!(libc::unlockpt(fd), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
        let path = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_str()
            .unwrap()
            .to_string();
        (std::fs::File::from_raw_fd(fd), path)
    };
    let mut bridge = Bridge::builder()
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .build();
    bridge
        .add_input(&format!("uart=serial:{path}@921600").parse().unwrap())
        .unwrap();
    let mut master = master;
    master.write_all(&reports(5, 6, 3)).unwrap();
    let status = wait_for("the snapshot over the serial line", LIMIT, || {
        bridge.devices().pop().filter(|d| d.snapshots == 6)
    });
    assert!(status.connected);
    assert_eq!(status.decoder.bad, 0);
    assert_eq!(
        status.snapshot.unwrap().counter_sum(
            "function_calls",
            &[("function", "read_sensor"), ("result", "error")]
        ),
        2
    );
    // The adapter is unplugged: the bridge notices and keeps retrying.
    drop(master);
    wait_for("the hang-up", LIMIT, || {
        bridge.devices().pop().filter(|d| !d.connected)
    });
}

#[test]
fn cli_errors_say_what_to_do() {
    let dir = TempDir::new("omnimetrics-bridge-cli");
    let capture = dir.path().join("capture.bin");
    std::fs::write(&capture, reports(1, 1, 0)).unwrap();
    let capture = capture.display().to_string();
    let run = |args: &[&str]| {
        let out = omnimetrics()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        String::from_utf8(out.stderr).unwrap()
    };
    for (args, needle) in [
        (
            vec!["bridge", "-i", "file:/nonexistent/uart.bin"],
            "no such file or device",
        ),
        (vec!["bridge", "-i", "tcp://localhost"], "no port"),
        (vec!["bridge", "-i", "ftp://host:21"], "unknown scheme"),
        (
            vec!["bridge", "-i", "serial:/dev/null"],
            "not a serial device",
        ),
        (
            vec!["bridge", "-i", "serial:/dev/null@31337"],
            "unsupported baud rate 31337",
        ),
        (
            vec!["bridge", "-i", "tcp://no-such-host.invalid:1"],
            "cannot resolve",
        ),
        (
            vec!["bridge", "-i", &capture, "-i", &capture],
            "two inputs are named `capture`",
        ),
        (
            vec!["bridge", "-i", &capture, "--listen", "nowhere"],
            "is not a listen address",
        ),
        (
            vec!["bridge", "--once", "-i", "tcp://127.0.0.1:9"],
            "--once reads files and stdin",
        ),
        (vec!["bridge"], "--input"),
    ] {
        let err = run(&args);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // Permission denied (meaningless as root, who may open anything).
    let locked = dir.path().join("locked.bin");
    std::fs::write(&locked, b"").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        // SAFETY: no arguments, no side effects.
        if unsafe { libc::geteuid() } != 0 {
            let err = run(&["bridge", "-i", &format!("file:{}", locked.display())]);
            assert!(err.contains("permission denied"), "{err}");
        } else {
            eprintln!("note: running as root, the permission-denied message is not checked");
        }
    }
}

#[test]
fn frames_helper_matches_the_stream() {
    // The corruption test relies on this: one range per frame.
    let stream = reports(1, 5, 2);
    let ranges = frames(&stream);
    let bridge = Bridge::new();
    let mut device = bridge.attach("count").unwrap();
    device.feed(&stream);
    assert_eq!(device.status().decoder.frames, ranges.len() as u64);
}
