use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A language tag, normalized so that the spellings seen in real TMX files
/// compare equal.
///
/// [`Lang::parse`] lower-cases the language subtag, upper-cases a region,
/// title-cases a script, turns `_` into `-`, maps ISO 639-2 three-letter codes
/// to their two-letter form where one exists (`eng-GB` → `en-GB`) and language
/// names to their code (`French` → `fr`). Subtags it does not recognize are
/// kept, lower-cased (`DA-01` → `da-01`), so nothing is lost.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Lang(CompactString);

/// Why a string is not a language tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LangError {
    /// The value that was given.
    pub value: String,
}

impl fmt::Display for LangError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a language tag (expected a code such as fr, fr-FR, en-US or a name such as French)",
            self.value
        )
    }
}

impl std::error::Error for LangError {}

impl Lang {
    /// Parses and normalizes a language tag or language name.
    ///
    /// Fails on an empty value, on `*all*`, and on anything whose first
    /// subtag is not made of ASCII letters.
    pub fn parse(value: &str) -> Result<Lang, LangError> {
        let err = || LangError {
            value: value.to_string(),
        };
        let trimmed = value.trim();
        if let Some(code) = name_to_code(trimmed) {
            return Ok(Lang(CompactString::const_new(code)));
        }
        let mut out = CompactString::with_capacity(trimmed.len());
        for (i, part) in trimmed.split(['-', '_']).enumerate() {
            if part.is_empty() || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(err());
            }
            if i == 0 {
                if !part.chars().all(|c| c.is_ascii_alphabetic()) || part.len() > 8 {
                    return Err(err());
                }
                let lower = part.to_ascii_lowercase();
                match iso639_2_to_1(&lower) {
                    Some(two) => out.push_str(two),
                    None => out.push_str(&lower),
                }
                continue;
            }
            out.push('-');
            let alpha = part.chars().all(|c| c.is_ascii_alphabetic());
            let digits = part.chars().all(|c| c.is_ascii_digit());
            if (part.len() == 2 && alpha) || (part.len() == 3 && digits) {
                out.push_str(&part.to_ascii_uppercase());
            } else if part.len() == 4 && alpha {
                let mut chars = part.chars();
                let first = chars.next().unwrap_or('x');
                out.push(first.to_ascii_uppercase());
                out.push_str(&chars.as_str().to_ascii_lowercase());
            } else {
                out.push_str(&part.to_ascii_lowercase());
            }
        }
        Ok(Lang(out))
    }

    /// The normalized tag, e.g. `fr-FR`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language subtag alone, e.g. `fr` for `fr-FR`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// Whether `self` and `other` name the same language, one possibly more
    /// precisely than the other: `fr` matches `fr-FR` and `fr-CA` (both ways),
    /// `fr-FR` matches `fr-FR` but not `fr-CA`.
    pub fn matches(&self, other: &Lang) -> bool {
        let (a, b) = (self.as_str(), other.as_str());
        a == b || is_subtag_prefix(a, b) || is_subtag_prefix(b, a)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Lang {
    type Err = LangError;
    fn from_str(s: &str) -> Result<Lang, LangError> {
        Lang::parse(s)
    }
}

fn is_subtag_prefix(short: &str, long: &str) -> bool {
    long.len() > short.len() && long.starts_with(short) && long.as_bytes()[short.len()] == b'-'
}

/// ISO 639-2 (bibliographic and terminologic) codes of the languages seen in
/// translation memories, mapped to ISO 639-1.
fn iso639_2_to_1(code: &str) -> Option<&'static str> {
    Some(match code {
        "afr" => "af",
        "alb" | "sqi" => "sq",
        "ara" => "ar",
        "arm" | "hye" => "hy",
        "baq" | "eus" => "eu",
        "ben" => "bn",
        "bos" => "bs",
        "bul" => "bg",
        "cat" => "ca",
        "ces" | "cze" => "cs",
        "chi" | "zho" => "zh",
        "cym" | "wel" => "cy",
        "dan" => "da",
        "deu" | "ger" => "de",
        "dut" | "nld" => "nl",
        "ell" | "gre" => "el",
        "eng" => "en",
        "epo" => "eo",
        "est" => "et",
        "fas" | "per" => "fa",
        "fin" => "fi",
        "fra" | "fre" => "fr",
        "geo" | "kat" => "ka",
        "gle" => "ga",
        "glg" => "gl",
        "heb" => "he",
        "hin" => "hi",
        "hrv" => "hr",
        "hun" => "hu",
        "ice" | "isl" => "is",
        "ind" => "id",
        "ita" => "it",
        "jpn" => "ja",
        "kor" => "ko",
        "lat" => "la",
        "lav" => "lv",
        "lit" => "lt",
        "mac" | "mkd" => "mk",
        "may" | "msa" => "ms",
        "mlt" => "mt",
        "nno" => "nn",
        "nob" => "nb",
        "nor" => "no",
        "pol" => "pl",
        "por" => "pt",
        "ron" | "rum" => "ro",
        "rus" => "ru",
        "slk" | "slo" => "sk",
        "slv" => "sl",
        "spa" => "es",
        "srp" => "sr",
        "swa" => "sw",
        "swe" => "sv",
        "tam" => "ta",
        "tha" => "th",
        "tur" => "tr",
        "ukr" => "uk",
        "urd" => "ur",
        "vie" => "vi",
        "xho" => "xh",
        "zul" => "zu",
        _ => return None,
    })
}

