//! The search itself, over borrowed tables: the same code answers from an
//! in-memory [`Index`](crate::Index) and from an on-disk segment
//! (`segment.rs`), so the exactness proof of docs/MATCHING.md §6 covers both.
//!
//! Tables read from a file may be damaged: every offset and record number is
//! checked where it is used, and an inconsistency is a [`Damaged`] error,
//! never a panic or an index out of range.

use std::cell::RefCell;
use std::collections::HashMap;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::index::{Hit, SearchStats};
use crate::lev::Pattern;
use crate::score::{score_parsed, similarity, Parsed, Scorer, Unit};

/// A table that contradicts itself: what was inconsistent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Damaged(pub(crate) &'static str);

/// The posting tables of an index, borrowed.
#[derive(Clone, Copy)]
pub(crate) struct TableView<'a> {
    /// Unit → its first item: the items of unit `u` are `(u, 0)`,
    /// `(u, 1)`, … numbered `item_base[u]..item_base[u + 1]`.
    pub(crate) item_base: &'a [u32],
    /// Item number → position in the global order (rarest first).
    pub(crate) rank: &'a [u32],
    /// Item number → its postings, `postings[start[i]..start[i + 1]]`.
    pub(crate) start: &'a [u64],
    /// Per item, sorted by record length then position, so that a search
    /// reads only the length window and the positions the filters allow.
    pub(crate) postings: &'a [Posting],
    /// Records with no units at all (only punctuation, say).
    pub(crate) empty: &'a [u32],
}

/// An index's records and tables, borrowed: what a search reads.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub(crate) scorer: Scorer,
    /// The lowest threshold the postings serve.
    pub(crate) min_indexed: u8,
    /// Record → the caller's key.
    pub(crate) keys: &'a [u64],
    /// Record → end of its units in `units`.
    pub(crate) unit_end: &'a [u64],
    /// The unit numbers of all records, one after the other.
    pub(crate) units: &'a [u32],
    /// Record → end of its source text in `texts`.
    pub(crate) text_end: &'a [u64],
    /// The source texts (UTF-8), one after the other.
    pub(crate) texts: &'a [u8],
    /// `None` while an in-memory index has not built them: enough for
    /// full scans.
    pub(crate) tables: Option<TableView<'a>>,
}

/// The query's units as record unit numbers, `id` giving those of known
/// units; units the index has never seen get numbers from the top of the
/// range, equal for equal units.
pub(crate) fn query_units(q: &Parsed, id: impl Fn(&Unit) -> Option<u32>) -> Vec<u32> {
    let mut unknown: HashMap<&Unit, u32> = HashMap::new();
    q.units
        .iter()
        .map(|u| match id(u) {
            Some(id) => id,
            None => {
                let next = u32::MAX - unknown.len() as u32;
                *unknown.entry(u).or_insert(next)
            }
        })
        .collect()
}

/// `a..b` of a table of end offsets: `ends[r - 1]..ends[r]`.
fn span(ends: &[u64], r: usize) -> Option<std::ops::Range<usize>> {
    let start = match r.checked_sub(1) {
        None => 0,
        Some(p) => usize::try_from(*ends.get(p)?).ok()?,
    };
    let end = usize::try_from(*ends.get(r)?).ok()?;
    (start <= end).then_some(start..end)
}

/// A hit with the record it came from, to break ties by order of addition
/// and to find the record's text and payload.
pub(crate) type Found = (Hit, u32);

/// One posting: a record, where the item sits in the record's global order,
/// and the record's length in units.
///
/// Both are `u32` (a length saturated at `u32::MAX` would turn the length
/// and positional filters off): the 256-bit signature aligns the posting to
/// 16 bytes, so the two `u16` they once were left 8 bytes of padding, and
/// saturating lengths at 65,535 made every longer record a candidate of
/// every query (a stored 1 MB source slowed every lookup).
///
/// The layout is fixed (`repr(C)`, no implicit padding) because segments
/// store postings as they lie in memory (docs/STORE.md, "Index segments").
#[derive(Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub(crate) struct Posting {
    pub(crate) record: u32,
    pub(crate) pos: u32,
    pub(crate) len: u32,
    /// Zero: the room the signature's alignment leaves.
    pub(crate) pad: u32,
    /// The record's units hashed into 256 buckets, one bit each: a bound on
    /// its overlap with the query read without touching the record
    /// (see [`bucket`]). `bench_bigtm --lines 1000000`: 64 buckets let
    /// 1,830 candidates per dev query through, 128 buckets 470 (p99 26 →
    /// 10 ms); at 1.65M, 256 buckets cut candidates from 777 to 216 and the
    /// mean on-CPU time from 0.92 to 0.58 ms, for 16 more bytes per posting
    /// (index 775 → 987 MiB): long queries fill half of 128 buckets.
    pub(crate) sig: Sig,
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
pub(crate) type Sig = [u128; 2];

