use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_engine::Tm;

use crate::{flags::ReportArgs, out};

/// Check the store's integrity.
///
/// Verifies that every index entry points at a unit and back, that the
/// counters match the units, and that every unit decodes. Exit code 0 when
/// the store is sound, 2 with the faults listed (one per line on stdout).
///
/// Examples:
///   tmkit check --db ./tm
///   tmkit check --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let path = args.report.store.path()?;
    let faults = Tm::open(&path)?.check()?;
    let mut w = out::stdout();
    if args.report.json {
        let list: Vec<String> = faults.iter().map(|f| f.to_string()).collect();
        let value = json!({"type": "check", "store": path.display().to_string(), "sound": faults.is_empty(), "faults": list});
        out::json_line(&mut w, &value)?;
    } else if faults.is_empty() {
        writeln!(w, "{}: sound", path.display())?;
    } else {
        for fault in &faults {
            writeln!(w, "{}: {fault}", path.display())?;
        }
        writeln!(w, "{}: {} fault(s)", path.display(), faults.len())?;
    }
    w.flush()?;
    Ok(if faults.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
