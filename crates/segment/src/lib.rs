//! Sentence segmentation (contract stub: to be replaced by the real engine).
#![deny(missing_docs)]

pub use crate::error::{Error, Result};
use tmkit_core::{Lang, Span};

mod error {
    /// Errors of the segmenter.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum Error {
        /// The SRX file is not usable.
        #[error("{0}")]
        Srx(String),
    }
    /// Result alias.
    pub type Result<T> = std::result::Result<T, Error>;
}

/// A sentence found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    /// Byte span of the sentence in the input, outer whitespace excluded.
    pub span: Span,
    /// 0-based index of the paragraph (blank-line separated) it belongs to.
    pub paragraph: usize,
}

/// A compiled set of segmentation rules for one language.
#[derive(Clone, Debug)]
pub struct Segmenter {}

impl Segmenter {
    /// The built-in rules for `lang` (French and English; a generic set otherwise).
    pub fn builtin(_lang: &Lang) -> Segmenter {
        unimplemented!()
    }
    /// Rules from an SRX 2.0 document, for `lang`.
    pub fn from_srx(_xml: &str, _lang: &Lang) -> Result<Segmenter> {
        unimplemented!()
    }
    /// Splits `text` into sentences.
    pub fn segment(&self, _text: &str) -> Vec<Sentence> {
        unimplemented!()
    }
}
