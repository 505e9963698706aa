use std::process::ExitCode;

use anyhow::Result;
use tmkit_engine::ExportFormat;

use crate::{
    flags::{FilterArgs, MemoryArgs, OutputArgs},
    out,
};

/// Export the units of a language pair as TMX or TSV.
///
/// TMX output is TMX 1.4b in UTF-8, valid against the TMX 1.4 DTD, and
/// loads in OmegaT, Trados and memoQ. With --markup, inline tags are kept
/// (level 2); by default the plain text is written (level 1). TSV output is
/// one `source<TAB>target` line per unit, with tab, line feed, carriage
/// return and backslash written `\t`, `\n`, `\r`, `\\` (as `import` reads
/// them back).
///
/// Examples:
///   tmkit export --db ./tm --src-lang fr --tgt-lang en -o memory.tmx
///   tmkit export --src-lang fr --tgt-lang en --format tsv > pairs.tsv
///   tmkit export --src-lang fr --tgt-lang en --import 3 --since 2024-01-01 -o new.tmx
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    memory: MemoryArgs,
    #[command(flatten)]
    output: OutputArgs,
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
    let store = args.memory.store.path()?;
    let mut output = args.output.open(Some(&store))?;
    let tm = tmkit_engine::Tm::open(&store)?;
    let name = output.name().to_path_buf();
    let (src, tgt) = (args.memory.src(), args.memory.tgt());
    let done = tm.export(src, tgt, &filter, format, &mut output, &name)?;
    let to_file = !output.is_stdout();
    output.finish()?;
    if to_file {
        eprintln!("tmkit: wrote {} units to {}", done.units, name.display());
    }
    if done.altered > 0 {
        out::warn(
            false,
            format!(
                "{}: {} unit(s) written without the control characters they hold in {} \
                 (TMX, being XML 1.0, cannot represent them)",
                name.display(),
                done.altered,
                tm.path().display()
            ),
        );
    }
    if done.units == 0 {
        out::warn(
            false,
            format!("no unit in {} for {src} → {tgt}", tm.path().display()),
        );
    }
    Ok(ExitCode::SUCCESS)
}
