use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_engine::highlight;

use crate::{
    flags::{parse_top, MemoryArgs},
    out,
};

/// Search words or a phrase in the sources and targets of a language pair.
///
/// Units holding the words together, in order, rank first; then units
/// holding them all, scattered; shorter texts before longer ones. Hits are
/// highlighted on a terminal (between square brackets otherwise).
///
/// Exit code: 0 when something was found, 1 when nothing was.
///
/// Examples:
///   tmkit concordance --db ./tm --src-lang fr --tgt-lang en "cessez-le-feu"
///   tmkit concordance --src-lang fr --tgt-lang en "Groupe de Minsk" --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The words or phrase to find.
    #[arg(required = true)]
    text: Vec<String>,
    #[command(flatten)]
    memory: MemoryArgs,
    /// At most this many units (1 or more).
    #[arg(long, default_value_t = 20, value_parser = parse_top)]
    top: usize,
    /// One JSON object per unit.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let tm = args.memory.store.open()?;
    let text = args.text.join(" ");
    let hits = tm.concordance(args.memory.src(), args.memory.tgt(), &text, args.top)?;
    let mut w = out::stdout();
    let (open, close) = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    for hit in &hits {
        if args.json {
            let mut value = serde_json::to_value(hit)?;
            value["type"] = json!("concordance");
            out::json_line(&mut w, &value)?;
        } else {
            writeln!(w, "#{} ({})", hit.id, hit.score)?;
            writeln!(
                w,
                "  {}",
                highlight(&hit.source, &hit.source_spans, open, close)
            )?;
            writeln!(
                w,
                "  {}",
                highlight(&hit.target, &hit.target_spans, open, close)
            )?;
        }
    }
    w.flush()?;
    Ok(if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
