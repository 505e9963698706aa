//! TSV, read and written: one `source<TAB>target` line per unit.
//!
//! One convention, in one pair of functions that every TSV writer
//! (`export --format tsv`, `align --format tsv`, `pretranslate --format tsv`)
//! and the TSV import use: in a field, a tab, a line feed, a carriage return
//! and a backslash are written `\t`, `\n`, `\r` and `\\` ([`tsv_field`]), and
//! read back ([`tsv_text`]), so any text survives export and re-import. A
//! backslash followed by anything else is kept as it stands (`C:\dossier`,
//! `\d+`), so files from other tools read as they look.
//!
//! The reader accepts LF, CRLF and CR-only line ends, drops a UTF-8
//! byte-order mark, reports a line with more than two columns (the columns
//! after the target are ignored, with one warning per file), and skips with
//! its `line:column` a unit holding a character TMX cannot represent
//! ([`tmkit_core::forbidden_char`]).

use std::{
    borrow::Cow,
    io::{BufRead, Write},
    path::Path,
};

use tmkit_core::{forbidden_char, Lang, Tu};

use crate::import::UnitResult;

/// A text as one TSV field: tab, line feed, carriage return and backslash
/// escaped as `\t`, `\n`, `\r` and `\\`; [`tsv_text`] reads it back.
///
/// ```
/// use tmkit_engine::{tsv_field, tsv_text};
/// assert_eq!(tsv_field("a\tb\\n\nc"), "a\\tb\\\\n\\nc");
/// assert_eq!(tsv_text(&tsv_field("a\tb\\n\nc")), "a\tb\\n\nc");
/// ```
pub fn tsv_field(text: &str) -> Cow<'_, str> {
    if !text.contains(['\t', '\n', '\r', '\\']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The text a TSV field holds: `\t`, `\n`, `\r` and `\\` become a tab, a
/// line feed, a carriage return and a backslash; any other backslash is
/// kept. The inverse of [`tsv_field`].
pub fn tsv_text(field: &str) -> Cow<'_, str> {
    if !field.contains('\\') {
        return Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let rest = chars.as_str();
        let unescaped = match rest.chars().next() {
            Some('t') => '\t',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('\\') => '\\',
            _ => {
                out.push('\\');
                continue;
            }
        };
        out.push(unescaped);
        chars.next();
    }
    Cow::Owned(out)
}

/// The units of a `source<TAB>target` file (gzip-compressed when its name
/// ends in `.gz`), read line by line: memory does not grow with the file.
pub(crate) fn tsv_units(
    file: impl std::io::Read + Send + 'static,
    path: &Path,
    src: Lang,
    tgt: Lang,
) -> TsvUnits {
    let raw: Box<dyn std::io::Read + Send> = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    TsvUnits {
        lines: Lines::new(Box::new(std::io::BufReader::with_capacity(1 << 16, raw))),
        name: path.display().to_string(),
        src,
        tgt,
        extra: None,
        done: false,
    }
}

/// The units of a TSV input, one per non-blank line, with the problems
/// found on the way.
pub(crate) struct TsvUnits {
    lines: Lines,
    name: String,
    src: Lang,
    tgt: Lang,
    /// Lines with more than two columns: how many, and where the first one's
    /// third column starts.
    extra: Option<(u64, u64, usize)>,
    done: bool,
}

impl TsvUnits {
    /// What the reader noticed without skipping a unit: columns after the
    /// target, which were not imported.
    pub(crate) fn warnings(&self) -> Vec<String> {
        match self.extra {
            None => vec![],
            Some((n, line, column)) => vec![format!(
                "{}:{line}:{column}: {n} line(s) have more than two columns (the first here); \
                 only source and target were imported, the other columns were ignored",
                self.name
            )],
        }
    }

    fn unit(&mut self, line_no: u64, bytes: &[u8]) -> Option<UnitResult> {
        let name = &self.name;
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => line,
            Err(e) => {
                let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
                let column = valid.chars().count() + 1;
                let byte = bytes[e.valid_up_to()];
                return Some(Err((
                    format!(
                        "{name}:{line_no}:{column}: not UTF-8 text (byte 0x{byte:02X}); \
                         convert the file to UTF-8 first (e.g. iconv -f windows-1252 -t utf-8)"
                    ),
                    true,
                )));
            }
        };
        if line.trim().is_empty() {
            return None;
        }
        let column = |byte: usize| line[..byte].chars().count() + 1;
        let mut fields = line.split('\t');
        let (s, t) = match (fields.next(), fields.next()) {
            (Some(s), Some(t)) if !s.trim().is_empty() && !t.trim().is_empty() => (s, t),
            _ => {
                return Some(Err((
                    format!(
                        "{name}:{line_no}:1: expected source<TAB>target, got {:?}; line skipped",
                        truncate(line, 60)
                    ),
                    false,
                )))
            }
        };
        let pair_len = s.len() + 1 + t.len();
        if fields.next().is_some() {
            let (n, _, _) = self.extra.get_or_insert((0, line_no, column(pair_len + 1)));
            *n += 1;
        }
        if let Some((at, c)) = forbidden_char(&line[..pair_len]) {
            return Some(Err((
                format!(
                    "{name}:{line_no}:{}: U+{:04X} is a control character that TMX (XML 1.0) \
                     cannot hold; unit skipped (remove it from the file)",
                    column(at),
                    u32::from(c)
                ),
                false,
            )));
        }
        Some(Ok(Tu::bilingual(
            self.src.clone(),
            tsv_text(s).as_ref(),
            self.tgt.clone(),
            tsv_text(t).as_ref(),
        )))
    }
}