/// The bucket of a unit in the 256-bit signatures.
pub(crate) fn bucket(unit: u32) -> u32 {
    let h = u64::from(unit).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 56) as u32
}

pub(crate) fn set_bit(mut sig: Sig, b: u32) -> Sig {
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

/// Occurrence-numbered items of a unit sequence: the second `de` is a
/// different item from the first, which turns multiset overlap into set
/// overlap.
///
/// Short sequences count earlier occurrences directly; longer ones sort
/// their positions by unit, so a record of `m` units costs `O(m log m)`:
/// counting directly made one stored 1 MB source cost 2.6 s, and 5 MB over
/// 60 s, at every start of a lookup.
pub(crate) fn items(units: &[u32]) -> Vec<u64> {
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
pub(crate) fn min_overlap(l: usize, min: u8) -> usize {
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

/// The query ready for exact distances to records: its pattern over the
/// symbols of its table, and a buffer for a record's symbols.
struct QueryDistance {
    table: QueryTable,
    pattern: Pattern,
    buf: Vec<u32>,
}

impl QueryDistance {
    fn new(qu: &[u32]) -> QueryDistance {
        let table = QueryTable::new(qu);
        let pattern = table.pattern(qu);
        QueryDistance {
            table,
            pattern,
            buf: Vec::new(),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl<'a> View<'a> {
    /// The key of record `r` and its similarity to the query, if `live`
    /// accepts the key and the distance is within the bound for `floor`. A
    /// distance above that bound means a similarity, hence a score, below
    /// `floor` (the bound is the definition, not a filter); the lengths alone
    /// rule most records out before any work.
    fn live_similarity(
        &self,
        r: u32,
        query: &mut QueryDistance,
        floor: u8,
        live: &dyn Fn(u64) -> bool,
    ) -> Result<Option<(u64, u8)>, Damaged> {
        let key = self.key(r as usize)?;
        if !live(key) {
            return Ok(None);
        }
        let cu = self.record_units(r as usize)?;
        let l = query.pattern.len().max(cu.len());
        let k = max_distance(l, floor);
        let d = query.table.distance(&query.pattern, cu, k, &mut query.buf);
        Ok(d.map(|d| (key, similarity(d, l))))
    }

    /// How many records.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The key of record `r`.
    pub(crate) fn key(&self, r: usize) -> Result<u64, Damaged> {
        self.keys
            .get(r)
            .copied()
            .ok_or(Damaged("a posting names a record past the last one"))
    }

    /// The unit numbers of record `r`.
    pub(crate) fn record_units(&self, r: usize) -> Result<&'a [u32], Damaged> {
        span(self.unit_end, r)
            .and_then(|s| self.units.get(s))
            .ok_or(Damaged("a record's units lie outside the unit table"))
    }

    /// The source text of record `r`.
    pub(crate) fn record_text(&self, r: usize) -> Result<&'a str, Damaged> {
        let bytes = span(self.text_end, r)
            .and_then(|s| self.texts.get(s))
            .ok_or(Damaged("a record's text lies outside the text table"))?;
        std::str::from_utf8(bytes).map_err(|_| Damaged("a record's text is not UTF-8"))
    }

    /// The best `top` live records scoring at least `min` against the query
    /// `q` (whose units, numbered as the records', are `qu`), best first:
    /// score descending, then key ascending, then record number. Records
    /// whose key `live` refuses are not candidates at all, so the answer is
    /// the one a full scan of the live records gives.
    ///
    /// With `full_scan`, or below `min_indexed`, that full scan is what runs:
    /// each record's exact distance is computed, and the full score (with
    /// its explanation) for every record whose similarity reaches `min`,
    /// since no score exceeds its similarity.
    pub(crate) fn search(
        &self,
        q: &Parsed,
        qu: &[u32],
        top: usize,
        min: u8,
        live: &dyn Fn(u64) -> bool,
        full_scan: bool,
    ) -> Result<(Vec<Found>, SearchStats), Damaged> {
        if top == 0 || self.keys.is_empty() {
            return Ok((Vec::new(), SearchStats::default()));
        }
        if full_scan || min == 0 || min < self.min_indexed {
            return self.rank(q, qu, 0..self.len() as u32, top, min, live);
        }
        let t = self
            .tables
            .ok_or(Damaged("an indexed search without posting tables"))?;
        let n = qu.len();
        if n == 0 {
            return self.rank(q, qu, t.empty.iter().copied(), top, min, live);
        }
        let mut qitems: Vec<Option<(u32, u32)>> = Vec::with_capacity(n);
        for key in items(qu) {
            let item = item_of(&t, key);
            qitems.push(match item {
                None => None,
                Some(i) => Some((*t.rank.get(i as usize).ok_or(NO_RANK)?, i)),
            });
        }
        // Unknown items first: no record holds them, but they take up prefix
        // room exactly as in the proof.
        qitems.sort_unstable_by_key(|i| i.map(|(rank, _)| rank));
        let p = (n + 1).saturating_sub(min_overlap(n, min)).min(n);
        let mut lists: Vec<Option<&[Posting]>> = Vec::with_capacity(p);
        for item in &qitems[..p] {
            lists.push(match item {
                None => None,
                Some((_, i)) => Some(list_of(&t, *i)?),
            });
        }
        // Postings in the length window of the probed lists: when they
        // outnumber the records, reading every record costs less and gives
        // the same answer. With `chars` every text shares common letters, and
        // at 100k units a query read 500,000 postings for 37,000 candidates
        // (`bench_bigtm --lines 100000 --scorer chars`: index 767 ms, full
        // scan 338 ms at the median); with words this never happens. Small
        // memories always take the index, which is what the property tests
        // check against the full scan.
        let (lo, hi) = (n - max_distance(n, min), n * 100 / usize::from(min));
        let window: usize = lists
            .iter()
            .flatten()
            .map(|list| {
                let from = list.partition_point(|p| (p.len as usize) < lo);
                let to = list.partition_point(|p| (p.len as usize) <= hi);
                to.saturating_sub(from)
            })
            .sum();
        if self.len() >= SCAN_FROM && window > self.len() {
            return self.rank(q, qu, 0..self.len() as u32, top, min, live);
        }
        let mut stats = SearchStats::default();
        let bounds = SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let sc = &mut *guard;
            let words = self.len().div_ceil(64);
            if sc.seen.len() < words {
                sc.seen.resize(words, 0);
            }
            let mut cands: Vec<u32> = Vec::new();
            let found = self.candidates(&lists, qu, min, &mut sc.seen, &mut cands, &mut stats);
            // The scratch is left zeroed whatever happened.
            for &r in &cands {
                sc.seen[r as usize / 64] = 0;
            }
            found?;
            stats.candidates = cands.len();
            // Count filter: the exact multiset overlap bounds the distance
            // from below, `d ≥ max(n, m) − overlap`. The query's units sit in
            // a small open-addressing table that stays in L1; vocabulary-sized
            // arrays cost a cache miss per unit (`bench_bigtm --lines
            // 1000000`: slowest dev query 56 → 35 ms, p99 31 → 26 ms).
            let mut table = QueryTable::new(qu);
            // Keys are read (and deletions checked) in `verify`, for the few
            // candidates it reaches: on a mapped segment every key read here
            // was a page touched for nothing.
            let mut bounds: Vec<(u8, u32)> = Vec::new();
            for &r in &cands {
                let cu = self.record_units(r as usize)?;
                let l = n.max(cu.len());
                let need = min_overlap(l, min);
                let overlap = table.overlap(cu, need);
                if overlap < need {
                    continue;
                }
                let ub = similarity(l - overlap, l);
                if ub >= min {
                    bounds.push((ub, r));
                }
            }
            Ok(bounds)
        })?;
        let (hits, st) = self.verify(q, qu, bounds, top, min, live)?;
        stats.within_bounds = st.within_bounds;
        stats.scored = st.scored;
        Ok((hits, stats))
    }

    /// The records the probed posting `lists` propose (the query's prefix
    /// items, rarest first, `None` for items no record holds), through the
    /// length, positional and signature filters, each once: marked in
    /// `seen`, listed in `cands`.
    fn candidates(
        &self,
        lists: &[Option<&[Posting]>],
        qu: &[u32],
        min: u8,
        seen: &mut [u64],
        cands: &mut Vec<u32>,
        stats: &mut SearchStats,
    ) -> Result<(), Damaged> {
        let n = qu.len();
        let buckets = BucketCounts::new(qu);
        for (j, list) in lists.iter().enumerate() {
            let Some(list) = *list else { continue };
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
                    if len != u32::MAX && m.saturating_sub(post.pos as usize) < need {
                        break;
                    }
                    // Signature filter: a cheap upper bound on the overlap.
                    if len != u32::MAX && buckets.bound(&post.sig) < need {
                        continue;
                    }
                    let r = post.record as usize;
                    let (w, b) = (r / 64, 1u64 << (r % 64));
                    let word = seen
                        .get_mut(w)
                        .filter(|_| r < self.len())
                        .ok_or(Damaged("a posting names a record past the last one"))?;
                    if *word & b == 0 {
                        *word |= b;
                        cands.push(post.record);
                    }
                }
                k = group_end;
            }
        }
        Ok(())
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
        live: &dyn Fn(u64) -> bool,
    ) -> Result<(Vec<Found>, SearchStats), Damaged> {
        let mut count = 0;
        let mut bounds: Vec<(u8, u32)> = Vec::new();
        let mut query = QueryDistance::new(qu);
        for r in candidates {
            count += 1;
            let Some((_, base)) = self.live_similarity(r, &mut query, min, live)? else {
                continue;
            };
            if base >= min {
                bounds.push((base, r));
            }
        }
        let (hits, mut stats) = self.verify(q, qu, bounds, top, min, live)?;
        stats.candidates = count;
        Ok((hits, stats))
    }

    /// Takes candidates (record numbers) with an upper bound on their
    /// score, from the most to the least promising, checks the distance
    /// bound against the current `k`-th score and fully scores the live
    /// survivors, until no remaining candidate can enter the top. The order
    /// among equal bounds changes the work, not the answer: every candidate
    /// whose bound reaches the final `k`-th score is checked.
    fn verify(
        &self,
        q: &Parsed,
        qu: &[u32],
        mut bounds: Vec<(u8, u32)>,
        top: usize,
        min: u8,
        live: &dyn Fn(u64) -> bool,
    ) -> Result<(Vec<Found>, SearchStats), Damaged> {
        let mut stats = SearchStats {
            candidates: bounds.len(),
            ..SearchStats::default()
        };
        bounds.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        // Hits with their record number: equal keys (allowed) are ordered by
        // insertion, so that search and full scan agree on every tie.
        let mut hits: Vec<Found> = Vec::new();
        let mut query = QueryDistance::new(qu);
        for (bound, r) in bounds {
            let floor = match hits.last() {
                Some((h, _)) if hits.len() >= top => h.score,
                _ => min,
            };
            if bound < floor {
                break;
            }
            let Some((key, sim)) = self.live_similarity(r, &mut query, floor, live)? else {
                continue;
            };
            stats.within_bounds += 1;
            if sim < floor {
                continue;
            }
            stats.scored += 1;
            let c = Parsed::new(self.scorer, self.record_text(r as usize)?);
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
        Ok((hits, stats))
    }
}

const NO_RANK: Damaged = Damaged("an item has no rank");

/// The item number of `(unit << 32) | occurrence`, if any record holds it.
fn item_of(t: &TableView<'_>, key: u64) -> Option<u32> {
    let (u, occ) = (usize::try_from(key >> 32).ok()?, key as u32);
    let lo = *t.item_base.get(u)?;
    let hi = *t.item_base.get(u.checked_add(1)?)?;
    (occ < hi.saturating_sub(lo)).then(|| lo + occ)
}

/// The postings of item `i`.
fn list_of<'a>(t: &TableView<'a>, i: u32) -> Result<&'a [Posting], Damaged> {
    let i = i as usize;
    let bad = Damaged("an item's postings lie outside the posting table");
    let a = usize::try_from(*t.start.get(i).ok_or(bad)?).map_err(|_| bad)?;
    let b = usize::try_from(*t.start.get(i + 1).ok_or(bad)?).map_err(|_| bad)?;
    t.postings.get(a..b).ok_or(bad)
}
