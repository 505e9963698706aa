//! Translation of Java regular expressions (the dialect of SRX files) into
//! the syntax of the `regex` and `fancy-regex` crates.
//!
//! The differences that change results on real rule files are handled
//! faithfully: Java's `\s`, `\w`, `\d` are ASCII-only (so `\s` does not match
//! the no-break spaces U+00A0 and U+202F of French typography), `\h` and `\v`
//! are Java's horizontal and vertical space classes, `\Q…\E` quotes, POSIX
//! and `java…` property names become explicit classes, the `u`, `U` and `d`
//! flags (meaningless or different in Rust) are dropped, and `\<`, `\>`
//! stay literal characters. `\b` keeps Unicode word semantics, which is what
//! rule authors relied on for accented words.

/// A pattern in Rust syntax, and whether it needs `fancy-regex`
/// (look-around, back-references, atomic groups, possessive quantifiers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Translated {
    pub pattern: String,
    pub fancy: bool,
}

const SPACE: &str = r"\t\n\x0B\x0C\r\x20";
const HSPACE: &str = r"\t\x20\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}";
const VSPACE: &str = r"\n\x0B\x0C\r\x{85}\x{2028}\x{2029}";
const WORD: &str = r"a-zA-Z_0-9";
const DIGIT: &str = r"0-9";

