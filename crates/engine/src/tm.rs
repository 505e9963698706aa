//! The opened store: its lifecycle (open, sharing with other processes) and
//! the small maintenance operations (statistics, check, delete, dedupe).

use std::{
    path::{Path, PathBuf},
    sync::{RwLock, RwLockReadGuard},
};

use tmkit_core::{Lang, Tu};
use tmkit_store::{
    DedupeReport, Fault, Filter, ImportMeta, OnDuplicate, PutReport, SledStore, Stats, Store,
};

use crate::{sharing, Error, Result};

/// An opened translation memory (a sled store on disk).
pub struct Tm {
    /// `None` only while an import has stepped aside for another process.
    pub(crate) store: RwLock<Option<SledStore>>,
    pub(crate) path: PathBuf,
    /// Held while this process uses a store another process is importing
    /// into (dropped after the store, so the importer waits for the close).
    _ticket: Option<sharing::Ticket>,
}

/// A read guard on the open store.
pub(crate) struct StoreRef<'a>(RwLockReadGuard<'a, Option<SledStore>>);

impl std::ops::Deref for StoreRef<'_> {
    type Target = SledStore;
    fn deref(&self) -> &SledStore {
        // `store()` only hands out a guard on `Some`.
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("checked by Tm::store"))
    }
}

impl Tm {
    /// Opens the store in `path`, creating it when absent.
    ///
    /// When another process is importing into the store, this waits (up to
    /// two minutes) for the importer to step aside between two batches; the
    /// import goes on once this `Tm` is dropped.
    pub fn open(path: &Path) -> Result<Tm> {
        let (store, ticket) = match SledStore::open(path) {
            Ok(store) => (store, None),
            Err(tmkit_store::Error::Locked { .. }) if sharing::writer_elsewhere(path) => {
                let ticket = sharing::take_ticket(path)?;
                let store = sharing::open_when_free(|| Ok(SledStore::open(path)?))?;
                (store, Some(ticket))
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Tm {
            store: RwLock::new(Some(store)),
            path: path.to_path_buf(),
            _ticket: ticket,
        })
    }

    /// The open store.
    pub(crate) fn store(&self) -> Result<StoreRef<'_>> {
        let guard = self.store.read().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            return Err(Error::Usage(format!(
                "{}: the store is closed",
                self.path.display()
            )));
        }
        Ok(StoreRef(guard))
    }

    /// Between two batches of an import: if another process asked for the
    /// store, close it, wait until that process is done, and open it again.
    pub(crate) fn step_aside_if_asked(&self) -> Result<()> {
        if !sharing::readers_waiting(&self.path) {
            return Ok(());
        }
        {
            let mut slot = self.store.write().unwrap_or_else(|e| e.into_inner());
            if let Some(store) = slot.take() {
                store.flush()?;
            }
        }
        sharing::wait_for_readers(&self.path);
        let store = sharing::open_when_free(|| Ok(SledStore::open(&self.path)?))?;
        *self.store.write().unwrap_or_else(|e| e.into_inner()) = Some(store);
        Ok(())
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores `units` as one import named `source` with source language
    /// `src_lang` (merging duplicates), and flushes.
    pub fn add_units(&self, source: &str, src_lang: &Lang, units: Vec<Tu>) -> Result<PutReport> {
        let _writer = sharing::lock_writer(&self.path)?;
        let import = self
            .store()?
            .begin_import(&ImportMeta::new(source, src_lang.clone()))?;
        match self.store()?.put_batch(import, units) {
            Ok(report) => {
                self.store()?.commit_import(import)?;
                Ok(report)
            }
            Err(err) => {
                self.store()?.abort_import(import)?;
                Err(err.into())
            }
        }
    }

    /// Figures about the store.
    pub fn stats(&self) -> Result<Stats> {
        Ok(self.store()?.stats()?)
    }

    /// Calls `f` with every unit of the pair, in id order.
    pub fn for_each_unit(&self, src: &Lang, tgt: &Lang, f: &mut dyn FnMut(&Tu)) -> Result<()> {
        let store = self.store()?;
        for record in store.units(src, tgt)? {
            f(&record?.tu);
        }
        Ok(())
    }

    /// Checks the store's integrity; empty when it is sound.
    pub fn check(&self) -> Result<Vec<Fault>> {
        Ok(self.store()?.check()?)
    }

    /// Deletes the units `filter` selects; returns how many.
    pub fn delete(&self, filter: &Filter) -> Result<u64> {
        let _writer = sharing::lock_writer(&self.path)?;
        Ok(self.store()?.delete(filter)?)
    }

    /// Applies a duplicate policy to the units already stored.
    pub fn dedupe(&self, policy: OnDuplicate) -> Result<DedupeReport> {
        let _writer = sharing::lock_writer(&self.path)?;
        Ok(self.store()?.dedupe(policy)?)
    }
}
