//! The exact index: prefix filtering over rare words, a length filter, and a
//! bounded Levenshtein, so that `search` returns what a full scan returns.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde::Serialize;

use crate::lev::Pattern;
use crate::score::{score_parsed, similarity, Explanation, Parsed, Scorer, Unit};

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
struct Fx(u64);

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

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

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
pub struct Index {
    scorer: Scorer,
    min_indexed: u8,
    vocab: FxMap<Unit, u32>,
    keys: Vec<u64>,
    texts: String,
    text_end: Vec<usize>,
    units: Vec<u32>,
    unit_end: Vec<usize>,
    tables: OnceLock<Tables>,
}

/// One posting: a record, where the item sits in the record's global order,
/// and the record's length in units.
///
/// Both are `u32` (a length saturated at `u32::MAX` would turn the length
/// and positional filters off): the 256-bit signature aligns the posting to
/// 16 bytes, so the two `u16` they once were left 8 bytes of padding, and
/// saturating lengths at 65,535 made every longer record a candidate of
/// every query (a stored 1 MB source slowed every lookup).
#[derive(Clone, Copy, Default)]
struct Posting {
    record: u32,
    pos: u32,
    len: u32,
    /// The record's units hashed into 256 buckets, one bit each: a bound on
    /// its overlap with the query read without touching the record
    /// (see [`bucket`]). `bench_bigtm --lines 1000000`: 64 buckets let
    /// 1,830 candidates per dev query through, 128 buckets 470 (p99 26 →
    /// 10 ms); at 1.65M, 256 buckets cut candidates from 777 to 216 and the
    /// mean on-CPU time from 0.92 to 0.58 ms, for 16 more bytes per posting
    /// (index 775 → 987 MiB): long queries fill half of 128 buckets.
    sig: Sig,
}

/// The end of the run of postings with the length of `list[k]`, by galloping
/// from `k`: runs are short next to the lists of common words, and a binary
/// search over the whole rest of such a list costs a cache miss per step.
fn group_end(list: &[Posting], k: usize) -> usize {
    let len = list[k].len;
    let (mut lo, mut step) = (k, 1);
    let mut hi = k + 1;
    while hi < list.len() && list[hi].len == len {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    let hi = hi.min(list.len());
    lo + 1 + list[lo + 1..hi].partition_point(|p| p.len == len)
}

/// A 256-bit signature.
type Sig = [u128; 2];

/// The bucket of a unit in the 256-bit signatures.
fn bucket(unit: u32) -> u32 {
    let h = u64::from(unit).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 56) as u32
}

fn set_bit(mut sig: Sig, b: u32) -> Sig {
    sig[(b >> 7) as usize] |= 1 << (b & 127);
    sig
}

fn shared_bits(a: &Sig, b: &Sig) -> u32 {
    (a[0] & b[0]).count_ones() + (a[1] & b[1]).count_ones()
}

/// The query's units counted per bucket of the 256-bit signatures: the
/// overlap of the query with a record whose signature is `sig` is at most
/// `Σ_b [b set in sig] · count(b)`, since units in different buckets differ.
struct BucketCounts {
    /// Bits of the buckets holding at least 1, 2, … [`LEVELS`] of the
    /// query's units: `Σ popcount(sig & masks[k])` counts up to that many.
    masks: Vec<Sig>,
    /// Buckets holding more than [`LEVELS`] units (long queries, and the
    /// `chars` scorer, where a space alone fills a bucket hundreds of times)…
    heavy: Sig,
    /// … and how many more, per bucket. Counts are exact: an 8-bit count
    /// saturated at 255 once made this bound too low for queries of 2.8 KB
    /// and more with `chars`, and the index missed 99 % matches.
    extra: [u32; 256],
}

/// The levels of [`BucketCounts::masks`].
const LEVELS: u32 = 4;

