use std::{
    fs,
    path::{Path, PathBuf},
};

use tmkit_core::{Lang, Tu, TuId};

use crate::{
    backend::{MemBackend, SledBackend},
    core::Core,
    error::{Error, Result},
    types::{
        DedupeReport, Fault, Filter, ImportInfo, ImportMeta, OnDuplicate, PutReport, Record, Stats,
    },
};

/// A boxed iterator borrowing a store.
pub type Iter<'s, T> = Box<dyn Iterator<Item = Result<T>> + 's>;

/// A translation memory: units with every language variant, their
/// provenance and history, indexed by language and by source text.
///
/// Writes are atomic: each call that changes units applies all its changes
/// (units, index entries, counters, import progress) in one write, which a
/// crash keeps whole or drops whole. They are durable once
/// [`Store::flush`] returns; [`Store::commit_import`], [`Store::delete`] and
/// [`Store::dedupe`] flush before they return.
///
/// An import is `begin_import`, then `put_batch` as often as needed, then
/// `commit_import`. After a crash, [`Store::resume_point`] tells how many
/// units of the file are stored, so the import can go on from there
/// ([`Store::put_batch`] on the same import); [`Store::abort_import`] undoes
/// it instead.
///
/// The trait is object-safe; a store is `Send + Sync`, so lookups may run on
/// other threads while one thread imports.
pub trait Store: Send + Sync {
    /// Starts an import and makes it durable; returns its id.
    fn begin_import(&self, meta: &ImportMeta) -> Result<u64>;
    /// Stores `tus` in import `import` under its duplicate policy, in one
    /// atomic write that also records the import's progress. Units without a
    /// variant in the import's source language are rejected and reported.
    fn put_batch(&self, import: u64, tus: Vec<Tu>) -> Result<PutReport>;
    /// Marks `import` committed and flushes.
    fn commit_import(&self, import: u64) -> Result<ImportInfo>;
    /// Removes the units that `import` added (units it merged into or
    /// overwrote keep their new content), marks it aborted and flushes;
    /// returns how many units were removed.
    fn abort_import(&self, import: u64) -> Result<u64>;
    /// The latest open (uncommitted) import of `file`, if any: its
    /// `consumed` units are stored, and the import can go on with the next.
    fn resume_point(&self, file: &str) -> Result<Option<ImportInfo>>;
    /// Every import, oldest first.
    fn imports(&self) -> Result<Vec<ImportInfo>>;
    /// Makes every write so far durable.
    fn flush(&self) -> Result<()>;
    /// The unit `id`.
    fn get(&self, id: TuId) -> Result<Option<Record>>;
    /// Counts one use of unit `id`; `false` when there is no such unit.
    fn touch(&self, id: TuId) -> Result<bool>;
    /// Every unit having variants in `src` and `tgt` ([`Lang::matches`]), in
    /// id order.
    fn units<'s>(&'s self, src: &Lang, tgt: &Lang) -> Result<Iter<'s, Record>>;
    /// The id and `src` plain text of every unit having variants in `src` and
    /// `tgt`, in id order, read from the language index without decoding
    /// units: what a fuzzy index is built from.
    fn sources<'s>(&'s self, src: &Lang, tgt: &Lang) -> Result<Iter<'s, (TuId, String)>>;
    /// Every unit `filter` accepts, in id order.
    fn records<'s>(&'s self, filter: &Filter) -> Result<Iter<'s, Record>>;
    /// Deletes the units `filter` accepts and flushes; returns how many.
    /// Refuses the filter that accepts everything ([`Error::EmptyFilter`]).
    /// Deletion goes in atomic chunks of 10,000 units.
    fn delete(&self, filter: &Filter) -> Result<u64>;
    /// Applies `policy` to the units stored so far, as if they had been
    /// imported one by one in id order, and flushes.
    fn dedupe(&self, policy: OnDuplicate) -> Result<DedupeReport>;
    /// Checks that every index entry points at a unit and back, that the
    /// counters match the units, and that every unit decodes. Empty when
    /// the store is sound.
    fn check(&self) -> Result<Vec<Fault>>;
    /// Figures about the store.
    fn stats(&self) -> Result<Stats>;
}

