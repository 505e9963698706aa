//! Bilingual word lexicons: learned from unit pairs (Dice), or read from a
//! dictionary file.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Write};

use crate::error::{Error, Result};
use crate::text::{fold, words};

/// The first line of a saved lexicon; [`Lexicon::from_reader`] checks it.
const HEADER: &str = "# tmkit-lexicon 1";

/// A bilingual word lexicon: for each folded source word, its likely
/// translations with a weight in 0..=1.
///
/// Words are compared folded (lowercase, no diacritics), so `Élève` and
/// `eleve` are one entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lexicon {
    entries: HashMap<String, Vec<(String, f32)>>,
}

/// Settings of [`Lexicon::learn`].
#[derive(Clone, Debug)]
pub struct LearnOptions {
    min_count: u32,
    min_dice: f32,
    per_word: usize,
    max_words: usize,
    max_pairs: usize,
}

impl Default for LearnOptions {
    fn default() -> LearnOptions {
        LearnOptions {
            min_count: 2,
            min_dice: 0.1,
            per_word: 3,
            max_words: 60,
            max_pairs: 24_000_000,
        }
    }
}

impl LearnOptions {
    /// Defaults: a pair must co-occur in 2 units, Dice ≥ 0.1, 3 translations
    /// per word, units longer than 60 words skipped, 24M pair counters.
    pub fn new() -> LearnOptions {
        LearnOptions::default()
    }
    /// A pair must co-occur in at least `n` units (at least 1).
    pub fn min_count(mut self, n: u32) -> LearnOptions {
        self.min_count = n.max(1);
        self
    }
    /// Dice coefficient a pair needs, clamped to 0..=1.
    pub fn min_dice(mut self, d: f32) -> LearnOptions {
        self.min_dice = if d.is_nan() { 0.0 } else { d.clamp(0.0, 1.0) };
        self
    }
    /// Translations kept per source word (at least 1).
    pub fn per_word(mut self, n: usize) -> LearnOptions {
        self.per_word = n.max(1);
        self
    }
    /// Units with more words than this on either side are skipped: they cost
    /// quadratically and teach little.
    pub fn max_words(mut self, n: usize) -> LearnOptions {
        self.max_words = n.max(1);
        self
    }
    /// Bound on distinct pair counters held in memory (about 16 bytes each);
    /// past it, rare pairs are dropped.
    pub fn max_pairs(mut self, n: usize) -> LearnOptions {
        self.max_pairs = n.max(1024);
        self
    }
}

/// A fast hasher for integer keys (the pair table holds tens of millions).
#[derive(Default)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        // A multiply leaves the low bits (the bucket index) depending on the
        // low input bits only: pair keys then collided on the target word,
        // and learning 50k units took 23 s. The splitmix64 finaliser mixes
        // every bit into every bit.
        let mut x = self.0;
        x ^= x >> 30;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 27;
        x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
}

pub(crate) type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;
pub(crate) type StrMap<V> = HashMap<String, V, BuildHasherDefault<IntHasher>>;

/// Counts unit-level co-occurrences for the Dice coefficient, over word
/// ids given by the caller.
pub(crate) struct DiceCounter {
    src_df: Vec<u32>,
    tgt_df: Vec<u32>,
    pairs: IntMap<u64, u32>,
    prune_below: u32,
    opts: LearnOptions,
}

fn intern(vocab: &mut StrMap<u32>, names: &mut Vec<String>, w: String) -> u32 {
    if let Some(&id) = vocab.get(&w) {
        return id;
    }
    let id = names.len() as u32;
    names.push(w.clone());
    vocab.insert(w, id);
    id
}

fn bump(df: &mut Vec<u32>, id: u32) {
    let k = id as usize;
    if df.len() <= k {
        df.resize(k + 1, 0);
    }
    df[k] += 1;
}

impl DiceCounter {
    pub(crate) fn new(opts: LearnOptions) -> DiceCounter {
        DiceCounter {
            src_df: Vec::new(),
            tgt_df: Vec::new(),
            pairs: IntMap::default(),
            prune_below: 2,
            opts,
        }
    }

    /// Adds one unit, given as word ids.
    pub(crate) fn add_ids(&mut self, mut s: Vec<u32>, mut t: Vec<u32>) {
        if s.is_empty()
            || t.is_empty()
            || s.len() > self.opts.max_words
            || t.len() > self.opts.max_words
        {
            return;
        }
        s.sort_unstable();
        s.dedup();
        t.sort_unstable();
        t.dedup();
        for &a in &s {
            bump(&mut self.src_df, a);
        }
        for &b in &t {
            bump(&mut self.tgt_df, b);
        }
        for &a in &s {
            for &b in &t {
                *self
                    .pairs
                    .entry((u64::from(a) << 32) | u64::from(b))
                    .or_insert(0) += 1;
            }
        }
        if self.pairs.len() > self.opts.max_pairs {
            // Lossy counting: drop rare pairs, raising the bar until the
            // table is back to half its bound.
            while self.pairs.len() > self.opts.max_pairs / 2 {
                let bar = self.prune_below;
                self.pairs.retain(|_, c| *c >= bar);
                self.prune_below += 1;
            }
        }
    }

