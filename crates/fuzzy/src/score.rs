//! The scorers and the explanation of a score.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::lev::{script, Step};
use crate::token::{join, scan, tokenize, Token, TokenKind};

/// Which scoring function to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scorer {
    /// tmkit's word-level score: 100 for identical normalized texts, 95–99
    /// for differences in formatting only (case, punctuation, whitespace,
    /// numbers, placeholders, tags, accelerators), otherwise the word edit
    /// similarity capped at 94 minus one point per kind of formatting
    /// difference. See `docs/MATCHING.md`.
    #[default]
    Tmkit,
    /// OmegaT's token Levenshtein: `⌊100 × (max − d) / max⌋` over word,
    /// number and placeholder tokens as written, punctuation left out.
    Omegat,
    /// Character Levenshtein over the normalized texts,
    /// `⌊100 × (1 − lev / max(len))⌋`, as translate-toolkit computes it.
    Chars,
}

impl Scorer {
    /// The scorer named `name` (`tmkit`, `omegat`, `chars`).
    pub fn from_name(name: &str) -> crate::Result<Scorer> {
        match name.to_ascii_lowercase().as_str() {
            "tmkit" => Ok(Scorer::Tmkit),
            "omegat" => Ok(Scorer::Omegat),
            "chars" => Ok(Scorer::Chars),
            _ => Err(crate::Error::UnknownScorer {
                name: name.to_string(),
            }),
        }
    }

    /// The scorer's name as `from_name` accepts it.
    pub fn name(self) -> &'static str {
        match self {
            Scorer::Tmkit => "tmkit",
            Scorer::Omegat => "omegat",
            Scorer::Chars => "chars",
        }
    }
}

impl std::str::FromStr for Scorer {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Scorer> {
        Scorer::from_name(s)
    }
}

impl fmt::Display for Scorer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The unit of the edit distance a scorer counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Unit {
    /// A word (lowercased for tmkit, as written for omegat) or, for omegat,
    /// a number or placeholder as written.
    Str(Box<str>),
    /// Any number (tmkit: the value is a placeable, not a word).
    Num,
    /// Any placeholder (tmkit).
    Ph,
    /// One character (chars).
    Char(char),
}

impl Unit {
    /// The unit, borrowed.
    pub(crate) fn as_ref(&self) -> UnitRef<'_> {
        match self {
            Unit::Str(s) => UnitRef::Str(s),
            Unit::Num => UnitRef::Num,
            Unit::Ph => UnitRef::Ph,
            Unit::Char(c) => UnitRef::Char(*c),
        }
    }
}

/// A [`Unit`] borrowed from the text it was found in: the index looks its
/// units up in its vocabulary in this form and allocates only for a unit it
/// has not seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnitRef<'a> {
    /// [`Unit::Str`].
    Str(&'a str),
    /// [`Unit::Num`].
    Num,
    /// [`Unit::Ph`].
    Ph,
    /// [`Unit::Char`].
    Char(char),
}

impl UnitRef<'_> {
    /// The unit, owned.
    pub(crate) fn to_unit(self) -> Unit {
        match self {
            UnitRef::Str(s) => Unit::Str(s.into()),
            UnitRef::Num => Unit::Num,
            UnitRef::Ph => Unit::Ph,
            UnitRef::Char(c) => Unit::Char(c),
        }
    }
}

