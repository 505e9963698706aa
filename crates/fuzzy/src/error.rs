//! The crate's error type.

/// What can go wrong in tmkit-fuzzy. Scoring and searching in memory never
/// fail; configuration can be invalid, and index segments read from files can
/// be unreadable or damaged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scorer name that is not `tmkit`, `omegat` or `chars`.
    #[error("unknown scorer {name:?}: expected one of tmkit, omegat, chars")]
    UnknownScorer {
        /// The name given.
        name: String,
    },
    /// A score threshold outside 1..=100.
    #[error(
        "index threshold {got} is out of range: expected 1..=100 (lower queries scan everything)"
    )]
    BadThreshold {
        /// The value given.
        got: u8,
    },
    /// An index segment that cannot be used: not a segment, written by another
    /// format version or on a machine of the other byte order, truncated, or
    /// damaged (a checksum or a table that contradicts itself).
    #[error("index segment {path}: {problem}; rebuild the index from the units")]
    Segment {
        /// The segment's file, or `(in memory)`.
        path: String,
        /// What is wrong, with the values found and expected.
        problem: String,
    },
    /// Segments built with different scorers searched or merged together.
    #[error("index segments built with different scorers used together: {expected} and {got}")]
    MixedScorers {
        /// The scorer of the first segment.
        expected: crate::Scorer,
        /// The scorer of a later one.
        got: crate::Scorer,
    },
    /// Reading or writing a segment file failed.
    #[error("{path}: cannot {op}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What was being done (`open`, `map`, `write`, `rename`).
        op: &'static str,
        /// The cause.
        source: std::io::Error,
    },
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
