//! Levenshtein distance over unit sequences: a bit-parallel one for filtering
//! and ranking ([`Pattern`]), and a banded, linear-space one that also gives
//! the edit script for explanations ([`script`]).
//!
//! Both cost at most `O(n · m / 64)` words of work and `O(n + m)` memory for
//! the distance; the script costs `O(d · max(n, m))` time and
//! `O(d · √max(n, m))` memory for a distance `d`, so no pair of texts, however
//! long, takes the quadratic memory a full matrix would (a 100 KB query
//! against a 100 KB source took 2.1 GB that way).

use std::collections::HashMap;
use std::hash::Hash;

/// One step of an edit script turning `a` into `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `a[i] == b[j]`.
    Keep(usize, usize),
    /// `a[i]` becomes `b[j]`.
    Replace(usize, usize),
    /// `a[i]` is removed.
    Delete(usize),
    /// `b[j]` is added.
    Insert(usize),
}

/// A sequence prepared for distances to many others: the query of a search.
///
/// Short patterns (up to 64 units, nearly every sentence) use the
/// bit-parallel algorithm of Myers (1999), in the block form of Hyyrö (2003)
/// for longer ones: one bit per pattern position, so a column of the
/// distance matrix costs one pass over `⌈n / 64⌉` machine words. Longer
/// patterns first try a band of growing width around the diagonal (Ukkonen),
/// which costs `O(d · n)` for a distance `d`: two 1 MB texts one word apart
/// cost microseconds instead of the seconds of a full bit-parallel pass.
///
/// Symbols are dense numbers: `1..alphabet` are the pattern's, `0` stands for
/// every symbol the pattern does not hold.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    symbols: Vec<u32>,
    words: usize,
    /// Per symbol `s`, its blocks `blocks[start[s]..start[s + 1]]`, as
    /// `(block, bits)` in block order: bit `i` of a block `w` is set when
    /// position `64 w + i` holds `s`. Memory stays `O(n + alphabet)`, where
    /// a dense `alphabet × words` table grew with the square of the query.
    start: Vec<u32>,
    blocks: Vec<(u32, u64)>,
    /// For a pattern of one block, its bits per symbol, read directly.
    single: Vec<u64>,
}

impl Pattern {
    /// How many units the pattern has.
    pub(crate) fn len(&self) -> usize {
        self.symbols.len()
    }

    /// The pattern of `symbols` (each below `alphabet`).
    pub(crate) fn new(symbols: Vec<u32>, alphabet: usize) -> Pattern {
        let words = symbols.len().div_ceil(64).max(1);
        let mut per: Vec<Vec<(u32, u64)>> = vec![Vec::new(); alphabet.max(1)];
        for (i, &s) in symbols.iter().enumerate() {
            // Symbol 0 is any unit the pattern does not hold: it matches
            // nothing.
            let Some(list) = per.get_mut(s as usize).filter(|_| s != 0) else {
                continue;
            };
            let w = (i / 64) as u32;
            match list.last_mut() {
                Some((b, bits)) if *b == w => *bits |= 1 << (i % 64),
                _ => list.push((w, 1 << (i % 64))),
            }
        }
        let mut start = Vec::with_capacity(per.len() + 1);
        let mut blocks = Vec::with_capacity(symbols.len());
        for list in per {
            start.push(blocks.len() as u32);
            blocks.extend(list);
        }
        start.push(blocks.len() as u32);
        let single = if words == 1 {
            start
                .windows(2)
                .map(|w| {
                    blocks
                        .get(w[0] as usize..w[1] as usize)
                        .map_or(0, |b| b.first().map_or(0, |x| x.1))
                })
                .collect()
        } else {
            Vec::new()
        };
        Pattern {
            symbols,
            words,
            start,
            blocks,
            single,
        }
    }

    /// The distance between the pattern and `text` if it is at most `k`,
    /// else `None`.
    ///
    /// The length bound `d ≥ |n − m|` is checked before any work.
    pub(crate) fn distance(&self, text: &[u32], k: usize) -> Option<usize> {
        let (n, m) = (self.symbols.len(), text.len());
        if n.abs_diff(m) > k {
            return None;
        }
        if n == 0 {
            return Some(m);
        }
        if self.words > 1 {
            // Widen the band while it costs less than the bit-parallel pass
            // (a cell costs about a quarter of a word step).
            let mut kk = n.abs_diff(m).max(32).min(k);
            while n * (kk + 1) <= 4 * m * self.words {
                match banded(&self.symbols, text, kk) {
                    Some(d) => return Some(d),
                    None if kk >= k => return None,
                    None => kk = (2 * kk).min(k),
                }
            }
        }
        self.bit_parallel(text, k)
    }

