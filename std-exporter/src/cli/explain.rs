//! `omnimetrics explain` (being written).

use super::CliResult;

/// Arguments of `omnimetrics explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> CliResult {
    Err("`omnimetrics explain` is not available in this build yet".into())
}
