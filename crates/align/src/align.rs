//! The aligner: a banded dynamic programme over beads, with a cost made of a
//! length model, lexical evidence and paragraph anchors.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::lexicon::{DiceCounter, IntMap, LearnOptions, Lexicon, StrMap};
use crate::text::{tokenize, Kind, Token};

/// One sentence given to the aligner.
#[derive(Clone, Copy, Debug)]
pub struct Sent<'a> {
    /// Its text.
    pub text: &'a str,
    /// The paragraph it belongs to (0-based); all 0 when unknown.
    pub paragraph: usize,
}

/// One link of an alignment: source and target sentence indexes (either side
/// may be empty), and a confidence in 0..=1.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Source sentence indexes, ascending.
    pub src: Vec<usize>,
    /// Target sentence indexes, ascending.
    pub tgt: Vec<usize>,
    /// How sure the aligner is, 0..=1.
    pub confidence: f64,
}

/// The bead shapes the programme considers: (source, target) sentence counts.
const BEADS: [(usize, usize); 8] = [
    (1, 1),
    (1, 0),
    (0, 1),
    (1, 2),
    (2, 1),
    (2, 2),
    (1, 3),
    (3, 1),
];

/// Tunable weights of the cost. Values were set on the development documents
/// that `examples/eval.rs` reads (docs/ALIGN.md names them).
#[derive(Clone, Debug)]
pub(crate) struct Params {
    /// Cost of a deleted or inserted sentence.
    pub(crate) skip: f32,
    /// Extra cost of a 1-2 or 2-1 bead.
    pub(crate) merge: f32,
    /// Extra cost of a 2-2 bead.
    pub(crate) merge22: f32,
    /// Extra cost of a 1-3 or 3-1 bead.
    pub(crate) merge3: f32,
    /// Weight of the length cost.
    pub(crate) length: f32,
    /// Reward per unit of matched information (nats) beyond chance.
    pub(crate) lexical: f32,
    /// Cost of a paragraph boundary inside a bead.
    pub(crate) para_inside: f32,
    /// Cost of a bead starting a paragraph on one side only.
    pub(crate) para_start: f32,
    /// Temperature of the posterior that gives each link its confidence.
    pub(crate) temperature: f32,
    /// Slope of the logistic over a bead's margin (cost saved per sentence
    /// against leaving them unaligned) that picks the first pass's
    /// confident links.
    pub(crate) margin_slope: f32,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            skip: 3.0,
            merge: 2.0,
            merge22: 4.0,
            merge3: 4.0,
            length: 1.0,
            lexical: 0.3,
            para_inside: 4.0,
            para_start: 2.0,
            temperature: 1.0,
            margin_slope: 0.5,
        }
    }
}

/// Builds an [`Aligner`]; [`AlignerBuilder::build`] checks the options.
#[derive(Clone, Debug)]
pub struct AlignerBuilder {
    lexicon: Lexicon,
    two_pass: bool,
    length_only: bool,
    band: usize,
    params: Params,
}

impl Default for AlignerBuilder {
    fn default() -> AlignerBuilder {
        AlignerBuilder {
            lexicon: Lexicon::default(),
            two_pass: true,
            length_only: false,
            band: 120,
            params: Params::default(),
        }
    }
}

impl AlignerBuilder {
    /// Defaults: no lexicon, two passes, lexical evidence on, band of ±120.
    pub fn new() -> AlignerBuilder {
        AlignerBuilder::default()
    }
    /// Uses `lexicon` (learned from a memory or read from a dictionary).
    pub fn lexicon(mut self, lexicon: Lexicon) -> AlignerBuilder {
        self.lexicon = lexicon;
        self
    }
    /// Whether to learn a lexicon from the confident 1-1 links of a first
    /// pass and realign with it (default on).
    pub fn two_pass(mut self, yes: bool) -> AlignerBuilder {
        self.two_pass = yes;
        self
    }
    /// Sentence lengths only (Gale-Church): the baseline to compare with.
    pub fn length_only(mut self, yes: bool) -> AlignerBuilder {
        self.length_only = yes;
        self
    }
    /// Half-width of the search band, in sentences (at least 8). The band
    /// follows the diagonal, then recentres on the path found, so a drift
    /// larger than the band is still followed; time and memory are
    /// linear in document length times the band.
    pub fn band(mut self, half_width: usize) -> AlignerBuilder {
        self.band = half_width;
        self
    }
    /// The aligner.
    pub fn build(self) -> Result<Aligner> {
        if self.band < 8 {
            return Err(Error::Option {
                name: "band",
                value: self.band.to_string(),
                expected: "at least 8 sentences",
            });
        }
        Ok(Aligner {
            lexicon: self.lexicon,
            two_pass: self.two_pass && !self.length_only,
            length_only: self.length_only,
            band: self.band,
            params: self.params,
        })
    }
}

/// A configured aligner.
#[derive(Clone, Debug)]
pub struct Aligner {
    lexicon: Lexicon,
    two_pass: bool,
    length_only: bool,
    band: usize,
    params: Params,
}

impl Default for Aligner {
    fn default() -> Aligner {
        Aligner::new()
    }
}

