//! Fuzzy matching (contract stub: to be replaced).
#![deny(missing_docs)]

/// A candidate found by the index: the caller's key and its score.
#[derive(Clone, Debug)]
pub struct Hit {
    /// The key the caller gave with the text (the engine uses unit ids).
    pub key: u64,
    /// The score, 0..=100.
    pub score: u8,
    /// Why it scored what it did.
    pub explanation: Explanation,
}

/// The breakdown of a score.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Explanation {}

/// Which scoring function to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scorer {
    /// tmkit's own word-level score.
    #[default]
    Tmkit,
    /// OmegaT's token Levenshtein.
    Omegat,
    /// Character Levenshtein, as translate-toolkit computes it.
    Chars,
}

/// Scores `query` against `candidate`.
pub fn score(_scorer: Scorer, _query: &str, _candidate: &str) -> (u8, Explanation) {
    unimplemented!()
}

/// An index of source texts from which the top matches of a query are found.
#[derive(Clone, Debug, Default)]
pub struct Index {}

impl Index {
    /// An empty index.
    pub fn new(_scorer: Scorer) -> Index {
        Index {}
    }
    /// Adds a text under `key`.
    pub fn add(&mut self, _key: u64, _text: &str) {
        unimplemented!()
    }
    /// The best `top` hits scoring at least `min`, best first.
    pub fn search(&self, _query: &str, _top: usize, _min: u8) -> Vec<Hit> {
        unimplemented!()
    }
}
