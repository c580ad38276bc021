//! The `omnimetrics` command-line tool; see `omnimetrics --help`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    omnimetrics_exporter::cli::main(omnimetrics_exporter::cli::Cli::parse())
}