/// `s` lowercased, as `str::to_lowercase` does it, borrowed when that
/// changes nothing (most words of a memory are lowercase already): every
/// character is its own lowercase then, so no context rule (the final
/// sigma) applies either.
fn lowercase(s: &str) -> Cow<'_, str> {
    let unchanged = if s.is_ascii() {
        !s.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        s.chars().all(|c| {
            let mut l = c.to_lowercase();
            l.next() == Some(c) && l.next().is_none()
        })
    };
    if unchanged {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// The units of a text for the word scorers (`tmkit`, `omegat`), from its
/// tokens' kinds and normalized forms: `emit(token number, unit)` for each,
/// in order. The one definition of what a text's units are, for the query
/// ([`Parsed::new`]) and for the index ([`each_unit`]) alike.
fn word_units<S: AsRef<str>>(
    scorer: Scorer,
    tokens: &[(TokenKind, S)],
    mut emit: impl FnMut(usize, UnitRef<'_>),
) {
    if scorer != Scorer::Tmkit {
        for (i, (kind, form)) in tokens.iter().enumerate() {
            if matches!(
                kind,
                TokenKind::Word | TokenKind::Number | TokenKind::Placeholder
            ) {
                emit(i, UnitRef::Str(form.as_ref()));
            }
        }
        return;
    }
    let mut any = false;
    for (i, (kind, form)) in tokens.iter().enumerate() {
        match kind {
            TokenKind::Word => emit(i, UnitRef::Str(&lowercase(form.as_ref()))),
            TokenKind::Number => emit(i, UnitRef::Num),
            TokenKind::Placeholder => emit(i, UnitRef::Ph),
            TokenKind::Punct | TokenKind::Tag => continue,
        }
        any = true;
    }
    // No words (`!!!`, `🎉`): the symbols, or else the tags, are what the
    // text says, so they are its units, lest it score 99 against any other
    // text without words (MATCHING.md §3).
    for kind in [TokenKind::Punct, TokenKind::Tag] {
        if any {
            break;
        }
        for (i, (k, form)) in tokens.iter().enumerate() {
            if *k == kind {
                emit(i, UnitRef::Str(form.as_ref()));
                any = true;
            }
        }
    }
}

/// The units of `text` for `scorer`, in order: those of [`Parsed::new`],
/// without the tokens, the normalized text and the origins that scoring
/// needs and indexing does not, and borrowed where they can be (a word's
/// form is a slice of the text unless normalizing or lowercasing changed
/// it). `tmkit import` indexes every unit it stores through this.
pub(crate) fn each_unit(scorer: Scorer, text: &str, mut emit: impl FnMut(UnitRef<'_>)) {
    if scorer == Scorer::Chars {
        for u in Parsed::new(scorer, text).units {
            emit(u.as_ref());
        }
        return;
    }
    let mut forms: Vec<(TokenKind, Cow<'_, str>)> = Vec::new();
    scan(text, |t| forms.push((t.kind, t.form())));
    word_units(scorer, &forms, |_, u| emit(u));
}

/// A text prepared for scoring.
#[derive(Clone, Debug)]
pub(crate) struct Parsed {
    pub tokens: Vec<Token>,
    pub norm: String,
    pub units: Vec<Unit>,
    /// For each unit, the token it comes from (tmkit, omegat) or its
    /// character index in `norm` (chars).
    pub origin: Vec<usize>,
}

impl Parsed {
    pub(crate) fn new(scorer: Scorer, text: &str) -> Parsed {
        let tokens = tokenize(text);
        let norm = join(&tokens);
        let mut units = Vec::new();
        let mut origin = Vec::new();
        match scorer {
            Scorer::Tmkit | Scorer::Omegat => {
                let forms: Vec<(TokenKind, &str)> =
                    tokens.iter().map(|t| (t.kind, t.text.as_str())).collect();
                word_units(scorer, &forms, |i, u| {
                    units.push(u.to_unit());
                    origin.push(i);
                });
            }
            Scorer::Chars => {
                for (i, c) in norm.chars().enumerate() {
                    units.push(Unit::Char(c));
                    origin.push(i);
                }
            }
        }
        Parsed {
            tokens,
            norm,
            units,
            origin,
        }
    }

    /// The surface form of unit `i`, for explanations.
    fn surface(&self, i: usize) -> String {
        match self.units.get(i) {
            Some(Unit::Char(c)) => c.to_string(),
            _ => self
                .origin
                .get(i)
                .and_then(|&t| self.tokens.get(t))
                .map_or_else(String::new, |t| t.text.clone()),
        }
    }
}

/// What kind of match a score describes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// Identical normalized texts: 100.
    Exact,
    /// The same words; only formatting differs (tmkit: 95–99).
    Equivalent,
    /// Words differ: the score comes from the edit similarity.
    #[default]
    Fuzzy,
}

/// An edit operation turning the stored source into the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EditOp {
    /// A word of the query missing from the source.
    Insert,
    /// A word of the source missing from the query.
    Delete,
    /// A word of the source replaced by one of the query.
    Replace,
}

/// One edit of the breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// What happens.
    pub op: EditOp,
    /// The source word (absent for an insertion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The query word (absent for a deletion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

/// The kinds of difference that cost points without being word edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PenaltyKind {
    /// Matched words differ in case.
    Case,
    /// Punctuation differs.
    Punctuation,
    /// Only the spacing between tokens differs.
    Whitespace,
    /// Matched numbers differ in value.
    Numbers,
    /// Matched placeholders differ.
    Placeholders,
    /// Inline tags differ.
    Tags,
    /// Menu accelerators (`&Fichier`) differ.
    Accelerators,
    /// The edit similarity was above 94, the top of the fuzzy band, which is
    /// kept for texts with the same words.
    FuzzyCap,
}

impl PenaltyKind {
    /// The name used in JSON and in `--explain` output.
    pub fn name(self) -> &'static str {
        match self {
            PenaltyKind::Case => "case",
            PenaltyKind::Punctuation => "punctuation",
            PenaltyKind::Whitespace => "whitespace",
            PenaltyKind::Numbers => "numbers",
            PenaltyKind::Placeholders => "placeholders",
            PenaltyKind::Tags => "tags",
            PenaltyKind::Accelerators => "accelerators",
            PenaltyKind::FuzzyCap => "fuzzycap",
        }
    }
}

