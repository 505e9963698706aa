//! The exact index: prefix filtering over rare words, a length filter, and a
//! bounded Levenshtein, so that `search` returns what a full scan returns.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde::Serialize;

use crate::score::{each_unit, Explanation, Parsed, Scorer, UnitRef};
use crate::search::{
    bucket, items, min_overlap, query_units, set_bit, Found, Posting, TableView, View,
};

/// A candidate found by the index: the caller's key and its score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The key the caller gave with the text (the engine uses unit ids).
    pub key: u64,
    /// The score, 0..=100.
    pub score: u8,
    /// Why it scored what it did.
    pub explanation: Explanation,
}

/// What a search did, to see where its time went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SearchStats {
    /// Postings read.
    pub postings: usize,
    /// Texts the postings proposed (all texts for a full scan).
    pub candidates: usize,
    /// Candidates within the length and edit-distance bounds.
    pub within_bounds: usize,
    /// Candidates fully scored (tokenized again and explained).
    pub scored: usize,
}

/// A multiplicative hasher for the index's integer and short-string keys:
/// the std SipHash is collision-proof but about three times slower here, and
/// the keys are not attacker-chosen in a way that matters (a worst case is a
/// slower build, never a wrong answer).
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(buf));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending on the low bits of the
        // input only, and `(unit << 32) | occurrence` keys differ in their high
        // bits: without this mix every first occurrence shared a bucket and the
        // postings of 100,000 units took 2.39 s to build instead of 0.10 s
        // (`bench_bigtm --lines 100000`).
        let h = self.0;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// The units of an index, numbered in order of first appearance.
///
/// Words are keyed by `str`, so that a word already seen is found from the
/// slice of the text it was read from, without a `String` per occurrence:
/// with a map keyed by the owned unit, every word of every imported unit was
/// allocated (and lowercased into a second allocation) to be looked up.
#[derive(Clone, Default)]
pub(crate) struct Vocab {
    strs: FxMap<Box<str>, u32>,
    chars: FxMap<char, u32>,
    num: Option<u32>,
    ph: Option<u32>,
}

impl Vocab {
    /// How many units.
    pub(crate) fn len(&self) -> usize {
        self.strs.len()
            + self.chars.len()
            + usize::from(self.num.is_some())
            + usize::from(self.ph.is_some())
    }

    /// The number of unit `u`, if it was seen.
    pub(crate) fn get(&self, u: UnitRef<'_>) -> Option<u32> {
        match u {
            UnitRef::Str(s) => self.strs.get(s).copied(),
            UnitRef::Num => self.num,
            UnitRef::Ph => self.ph,
            UnitRef::Char(c) => self.chars.get(&c).copied(),
        }
    }

    /// The number of unit `u`, the next one if it is new.
    fn intern(&mut self, u: UnitRef<'_>) -> u32 {
        let next = u32::try_from(self.len()).unwrap_or(u32::MAX);
        match u {
            UnitRef::Str(s) => match self.strs.get(s) {
                Some(&id) => id,
                None => *self.strs.entry(s.into()).or_insert(next),
            },
            UnitRef::Num => *self.num.get_or_insert(next),
            UnitRef::Ph => *self.ph.get_or_insert(next),
            UnitRef::Char(c) => *self.chars.entry(c).or_insert(next),
        }
    }

    /// Every unit with its number, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (UnitRef<'_>, u32)> {
        let strs = self.strs.iter().map(|(s, &id)| (UnitRef::Str(s), id));
        let chars = self.chars.iter().map(|(&c, &id)| (UnitRef::Char(c), id));
        let num = self.num.map(|id| (UnitRef::Num, id));
        let ph = self.ph.map(|id| (UnitRef::Ph, id));
        strs.chain(chars).chain(num).chain(ph)
    }
}

/// Configures an [`Index`].
#[derive(Clone, Copy, Debug)]
pub struct IndexBuilder {
    scorer: Scorer,
    min_indexed: u8,
}

impl Default for IndexBuilder {
    fn default() -> IndexBuilder {
        IndexBuilder::new()
    }
}

impl IndexBuilder {
    /// The default configuration: the tmkit scorer, and postings that serve
    /// every threshold from 50 up.
    pub fn new() -> IndexBuilder {
        IndexBuilder {
            scorer: Scorer::Tmkit,
            min_indexed: 50,
        }
    }