    /// The bit-parallel distance, if at most `k`. The scan stops as soon as
    /// the last row proves `d > k`: every later column lowers `D[n][j]` by
    /// at most one.
    fn bit_parallel(&self, text: &[u32], k: usize) -> Option<usize> {
        if self.words == 1 {
            return self.one_word(text, k);
        }
        let (n, m) = (self.symbols.len(), text.len());
        let words = self.words;
        let last = (n - 1) % 64;
        // Vertical deltas of the current column, +1 (`pv`) or −1 (`mv`);
        // column 0 is `D[i][0] = i`, all +1.
        let mut pv = vec![u64::MAX; words];
        let mut mv = vec![0u64; words];
        let mut score = n;
        for (j, &s) in text.iter().enumerate() {
            let s = s as usize;
            let mut eqs: &[(u32, u64)] = match (self.start.get(s), self.start.get(s + 1)) {
                (Some(&a), Some(&b)) => &self.blocks[a as usize..b as usize],
                _ => &[],
            };
            // Row 0 is `D[0][j] = j`: the horizontal delta entering the top
            // block is +1.
            let mut hin: i8 = 1;
            for w in 0..words {
                let mut eq = match eqs.first() {
                    Some(&(b, bits)) if b as usize == w => {
                        eqs = &eqs[1..];
                        bits
                    }
                    _ => 0,
                };
                let (p, q) = (pv[w], mv[w]);
                let xv = eq | q;
                if hin < 0 {
                    eq |= 1;
                }
                let xh = ((eq & p).wrapping_add(p) ^ p) | eq;
                let mut ph = q | !(xh | p);
                let mut mh = p & xh;
                let high = if w + 1 == words { last } else { 63 };
                let hout: i8 = if (ph >> high) & 1 == 1 {
                    1
                } else if (mh >> high) & 1 == 1 {
                    -1
                } else {
                    0
                };
                ph <<= 1;
                mh <<= 1;
                if hin < 0 {
                    mh |= 1;
                } else if hin > 0 {
                    ph |= 1;
                }
                pv[w] = mh | !(xv | ph);
                mv[w] = ph & xv;
                hin = hout;
            }
            score = match hin {
                1 => score + 1,
                -1 => score - 1,
                _ => score,
            };
            // `D[n][m] ≥ D[n][j + 1] − (m − j − 1)`.
            if score > k + (m - j - 1) {
                return None;
            }
        }
        (score <= k).then_some(score)
    }
}

impl Pattern {
    /// [`Pattern::bit_parallel`] for patterns of at most 64 units, nearly
    /// every sentence: the same steps on one word, without the block loop.
    fn one_word(&self, text: &[u32], k: usize) -> Option<usize> {
        let (n, m) = (self.symbols.len(), text.len());
        let high = 1u64 << (n - 1);
        let (mut pv, mut mv) = (u64::MAX, 0u64);
        let mut score = n;
        for (j, &s) in text.iter().enumerate() {
            let eq = self.single.get(s as usize).copied().unwrap_or(0);
            let xv = eq | mv;
            let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
            let mut ph = mv | !(xh | pv);
            let mut mh = pv & xh;
            if ph & high != 0 {
                score += 1;
            } else if mh & high != 0 {
                score -= 1;
            }
            // Row 0 is `D[0][j] = j`: +1 enters at the top.
            ph = (ph << 1) | 1;
            mh <<= 1;
            pv = mh | !(xv | ph);
            mv = ph & xv;
            if score > k + (m - j - 1) {
                return None;
            }
        }
        (score <= k).then_some(score)
    }
}

/// The distance between `a` and `b` if it is at most `k`, from the band that
/// holds every optimal path of such a distance, two rows at a time; it stops
/// as soon as a whole row exceeds `k`.
fn banded(a: &[u32], b: &[u32], k: usize) -> Option<usize> {
    let band = Band::new(a, b, k);
    let mut prev = vec![FAR; band.width];
    let mut cur = vec![FAR; band.width];
    band.first(&mut prev);
    for i in 1..=a.len() {
        band.next(&prev, i, &mut cur);
        std::mem::swap(&mut prev, &mut cur);
        if prev.iter().all(|&c| c as usize > k) {
            return None;
        }
    }
    let d = band.get(&prev, a.len(), b.len()) as usize;
    (d <= k).then_some(d)
}

