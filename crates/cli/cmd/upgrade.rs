use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_engine::Tm;

use crate::{flags::ReportArgs, out};

/// Bring a store up to this tmkit: upgrade its format, build its match index.
///
/// A store written by an earlier tmkit (format version 1) is upgraded in
/// place, once: its units are left as they are, and the change log that
/// keeps the match index in step is started. Then the match index is built
/// if the store has none (or rebuilt if it is damaged), so that the next
/// lookup opens in milliseconds. Any command that opens the store does the
/// same when it has to; `upgrade` does it ahead, for a large store, with a
/// message. Running it again does nothing.
///
/// Examples:
///   tmkit upgrade --db ./tm
///   tmkit upgrade --db ./tm --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let path = args.report.store.path()?;
    let (from, index) = Tm::upgrade(&path)?;
    let mut w = out::stdout();
    if args.report.json {
        let value = json!({"type": "upgrade", "store": path.display().to_string(),
                           "format": tmkit_engine::FORMAT_VERSION, "upgraded_from": from, "index": index});
        out::json_line(&mut w, &value)?;
    } else {
        match from {
            Some(from) => writeln!(
                w,
                "{}: upgraded from format version {from} to {}",
                path.display(),
                tmkit_engine::FORMAT_VERSION
            )?,
            None => writeln!(
                w,
                "{}: format version {}, nothing to upgrade",
                path.display(),
                tmkit_engine::FORMAT_VERSION
            )?,
        }
        writeln!(
            w,
            "{}: match index up to date: {} records in {} segments, {:.1} MiB",
            path.display(),
            index.records,
            index.segments,
            index.bytes as f64 / 1_048_576.0
        )?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