/// One penalty of the breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Penalty {
    /// The kind of difference.
    pub kind: PenaltyKind,
    /// The points taken off.
    pub points: u8,
    /// What differs, for a person (`"Loi" / "loi"`).
    pub detail: String,
}

/// Why a candidate scored what it did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The scorer that computed it.
    pub scorer: Scorer,
    /// The final score, 0..=100.
    pub score: u8,
    /// Exact, equivalent (formatting only) or fuzzy.
    pub kind: MatchKind,
    /// Units (words, or characters for `chars`) of the query.
    pub query_len: usize,
    /// Units of the stored source.
    pub source_len: usize,
    /// Edit distance between the two unit sequences.
    pub distance: usize,
    /// `⌊100 × (max − distance) / max⌋`, before the cap and penalties.
    pub similarity: u8,
    /// The word edits turning the source into the query.
    pub edits: Vec<Edit>,
    /// The points taken off, and why.
    pub penalties: Vec<Penalty>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.scorer == Scorer::Chars {
            "characters"
        } else {
            "words"
        };
        let kind = match self.kind {
            MatchKind::Exact => "exact",
            MatchKind::Equivalent => "same words",
            MatchKind::Fuzzy => "fuzzy",
        };
        writeln!(
            f,
            "{} ({kind}, {}): {} edit(s) over max({}, {}) {unit} = similarity {}",
            self.score,
            self.scorer,
            self.distance,
            self.query_len,
            self.source_len,
            self.similarity
        )?;
        for e in &self.edits {
            match e.op {
                EditOp::Insert => writeln!(f, "  + insert {:?}", e.query.as_deref().unwrap_or(""))?,
                EditOp::Delete => {
                    writeln!(f, "  - delete {:?}", e.source.as_deref().unwrap_or(""))?
                }
                EditOp::Replace => writeln!(
                    f,
                    "  ~ replace {:?} -> {:?}",
                    e.source.as_deref().unwrap_or(""),
                    e.query.as_deref().unwrap_or("")
                )?,
            }
        }
        for p in &self.penalties {
            writeln!(f, "  -{} {}: {}", p.points, p.kind.name(), p.detail)?;
        }
        Ok(())
    }
}

/// Scores `query` against `candidate` (a stored source) with `scorer`.
///
/// The score is 0..=100; the explanation lists the edits turning the
/// candidate into the query and every penalty applied.
pub fn score(scorer: Scorer, query: &str, candidate: &str) -> (u8, Explanation) {
    let q = Parsed::new(scorer, query);
    let c = Parsed::new(scorer, candidate);
    score_parsed(scorer, &q, &c)
}

