//! `omnimetrics bridge`: devices' snapshot frames, served on `/metrics`.
//!
//! The command is a thin shell around [`crate::bridge`] and the standalone
//! [`Exporter`]: parse the inputs, open them (so that a wrong path or a
//! missing permission is reported before anything is served), start the
//! server, and print where it serves. `--once` reads captured streams to
//! their end and prints the metrics instead, for a quick look at a capture.

use super::CliResult;
use crate::bridge::{Bridge, DEFAULT_BAUD, INPUT_SYNTAX, Input};
use crate::{DEFAULT_ADDRESS, DEFAULT_PATH, Exporter, Format};
use std::io::Write;

const AFTER_HELP: &str = "\
Examples:
  # A board in QEMU, its UART on TCP port 4444:
  #   qemu-system-arm ... -serial tcp:127.0.0.1:4444,server=on,wait=off
  omnimetrics bridge --input board=tcp://127.0.0.1:4444

  # Two boards on USB serial adapters, served to other machines:
  omnimetrics bridge -i left=/dev/ttyACM0 -i right=serial:/dev/ttyUSB0@921600 --listen 0.0.0.0:9464

  # What a captured stream holds:
  omnimetrics bridge --once --input file:uart.bin

Each input is one device; its NAME is the `device` label of its series. The bridge's own
metrics (omnimetrics_bridge_*: bad and missed frames, reboots, bytes read, last-seen time,
connected) come after the devices'. A device that restarts starts its counters from zero,
which Prometheus handles as a counter reset.";

/// Arguments of `omnimetrics bridge`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub(crate) struct Args {
    /// Where to read a device's frames from: [NAME=]SOURCE, SOURCE being tcp://HOST:PORT,
    /// serial:PATH[@BAUD], file:PATH, - (stdin) or a PATH. Repeat for more devices.
    #[arg(
        short,
        long = "input",
        value_name = "[NAME=]SOURCE",
        required = true,
        long_help = format!("Where to read a device's frames from; repeat for more devices.\n{INPUT_SYNTAX}")
    )]
    inputs: Vec<Input>,

    /// Address to serve on, IP:PORT or HOST:PORT (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDRESS", default_value = DEFAULT_ADDRESS)]
    listen: String,

    /// The URL path of the metrics.
    #[arg(long, default_value = DEFAULT_PATH)]
    path: String,

    /// Baud rate of serial inputs that give none.
    #[arg(long, default_value_t = DEFAULT_BAUD)]
    baud: u32,

    /// Most series served per device; a bigger snapshot is refused and counted.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_series: usize,

    /// Longest frame accepted, in bytes; a longer one is dropped and counted.
    #[arg(long, value_name = "BYTES", default_value_t = 65_536)]
    max_frame_bytes: usize,

    /// Leave out the bridge process' own process_* metrics.
    #[arg(long)]
    no_process_metrics: bool,

    /// Read the file and stdin inputs to their end, print the metrics as Prometheus text and
    /// exit, instead of serving.
    #[arg(long)]
    once: bool,

    /// Print only errors and the address served (not connections, restarts, ends of input).
    #[arg(short, long)]
    quiet: bool,
}

pub(crate) fn run(args: Args) -> CliResult {
    if args.once
        && let Some(endless) = args.inputs.iter().find(|i| !i.is_finite())
    {
        return Err(format!(
            "--once reads files and stdin to their end, but `{endless}` does not end; \
             leave out --once to serve it"
        )
        .into());
    }
    let mut bridge = Bridge::builder()
        .baud(args.baud)
        .max_series(args.max_series)
        .max_frame_bytes(args.max_frame_bytes)
        .log(!args.quiet)
        .build();
    for input in &args.inputs {
        bridge.add_input(input)?;
    }
    if args.once {
        bridge.wait_for_finite_inputs();
        let mut text = String::new();
        omnimetrics_sinks::text::encode(&bridge.source(), Format::Prometheus, &mut text)?;
        // `bridge --once ... | head` is a normal way to glance at a capture.
        return super::stdout::write(&text);
    }
    let exporter = Exporter::builder()
        .address(&args.listen)
        .path(&args.path)
        .source(bridge.source())
        .process_metrics(!args.no_process_metrics)
        .start()?;
    // Always printed (on stdout; the log goes to stderr): with port 0 it
    // is the only way to learn the port.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "omnimetrics bridge: serving {}", exporter.url())?;
    stdout.flush()?;
    drop(stdout);
    // Serve until the process is stopped; `bridge` and `exporter` live on.
    loop {
        std::thread::park();
    }
}
