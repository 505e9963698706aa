//! Streaming TMX reader and writer (contract stub: to be replaced).
#![deny(missing_docs)]

use std::{io::Write, path::Path};

use tmkit_core::{Attr, Lang, Note, Prop, Tu};

pub use crate::error::{Error, Result};

mod error {
    /// Errors of the TMX reader and writer.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum Error {
        /// Reading or writing failed.
        #[error("{path}: {source}")]
        Io {
            /// The file.
            path: String,
            /// The cause.
            source: std::io::Error,
        },
        /// The input is not well-formed XML or not TMX.
        #[error("{path}:{line}:{column}: {message}")]
        Syntax {
            /// The file.
            path: String,
            /// 1-based line.
            line: u64,
            /// 1-based column (characters).
            column: u64,
            /// What was found, what was expected, and what to do.
            message: String,
        },
    }
    /// Result alias.
    pub type Result<T> = std::result::Result<T, Error>;
}

/// The `<header>` of a TMX file.
#[derive(Clone, Debug, Default)]
pub struct Header {
    /// The `version` attribute of `<tmx>`.
    pub version: Option<String>,
    /// The header `srclang`, normalized; `None` when missing or `*all*`.
    pub srclang: Option<Lang>,
    /// All header attributes, as written.
    pub attrs: Vec<Attr>,
    /// Header props.
    pub props: Vec<Prop>,
    /// Header notes.
    pub notes: Vec<Note>,
}

/// Reads translation units from a TMX document, one at a time.
pub struct TmxReader {}

impl TmxReader {
    /// Opens a TMX file (`.tmx`, `.tmx.gz`, `.zip`), detecting its encoding.
    pub fn from_path(_path: &Path) -> Result<TmxReader> {
        unimplemented!()
    }
    /// Reads a TMX document held in memory; `name` is used in messages.
    pub fn from_slice(_bytes: &[u8], _name: &str) -> Result<TmxReader> {
        unimplemented!()
    }
    /// The header (available once the reader is made).
    pub fn header(&self) -> &Header {
        unimplemented!()
    }
}

impl Iterator for TmxReader {
    type Item = Result<Tu>;
    fn next(&mut self) -> Option<Result<Tu>> {
        unimplemented!()
    }
}

/// Settings of a [`TmxWriter`].
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The header `srclang`.
    pub srclang: Lang,
    /// Keep inline markup (level 2) rather than plain text (level 1).
    pub markup: bool,
}

/// Writes TMX 1.4b documents.
pub struct TmxWriter<W: Write> {
    _w: W,
}

impl<W: Write> TmxWriter<W> {
    /// Starts a document (declaration, header) on `w`.
    pub fn new(_w: W, _opts: WriteOptions) -> Result<TmxWriter<W>> {
        unimplemented!()
    }
    /// Writes one unit.
    pub fn write_tu(&mut self, _tu: &Tu) -> Result<()> {
        unimplemented!()
    }
    /// Closes the document and returns the sink.
    pub fn finish(self) -> Result<W> {
        unimplemented!()
    }
}
