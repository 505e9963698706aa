//! Lookups: the fuzzy index over one language pair, matches with their
//! explanations, and concordance search.

use serde::Serialize;
use tmkit_core::{Lang, TuId};
use tmkit_fuzzy::{Analysis, Concordance, Explanation, Index, IndexBuilder, Scorer};
use tmkit_store::Store;

use crate::{align::CONFIDENCE_PROP, Result, Tm};

impl Tm {
    /// Loads the sources of the pair into a fuzzy index.
    ///
    /// For `chars`, the postings serve exact matches only (`min_indexed`
    /// 100) and other thresholds scan the sources: every text shares common
    /// letters, so a search over character postings reads more postings than
    /// there are sources and scans them anyway, while postings for threshold
    /// 50 took 4.6 GiB and 29 s to build at 1.65M units (docs/BENCHMARKS.md).
    pub fn memory(&self, src: &Lang, tgt: &Lang, scorer: Scorer) -> Result<Memory<'_>> {
        let min_indexed = if scorer == Scorer::Chars { 100 } else { 50 };
        let mut index = IndexBuilder::new()
            .scorer(scorer)
            .min_indexed(min_indexed)
            .build()
            // Both thresholds are valid; the builder's only error is one out
            // of 1..=100.
            .unwrap_or_else(|_| Index::new(scorer));
        for source in self.store()?.sources(src, tgt)? {
            let (id, text) = source?;
            index.add(id.0, &text);
        }
        index.build();
        Ok(Memory {
            tm: self,
            index,
            src: src.clone(),
            tgt: tgt.clone(),
            brute_force: false,
        })
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

/// The units of one language pair, indexed for lookups.
pub struct Memory<'tm> {
    tm: &'tm Tm,
    index: Index,
    src: Lang,
    tgt: Lang,
    brute_force: bool,
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

impl Memory<'_> {
    /// How many sources are indexed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no source is indexed.
    pub fn is_empty(&self) -> bool {
        self.index.len() == 0
    }

    /// Look up by scanning every source instead of using the index (for
    /// checking the index: the results must be the same).
    pub fn brute_force(mut self, on: bool) -> Self {
        self.brute_force = on;
        self
    }

    /// An estimate of the index's memory, in bytes.
    pub fn index_bytes(&self) -> usize {
        self.index.memory_bytes()
    }

    /// The raw index hits for `query`: by the index, or by a full scan.
    pub fn hits(
        &self,
        query: &str,
        top: usize,
        min: u8,
        brute_force: bool,
    ) -> Vec<tmkit_fuzzy::Hit> {
        if brute_force {
            self.index.brute_force(query, top, min)
        } else {
            self.index.search(query, top, min)
        }
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
            let hits = self.hits(query, want, min, self.brute_force);
            let exhausted = hits.len() < want;
            let floor = hits.last().map(|h| h.score);
            let mut matches = Vec::with_capacity(hits.len());
            for hit in hits {
                let Some(record) = self.tm.store()?.get(TuId(hit.key))? else {
                    continue;
                };
                let tu = &record.tu;
                let text = |lang| {
                    tu.variant(lang)
                        .map(|v| v.seg.plain_text())
                        .unwrap_or_default()
                };
                let (source, target) = (text(&self.src), text(&self.tgt));
                let align_confidence = tu.prop(CONFIDENCE_PROP).and_then(|c| c.parse::<f64>().ok());
                let align_penalty = align_confidence.map_or(0, confidence_penalty);
                let score = hit.score.saturating_sub(align_penalty);
                if score < min {
                    continue;
                }
                let substituted = tmkit_fuzzy::substitute_placeables(query, &source, &target);
                matches.push(Match {
                    id: record.id,
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
