//! Flag groups shared by several subcommands.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use tmkit_core::Lang;
use tmkit_engine::Tm;

use crate::out::Output;

/// Where the store lives.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// The store directory (a sled database). Default: $TMKIT_DB, else
    /// $XDG_DATA_HOME/tmkit/db (~/.local/share/tmkit/db).
    #[arg(long, value_name = "DIR", global = false)]
    pub db: Option<PathBuf>,
}

impl StoreArgs {
    /// The store directory to use.
    pub fn path(&self) -> Result<PathBuf> {
        if let Some(db) = &self.db {
            return Ok(db.clone());
        }
        if let Some(db) = std::env::var_os("TMKIT_DB").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(db));
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .context("no store given: use --db DIR or set TMKIT_DB (HOME is not set)")?;
        Ok(data.join("tmkit").join("db"))
    }
}

impl StoreArgs {
    /// Opens the store.
    pub fn open(&self) -> Result<Tm> {
        Ok(Tm::open(&self.path()?)?)
    }
}

/// A store, and whether to print JSON: the flags of the commands that look
/// at or change a whole store.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print one JSON object on stdout, with a "type" field (docs/CLI.md
    /// lists the fields).
    #[arg(long)]
    pub json: bool,
}

/// A store and a language pair in it: the memory a command reads.
#[derive(Debug, Args, Clone)]
pub struct MemoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub pair: PairArgs,
}

impl MemoryArgs {
    /// The source language.
    pub fn src(&self) -> &Lang {
        &self.pair.src_lang
    }

    /// The target language.
    pub fn tgt(&self) -> &Lang {
        &self.pair.tgt_lang
    }

    /// The pair's units in the store, indexed for lookups with `scorer`:
    /// read from the store's match index without opening the store.
    pub fn memory(&self, scorer: ScorerArg) -> Result<tmkit_engine::Memory> {
        let path = self.store.path()?;
        Ok(tmkit_engine::Memory::open(
            &path,
            self.src(),
            self.tgt(),
            scorer.into(),
        )?)
    }
}

/// Where a command writes its result.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Write to FILE instead of standard output (`-`: standard output). An
    /// existing file is replaced only once the output is complete.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// Opens the output; `store` is a store the command reads, which the
    /// output must not be written into.
    pub fn open(&self, store: Option<&Path>) -> Result<Output> {
        Output::open(self.output.as_deref(), store)
    }
}

/// How many results to show: at least one.
pub fn parse_top(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("0 would show nothing: give 1 or more".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{value:?} is not a count ({e})")),
    }
}

/// A source and a target language.
#[derive(Debug, Args, Clone)]
pub struct PairArgs {
    /// Source language, e.g. fr or fr-FR.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub src_lang: Lang,
    /// Target language, e.g. en or en-US.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub tgt_lang: Lang,
}

/// Parses a language flag.
pub fn parse_lang(value: &str) -> Result<Lang, String> {
    Lang::parse(value).map_err(|e| e.to_string())
}

/// A document to segment and the memory to match it against, for
/// `analyze` and `pretranslate`.
#[derive(Debug, Args, Clone)]
pub struct DocArgs {
    /// The document (plain text; blank lines separate paragraphs).
    pub file: PathBuf,
    /// The document is one segment per line.
    #[arg(long)]
    pub presegmented: bool,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

impl DocArgs {
    /// The document's sentences, segmented with the built-in rules for the
    /// source language unless the document is presegmented.
    pub fn sentences(&self) -> Result<Vec<tmkit_engine::Sentence>> {
        let lang = self.memory.src();
        let text = crate::cmd::read_input(Some(&self.file))?;
        let splitter = if self.presegmented {
            tmkit_engine::Splitter::Presegmented
        } else {
            tmkit_engine::Splitter::builtin(lang)
        };
        Ok(splitter.split(&text))
    }
}

/// Messages on stderr.
#[derive(Debug, Args, Clone, Default)]
pub struct MessageArgs {
    /// Print no warnings (errors are still printed).
    #[arg(long)]
    pub no_messages: bool,
}

/// Which units a command applies to: every criterion given must hold.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// A unit id (repeatable).
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<u64>,
    /// The units stored by this import (see `tmkit stats`).
    #[arg(long, value_name = "N")]
    pub import: Option<u64>,
    /// Units having a variant in this language.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Units stored on or after this date (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<u64>,
    /// Units stored before this date (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<u64>,
    /// Units with this prop, as TYPE=VALUE.
    #[arg(long, value_name = "TYPE=VALUE")]
    pub prop: Option<String>,
}

impl FilterArgs {
    /// The store filter these flags describe.
    pub fn filter(&self) -> Result<tmkit_engine::Filter> {
        let prop = match &self.prop {
            Some(p) => match p.split_once('=') {
                Some((k, v)) if !k.is_empty() => Some((k.to_string(), v.to_string())),
                _ => {
                    anyhow::bail!("--prop {p:?}: expected TYPE=VALUE, e.g. --prop x-origin=machine")
                }
            },
            None => None,
        };
        Ok(tmkit_engine::Filter {
            ids: self.ids.iter().map(|&i| tmkit_core::TuId(i)).collect(),
            import: self.import,
            lang: self.lang.clone(),
            since: self.since,
            until: self.until,
            prop,
        })
    }
}

/// A duplicate policy on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Duplicate {
    /// Same source and target: merge; same source, other target: keep both.
    Merge,
    /// Always store a new unit.
    KeepBoth,
    /// Replace the stored unit.
    Overwrite,
    /// Keep the stored unit.
    Skip,
}

impl From<Duplicate> for tmkit_engine::OnDuplicate {
    fn from(d: Duplicate) -> tmkit_engine::OnDuplicate {
        use tmkit_engine::OnDuplicate as D;
        match d {
            Duplicate::Merge => D::Merge,
            Duplicate::KeepBoth => D::KeepBoth,
            Duplicate::Overwrite => D::Overwrite,
            Duplicate::Skip => D::Skip,
        }
    }
}

/// Parses `YYYY-MM-DD` (UTC) into seconds since the Unix epoch.
pub fn parse_date(value: &str) -> Result<u64, String> {
    let err = || format!("{value:?} is not a date: expected YYYY-MM-DD, e.g. 2024-01-31");
    let mut parts = value.split('-');
    let (y, m, d) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d), None) => (
            y.parse::<i64>().map_err(|_| err())?,
            m.parse::<i64>().map_err(|_| err())?,
            d.parse::<i64>().map_err(|_| err())?,
        ),
        _ => return Err(err()),
    };
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(err());
    }
    // Days from the civil date (proleptic Gregorian), after H. Hinnant's
    // well-known derivation.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days as u64 * 86_400)
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
/// A scoring function on the command line.
pub enum ScorerArg {
    /// tmkit's word-level score, explained.
    Tmkit,
    /// Token Levenshtein, as OmegaT computes it.
    Omegat,
    /// Character Levenshtein, as translate-toolkit computes it.
    Chars,
}

impl From<ScorerArg> for tmkit_engine::Scorer {
    fn from(s: ScorerArg) -> tmkit_engine::Scorer {
        use tmkit_engine::Scorer;
        match s {
            ScorerArg::Tmkit => Scorer::Tmkit,
            ScorerArg::Omegat => Scorer::Omegat,
            ScorerArg::Chars => Scorer::Chars,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_are_seconds_since_the_epoch() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2000-03-01"), Ok(951_868_800));
        assert_eq!(parse_date("2024-02-29"), Ok(1_709_164_800));
        assert!(parse_date("2024-13-01").is_err());
        assert!(parse_date("yesterday").is_err());
    }
}
