/*!
Sentence segmentation for tmkit: built-in French and English rules, and an
SRX 2.0 engine for the rule files other tools ship.

Text is first cut into paragraphs at blank lines (a paragraph break always
breaks); each paragraph is then cut into sentences by a rule set. Every
[`Sentence`] carries its byte [`Span`](tmkit_core::Span) in the input,
without outer whitespace, so sentences and the whitespace between them
rebuild the input exactly.

The types that matter:

* [`Segmenter`], a compiled rule set for one language:
  [`Segmenter::builtin`] (rules written for tmkit, see `docs/SEGMENT.md`) or
  [`Segmenter::from_srx`] (any SRX 2.0 file, Java regex dialect translated).
* [`SegmenterBuilder`], to choose between them and to refuse SRX files with
  rules that do not compile ([`SegmenterBuilder::strict`]).
* [`RuleWarning`], an SRX rule left out, by name: it does not compile, or
  it backtracked past its limit on a text
  ([`Segmenter::segment_with_warnings`]).

It does not read files, detect languages or look inside markup.

```
use tmkit_core::Lang;
use tmkit_segment::Segmenter;

let fr = Lang::parse("fr").unwrap();
let text = "M. Dupont est arrivé à 9 h. Il a dit : « Nous partirons demain. » Puis il est parti.";
let seg = Segmenter::builtin(&fr);
let sentences: Vec<&str> = seg.segment(text).iter().map(|s| &text[s.span.start..s.span.end]).collect();
assert_eq!(
    sentences,
    ["M. Dupont est arrivé à 9 h.", "Il a dit : « Nous partirons demain. »", "Puis il est parti."]
);

let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/srx/okapi_defaultSegmentation.srx");
let xml = std::fs::read_to_string(path).unwrap();
let okapi = Segmenter::from_srx(&xml, &Lang::parse("en").unwrap()).unwrap();
assert_eq!(okapi.segment("One. Two.").len(), 2);
```
*/

// Every public item is documented: the crate is the contract with the engine.
#![deny(missing_docs)]

pub use crate::{
    error::{Error, Result, RuleWarning},
    segmenter::{Segmenter, SegmenterBuilder, Sentence},
};

mod builtin;
mod error;
mod java;
mod segmenter;
mod srx;
