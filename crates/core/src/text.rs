//! What counts as the same sentence.
//!
//! Two texts are the same sentence when their [`normalize_text`] forms are
//! equal. The store merges or skips duplicates by this rule, lookup gives
//! 100 by it and by nothing else, and the aligner reads sentences through it:
//! one decision, made here (`docs/MATCHING.md` §1, `docs/STORE.md`).

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// The character that stands for `c` when texts are compared: typographic
/// apostrophes, primes and accents used as apostrophes become `'`, double
/// quotes of every style (guillemets included) become `"`; anything else is
/// itself.
///
/// ```
/// use tmkit_core::unify_char;
/// assert_eq!(unify_char('’'), '\'');
/// assert_eq!(unify_char('«'), '"');
/// assert_eq!(unify_char('é'), 'é');
/// ```
pub fn unify_char(c: char) -> char {
    match c {
        // U+1FFD and U+1FEF are canonically equivalent to U+00B4 and `,
        // so that a text and its NFC form read the same.
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '`'
        | '\u{00B4}' | '\u{1FFD}' | '\u{1FEF}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        _ => c,
    }
}

/// Whether [`unify_char`] changes `c`.
fn unified(c: char) -> bool {
    unify_char(c) != c
}

/// The form of `text` that decides whether two texts are the same sentence:
/// Unicode NFC (`e` + U+0301 is `é`), typographic quotes and apostrophes
/// unified ([`unify_char`]), every run of Unicode white space (no-break
/// spaces, tabs, newlines included) turned into one plain space, outer white
/// space removed. Case, punctuation, markup and accelerators are kept: they
/// make a different sentence.
///
/// Borrows `text` when it is already in that form, which most stored texts
/// are.
///
/// ```
/// use tmkit_core::normalize_text;
/// let forms = ["L'été", "L’été", "L'e\u{301}te\u{301}", " L’été\u{a0}"];
/// for f in forms {
///     assert_eq!(normalize_text(f), "L'été");
/// }
/// assert_ne!(normalize_text("l'été"), "L'été");
/// ```
pub fn normalize_text(text: &str) -> Cow<'_, str> {
    if is_normal(text) {
        return Cow::Borrowed(text);
    }
    let nfc: Cow<'_, str> = if is_nfc(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    };
    let mut out = String::with_capacity(nfc.len());
    let mut space = false;
    for c in nfc.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        // Unifying keeps NFC: none of these characters composes with a mark.
        out.push(unify_char(c));
    }
    Cow::Owned(out)
}

fn is_nfc(text: &str) -> bool {
    text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes
}

/// Whether `text` is its own normalized form: no outer white space, no
/// white space but single plain spaces, nothing to unify, NFC.
fn is_normal(text: &str) -> bool {
    let mut prev_space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if c != ' ' || prev_space {
                return false;
            }
            prev_space = true;
        } else {
            if unified(c) {
                return false;
            }
            prev_space = false;
        }
    }
    (!prev_space || text.is_empty()) && is_nfc(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_four_forms_of_ete_are_one_sentence() {
        let forms = [
            "L'été",
            "L’été",
            "L'e\u{301}te\u{301}",
            "L’e\u{301}te\u{301}",
        ];
        for f in forms {
            assert_eq!(normalize_text(f), "L'été", "{f:?}");
        }
    }

    #[test]
    fn spaces_quotes_and_borrowing() {
        assert_eq!(
            normalize_text("  l\u{2019}arbre\u{a0}\u{a0} « x »\t\n"),
            "l'arbre \" x \""
        );
        assert_eq!(normalize_text(""), "");
        assert_eq!(normalize_text(" \t "), "");
        assert!(matches!(normalize_text("Le chat dort."), Cow::Borrowed(_)));
        assert!(matches!(normalize_text("Élève"), Cow::Borrowed(_)));
        assert!(matches!(normalize_text("a  b"), Cow::Owned(_)));
        // Greek oxia is canonically U+00B4, which is an apostrophe here.
        assert_eq!(normalize_text("l\u{1FFD}a"), "l'a");
        // Case and punctuation make another sentence.
        assert_ne!(normalize_text("Le chat."), normalize_text("le chat."));
        assert_ne!(normalize_text("Le chat."), normalize_text("Le chat !"));
    }

    proptest! {
        #[test]
        fn normal_form_is_a_fixed_point_and_ignores_canonical_forms(
            s in "[ a\u{a0}\t\u{2019}'`\u{301}\u{308}e\u{e9}\u{1FFD}\u{2000}<>\u{338}\u{ac00}\u{11a8}\u{304b}\u{3099}]{0,12}"
        ) {
            let n = normalize_text(&s).into_owned();
            prop_assert_eq!(normalize_text(&n).into_owned(), n.clone());
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(normalize_text(&nfd).into_owned(), n.clone());
            let nfc: String = s.nfc().collect();
            prop_assert_eq!(normalize_text(&nfc).into_owned(), n.clone());
        }
    }
}
