use std::{io::Write, process::ExitCode};

use anyhow::{bail, Result};
use serde_json::json;

use crate::{
    flags::{FilterArgs, ReportArgs},
    out,
};

/// Delete units: by id, by import, or by a filter.
///
/// Every criterion given must hold. At least one is required: tmkit does not
/// delete a whole store (remove its directory for that).
///
/// Examples:
///   tmkit delete --db ./tm --id 12 --id 13
///   tmkit delete --import 3
///   tmkit delete --lang de --since 2024-01-01 --until 2024-07-01
///   tmkit delete --prop x-origin=machine
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let filter = args.filter.filter()?;
    if filter.is_all() {
        bail!("delete needs a criterion (--id, --import, --lang, --since, --until or --prop)");
    }
    let n = args.report.store.open()?.delete(&filter)?;
    let mut w = out::stdout();
    if args.report.json {
        out::json_line(&mut w, &json!({"type": "delete", "deleted": n}))?;
    } else {
        writeln!(w, "deleted {n} units")?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
