use std::path::PathBuf;

/// Errors of tmkit's pipelines.
///
/// Each variant keeps the path it concerns, so that the message alone tells a
/// person which file to look at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: cannot {op}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done, e.g. `read`, `create the directory`.
        op: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// A line of a TSV or text input is not what was expected.
    #[error("{}:{line}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What was wrong, and what to do.
        message: String,
    },
    /// A usage problem: a missing language, an unknown format.
    #[error("{0}")]
    Usage(String),
    /// The TMX reader or writer failed.
    #[error(transparent)]
    Tmx(#[from] tmkit_tmx::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] tmkit_store::Error),
    /// The segmenter could not be built.
    #[error(transparent)]
    Segment(#[from] tmkit_segment::Error),
    /// A segment of the match index could not be read or written.
    #[error(transparent)]
    Fuzzy(#[from] tmkit_fuzzy::Error),
    /// The match index on disk cannot be used as it is. It is derived from
    /// the store: opening the store for writing, or `tmkit upgrade`,
    /// rebuilds it.
    #[error("{}: damaged match index ({problem}); `tmkit upgrade --db STORE` rebuilds it", path.display())]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

impl Error {
    /// The error of doing `op` (`read`, `write`…) on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, op: &'static str, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            op,
            source,
        }
    }
}

/// A result whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
