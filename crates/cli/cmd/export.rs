use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use tmkit_engine::{ExportFormat, Tm};

use crate::{
    flags::{FilterArgs, PairArgs, StoreArgs},
    out,
};

/// Export the units of a language pair as TMX or TSV.
///
/// TMX output is TMX 1.4b in UTF-8, valid against the TMX 1.4 DTD, and
/// loads in OmegaT, Trados and memoQ. With --markup, inline tags are kept
/// (level 2); by default the plain text is written (level 1).
///
/// Examples:
///   tmkit export --db ./tm --src-lang fr --tgt-lang en -o memory.tmx
///   tmkit export --src-lang fr --tgt-lang en --format tsv > pairs.tsv
///   tmkit export --src-lang fr --tgt-lang en --import 3 --since 2024-01-01 -o new.tmx
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    pair: PairArgs,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tmx)]
    format: Format,
    /// Keep inline markup in TMX output (level 2).
    #[arg(long)]
    markup: bool,
    /// Export only some units (by default, every unit of the pair).
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Tmx,
    Tsv,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let format = match (args.format, args.markup) {
        (Format::Tsv, _) => ExportFormat::Tsv,
        (Format::Tmx, false) => ExportFormat::Tmx,
        (Format::Tmx, true) => ExportFormat::TmxMarkup,
    };
    let filter = args.filter.filter()?;
    let tm = Tm::open(&args.store.path()?)?;
    let export =
        |w: &mut dyn Write| tm.export(&args.pair.src_lang, &args.pair.tgt_lang, &filter, format, w);
    let n = match &args.output {
        Some(path) => {
            // Write next to the target, then rename: a failed export never
            // leaves a truncated file under the requested name.
            let tmp = path.with_extension("tmkit-partial");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("{}: cannot create", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let n = export(&mut w)?;
            w.flush()
                .with_context(|| format!("{}: cannot write", tmp.display()))?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            eprintln!("tmkit: wrote {n} units to {}", path.display());
            n
        }
        None => {
            let mut w = out::stdout();
            let n = export(&mut w)?;
            w.flush()?;
            n
        }
    };
    if n == 0 {
        out::warn(
            false,
            format!(
                "no unit in {} for {} → {}",
                tm.path().display(),
                args.pair.src_lang,
                args.pair.tgt_lang
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}
