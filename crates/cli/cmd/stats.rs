use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_engine::Tm;

use crate::{flags::StoreArgs, out};

/// Show what the store holds: units, language pairs.
///
/// Examples:
///   tmkit stats --db ./tm
///   tmkit stats --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// Print one JSON object: {"units": N, "pairs": {"fr/en": N, …}, …}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let path = args.store.path()?;
    let tm = Tm::open(&path)?;
    let stats = tm.stats()?;
    let mut w = out::stdout();
    if args.json {
        let pairs: serde_json::Map<String, serde_json::Value> = stats
            .pairs
            .iter()
            .map(|((s, t), n)| (format!("{s}/{t}"), json!(n)))
            .collect();
        let value = json!({"type": "stats", "store": path.display().to_string(), "units": stats.units, "pairs": pairs});
        out::json_line(&mut w, &value)?;
    } else {
        writeln!(w, "store: {}", path.display())?;
        writeln!(w, "units: {}", stats.units)?;
        for ((s, t), n) in &stats.pairs {
            writeln!(w, "  {s} → {t}: {n}")?;
        }
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
