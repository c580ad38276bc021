//! The omnimetrics demo: a small shop API whose functions carry
//! `#[autometrics]`, under a built-in load, with its metrics and a dashboard
//! of its functions.
//!
//! ```sh
//! cargo run --release -p omnimetrics-exporter --example demo
//! ```
//!
//! then open <http://127.0.0.1:9464/> (the dashboard) and
//! <http://127.0.0.1:9464/metrics> (what Prometheus would scrape).
//!
//! What is where:
//! - `demo/api.rs`: the axum handlers, with an objective and concurrency
//!   tracking;
//! - `demo/shop.rs`: what they call, a few layers deep;
//! - `demo/db.rs`: a database-like function that is sometimes slow and
//!   sometimes fails;
//! - `demo/payments.rs`: a payment gateway with a strict objective it does
//!   not meet;
//! - `demo/load.rs`: the load generator, so that the numbers move.
//!
//! Options, as flags or environment variables:
//! - `--addr ADDR` (`OMNIMETRICS_DEMO_ADDR`): the dashboard and `/metrics`,
//!   default `127.0.0.1:9464`; port 0 picks a free port;
//! - `--api-addr ADDR` (`OMNIMETRICS_DEMO_API_ADDR`): the shop API, default
//!   the next port (a free one when that is taken or `--addr` used port 0);
//! - `--rps N` (`OMNIMETRICS_DEMO_RPS`): requests per second of the load
//!   generator, default 25; 0 turns it off.
//!
//! Ctrl-C (or SIGTERM) stops it: the load first, then the API, then the
//! exporter.

// The modules live in `demo/` (a crate root's modules would otherwise be
// looked for next to it, among the other examples).
#[path = "demo/api.rs"]
mod api;
#[path = "demo/chance.rs"]
mod chance;
#[path = "demo/db.rs"]
mod db;
#[path = "demo/load.rs"]
mod load;
#[path = "demo/payments.rs"]
mod payments;
#[path = "demo/shop.rs"]
mod shop;

use omnimetrics::PackageInfo;
use omnimetrics_exporter::dashboard::DashboardConfig;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

/// Who the demo says it is in `service_name` and `build_info`: the
/// package's own details (version, repository) under a name of its own,
/// since an example shares its package's name.
static PACKAGE: PackageInfo = PackageInfo {
    name: "shop-demo",
    ..omnimetrics::package!()
};

const HELP: &str = "\
omnimetrics demo: an instrumented shop API under load, with its metrics and a dashboard

USAGE: cargo run --release -p omnimetrics-exporter --example demo -- [OPTIONS]

OPTIONS (each also as an environment variable):
  --addr ADDR      dashboard and /metrics (OMNIMETRICS_DEMO_ADDR) [default: 127.0.0.1:9464]
  --api-addr ADDR  the shop API (OMNIMETRICS_DEMO_API_ADDR) [default: the next port]
  --rps N          load generator requests per second, 0 for none (OMNIMETRICS_DEMO_RPS) [default: 25]
  -h, --help       this help
";

/// The options, from flags first, then the environment, then defaults.
#[derive(Debug)]
struct Options {
    addr: String,
    api_addr: Option<String>,
    rps: f64,
}

fn options() -> Result<Option<Options>, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut addr = env("OMNIMETRICS_DEMO_ADDR");
    let mut api_addr = env("OMNIMETRICS_DEMO_API_ADDR");
    let mut rps = env("OMNIMETRICS_DEMO_RPS");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let slot = match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--addr" => &mut addr,
            "--api-addr" => &mut api_addr,
            "--rps" => &mut rps,
            other => return Err(format!("unknown option {other:?}; --help lists them")),
        };
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        *slot = Some(value);
    }
    let rps = match rps {
        None => 25.0,
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && (0.0..=10_000.0).contains(r))
            .ok_or_else(|| format!("--rps takes a number from 0 to 10000, not {text:?}"))?,
    };
    Ok(Some(Options {
        addr: addr.unwrap_or_else(|| omnimetrics_exporter::DEFAULT_ADDRESS.to_string()),
        api_addr,
        rps,
    }))
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("demo: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    // Before the first export, so every series carries the demo's name.
    let _ = omnimetrics::set_package(&PACKAGE);

    // The exporter: /metrics, and the dashboard at / (off unless asked for).
    let exporter = omnimetrics_exporter::Exporter::builder()
        .address(&options.addr)
        .dashboard(DashboardConfig::default())
        .start()?;
    let metrics_addr = exporter.local_addr();

    let api = bind_api(&options, metrics_addr).await?;
    let api_addr = api.local_addr()?;

    println!(
        "omnimetrics demo: a small shop API instrumented with #[autometrics], \
         under a built-in load of {} requests/s\n",
        options.rps
    );
    println!("  dashboard  http://{metrics_addr}/");
    println!("  metrics    {}", exporter.url());
    println!("  shop API   http://{api_addr}/products/7  /search/lamp  /checkout/3  /health\n");
    println!("Ctrl-C stops it.");

    let (stop, stopping) = tokio::sync::watch::channel(false);
    let server = tokio::spawn({
        let mut stopping = stopping.clone();
        async move {
            let shutdown = async move {
                let _ = stopping.wait_for(|s| *s).await;
            };
            axum::serve(api, api::router())
                .with_graceful_shutdown(shutdown)
                .await
        }
    });
    let load = (options.rps > 0.0)
        .then(|| tokio::spawn(load::generate(api_addr, options.rps, stopping.clone())));

    wait_for_signal().await;
    println!("\ndemo: stopping");
    let _ = stop.send(true);
    if let Some(load) = load {
        let _ = load.await;
    }
    // In-flight requests finish (the slowest query takes under a second).
    match tokio::time::timeout(Duration::from_secs(5), server).await {
        Ok(Ok(Err(e))) => eprintln!("demo: the API server failed: {e}"),
        Err(_) => eprintln!("demo: the API server did not stop within 5 s"),
        _ => {}
    }
    // Stops the exporter and the dashboard's sampling thread.
    tokio::task::spawn_blocking(move || exporter.shutdown()).await?;
    println!("demo: stopped");
    Ok(())
}

/// The API's listener: the address asked for, else the port after the
/// exporter's (a free port when that one is taken, or when the exporter
/// itself was given port 0, as parallel tests do).
async fn bind_api(
    options: &Options,
    metrics: SocketAddr,
) -> Result<tokio::net::TcpListener, Box<dyn std::error::Error>> {
    if let Some(addr) = &options.api_addr {
        return tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} for the shop API: {e}").into());
    }
    let asked_port_zero = options.addr.ends_with(":0");
    if !asked_port_zero
        && let Some(next) = metrics.port().checked_add(1)
        && let Ok(listener) = tokio::net::TcpListener::bind((metrics.ip(), next)).await
    {
        return Ok(listener);
    }
    Ok(tokio::net::TcpListener::bind((metrics.ip(), 0)).await?)
}

/// Ctrl-C, or SIGTERM where there is one.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