/// One side of the document, prepared for the cost function.
struct Side {
    /// Non-blank characters per sentence.
    len: Vec<f32>,
    /// Prefix sums of `len` (n + 1 entries), so a run's length is O(1).
    len_pre: Vec<f64>,
    /// Token weight per sentence (the information its tokens carry).
    weight: Vec<f32>,
    /// Expected weight a random sentence of the other side would match.
    chance: Vec<f32>,
    /// Whether the sentence starts a paragraph.
    starts: Vec<bool>,
    para: Vec<usize>,
    /// Tokens: (weight, own keys, candidate keys) per sentence.
    toks: Vec<Vec<Tok>>,
    /// Vocabulary ids of the words per sentence, for in-document learning.
    words: Vec<Vec<u32>>,
}

struct Tok {
    weight: f32,
    /// Vocabulary id of the folded text.
    text: u32,
    capital: bool,
    /// Keys this token offers to the other side (its text, its prefix).
    own: Vec<u32>,
    /// Keys it looks for on the other side (itself, its prefix, translations).
    cands: Vec<u32>,
}

/// Band searches per pass, the band doubling each time.
const MAX_ROUNDS: usize = 10;

/// At most this many confident links feed the second pass's lexicon.
const MAX_LEARN_LINKS: usize = 3000;

/// Word prefixes this long stand for cognates (`président`/`president`).
const COGNATE_PREFIX: usize = 4;

/// Tokens of one sentence that lexical evidence looks at; a longer sentence
/// is scored on this many spread evenly over it. Finding a sentence's
/// tokens in the other side's sentences costs its token count times the
/// sentences in reach, so without a bound one 1 MB sentence against 16,000
/// sentences took 15.5 s, and 0.69 s with it (`big 16000 long`, see
/// docs/BENCHMARKS.md). The longest
/// sentence of the development documents has 612 tokens (Proust), so the
/// bound changes nothing on real prose.
const MAX_TOKENS: usize = 1024;

/// The tokens of a sentence that lexical evidence uses: all of them up to
/// [`MAX_TOKENS`], else that many evenly spaced ones.
fn sample(tokens: &[Token]) -> impl Iterator<Item = &Token> {
    let n = tokens.len();
    let keep = n.min(MAX_TOKENS);
    (0..keep).map(move |k| &tokens[k * n / keep])
}

/// Interned strings: words, prefixes and translations share one id space.
#[derive(Default)]
struct Vocab {
    ids: StrMap<u32>,
    names: Vec<String>,
}

impl Vocab {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(s.to_string(), id);
        self.names.push(s.to_string());
        id
    }
    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }
}

