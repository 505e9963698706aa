use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use serde_json::json;
use tmkit_engine::{parse_links, score_links};

use crate::out;

/// Score an alignment against a gold one.
///
/// Both files hold one link per line, `0,1<TAB>2` (0-based sentence indexes,
/// one side may be empty), as `tmkit align --format links` prints. Strict
/// scores count links that match exactly; lax scores count a predicted link
/// as right when it overlaps a gold link on both sides.
///
/// Example:
///   tmkit align fr.txt en.txt --src-lang fr --tgt-lang en --presegmented --format links > pred.tsv
///   tmkit align-score pred.tsv gold.tsv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The predicted links.
    predicted: PathBuf,
    /// The gold links.
    gold: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let read = |p: &PathBuf| -> Result<Vec<tmkit_engine::Link>> {
        let text = super::read_input(Some(p))?;
        parse_links(&text).with_context(|| p.display().to_string())
    };
    let (pred, gold) = (read(&args.predicted)?, read(&args.gold)?);
    let s = score_links(&pred, &gold);
    let mut w = out::stdout();
    if args.json {
        let prf = |p: &tmkit_engine::Prf| json!({"precision": p.precision, "recall": p.recall, "f1": p.f1});
        let value = json!({"type": "align_score", "predicted": pred.len(), "gold": gold.len(),
                           "strict": prf(&s.strict), "lax": prf(&s.lax)});
        out::json_line(&mut w, &value)?;
    } else {
        writeln!(w, "links: {} predicted, {} gold", pred.len(), gold.len())?;
        for (name, p) in [("strict", s.strict), ("lax", s.lax)] {
            writeln!(
                w,
                "{name:<6}  P {:.4}  R {:.4}  F1 {:.4}",
                p.precision, p.recall, p.f1
            )?;
        }
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
