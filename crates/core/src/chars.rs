//! The characters a unit's text may hold.
//!
//! TMX is XML 1.0, which has no way to write most C0 control characters
//! (`U+0000`–`U+001F` but tab, line feed and carriage return) nor `U+FFFE`
//! and `U+FFFF`, not even as character references. A unit holding one could
//! be stored but never exported as TMX, so every import applies one rule:
//! such a unit is skipped and reported with the position of the character.

/// The first character of `text` that XML 1.0 cannot represent, with its byte
/// offset, or `None` when every character can be written as TMX.
///
/// ```
/// assert_eq!(tmkit_core::forbidden_char("a\tb\nc"), None);
/// assert_eq!(tmkit_core::forbidden_char("ab\u{2}c"), Some((2, '\u{2}')));
/// ```
pub fn forbidden_char(text: &str) -> Option<(usize, char)> {
    // Every such character is a byte below 0x20 or starts with 0xEF (U+FFFE
    // and U+FFFF are EF BF BE/BF): a pass over the bytes that the compiler
    // vectorizes rules out nearly all text before characters are decoded.
    // The TMX reader checks every text and value with this.
    let suspect = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) | (b == 0xEF);
    if !text
        .as_bytes()
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |seen, &b| seen | suspect(b)))
    {
        return None;
    }
    text.char_indices().find(|&(_, c)| !is_xml_char(c))
}

/// Whether XML 1.0 can represent `c` (its `Char` production; a Rust `char`
/// is never a surrogate).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_non_characters_are_forbidden() {
        for c in [
            '\0', '\u{1}', '\u{7}', '\u{b}', '\u{c}', '\u{1f}', '\u{fffe}', '\u{ffff}',
        ] {
            assert!(!is_xml_char(c), "{c:?}");
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            'é',
            '\u{85}',
            '\u{fffd}',
            '\u{10000}',
            '🎉',
        ] {
            assert!(is_xml_char(c), "{c:?}");
        }
        assert_eq!(forbidden_char("Debian\u{2}x"), Some((6, '\u{2}')));
    }
}
