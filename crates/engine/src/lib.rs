/*!
tmkit's pipelines: import, align, lookup and export, over the stage crates.

This crate is the only one that knows every stage: it segments with
`tmkit-segment`, aligns with `tmkit-align`, reads and writes TMX with
`tmkit-tmx`, keeps units in `tmkit-store` and finds matches with
`tmkit-fuzzy`, passing unit ids and texts between them. It does no terminal
output: the `tmkit` binary prints what these functions return.

The types that matter:

* [`Tm`], an opened store, with import, export, statistics and
  [`Tm::memory`] to get a [`Memory`] for lookups in one language pair.
* [`Splitter`] and [`align`], which turn two texts into an [`Alignment`].

A store is used by one process at a time (sled's lock), but an import in
progress steps aside between two batches for another process that opens the
store with [`Tm::open`], so lookups keep working during long imports; a
second writer is refused with the importing process's id.

```
use tmkit_core::Lang;
use tmkit_engine::{align, Aligner, Splitter, Tm};

let fr = Lang::parse("fr").unwrap();
let en = Lang::parse("en").unwrap();
let alignment = align(
    &Aligner::new(),
    Splitter::builtin(&fr).split("Bonjour tout le monde. Il fait beau."),
    Splitter::builtin(&en).split("Hello everyone. The weather is fine."),
);
assert_eq!(alignment.links.len(), 2);

let dir = tempfile::tempdir().unwrap();
let tm = Tm::create(&dir.path().join("tm")).unwrap();
tm.add_units("example", &fr, alignment.units(&fr, &en)).unwrap();
let memory = tm.memory(&fr, &en, Default::default()).unwrap();
let hits = memory.lookup("Il fait très beau.", 5, 50).unwrap();
assert_eq!(hits[0].target, "The weather is fine.");
```
*/

// Every public item is documented: the binary and the tests read these docs.
#![deny(missing_docs)]

pub use crate::{
    align::{align, link_line, Alignment, Pair, CONFIDENCE_PROP, REVIEW_BELOW},
    error::{Error, Result},
    export::{write_tmx, ExportFormat, Exported},
    import::{ImportOptions, ImportSummary, Progress},
    index::{IndexFigures, INDEX_FORMAT_VERSION},
    lexicon::{lexicon_path, read_dictionary},
    lookup::{ConcordanceMatch, Match, Memory},
    serving::Announcement,
    sharing::{set_observer, Event, Observer},
    text::{Sentence, Splitter},
    tm::Tm,
    tsv::{tsv_field, tsv_text},
};
pub use tmkit_align::{parse_links, score_links, Aligner, Lexicon, Link, Prf, Scores};
pub use tmkit_fuzzy::{highlight, Analysis, Band, Hit, Scorer, Tally};
pub use tmkit_store::{
    DedupeReport, Fault, Filter, ImportInfo, ImportState, OnDuplicate, Salvage, Stats,
    FORMAT_VERSION,
};

mod align;
mod error;
mod export;
mod import;
mod index;
mod lexicon;
mod lookup;
mod serving;
mod sharing;
mod text;
mod tm;
mod tsv;