    /// The Dice lexicon of what was counted; ids name `src_names` and
    /// `tgt_names`.
    pub(crate) fn finish(self, src_names: &[String], tgt_names: &[String]) -> Lexicon {
        let mut best: IntMap<u32, Vec<(u32, f32)>> = IntMap::default();
        for (key, c) in self.pairs {
            if c < self.opts.min_count {
                continue;
            }
            let (a, b) = ((key >> 32) as u32, key as u32);
            let dice = 2.0 * c as f32 / (self.src_df[a as usize] + self.tgt_df[b as usize]) as f32;
            if dice >= self.opts.min_dice {
                best.entry(a).or_default().push((b, dice));
            }
        }
        let mut lex = Lexicon::default();
        for (a, mut cands) in best {
            let Some(src) = src_names.get(a as usize) else {
                continue;
            };
            cands.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            cands.truncate(self.opts.per_word);
            let list = cands
                .into_iter()
                .filter_map(|(b, d)| Some((tgt_names.get(b as usize)?.clone(), d)))
                .collect();
            lex.entries.insert(src.clone(), list);
        }
        lex
    }
}

impl Lexicon {
    /// An empty lexicon.
    pub fn new() -> Lexicon {
        Lexicon::default()
    }

    /// Learns a lexicon from translation units (source, target), by the Dice
    /// coefficient of unit-level co-occurrence.
    ///
    /// Memory is bounded by [`LearnOptions::max_pairs`]; one pass over the
    /// units, so a stream from a store or a gzip file works.
    pub fn learn<I, S, T>(pairs: I, opts: &LearnOptions) -> Lexicon
    where
        I: IntoIterator<Item = (S, T)>,
        S: AsRef<str>,
        T: AsRef<str>,
    {
        let mut counter = DiceCounter::new(opts.clone());
        let (mut src_vocab, mut tgt_vocab) = (StrMap::default(), StrMap::default());
        let (mut src_names, mut tgt_names) = (Vec::new(), Vec::new());
        for (s, t) in pairs {
            let s = words(s.as_ref())
                .map(|w| intern(&mut src_vocab, &mut src_names, w))
                .collect();
            let t = words(t.as_ref())
                .map(|w| intern(&mut tgt_vocab, &mut tgt_names, w))
                .collect();
            counter.add_ids(s, t);
        }
        counter.finish(&src_names, &tgt_names)
    }