macro_rules! delegate_store {
    ($ty:ty) => {
        impl Store for $ty {
            fn begin_import(&self, meta: &ImportMeta) -> Result<u64> {
                self.core.begin_import(meta)
            }
            fn put_batch(&self, import: u64, tus: Vec<Tu>) -> Result<PutReport> {
                self.core.put_batch(import, tus)
            }
            fn commit_import(&self, import: u64) -> Result<ImportInfo> {
                self.core.commit_import(import)
            }
            fn abort_import(&self, import: u64) -> Result<u64> {
                self.core.abort_import(import)
            }
            fn resume_point(&self, file: &str) -> Result<Option<ImportInfo>> {
                self.core.resume_point(file)
            }
            fn imports(&self) -> Result<Vec<ImportInfo>> {
                self.core.imports()
            }
            fn flush(&self) -> Result<()> {
                crate::backend::Backend::flush(&self.core.backend)
            }
            fn get(&self, id: TuId) -> Result<Option<Record>> {
                self.core.get(id)
            }
            fn touch(&self, id: TuId) -> Result<bool> {
                self.core.touch(id)
            }
            fn units<'s>(&'s self, src: &Lang, tgt: &Lang) -> Result<Iter<'s, Record>> {
                self.core.units(src, tgt)
            }
            fn sources<'s>(&'s self, src: &Lang, tgt: &Lang) -> Result<Iter<'s, (TuId, String)>> {
                self.core.sources(src, tgt)
            }
            fn records<'s>(&'s self, filter: &Filter) -> Result<Iter<'s, Record>> {
                self.core.records(filter)
            }
            fn delete(&self, filter: &Filter) -> Result<u64> {
                self.core.delete(filter)
            }
            fn dedupe(&self, policy: OnDuplicate) -> Result<DedupeReport> {
                self.core.dedupe(policy)
            }
            fn check(&self) -> Result<Vec<Fault>> {
                self.core.check()
            }
            fn stats(&self) -> Result<Stats> {
                self.core.stats()
            }
        }
    };
}

/// The name of the file, in the store directory, that holds the pid of the
/// process that has the store open.
const LOCK_FILE: &str = "tmkit.lock";

/// The default size of sled's page cache.
///
/// sled's default (1 GiB) alone would break the 1 GiB peak-memory budget of
/// a large import; see `docs/STORE.md` for the measurements behind this.
pub const DEFAULT_CACHE_BYTES: u64 = 256 << 20;

/// The store on disk, in a sled 0.34 database.
///
/// One process at a time may open a store: sled takes an exclusive lock on
/// its files, and a second [`SledStore::open`] fails with [`Error::Locked`],
/// naming the pid written in the store's `tmkit.lock` file: at once when
/// another process holds the store, after 2 s of retries when this one does
/// (a handle just dropped can hold sled's lock for a moment). To look units up while an import runs, use
/// the same `SledStore` from several threads.
pub struct SledStore {
    core: Core<SledBackend>,
    path: PathBuf,
}

impl SledStore {
    /// Opens the store in directory `path`, creating it if needed, and
    /// checks its format version.
    pub fn open(path: &Path) -> Result<SledStore> {
        SledStore::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// Opens the store with a page cache of `cache_bytes` bytes.
    pub fn open_with_cache(path: &Path, cache_bytes: u64) -> Result<SledStore> {
        // A handle of this process that was just dropped may keep sled's file
        // lock for a moment, until sled's background flusher lets go of the
        // database: that case (the lock file gone, or naming this process) is
        // retried for up to 2 s. Another process's lock fails at once.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let db = loop {
            let opened = sled::Config::new()
                .path(path)
                .cache_capacity(cache_bytes)
                .open();
            let err = match opened {
                Ok(db) => break db,
                Err(e) => e,
            };
            let locked = matches!(&err, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"));
            if !locked {
                return Err(Error::Db(err));
            }
            let pid: Option<u32> = fs::read_to_string(path.join(LOCK_FILE))
                .ok()
                .and_then(|s| s.trim().parse().ok());
            let ours = pid.is_none_or(|p| p == std::process::id());
            if !ours || std::time::Instant::now() >= deadline {
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                    pid,
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let lock = path.join(LOCK_FILE);
        fs::write(&lock, format!("{}\n", std::process::id()))
            .map_err(|source| Error::Io { path: lock, source })?;
        let core = Core::new(SledBackend::new(db)?, path)?;
        Ok(SledStore {
            core,
            path: path.to_path_buf(),
        })
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        // Nothing can be reported from here: callers who need to know that
        // their writes are durable call `flush` (or commit) first.
        let _ = self.core.backend.db.flush();
        let lock = self.path.join(LOCK_FILE);
        if fs::read_to_string(&lock).is_ok_and(|s| s.trim() == std::process::id().to_string()) {
            let _ = fs::remove_file(lock);
        }
    }
}

delegate_store!(SledStore);

/// The store in memory, for tests and short-lived work. It behaves as
/// [`SledStore`] does (the same code runs over both), except that nothing
/// outlives it.
pub struct MemStore {
    core: Core<MemBackend>,
}

impl MemStore {
    /// A new, empty store.
    pub fn new() -> MemStore {
        let path = Path::new("<memory>");
        match Core::new(MemBackend::default(), path) {
            Ok(core) => MemStore { core },
            // An empty in-memory backend has no version to disagree with.
            Err(_) => unreachable!("a new in-memory store always opens"),
        }
    }
}

impl MemStore {
    /// The same data as a freshly opened store: what closing and reopening
    /// a [`SledStore`] does, without the disk (caches are dropped, the
    /// format version is checked again).
    pub fn reopen(self) -> Result<MemStore> {
        let MemStore { core } = self;
        Ok(MemStore {
            core: Core::new(core.into_backend(), Path::new("<memory>"))?,
        })
    }
}

impl Default for MemStore {
    fn default() -> MemStore {
        MemStore::new()
    }
}

delegate_store!(MemStore);