    /// The scorer the index ranks with.
    pub fn scorer(mut self, scorer: Scorer) -> IndexBuilder {
        self.scorer = scorer;
        self
    }

    /// The lowest threshold the postings serve (1..=100, default 50).
    /// Queries with a lower `min` still get exact answers, by a full scan.
    /// A higher value makes the index smaller and queries faster.
    pub fn min_indexed(mut self, min: u8) -> IndexBuilder {
        self.min_indexed = min;
        self
    }

    /// An empty index with this configuration.
    pub fn build(self) -> crate::Result<Index> {
        if !(1..=100).contains(&self.min_indexed) {
            return Err(crate::Error::BadThreshold {
                got: self.min_indexed,
            });
        }
        Ok(Index {
            scorer: self.scorer,
            min_indexed: self.min_indexed,
            ..Index::default()
        })
    }
}

/// An index of source texts from which the best matches of a query are
/// found: exactly those a full scan with the same scorer finds.
///
/// Texts are added with [`Index::add`]; the posting tables are built on the
/// first search after the last addition (or by [`Index::build`]).
///
/// The search itself reads borrowed tables (`search.rs`), the same code that
/// answers from an on-disk [`Segment`](crate::Segment): a segment is this
/// index written out as it lies.
pub struct Index {
    pub(crate) scorer: Scorer,
    pub(crate) min_indexed: u8,
    /// Unit → its number, in order of first appearance.
    pub(crate) vocab: Vocab,
    pub(crate) keys: Vec<u64>,
    pub(crate) texts: String,
    /// Record → end of its text in `texts`.
    pub(crate) text_end: Vec<u64>,
    pub(crate) units: Vec<u32>,
    /// Record → end of its units in `units`.
    pub(crate) unit_end: Vec<u64>,
    tables: OnceLock<Tables>,
}

/// The posting tables, derived from the records (the fields are those of
/// [`TableView`], owned).
#[derive(Clone, Default)]
pub(crate) struct Tables {
    pub(crate) item_base: Vec<u32>,
    pub(crate) rank: Vec<u32>,
    pub(crate) start: Vec<u64>,
    pub(crate) postings: Vec<Posting>,
    pub(crate) empty: Vec<u32>,
}

impl Tables {
    fn view(&self) -> TableView<'_> {
        TableView {
            item_base: &self.item_base,
            rank: &self.rank,
            start: &self.start,
            postings: &self.postings,
            empty: &self.empty,
        }
    }
}

impl Default for Index {
    fn default() -> Index {
        Index {
            scorer: Scorer::Tmkit,
            min_indexed: 50,
            vocab: Vocab::default(),
            keys: Vec::new(),
            texts: String::new(),
            text_end: Vec::new(),
            units: Vec::new(),
            unit_end: Vec::new(),
            tables: OnceLock::new(),
        }
    }
}

impl Clone for Index {
    fn clone(&self) -> Index {
        Index {
            scorer: self.scorer,
            min_indexed: self.min_indexed,
            vocab: self.vocab.clone(),
            keys: self.keys.clone(),
            texts: self.texts.clone(),
            text_end: self.text_end.clone(),
            units: self.units.clone(),
            unit_end: self.unit_end.clone(),
            tables: self.tables.clone(),
        }
    }
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("scorer", &self.scorer)
            .field("min_indexed", &self.min_indexed)
            .field("texts", &self.keys.len())
            .field("built", &self.tables.get().is_some())
            .finish()
    }
}

impl Index {
    /// An empty index scoring with `scorer` (postings serve thresholds from
    /// 50 up; see [`IndexBuilder`]).
    pub fn new(scorer: Scorer) -> Index {
        Index {
            scorer,
            ..Index::default()
        }
    }

    /// The scorer this index ranks with.
    pub fn scorer(&self) -> Scorer {
        self.scorer
    }

