//! Normalization and tokenization: the view of a text that every scorer uses.

use std::ops::Range;

use serde::Serialize;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A run of letters (and digits, when it starts with or holds a letter).
    Word,
    /// Digits, with `.` or `,` between digits (`3`, `0,05`, `1.000`).
    Number,
    /// One punctuation or symbol character.
    Punct,
    /// A printf or brace placeholder (`%s`, `%1$d`, `%(name)s`, `{name}`) or
    /// a character entity (`&amp;`).
    Placeholder,
    /// Inline markup (`<b>`, `</b>`, `<x id="1"/>`).
    Tag,
}

/// One token of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its normalized form: NFC, typographic quotes unified, accelerator
    /// marker removed. Case is kept.
    pub text: String,
    /// Where it is in the original text, in bytes.
    pub range: Range<usize>,
    /// Whether whitespace separates it from the token before.
    pub space_before: bool,
    /// The normalized form with its accelerator marker, when it had one:
    /// the marker is left out of matching but kept in the normalized text,
    /// so that `&Fichier` / `Fichier` scores 99, not 100.
    pub marked: Option<String>,
    /// Whether the word carried a menu accelerator marker (`&Fichier`,
    /// `_Quitter`), removed from `text`.
    pub accelerator: bool,
}

/// Maps the typographic variants that translators do not want to see as
/// differences onto one form; whitespace is handled by the tokenizer.
fn unify(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '`'
        | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        _ => c,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Splits `text` into tokens. Whitespace separates tokens and is otherwise
/// dropped (all Unicode white space, no-break spaces included), so runs and
/// outer whitespace do not matter.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().map(|(i, c)| (i, unify(c))).collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let ch = |i: usize| chars.get(i).map(|&(_, c)| c);
    let mut out = Vec::new();
    let mut space = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        let start = i;
        let mut kind = TokenKind::Punct;
        let mut accel = false;
        let mut skip: Vec<usize> = Vec::new();
        if c == '<' {
            if let Some(n) = tag_len(&chars[i..]) {
                kind = TokenKind::Tag;
                i += n;
            }
        } else if c == '%' {
            if let Some(n) = printf_len(&chars[i..]) {
                kind = TokenKind::Placeholder;
                i += n;
            }
        } else if c == '{' {
            if let Some(n) = brace_len(&chars[i..]) {
                kind = TokenKind::Placeholder;
                i += n;
            }
        } else if c == '&' {
            if let Some(n) = entity_len(&chars[i..]) {
                kind = TokenKind::Placeholder;
                i += n;
            }
        }
        if i == start {
            let prev = if start > 0 { ch(start - 1) } else { None };
            let next = ch(i + 1);
            let accel_start = (c == '&' || c == '_')
                && next.is_some_and(char::is_alphabetic)
                && !prev.is_some_and(is_word_char);
            if accel_start || is_word_char(c) {
                if accel_start {
                    accel = true;
                    skip.push(i);
                    i += 1;
                }
                let mut all_digits = true;
                while let Some(c) = ch(i) {
                    if is_word_char(c) {
                        all_digits &= c.is_ascii_digit() || c.is_numeric() && !c.is_alphabetic();
                        i += 1;
                    } else if (c == '.' || c == ',')
                        && all_digits
                        && i > start
                        && ch(i + 1).is_some_and(|d| d.is_ascii_digit())
                    {
                        i += 1;
                    } else if c == '\'' && ch(i + 1).is_some_and(char::is_alphabetic) && !all_digits
                    {
                        // Elided articles split after the apostrophe: `l'` + `ajustement`.
                        i += 1;
                        break;
                    } else if c == '&'
                        && ch(i + 1).is_some_and(char::is_alphabetic)
                        && !(ch(i - 1).is_some_and(char::is_uppercase)
                            && ch(i + 1).is_some_and(char::is_uppercase))
                    {
                        // `Fi&chier`: an accelerator inside a word; `R&D` is not one.
                        accel = true;
                        skip.push(i);
                        i += 1;
                    } else {
                        break;
                    }
                }
                kind = if all_digits && !accel {
                    TokenKind::Number
                } else {
                    TokenKind::Word
                };
            } else {
                i += 1;
            }
        }
        let raw: String = (start..i)
            .filter(|j| !skip.contains(j))
            .map(|j| chars[j].1)
            .collect();
        let nfc = |s: String| if s.is_ascii() { s } else { s.nfc().collect() };
        let text = nfc(raw);
        let marked = accel.then(|| nfc((start..i).map(|j| chars[j].1).collect()));
        out.push(Token {
            kind,
            text,
            range: chars[start].0..end_of(i),
            space_before: space && !out.is_empty(),
            accelerator: accel,
            marked,
        });
        space = false;
    }
    out
}

/// `<b>`, `</b>`, `<x id="1"/>`, `<!-- … -->`: a `<` followed by a letter,
/// `/`, `!` or `?`, up to the next `>` with no `<` in between.
fn tag_len(s: &[(usize, char)]) -> Option<usize> {
    let second = s.get(1)?.1;
    if !(second.is_ascii_alphabetic() || matches!(second, '/' | '!' | '?')) {
        return None;
    }
    for (n, &(_, c)) in s.iter().enumerate().skip(2) {
        match c {
            '>' => return Some(n + 1),
            '<' | '\n' => return None,
            _ => {}
        }
    }
    None
}