/// English names of languages, as some tools (MultiTrans) write them in
/// place of a code.
fn name_to_code(name: &str) -> Option<&'static str> {
    const NAMES: &[(&str, &str)] = &[
        ("arabic", "ar"),
        ("bulgarian", "bg"),
        ("catalan", "ca"),
        ("chinese", "zh"),
        ("croatian", "hr"),
        ("czech", "cs"),
        ("danish", "da"),
        ("dutch", "nl"),
        ("english", "en"),
        ("estonian", "et"),
        ("finnish", "fi"),
        ("french", "fr"),
        ("german", "de"),
        ("greek", "el"),
        ("hebrew", "he"),
        ("hindi", "hi"),
        ("hungarian", "hu"),
        ("indonesian", "id"),
        ("irish", "ga"),
        ("italian", "it"),
        ("japanese", "ja"),
        ("korean", "ko"),
        ("latvian", "lv"),
        ("lithuanian", "lt"),
        ("maltese", "mt"),
        ("norwegian", "no"),
        ("polish", "pl"),
        ("portuguese", "pt"),
        ("romanian", "ro"),
        ("russian", "ru"),
        ("slovak", "sk"),
        ("slovenian", "sl"),
        ("spanish", "es"),
        ("swedish", "sv"),
        ("thai", "th"),
        ("turkish", "tr"),
        ("ukrainian", "uk"),
        ("vietnamese", "vi"),
    ];
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::Lang;

    fn norm(s: &str) -> String {
        Lang::parse(s).unwrap().as_str().to_string()
    }

    #[test]
    fn normalizes_spellings_seen_in_the_wild() {
        for (given, want) in [
            ("fr-FR", "fr-FR"),
            ("FR-fr", "fr-FR"),
            ("eN-uS", "en-US"),
            ("en_US", "en-US"),
            ("eng-GB", "en-GB"),
            ("zul-ZA", "zu-ZA"),
            ("French", "fr"),
            ("ENGLISH", "en"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
            ("DA-01", "da-01"),
            ("fr-ZZ", "fr-ZZ"),
            (" de ", "de"),
        ] {
            assert_eq!(norm(given), want, "{given}");
        }
    }

    #[test]
    fn rejects_non_tags() {
        for bad in ["", "*all*", "fr--FR", "12", "fr FR", "-fr"] {
            assert!(Lang::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn general_tag_matches_regional_ones() {
        let fr = Lang::parse("fr").unwrap();
        let fr_fr = Lang::parse("fr-FR").unwrap();
        let fr_ca = Lang::parse("fr-CA").unwrap();
        let fro = Lang::parse("fro").unwrap();
        assert!(fr.matches(&fr_fr) && fr_fr.matches(&fr) && fr.matches(&fr_ca));
        assert!(!fr_fr.matches(&fr_ca));
        assert!(!fr.matches(&fro));
        assert_eq!(fr_ca.primary(), "fr");
    }
}
