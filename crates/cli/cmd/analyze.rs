use std::{io::Write, process::ExitCode};

use anyhow::Result;
use serde_json::json;

use crate::{
    flags::{DocArgs, ScorerArg},
    out,
};

/// Report how much of a document the memory covers.
///
/// Segments the document and counts segments and words per band of best
/// match (100%, 95-99%, 85-94%, 75-84%, 50-74%, no match), with repetitions
/// inside the document counted apart, as CAT tools' analysis reports do.
///
/// Examples:
///   tmkit analyze new-article.fr.txt --db ./tm --src-lang fr --tgt-lang en
///   tmkit analyze chapter.txt --src-lang fr --tgt-lang en --json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    doc: DocArgs,
    /// Scoring function.
    #[arg(long, value_enum, default_value_t = ScorerArg::Tmkit)]
    scorer: ScorerArg,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let sentences = args.doc.sentences()?;
    let memory = args.doc.memory.memory(args.scorer)?;
    let analysis = memory.analyze(sentences.iter().map(|s| s.text.as_str()))?;
    let mut w = out::stdout();
    let rows = analysis.rows();
    let total = analysis.total();
    if args.json {
        let bands: Vec<serde_json::Value> = rows
            .iter()
            .map(|(label, t)| json!({"band": label, "segments": t.segments, "words": t.words}))
            .collect();
        let value = json!({"type": "analysis", "file": args.doc.file.display().to_string(), "bands": bands,
                           "total": {"segments": total.segments, "words": total.words}});
        out::json_line(&mut w, &value)?;
    } else {
        writeln!(w, "{}", args.doc.file.display())?;
        writeln!(
            w,
            "{:<12} {:>9} {:>9} {:>7}",
            "band", "segments", "words", "words%"
        )?;
        for (label, t) in &rows {
            let pct = if total.words == 0 {
                0.0
            } else {
                100.0 * t.words as f64 / total.words as f64
            };
            writeln!(
                w,
                "{label:<12} {:>9} {:>9} {pct:>6.1}%",
                t.segments, t.words
            )?;
        }
        writeln!(
            w,
            "{:<12} {:>9} {:>9}",
            "total", total.segments, total.words
        )?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
