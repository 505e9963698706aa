//! The translation-unit store (contract stub: to be replaced).
#![deny(missing_docs)]

use std::path::Path;

use tmkit_core::{Lang, Tu, TuId};

pub use crate::error::{Error, Result};

mod error {
    /// Errors of the store.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum Error {
        /// The underlying database failed.
        #[error("{0}")]
        Db(String),
    }
    /// Result alias.
    pub type Result<T> = std::result::Result<T, Error>;
}

/// What to do with a unit whose source is already stored for the pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnDuplicate {
    /// Same source and target: merge metadata; same source, other target: keep both.
    #[default]
    Merge,
    /// Always store a new unit.
    KeepBoth,
    /// Replace the stored unit.
    Overwrite,
    /// Keep the stored unit, drop the new one.
    Skip,
}

/// A stored unit.
#[derive(Clone, Debug)]
pub struct Record {
    /// Its id.
    pub id: TuId,
    /// The unit.
    pub tu: Tu,
    /// The import batch that stored it.
    pub batch: u64,
}

/// What one `put` did.
#[derive(Clone, Debug, Default)]
pub struct PutReport {
    /// Units stored as new.
    pub added: usize,
    /// Units merged into a stored one.
    pub merged: usize,
    /// Units dropped by the duplicate policy.
    pub skipped: usize,
}

/// Figures about a store.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Units in all.
    pub units: u64,
    /// Units per (source, target) language pair.
    pub pairs: Vec<((Lang, Lang), u64)>,
}

/// A translation-unit store.
pub trait Store {
    /// Starts an import batch from `source` (a file name) with source language `src`.
    fn begin_batch(&self, source: &str, src: &Lang) -> Result<u64>;
    /// Stores `tus` in `batch`, atomically.
    fn put(&self, batch: u64, tus: Vec<Tu>, policy: OnDuplicate) -> Result<PutReport>;
    /// Marks `batch` complete and flushes to disk.
    fn commit_batch(&self, batch: u64) -> Result<()>;
    /// The unit `id`.
    fn get(&self, id: TuId) -> Result<Option<Record>>;
    /// Every unit having variants in `src` and `tgt` ([`Lang::matches`]), in id order.
    fn units<'s>(&'s self, src: &Lang, tgt: &Lang) -> Result<Box<dyn Iterator<Item = Result<Record>> + 's>>;
    /// Figures about the store.
    fn stats(&self) -> Result<Stats>;
}

/// The sled-backed store.
pub struct SledStore {}

impl SledStore {
    /// Opens (creating if needed) the store in directory `path`.
    pub fn open(_path: &Path) -> Result<SledStore> {
        unimplemented!()
    }
}

/// The in-memory store.
#[derive(Default)]
pub struct MemStore {}
