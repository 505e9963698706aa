use std::io;

/// The errors of tmkit-align.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A line of a links file (`gold.tsv`) could not be read.
    #[error("links line {line}: {message} (got {got:?}); expected `0,1<TAB>2`: comma-separated 0-based indexes, one side may be empty")]
    Links {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: &'static str,
        /// The offending line.
        got: String,
    },
    /// A line of a dictionary or saved lexicon could not be read.
    #[error("lexicon line {line}: {message} (got {got:?})")]
    Lexicon {
        /// 1-based line number.
        line: usize,
        /// What is wrong, and the expected shape.
        message: &'static str,
        /// The offending line.
        got: String,
    },
    /// An option given to a builder is out of range.
    #[error("invalid aligner option {name} = {value}: {expected}")]
    Option {
        /// The option.
        name: &'static str,
        /// The value given.
        value: String,
        /// The accepted range.
        expected: &'static str,
    },
    /// Reading or writing a lexicon failed.
    #[error("lexicon I/O: {0}")]
    Io(#[from] io::Error),
}

/// The result type of tmkit-align.
pub type Result<T> = std::result::Result<T, Error>;
