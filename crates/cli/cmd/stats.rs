use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_engine::Tm;

use crate::{flags::ReportArgs, out};

/// Show what the store holds: units, language pairs, size, imports.
///
/// Examples:
///   tmkit stats --db ./tm
///   tmkit stats --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let path = args.report.store.path()?;
    let tm = Tm::open(&path)?;
    let stats = tm.stats()?;
    let index = tm.index_figures()?;
    let mut w = out::stdout();
    if args.report.json {
        let pairs: serde_json::Map<String, serde_json::Value> = stats
            .pairs
            .iter()
            .map(|((s, t), n)| (format!("{s}/{t}"), json!(n)))
            .collect();
        let imports: Vec<serde_json::Value> = stats
            .imports
            .iter()
            .map(|i| {
                json!({"id": i.id, "file": i.meta.file, "src": i.meta.src.to_string(), "state": state(&tm, i),
                       "consumed": i.consumed,
                       "started": i.started, "batches": i.batches, "added": i.added, "merged": i.merged,
                       "replaced": i.replaced, "skipped": i.skipped, "rejected": i.rejected})
            })
            .collect();
        let value = json!({"type": "stats", "store": path.display().to_string(), "units": stats.units,
                           "pairs": pairs, "size_on_disk": stats.size_on_disk, "index": index, "imports": imports});
        out::json_line(&mut w, &value)?;
    } else {
        writeln!(w, "store: {}", path.display())?;
        writeln!(w, "units: {}", stats.units)?;
        writeln!(w, "size on disk: {}", human_bytes(stats.size_on_disk))?;
        match &index {
            Some(i) => writeln!(
                w,
                "match index: {} records in {} segments ({} language pairs and scorers), {}",
                i.records,
                i.segments,
                i.sets,
                human_bytes(i.bytes)
            )?,
            None => writeln!(w, "match index: none yet (built by the first lookup)")?,
        }
        writeln!(w, "language pairs:")?;
        for ((s, t), n) in &stats.pairs {
            writeln!(w, "  {s} → {t}: {n}")?;
        }
        writeln!(w, "imports:")?;
        for i in &stats.imports {
            writeln!(
                w,
                "  #{} {} ({}, source {}): {} batches, {} added, {} merged, {} replaced, {} skipped, {} rejected",
                i.id,
                i.meta.file,
                state(&tm, i),
                i.meta.src,
                i.batches,
                i.added,
                i.merged,
                i.replaced,
                i.skipped,
                i.rejected
            )?;
        }
        if let Some(advice) = interrupted_advice(&tm, &stats.imports) {
            writeln!(w, "{advice}")?;
        }
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// An import's state as shown: an open import whose process is gone is
/// `interrupted`.
fn state(tm: &Tm, import: &tmkit_engine::ImportInfo) -> &'static str {
    if tm.interrupted(import) {
        "interrupted"
    } else {
        import.state.name()
    }
}

/// What to do about interrupted imports, said once under the list.
fn interrupted_advice(tm: &Tm, imports: &[tmkit_engine::ImportInfo]) -> Option<String> {
    let ids: Vec<String> = imports
        .iter()
        .filter(|i| tm.interrupted(i))
        .map(|i| format!("#{}", i.id))
        .collect();
    (!ids.is_empty()).then(|| {
        format!(
            "interrupted imports ({}) keep the units they stored: `tmkit import FILE --resume` \
             goes on with one, importing FILE again without --resume replaces it, \
             `tmkit delete --import N` removes its units",
            ids.join(", ")
        )
    })
}

fn human_bytes(n: u64) -> String {
    match n {
        0..=1023 => format!("{n} B"),
        1024..=1_048_575 => format!("{:.1} KiB", n as f64 / 1024.0),
        1_048_576..=1_073_741_823 => format!("{:.1} MiB", n as f64 / 1_048_576.0),
        _ => format!("{:.2} GiB", n as f64 / 1_073_741_824.0),
    }
}