/// Dense symbols for two sequences over any unit type: the units of `a`
/// numbered from 1 in order of first appearance, those only in `b` 0.
fn symbols<T: Eq + Hash>(a: &[T], b: &[T]) -> (Vec<u32>, Vec<u32>, usize) {
    let mut ids: HashMap<&T, u32> = HashMap::new();
    let sa: Vec<u32> = a
        .iter()
        .map(|u| {
            let next = u32::try_from(ids.len() + 1).unwrap_or(u32::MAX);
            *ids.entry(u).or_insert(next)
        })
        .collect();
    let sb = b.iter().map(|u| ids.get(u).copied().unwrap_or(0)).collect();
    (sa, sb, ids.len() + 1)
}

/// A value no cell reaches: out of the band.
const FAR: u32 = u32::MAX / 4;

/// The rows of the distance matrix restricted to the diagonals `j − i` in
/// `lo..=hi`, which hold every cell of every optimal path when the distance
/// is at most `k`: such a cell has `|j − i| + |(m − n) − (j − i)| ≤ k`.
///
/// A banded value is the cost of some path, so never below the true one, and
/// equals it on every cell of an optimal path when `d ≤ k`.
struct Band<'a> {
    a: &'a [u32],
    b: &'a [u32],
    lo: isize,
    width: usize,
}

impl<'a> Band<'a> {
    fn new(a: &'a [u32], b: &'a [u32], k: usize) -> Band<'a> {
        let delta = b.len() as isize - a.len() as isize;
        let spare = (k as isize - delta.abs()).max(0) / 2;
        let lo = delta.min(0) - spare;
        let hi = delta.max(0) + spare;
        Band {
            a,
            b,
            lo,
            width: (hi - lo + 1) as usize,
        }
    }

    /// Cell `(i, j)` of `row` (row `i`), `FAR` out of the band.
    fn get(&self, row: &[u32], i: usize, j: usize) -> u32 {
        let off = j as isize - i as isize - self.lo;
        if j > self.b.len() || off < 0 || off as usize >= self.width {
            return FAR;
        }
        row[off as usize]
    }

    /// Row 0: `D[0][j] = j`.
    fn first(&self, row: &mut [u32]) {
        for (off, cell) in row.iter_mut().enumerate() {
            let j = off as isize + self.lo;
            *cell = if j >= 0 && j as usize <= self.b.len() {
                j as u32
            } else {
                FAR
            };
        }
    }

    /// Row `i` from row `i − 1`.
    fn next(&self, prev: &[u32], i: usize, row: &mut [u32]) {
        for off in 0..self.width {
            let j = off as isize + self.lo + i as isize;
            row[off] = if j < 0 || j as usize > self.b.len() {
                FAR
            } else if j == 0 {
                i as u32
            } else {
                let j = j as usize;
                let cost = u32::from(self.a[i - 1] != self.b[j - 1]);
                let left = if off > 0 { row[off - 1] } else { FAR };
                (self.get(prev, i - 1, j - 1) + cost)
                    .min(self.get(prev, i - 1, j) + 1)
                    .min(left + 1)
                    .min(FAR)
            };
        }
    }
}

