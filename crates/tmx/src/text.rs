//! Text as written in a document, made into the text of a unit: references
//! expanded, line ends normalized, characters XML 1.0 forbids refused. Text
//! content and attribute values both go through [`expand`], so that a
//! problem costs the unit the same way wherever it is, and says where it is.

use std::borrow::Cow;

use tmkit_core::{forbidden_char, is_xml_char};

/// A problem in written text: the byte offset in the text where it starts,
/// and what it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Bad {
    pub at: usize,
    pub message: String,
}

/// The advice that goes with every reference tmkit does not expand.
const REFERENCES: &str = "tmkit expands only the five XML entities \
     (&lt; &gt; &amp; &quot; &apos;) and character references such as &#160;";

/// A character XML 1.0 cannot hold, found as written.
pub(crate) fn forbidden_message(c: char) -> String {
    format!(
        "the text holds U+{:04X}, a character XML 1.0 does not allow (a control character \
         or a non-character); remove it from the file",
        c as u32
    )
}

/// Expands the references of `raw` and, when `newlines`, turns `\r\n` and
/// a lone `\r` into `\n` (as XML does for text; a `&#xD;` reference stays a
/// carriage return). Borrowed when there is nothing to change, which is most
/// text. Characters XML 1.0 forbids are refused, as written (unless `check`
/// is false: the caller knows there are none) and as references.
pub(crate) fn expand(raw: &str, newlines: bool, check: bool) -> Result<Cow<'_, str>, Bad> {
    if let Some((at, c)) = check.then(|| forbidden_char(raw)).flatten() {
        return Err(Bad {
            at,
            message: forbidden_message(c),
        });
    }
    let bytes = raw.as_bytes();
    let special = |from: usize| {
        if newlines {
            memchr::memchr2(b'&', b'\r', &bytes[from..]).map(|p| p + from)
        } else {
            memchr::memchr(b'&', &bytes[from..]).map(|p| p + from)
        }
    };
    let Some(first) = special(0) else {
        return Ok(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut at = first;
    while at < bytes.len() {
        if bytes[at] == b'\r' {
            out.push('\n');
            at += if bytes.get(at + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
        } else {
            let Some(len) = memchr::memchr(b';', &bytes[at..]) else {
                return Err(Bad {
                    at,
                    message: "`&` starts no reference (no `;` follows): write a literal & as &amp;"
                        .into(),
                });
            };
            let name = &raw[at + 1..at + len];
            out.push(reference(name).map_err(|message| Bad { at, message })?);
            at += len + 1;
        }
        let next = special(at).unwrap_or(bytes.len());
        out.push_str(&raw[at..next]);
        at = next;
    }
    Ok(Cow::Owned(out))
}

/// The character `&name;` stands for.
fn reference(name: &str) -> Result<char, String> {
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let Some(number) = name.strip_prefix('#') else {
                return Err(format!("unknown entity &{name};: {REFERENCES}"));
            };
            let (digits, radix) = match number.strip_prefix('x') {
                Some(hex) => (hex, 16),
                None => (number, 10),
            };
            let code = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(digits, radix).ok())
                .flatten()
                .ok_or_else(|| format!("&{name}; is not a character reference: {REFERENCES}"))?;
            let c = char::from_u32(code).ok_or_else(|| {
                format!(
                    "&{name}; is not a Unicode character (a lone surrogate, or beyond \
                     U+10FFFF); remove it from the file"
                )
            })?;
            if !is_xml_char(c) {
                return Err(format!(
                    "&{name}; stands for U+{code:04X}, a character XML 1.0 does not allow \
                     (a control character or a non-character); remove it from the file"
                ));
            }
            c
        }
    };
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(raw: &str) -> (usize, String) {
        let b = expand(raw, true, true).unwrap_err();
        (b.at, b.message)
    }

    #[test]
    fn references_and_line_ends() {
        assert!(matches!(
            expand("plain", true, true),
            Ok(Cow::Borrowed("plain"))
        ));
        assert_eq!(
            expand(
                "a&lt;b&gt;&amp;&quot;&apos;&#233;&#xE9;&#x1F600;",
                true,
                true
            )
            .unwrap(),
            "a<b>&\"'éé😀"
        );
        assert_eq!(expand("a\r\nb\rc&#xD;d", true, true).unwrap(), "a\nb\nc\rd");
        assert_eq!(expand("a\r\nb", false, true).unwrap(), "a\r\nb");
    }

    #[test]
    fn problems_point_at_their_byte() {
        assert_eq!(bad("ab &nbsp; c").0, 3);
        assert!(bad("ab &nbsp; c").1.contains("&nbsp;"));
        assert_eq!(bad("é&#0;").0, 2);
        assert!(bad("x&#7;").1.contains("U+0007"));
        assert!(bad("x&#xD800;").1.contains("surrogate"));
        assert!(bad("x&#xFFFE;").1.contains("U+FFFE"));
        assert!(bad("&#x;").1.contains("not a character reference"));
        assert!(bad("&#-1;").1.contains("not a character reference"));
        assert!(bad("&#99999999999;")
            .1
            .contains("not a character reference"));
        assert_eq!(bad("a & b"), (2, bad("a & b").1));
        assert_eq!(bad("ab\u{2}"), (2, forbidden_message('\u{2}')));
        assert_eq!(bad("a\u{ffff}").0, 1);
    }
}