    /// How many texts the index holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the index holds no text.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Adds a text under `key`. Keys need not be unique or ordered; hits
    /// report them as given.
    pub fn add(&mut self, key: u64, text: &str) {
        self.tables = OnceLock::new();
        let (vocab, units) = (&mut self.vocab, &mut self.units);
        each_unit(self.scorer, text, |u| units.push(vocab.intern(u)));
        self.unit_end.push(self.units.len() as u64);
        self.texts.push_str(text);
        self.text_end.push(self.texts.len() as u64);
        self.keys.push(key);
    }

    /// Builds the posting tables now rather than on the first search.
    pub fn build(&mut self) {
        self.tables();
    }

    /// An estimate of the heap memory the index uses, in bytes.
    pub fn memory_bytes(&self) -> usize {
        let vocab: usize = self
            .vocab
            .iter()
            .map(|(u, _)| match u {
                UnitRef::Str(s) => s.len() + 40,
                _ => 40,
            })
            .sum();
        let t = self.tables.get();
        vocab
            + self.keys.capacity() * 8
            + self.texts.capacity()
            + self.text_end.capacity() * 8
            + self.units.capacity() * 4
            + self.unit_end.capacity() * 8
            + t.map_or(0, |t| {
                t.item_base.capacity() * 4
                    + t.rank.capacity() * 4
                    + t.start.capacity() * 8
                    + t.postings.capacity() * std::mem::size_of::<Posting>()
                    + t.empty.capacity() * 4
            })
    }

    /// The units of record `r`, which [`Index::add`] laid out.
    fn units_of(&self, r: usize) -> &[u32] {
        let start = if r == 0 {
            0
        } else {
            self.unit_end[r - 1] as usize
        };
        &self.units[start..self.unit_end[r] as usize]
    }

    pub(crate) fn tables(&self) -> &Tables {
        self.tables.get_or_init(|| self.build_tables())
    }

