//! The opened store: its lifecycle (open, sharing with other processes) and
//! the small maintenance operations (statistics, check, delete, dedupe).

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, RwLock, RwLockReadGuard},
};

use tmkit_core::{Lang, Tu};
use tmkit_store::{
    DedupeReport, Fault, Filter, ImportInfo, ImportMeta, ImportState, OnDuplicate, PutReport,
    Record, Salvage, SledStore, Stats, Store,
};
use tmkit_tmx::{TmxWriter, WriteOptions};

use crate::{
    index::{IndexFigures, IndexState},
    sharing::{self, Event},
    Error, Result,
};

/// Writes the units `salvage` hands over as TMX with markup to `w`, its
/// header's source language that of the first unit.
fn write_salvage(
    w: &mut dyn std::io::Write,
    salvage: impl FnOnce(
        &mut dyn FnMut(Record) -> tmkit_store::Result<()>,
    ) -> tmkit_store::Result<Salvage>,
) -> Result<Salvage> {
    let mut writer: Option<TmxWriter<&mut dyn std::io::Write>> = None;
    let mut out = Some(w);
    // The output's error, kept aside while the walk is stopped.
    let mut failed = None;
    let stop = || tmkit_store::Error::Corrupt {
        what: "salvage stopped".into(),
    };
    let report = salvage(&mut |record| {
        let written = match writer.as_mut() {
            Some(writer) => writer.write_tu(&record.tu),
            None => {
                let mut opts = WriteOptions::new(record.src.clone());
                opts.markup = true;
                let w = out.take().unwrap_or_else(|| unreachable!("taken once"));
                TmxWriter::new(w, opts).and_then(|new| writer.insert(new).write_tu(&record.tu))
            }
        };
        written.map_err(|e| {
            failed = Some(e);
            stop()
        })
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    let report = report?;
    match (writer, out) {
        (Some(writer), _) => {
            writer.finish()?;
        }
        // Nothing readable: still a valid, empty document.
        (None, Some(w)) => {
            let en = Lang::parse("en").unwrap_or_else(|_| unreachable!("a valid tag"));
            TmxWriter::new(w, WriteOptions::new(en))?.finish()?;
        }
        (None, None) => {}
    }
    Ok(report)
}

/// An opened translation memory (a sled store on disk).
pub struct Tm {
    /// `None` only while an import has stepped aside for another process.
    pub(crate) store: RwLock<Option<SledStore>>,
    pub(crate) path: PathBuf,
    /// The match index, loaded (and caught up with the store) when first
    /// needed; `None` before, and while an import has stepped aside.
    index: Mutex<Option<IndexState>>,
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
    /// Opens the store in `path`, which must exist: a missing path, a file
    /// or a directory that holds no store is an error naming the path
    /// ([`tmkit_store::Error::NoStore`]), so that a mistyped `--db` does not
    /// leave an empty store behind. For commands that read.
    ///
    /// While another process has the store open, this waits its turn (up to
    /// two minutes; the observer is told after a second): an importing
    /// process is asked to step aside between two batches, and goes on once
    /// this `Tm` is dropped.
    pub fn open(path: &Path) -> Result<Tm> {
        Tm::open_with(path, SledStore::open_existing)
    }

    /// Opens the store in `path`, creating it when `path` does not exist or
    /// is an empty directory; anything else that is not a store (a file, a
    /// directory of other files) is refused, not written over. For commands
    /// that write units (import, align). Waits as [`Tm::open`] does.
    pub fn create(path: &Path) -> Result<Tm> {
        Tm::open_with(path, SledStore::open)
    }

    fn open_with(path: &Path, open: fn(&Path) -> tmkit_store::Result<SledStore>) -> Result<Tm> {
        let (store, ticket) = match sharing::open_shared(path, open, false) {
            // A store of an earlier tmkit is upgraded once, in place, and
            // said so.
            Err(Error::Store(tmkit_store::Error::FormatVersion {
                found, expected, ..
            })) if found < expected => {
                Tm::upgrade_store(path)?;
                sharing::open_shared(path, open, false)?
            }
            opened => opened?,
        };
        Ok(Tm {
            store: RwLock::new(Some(store)),
            path: path.to_path_buf(),
            index: Mutex::new(None),
            _ticket: ticket,
        })
    }

    /// Upgrades the store in `path` if an earlier tmkit wrote it; says so.
    fn upgrade_store(path: &Path) -> Result<Option<u32>> {
        let from = match SledStore::upgrade(path)? {
            tmkit_store::Upgrade::Upgraded { from } => Some(from),
            _ => None,
        };
        if let Some(from) = from {
            sharing::notify(Event::Upgraded {
                path: path.to_path_buf(),
                from,
            });
        }
        Ok(from)
    }

    /// Brings the store in `path` to this tmkit's format (a store written
    /// by an earlier one is upgraded in place) and its match index up to
    /// date (built when there is none, rebuilt when it is damaged); returns
    /// the format version it was upgraded from, if it was, and the index's
    /// figures. Opening a store does the same when needed: this does it
    /// ahead, once, for `tmkit upgrade`.
    pub fn upgrade(path: &Path) -> Result<(Option<u32>, IndexFigures)> {
        let from = match sharing::open_shared(path, SledStore::open_existing, false) {
            Err(Error::Store(tmkit_store::Error::FormatVersion {
                found, expected, ..
            })) if found < expected => Tm::upgrade_store(path)?,
            Ok(_) => None,
            Err(e) => return Err(e),
        };
        let tm = Tm::open(path)?;
        let store = tm.store()?;
        let figures = tm.with_index(&store, |index| {
            index.catch_up(&*store, true)?;
            Ok(index.figures())
        })?;
        Ok((from, figures))
    }

    /// Runs `f` on the match index, loading it first (which catches it up
    /// with the store). When `f` fails, the index is dropped from memory:
    /// the next use reads it from disk and catches up from the store's log.
    pub(crate) fn with_index<T>(
        &self,
        store: &SledStore,
        f: impl FnOnce(&mut IndexState) -> Result<T>,
    ) -> Result<T> {
        let mut slot = self.index.lock().unwrap_or_else(|e| e.into_inner());
        let index = match slot.as_mut() {
            Some(index) => index,
            None => slot.insert(IndexState::open(&self.path, store)?),
        };
        let out = f(index);
        if out.is_err() {
            *slot = None;
        }
        out
    }

    /// Runs `f`, a write to the store, keeping the match index in step: the
    /// index is marked stale first (a process that finds the mark with no
    /// writer alive catches it up), and catches up from the store's log
    /// after, written out when `flush` (else when enough is pending).
    pub(crate) fn write<T>(
        &self,
        flush: bool,
        f: impl FnOnce(&SledStore) -> tmkit_store::Result<T>,
    ) -> Result<T> {
        let store = self.store()?;
        self.with_index(&store, |index| {
            index.mark()?;
            let out = f(&store);
            let caught = index.catch_up(&*store, flush);
            let out = out?;
            caught?;
            Ok(out)
        })
    }

    /// The size of the match index as it is on disk (`None` when there is
    /// none yet); nothing is built or caught up.
    pub fn index_figures(&self) -> Result<Option<IndexFigures>> {
        if let Some(index) = self
            .index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            return Ok(Some(index.figures()));
        }
        Ok(crate::index::read_snapshot(&self.path)?.map(|s| s.figures()))
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
        // The index is written out, so that the process taking the store
        // finds it current, and read again after: that process may change it.
        {
            let store = self.store()?;
            let mut slot = self.index.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(index) = slot.as_mut() {
                index.catch_up(&*store, true)?;
            }
            *slot = None;
        }
        {
            let mut slot = self.store.write().unwrap_or_else(|e| e.into_inner());
            if let Some(store) = slot.take() {
                store.flush()?;
            }
        }
        sharing::wait_for_readers(&self.path);
        let (store, _) = sharing::open_shared(&self.path, SledStore::open_existing, true)?;
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
        match self.write(false, |s| s.put_batch(import, units)) {
            Ok(report) => {
                self.write(true, |s| s.commit_import(import))?;
                Ok(report)
            }
            Err(err) => {
                self.write(true, |s| s.abort_import(import))?;
                Err(err)
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

    /// Checks the store's integrity; empty when it is sound. Damaged data
    /// that sled cannot read is a fault ([`Fault::Unreadable`]) that says
    /// how many units can still be saved with [`Tm::salvage`].
    /// A sound store's match index is then checked against its units
    /// (after catching up with the store's log, as any opening does).
    pub fn check(&self) -> Result<Vec<Fault>> {
        let store = self.store()?;
        let faults = store.check()?;
        if !faults.is_empty() {
            return Ok(faults);
        }
        self.with_index(&store, |index| {
            index.catch_up(&*store, true)?;
            index.verify(&*store)
        })
    }

    /// Writes every unit that can still be read from the store in `path` to
    /// `w` as TMX 1.4b with inline markup, every variant kept; returns what
    /// was saved and what was lost. For a damaged store: import the file
    /// into a new one. A store sled opens is read unit block by unit block,
    /// skipping what sled cannot read ([`Tm::open`], then
    /// `SledStore::salvage`), as sled recovers it when that is an older
    /// state than the last one written; one sled cannot open is read from
    /// its files without sled (`SledStore::salvage_files`).
    pub fn salvage(path: &Path, w: &mut dyn std::io::Write) -> Result<Salvage> {
        match Tm::open(path) {
            Ok(tm) => {
                let store = tm.store()?;
                write_salvage(w, |save| store.salvage(save))
            }
            Err(Error::Store(tmkit_store::Error::Damaged { at_open: true, .. })) => {
                write_salvage(w, |save| SledStore::salvage_files(path, save))
            }
            Err(Error::Store(tmkit_store::Error::RolledBack { .. })) => {
                let store = SledStore::open_recovered(path)?;
                write_salvage(w, |save| store.salvage(save))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether `import`, recorded as open, is not running: its process
    /// ended (a crash, a kill) before it committed. Such an import keeps
    /// the units it stored until `--resume` goes on with it, a new import
    /// of the same file rolls it back, or `tmkit delete --import N`.
    pub fn interrupted(&self, import: &ImportInfo) -> bool {
        import.state == ImportState::Open && !sharing::writer_elsewhere(&self.path)
    }

    /// Deletes the units `filter` selects; returns how many.
    pub fn delete(&self, filter: &Filter) -> Result<u64> {
        let _writer = sharing::lock_writer(&self.path)?;
        self.write(true, |s| s.delete(filter))
    }

    /// Applies a duplicate policy to the units already stored.
    pub fn dedupe(&self, policy: OnDuplicate) -> Result<DedupeReport> {
        let _writer = sharing::lock_writer(&self.path)?;
        self.write(true, |s| s.dedupe(policy))
    }
}

impl Drop for Tm {
    /// Writes out what the match index has pending (an error leaves it to
    /// the next opening, which catches up from the store's log).
    fn drop(&mut self) {
        let Ok(store) = self.store() else { return };
        let mut slot = self.index.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = slot.as_mut() {
            let _ = index.catch_up(&*store, true);
        }
    }
}