/// Translates `java` into Rust regex syntax.
pub(crate) fn translate(java: &str) -> Result<Translated, String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len() + 16);
    let mut fancy = false;
    // Nesting depth of character classes; Java nests `[a[b]]` like Rust.
    let mut class = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err("pattern ends with a lone backslash".into());
                };
                i += 2;
                match e {
                    'Q' => {
                        let mut lit = String::new();
                        while i < chars.len() {
                            if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                                i += 2;
                                break;
                            }
                            lit.push(chars[i]);
                            i += 1;
                        }
                        for ch in lit.chars() {
                            push_literal(&mut out, ch, class > 0);
                        }
                    }
                    'E' => {}
                    's' => push_set(&mut out, SPACE, false),
                    'S' => push_set(&mut out, SPACE, true),
                    'h' => push_set(&mut out, HSPACE, false),
                    'H' => push_set(&mut out, HSPACE, true),
                    'v' => push_set(&mut out, VSPACE, false),
                    'V' => push_set(&mut out, VSPACE, true),
                    'w' => push_set(&mut out, WORD, false),
                    'W' => push_set(&mut out, WORD, true),
                    'd' => push_set(&mut out, DIGIT, false),
                    'D' => push_set(&mut out, DIGIT, true),
                    'R' if class == 0 => {
                        out.push_str(r"(?:\r\n|[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}])")
                    }
                    'b' | 'B' | 'A' | 'z' if class == 0 => {
                        out.push('\\');
                        out.push(e);
                    }
                    'Z' if class == 0 => out.push_str(r"(?:\n?\z)"),
                    't' | 'n' | 'r' | 'f' => {
                        out.push('\\');
                        out.push(e);
                    }
                    'a' => out.push_str(r"\x07"),
                    'e' => out.push_str(r"\x1B"),
                    'u' => {
                        let hex: String = chars.iter().skip(i).take(4).collect();
                        let v = (hex.len() == 4)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten()
                            .ok_or_else(|| format!("\\u needs 4 hex digits, got {hex:?}"))?;
                        i += 4;
                        push_code(&mut out, v)?;
                    }
                    'x' => {
                        if chars.get(i) == Some(&'{') {
                            let close = chars[i..]
                                .iter()
                                .position(|&c| c == '}')
                                .ok_or("\\x{ without closing }")?;
                            let hex: String = chars[i + 1..i + close].iter().collect();
                            let v = u32::from_str_radix(&hex, 16)
                                .map_err(|_| format!("bad hex \\x{{{hex}}}"))?;
                            i += close + 1;
                            push_code(&mut out, v)?;
                        } else {
                            let hex: String = chars.iter().skip(i).take(2).collect();
                            let v = (hex.len() == 2)
                                .then(|| u32::from_str_radix(&hex, 16).ok())
                                .flatten()
                                .ok_or_else(|| format!("\\x needs 2 hex digits, got {hex:?}"))?;
                            i += 2;
                            push_code(&mut out, v)?;
                        }
                    }
                    '0' => {
                        let mut v = 0u32;
                        let mut n = 0;
                        while n < 3 {
                            match chars.get(i).and_then(|c| c.to_digit(8)) {
                                Some(d) if v * 8 + d <= 0o377 => {
                                    v = v * 8 + d;
                                    i += 1;
                                    n += 1;
                                }
                                _ => break,
                            }
                        }
                        if n == 0 {
                            return Err("\\0 needs an octal digit".into());
                        }
                        push_code(&mut out, v)?;
                    }
                    'c' => {
                        let ch = chars.get(i).ok_or("\\c needs a letter")?;
                        i += 1;
                        push_code(&mut out, (*ch as u32) ^ 64)?;
                    }
                    'p' | 'P' => {
                        let name: String = if chars.get(i) == Some(&'{') {
                            let close = chars[i..]
                                .iter()
                                .position(|&c| c == '}')
                                .ok_or("\\p{ without closing }")?;
                            let n = chars[i + 1..i + close].iter().collect();
                            i += close + 1;
                            n
                        } else {
                            let n = chars.get(i).ok_or("\\p needs a property name")?;
                            i += 1;
                            n.to_string()
                        };
                        push_property(&mut out, &name, e == 'P')?;
                    }
                    '1'..='9' if class == 0 => {
                        fancy = true;
                        out.push('\\');
                        out.push(e);
                    }
                    'k' if class == 0 => {
                        fancy = true;
                        out.push_str("\\k");
                    }
                    e if e.is_alphanumeric() => {
                        return Err(format!("unsupported escape \\{e}"));
                    }
                    e => push_literal(&mut out, e, class > 0),
                }
                continue;
            }
            '[' => {
                class += 1;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                continue;
            }
            ']' if class > 0 => {
                class -= 1;
                out.push(']');
            }
            '~' if class > 0 => out.push_str(r"\~"),
            '-' if class > 0 && chars.get(i + 1) == Some(&'-') => out.push_str(r"\-"),
            '(' if class == 0 => {
                if chars.get(i + 1) == Some(&'?') {
                    let rest: String = chars[i + 2..].iter().take(3).collect();
                    if rest.starts_with('=')
                        || rest.starts_with('!')
                        || rest.starts_with("<=")
                        || rest.starts_with("<!")
                        || rest.starts_with('>')
                    {
                        fancy = true;
                        out.push_str("(?");
                        i += 2;
                        continue;
                    }
                    if rest.starts_with('<') {
                        out.push_str("(?P<");
                        i += 3;
                        continue;
                    }
                    if rest.starts_with(':') {
                        out.push_str("(?:");
                        i += 3;
                        continue;
                    }
                    // Inline flags: (?iu) or (?i-s:...).
                    let mut j = i + 2;
                    let mut flags = String::new();
                    while let Some(&f) = chars.get(j) {
                        match f {
                            'i' | 'm' | 's' | 'x' | '-' => flags.push(f),
                            'u' | 'U' | 'd' => {}
                            _ => break,
                        }
                        j += 1;
                    }
                    let flags = flags.trim_end_matches('-').to_string();
                    match chars.get(j) {
                        Some(')') => {
                            if !flags.is_empty() {
                                out.push_str(&format!("(?{flags})"));
                            }
                            i = j + 1;
                        }
                        Some(':') => {
                            if flags.is_empty() {
                                out.push_str("(?:");
                            } else {
                                out.push_str(&format!("(?{flags}:"));
                            }
                            i = j + 1;
                        }
                        _ => return Err("unsupported group construct after (?".into()),
                    }
                    continue;
                }
                out.push('(');
            }
            '*' | '+' | '?' | '}' if class == 0 => {
                out.push(c);
                if chars.get(i + 1) == Some(&'+') {
                    // Possessive quantifier.
                    fancy = true;
                    out.push('+');
                    i += 1;
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if class > 0 {
        return Err("unclosed character class [".into());
    }
    Ok(Translated {
        pattern: out,
        fancy,
    })
}

fn push_code(out: &mut String, v: u32) -> Result<(), String> {
    if char::from_u32(v).is_none() {
        return Err(format!("code point {v:#X} is not a character"));
    }
    out.push_str(&format!("\\x{{{v:X}}}"));
    Ok(())
}

fn push_literal(out: &mut String, ch: char, in_class: bool) {
    let meta = if in_class {
        matches!(ch, '[' | ']' | '\\' | '-' | '^' | '&' | '~')
    } else {
        regex_syntax_meta(ch)
    };
    if meta {
        out.push('\\');
    }
    out.push(ch);
}

fn regex_syntax_meta(ch: char) -> bool {
    matches!(
        ch,
        '\\' | '.'
            | '+'
            | '*'
            | '?'
            | '('
            | ')'
            | '|'
            | '['
            | ']'
            | '{'
            | '}'
            | '^'
            | '$'
            | '#'
            | '&'
            | '-'
            | '~'
    )
}

/// A class item such as `[\t ]`, or its negation; nested classes are valid
/// inside classes in Rust syntax, so the same text works in both places.
fn push_set(out: &mut String, body: &str, negated: bool) {
    out.push('[');
    if negated {
        out.push('^');
    }
    out.push_str(body);
    out.push(']');
}

fn push_property(out: &mut String, name: &str, negated: bool) -> Result<(), String> {
    let set = match name {
        "Lower" => Some("a-z"),
        "Upper" => Some("A-Z"),
        "ASCII" => Some(r"\x00-\x7F"),
        "Alpha" => Some("a-zA-Z"),
        "Digit" => Some("0-9"),
        "Alnum" => Some("a-zA-Z0-9"),
        "Punct" => Some(r"!-/:-@\[-`{-\~"),
        "Graph" => Some(r"!-\~"),
        "Print" => Some(r"\x20-\~"),
        "Blank" => Some(r"\x20\t"),
        "Cntrl" => Some(r"\x00-\x1F\x7F"),
        "XDigit" => Some("0-9a-fA-F"),
        "Space" => Some(SPACE),
        "javaWhitespace" => {
            Some(r"\t\n\x0B\x0C\r\x1C-\x1F\p{Zl}\p{Zp}\p{Zs}--\xA0\x{2007}\x{202F}")
        }
        "javaLetterOrDigit" => Some(r"\p{L}\p{Nd}"),
        "InBasicLatin" => Some(r"\x00-\x7F"),
        "InLatin-1Supplement" | "InLatin1Supplement" => Some(r"\x80-\xFF"),
        "InGeneralPunctuation" => Some(r"\x{2000}-\x{206F}"),
        "InCJKUnifiedIdeographs" => Some(r"\x{4E00}-\x{9FFF}"),
        "InCJKSymbolsandPunctuation" | "InCJKSymbolsAndPunctuation" => Some(r"\x{3000}-\x{303F}"),
        "InHiragana" => Some(r"\x{3040}-\x{309F}"),
        "InKatakana" => Some(r"\x{30A0}-\x{30FF}"),
        "InHalfwidthandFullwidthForms" | "InHalfwidthAndFullwidthForms" => {
            Some(r"\x{FF00}-\x{FFEF}")
        }
        _ => None,
    };
    if let Some(set) = set {
        push_set(out, set, negated);
        return Ok(());
    }
    let rust = match name {
        "javaLowerCase" => "Lowercase".to_string(),
        "javaUpperCase" => "Uppercase".to_string(),
        "javaLetter" => "L".to_string(),
        "javaDigit" => "Nd".to_string(),
        "javaAlphabetic" => "Alphabetic".to_string(),
        "javaSpaceChar" => "Z".to_string(),
        n => {
            let n = n
                .strip_prefix("general_category=")
                .or_else(|| n.strip_prefix("gc="))
                .or_else(|| n.strip_prefix("script="))
                .or_else(|| n.strip_prefix("sc="))
                .or_else(|| n.strip_prefix("Is"))
                .unwrap_or(n);
            if let Some(block) = n.strip_prefix("In") {
                // Rust's regex has no Unicode blocks; a script is the closest.
                block.to_string()
            } else {
                match n {
                    "Letter" => "L".into(),
                    "Punctuation" => "P".into(),
                    "Digit" => "Nd".into(),
                    "White_Space" | "WhiteSpace" => "White_Space".into(),
                    other => other.to_string(),
                }
            }
        }
    };
    out.push_str(if negated { r"\P{" } else { r"\p{" });
    out.push_str(&rust);
    out.push('}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::translate;

    fn rust(java: &str) -> String {
        translate(java).unwrap().pattern
    }

    fn is_match(java: &str, text: &str) -> bool {
        let t = translate(java).unwrap();
        if t.fancy {
            fancy_regex::Regex::new(&t.pattern)
                .unwrap()
                .is_match(text)
                .unwrap()
        } else {
            regex::Regex::new(&t.pattern).unwrap().is_match(text)
        }
    }

    #[test]
    fn java_s_does_not_match_no_break_spaces() {
        assert!(is_match(r"^\s$", " "));
        assert!(!is_match(r"^\s$", "\u{a0}"));
        assert!(!is_match(r"^\s$", "\u{202f}"));
        assert!(is_match(r"^[\s,]$", ","));
        assert!(is_match(r"^\S$", "\u{a0}"));
    }

    #[test]
    fn h_and_v_are_java_classes() {
        assert!(is_match(r"^\h$", "\u{a0}"));
        assert!(is_match(r"^\h$", "\u{202f}"));
        assert!(!is_match(r"^\h$", "\n"));
        assert!(is_match(r"^\v$", "\n"));
        assert!(is_match(r"^\v$", "\u{2029}"));
        assert!(!is_match(r"^\v$", " "));
    }

    #[test]
    fn quoting_and_escapes() {
        assert!(is_match(r"^\Qa.b*\E$", "a.b*"));
        assert!(!is_match(r"^\Qa.b*\E$", "axb"));
        assert!(is_match(r"^\u00BB$", "»"));
        assert!(is_match(r"^\x{201D}$", "”"));
        assert!(is_match(r"^\<\>$", "<>"));
        assert!(is_match(r"^\0101$", "A"));
    }

    #[test]
    fn properties_and_flags() {
        assert!(is_match(r"^\p{Lu}\p{javaLowerCase}$", "Éa"));
        assert!(is_match(r"^\p{Alpha}$", "a"));
        assert!(!is_match(r"^\p{Alpha}$", "é"));
        assert!(is_match(r"^\p{IsLatin}$", "é"));
        assert!(is_match(r"^\pL$", "é"));
        assert!(is_match(r"^(?iu)abc$", "ABC"));
        assert_eq!(rust("(?u)x"), "x");
        assert!(!is_match(r"^\w$", "é"));
    }

    #[test]
    fn lookaround_needs_fancy() {
        assert!(translate(r"(?<=a)b").unwrap().fancy);
        assert!(translate(r"a(?!b)").unwrap().fancy);
        assert!(translate(r"a++").unwrap().fancy);
        assert!(!translate(r"(?:a)+b").unwrap().fancy);
        assert!(is_match(r"(?<!M)\.", "a."));
        assert!(!is_match(r"(?<!M)\.", "M."));
    }

    #[test]
    fn errors_are_explained() {
        assert!(translate(r"abc\").unwrap_err().contains("backslash"));
        assert!(translate(r"[abc").unwrap_err().contains("unclosed"));
        assert!(translate(r"\u12").unwrap_err().contains("hex"));
    }
}