    /// Reads a tab-separated dictionary: `source<TAB>target[<TAB>weight]` per
    /// line; `#` comments and blank lines are skipped; multi-word entries
    /// are ignored (the aligner matches single words).
    pub fn from_tsv(text: &str) -> Result<Lexicon> {
        let mut lex = Lexicon::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(s), Some(t)) = (cols.next(), cols.next()) else {
                return Err(Error::Lexicon {
                    line: n + 1,
                    message: "expected `source<TAB>target[<TAB>weight]`",
                    got: line.to_string(),
                });
            };
            let weight = match cols.next() {
                None => 1.0,
                Some(w) => match w.trim().parse::<f32>() {
                    Ok(w) if (0.0..=1.0).contains(&w) => w,
                    _ => {
                        return Err(Error::Lexicon {
                            line: n + 1,
                            message: "the weight (third column) must be a number in 0..=1",
                            got: line.to_string(),
                        })
                    }
                },
            };
            lex.insert(s, t, weight);
        }
        Ok(lex)
    }

    /// Reads a hunalign dictionary: `target @ source` per line.
    pub fn from_hunalign(text: &str) -> Result<Lexicon> {
        let mut lex = Lexicon::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let Some((t, s)) = line.split_once(" @ ") else {
                return Err(Error::Lexicon {
                    line: n + 1,
                    message: "expected hunalign's `target @ source`",
                    got: line.to_string(),
                });
            };
            lex.insert(s, t, 1.0);
        }
        Ok(lex)
    }

    /// Adds `source → target` with `weight`; entries that are not one word
    /// on each side are ignored. Returns whether it was added.
    pub fn insert(&mut self, source: &str, target: &str, weight: f32) -> bool {
        let (s, t) = (fold(source.trim()), fold(target.trim()));
        let one_word = |w: &str| !w.is_empty() && w.chars().all(char::is_alphanumeric);
        if !one_word(&s) || !one_word(&t) {
            return false;
        }
        let list = self.entries.entry(s).or_default();
        match list.iter_mut().find(|(w, _)| *w == t) {
            Some(e) => e.1 = e.1.max(weight),
            None => list.push((t, weight)),
        }
        true
    }

    /// Adds every entry of `other`.
    pub fn merge(&mut self, other: &Lexicon) {
        for (s, list) in &other.entries {
            for (t, w) in list {
                let dst = self.entries.entry(s.clone()).or_default();
                match dst.iter_mut().find(|(x, _)| x == t) {
                    Some(e) => e.1 = e.1.max(*w),
                    None => dst.push((t.clone(), *w)),
                }
            }
        }
    }

    /// The translations of a (folded) source word.
    pub fn translations(&self, source: &str) -> &[(String, f32)] {
        self.entries.get(source).map_or(&[], Vec::as_slice)
    }

    /// Every entry: (source, target, weight).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, f32)> {
        self.entries
            .iter()
            .flat_map(|(s, l)| l.iter().map(move |(t, w)| (s.as_str(), t.as_str(), *w)))
    }

    /// The number of source words.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Saves the lexicon as text: a header line, then sorted
    /// `source<TAB>target<TAB>weight` lines.
    pub fn to_writer<W: Write>(&self, mut w: W) -> Result<()> {
        writeln!(w, "{HEADER}")?;
        let mut all: Vec<_> = self.iter().collect();
        all.sort_by(|a, b| a.0.cmp(b.0).then(b.2.total_cmp(&a.2)).then(a.1.cmp(b.1)));
        for (s, t, x) in all {
            writeln!(w, "{s}\t{t}\t{x}")?;
        }
        w.flush()?;
        Ok(())
    }

    /// Loads a lexicon saved by [`Lexicon::to_writer`].
    pub fn from_reader<R: Read>(mut r: R) -> Result<Lexicon> {
        let mut text = String::new();
        r.read_to_string(&mut text)?;
        let first = text.lines().next().unwrap_or("");
        if first.trim_end() != HEADER {
            return Err(Error::Lexicon {
                line: 1,
                message: "not a saved tmkit lexicon (expected the header `# tmkit-lexicon 1`); use from_tsv for a plain dictionary",
                got: first.chars().take(80).collect(),
            });
        }
        Lexicon::from_tsv(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_frequent_pair() {
        let units = [
            ("le chat dort", "the cat sleeps"),
            ("un chat noir", "a black cat"),
            ("le chien dort", "the dog sleeps"),
            ("le chien noir", "the black dog"),
        ];
        let lex = Lexicon::learn(units, &LearnOptions::new().min_dice(0.5));
        assert_eq!(lex.translations("chat")[0].0, "cat");
        assert_eq!(lex.translations("chien")[0].0, "dog");
        assert_eq!(lex.translations("noir")[0].0, "black");
        assert!(lex.translations("souris").is_empty());
    }

    #[test]
    fn pruning_keeps_frequent_pairs() {
        let mut units = vec![("maison".to_string(), "house".to_string()); 50];
        for i in 0..3000 {
            units.push((format!("x{i} maison"), format!("y{i} house")));
        }
        let lex = Lexicon::learn(units, &LearnOptions::new().max_pairs(1024));
        assert_eq!(lex.translations("maison")[0].0, "house");
    }

    #[test]
    fn reads_tsv_and_hunalign() {
        let lex =
            Lexicon::from_tsv("# dict\nmaison\thouse\nÉcole\tschool\t0.5\nmot composé\tcompound\n")
                .unwrap();
        assert_eq!(lex.translations("ecole"), &[("school".to_string(), 0.5)]);
        assert_eq!(lex.translations("maison")[0].0, "house");
        assert_eq!(lex.len(), 2);
        let hun = Lexicon::from_hunalign("house @ maison\nblack cat @ chat noir\n").unwrap();
        assert_eq!(hun.translations("maison")[0].0, "house");
        assert_eq!(hun.len(), 1);
    }

    #[test]
    fn bad_lines_report_position() {
        match Lexicon::from_tsv("a\tb\nbroken\n") {
            Err(Error::Lexicon { line, got, .. }) => {
                assert_eq!(line, 2);
                assert_eq!(got, "broken");
            }
            other => panic!("expected a lexicon error, got {other:?}"),
        }
        assert!(matches!(
            Lexicon::from_tsv("a\tb\t7\n"),
            Err(Error::Lexicon { line: 1, .. })
        ));
        assert!(matches!(
            Lexicon::from_hunalign("house maison\n"),
            Err(Error::Lexicon { line: 1, .. })
        ));
        assert!(matches!(
            Lexicon::from_reader("a\tb\n".as_bytes()),
            Err(Error::Lexicon { line: 1, .. })
        ));
    }

    #[test]
    fn save_load_roundtrip() {
        let mut lex = Lexicon::new();
        lex.insert("maison", "house", 0.75);
        lex.insert("maison", "home", 0.5);
        lex.insert("chat", "cat", 1.0);
        let mut buf = Vec::new();
        lex.to_writer(&mut buf).unwrap();
        let back = Lexicon::from_reader(buf.as_slice()).unwrap();
        assert_eq!(back.len(), 2);
        let mut got: Vec<_> = back
            .iter()
            .map(|(s, t, w)| (s.to_string(), t.to_string(), w))
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(
            got,
            [
                ("chat".into(), "cat".into(), 1.0),
                ("maison".into(), "home".into(), 0.5),
                ("maison".into(), "house".into(), 0.75)
            ]
        );
    }
}
