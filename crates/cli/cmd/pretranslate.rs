use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use tmkit_core::Tu;
use tmkit_engine::{tsv_field, write_tmx, Tm};

use crate::{
    flags::{DocArgs, PairArgs, StoreArgs},
    out,
};

/// Fill a document's segments from the memory.
///
/// Segments the document and writes each segment with the target of its
/// best match scoring at least --min: as TMX (only the filled segments, for
/// a CAT tool's tm/auto folder) or as TSV (every segment; the target is empty
/// where nothing matched). Where a match differs only in numbers or
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
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    pair: PairArgs,
    /// Lowest score used.
    #[arg(long, default_value_t = 75, value_parser = clap::value_parser!(u8).range(1..=100))]
    min: u8,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tmx)]
    format: Format,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Tmx,
    Tsv,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let (src, tgt) = (&args.pair.src_lang, &args.pair.tgt_lang);
    let sentences = args.doc.sentences(src)?;
    let tm = Tm::open(&args.store.path()?)?;
    let memory = tm.memory(src, tgt, Default::default())?;
    let mut w: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => Box::new(out::stdout()),
    };
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
            writeln!(
                w,
                "{}\t{}",
                tsv_field(&sentence.text),
                tsv_field(target.as_deref().unwrap_or(""))
            )?;
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
        write_tmx(&mut w, src, &filled)?;
    }
    w.flush()?;
    eprintln!(
        "tmkit: filled {} of {total} segments (score ≥ {})",
        filled.len(),
        args.min
    );
    Ok(ExitCode::SUCCESS)
}
