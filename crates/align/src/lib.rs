//! Bilingual sentence alignment (contract stub: to be replaced).
#![deny(missing_docs)]

/// One sentence given to the aligner.
#[derive(Clone, Copy, Debug)]
pub struct Sent<'a> {
    /// Its text.
    pub text: &'a str,
    /// The paragraph it belongs to (0-based); all 0 when unknown.
    pub paragraph: usize,
}

/// One link of an alignment: source and target sentence indexes (either side
/// may be empty), and a confidence in 0..=1.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Source sentence indexes, ascending.
    pub src: Vec<usize>,
    /// Target sentence indexes, ascending.
    pub tgt: Vec<usize>,
    /// How sure the aligner is, 0..=1.
    pub confidence: f64,
}

/// A bilingual word lexicon (translation probabilities).
#[derive(Clone, Debug, Default)]
pub struct Lexicon {}

/// A configured aligner.
#[derive(Clone, Debug, Default)]
pub struct Aligner {}

impl Aligner {
    /// An aligner with default settings and no lexicon.
    pub fn new() -> Aligner {
        Aligner {}
    }
    /// Uses `lexicon` as lexical evidence.
    pub fn with_lexicon(self, _lexicon: Lexicon) -> Aligner {
        self
    }
    /// Aligns `src` with `tgt`: every sentence appears in exactly one link, in order.
    pub fn align(&self, _src: &[Sent<'_>], _tgt: &[Sent<'_>]) -> Vec<Link> {
        unimplemented!()
    }
}
