use std::{io::Write, process::ExitCode};

use anyhow::{Context, Result};
use tmkit_core::Tu;
use tmkit_engine::{tsv_field, write_tmx};

use crate::flags::{DocArgs, OutputArgs, ScorerArg};

/// Fill a document's segments from the memory.
///
/// Segments the document and writes each segment with the target of its
/// best match scoring at least --min: as TMX (only the filled segments, for
/// a CAT tool's tm/auto folder) or as TSV (every segment; the target is empty
/// where nothing matched; fields escaped as by `export`). Where a match differs only in numbers or
/// placeholders, they are substituted into its target.
///
/// Examples:
///   tmkit pretranslate article.fr.txt --db ./tm --src-lang fr --tgt-lang en -o auto.tmx
///   tmkit pretranslate article.fr.txt --src-lang fr --tgt-lang en --format tsv --min 85
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    doc: DocArgs,
    /// Lowest score used.
    #[arg(long, default_value_t = 75, value_parser = clap::value_parser!(u8).range(1..=100))]
    min: u8,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tmx)]
    format: Format,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Tmx,
    Tsv,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let (src, tgt) = (args.doc.memory.src(), args.doc.memory.tgt());
    let sentences = args.doc.sentences()?;
    let store = args.doc.memory.store.path()?;
    let mut w = args.output.open(Some(&store))?;
    let name = w.name().to_path_buf();
    let memory = args.doc.memory.memory(ScorerArg::Tmkit)?;
    let mut filled = Vec::new();
    let mut total = 0;
    for sentence in sentences {
        total += 1;
        let best = memory
            .lookup(&sentence.text, 1, args.min)?
            .into_iter()
            .next();
        let target = best.map(|m| m.substituted.unwrap_or(m.target));
        if let Format::Tsv = args.format {
            let line = format!(
                "{}\t{}\n",
                tsv_field(&sentence.text),
                tsv_field(target.as_deref().unwrap_or(""))
            );
            w.write_all(line.as_bytes())
                .with_context(|| format!("{}: cannot write", name.display()))?;
        }
        if let Some(target) = target {
            filled.push(Tu::bilingual(
                src.clone(),
                sentence.text.as_str(),
                tgt.clone(),
                target.as_str(),
            ));
        }
    }
    if let Format::Tmx = args.format {
        write_tmx(&mut w, &name, src, &filled)?;
    }
    w.finish()?;
    eprintln!(
        "tmkit: filled {} of {total} segments (score ≥ {})",
        filled.len(),
        args.min
    );
    Ok(ExitCode::SUCCESS)
}
