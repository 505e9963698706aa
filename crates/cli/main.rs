//! `tmkit`: the command line of the tmkit translation-memory toolkit.
//!
//! Results go to stdout, everything else (warnings, progress, errors) to
//! stderr. Exit codes: 0 success (for `lookup`: at least one match), 1 no match,
//! 2 error or partly failed input. See `docs/CLI.md`.

use std::process::ExitCode;

use clap::Parser;

mod cmd;
mod flags;
mod out;
mod progress;

/// tmkit: translation memories you can trust.
///
/// Import TMX from any CAT tool, align a document with its translation,
/// look up fuzzy matches with explained scores, and export TMX or TSV.
#[derive(Debug, Parser)]
#[command(
    name = "tmkit",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = "Examples:\n  \
    tmkit demo\n  \
    tmkit segment --lang fr article.fr.txt\n  \
    tmkit align article.fr.txt article.en.txt --src-lang fr --tgt-lang en --db ./tm\n  \
    tmkit import memory.tmx --db ./tm\n  \
    tmkit lookup --db ./tm --src-lang fr --tgt-lang en \"Le président a parlé hier.\"\n  \
    tmkit export --db ./tm --src-lang fr --tgt-lang en -o memory.tmx\n\n\
The store is a directory: --db DIR, else $TMKIT_DB, else the user data directory.")]
struct Cli {
    #[command(subcommand)]
    command: cmd::Command,
}

/// Imports and index builds allocate many small strings from two threads;
/// mimalloc does that several times faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Waiting for a store is always said; TMKIT_LOG=debug also says when
    // the store is held and each import batch once it is on disk.
    tmkit_engine::set_observer(tmkit_engine::Observer {
        notify: |event| eprintln!("tmkit: {event}"),
        verbose: std::env::var("TMKIT_LOG").is_ok_and(|v| v == "debug"),
    });
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            if out::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            out::error(&err);
            ExitCode::from(2)
        }
    }
}
