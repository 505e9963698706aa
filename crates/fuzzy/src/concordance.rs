//! Concordance: word or phrase search with highlighting.

use std::ops::Range;

use serde::Serialize;

use crate::token::{tokenize, Token, TokenKind};

/// A concordance query: the words to look for, matched case-insensitively
/// after normalization.
///
/// ```
/// use tmkit_fuzzy::Concordance;
///
/// let c = Concordance::new("mise à jour");
/// let hit = c.find("Une Mise à  jour est disponible").unwrap();
/// assert!(hit.phrase);
/// assert_eq!(tmkit_fuzzy::highlight("Une Mise à  jour est disponible", &hit.spans, "[", "]"),
///            "Une [Mise à  jour] est disponible");
/// ```
#[derive(Clone, Debug)]
pub struct Concordance {
    words: Vec<String>,
}

/// Where a concordance query occurs in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConcordanceHit {
    /// Ranking, 1..=100: a whole-phrase occurrence ranks above scattered
    /// words, and a text mostly made of the query above a long one.
    pub score: u8,
    /// Whether the words occur together, in order.
    pub phrase: bool,
    /// Byte ranges of the occurrences in the original text, ascending.
    pub spans: Vec<Range<usize>>,
}

fn is_word(t: &Token) -> bool {
    matches!(
        t.kind,
        TokenKind::Word | TokenKind::Number | TokenKind::Placeholder
    )
}

impl Concordance {
    /// A query for `text`'s words (punctuation in it is ignored).
    pub fn new(text: &str) -> Concordance {
        let words = tokenize(text)
            .iter()
            .filter(|t| is_word(t))
            .map(|t| t.text.to_lowercase())
            .collect();
        Concordance { words }
    }

    /// Whether the query has no word, in which case nothing matches.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Where the query occurs in `text`: as a phrase if it can, else every
    /// occurrence of each query word; `None` unless every word occurs.
    pub fn find(&self, text: &str) -> Option<ConcordanceHit> {
        if self.words.is_empty() {
            return None;
        }
        let tokens: Vec<Token> = tokenize(text).into_iter().filter(is_word).collect();
        let lower: Vec<String> = tokens.iter().map(|t| t.text.to_lowercase()).collect();
        let k = self.words.len();
        let mut spans = Vec::new();
        if lower.len() >= k {
            for i in 0..=lower.len() - k {
                if lower[i..i + k] == self.words[..] {
                    spans.push(tokens[i].range.start..tokens[i + k - 1].range.end);
                }
            }
        }
        let phrase = !spans.is_empty();
        if !phrase {
            for w in &self.words {
                let before = spans.len();
                for (t, l) in tokens.iter().zip(&lower) {
                    if l == w {
                        spans.push(t.range.clone());
                    }
                }
                if spans.len() == before {
                    return None;
                }
            }
            spans.sort_by_key(|r| r.start);
            spans.dedup();
        }
        let density = 50 * k.min(lower.len()) / lower.len().max(1);
        let score = u8::try_from(density + if phrase { 50 } else { 0 })
            .unwrap_or(100)
            .max(1);
        Some(ConcordanceHit {
            score,
            phrase,
            spans,
        })
    }
}

/// `text` with each span wrapped in `open` and `close`; spans that overlap
/// an earlier one or fall outside the text are skipped.
pub fn highlight(text: &str, spans: &[Range<usize>], open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len() + spans.len() * (open.len() + close.len()));
    let mut at = 0;
    for r in spans {
        if r.start < at || r.end > text.len() || r.start > r.end {
            continue;
        }
        let (Some(before), Some(inside)) = (text.get(at..r.start), text.get(r.clone())) else {
            continue;
        };
        out.push_str(before);
        out.push_str(open);
        out.push_str(inside);
        out.push_str(close);
        at = r.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_ranks_above_words() {
        let c = Concordance::new("chat noir");
        let a = c.find("Le chat noir dort").unwrap();
        let b = c.find("Le noir du chat").unwrap();
        assert!(a.phrase && !b.phrase);
        assert!(a.score > b.score);
        assert_eq!(b.spans.len(), 2);
        assert!(c.find("Le chien noir").is_none());
        assert!(Concordance::new("...").find("...").is_none());
    }
}