impl BucketCounts {
    fn new(units: &[u32]) -> BucketCounts {
        let mut counts = [0u32; 256];
        for &u in units {
            counts[bucket(u) as usize] += 1;
        }
        let top = counts.iter().copied().max().unwrap_or(0).min(LEVELS);
        let masks = (1..=top)
            .map(|k| {
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| c >= k)
                    .fold([0u128; 2], |m, (b, _)| set_bit(m, b as u32))
            })
            .collect();
        let mut heavy = [0u128; 2];
        let mut extra = [0u32; 256];
        for (b, &c) in counts.iter().enumerate() {
            if c > LEVELS {
                heavy = set_bit(heavy, b as u32);
                extra[b] = c - LEVELS;
            }
        }
        BucketCounts {
            masks,
            heavy,
            extra,
        }
    }

    /// The upper bound on the overlap with a record of signature `sig`.
    fn bound(&self, sig: &Sig) -> usize {
        let mut n: usize = self
            .masks
            .iter()
            .map(|k| shared_bits(sig, k) as usize)
            .sum();
        for (half, (&s, &h)) in sig.iter().zip(&self.heavy).enumerate() {
            let mut bits = s & h;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize + 128 * half;
                n += self.extra[b] as usize;
                bits &= bits - 1;
            }
        }
        n
    }
}

/// The posting tables, derived from the records.
#[derive(Clone, Default)]
struct Tables {
    /// `(unit << 32) | occurrence` → item number.
    item_of: FxMap<u64, u32>,
    /// Item number → position in the global order (rarest first).
    rank: Vec<u32>,
    /// Item number → its postings, `postings[start[i]..start[i + 1]]`.
    start: Vec<usize>,
    /// Per item, sorted by record length then position, so that a search
    /// reads only the length window and the positions the filters allow.
    postings: Vec<Posting>,
    /// Records with no units at all (only punctuation, say).
    empty: Vec<u32>,
}

