use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use tmkit_engine::{align, read_dictionary, tsv_field, Aligner, Lexicon, Splitter, Tm};

use crate::{
    flags::{OutputArgs, PairArgs},
    out,
};

/// Align a document with its translation, sentence by sentence.
///
/// Both texts are segmented (or taken one sentence per line with
/// --presegmented), then linked 1-1, 1-2, 2-1, 2-2, 1-0 or 0-1. Each link
/// has a confidence in 0..1; links below 0.5 are flagged for review.
///
/// Formats:
///   tsv    source, target, confidence, and "review" on doubtful links
///          (fields escaped as by `export --format tsv`)
///   links  sentence indexes, `0,1<TAB>2`, as in a gold alignment file
///   jsonl  one JSON object per link
///   tmx    a TMX 1.4b document of the aligned pairs
///
/// Examples:
///   tmkit align article.fr.txt article.en.txt --src-lang fr --tgt-lang en
///   tmkit align fr.txt en.txt --src-lang fr --tgt-lang en --format links
///   tmkit align fr.txt en.txt --src-lang fr --tgt-lang en --db ./tm
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The source-language text.
    src: PathBuf,
    /// The target-language text.
    tgt: PathBuf,
    #[command(flatten)]
    pair: PairArgs,
    /// The inputs are one sentence per line (blank lines separate paragraphs).
    #[arg(long)]
    presegmented: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tsv)]
    format: Format,
    #[command(flatten)]
    output: OutputArgs,
    /// Also store the aligned pairs as units in this store (and use the
    /// lexicon learned from it by `tmkit lexicon build`, if any).
    #[arg(long, value_name = "DIR")]
    db: Option<PathBuf>,
    /// A bilingual dictionary: `source<TAB>target` lines, or hunalign's
    /// `target @ source`.
    #[arg(long, value_name = "FILE")]
    dict: Option<PathBuf>,
    /// Use no lexicon, even one learned from the store.
    #[arg(long, conflicts_with = "dict")]
    no_lexicon: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Tsv,
    Links,
    Jsonl,
    Tmx,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let (src_lang, tgt_lang) = (&args.pair.src_lang, &args.pair.tgt_lang);
    let splitter = |lang| {
        if args.presegmented {
            Splitter::Presegmented
        } else {
            Splitter::builtin(lang)
        }
    };
    let src_text = super::read_input(Some(&args.src))?;
    let tgt_text = super::read_input(Some(&args.tgt))?;
    let tm = args.db.as_deref().map(Tm::create).transpose()?;
    let mut lexicon = Lexicon::new();
    if !args.no_lexicon {
        if let Some(saved) = tm
            .as_ref()
            .map(|tm| tm.saved_lexicon(src_lang, tgt_lang))
            .transpose()?
            .flatten()
        {
            lexicon.merge(&saved);
        }
        if let Some(dict) = &args.dict {
            lexicon.merge(&read_dictionary(dict)?);
        }
    }
    let aligner = if lexicon.is_empty() {
        Aligner::new()
    } else {
        Aligner::new().with_lexicon(lexicon)
    };
    let alignment = align(
        &aligner,
        splitter(src_lang).split(&src_text),
        splitter(tgt_lang).split(&tgt_text),
    );
    let pairs = alignment.pairs();

    let mut w = args.output.open(args.db.as_deref())?;
    let name = w.name().to_path_buf();
    let cannot_write = || format!("{}: cannot write", name.display());
    match args.format {
        Format::Tsv => {
            for p in &pairs {
                let flag = if p.review { "\treview" } else { "" };
                writeln!(
                    w,
                    "{}\t{}\t{:.2}{flag}",
                    tsv_field(&p.src),
                    tsv_field(&p.tgt),
                    p.confidence
                )
                .with_context(cannot_write)?;
            }
        }
        Format::Links => {
            for link in &alignment.links {
                writeln!(w, "{}", tmkit_engine::link_line(link)).with_context(cannot_write)?;
            }
        }
        Format::Jsonl => {
            for p in &pairs {
                let mut value = serde_json::to_value(p)?;
                value["type"] = "link".into();
                out::json_line(&mut w, &value).with_context(cannot_write)?;
            }
        }
        Format::Tmx => {
            let units = alignment.units(src_lang, tgt_lang);
            tmkit_engine::write_tmx(&mut w, &name, src_lang, &units)?;
        }
    }
    w.finish()?;

    if let (Some(db), Some(tm)) = (&args.db, &tm) {
        let source = args.src.display().to_string();
        let report = tm.add_units(&source, src_lang, alignment.units(src_lang, tgt_lang))?;
        eprintln!(
            "tmkit: stored {} aligned units in {} ({} new, {} merged)",
            report.added + report.merged,
            db.display(),
            report.added,
            report.merged
        );
    }
    Ok(ExitCode::SUCCESS)
}