/// The exact distance and one shortest edit script from `a` to `b`.
///
/// Ties in the traceback prefer keeping, then replacing, then deleting, so the
/// script is deterministic. The script is the one the full matrix gives: the
/// traceback only ever compares a cell with neighbours on an optimal path,
/// and those lie in the band, where the banded values are exact. Rows are
/// kept every `√n` rows and the rows between two of them recomputed during
/// the traceback.
pub(crate) fn script<T: Eq + Hash>(a: &[T], b: &[T]) -> (usize, Vec<Step>) {
    let (sa, sb, _) = symbols(a, b);
    let (n, m) = (sa.len(), sb.len());
    let delta = m as isize - n as isize;
    let every = ((n + 1) as f64).sqrt().ceil().max(1.0) as usize;
    // Ukkonen's doubling: a band for distances up to `k` gives the exact
    // distance when it is at most `k`, and otherwise the cost of some path,
    // an upper bound to try next; the whole costs `O(d · n)`.
    let mut k = delta.unsigned_abs().max(1);
    let (band, d, saved) = 'grow: loop {
        let band = Band::new(&sa, &sb, k);
        let w = band.width;
        // Checkpoint rows 0, every, 2·every, …
        let mut saved: Vec<u32> = Vec::with_capacity((n / every + 1) * w);
        let mut prev = vec![FAR; w];
        let mut cur = vec![FAR; w];
        band.first(&mut prev);
        saved.extend_from_slice(&prev);
        for i in 1..=n {
            band.next(&prev, i, &mut cur);
            std::mem::swap(&mut prev, &mut cur);
            if i % every == 0 {
                saved.extend_from_slice(&prev);
            }
            if prev.iter().all(|&c| c as usize > k) {
                k *= 2;
                continue 'grow;
            }
        }
        let d = band.get(&prev, n, m) as usize;
        if d <= k {
            break (band, d, saved);
        }
        k = (2 * k).min(d);
    };
    let w = band.width;
    // Rows `top..=top + rows.len() / w − 1`, recomputed from a checkpoint.
    let mut rows: Vec<u32> = Vec::new();
    let mut top = 0;
    let load = |rows: &mut Vec<u32>, from: usize, to: usize| {
        let c = from / every;
        rows.clear();
        rows.extend_from_slice(&saved[c * w..(c + 1) * w]);
        for i in from + 1..=to {
            let at = rows.len();
            rows.resize(at + w, FAR);
            let (before, after) = rows.split_at_mut(at);
            band.next(&before[at - w..], i, after);
        }
    };
    if n > 0 {
        top = (n - 1) / every * every;
        load(&mut rows, top, n);
    } else {
        load(&mut rows, 0, 0);
    }
    let mut steps = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        if i > 0 && i - 1 < top {
            top = (i - 1) / every * every;
            load(&mut rows, top, i);
        }
        let row = |r: usize| &rows[(r - top) * w..(r - top + 1) * w];
        let here = band.get(row(i), i, j);
        let diag = |r: &[u32]| band.get(r, i - 1, j - 1);
        if i > 0 && j > 0 && sa[i - 1] == sb[j - 1] && here == diag(row(i - 1)) {
            steps.push(Step::Keep(i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if i > 0 && j > 0 && here == diag(row(i - 1)) + 1 {
            steps.push(Step::Replace(i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if i > 0 && here == band.get(row(i - 1), i - 1, j) + 1 {
            steps.push(Step::Delete(i - 1));
            i -= 1;
        } else {
            steps.push(Step::Insert(j - 1));
            j -= 1;
        }
    }
    steps.reverse();
    (d, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The exact distance between `a` and `b`, bit-parallel.
    fn distance<T: Eq + Hash>(a: &[T], b: &[T]) -> usize {
        let (sa, sb, alphabet) = symbols(a, b);
        Pattern::new(sa, alphabet)
            .distance(&sb, usize::MAX / 2)
            .unwrap_or(usize::MAX)
    }

    /// The distance of `a` to `b` bounded by `k`, by the pattern, and the
    /// same by each of its two methods alone.
    fn bounded(a: &[u32], b: &[u32], k: usize) -> Option<usize> {
        let (sa, sb, alphabet) = symbols(a, b);
        let banded = banded(&sa, &sb, k);
        let pattern = Pattern::new(sa, alphabet);
        let got = pattern.distance(&sb, k);
        let bits = if a.is_empty() || a.len().abs_diff(b.len()) > k {
            got
        } else {
            pattern.bit_parallel(&sb, k)
        };
        assert_eq!((banded, bits), (got, got), "banded, bit-parallel");
        got
    }

    /// The full matrix and its traceback: the script as it was computed before
    /// the band, kept as the reference the banded one must equal step for step.
    fn full_script(a: &[u32], b: &[u32]) -> (usize, Vec<Step>) {
        let (n, m) = (a.len(), b.len());
        let w = m + 1;
        let mut d = vec![0usize; (n + 1) * w];
        for (j, cell) in d.iter_mut().enumerate().take(m + 1) {
            *cell = j;
        }
        for i in 1..=n {
            d[i * w] = i;
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i * w + j] = (d[(i - 1) * w + j - 1] + cost)
                    .min(d[(i - 1) * w + j] + 1)
                    .min(d[i * w + j - 1] + 1);
            }
        }
        let mut steps = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 || j > 0 {
            let here = d[i * w + j];
            if i > 0 && j > 0 && a[i - 1] == b[j - 1] && here == d[(i - 1) * w + j - 1] {
                steps.push(Step::Keep(i - 1, j - 1));
                (i, j) = (i - 1, j - 1);
            } else if i > 0 && j > 0 && here == d[(i - 1) * w + j - 1] + 1 {
                steps.push(Step::Replace(i - 1, j - 1));
                (i, j) = (i - 1, j - 1);
            } else if i > 0 && here == d[(i - 1) * w + j] + 1 {
                steps.push(Step::Delete(i - 1));
                i -= 1;
            } else {
                steps.push(Step::Insert(j - 1));
                j -= 1;
            }
        }
        steps.reverse();
        (d[n * w + m], steps)
    }

    #[test]
    fn known_distances() {
        let (d, s) = script(&[1, 2, 3], &[1, 4, 3, 5]);
        assert_eq!(d, 2);
        assert_eq!(s.iter().filter(|s| !matches!(s, Step::Keep(..))).count(), 2);
        assert_eq!(bounded(&[1, 2, 3], &[1, 4, 3, 5], 2), Some(2));
        assert_eq!(bounded(&[1, 2, 3], &[1, 4, 3, 5], 1), None);
        assert_eq!(bounded(&[], &[1, 2], 2), Some(2));
        assert_eq!(bounded(&[1, 2], &[], 2), Some(2));
        assert_eq!(script::<u32>(&[], &[]), (0, vec![]));
        assert_eq!(distance(&['k', 'i', 't'], &['s', 'i', 't', 't']), 2);
    }

    /// Two 200,000-unit texts five edits apart: the full matrix would need
    /// 320 GB; the band and its checkpoints a few megabytes.
    #[test]
    fn issue11_long_texts_script_in_linear_space() {
        let a: Vec<u32> = (0..200_000u32).map(|i| i % 1_000).collect();
        let mut b = a.clone();
        b[10] = 5_000;
        b.remove(70_000);
        b.insert(150_000, 7);
        b[199_000] = 6_000;
        b.push(3);
        let (d, steps) = script(&a, &b);
        assert_eq!(d, 5);
        assert_eq!(
            steps
                .iter()
                .filter(|s| !matches!(s, Step::Keep(..)))
                .count(),
            5
        );
    }

    fn seq(max_len: usize) -> impl Strategy<Value = Vec<u32>> {
        proptest::collection::vec(0u32..4, 0..max_len)
    }

    /// A long sequence and a copy of it with a few random edits.
    fn near_pair() -> impl Strategy<Value = (Vec<u32>, Vec<u32>)> {
        (
            proptest::collection::vec(0u32..6, 0..400),
            proptest::collection::vec((0usize..400, 0u8..3, 0u32..6), 0..12),
        )
            .prop_map(|(a, edits)| {
                let mut b = a.clone();
                for (at, op, v) in edits {
                    let at = at.min(b.len());
                    match op {
                        0 => b.insert(at, v),
                        1 if at < b.len() => {
                            b.remove(at);
                        }
                        _ if at < b.len() => b[at] = v,
                        _ => b.push(v),
                    }
                }
                (a, b)
            })
    }

    /// `strsim`, an independent implementation, as the reference.
    fn reference(a: &[u32], b: &[u32]) -> usize {
        strsim::generic_levenshtein(&a.to_vec(), &b.to_vec())
    }

    /// The distance, the distance within `k` and the edit script of `a` and
    /// `b` all agree with the reference (the script with the full matrix's).
    fn agrees_with_strsim(a: &[u32], b: &[u32], k: usize) -> Result<(), TestCaseError> {
        let d = reference(a, b);
        prop_assert_eq!(distance(a, b), d);
        prop_assert_eq!(bounded(a, b, k), (d <= k).then_some(d));
        let (sd, steps) = script(a, b);
        prop_assert_eq!(sd, d);
        prop_assert_eq!(&steps, &full_script(a, b).1);
        Ok(())
    }

    proptest! {
        #[test]
        fn distances_agree_with_strsim(a in seq(150), b in seq(150), k in 0usize..160) {
            agrees_with_strsim(&a, &b, k)?;
        }

        #[test]
        fn long_near_texts_agree_with_strsim((a, b) in near_pair(), k in 0usize..20) {
            agrees_with_strsim(&a, &b, k)?;
        }

        #[test]
        fn characters_agree_with_strsim(a in "[a-d ]{0,300}", b in "[a-d ]{0,300}") {
            let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            prop_assert_eq!(distance(&ca, &cb), strsim::levenshtein(&a, &b));
        }
    }
}