/// `⌊100 × (l − d) / l⌋`, the similarity every scorer starts from.
pub(crate) fn similarity(d: usize, l: usize) -> u8 {
    if l == 0 {
        return 100;
    }
    let s = 100 * l.saturating_sub(d) / l;
    u8::try_from(s).unwrap_or(100)
}

pub(crate) fn score_parsed(scorer: Scorer, q: &Parsed, c: &Parsed) -> (u8, Explanation) {
    // The script is computed from the smaller normalized text to the larger
    // so that ties in the alignment, and hence penalties, are symmetric.
    let flip = q.norm < c.norm;
    let (distance, steps) = if flip {
        let (d, s) = script(&q.units, &c.units);
        (d, s.into_iter().map(flip_step).collect())
    } else {
        script(&c.units, &q.units)
    };
    let l = q.units.len().max(c.units.len());
    let mut ex = Explanation {
        scorer,
        query_len: q.units.len(),
        source_len: c.units.len(),
        distance,
        similarity: similarity(distance, l),
        ..Explanation::default()
    };
    for step in &steps {
        match *step {
            Step::Keep(..) => {}
            Step::Replace(i, j) => ex.edits.push(Edit {
                op: EditOp::Replace,
                source: Some(c.surface(i)),
                query: Some(q.surface(j)),
            }),
            Step::Delete(i) => ex.edits.push(Edit {
                op: EditOp::Delete,
                source: Some(c.surface(i)),
                query: None,
            }),
            Step::Insert(j) => ex.edits.push(Edit {
                op: EditOp::Insert,
                source: None,
                query: Some(q.surface(j)),
            }),
        }
    }
    if q.norm == c.norm {
        ex.kind = MatchKind::Exact;
        ex.score = 100;
        return (100, ex);
    }
    match scorer {
        Scorer::Omegat => {
            ex.score = if l == 0 { 0 } else { ex.similarity };
            ex.kind = if distance == 0 {
                MatchKind::Equivalent
            } else {
                MatchKind::Fuzzy
            };
        }
        Scorer::Chars => {
            ex.score = ex.similarity;
            ex.kind = MatchKind::Fuzzy;
        }
        Scorer::Tmkit => {
            let equivalent = q.units == c.units;
            ex.penalties = formatting_penalties(q, c, &steps, equivalent);
            let taken: u32 = ex.penalties.iter().map(|p| u32::from(p.points)).sum();
            if equivalent {
                ex.kind = MatchKind::Equivalent;
                ex.score = u8::try_from(100u32.saturating_sub(taken).clamp(95, 99)).unwrap_or(95);
            } else {
                ex.kind = MatchKind::Fuzzy;
                let mut s = u32::from(ex.similarity);
                if s > 94 {
                    ex.penalties.insert(
                        0,
                        Penalty {
                            kind: PenaltyKind::FuzzyCap,
                            points: ex.similarity - 94,
                            detail: "words differ, so at most 94".into(),
                        },
                    );
                    s = 94;
                }
                ex.score = u8::try_from(s.saturating_sub(taken)).unwrap_or(0);
            }
        }
    }
    (ex.score, ex)
}

fn flip_step(s: Step) -> Step {
    match s {
        Step::Keep(i, j) => Step::Keep(j, i),
        Step::Replace(i, j) => Step::Replace(j, i),
        Step::Delete(i) => Step::Insert(i),
        Step::Insert(j) => Step::Delete(j),
    }
}

