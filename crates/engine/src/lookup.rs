//! Lookups: the fuzzy index over one language pair, matches with their
//! explanations, and concordance search.

use std::{path::Path, sync::Arc};

use serde::Serialize;
use tmkit_core::{Lang, TuId};
use tmkit_fuzzy::{Analysis, Concordance, Explanation, Scorer, Segment};
use tmkit_store::Store;

use crate::{
    index::{self, LoadedSet},
    Error, Result, Tm,
};

impl Tm {
    /// The units of the pair `src` → `tgt` as the match index holds them,
    /// for lookups with `scorer`. The index is stored with the units: this
    /// reads it where it lies (milliseconds), after catching it up with the
    /// store; only a language direction or scorer never looked up before
    /// is built, once, from the units.
    pub fn memory(&self, src: &Lang, tgt: &Lang, scorer: Scorer) -> Result<Memory> {
        let store = self.store()?;
        let sets = self.with_index(&store, |index| {
            index.catch_up(&*store, true)?;
            if let Err(missing) = index.snapshot().sets_for(src, tgt, scorer) {
                index.build_sets(&*store, &missing)?;
            }
            index
                .snapshot()
                .sets_for(src, tgt, scorer)
                .map_err(|missing| {
                    Error::Usage(format!(
                        "{}: the match index has no set for {} after building it",
                        self.path.display(),
                        missing
                            .iter()
                            .map(|k| format!("{} → {} ({})", k.src, k.tgt, k.scorer))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
        })?;
        Ok(Memory::new(sets, src, tgt))
    }

    /// The units of the pair whose source or target holds `text`'s words, best
    /// first (a phrase before scattered words, short texts before long ones),
    /// at most `limit`. Scans the pair's units.
    pub fn concordance(
        &self,
        src: &Lang,
        tgt: &Lang,
        text: &str,
        limit: usize,
    ) -> Result<Vec<ConcordanceMatch>> {
        let query = Concordance::new(text);
        let mut out = Vec::new();
        if query.is_empty() {
            return Ok(out);
        }
        for record in self.store()?.units(src, tgt)? {
            let record = record?;
            let plain = |lang| {
                record
                    .tu
                    .variant(lang)
                    .map(|v| v.seg.plain_text())
                    .unwrap_or_default()
            };
            let (source, target) = (plain(src), plain(tgt));
            let (in_src, in_tgt) = (query.find(&source), query.find(&target));
            let score = in_src
                .as_ref()
                .map_or(0, |h| h.score)
                .max(in_tgt.as_ref().map_or(0, |h| h.score));
            if score == 0 {
                continue;
            }
            out.push(ConcordanceMatch {
                id: record.id,
                score,
                source_spans: in_src.map(|h| h.spans).unwrap_or_default(),
                target_spans: in_tgt.map(|h| h.spans).unwrap_or_default(),
                source,
                target,
            });
        }
        out.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(limit);
        Ok(out)
    }
}

/// The units of one language pair, indexed for lookups: a view of the
/// match index at one moment, which later writes do not change. It owns
/// what it reads (memory-mapped segments): it can outlive the [`Tm`] and be
/// shared between threads.
pub struct Memory {
    sets: Vec<Arc<LoadedSet>>,
    src: Lang,
    tgt: Lang,
    brute_force: bool,
}

impl Memory {
    pub(crate) fn new(sets: Vec<Arc<LoadedSet>>, src: &Lang, tgt: &Lang) -> Memory {
        Memory {
            sets,
            src: src.clone(),
            tgt: tgt.clone(),
            brute_force: false,
        }
    }

    /// The units of the pair in the store in `path`, read from its match
    /// index without opening the store: any number of processes look up at
    /// once, while another imports (they see the units indexed so far).
    /// Only when the index cannot answer alone (a store without one yet, a
    /// direction or scorer never looked up, an index its writer left behind
    /// in a crash) is the store opened, waiting its turn, to bring the
    /// index up to date first.
    pub fn open(path: &Path, src: &Lang, tgt: &Lang, scorer: Scorer) -> Result<Memory> {
        if !index::abandoned(path) {
            if let Ok(Some(snapshot)) = index::read_snapshot(path) {
                if let Ok(sets) = snapshot.sets_for(src, tgt, scorer) {
                    return Ok(Memory::new(sets, src, tgt));
                }
            }
        }
        Tm::open(path)?.memory(src, tgt, scorer)
    }
}

/// A record found in the index, with its texts.
struct Found {
    hit: tmkit_fuzzy::Hit,
    source: String,
    target: String,
    confidence: Option<f64>,
}

/// A unit found by [`Tm::concordance`].
#[derive(Clone, Debug, Serialize)]
pub struct ConcordanceMatch {
    /// The unit's id.
    pub id: TuId,
    /// The rank, 1..=100.
    pub score: u8,
    /// The source text.
    pub source: String,
    /// The target text.
    pub target: String,
    /// Byte ranges of the hits in the source.
    pub source_spans: Vec<std::ops::Range<usize>>,
    /// Byte ranges of the hits in the target.
    pub target_spans: Vec<std::ops::Range<usize>>,
}

/// A match found by [`Memory::lookup`].
#[derive(Clone, Debug, Serialize)]
pub struct Match {
    /// The unit's id.
    pub id: TuId,
    /// The score shown to the translator, 0..=100, penalties included.
    pub score: u8,
    /// The stored source text.
    pub source: String,
    /// The stored target text.
    pub target: String,
    /// The target with the query's numbers or placeholders substituted, when
    /// source and query differ only in those.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub substituted: Option<String>,
    /// The alignment confidence of a unit made by `tmkit align`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub align_confidence: Option<f64>,
    /// Points taken off for a doubtful alignment.
    pub align_penalty: u8,
    /// Why the text scored what it did.
    pub explanation: Explanation,
}

impl Memory {
    /// The language pair looked up, as asked.
    pub fn pair(&self) -> (&Lang, &Lang) {
        (&self.src, &self.tgt)
    }

    /// How many sources are indexed.
    pub fn len(&self) -> usize {
        self.sets.iter().map(|s| s.live as usize).sum()
    }

    /// Whether no source is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Look up by scanning every source instead of using the index (for
    /// checking the index: the results must be the same).
    pub fn brute_force(mut self, on: bool) -> Self {
        self.brute_force = on;
        self
    }

    /// The size of the index segments read, in bytes (on disk, mapped).
    pub fn index_bytes(&self) -> usize {
        self.sets.iter().map(|s| s.bytes()).sum()
    }

    /// The raw index hits for `query`: by the index, or by a full scan.
    pub fn hits(
        &self,
        query: &str,
        top: usize,
        min: u8,
        brute_force: bool,
    ) -> Result<Vec<tmkit_fuzzy::Hit>> {
        Ok(self
            .found(query, top, min, brute_force)?
            .into_iter()
            .map(|f| f.hit)
            .collect())
    }

    /// The best `top` records scoring at least `min`, over every set of the
    /// pair. Each set answers its own best `top` exactly; a unit in two
    /// sets (a unit with `en-GB` and `en-US` variants, looked up into `en`)
    /// is kept once, with its best score: every unit of the overall best
    /// `top` is among the best `top` of each set that holds it.
    fn found(&self, query: &str, top: usize, min: u8, brute_force: bool) -> Result<Vec<Found>> {
        let mut all = Vec::new();
        for set in &self.sets {
            let live = |i: usize, key: u64| set.is_live(i, key);
            let hits = if brute_force {
                Segment::brute_force_all(&set.segments, query, top, min, &live)?
            } else {
                Segment::search_all(&set.segments, query, top, min, &live)?
            };
            all.extend(hits.into_iter().map(|h| {
                let (target, confidence) = index::split_payload(h.payload);
                Found {
                    hit: h.hit,
                    source: h.source.to_string(),
                    target,
                    confidence,
                }
            }));
        }
        if self.sets.len() > 1 {
            all.sort_by(|a, b| {
                b.hit
                    .score
                    .cmp(&a.hit.score)
                    .then(a.hit.key.cmp(&b.hit.key))
            });
            let mut seen = std::collections::HashSet::new();
            all.retain(|f| seen.insert(f.hit.key));
            all.truncate(top);
        }
        Ok(all)
    }

    /// Classifies each sentence by its best match, as CAT tools' analysis
    /// reports do (repetitions within the document counted apart).
    pub fn analyze<'s>(&self, sentences: impl IntoIterator<Item = &'s str>) -> Result<Analysis> {
        let mut analysis = Analysis::new();
        for sentence in sentences {
            let best = self.lookup(sentence, 1, 50)?.first().map(|m| m.score);
            analysis.add(sentence, best);
        }
        Ok(analysis)
    }

    /// The best `top` matches of `query` scoring at least `min`, best first.
    ///
    /// Units made by alignment with a low confidence lose points; to stay
    /// exact, the search widens until no unpenalized candidate beyond the
    /// ones fetched could outrank the last one kept.
    pub fn lookup(&self, query: &str, top: usize, min: u8) -> Result<Vec<Match>> {
        if top == 0 {
            return Ok(vec![]);
        }
        let mut want = top;
        loop {
            let hits = self.found(query, want, min, self.brute_force)?;
            let exhausted = hits.len() < want;
            let floor = hits.last().map(|h| h.hit.score);
            let mut matches = Vec::with_capacity(hits.len());
            for found in hits {
                let Found {
                    hit,
                    source,
                    target,
                    confidence: align_confidence,
                } = found;
                let align_penalty = align_confidence.map_or(0, confidence_penalty);
                let score = hit.score.saturating_sub(align_penalty);
                if score < min {
                    continue;
                }
                let substituted = tmkit_fuzzy::substitute_placeables(query, &source, &target);
                matches.push(Match {
                    id: TuId(hit.key),
                    score,
                    source,
                    target,
                    substituted,
                    align_confidence,
                    align_penalty,
                    explanation: hit.explanation,
                });
            }
            matches.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
            matches.truncate(top);
            let settled = match (matches.last(), floor) {
                (Some(last), Some(floor)) => matches.len() == top && last.score >= floor,
                _ => true,
            };
            if exhausted || settled {
                return Ok(matches);
            }
            want *= 2;
        }
    }
}

/// Points off for an aligned unit of confidence `c`: none from 0.8 up, then
/// one point per 0.05 below, at most 10.
fn confidence_penalty(c: f64) -> u8 {
    // In whole hundredths, so that 0.5 is exactly 6 points, not 7 by a
    // rounding error of the division.
    let hundredths = (c.clamp(0.0, 1.0) * 100.0).round() as u8;
    if hundredths >= 80 {
        0
    } else {
        (80 - hundredths).div_ceil(5).min(10)
    }
}

#[cfg(test)]
mod tests {
    use super::confidence_penalty;

    #[test]
    fn penalty_grows_as_confidence_falls() {
        assert_eq!(confidence_penalty(0.95), 0);
        assert_eq!(confidence_penalty(0.8), 0);
        assert_eq!(confidence_penalty(0.76), 1);
        assert_eq!(confidence_penalty(0.5), 6);
        assert_eq!(confidence_penalty(0.0), 10);
    }
}
