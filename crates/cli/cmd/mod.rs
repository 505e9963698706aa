//! One module per subcommand: its `Args` (whose doc comments are the
//! `--help` text) and its `run`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

mod align;
mod align_score;
mod analyze;
mod bench;
mod check;
mod concordance;
mod dedupe;
mod delete;
mod demo;
mod export;
mod import;
mod lexicon;
mod lookup;
mod pretranslate;
mod segment;
mod serve;
mod stats;
mod upgrade;

/// The subcommands. Each one's `--help` text is the doc comment of its
/// `Args` struct.
#[derive(Debug, Subcommand)]
pub enum Command {
    Demo(demo::Args),
    Segment(segment::Args),
    Align(align::Args),
    Import(import::Args),
    Lookup(lookup::Args),
    Export(export::Args),
    Stats(stats::Args),
    Check(check::Args),
    Delete(delete::Args),
    Dedupe(dedupe::Args),
    Upgrade(upgrade::Args),
    Concordance(concordance::Args),
    Analyze(analyze::Args),
    Pretranslate(pretranslate::Args),
    Serve(serve::Args),
    /// Measure tmkit on your own data.
    #[command(subcommand)]
    Bench(bench::Bench),
    /// Word lexicons for the aligner, learned from your own memory.
    #[command(subcommand)]
    Lexicon(lexicon::Lexicon),
    AlignScore(align_score::Args),
}

/// Runs a subcommand; the exit code follows `docs/CLI.md`.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Segment(args) => segment::run(args),
        Command::Align(args) => align::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Lookup(args) => lookup::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Check(args) => check::run(args),
        Command::Delete(args) => delete::run(args),
        Command::Dedupe(args) => dedupe::run(args),
        Command::Upgrade(args) => upgrade::run(args),
        Command::Concordance(args) => concordance::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Pretranslate(args) => pretranslate::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Lexicon(args) => lexicon::run(args),
        Command::AlignScore(args) => align_score::run(args),
    }
}

/// Reads a file, or stdin for `-` or no file.
pub fn read_input(path: Option<&std::path::Path>) -> Result<String> {
    use anyhow::Context;
    use std::io::Read;
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let bytes =
                std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?;
            String::from_utf8(bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{}: not UTF-8 text (invalid byte at offset {}); convert it to UTF-8 first",
                    p.display(),
                    e.utf8_error().valid_up_to()
                )
            })
        }
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("<stdin>: cannot read")?;
            Ok(text)
        }
    }
}
