use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_engine::Tm;

use crate::{
    flags::{Duplicate, StoreArgs},
    out,
};

/// Apply a duplicate policy to the units already stored.
///
/// Units are taken in the order they were stored, as if imported one by
/// one: with `merge`, units with the same source and the same targets become
/// one (newest metadata wins); with `overwrite`, the newest unit of each
/// source stays; with `skip`, the oldest.
///
/// Examples:
///   tmkit dedupe --db ./tm
///   tmkit dedupe --policy overwrite --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// The policy to apply.
    #[arg(long, value_enum, default_value_t = Duplicate::Merge)]
    policy: Duplicate,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let report = Tm::open(&args.store.path()?)?.dedupe(args.policy.into())?;
    let mut w = out::stdout();
    if args.json {
        let value = json!({"type": "dedupe", "groups": report.groups, "merged": report.merged, "removed": report.removed});
        out::json_line(&mut w, &value)?;
    } else {
        writeln!(
            w,
            "{} groups of duplicates: {} units merged, {} removed",
            report.groups, report.merged, report.removed
        )?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