fn prepare(
    sents: &[Sent<'_>],
    tokens: &[Vec<Token>],
    vocab: &mut Vocab,
    lexicon: Option<&Lexicon>,
) -> Side {
    let mut side = Side {
        len: Vec::with_capacity(sents.len()),
        len_pre: vec![0.0],
        weight: Vec::with_capacity(sents.len()),
        chance: Vec::with_capacity(sents.len()),
        starts: Vec::with_capacity(sents.len()),
        para: Vec::with_capacity(sents.len()),
        toks: Vec::with_capacity(sents.len()),
        words: Vec::with_capacity(sents.len()),
    };
    let mut key = String::new();
    for (k, (s, sent_toks)) in sents.iter().zip(tokens).enumerate() {
        let chars = s.text.chars().filter(|c| !c.is_whitespace()).count();
        side.len.push(chars as f32);
        side.len_pre.push(side.len_pre[k] + chars as f64);
        side.starts
            .push(k == 0 || sents[k - 1].paragraph != s.paragraph);
        side.para.push(s.paragraph);
        let mut toks = Vec::with_capacity(sent_toks.len().min(MAX_TOKENS));
        let mut words = Vec::new();
        for t in sample(sent_toks) {
            let chars = t.text.chars().count();
            let (weight, identity) = match t.kind {
                Kind::Number => (2.0, true),
                Kind::Punct => (0.5, true),
                Kind::Word if chars <= 2 => (0.25, t.capital),
                Kind::Word => (1.0, true),
            };
            // The plain text is always an own key, so that a translation
            // found on the other side can match a short word too.
            let text_id = vocab.id(&t.text);
            let mut own = vec![text_id];
            let mut cands = Vec::new();
            if identity {
                cands.push(text_id);
                if t.kind == Kind::Word && chars >= COGNATE_PREFIX {
                    key.clear();
                    key.push('\u{1}');
                    key.extend(t.text.chars().take(COGNATE_PREFIX));
                    let id = vocab.id(&key);
                    own.push(id);
                    cands.push(id);
                }
            }
            if t.kind == Kind::Word {
                if let Some(lex) = lexicon {
                    for (tr, _) in lex.translations(&t.text) {
                        cands.push(vocab.id(tr));
                    }
                }
                words.push(text_id);
            }
            cands.sort_unstable();
            cands.dedup();
            toks.push(Tok {
                weight,
                text: text_id,
                capital: t.capital,
                own,
                cands,
            });
        }
        side.toks.push(toks);
        side.words.push(words);
    }
    side
}

/// Weighs each token by the information a match carries, `-ln p`, where p
/// is the share of the other side's sentences it matches, and records per
/// sentence the total weight and what a random sentence would match.
fn weigh(side: &mut Side, other: &HashMap<u32, Vec<u32>>, other_n: usize) {
    let mut cache: IntMap<u64, f32> = IntMap::default();
    let mut mark = vec![0u32; other_n];
    let mut stamp = 0u32;
    side.weight.clear();
    side.chance.clear();
    for toks in &mut side.toks {
        let (mut w_sum, mut c_sum) = (0.0, 0.0);
        for t in toks.iter_mut() {
            // A token's candidates depend only on its text and capital.
            let p = *cache
                .entry((u64::from(t.text) << 1) | u64::from(t.capital))
                .or_insert_with(|| {
                    stamp += 1;
                    let mut count = 0usize;
                    for key in &t.cands {
                        for &j in other.get(key).map_or(&[][..], Vec::as_slice) {
                            if mark[j as usize] != stamp {
                                mark[j as usize] = stamp;
                                count += 1;
                            }
                        }
                    }
                    (count as f32 + 0.5) / (other_n as f32 + 1.0)
                });
            t.weight *= -p.ln();
            w_sum += t.weight;
            c_sum += t.weight * p;
        }
        side.weight.push(w_sum);
        side.chance.push(c_sum);
    }
}

/// Word ids per sentence of both sides, and the strings they stand for.
struct Words {
    src: Vec<Vec<u32>>,
    tgt: Vec<Vec<u32>>,
    names: Vec<String>,
}

/// A band over the DP grid: for each row i (0..=n), columns lo[i]..=hi[i].
struct Band {
    lo: Vec<usize>,
    hi: Vec<usize>,
    off: Vec<usize>,
}

impl Band {
    fn from_ranges(mut lo: Vec<usize>, mut hi: Vec<usize>, m: usize) -> Band {
        let n = lo.len() - 1;
        lo[0] = 0;
        hi[n] = m;
        // Monotone: suffix minimum of lo, prefix maximum of hi.
        for i in (0..n).rev() {
            lo[i] = lo[i].min(lo[i + 1]);
        }
        for i in 1..=n {
            hi[i] = hi[i].max(hi[i - 1]);
        }
        for i in 0..=n {
            hi[i] = hi[i].max(lo[i]).min(m);
            lo[i] = lo[i].min(hi[i]);
        }
        let mut off = Vec::with_capacity(n + 2);
        let mut acc = 0;
        for i in 0..=n {
            off.push(acc);
            acc += hi[i] - lo[i] + 1;
        }
        off.push(acc);
        Band { lo, hi, off }
    }

    fn diagonal(n: usize, m: usize, w: usize) -> Band {
        let (lo, hi) = (0..=n)
            .map(|i| {
                let c = (i * m).checked_div(n).unwrap_or(0);
                (c.saturating_sub(w), (c + w).min(m))
            })
            .unzip();
        Band::from_ranges(lo, hi, m)
    }

    fn around(path: &[(usize, usize)], n: usize, m: usize, w: usize) -> Band {
        let mut lo = vec![usize::MAX; n + 1];
        let mut hi = vec![0; n + 1];
        for &(i, j) in path {
            lo[i] = lo[i].min(j.saturating_sub(w));
            hi[i] = hi[i].max((j + w).min(m));
        }
        Band::from_ranges(lo, hi, m)
    }

    fn cell(&self, i: usize, j: usize) -> Option<usize> {
        (j >= self.lo[i] && j <= self.hi[i]).then(|| self.off[i] + j - self.lo[i])
    }

    fn cells(&self) -> usize {
        self.off[self.off.len() - 1]
    }
}

/// Lexical coverage inside the band: for source sentence i and the target
/// runs of 1, 2 and 3 sentences starting at j, the weight of i's tokens that
/// find a match in the run (each token counted once), and the same from the
/// target side (target sentence j against source runs starting at i).
struct Pairs {
    lo: Vec<usize>,
    hi: Vec<usize>,
    off: Vec<usize>,
    src_cov: Vec<[f32; 3]>,
    tgt_cov: Vec<[f32; 3]>,
}

const NONE: [f32; 3] = [0.0; 3];

impl Pairs {
    fn index(&self, i: usize, j: usize) -> Option<usize> {
        (j >= self.lo[i] && j < self.hi[i]).then(|| self.off[i] + j - self.lo[i])
    }
    fn src(&self, i: usize, j: usize) -> &[f32; 3] {
        self.index(i, j).map_or(&NONE, |k| &self.src_cov[k])
    }
    fn tgt(&self, i: usize, j: usize) -> &[f32; 3] {
        self.index(i, j).map_or(&NONE, |k| &self.tgt_cov[k])
    }
}

fn postings(side: &Side) -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    for (k, toks) in side.toks.iter().enumerate() {
        for t in toks {
            for &key in &t.own {
                let list = map.entry(key).or_default();
                if list.last() != Some(&(k as u32)) {
                    list.push(k as u32);
                }
            }
        }
    }
    map
}

