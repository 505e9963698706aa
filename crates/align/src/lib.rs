/*!
Bilingual sentence alignment: pairs the sentences of a text with those of its
translation, allowing for sentences split, merged, dropped and added.

The aligner is a monotone dynamic programme over beads (1-1, 1-0, 0-1, 1-2,
2-1, 2-2, 1-3, 3-1) inside a band that follows the diagonal and recentres on
the path it finds, so time and memory grow linearly with the document. The
cost of a bead adds a Gale-Church length model, lexical evidence (numbers,
punctuation and quotes, names and cognates compared folded, and a bilingual
[`Lexicon`]), and paragraph boundaries as anchors when both sides have them.
By default a second pass learns word pairs from the confident 1-1 links of
the first and realigns. Each link's confidence is its posterior probability
among the alignments near the best one, so a doubtful split scores about a
half and a translator can be sent to review it. No model is downloaded: a lexicon can be learned from
the user's own memory with [`Lexicon::learn`] or read from a dictionary.

It does not segment text (that is `tmkit-segment`) nor read files.

The types that matter:

* [`Aligner`] (built with [`AlignerBuilder`]): [`Aligner::align`] turns two
  lists of [`Sent`] into [`Link`]s, each with a confidence in 0..=1.
* [`Lexicon`]: learned (Dice over units), or read from a TSV or hunalign
  dictionary; saved and loaded as text.
* [`score_links`] and [`parse_links`]: strict and lax precision, recall and
  F1 against gold links, as in the vecalign paper.

```
use tmkit_align::{Aligner, Sent};

let fr = ["Le chat dort.", "Il fait 30 degrés à Paris, dit Marie.", "Bonne nuit !"];
let en = ["The cat is asleep.", "It is 30 degrees in Paris.", "So said Marie.", "Good night!"];
let sents = |v: &[&'static str]| v.iter().map(|&text| Sent { text, paragraph: 0 }).collect::<Vec<_>>();
let links = Aligner::new().align(&sents(&fr), &sents(&en));
let shape: Vec<(Vec<usize>, Vec<usize>)> = links.iter().map(|l| (l.src.clone(), l.tgt.clone())).collect();
assert_eq!(shape, [(vec![0], vec![0]), (vec![1], vec![1, 2]), (vec![2], vec![3])]);
assert!(links.iter().all(|l| (0.0..=1.0).contains(&l.confidence)));
```
*/

// Every public item is documented: the engine and the CLI build on them.
#![deny(missing_docs)]

pub use crate::{
    align::{Aligner, AlignerBuilder, Link, Sent},
    error::{Error, Result},
    lexicon::{LearnOptions, Lexicon},
    score::{parse_links, score_links, Prf, Scores},
};

mod align;
mod error;
mod lexicon;
mod score;
mod text;