/// Formatting differences between `q` and `c`. In the equivalent band
/// numbers and placeholders cost 2 and the rest 1; in the fuzzy band every
/// kind costs 1.
fn formatting_penalties(q: &Parsed, c: &Parsed, steps: &[Step], equivalent: bool) -> Vec<Penalty> {
    let mut out = Vec::new();
    let heavy = if equivalent { 2 } else { 1 };
    let mut case = Vec::new();
    let mut nums = Vec::new();
    let mut phs = Vec::new();
    for step in steps {
        let Step::Keep(i, j) = *step else { continue };
        let (Some(ct), Some(qt)) = (
            c.origin.get(i).and_then(|&t| c.tokens.get(t)),
            q.origin.get(j).and_then(|&t| q.tokens.get(t)),
        ) else {
            continue;
        };
        if ct.text == qt.text {
            continue;
        }
        let pair = format!("{:?} / {:?}", ct.text, qt.text);
        match ct.kind {
            TokenKind::Word => case.push(pair),
            TokenKind::Number => nums.push(pair),
            TokenKind::Placeholder => phs.push(pair),
            _ => {}
        }
    }
    let mut push = |kind, points, items: Vec<String>| {
        if !items.is_empty() {
            out.push(Penalty {
                kind,
                points,
                detail: items.join(", "),
            });
        }
    };
    push(PenaltyKind::Case, 1, case);
    push(PenaltyKind::Numbers, heavy, nums);
    push(PenaltyKind::Placeholders, heavy, phs);
    push(
        PenaltyKind::Punctuation,
        1,
        seq_diff(q, c, |t| t.kind == TokenKind::Punct),
    );
    push(
        PenaltyKind::Tags,
        1,
        seq_diff(q, c, |t| t.kind == TokenKind::Tag),
    );
    let accel = |p: &Parsed| -> Vec<String> {
        p.tokens
            .iter()
            .filter_map(|t| t.marked.as_deref())
            .map(str::to_lowercase)
            .collect()
    };
    if accel(q) != accel(c) {
        push(
            PenaltyKind::Accelerators,
            1,
            vec![format!("source {:?}, query {:?}", accel(c), accel(q))],
        );
    }
    if equivalent && out.is_empty() {
        // Same tokens, same markup: what is left is the spacing between them.
        out.push(Penalty {
            kind: PenaltyKind::Whitespace,
            points: 1,
            detail: format!("{:?} / {:?}", c.norm, q.norm),
        });
    }
    out
}

