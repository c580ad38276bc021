//! The `omnimetrics` command-line tool: one subcommand per file.
//!
//! It lives in the library (behind the `cli` feature) so that its parts
//! are tested like the rest of the crate; `src/bin/omnimetrics.rs` only
//! parses the arguments and calls [`main`].

mod bridge;
mod explain;
mod rules;
mod stdout;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Function-level metrics tooling: SLO rules, queries, and a bridge for
/// devices that report over a serial line.
#[derive(Debug, Parser)]
#[command(name = "omnimetrics", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print Prometheus recording and alerting rules for SLOs.
    Rules(rules::Args),
    /// Print a function's PromQL queries and Prometheus links.
    Explain(explain::Args),
    /// Read devices' snapshot frames and serve them on /metrics.
    Bridge(bridge::Args),
}

/// Runs a parsed command line; errors are printed to stderr.
pub fn main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Rules(args) => rules::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Bridge(args) => bridge::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("omnimetrics: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What a subcommand returns.
type CliResult = Result<(), Box<dyn std::error::Error>>;
