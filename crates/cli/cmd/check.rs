use std::{io::Write, path::Path, path::PathBuf, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_engine::Tm;

use crate::{flags::ReportArgs, out};

/// Check the store's integrity, and save what a damaged store still holds.
///
/// Verifies that every index entry points at a unit and back, that the
/// counters match the units, and that every unit decodes. When sled finds
/// damaged data, check says so and how many units can still be read.
/// Exit code 0 when the store is sound, 2 with the faults listed (one per
/// line on stdout).
///
/// --salvage FILE writes every unit that can still be read (every variant,
/// with markup) to FILE as TMX, whatever the damage; import FILE into a new
/// store to go on. It exits 0 when nothing was lost, 2 otherwise.
///
/// Examples:
///   tmkit check --db ./tm
///   tmkit check --json
///   tmkit check --db ./tm --salvage saved.tmx
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Write every unit that can still be read to FILE (TMX).
    #[arg(long, value_name = "FILE")]
    salvage: Option<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let path = args.report.store.path()?;
    if let Some(file) = &args.salvage {
        return salvage(&args, &path, file);
    }
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

fn salvage(args: &Args, store: &Path, file: &Path) -> Result<ExitCode> {
    let mut output = out::Output::open(Some(file), Some(store))?;
    let report = Tm::salvage(store, &mut output)?;
    output.finish()?;
    let mut w = out::stdout();
    if args.report.json {
        let value = json!({"type": "salvage", "store": store.display().to_string(),
                           "file": file.display().to_string(), "units": report.units, "lost": report.lost});
        out::json_line(&mut w, &value)?;
    } else {
        for lost in &report.lost {
            writeln!(w, "{}: {lost}", store.display())?;
        }
        writeln!(
            w,
            "{}: {} units saved to {}{}",
            store.display(),
            report.units,
            file.display(),
            if report.lost.is_empty() {
                ", nothing found unreadable".to_string()
            } else {
                format!("; {} part(s) could not be read", report.lost.len())
            }
        )?;
    }
    w.flush()?;
    Ok(if report.lost.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