/// Adds to `cov[j - lo][r]` the weight of each token of `toks` that has a
/// match in the run of r + 1 sentences of the other side starting at j.
fn cover(
    toks: &[Tok],
    post: &HashMap<u32, Vec<u32>>,
    lo: usize,
    hi: usize,
    mark: &mut [[u32; 3]],
    stamp: &mut u32,
    cov: &mut [[f32; 3]],
) {
    for t in toks {
        *stamp += 1;
        for key in &t.cands {
            let Some(list) = post.get(key) else { continue };
            let start = list.partition_point(|&j| (j as usize) + 2 < lo);
            for &j in &list[start..] {
                let j = j as usize;
                if j >= hi + 2 {
                    break;
                }
                if mark[j][0] == *stamp {
                    continue;
                }
                mark[j][0] = *stamp;
                for r in 0..3 {
                    for s in j.saturating_sub(r)..=j {
                        if s < lo || s >= hi || mark[s][r] == *stamp && r > 0 {
                            continue;
                        }
                        mark[s][r] = *stamp;
                        cov[s - lo][r] += t.weight;
                    }
                }
            }
        }
    }
}

fn pairs(
    src: &Side,
    tgt: &Side,
    spost: &HashMap<u32, Vec<u32>>,
    tpost: &HashMap<u32, Vec<u32>>,
    band: &Band,
    lexical: bool,
) -> Pairs {
    let (n, m) = (src.len.len(), tgt.len.len());
    let mut lo = Vec::with_capacity(n);
    let mut hi = Vec::with_capacity(n);
    let mut off = Vec::with_capacity(n + 1);
    let mut acc = 0;
    for i in 0..n {
        let l = band.lo[i + 1].saturating_sub(3).min(m);
        let h = band.hi[(i + 3).min(n)].min(m).max(l);
        lo.push(l);
        hi.push(h);
        off.push(acc);
        acc += h - l;
    }
    off.push(acc);
    let mut p = Pairs {
        lo,
        hi,
        off,
        src_cov: vec![NONE; acc],
        tgt_cov: vec![NONE; acc],
    };
    if !lexical || acc == 0 {
        return p;
    }
    let mut mark = vec![[0u32; 3]; m.max(n) + 3];
    let mut stamp = 0u32;
    for i in 0..n {
        let (l, h, o) = (p.lo[i], p.hi[i], p.off[i]);
        cover(
            &src.toks[i],
            tpost,
            l,
            h,
            &mut mark,
            &mut stamp,
            &mut p.src_cov[o..o + h - l],
        );
    }
    // The reverse direction walks columns: the rows whose range holds j are
    // contiguous because the ranges are monotone.
    let mut first = 0;
    let mut last = 0;
    let mut col = Vec::new();
    mark.iter_mut().for_each(|x| *x = [0; 3]);
    stamp = 0;
    for j in 0..m {
        while first < n && p.hi[first] <= j {
            first += 1;
        }
        while last < n && p.lo[last] <= j {
            last += 1;
        }
        if first >= last {
            continue;
        }
        col.clear();
        col.resize(last - first, NONE);
        cover(
            &tgt.toks[j],
            spost,
            first,
            last,
            &mut mark,
            &mut stamp,
            &mut col,
        );
        for (k, c) in col.iter().enumerate() {
            if let Some(idx) = p.index(first + k, j) {
                p.tgt_cov[idx] = *c;
            }
        }
    }
    p
}

/// `-ln P(|Z| ≥ |delta|)` for a standard normal Z: the Gale-Church cost.
fn tail_cost(delta: f32) -> f32 {
    let z = f64::from(delta.abs()) / std::f64::consts::SQRT_2;
    if z > 4.0 {
        // Asymptotic form: erfc(z) ≈ exp(-z²) / (z √π).
        return (z * z + (z * std::f64::consts::PI.sqrt()).ln()) as f32;
    }
    // Abramowitz and Stegun 7.1.26.
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = (poly * (-z * z).exp()).max(1e-300);
    (-erfc.ln()) as f32
}

/// Resolution of the tail-cost table: entries per unit of |delta|.
const TAIL_STEPS: f32 = 64.0;

fn tail_table() -> Vec<f32> {
    (0..64 * 40)
        .map(|k| tail_cost((k as f32 + 0.5) / TAIL_STEPS))
        .collect()
}

struct Model<'a> {
    tail: &'a [f32],
    src: &'a Side,
    tgt: &'a Side,
    pairs: Pairs,
    params: &'a Params,
    ratio: f32,
    paragraphs: bool,
    lexical: bool,
}

/// The parts of a bead's cost.
struct BeadCost {
    total: f32,
    /// What the same sentences would cost if all were left unaligned.
    null: f32,
}

