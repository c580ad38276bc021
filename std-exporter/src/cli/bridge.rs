//! `omnimetrics bridge` (being written).

use super::CliResult;

/// Arguments of `omnimetrics bridge`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> CliResult {
    Err("`omnimetrics bridge` is not available in this build yet".into())
}