    /// The records and, if `indexed`, the posting tables (built now if
    /// need be), as the search reads them.
    pub(crate) fn view(&self, indexed: bool) -> View<'_> {
        View {
            scorer: self.scorer,
            min_indexed: self.min_indexed,
            keys: &self.keys,
            unit_end: &self.unit_end,
            units: &self.units,
            text_end: &self.text_end,
            texts: self.texts.as_bytes(),
            tables: indexed.then(|| self.tables().view()),
        }
    }

    /// Every record is indexed under the first `m − ⌈min_indexed · m / 100⌉ + 1`
    /// of its items in the global order (rarest first): the prefix-filtering
    /// lemma in docs/MATCHING.md shows that any pair scoring at least
    /// `min_indexed` shares an item in both prefixes.
    fn build_tables(&self) -> Tables {
        let mut t = Tables::default();
        // The items of unit `u` are `(u, 0)` … `(u, most[u] − 1)`, `most[u]`
        // being the most times `u` occurs in one record: they are numbered
        // from `item_base[u]` on, which a segment stores as one array where a
        // hash table from `(unit, occurrence)` would need rebuilding.
        let mut most = vec![0u32; self.vocab.len()];
        let mut count = vec![0u32; self.vocab.len()];
        for r in 0..self.keys.len() {
            let units = self.units_of(r);
            for &u in units {
                count[u as usize] += 1;
                most[u as usize] = most[u as usize].max(count[u as usize]);
            }
            for &u in units {
                count[u as usize] = 0;
            }
        }
        drop(count);
        t.item_base = Vec::with_capacity(most.len() + 1);
        let mut acc = 0u32;
        for m in most {
            t.item_base.push(acc);
            acc += m;
        }
        t.item_base.push(acc);
        let mut df = vec![0u32; acc as usize];
        let mut rec_items: Vec<u32> = Vec::with_capacity(self.units.len());
        for r in 0..self.keys.len() {
            let units = self.units_of(r);
            if units.is_empty() {
                t.empty.push(r as u32);
            }
            for key in items(units) {
                let id = t.item_base[(key >> 32) as usize] + key as u32;
                df[id as usize] += 1;
                rec_items.push(id);
            }
        }
        let mut order: Vec<u32> = (0..df.len() as u32).collect();
        order.sort_unstable_by_key(|&i| (df[i as usize], i));
        t.rank = vec![0; df.len()];
        for (r, &i) in order.iter().enumerate() {
            t.rank[i as usize] = r as u32;
        }
        drop(order);
        let mut counts = vec![0u64; df.len() + 1];
        // The prefix of record `r`: its first items in the global order,
        // `prefixes[prefix_end[r − 1]..prefix_end[r]]`, the place of each in
        // it being its position. No prefix is longer than its record, so
        // the table is allocated once (grown by doubling, its copies were
        // 7 % of a segment build's time).
        let prefix_len = |m: usize| {
            (m + 1)
                .saturating_sub(min_overlap(m, self.min_indexed))
                .min(m)
        };
        let mut prefixes: Vec<u32> = Vec::with_capacity(
            (0..self.keys.len())
                .map(|r| prefix_len(self.units_of(r).len()))
                .sum(),
        );
        let mut prefix_end: Vec<usize> = Vec::with_capacity(self.keys.len());
        let mut pos = 0;
        let mut scratch: Vec<u32> = Vec::new();
        for r in 0..self.keys.len() {
            let m = self.units_of(r).len();
            scratch.clear();
            scratch.extend_from_slice(&rec_items[pos..pos + m]);
            pos += m;
            scratch.sort_unstable_by_key(|&i| t.rank[i as usize]);
            for &i in &scratch[..prefix_len(m)] {
                counts[i as usize] += 1;
                prefixes.push(i);
            }
            prefix_end.push(prefixes.len());
        }
        drop(rec_items);
        t.start = Vec::with_capacity(df.len() + 1);
        let mut acc = 0;
        for c in &counts[..df.len()] {
            t.start.push(acc);
            acc += c;
        }
        t.start.push(acc);
        // Each item's postings are sorted by (record length, position,
        // record). Rather than filling them in record order and sorting
        // each item's list (48-byte entries moved about), they are filled
        // in that order: records by length (a stable sort keeps their
        // numbers ascending), and within one length, position after
        // position. Records of one length have prefixes of one length.
        let record_len = |r: usize| u32::try_from(self.units_of(r).len()).unwrap_or(u32::MAX);
        let mut by_len: Vec<u32> = (0..self.keys.len() as u32).collect();
        by_len.sort_by_key(|&r| record_len(r as usize));
        let sigs: Vec<[u128; 2]> = (0..self.keys.len())
            .map(|r| {
                self.units_of(r)
                    .iter()
                    .fold([0u128; 2], |m, &u| set_bit(m, bucket(u)))
            })
            .collect();
        t.postings = vec![Posting::default(); acc as usize];
        let mut fill: Vec<u64> = t.start[..df.len()].to_vec();
        for group in by_len.chunk_by(|&a, &b| record_len(a as usize) == record_len(b as usize)) {
            let len = record_len(group[0] as usize);
            let begin = |r: u32| match r.checked_sub(1) {
                None => 0,
                Some(p) => prefix_end[p as usize],
            };
            let p = prefix_end[group[0] as usize] - begin(group[0]);
            for pos in 0..p {
                for &r in group {
                    let i = prefixes[begin(r) + pos] as usize;
                    t.postings[fill[i] as usize] = Posting {
                        record: r,
                        pos: pos as u32,
                        len,
                        pad: 0,
                        sig: sigs[r as usize],
                    };
                    fill[i] += 1;
                }
            }
        }
        t
    }

    /// The query's units as record unit numbers.
    pub(crate) fn query_units(&self, q: &Parsed) -> Vec<u32> {
        query_units(q, |u| self.vocab.get(u.as_ref()))
    }

    /// The best `top` hits scoring at least `min`, best first (score
    /// descending, then key ascending, then order of addition).
    ///
    /// For `min` below the index's `min_indexed` (50 by default) this is a
    /// full scan.
    pub fn search(&self, query: &str, top: usize, min: u8) -> Vec<Hit> {
        self.search_with_stats(query, top, min).0
    }

    /// [`Index::search`], with counts of the work done.
    pub fn search_with_stats(&self, query: &str, top: usize, min: u8) -> (Vec<Hit>, SearchStats) {
        if top == 0 || self.is_empty() {
            return (Vec::new(), SearchStats::default());
        }
        let q = Parsed::new(self.scorer, query);
        let qu = self.query_units(&q);
        let indexed = min > 0 && min >= self.min_indexed;
        let found = self
            .view(indexed)
            .search(&q, &qu, top, min, &|_| true, false);
        let (found, stats) = found.unwrap_or_else(|_| unbuilt());
        (hits(found), stats)
    }

    /// The same answer as [`Index::search`], by scoring every text: each
    /// record's exact distance is computed, and the full score (with its
    /// explanation) for every record whose similarity reaches `min`, since no
    /// score exceeds its similarity.
    pub fn brute_force(&self, query: &str, top: usize, min: u8) -> Vec<Hit> {
        let q = Parsed::new(self.scorer, query);
        let qu = self.query_units(&q);
        let found = self.view(false).search(&q, &qu, top, min, &|_| true, true);
        hits(found.unwrap_or_else(|_| unbuilt()).0)
    }
}