/// printf conversions: `%s`, `%1$d`, `%-5.2f`, `%lld`, `%(name)s`, `%@`.
/// A space is not accepted as a flag, so that French `5 % de` stays text.
fn printf_len(s: &[(usize, char)]) -> Option<usize> {
    let c = |i: usize| s.get(i).map(|&(_, c)| c);
    let mut i = 1;
    if c(i) == Some('(') {
        i += 1;
        while c(i).is_some_and(|x| x.is_ascii_alphanumeric() || x == '_') {
            i += 1;
        }
        if c(i) != Some(')') || i == 2 {
            return None;
        }
        i += 1;
    } else {
        let save = i;
        while c(i).is_some_and(|x| x.is_ascii_digit()) {
            i += 1;
        }
        if c(i) == Some('$') && i > save {
            i += 1;
        } else {
            i = save;
        }
    }
    while c(i).is_some_and(|x| matches!(x, '-' | '+' | '0' | '#')) {
        i += 1;
    }
    while c(i).is_some_and(|x| x.is_ascii_digit()) {
        i += 1;
    }
    if c(i) == Some('.') {
        i += 1;
        while c(i).is_some_and(|x| x.is_ascii_digit()) {
            i += 1;
        }
    }
    for len in ["hh", "ll", "h", "l", "L", "q", "j", "z", "t"] {
        let n = len.len();
        if (0..n).all(|k| c(i + k) == len.chars().nth(k)) {
            i += n;
            break;
        }
    }
    let conv = c(i)?;
    if "diouxXeEfFgGaAcspnr@".contains(conv) {
        // `%d` followed by a letter (`%days`) is still taken as a placeholder,
        // as gettext does.
        Some(i + 1)
    } else {
        None
    }
}

/// `{0}`, `{name}`, `{count:d}`, `{}`.
fn brace_len(s: &[(usize, char)]) -> Option<usize> {
    for (n, &(_, c)) in s.iter().enumerate().skip(1).take(41) {
        if c == '}' {
            return Some(n + 1);
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | ',' | '#' | '!')) {
            return None;
        }
    }
    None
}

/// `&amp;`, `&#233;`: kept as one token so that the `&` is not read as an
/// accelerator.
fn entity_len(s: &[(usize, char)]) -> Option<usize> {
    for (n, &(_, c)) in s.iter().enumerate().skip(1).take(10) {
        if c == ';' {
            return (n > 1).then_some(n + 1);
        }
        if !(c.is_ascii_alphanumeric() || (n == 1 && c == '#')) {
            return None;
        }
    }
    None
}

/// The normalized text of `tokens`: their forms joined by single spaces where
/// the original had whitespace.
pub(crate) fn join(tokens: &[Token]) -> String {
    let mut s = String::new();
    for t in tokens {
        if t.space_before {
            s.push(' ');
        }
        s.push_str(t.marked.as_deref().unwrap_or(&t.text));
    }
    s
}

/// The normalized form of `text`: NFC, typographic quotes and apostrophes
/// unified, no-break and other spaces turned into plain spaces, runs of
/// whitespace collapsed, outer whitespace trimmed.
///
/// Two texts with the same normalized form score 100.
pub fn normalize(text: &str) -> String {
    join(&tokenize(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(TokenKind, String)> {
        tokenize(s).into_iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn words_numbers_punct() {
        use TokenKind::*;
        assert_eq!(
            kinds("Il y a 3,5 km."),
            vec![
                (Word, "Il".into()),
                (Word, "y".into()),
                (Word, "a".into()),
                (Number, "3,5".into()),
                (Word, "km".into()),
                (Punct, ".".into())
            ]
        );
    }

    #[test]
    fn placeholders_and_tags() {
        let k = kinds("Open %1$s in {app} <b>now</b> 5 % de &amp;");
        let ph: Vec<_> = k.iter().filter(|t| t.0 == TokenKind::Placeholder).collect();
        assert_eq!(ph.len(), 3, "{k:?}");
        let tags = k.iter().filter(|t| t.0 == TokenKind::Tag).count();
        assert_eq!(tags, 2);
        assert!(k.contains(&(TokenKind::Punct, "%".into())));
    }

    #[test]
    fn accelerators_are_removed() {
        let t = tokenize("&Fichier _Quitter Fi&chier R&D");
        assert_eq!(t[0].text, "Fichier");
        assert!(t[0].accelerator);
        assert_eq!(t[1].text, "Quitter");
        assert_eq!(t[2].text, "Fichier");
        assert!(t[2].accelerator);
        assert_eq!(t[3].text, "R");
        assert!(!t[3].accelerator);
    }

    #[test]
    fn normalization() {
        assert_eq!(
            normalize("  l\u{2019}arbre\u{a0}\u{a0} « x »  "),
            "l'arbre \" x \""
        );
        assert_eq!(normalize("e\u{301}te\u{301}"), "\u{e9}t\u{e9}");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn elision_splits() {
        assert_eq!(
            kinds("l'ajustement")
                .into_iter()
                .map(|t| t.1)
                .collect::<Vec<_>>(),
            vec!["l'", "ajustement"]
        );
    }
}
