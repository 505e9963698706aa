use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;

use crate::{
    flags::{Duplicate, ReportArgs},
    out,
};

/// Apply a duplicate policy to the units already stored.
///
/// Units are taken in the order they were stored, as if imported one by
/// one: with `merge`, units with the same source and the same targets become
/// one (newest metadata wins); with `overwrite`, the newest unit of each
/// source stays; with `skip`, the oldest.
///
/// Texts are the same when they are the same sentence, the texts lookup
/// scores 100: equal but for Unicode normalization (NFC), the style of
/// quotes and apostrophes (’ and ') and white space. A store written by an
/// earlier tmkit, which compared white space only, may hold such units
/// apart: one dedupe merges them.
///
/// Examples:
///   tmkit dedupe --db ./tm
///   tmkit dedupe --policy overwrite --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The policy to apply.
    #[arg(long, value_enum, default_value_t = Duplicate::Merge)]
    policy: Duplicate,
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let report = args.report.store.open()?.dedupe(args.policy.into())?;
    let mut w = out::stdout();
    if args.report.json {
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