/// The hits without their record numbers.
fn hits(found: Vec<Found>) -> Vec<Hit> {
    found.into_iter().map(|(h, _)| h).collect()
}

/// What a search of an in-memory index would answer if its own tables were
/// inconsistent, which [`Index::add`] and `build_tables` rule out: nothing,
/// rather than a panic.
fn unbuilt<T: Default>() -> (T, SearchStats) {
    debug_assert!(false, "an in-memory index contradicts itself");
    (T::default(), SearchStats::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Index {
        let mut ix = Index::new(Scorer::Tmkit);
        for (k, t) in [
            "Le chat dort sur le canapé.",
            "Le chien dort sur le canapé.",
            "Ouvrir le fichier %s",
            "Fermer la fenêtre",
            "...",
            "Le chat dort.",
        ]
        .iter()
        .enumerate()
        {
            ix.add(k as u64, t);
        }
        ix
    }

    #[test]
    fn finds_the_best_first() {
        let ix = sample();
        let hits = ix.search("Le chat dort sur le canapé !", 3, 50);
        assert_eq!(hits[0].key, 0);
        assert_eq!(hits[0].score, 99);
        assert_eq!(hits[1].key, 1);
        assert_eq!(hits, ix.brute_force("Le chat dort sur le canapé !", 3, 50));
    }

    #[test]
    fn punctuation_only_texts() {
        let ix = sample();
        // Texts without words are matched on their symbols (issue 11).
        let hits = ix.search(". . .", 3, 50);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].key, hits[0].score), (4, 99));
        assert_eq!(hits, ix.brute_force(". . .", 3, 50));
        assert!(ix.search("!!!", 3, 1).is_empty());
    }

    /// Item 14: a record longer than 65,535 units once had its length
    /// saturated in its postings, which turned the length filter off: it was a
    /// candidate of every query sharing one of its items.
    #[test]
    fn issue11_long_records_are_filtered_by_length() {
        let long: Vec<String> = (0..66_000).map(|i| format!("w{i}")).collect();
        let mut ix = Index::new(Scorer::Tmkit);
        ix.add(1, &long.join(" "));
        // `w5` is among the first items of the long record, in its prefix.
        ix.add(2, "le chat dort");
        let (hits, stats) = ix.search_with_stats("w5 le chat dort !", 5, 50);
        assert_eq!(hits, ix.brute_force("w5 le chat dort !", 5, 50));
        assert_eq!(hits.len(), 1);
        assert_eq!(stats.candidates, 1, "{stats:?}");
    }

    /// The lengths grew from `u16` to `u32` into what was padding.
    #[test]
    fn postings_stay_48_bytes() {
        assert_eq!(std::mem::size_of::<Posting>(), 48);
    }

    #[test]
    fn items_number_occurrences() {
        let short = [3, 1, 3, 3, 2, 1];
        let long: Vec<u32> = (0..200).map(|i| i % 7).collect();
        for units in [&short[..], &long] {
            let got = items(units);
            for (i, &u) in units.iter().enumerate() {
                let occ = units[..i].iter().filter(|&&v| v == u).count() as u64;
                assert_eq!(got[i], (u64::from(u) << 32) | occ);
            }
        }
    }

    #[test]
    fn low_threshold_scans() {
        let ix = sample();
        assert_eq!(
            ix.search("Fermer", 10, 10),
            ix.brute_force("Fermer", 10, 10)
        );
        assert!(ix.search("zzz", 5, 50).is_empty());
        assert!(IndexBuilder::new().min_indexed(0).build().is_err());
    }
}