/// The tokens selected by `keep` when their sequences differ, as
/// `source … / query …`.
fn seq_diff(q: &Parsed, c: &Parsed, keep: impl Fn(&Token) -> bool) -> Vec<String> {
    fn pick<'a>(p: &'a Parsed, keep: &impl Fn(&Token) -> bool) -> Vec<&'a str> {
        p.tokens
            .iter()
            .filter(|t| keep(t))
            .map(|t| t.text.as_str())
            .collect()
    }
    let (qs, cs) = (pick(q, &keep), pick(c, &keep));
    if qs == cs {
        return Vec::new();
    }
    vec![format!("source {:?}, query {:?}", cs.concat(), qs.concat())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;

    #[test]
    fn exact_and_equivalent() {
        assert_eq!(score(Scorer::Tmkit, "Le chat.", "  Le  chat. ").0, 100);
        let (s, ex) = score(Scorer::Tmkit, "Le chat.", "le chat.");
        assert_eq!(s, 99);
        assert_eq!(ex.penalties[0].kind, PenaltyKind::Case);
        let (s, ex) = score(Scorer::Tmkit, "Page 3 de 4", "Page 5 de 4");
        assert_eq!(s, 98);
        assert_eq!(ex.kind, MatchKind::Equivalent);
    }

    #[test]
    fn fuzzy_lists_edits() {
        let (s, ex) = score(Scorer::Tmkit, "le grand chat noir", "le petit chat");
        // distance 2 over 4 words
        assert_eq!(ex.distance, 2);
        assert_eq!(s, 50);
        assert!(ex
            .edits
            .iter()
            .any(|e| e.op == EditOp::Insert && e.query.as_deref() == Some("noir")));
        assert!(ex
            .edits
            .iter()
            .any(|e| e.op == EditOp::Replace && e.source.as_deref() == Some("petit")));
        assert!(ex.to_string().contains("replace \"petit\" -> \"grand\""));
    }

    #[test]
    fn chars_is_plain_levenshtein() {
        assert_eq!(score(Scorer::Chars, "kitten", "sitting").0, 57);
    }

    #[test]
    fn scorer_names() {
        assert_eq!("OmegaT".parse::<Scorer>().ok(), Some(Scorer::Omegat));
        assert!("nope".parse::<Scorer>().is_err());
    }

    /// [`lowercase`] borrows only when `str::to_lowercase` changes nothing:
    /// every character alone, and words with a final sigma, a dotted capital
    /// I, titlecase digraphs.
    #[test]
    fn lowercase_agrees_with_to_lowercase() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = c.encode_utf8(&mut buf);
            assert_eq!(lowercase(s), s.to_lowercase(), "{c:?}");
        }
        for s in [
            "ΟΔΟΣ",
            "σοφός",
            "ΣΑΣ Σ",
            "İstanbul",
            "ǅemal",
            "straße",
            "STRAẞE",
            "Ωmega",
        ] {
            assert_eq!(lowercase(s), s.to_lowercase(), "{s:?}");
        }
    }

    /// Pieces of texts where the index's units could part from the
    /// query's: case in several scripts, accelerators, markup, texts
    /// without words, normalization.
    fn pieces() -> impl Strategy<Value = String> {
        let piece = proptest::sample::select(vec![
            "Le",
            "chat",
            "ΟΔΟΣ",
            "σοφός",
            "İstanbul",
            "ǅemal",
            "STRAẞE",
            "ﬁn",
            "&Fichier",
            "Fi&chier",
            "_Quitter",
            "R&D",
            "3,5",
            "%s",
            "{n}",
            "&amp;",
            "<b>",
            "</b>",
            "我们",
            "ที่",
            "🎉",
            "👩\u{200D}💻",
            "e\u{301}",
            "\u{2019}",
            "'",
            "!",
            ".",
            " ",
            "\u{a0}",
            "\t",
            "<",
            ">",
            "&",
            "_",
            "%",
        ]);
        proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
    }

    /// The units of a text as they were defined before the index had a
    /// path of its own: from [`tokenize`], one owned, lowercased `String`
    /// per word.
    fn reference_units(scorer: Scorer, text: &str) -> Vec<Unit> {
        let tokens = tokenize(text);
        let mut units = Vec::new();
        match scorer {
            Scorer::Tmkit => {
                for t in &tokens {
                    units.push(match t.kind {
                        TokenKind::Word => Unit::Str(t.text.to_lowercase().into()),
                        TokenKind::Number => Unit::Num,
                        TokenKind::Placeholder => Unit::Ph,
                        TokenKind::Punct | TokenKind::Tag => continue,
                    });
                }
                for kind in [TokenKind::Punct, TokenKind::Tag] {
                    if units.is_empty() {
                        let of_kind = tokens.iter().filter(|t| t.kind == kind);
                        units.extend(of_kind.map(|t| Unit::Str(t.text.as_str().into())));
                    }
                }
            }
            Scorer::Omegat => {
                for t in &tokens {
                    if matches!(
                        t.kind,
                        TokenKind::Word | TokenKind::Number | TokenKind::Placeholder
                    ) {
                        units.push(Unit::Str(t.text.as_str().into()));
                    }
                }
            }
            Scorer::Chars => units.extend(join(&tokens).chars().map(Unit::Char)),
        }
        units
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// The units an index stores for a text ([`each_unit`]) are those a
        /// query of the same text has ([`Parsed::new`]), and those of the
        /// straightforward definition: the scorer's equality is what the
        /// index's exactness rests on.
        #[test]
        fn indexed_units_are_the_query_units(
            s in proptest::sample::select(vec![Scorer::Tmkit, Scorer::Omegat, Scorer::Chars]),
            text in proptest::prop_oneof![pieces(), "\\PC{0,30}", crate::tests::text()],
        ) {
            let mut got = Vec::new();
            each_unit(s, &text, |u| got.push(u.to_unit()));
            let want = reference_units(s, &text);
            proptest::prop_assert_eq!(&got, &want);
            proptest::prop_assert_eq!(&Parsed::new(s, &text).units, &want);
        }
    }
}
