/*!
A translation memory on disk that never loses a unit.

`tmkit-store` keeps translation units with every language variant (as TMX
does), their attributes, props and notes, where they came from (file and
import), when they were stored and changed, and how often they were used.
It imports in atomic batches that can be resumed after a crash, applies a
duplicate policy per source language, and answers by language pair without
scanning everything. It does not read or write TMX (that is `tmkit-tmx`) and
knows nothing of fuzzy scores (that is `tmkit-fuzzy`).

The types that matter:

* [`Store`], the trait every operation goes through; [`SledStore`] keeps the
  memory in a sled 0.34 database, [`MemStore`] in memory, with the same code.
* [`Record`], a stored unit with its provenance and history.
* [`ImportMeta`] and [`OnDuplicate`], what an import is told.

Every write that changes units also records their ids in a change log, in
the same atomic step ([`Store::seq`], [`Store::changes`]), so that an index
kept outside the store can catch up by sequence number.

The on-disk layout is described in `docs/STORE.md`; it carries a format
version, and a store written by another version is refused with advice: an
older one is upgraded in place by [`SledStore::upgrade`].

```
use tmkit_core::{Lang, Tu};
use tmkit_store::{ImportMeta, OnDuplicate, SledStore, Store};

let dir = tempfile::tempdir().unwrap();
let store = SledStore::open(dir.path()).unwrap();
let (en, fr) = (Lang::parse("en").unwrap(), Lang::parse("fr-FR").unwrap());

let import = store.begin_import(&ImportMeta::new("memo.tmx", en.clone())).unwrap();
let report = store
    .put_batch(import, vec![
        Tu::bilingual(en.clone(), "Hello.", fr.clone(), "Bonjour."),
        Tu::bilingual(en.clone(), "Hello.", fr.clone(), "Bonjour."),
        Tu::bilingual(en.clone(), "Hello.", fr.clone(), "Salut."),
    ])
    .unwrap();
store.commit_import(import).unwrap();
// The twin merged; the other translation is kept as an alternative.
assert_eq!((report.added, report.merged), (2, 1));

let sources: Vec<_> = store.sources(&en, &Lang::parse("fr").unwrap()).unwrap()
    .map(|r| r.unwrap().1).collect();
assert_eq!(sources, ["Hello.", "Hello."]);
assert_eq!(store.stats().unwrap().units, 2);
assert!(store.check().unwrap().is_empty());
assert_eq!(OnDuplicate::from_name("keep-both"), Some(OnDuplicate::KeepBoth));
```
*/

// Every public item is documented: the engine and the CLI build on them.
#![deny(missing_docs)]

pub use crate::{
    error::{Error, Result},
    store::{Iter, MemStore, Salvage, SledStore, Store, DEFAULT_CACHE_BYTES},
    types::{
        DedupeReport, Fault, Filter, ImportInfo, ImportMeta, ImportState, OnDuplicate, PutReport,
        Record, SourceFile, Stats, Upgrade,
    },
};

/// The on-disk format version this crate reads and writes.
pub const FORMAT_VERSION: u32 = crate::core::FORMAT_VERSION;

mod backend;
mod codec;
mod core;
mod error;
mod store;
mod types;