impl Model<'_> {
    fn bead(&self, i0: usize, i1: usize, j0: usize, j1: usize) -> BeadCost {
        let p = self.params;
        let (a, b) = (i1 - i0, j1 - j0);
        let null = (a + b) as f32 * p.skip;
        if a == 0 || b == 0 {
            return BeadCost { total: null, null };
        }
        let mut cost = match (a, b) {
            (1, 1) => 0.0,
            (1, 2) | (2, 1) => p.merge,
            (2, 2) => p.merge22,
            _ => p.merge3,
        };
        let lx = (self.src.len_pre[i1] - self.src.len_pre[i0]) as f32;
        let ly = (self.tgt.len_pre[j1] - self.tgt.len_pre[j0]) as f32;
        let mean = ((lx + ly / self.ratio) / 2.0).max(1.0);
        let delta = ((ly - lx * self.ratio) / (mean * 6.8).sqrt()).abs();
        // A table of the tail cost: `ln` and `exp` per bead were a third of
        // the programme's time on 10k × 10k sentences.
        let slot = (delta * TAIL_STEPS) as usize;
        cost += p.length
            * self
                .tail
                .get(slot)
                .copied()
                .unwrap_or_else(|| tail_cost(delta));
        if self.lexical {
            // Matched information beyond what chance would give: merging an
            // unrelated sentence gains nothing on average.
            let mut score = 0.0;
            for i in i0..i1 {
                score += self.pairs.src(i, j0)[b - 1].min(self.src.weight[i])
                    - b as f32 * self.src.chance[i];
            }
            for j in j0..j1 {
                score += self.pairs.tgt(i0, j)[a - 1].min(self.tgt.weight[j])
                    - a as f32 * self.tgt.chance[j];
            }
            cost -= p.lexical * score;
        }
        if self.paragraphs {
            let inside = (i0 + 1..i1).filter(|&i| self.src.starts[i]).count()
                + (j0 + 1..j1).filter(|&j| self.tgt.starts[j]).count();
            cost += p.para_inside * inside as f32;
            if self.src.starts[i0] != self.tgt.starts[j0] {
                cost += p.para_start;
            }
        }
        BeadCost { total: cost, null }
    }
}

/// Runs the programme over `band`; returns the path of (i, j) grid points
/// from (0, 0) to (n, m), and the bead shape ending at each.
fn run(model: &Model<'_>, band: &Band, n: usize, m: usize) -> Vec<(usize, usize)> {
    let mut cost = vec![f32::INFINITY; band.cells()];
    let mut back = vec![u8::MAX; band.cells()];
    cost[0] = 0.0;
    for i in 0..=n {
        for j in band.lo[i]..=band.hi[i] {
            let Some(here) = band.cell(i, j) else {
                continue;
            };
            if i == 0 && j == 0 {
                continue;
            }
            let mut best = f32::INFINITY;
            let mut arg = u8::MAX;
            for (k, &(a, b)) in BEADS.iter().enumerate() {
                if a > i || b > j {
                    continue;
                }
                let Some(prev) = band.cell(i - a, j - b) else {
                    continue;
                };
                let base = cost[prev];
                if !base.is_finite() {
                    continue;
                }
                let c = base + model.bead(i - a, i, j - b, j).total;
                if c < best {
                    best = c;
                    arg = k as u8;
                }
            }
            cost[here] = best;
            back[here] = arg;
        }
    }
    let mut path = vec![(n, m)];
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let k = band.cell(i, j).map_or(u8::MAX, |c| back[c]);
        let (a, b) = if k == u8::MAX {
            // Unreachable cell (cannot happen with a monotone band that
            // holds both corners); fall back to single steps.
            if i > 0 {
                (1, 0)
            } else {
                (0, 1)
            }
        } else {
            BEADS[k as usize]
        };
        i -= a;
        j -= b;
        path.push((i, j));
    }
    path.reverse();
    path
}

/// `ln Σ exp(x)` over the finite values of `xs`; −∞ when there are none.
fn log_sum_exp(xs: &[f32]) -> f32 {
    let max = xs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return f32::NEG_INFINITY;
    }
    max + xs.iter().map(|&x| (x - max).exp()).sum::<f32>().ln()
}

/// Posterior probability of each bead of `path` among all alignments inside
/// `band`, each weighted by `exp(-cost / temp)` (forward-backward).
fn posteriors(
    model: &Model<'_>,
    band: &Band,
    n: usize,
    m: usize,
    path: &[(usize, usize)],
    temp: f32,
) -> Vec<f64> {
    let mut alpha = vec![f32::NEG_INFINITY; band.cells()];
    let mut beta = vec![f32::NEG_INFINITY; band.cells()];
    let mut terms = Vec::with_capacity(BEADS.len());
    alpha[0] = 0.0;
    for i in 0..=n {
        for j in band.lo[i]..=band.hi[i] {
            let Some(here) = band.cell(i, j) else {
                continue;
            };
            if i == 0 && j == 0 {
                continue;
            }
            terms.clear();
            for &(a, b) in &BEADS {
                if a > i || b > j {
                    continue;
                }
                if let Some(prev) = band.cell(i - a, j - b) {
                    if alpha[prev].is_finite() {
                        terms.push(alpha[prev] - model.bead(i - a, i, j - b, j).total / temp);
                    }
                }
            }
            alpha[here] = log_sum_exp(&terms);
        }
    }
    if let Some(end) = band.cell(n, m) {
        beta[end] = 0.0;
    }
    for i in (0..=n).rev() {
        for j in (band.lo[i]..=band.hi[i]).rev() {
            let Some(here) = band.cell(i, j) else {
                continue;
            };
            if i == n && j == m {
                continue;
            }
            terms.clear();
            for &(a, b) in &BEADS {
                if i + a > n || j + b > m {
                    continue;
                }
                if let Some(next) = band.cell(i + a, j + b) {
                    if beta[next].is_finite() {
                        terms.push(beta[next] - model.bead(i, i + a, j, j + b).total / temp);
                    }
                }
            }
            beta[here] = log_sum_exp(&terms);
        }
    }
    let z = band.cell(n, m).map_or(f32::NEG_INFINITY, |c| alpha[c]);
    path.windows(2)
        .map(|w| {
            let ((i0, j0), (i1, j1)) = (w[0], w[1]);
            match (band.cell(i0, j0), band.cell(i1, j1)) {
                (Some(a), Some(b)) if z.is_finite() => {
                    let lp = alpha[a] - model.bead(i0, i1, j0, j1).total / temp + beta[b] - z;
                    f64::from(lp.min(0.0).exp())
                }
                _ => 0.0,
            }
        })
        .collect()
}

