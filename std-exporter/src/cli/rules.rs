//! `omnimetrics rules` (being written).

use super::CliResult;

/// Arguments of `omnimetrics rules`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> CliResult {
    Err("`omnimetrics rules` is not available in this build yet".into())
}
