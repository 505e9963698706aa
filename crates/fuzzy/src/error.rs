//! The crate's error type.

/// What can go wrong in tmkit-fuzzy. Scoring and searching never fail; only
/// configuration can be invalid.
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
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