/// Whether `path` comes within `margin` of a band edge that is not the
/// grid's own edge: then the best path may lie outside the band.
fn touches_edge(path: &[(usize, usize)], band: &Band, m: usize, margin: usize) -> bool {
    path.iter().any(|&(i, j)| {
        (band.lo[i] > 0 && j < band.lo[i] + margin) || (band.hi[i] < m && j + margin > band.hi[i])
    })
}

impl Aligner {
    /// An aligner with default settings and no lexicon.
    pub fn new() -> Aligner {
        // The default options are valid by construction.
        let b = AlignerBuilder::default();
        Aligner {
            lexicon: b.lexicon,
            two_pass: b.two_pass,
            length_only: b.length_only,
            band: b.band,
            params: b.params,
        }
    }

    /// A builder, to set a lexicon, the band, one or two passes, or the
    /// length-only baseline.
    pub fn builder() -> AlignerBuilder {
        AlignerBuilder::new()
    }

    /// Uses `lexicon` as lexical evidence.
    pub fn with_lexicon(mut self, lexicon: Lexicon) -> Aligner {
        self.lexicon = lexicon;
        self
    }

    /// Aligns `src` with `tgt`: every sentence appears in exactly one link, in order.
    pub fn align(&self, src: &[Sent<'_>], tgt: &[Sent<'_>]) -> Vec<Link> {
        let s_tokens: Vec<Vec<Token>> = src.iter().map(|s| tokenize(s.text)).collect();
        let t_tokens: Vec<Vec<Token>> = tgt.iter().map(|s| tokenize(s.text)).collect();
        let (first, words) = self.align_with(src, tgt, &s_tokens, &t_tokens, &self.lexicon, None);
        if !self.two_pass || src.is_empty() || tgt.is_empty() {
            return first;
        }
        // Second pass: learn word pairs from the confident 1-1 links, and
        // search near the first path only.
        let Some(words) = words else { return first };
        let confident: Vec<(usize, usize)> = first
            .iter()
            .filter_map(|l| match (l.src.as_slice(), l.tgt.as_slice()) {
                ([i], [j]) if l.confidence >= 0.5 => Some((*i, *j)),
                _ => None,
            })
            .collect();
        // A few thousand links teach a document's vocabulary; more only cost
        // time (learning from all 9,500 links of the 10k × 10k bench took
        // 850 ms, longer than the first pass).
        let stride = confident.len().div_ceil(MAX_LEARN_LINKS).max(1);
        let confident: Vec<(usize, usize)> = confident.into_iter().step_by(stride).collect();
        let mut counter =
            DiceCounter::new(LearnOptions::new().min_count(2).min_dice(0.3).per_word(2));
        // Words seen in fewer than two confident links cannot reach the
        // minimum count: leaving them out keeps the pair table small.
        let mut df: IntMap<u32, u32> = IntMap::default();
        for &(i, j) in &confident {
            for w in words.src[i].iter().chain(&words.tgt[j]) {
                *df.entry(*w).or_insert(0) += 1;
            }
        }
        let keep = |v: &[u32]| -> Vec<u32> {
            v.iter()
                .copied()
                .filter(|w| df.get(w).is_some_and(|&c| c >= 2))
                .collect()
        };
        for &(i, j) in &confident {
            counter.add_ids(keep(&words.src[i]), keep(&words.tgt[j]));
        }
        let mut lex = counter.finish(&words.names, &words.names);
        lex.merge(&self.lexicon);
        self.align_with(src, tgt, &s_tokens, &t_tokens, &lex, Some(&first))
            .0
    }

