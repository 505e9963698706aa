//! The one error type of the crate.

use std::fmt;

/// A rule of an SRX file left out: it does not compile, or matching it gave
/// up on a text (too much backtracking).
///
/// Rules are named `LANGUAGERULE#N` (1-based position inside its
/// `<languagerule>`), followed by the comment that precedes the rule in the
/// file, if any, so a person can find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleWarning {
    /// `French#12 (URLs without "www.")`.
    pub rule: String,
    /// 1-based line of the `<rule>` element in the SRX file.
    pub line: usize,
    /// `beforebreak` or `afterbreak`.
    pub part: &'static str,
    /// The Java regular expression as written in the file.
    pub pattern: String,
    /// Why it was left out, and what to do.
    pub message: String,
    /// For a rule that gave up while segmenting: the 1-based line and
    /// column (in characters) of the text where it did; it was left out
    /// from there to the end of that text. `None` for a rule that does not
    /// compile.
    pub text_position: Option<(usize, usize)>,
}

impl fmt::Display for RuleWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text_position {
            None => write!(
                f,
                "line {}: rule {} skipped: <{}> {:?} does not compile: {}",
                self.line, self.rule, self.part, self.pattern, self.message
            ),
            Some((line, column)) => write!(
                f,
                "line {}: rule {} skipped from {line}:{column} of the text on: <{}> {:?}: {}",
                self.line, self.rule, self.part, self.pattern, self.message
            ),
        }
    }
}

/// Errors of the segmenter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SRX document is not well-formed XML.
    #[error("SRX {line}:{column}: not well-formed XML: {message}")]
    Xml {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What the XML parser reported.
        message: String,
    },
    /// The SRX document is XML but not usable SRX 2.0.
    #[error("SRX {line}:{column}: {message}")]
    Srx {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong and what to do about it.
        message: String,
    },
    /// No `<languagemap>` of the SRX document matches the language.
    #[error(
        "no <languagemap> of the SRX file matches language {lang:?} \
         (patterns tried: {patterns}); add a languagemap such as <languagemap languagepattern=\".*\" .../>"
    )]
    NoRules {
        /// The language that was asked for.
        lang: String,
        /// The `languagepattern`s of the file, comma-separated.
        patterns: String,
    },
    /// Some rules do not compile and the builder was asked to be strict.
    #[error("{} SRX rule(s) do not compile; first: {}", .0.len(), .0.first().map(|w| w.to_string()).unwrap_or_default())]
    Rules(Vec<RuleWarning>),
    /// A builder was given an incomplete configuration.
    #[error("segmenter configuration: {0}")]
    Config(String),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let text = "ab\nçé<x";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        let lt = text.find('<').unwrap();
        assert_eq!(line_col(text, lt), (2, 3));
        assert_eq!(line_col(text, 999), (2, 5));
    }
}
