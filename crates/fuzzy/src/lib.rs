/*!
Fuzzy matching for translation memories: scores a translator can trust, found
in milliseconds among millions of units, each with the reason for its score.

What it does: normalizes and tokenizes texts ([`normalize`], [`tokenize`]),
scores a query against a stored source with one of three [`Scorer`]s
([`score`]), explains every score ([`Explanation`]: the word edits and each
penalty), finds the best matches of a query in an [`Index`] exactly as a full
scan would ([`Index::search`] vs [`Index::brute_force`]), substitutes changed
numbers and placeholders into a stored target ([`substitute_placeables`]),
searches for phrases ([`Concordance`]) and classifies best scores into bands
for document analysis ([`Band`], [`Analysis`]). [`chrf`] measures how
much of a suggested target survives, what the scores are calibrated on.

The index can also be written once as an immutable [`Segment`] (a
[`SegmentWriter`] of `(key, source text, payload)` records) and opened from
a memory-mapped file without rebuilding anything; several segments are
searched together with deleted keys left out ([`Segment::search_all`]), and
merged into one ([`SegmentWriter::add_live`]). The same search code reads
the in-memory tables and the mapped ones.

What it does not do: it keeps no store. The caller feeds `(key, source
text)` pairs to an [`Index`] or a [`SegmentWriter`], decides where segment
files live, and maps keys back to its units.

The scores, and the proof that the index loses nothing, are in
`docs/MATCHING.md`.

```
use tmkit_fuzzy::{score, Index, Scorer};

let mut index = Index::new(Scorer::Tmkit);
index.add(7, "Le fichier %s est introuvable.");
index.add(8, "Le dossier %s est introuvable.");
index.add(9, "Impossible d'ouvrir le fichier.");

let hits = index.search("Le fichier %s est introuvable !", 5, 50);
assert_eq!(hits[0].key, 7);
assert_eq!(hits[0].score, 99); // same words; only the punctuation differs
assert_eq!(hits, index.brute_force("Le fichier %s est introuvable !", 5, 50));

let (s, why) = score(Scorer::Tmkit, "Le grand fichier est introuvable.", "Le fichier est introuvable.");
assert_eq!(s, 80);
assert_eq!(why.edits.len(), 1); // insert "grand"
println!("{why}");
```
*/

// Every public item is documented: the engine and the CLI build on them.
#![deny(missing_docs)]

pub use crate::{
    band::{word_count, Analysis, Band, Tally},
    chrf::chrf,
    concordance::{highlight, Concordance, ConcordanceHit},
    error::{Error, Result},
    index::{Hit, Index, IndexBuilder, SearchStats},
    placeable::substitute_placeables,
    score::{score, Edit, EditOp, Explanation, MatchKind, Penalty, PenaltyKind, Scorer},
    segment::{Segment, SegmentBytes, SegmentHit, SegmentWriter, SEGMENT_FORMAT_VERSION},
    token::{normalize, tokenize, Token, TokenKind},
};

mod band;
mod chrf;
mod concordance;
mod error;
mod index;
mod lev;
mod placeable;
mod score;
mod search;
mod segment;
#[cfg(test)]
mod tests;
mod token;