    /// One pass: the links, and the words each side's sentences hold.
    /// With `prior` links, the band follows them instead of the diagonal.
    fn align_with(
        &self,
        src: &[Sent<'_>],
        tgt: &[Sent<'_>],
        s_tokens: &[Vec<Token>],
        t_tokens: &[Vec<Token>],
        lexicon: &Lexicon,
        prior: Option<&[Link]>,
    ) -> (Vec<Link>, Option<Words>) {
        let (n, m) = (src.len(), tgt.len());
        let mut vocab = Vocab::default();
        let lexical = !self.length_only;
        let s = prepare(src, s_tokens, &mut vocab, Some(lexicon));
        let mut t = prepare(tgt, t_tokens, &mut vocab, None);
        // The target side looks for the source words that translate to it.
        let mut reverse: IntMap<u32, Vec<u32>> = IntMap::default();
        for (sw, tw, _) in lexicon.iter() {
            if let (Some(a), Some(b)) = (vocab.get(sw), vocab.get(tw)) {
                reverse.entry(b).or_default().push(a);
            }
        }
        for toks in &mut t.toks {
            for tok in toks.iter_mut() {
                if let Some(srcs) = reverse.get(&tok.text) {
                    tok.cands.extend(srcs);
                    tok.cands.sort_unstable();
                    tok.cands.dedup();
                }
            }
        }
        let spost = postings(&s);
        let tpost = postings(&t);
        let mut s = s;
        if lexical {
            weigh(&mut s, &tpost, m);
            weigh(&mut t, &spost, n);
        }
        let total_s: f32 = s.len.iter().sum();
        let total_t: f32 = t.len.iter().sum();
        let ratio = if total_s > 0.0 && total_t > 0.0 {
            total_t / total_s
        } else {
            1.0
        };
        let paragraphs =
            s.para.iter().any(|&p| p != s.para[0]) && t.para.iter().any(|&p| p != t.para[0]);

        let (mut band, width) = match prior {
            None => (Band::diagonal(n, m, self.band), self.band),
            Some(links) => {
                let mut path = vec![(0, 0)];
                let (mut i, mut j) = (0, 0);
                for l in links {
                    i += l.src.len();
                    j += l.tgt.len();
                    path.push((i.min(n), j.min(m)));
                }
                path.push((n, m));
                // The second pass refines the first locally: ±band/4 held
                // the same F1 on the development set at a quarter of the cells.
                let w = (self.band / 4).max(8);
                (Band::around(&path, n, m, w), w)
            }
        };
        let mut path = Vec::new();
        let mut model = None;
        let tail = tail_table();
        let mut width = width;
        for round in 0..MAX_ROUNDS {
            let md = Model {
                tail: &tail,
                src: &s,
                tgt: &t,
                pairs: pairs(&s, &t, &spost, &tpost, &band, lexical),
                params: &self.params,
                ratio,
                paragraphs,
                lexical,
            };
            path = run(&md, &band, n, m);
            model = Some(md);
            if round + 1 == MAX_ROUNDS
                || width >= n.max(m)
                || !touches_edge(&path, &band, m, width / 4)
            {
                break;
            }
            // The path hugs the band's edge: the true one may lie outside.
            // Doubling the width around the path found keeps the total
            // work linear in the drift.
            width *= 2;
            band = Band::around(&path, n, m, width);
        }
        let Some(model) = model else {
            return (Vec::new(), None);
        };
        // The final pass gives each link its posterior probability; the
        // first pass of two only needs a cheaper margin to pick the links
        // it learns from.
        let confidences: Vec<f64> = if prior.is_some() || !self.two_pass || n == 0 || m == 0 {
            // Alignments far from the best path carry no mass worth the
            // time: ±band/4 around it (as in the second pass) kept the
            // confidences of the development documents while the full band
            // tripled the time of a one-pass alignment.
            let near = Band::around(&path, n, m, (self.band / 4).max(8));
            posteriors(&model, &near, n, m, &path, self.params.temperature)
        } else {
            path.windows(2)
                .map(|w| {
                    let ((i0, j0), (i1, j1)) = (w[0], w[1]);
                    if i0 == i1 || j0 == j1 {
                        return 0.0;
                    }
                    let c = model.bead(i0, i1, j0, j1);
                    let margin = (c.null - c.total) / ((i1 - i0 + j1 - j0) as f32);
                    f64::from(1.0 / (1.0 + (-self.params.margin_slope * margin).exp()))
                })
                .collect()
        };
        let links = path
            .windows(2)
            .zip(confidences)
            .map(|(w, confidence)| {
                let ((i0, j0), (i1, j1)) = (w[0], w[1]);
                Link {
                    src: (i0..i1).collect(),
                    tgt: (j0..j1).collect(),
                    confidence: if confidence.is_nan() {
                        0.0
                    } else {
                        confidence.clamp(0.0, 1.0)
                    },
                }
            })
            .collect();
        drop(model);
        (
            links,
            Some(Words {
                src: s.words,
                tgt: t.words,
                names: vocab.names,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents<'a>(v: &[&'a str]) -> Vec<Sent<'a>> {
        v.iter().map(|&text| Sent { text, paragraph: 0 }).collect()
    }

    #[test]
    fn builder_rejects_a_tiny_band() {
        assert!(matches!(
            Aligner::builder().band(3).build(),
            Err(Error::Option { name: "band", .. })
        ));
        assert!(Aligner::builder().band(8).build().is_ok());
    }

    #[test]
    fn tail_cost_grows_with_delta_and_table_agrees() {
        let mut last = -1.0;
        for k in 0..200 {
            let c = tail_cost(k as f32 * 0.1);
            assert!(c >= last, "not monotone at {k}");
            last = c;
        }
        assert!(tail_cost(0.0).abs() < 1e-3);
        let table = tail_table();
        for d in [0.3f32, 1.7, 5.2, 20.0] {
            let t = table[(d * TAIL_STEPS) as usize];
            assert!(
                (t - tail_cost(d)).abs() < 0.05 * tail_cost(d).max(1.0),
                "{d}"
            );
        }
    }

    #[test]
    fn band_is_monotone_and_holds_the_corners() {
        let band = Band::around(&[(0, 0), (1, 5), (2, 5), (3, 9)], 3, 9, 2);
        assert_eq!(band.cell(0, 0), Some(0));
        assert!(band.cell(3, 9).is_some());
        for i in 1..=3 {
            assert!(band.lo[i] >= band.lo[i - 1] && band.hi[i] >= band.hi[i - 1]);
        }
        let diag = Band::diagonal(10, 4, 1);
        assert!(diag.cell(10, 4).is_some() && diag.cell(0, 3).is_none());
    }

    #[test]
    fn lexicon_evidence_finds_a_split() {
        let fr = sents(&["Le chien aboie fort ce matin, et le chat dort.", "Bonjour."]);
        let en = sents(&[
            "The dog barks loudly this morning.",
            "The cat sleeps.",
            "Hello.",
        ]);
        let mut lex = Lexicon::new();
        for (f, e) in [
            ("chien", "dog"),
            ("aboie", "barks"),
            ("matin", "morning"),
            ("bonjour", "hello"),
            ("chat", "cat"),
            ("dort", "sleeps"),
        ] {
            lex.insert(f, e, 1.0);
        }
        let links = Aligner::builder()
            .lexicon(lex)
            .two_pass(false)
            .build()
            .unwrap()
            .align(&fr, &en);
        let shape: Vec<_> = links
            .iter()
            .map(|l| (l.src.clone(), l.tgt.clone()))
            .collect();
        assert_eq!(shape, [(vec![0], vec![0, 1]), (vec![1], vec![2])]);
        assert!(links[0].confidence > 0.5, "{links:?}");
    }

    #[test]
    fn a_long_sentence_is_scored_on_a_bounded_sample() {
        let words: Vec<String> = (0..5 * MAX_TOKENS).map(|k| format!("w{k}")).collect();
        let long = words.join(" ");
        let src = sents(&["Un deux trois.", &long]);
        let tokens: Vec<Vec<Token>> = src.iter().map(|s| tokenize(s.text)).collect();
        let mut vocab = Vocab::default();
        let side = prepare(&src, &tokens, &mut vocab, None);
        assert_eq!(side.toks[0].len(), 3, "a short sentence keeps every token");
        assert_eq!(side.toks[1].len(), MAX_TOKENS);
        assert_eq!(side.words[1].len(), MAX_TOKENS);
        // Spread over the whole sentence, not its first tokens only.
        let name = |t: Option<&Tok>| t.map(|t| vocab.names[t.text as usize].as_str());
        assert_eq!(name(side.toks[1].first()), Some("w0"));
        let last = format!("w{}", 5 * MAX_TOKENS - 5);
        assert_eq!(name(side.toks[1].last()), Some(last.as_str()));
        // The length model still sees the whole sentence.
        let chars = long.chars().filter(|c| !c.is_whitespace()).count();
        assert_eq!(side.len[1] as usize, chars);
    }

    #[test]
    fn a_megabyte_sentence_against_many_aligns_every_sentence_once() {
        let word = ["le", "chat", "dort", "sur", "la", "table", "de", "Paris"];
        let long: String = (0..140_000)
            .map(|k| word[k % word.len()])
            .collect::<Vec<_>>()
            .join(" ");
        let many: Vec<String> = (0..2_000)
            .map(|k| format!("Le chat {k} dort sur la table de Paris."))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for (src, tgt) in [
            (vec![long.as_str()], many.clone()),
            (many.clone(), vec![long.as_str()]),
        ] {
            let links = Aligner::new().align(&sents(&src), &sents(&tgt));
            let s: Vec<usize> = links.iter().flat_map(|l| l.src.clone()).collect();
            let t: Vec<usize> = links.iter().flat_map(|l| l.tgt.clone()).collect();
            assert_eq!(s, (0..src.len()).collect::<Vec<_>>());
            assert_eq!(t, (0..tgt.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_forced_link_is_certain_and_a_doubtful_one_is_not() {
        let links = Aligner::new().align(&sents(&["Un."]), &[]);
        assert_eq!(
            links,
            [Link {
                src: vec![0],
                tgt: vec![],
                confidence: 1.0
            }]
        );
        // Three target sentences of one length for two source ones, no
        // shared word: which source sentence takes two is a coin toss.
        let links = Aligner::new().align(
            &sents(&["Abcdefgh ijkl.", "Qrstuvwx yzab."]),
            &sents(&["Mnopqrst uvwx.", "Cdefghij klmn.", "Opqrstuv wxyz."]),
        );
        assert!(links.iter().any(|l| l.confidence < 0.6), "{links:?}");
    }
}
