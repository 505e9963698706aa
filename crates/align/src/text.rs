//! Tokens as the aligner sees them: folded words, numbers and a few
//! punctuation marks that survive translation.
//!
//! A sentence is first read in the form that decides what the same sentence
//! is everywhere in tmkit ([`tmkit_core::normalize_text`]: NFC, one quote and
//! one apostrophe, white space collapsed), then folded further for evidence.

use tmkit_core::normalize_text;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// What a token is; the kinds weigh differently as evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// Letters (possibly with digits).
    Word,
    /// Digits only: strong evidence when both sides have it.
    Number,
    /// `? ! ; : ( ) [ ]` and quotes (all quote styles are one token).
    Punct,
}

/// One token: folded text and its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) text: String,
    pub(crate) kind: Kind,
    /// Whether the original began with an uppercase letter.
    pub(crate) capital: bool,
}

/// Lowercases and strips diacritics (`Élève` → `eleve`, `Œuvre` → `oeuvre`),
/// so that cognates and names compare across spelling conventions.
pub(crate) fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(word.len());
    for c in word.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The punctuation kept as evidence, on normalized text (where every double
/// quote style is already `"`).
fn punct(c: char) -> Option<&'static str> {
    Some(match c {
        '"' | '‹' | '›' => "\"",
        '?' => "?",
        '!' => "!",
        ';' => ";",
        ':' => ":",
        '(' | '[' => "(",
        ')' | ']' => ")",
        _ => return None,
    })
}

/// Splits `text`, once normalized, into tokens.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let text = normalize_text(text);
    let text = text.as_ref();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let flush = |out: &mut Vec<Token>, s: &str| {
        let kind = if s.chars().all(|c| c.is_ascii_digit()) {
            Kind::Number
        } else {
            Kind::Word
        };
        let capital = s.chars().next().is_some_and(char::is_uppercase);
        out.push(Token {
            text: fold(s),
            kind,
            capital,
        });
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() || is_combining_mark(c) {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            flush(&mut out, &text[s..i]);
        }
        if let Some(p) = punct(c) {
            out.push(Token {
                text: p.to_string(),
                kind: Kind::Punct,
                capital: false,
            });
        }
    }
    if let Some(s) = start {
        flush(&mut out, &text[s..]);
    }
    out
}

/// Words only, folded: the view the lexicon learns from and looks up.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    tokenize(text)
        .into_iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_and_ligatures() {
        assert_eq!(fold("Élève"), "eleve");
        assert_eq!(fold("Œuvre"), "oeuvre");
        assert_eq!(fold("Azerbaïdjan"), "azerbaidjan");
    }

    #[test]
    fn tokens_keep_numbers_and_quotes() {
        let toks = tokenize("« Le 27 septembre », dit-il ?");
        let texts: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            ["\"", "le", "27", "septembre", "\"", "dit", "il", "?"]
        );
        assert_eq!(toks[2].kind, Kind::Number);
        assert!(toks[1].capital);
        assert!(!toks[3].capital);
    }

    #[test]
    fn reads_sentences_through_the_one_normalization() {
        // Typographic and straight quotes, NFC and NFD: the same tokens.
        let a = tokenize("\u{201c}L\u{2019}e\u{301}te\u{301}\u{201d}\u{a0}!");
        let b = tokenize("\"L'été\" !");
        assert_eq!(a, b);
        assert_eq!(a[0].text, "\"");
        assert_eq!(a[2].text, "ete");
    }
}