impl Iterator for TsvUnits {
    type Item = UnitResult;

    fn next(&mut self) -> Option<UnitResult> {
        while !self.done {
            let mut buf = std::mem::take(&mut self.lines.buf);
            let read = self.lines.next_line(&mut buf);
            let item = match read {
                Ok(false) => {
                    self.done = true;
                    None
                }
                Ok(true) => self.unit(self.lines.number, &buf),
                Err(e) => Some(Err((
                    format!("{}:{}: cannot read: {e}", self.name, self.lines.number + 1),
                    true,
                ))),
            };
            self.lines.buf = buf;
            if matches!(item, Some(Err((_, true)))) {
                self.done = true;
            }
            if item.is_some() {
                return item;
            }
        }
        None
    }
}

/// Lines of bytes ending in LF, CRLF or CR alone (old Mac files), the
/// UTF-8 byte-order mark dropped from the first.
struct Lines {
    reader: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    /// 1-based number of the line last read.
    number: u64,
    /// The last line ended with CR: a LF right after it ends nothing.
    after_cr: bool,
}

impl Lines {
    fn new(reader: Box<dyn BufRead + Send>) -> Lines {
        Lines {
            reader,
            buf: Vec::new(),
            number: 0,
            after_cr: false,
        }
    }

    /// Reads the next line into `line` (without its end); false at the end
    /// of the input.
    fn next_line(&mut self, line: &mut Vec<u8>) -> std::io::Result<bool> {
        line.clear();
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if line.is_empty() {
                    return Ok(false);
                }
                break;
            }
            if std::mem::take(&mut self.after_cr) && chunk[0] == b'\n' {
                self.reader.consume(1);
                continue;
            }
            match memchr::memchr2(b'\n', b'\r', chunk) {
                Some(i) => {
                    line.extend_from_slice(&chunk[..i]);
                    self.after_cr = chunk[i] == b'\r';
                    self.reader.consume(i + 1);
                    break;
                }
                None => {
                    line.extend_from_slice(chunk);
                    let n = chunk.len();
                    self.reader.consume(n);
                }
            }
        }
        self.number += 1;
        if self.number == 1 && line.starts_with(b"\xEF\xBB\xBF") {
            line.drain(..3);
        }
        Ok(true)
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Writes the unit's source and target as one TSV line (plain text).
pub(crate) fn write_tsv_line(
    w: &mut dyn Write,
    tu: &Tu,
    src: &Lang,
    tgt: &Lang,
) -> std::io::Result<()> {
    let text = |lang| {
        tu.variant(lang)
            .map(|v| v.seg.plain_text())
            .unwrap_or_default()
    };
    let (s, t) = (text(src), text(tgt));
    writeln!(w, "{}\t{}", tsv_field(&s), tsv_field(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (Vec<UnitResult>, Vec<String>) {
        let fr = Lang::parse("fr").unwrap();
        let en = Lang::parse("en").unwrap();
        let mut units = tsv_units(
            std::io::Cursor::new(bytes.to_vec()),
            Path::new("p.tsv"),
            fr,
            en,
        );
        let items: Vec<UnitResult> = units.by_ref().collect();
        (items, units.warnings())
    }

    fn pairs(items: &[UnitResult]) -> Vec<(String, String)> {
        items
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|tu| {
                let text = |i: usize| tu.variants[i].seg.plain_text();
                (text(0), text(1))
            })
            .collect()
    }

    fn pair(s: &str, t: &str) -> (String, String) {
        (s.to_string(), t.to_string())
    }

    #[test]
    fn every_line_end_is_a_line_end() {
        for text in [
            "Un.\tOne.\nDeux.\tTwo.\nTrois.\tThree.",
            "Un.\tOne.\r\nDeux.\tTwo.\r\nTrois.\tThree.\r\n",
            "Un.\tOne.\rDeux.\tTwo.\rTrois.\tThree.\r",
            "Un.\tOne.\rDeux.\tTwo.\nTrois.\tThree.\r\n\r\n",
        ] {
            let (items, warnings) = read(text.as_bytes());
            assert_eq!(
                pairs(&items),
                [
                    pair("Un.", "One."),
                    pair("Deux.", "Two."),
                    pair("Trois.", "Three.")
                ],
                "{text:?}"
            );
            assert!(warnings.is_empty());
        }
    }

    #[test]
    fn line_numbers_count_cr_only_lines() {
        let (items, _) = read(b"Un.\tOne.\rno tab\rTrois.\tThree.\r");
        let errors: Vec<&String> = items
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| &e.0)
            .collect();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("p.tsv:2:1: "), "{}", errors[0]);
    }

    #[test]
    fn a_crlf_split_between_two_reads_is_one_line_end() {
        // A reader that hands out one byte at a time puts the CR and the LF
        // in different buffers.
        let one_byte = std::io::BufReader::with_capacity(1, &b"Un.\tOne.\r\nDeux.\tTwo.\r\n"[..]);
        let mut lines = Lines::new(Box::new(one_byte));
        let mut line = Vec::new();
        let mut all = Vec::new();
        while lines.next_line(&mut line).unwrap() {
            all.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(all, ["Un.\tOne.", "Deux.\tTwo."]);
    }

    #[test]
    fn the_byte_order_mark_is_dropped() {
        let (items, _) = read(b"\xEF\xBB\xBFBonjour.\tHello.\n");
        assert_eq!(pairs(&items), [pair("Bonjour.", "Hello.")]);
    }

    #[test]
    fn extra_columns_are_reported_once_with_the_first_position() {
        let (items, warnings) =
            read("Un.\tOne.\t0.93\nDeux.\tTwo.\nTrois.\tThree.\t0.5\treview\n".as_bytes());
        assert_eq!(pairs(&items).len(), 3);
        assert_eq!(pairs(&items)[0], pair("Un.", "One."));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("p.tsv:1:10: 2 line(s) have more than two columns"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_forbidden_character_skips_the_unit_with_its_position() {
        let (items, _) = read("Un.\tOne.\nDé\u{2}bian\tDebian\nTrois.\tThree.\n".as_bytes());
        assert_eq!(pairs(&items).len(), 2);
        let error = &items[1].as_ref().unwrap_err();
        assert!(!error.1, "a skipped unit, not a fatal error");
        assert!(error.0.starts_with("p.tsv:2:3: U+0002 "), "{}", error.0);
        // An escaped control character is no escape: `\t` is text's tab.
        let (items, _) = read(b"a\\tb\tc\n");
        assert_eq!(pairs(&items), [pair("a\tb", "c")]);
    }

    #[test]
    fn bad_utf8_is_fatal_with_its_position() {
        let (items, _) = read(b"Un.\tOne.\nCaf\xE9.\tCoffee.\nDeux.\tTwo.\n");
        let last = items.last().unwrap().as_ref().unwrap_err();
        assert!(last.1);
        assert!(
            last.0.starts_with("p.tsv:2:4: not UTF-8 text (byte 0xE9)"),
            "{}",
            last.0
        );
        assert_eq!(items.len(), 2, "nothing is read after a fatal error");
    }

    #[test]
    fn fields_escape_and_unescape() {
        assert_eq!(tsv_field("plain"), "plain");
        assert_eq!(tsv_field("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
        assert_eq!(tsv_text("a\\tb\\nc\\rd\\\\e"), "a\tb\nc\rd\\e");
        // Other backslashes are text: paths, regexes, a backslash at the end.
        assert_eq!(
            tsv_text("C:\\dossier\\x \\d+ fin\\"),
            "C:\\dossier\\x \\d+ fin\\"
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Texts rich in what TSV must escape: tabs, line ends, backslashes and
    /// the letters that follow a backslash in an escape.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("\t".to_string()),
                Just("\n".to_string()),
                Just("\r".to_string()),
                Just("\r\n".to_string()),
                Just("\\".to_string()),
                Just("\\t".to_string()),
                Just("\\\\n".to_string()),
                "[a-zé ]{1,4}",
            ],
            0..12,
        )
        .prop_map(|parts| format!("x{}", parts.concat()))
    }

    proptest! {
        #[test]
        fn a_written_line_reads_back_as_the_same_unit(pairs in proptest::collection::vec((text(), text()), 1..8)) {
            let fr = Lang::parse("fr").unwrap();
            let en = Lang::parse("en").unwrap();
            let mut file = Vec::new();
            for (s, t) in &pairs {
                let tu = Tu::bilingual(fr.clone(), s.as_str(), en.clone(), t.as_str());
                write_tsv_line(&mut file, &tu, &fr, &en).unwrap();
            }
            prop_assert_eq!(file.iter().filter(|&&b| b == b'\n').count(), pairs.len());
            let units: Vec<Tu> = tsv_units(std::io::Cursor::new(file), Path::new("p.tsv"), fr.clone(), en.clone())
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| TestCaseError::fail(e.0))?;
            let read: Vec<(String, String)> = units
                .iter()
                .map(|tu| (tu.variant(&fr).unwrap().seg.plain_text(), tu.variant(&en).unwrap().seg.plain_text()))
                .collect();
            prop_assert_eq!(read, pairs);
        }

        #[test]
        fn a_field_is_one_tsv_cell_that_reads_back(text in text()) {
            let field = tsv_field(&text);
            prop_assert!(!field.contains(['\t', '\n', '\r']));
            prop_assert_eq!(tsv_text(&field), text.as_str());
        }
    }
}
