//! TSV, read and written: one `source<TAB>target` line per unit.

use std::{io::Write, path::Path};

use tmkit_core::{Lang, Tu};

use crate::import::UnitResult;

/// The units of a `source<TAB>target` file (gzip-compressed when its name
/// ends in `.gz`), read line by line: memory does not grow with the file.
pub(crate) fn tsv_units(
    file: impl std::io::Read + Send + 'static,
    path: &Path,
    src: Lang,
    tgt: Lang,
) -> impl Iterator<Item = UnitResult> + Send {
    let raw: Box<dyn std::io::Read + Send> = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let name = path.display().to_string();
    let lines = std::io::BufRead::lines(std::io::BufReader::with_capacity(1 << 16, raw));
    lines.enumerate().filter_map(move |(i, line)| {
        let line = match line {
            Ok(line) => line,
            Err(e) => return Some(Err((format!("{name}:{}: cannot read: {e}", i + 1), true))),
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(match line.split_once('\t') {
            Some((s, t)) if !s.trim().is_empty() && !t.trim().is_empty() => {
                let t = t.split('\t').next().unwrap_or(t);
                Ok(Tu::bilingual(src.clone(), s, tgt.clone(), t))
            }
            _ => Err((
                format!(
                    "{name}:{}: expected source<TAB>target, got {:?}; line skipped",
                    i + 1,
                    truncate(&line, 60)
                ),
                false,
            )),
        })
    })
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// A text as one TSV field: TSV has no quoting, so tabs and line breaks
/// become spaces.
pub fn tsv_field(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

pub(crate) fn write_tsv_line(
    w: &mut dyn Write,
    tu: &Tu,
    src: &Lang,
    tgt: &Lang,
) -> std::io::Result<()> {
    let field = |lang| {
        tu.variant(lang)
            .map(|v| tsv_field(&v.seg.plain_text()))
            .unwrap_or_default()
    };
    writeln!(w, "{}\t{}", field(src), field(tgt))
}
