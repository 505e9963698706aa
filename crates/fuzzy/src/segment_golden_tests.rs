//! The segment format is fixed byte for byte: segments built from the same
//! records must stay identical whatever is done to make building faster.
//! These tests build segments of varied texts with each scorer and compare
//! them with the files in `testdata/segments/` (gzipped), written by the build of
//! tmkit that fixed format version 1 (before the units-only tokenizing path
//! and the faster posting tables). To write them again after a deliberate
//! format change (with a new `SEGMENT_FORMAT_VERSION`), run the tests with
//! `TMKIT_BLESS_SEGMENTS=1`.

use std::io::{Read, Write};
use std::path::PathBuf;

use super::*;

/// Pieces the texts are made of: words in several cases and scripts
/// (final sigma, dotted capital I, sharp s, titlecase digraphs), elision,
/// accelerators (`&Fichier`, `Fi&chier`, `_Quitter`, `R&D`), numbers,
/// placeholders, entities, tags, unspaced scripts, emoji, marks in NFD,
/// typographic quotes, odd white space.
const PIECES: &[&str] = &[
    "le",
    "Le",
    "LE",
    "chat",
    "Chat",
    "dort",
    "sur",
    "canapé",
    "CANAPÉ",
    "cane\u{301}",
    "l'ajustement",
    "L\u{2019}Été",
    "aujourd'hui",
    "ΟΔΟΣ",
    "Σίσυφος",
    "İstanbul",
    "straße",
    "STRAẞE",
    "ǅemal",
    "Ǆ",
    "&Fichier",
    "Fi&chier",
    "_Quitter",
    "R&D",
    "3,5",
    "1.000",
    "42",
    "%s",
    "%1$d",
    "%(name)s",
    "{0}",
    "{name}",
    "&amp;",
    "&#233;",
    "<b>",
    "</b>",
    "<x id=\"1\"/>",
    "我们",
    "今天去公园",
    "東京へ",
    "ที่นี่",
    "안녕하세요",
    "👩\u{200D}💻",
    "🇫🇷",
    "👍🏽",
    ".",
    ",",
    "!",
    "?",
    "…",
    "«",
    "»",
    "\u{a0}",
    "\t",
    "  ",
    "x2",
    "mot-clé",
    "5 %",
    "Ωmega",
    "ﬁnal",
    "Ⅻ",
    "ⓐ",
    "ΣΑΣ",
    "ﬀ",
    "İi",
    "K",
    "Å",
];

/// A small deterministic generator (xorshift), so that the texts are the
/// same in every run without a file of them.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The records: generated texts of 0 to 30 pieces, repeats of earlier
/// texts, texts without words, and long texts (past 64 units, where items
/// are numbered by sorting).
fn records() -> Vec<(u64, String)> {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut out: Vec<(u64, String)> = Vec::new();
    for k in 0..200u64 {
        let text = match k % 25 {
            0 => String::new(),
            1 => " . . ! ".to_string(),
            2 => "<b></b> <i>".to_string(),
            3 if !out.is_empty() => out[g.below(out.len())].1.clone(),
            4 => (0..66 + g.below(24))
                .map(|_| PIECES[g.below(PIECES.len())])
                .collect::<Vec<_>>()
                .join(" "),
            _ => {
                let n = g.below(31);
                let mut s = String::new();
                for _ in 0..n {
                    if g.below(4) > 0 {
                        s.push(' ');
                    }
                    s.push_str(PIECES[g.below(PIECES.len())]);
                }
                s
            }
        };
        out.push((g.next() % 1000, text));
    }
    out
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/segments")
        .join(format!("{name}.seg.gz"))
}

/// Which section holds byte `at` of a segment, for the failure message.
fn section_at(bytes: &[u8], at: usize) -> String {
    if at < HEADER {
        return "the header".to_string();
    }
    (0..SECTIONS)
        .find(|&i| {
            let e = TABLE_AT + i * ENTRY;
            let start = read_u64(bytes, e) as usize;
            (start..start + read_u64(bytes, e + 8) as usize).contains(&at)
        })
        .map_or("padding".to_string(), |i| {
            format!("the {} section", NAMES[i])
        })
}

fn check(name: &str, scorer: Scorer, min_indexed: u8) {
    let builder = IndexBuilder::new().scorer(scorer).min_indexed(min_indexed);
    let mut w = SegmentWriter::with(builder).expect("valid");
    for (k, t) in records() {
        w.add(k, &t, &t.len().to_le_bytes());
    }
    let got = w.to_bytes();
    let path = golden(name);
    if std::env::var_os("TMKIT_BLESS_SEGMENTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("mkdir");
        let file = std::fs::File::create(&path).expect("create the golden segment");
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
        gz.write_all(&got).expect("write the golden segment");
        gz.finish().expect("write the golden segment");
    }
    let mut want = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| flate2::read::GzDecoder::new(f).read_to_end(&mut want))
        .unwrap_or_else(|e| panic!("{}: {e}; TMKIT_BLESS_SEGMENTS=1 writes it", path.display()));
    if let Some(at) = got.iter().zip(&want).position(|(a, b)| a != b) {
        panic!(
            "{}: the segment built now differs from the golden one at byte {at}, in {}",
            path.display(),
            section_at(&want, at)
        );
    }
    assert_eq!(got.len(), want.len(), "{}: length", path.display());
    // The golden segment answers as the index of the same records.
    let seg = Segment::from_bytes(want).expect("opens");
    let mut ix = builder.build().expect("valid");
    for (k, t) in records() {
        ix.add(k, &t);
    }
    for (_, q) in records().iter().step_by(37) {
        let hits = seg.search(q, 5, min_indexed.max(50)).expect("searches");
        assert_eq!(plain(&hits), ix.search(q, 5, min_indexed.max(50)), "{q:?}");
    }
}

fn plain(hits: &[SegmentHit<'_>]) -> Vec<Hit> {
    hits.iter().map(|h| h.hit.clone()).collect()
}

#[test]
fn golden_segment_tmkit() {
    check("tmkit", Scorer::Tmkit, 50);
}

#[test]
fn golden_segment_tmkit_min_indexed_30() {
    check("tmkit-min30", Scorer::Tmkit, 30);
}

#[test]
fn golden_segment_omegat() {
    check("omegat", Scorer::Omegat, 50);
}

#[test]
fn golden_segment_chars() {
    check("chars", Scorer::Chars, 100);
}
