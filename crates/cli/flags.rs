//! Flag groups shared by several subcommands.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tmkit_core::Lang;

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

/// Messages on stderr.
#[derive(Debug, Args, Clone, Default)]
pub struct MessageArgs {
    /// Print no warnings (errors are still printed).
    #[arg(long)]
    pub no_messages: bool,
}
