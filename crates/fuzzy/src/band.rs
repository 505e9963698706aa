//! Match bands and the document analysis built on them.

use std::collections::HashSet;

use serde::Serialize;

use crate::token::{normalize, tokenize, TokenKind};

/// A band of best-match scores, as CAT tools report them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// 100.
    Exact,
    /// 95–99: the same words, formatting differs.
    High,
    /// 85–94.
    Fuzzy85,
    /// 75–84.
    Fuzzy75,
    /// 50–74.
    Fuzzy50,
    /// Below 50, or nothing found.
    NoMatch,
}

impl Band {
    /// Every band, best first.
    pub const ALL: [Band; 6] = [
        Band::Exact,
        Band::High,
        Band::Fuzzy85,
        Band::Fuzzy75,
        Band::Fuzzy50,
        Band::NoMatch,
    ];

    /// The band of a best score (`None` when nothing matched).
    pub fn of(best: Option<u8>) -> Band {
        match best {
            Some(100..) => Band::Exact,
            Some(95..=99) => Band::High,
            Some(85..=94) => Band::Fuzzy85,
            Some(75..=84) => Band::Fuzzy75,
            Some(50..=74) => Band::Fuzzy50,
            _ => Band::NoMatch,
        }
    }

    /// The band as reports print it (`100%`, `95-99%`, …, `no match`).
    pub fn label(self) -> &'static str {
        match self {
            Band::Exact => "100%",
            Band::High => "95-99%",
            Band::Fuzzy85 => "85-94%",
            Band::Fuzzy75 => "75-84%",
            Band::Fuzzy50 => "50-74%",
            Band::NoMatch => "no match",
        }
    }
}

/// The words of a text as analysis counts them: words, numbers and
/// placeholders (punctuation and tags are free).
pub fn word_count(text: &str) -> usize {
    tokenize(text)
        .iter()
        .filter(|t| {
            matches!(
                t.kind,
                TokenKind::Word | TokenKind::Number | TokenKind::Placeholder
            )
        })
        .count()
}

/// Segments and words of one row of an analysis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Segments counted.
    pub segments: usize,
    /// Their words.
    pub words: usize,
}

/// A document analysis: segments and words per band, with internal
/// repetitions counted apart.
///
/// A segment whose normalized text already appeared earlier in the document
/// is a repetition, whatever its best match: once translated, it is free.
///
/// ```
/// use tmkit_fuzzy::{Analysis, Band};
///
/// let mut a = Analysis::new();
/// a.add("Ouvrir le fichier", Some(100));
/// a.add("Fermer", None);
/// a.add("Ouvrir  le fichier", Some(100));
/// assert_eq!(a.band(Band::Exact).words, 3);
/// assert_eq!(a.repetitions().segments, 1);
/// assert_eq!(a.total().segments, 3);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    bands: [Tally; 6],
    repetitions: Tally,
    seen: HashSet<String>,
}

impl Analysis {
    /// An empty analysis.
    pub fn new() -> Analysis {
        Analysis::default()
    }

    /// Counts a segment with its best match score (`None`: no match), and
    /// returns its band (`None` for a repetition).
    pub fn add(&mut self, segment: &str, best: Option<u8>) -> Option<Band> {
        let words = word_count(segment);
        let first = self.seen.insert(normalize(segment));
        let band = Band::of(best);
        let tally = if first {
            let i = Band::ALL.iter().position(|b| *b == band).unwrap_or(5);
            &mut self.bands[i]
        } else {
            &mut self.repetitions
        };
        tally.segments += 1;
        tally.words += words;
        first.then_some(band)
    }

    /// The tally of one band (repetitions excluded).
    pub fn band(&self, band: Band) -> Tally {
        let i = Band::ALL.iter().position(|b| *b == band).unwrap_or(5);
        self.bands[i]
    }

    /// Segments repeated within the document, after their first occurrence.
    pub fn repetitions(&self) -> Tally {
        self.repetitions
    }

    /// All segments.
    pub fn total(&self) -> Tally {
        self.bands
            .iter()
            .chain([&self.repetitions])
            .fold(Tally::default(), |a, t| Tally {
                segments: a.segments + t.segments,
                words: a.words + t.words,
            })
    }

    /// The rows of the report, best band first, then repetitions, as
    /// `(label, tally)`; serializable for `--json`.
    pub fn rows(&self) -> Vec<(&'static str, Tally)> {
        let mut rows: Vec<_> = Band::ALL
            .iter()
            .map(|b| (b.label(), self.band(*b)))
            .collect();
        rows.push(("repetitions", self.repetitions));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        assert_eq!(Band::of(Some(100)), Band::Exact);
        assert_eq!(Band::of(Some(95)), Band::High);
        assert_eq!(Band::of(Some(94)), Band::Fuzzy85);
        assert_eq!(Band::of(Some(75)), Band::Fuzzy75);
        assert_eq!(Band::of(Some(50)), Band::Fuzzy50);
        assert_eq!(Band::of(Some(49)), Band::NoMatch);
        assert_eq!(Band::of(None), Band::NoMatch);
    }

    #[test]
    fn repetitions_are_apart() {
        let mut a = Analysis::new();
        assert_eq!(a.add("Bonjour, le monde", Some(80)), Some(Band::Fuzzy75));
        assert_eq!(a.add("Bonjour,  le monde ", Some(80)), None);
        assert_eq!(
            a.band(Band::Fuzzy75),
            Tally {
                segments: 1,
                words: 3
            }
        );
        assert_eq!(
            a.repetitions(),
            Tally {
                segments: 1,
                words: 3
            }
        );
        assert_eq!(a.rows().len(), 7);
    }
}