impl Default for Index {
    fn default() -> Index {
        Index {
            scorer: Scorer::Tmkit,
            min_indexed: 50,
            vocab: FxMap::default(),
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

/// Occurrence-numbered items of a unit sequence: the second `de` is a
/// different item from the first, which turns multiset overlap into set
/// overlap.
///
/// Short sequences count earlier occurrences directly; longer ones sort
/// their positions by unit, so a record of `m` units costs `O(m log m)`:
/// counting directly made one stored 1 MB source cost 2.6 s, and 5 MB over
/// 60 s, at every start of a lookup.
fn items(units: &[u32]) -> Vec<u64> {
    let item = |u: u32, occ: usize| (u64::from(u) << 32) | occ as u64;
    if units.len() <= 64 {
        return units
            .iter()
            .enumerate()
            .map(|(i, &u)| item(u, units[..i].iter().filter(|&&v| v == u).count()))
            .collect();
    }
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_unstable_by_key(|&i| (units[i], i));
    let mut out = vec![0; units.len()];
    let mut occ = 0;
    for (k, &i) in order.iter().enumerate() {
        occ = if k > 0 && units[order[k - 1]] == units[i] {
            occ + 1
        } else {
            0
        };
        out[i] = item(units[i], occ);
    }
    out
}

/// The largest distance that still allows a score of `min` at length `l`:
/// `100 · d ≤ (100 − min) · l`.
fn max_distance(l: usize, min: u8) -> usize {
    (100 - usize::from(min.min(100))) * l / 100
}

/// The overlap a text of `l` units needs with any text scoring `min`:
/// `⌈min · l / 100⌉`.
fn min_overlap(l: usize, min: u8) -> usize {
    (usize::from(min) * l).div_ceil(100)
}

/// The number of records from which a search whose postings outnumber the
/// records reads the records instead.
const SCAN_FROM: usize = 4096;

/// Units below this number find their symbol in [`QueryTable::direct`].
const DIRECT: usize = 4096;

/// Per-thread scratch space of a search, kept zeroed between searches.
#[derive(Default)]
struct Scratch {
    /// Per record: seen as a candidate.
    seen: Vec<u64>,
}

/// The query's units with their counts, for the count filter, and their
/// symbols, for the bit-parallel distance.
struct QueryTable {
    /// `(unit, count in query, matched so far)`; a count of 0 marks a free
    /// slot (any `u32` is a unit: the query's unknown units count down from
    /// `u32::MAX`). Counts are exact (8-bit counts saturated at 255 and made
    /// the overlap too low for long `chars` queries).
    slots: Vec<(u32, u32, u32)>,
    /// The symbols of units below [`DIRECT`], read without hashing: the
    /// characters of `chars` and the most common words have small numbers.
    direct: Vec<u32>,
    /// Per slot, the unit's symbol in [`QueryTable::pattern`] (1, 2, … in
    /// order of first appearance in the query).
    symbol: Vec<u32>,
    distinct: u32,
    mask: usize,
    touched: Vec<usize>,
}

impl QueryTable {
    fn new(units: &[u32]) -> QueryTable {
        let size = (units.len() * 2).next_power_of_two().max(16);
        let mut t = QueryTable {
            slots: vec![(0, 0, 0); size],
            direct: vec![0; DIRECT],
            symbol: vec![0; size],
            distinct: 0,
            mask: size - 1,
            touched: Vec::new(),
        };
        for &u in units {
            let i = t.find(u);
            if t.slots[i].1 == 0 {
                t.distinct += 1;
                t.symbol[i] = t.distinct;
                if let Some(d) = t.direct.get_mut(u as usize) {
                    *d = t.distinct;
                }
            }
            t.slots[i].0 = u;
            t.slots[i].1 += 1;
        }
        t
    }

    /// The symbol of unit `u` for the bit-parallel distance: 0 for units the
    /// query does not hold.
    fn symbol(&self, u: u32) -> u32 {
        if let Some(&d) = self.direct.get(u as usize) {
            return d;
        }
        let i = self.find(u);
        if self.slots[i].1 != 0 {
            self.symbol[i]
        } else {
            0
        }
    }

    /// The query as a pattern for distances.
    fn pattern(&self, units: &[u32]) -> Pattern {
        let symbols: Vec<u32> = units.iter().map(|&u| self.symbol(u)).collect();
        Pattern::new(symbols, self.distinct as usize + 1)
    }

    /// The distance from the query (as `pattern`) to `record`, if at most `k`;
    /// the lengths are compared before the record is read.
    fn distance(
        &self,
        pattern: &Pattern,
        record: &[u32],
        k: usize,
        buf: &mut Vec<u32>,
    ) -> Option<usize> {
        if pattern.len().abs_diff(record.len()) > k {
            return None;
        }
        buf.clear();
        buf.extend(record.iter().map(|&u| self.symbol(u)));
        pattern.distance(buf, k)
    }

    fn find(&self, u: u32) -> usize {
        let mut i = (u.wrapping_mul(0x9e37_79b1) >> 7) as usize & self.mask;
        while self.slots[i].1 != 0 && self.slots[i].0 != u {
            i = (i + 1) & self.mask;
        }
        i
    }

    /// The multiset overlap of `units` with the query, or any value below
    /// `need` as soon as `need` is out of reach.
    fn overlap(&mut self, units: &[u32], need: usize) -> usize {
        let mut overlap = 0;
        for (k, &u) in units.iter().enumerate() {
            if overlap + (units.len() - k) < need {
                break;
            }
            let i = self.find(u);
            let slot = &mut self.slots[i];
            if slot.0 == u && slot.2 < slot.1 {
                slot.2 += 1;
                overlap += 1;
                self.touched.push(i);
            }
        }
        for i in self.touched.drain(..) {
            self.slots[i].2 = 0;
        }
        overlap
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
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
        let parsed = Parsed::new(self.scorer, text);
        for u in parsed.units {
            let next = u32::try_from(self.vocab.len()).unwrap_or(u32::MAX);
            let id = *self.vocab.entry(u).or_insert(next);
            self.units.push(id);
        }
        self.unit_end.push(self.units.len());
        self.texts.push_str(text);
        self.text_end.push(self.texts.len());
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
            .keys()
            .map(|u| match u {
                Unit::Str(s) => s.len() + 40,
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
                t.item_of.capacity() * 16
                    + t.rank.capacity() * 4
                    + t.start.capacity() * 8
                    + t.postings.capacity() * std::mem::size_of::<Posting>()
                    + t.empty.capacity() * 4
            })
    }

    fn record_units(&self, r: usize) -> &[u32] {
        let start = if r == 0 { 0 } else { self.unit_end[r - 1] };
        &self.units[start..self.unit_end[r]]
    }

    fn record_text(&self, r: usize) -> &str {
        let start = if r == 0 { 0 } else { self.text_end[r - 1] };
        self.texts.get(start..self.text_end[r]).unwrap_or("")
    }

    fn tables(&self) -> &Tables {
        self.tables.get_or_init(|| self.build_tables())
    }

    /// Every record is indexed under the first `m − ⌈min_indexed · m / 100⌉ + 1`
    /// of its items in the global order (rarest first): the prefix-filtering
    /// lemma in docs/MATCHING.md shows that any pair scoring at least
    /// `min_indexed` shares an item in both prefixes.
    fn build_tables(&self) -> Tables {
        let mut t = Tables::default();
        let mut df: Vec<u32> = Vec::new();
        let mut rec_items: Vec<u32> = Vec::with_capacity(self.units.len());
        for r in 0..self.keys.len() {
            let units = self.record_units(r);
            if units.is_empty() {
                t.empty.push(r as u32);
            }
            for key in items(units) {
                let next = df.len() as u32;
                let id = *t.item_of.entry(key).or_insert(next);
                if id == next {
                    df.push(0);
                }
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
        let mut counts = vec![0usize; df.len() + 1];
        let mut prefixes: Vec<(u32, u32)> = Vec::new();
        let mut prefix_end: Vec<usize> = Vec::with_capacity(self.keys.len());
        let mut pos = 0;
        let mut scratch: Vec<u32> = Vec::new();
        for r in 0..self.keys.len() {
            let m = self.record_units(r).len();
            scratch.clear();
            scratch.extend_from_slice(&rec_items[pos..pos + m]);
            pos += m;
            scratch.sort_unstable_by_key(|&i| t.rank[i as usize]);
            let p = (m + 1)
                .saturating_sub(min_overlap(m, self.min_indexed))
                .min(m);
            for (pos, &i) in scratch[..p].iter().enumerate() {
                counts[i as usize] += 1;
                prefixes.push((i, u32::try_from(pos).unwrap_or(u32::MAX)));
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
        t.postings = vec![Posting::default(); acc];
        let mut fill: Vec<usize> = t.start[..df.len()].to_vec();
        let mut begin = 0;
        for (r, &end) in prefix_end.iter().enumerate() {
            let units = self.record_units(r);
            let len = u32::try_from(units.len()).unwrap_or(u32::MAX);
            let sig = units.iter().fold([0u128; 2], |m, &u| set_bit(m, bucket(u)));
            for &(i, pos) in &prefixes[begin..end] {
                t.postings[fill[i as usize]] = Posting {
                    record: r as u32,
                    pos,
                    len,
                    sig,
                };
                fill[i as usize] += 1;
            }
            begin = end;
        }
        for w in t.start.windows(2) {
            t.postings[w[0]..w[1]].sort_unstable_by_key(|p| (p.len, p.pos, p.record));
        }
        t
    }

    /// The query's units as record unit numbers; units the index has never
    /// seen get numbers from the top of the range, equal for equal units.
    fn query_units(&self, q: &Parsed) -> Vec<u32> {
        let mut unknown: HashMap<&Unit, u32> = HashMap::new();
        q.units
            .iter()
            .map(|u| match self.vocab.get(u) {
                Some(&id) => id,
                None => {
                    let next = u32::MAX - unknown.len() as u32;
                    *unknown.entry(u).or_insert(next)
                }
            })
            .collect()
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
        if min == 0 || min < self.min_indexed {
            let q = Parsed::new(self.scorer, query);
            let qu = self.query_units(&q);
            return self.rank(&q, &qu, 0..self.keys.len() as u32, top, min);
        }
        let t = self.tables();
        let q = Parsed::new(self.scorer, query);
        let qu = self.query_units(&q);
        let n = qu.len();
        if n == 0 {
            return self.rank(&q, &qu, t.empty.iter().copied(), top, min);
        }
        let mut qitems: Vec<Option<u32>> = items(&qu)
            .into_iter()
            .map(|k| t.item_of.get(&k).copied())
            .collect();
        // Unknown items first: no record holds them, but they take up prefix
        // room exactly as in the proof.
        qitems.sort_unstable_by_key(|i| i.map(|i| t.rank[i as usize]));
        let p = (n + 1).saturating_sub(min_overlap(n, min)).min(n);
        // Postings in the length window of the probed lists: when they
        // outnumber the records, reading every record costs less and gives
        // the same answer. With `chars` every text shares common letters, and
        // at 100k units a query read 500,000 postings for 37,000 candidates
        // (`bench_bigtm --lines 100000 --scorer chars`: index 767 ms, full
        // scan 338 ms at the median); with words this never happens. Small
        // memories always take the index, which is what the property tests
        // check against the full scan.
        let (lo, hi) = (n - max_distance(n, min), n * 100 / usize::from(min));
        let window: usize = qitems[..p]
            .iter()
            .flatten()
            .map(|&i| {
                let list = &t.postings[t.start[i as usize]..t.start[i as usize + 1]];
                let from = list.partition_point(|p| (p.len as usize) < lo);
                let to = list.partition_point(|p| (p.len as usize) <= hi);
                to.saturating_sub(from)
            })
            .sum();
        if self.keys.len() >= SCAN_FROM && window > self.keys.len() {
            return self.rank(&q, &qu, 0..self.keys.len() as u32, top, min);
        }
        let mut stats = SearchStats::default();
        let bounds = SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let sc = &mut *guard;
            let words = self.keys.len().div_ceil(64);
            if sc.seen.len() < words {
                sc.seen.resize(words, 0);
            }
            let buckets = BucketCounts::new(&qu);
            let mut cands: Vec<u32> = Vec::new();
            for (j, item) in qitems[..p].iter().enumerate() {
                let Some(i) = *item else { continue };
                let list = &t.postings[t.start[i as usize]..t.start[i as usize + 1]];
                // Shortest length allowed: n − m ≤ max_distance(n).
                let lo = n - max_distance(n, min);
                let mut k = list.partition_point(|p| (p.len as usize) < lo);
                while k < list.len() {
                    let len = list[k].len;
                    let group_end = group_end(list, k);
                    let m = len as usize;
                    let l = n.max(m);
                    let need = min_overlap(l, min);
                    if len != u32::MAX && (n.abs_diff(m) > max_distance(l, min) || n - j < need) {
                        // Both conditions only get worse as m grows past n:
                        // skip to the saturated lengths, if any.
                        k = if m > n {
                            list.partition_point(|p| p.len < u32::MAX).max(group_end)
                        } else {
                            group_end
                        };
                        continue;
                    }
                    for post in &list[k..group_end] {
                        stats.postings += 1;
                        // Positional filter (docs/MATCHING.md): this is the
                        // pair's smallest common item in the global order, so
                        // every common item sits at or after `pos` in the record
                        // (and after `j` in the query, checked above).
                        if len != u32::MAX && m - (post.pos as usize) < need {
                            break;
                        }
                        // Signature filter: a cheap upper bound on the overlap.
                        if len != u32::MAX && buckets.bound(&post.sig) < need {
                            continue;
                        }
                        let r = post.record as usize;
                        let (w, b) = (r / 64, 1u64 << (r % 64));
                        if sc.seen[w] & b == 0 {
                            sc.seen[w] |= b;
                            cands.push(post.record);
                        }
                    }
                    k = group_end;
                }
            }
            for &r in &cands {
                sc.seen[r as usize / 64] = 0;
            }
            stats.candidates = cands.len();
            // Count filter: the exact multiset overlap bounds the distance
            // from below, `d ≥ max(n, m) − overlap`. The query's units sit in
            // a small open-addressing table that stays in L1; vocabulary-sized
            // arrays cost a cache miss per unit (`bench_bigtm --lines
            // 1000000`: slowest dev query 56 → 35 ms, p99 31 → 26 ms).
            let mut table = QueryTable::new(&qu);
            let mut bounds: Vec<(u8, u64, u32)> = Vec::new();
            for &r in &cands {
                let cu = self.record_units(r as usize);
                let l = n.max(cu.len());
                let need = min_overlap(l, min);
                let overlap = table.overlap(cu, need);
                if overlap < need {
                    continue;
                }
                let ub = similarity(l - overlap, l);
                if ub >= min {
                    bounds.push((ub, self.keys[r as usize], r));
                }
            }
            bounds
        });
        let (hits, st) = self.verify(&q, &qu, bounds, top, min);
        stats.within_bounds = st.within_bounds;
        stats.scored = st.scored;
        (hits, stats)
    }

    /// The same answer as [`Index::search`], by scoring every text: each
    /// record's exact distance is computed, and the full score (with its
    /// explanation) for every record whose similarity reaches `min`, since no
    /// score exceeds its similarity.
    pub fn brute_force(&self, query: &str, top: usize, min: u8) -> Vec<Hit> {
        if top == 0 {
            return Vec::new();
        }
        let q = Parsed::new(self.scorer, query);
        let qu = self.query_units(&q);
        self.rank(&q, &qu, 0..self.keys.len() as u32, top, min).0
    }

    /// Scores candidates by exact distance first (the reference path: no
    /// filter but the proven `score ≤ similarity`).
    fn rank(
        &self,
        q: &Parsed,
        qu: &[u32],
        candidates: impl Iterator<Item = u32>,
        top: usize,
        min: u8,
    ) -> (Vec<Hit>, SearchStats) {
        let n = qu.len();
        let mut count = 0;
        let mut bounds: Vec<(u8, u64, u32)> = Vec::new();
        let table = QueryTable::new(qu);
        let pattern = table.pattern(qu);
        let mut buf = Vec::new();
        for r in candidates {
            count += 1;
            let cu = self.record_units(r as usize);
            let l = n.max(cu.len());
            // A distance above this bound means a similarity, hence a score,
            // below `min` (the bound is the definition, not a filter). The
            // lengths alone rule most records out before any work.
            let Some(d) = table.distance(&pattern, cu, max_distance(l, min), &mut buf) else {
                continue;
            };
            let base = similarity(d, l);
            if base >= min {
                bounds.push((base, self.keys[r as usize], r));
            }
        }
        let (hits, mut stats) = self.verify(q, qu, bounds, top, min);
        stats.candidates = count;
        (hits, stats)
    }

    /// Takes candidates with an upper bound on their score, from the most to
    /// the least promising, checks the distance bound against the current
    /// `k`-th score and fully scores the survivors, until no remaining
    /// candidate can enter the top.
    fn verify(
        &self,
        q: &Parsed,
        qu: &[u32],
        mut bounds: Vec<(u8, u64, u32)>,
        top: usize,
        min: u8,
    ) -> (Vec<Hit>, SearchStats) {
        let n = qu.len();
        let mut stats = SearchStats {
            candidates: bounds.len(),
            ..SearchStats::default()
        };
        bounds.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        // Hits with their record number: equal keys (allowed) are ordered by
        // insertion, so that search and full scan agree on every tie.
        let mut hits: Vec<(Hit, u32)> = Vec::new();
        let table = QueryTable::new(qu);
        let pattern = table.pattern(qu);
        let mut buf = Vec::new();
        for (bound, key, r) in bounds {
            let floor = match hits.last() {
                Some((h, _)) if hits.len() >= top => h.score,
                _ => min,
            };
            if bound < floor {
                break;
            }
            let cu = self.record_units(r as usize);
            let l = n.max(cu.len());
            let Some(d) = table.distance(&pattern, cu, max_distance(l, floor), &mut buf) else {
                continue;
            };
            stats.within_bounds += 1;
            if similarity(d, l) < floor {
                continue;
            }
            stats.scored += 1;
            let c = Parsed::new(self.scorer, self.record_text(r as usize));
            let (score, explanation) = score_parsed(self.scorer, q, &c);
            if score < min {
                continue;
            }
            let at = hits.partition_point(|(h, hr)| {
                h.score > score || (h.score == score && (h.key, *hr) < (key, r))
            });
            if at < top {
                hits.insert(
                    at,
                    (
                        Hit {
                            key,
                            score,
                            explanation,
                        },
                        r,
                    ),
                );
                hits.truncate(top);
            }
        }
        (hits.into_iter().map(|(h, _)| h).collect(), stats)
    }
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
        ix.add(2, "w5 le chat dort");
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
