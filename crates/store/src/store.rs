use std::{
    fs,
    path::{Path, PathBuf},
};

use tmkit_core::{Lang, Tu, TuId};

use crate::{
    backend::{MemBackend, SledBackend},
    core::Core,
    error::{sled_error, Error, Result, OPEN},
    types::{
        DedupeReport, Fault, Filter, ImportInfo, ImportMeta, OnDuplicate, PutReport, Record, Stats,
        Upgrade,
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
    /// The latest import of `key`, whatever its state: `key` is the
    /// canonical path of the file ([`SourceFile::path`](crate::SourceFile::path)) for imports that
    /// recorded one, else the file name given ([`ImportMeta::key`]).
    fn last_import(&self, key: &str) -> Result<Option<ImportInfo>>;
    /// The latest import of `key` ([`Store::last_import`]) if it is still
    /// open: its `consumed` units are stored, and the import can go on with
    /// the next.
    fn resume_point(&self, key: &str) -> Result<Option<ImportInfo>> {
        Ok(self
            .last_import(key)?
            .filter(|i| i.state == crate::ImportState::Open))
    }
    /// Every import, oldest first.
    fn imports(&self) -> Result<Vec<ImportInfo>>;
    /// Makes every write so far durable.
    fn flush(&self) -> Result<()>;
    /// The unit `id`.
    fn get(&self, id: TuId) -> Result<Option<Record>>;
    /// The stored units among `ids`, in id order, each once; ids not stored
    /// are skipped. Each unit block is read and decoded once for all the ids
    /// it holds: reading back the units of a 10,000-unit batch reads about
    /// 157 blocks of 64.
    fn get_many(&self, ids: &[TuId]) -> Result<Vec<Record>>;
    /// Counts one use of unit `id`; `false` when there is no such unit.
    /// The unit's record changes, so this is logged like any other change
    /// ([`Store::changes`]).
    fn touch(&self, id: TuId) -> Result<bool>;
    /// The sequence number of the last entry of the change log; 0 before
    /// the first. It never decreases, and a write that changes units
    /// increases it by one in the same atomic step.
    fn seq(&self) -> Result<u64>;
    /// The change log after `after`: every write that added, changed or
    /// removed units, as its sequence number and the ids of those units
    /// (ascending, each once), in sequence order, up to the last entry
    /// written. A reader that is up to date with sequence number `s` reads
    /// `changes(s)` to catch up, and [`Store::get_many`] for the units; it
    /// is then up to date with the last sequence number it read, which may
    /// be past a `seq()` read before, as writes applied while it iterates
    /// come out too.
    ///
    /// [`Error::ChangesForgotten`] when entries after `after` were
    /// forgotten ([`Store::forget_changes`]): the log never gives a gap.
    fn changes(&self, after: u64) -> Result<Iter<'_, (u64, Vec<TuId>)>>;
    /// Drops the change-log entries up to `through` (at most `seq()`) in
    /// one atomic write that records `through` as forgotten; later
    /// [`Store::changes`] calls below it are errors. For the log's reader,
    /// once what it built from them is durable. Not flushed: an entry that
    /// comes back after a crash is only read again.
    fn forget_changes(&self, through: u64) -> Result<()>;
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
            fn last_import(&self, key: &str) -> Result<Option<ImportInfo>> {
                self.core.last_import(key)
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
            fn get_many(&self, ids: &[TuId]) -> Result<Vec<Record>> {
                self.core.get_many(ids)
            }
            fn touch(&self, id: TuId) -> Result<bool> {
                self.core.touch(id)
            }
            fn seq(&self) -> Result<u64> {
                self.core.seq()
            }
            fn changes(&self, after: u64) -> Result<Iter<'_, (u64, Vec<TuId>)>> {
                self.core.changes(after)
            }
            fn forget_changes(&self, through: u64) -> Result<()> {
                self.core.forget_changes(through)
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
/// (a handle just dropped can hold sled's lock for a moment). To look units
/// up while an import runs, use the same `SledStore` from several threads.
pub struct SledStore {
    core: Core<SledBackend>,
    path: PathBuf,
}

impl SledStore {
    /// Opens the store in directory `path`, creating it when `path` does
    /// not exist or is an empty directory, and checks its format version.
    ///
    /// Anything else at `path` is refused ([`Error::NotAStore`]) rather
    /// than written over: a file, a directory holding other files (sled
    /// would take a file called `db` there for its own).
    pub fn open(path: &Path) -> Result<SledStore> {
        SledStore::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// [`SledStore::open`] with a page cache of `cache_bytes` bytes.
    pub fn open_with_cache(path: &Path, cache_bytes: u64) -> Result<SledStore> {
        prepare(path, true)?;
        SledStore::open_db(path, cache_bytes, true)
    }

    /// Opens the store in directory `path`, which must hold one: a missing
    /// path, a file, an empty or unrelated directory is [`Error::NoStore`].
    /// For commands that only read, which must not leave an empty store
    /// behind a mistyped path.
    pub fn open_existing(path: &Path) -> Result<SledStore> {
        prepare(path, false)?;
        SledStore::open_db(path, DEFAULT_CACHE_BYTES, true)
    }

    /// Opens an existing store as sled recovers it, even when that is an
    /// older state than the one last written ([`Error::RolledBack`]): to
    /// save what it still holds with [`SledStore::salvage`].
    pub fn open_recovered(path: &Path) -> Result<SledStore> {
        prepare(path, false)?;
        SledStore::open_db(path, DEFAULT_CACHE_BYTES, false)
    }

    /// Upgrades the store in directory `path` to this crate's format version
    /// in place, in one atomic write that it flushes, touching no unit: a
    /// store of version 1 gets an empty change log. A store already of this
    /// version is left as it is ([`Upgrade::Current`]), so upgrading twice
    /// does nothing the second time.
    ///
    /// Refused as [`SledStore::open_existing`] refuses (no store, not a
    /// store, locked, rolled back), and a store of a newer version is
    /// [`Error::FormatVersion`]. Then [`SledStore::open`] opens it.
    pub fn upgrade(path: &Path) -> Result<Upgrade> {
        prepare(path, false)?;
        let db = open_sled(path, DEFAULT_CACHE_BYTES)?;
        let backend = SledBackend::new(db, path)?;
        backend.check_mark()?;
        let done = crate::core::upgrade(&backend, path)?;
        // Opened as a store so that dropping it releases the lock file.
        drop(SledStore {
            core: Core::new(backend, path)?,
            path: path.to_path_buf(),
        });
        Ok(done)
    }

    fn open_db(path: &Path, cache_bytes: u64, check_mark: bool) -> Result<SledStore> {
        let backend = SledBackend::new(open_sled(path, cache_bytes)?, path)?;
        if check_mark {
            backend.check_mark()?;
        }
        let core = Core::new(backend, path)?;
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

/// Opens sled's database in `path` and writes this process's pid in the
/// lock file.
fn open_sled(path: &Path, cache_bytes: u64) -> Result<sled::Db> {
    // A handle of this process that was just dropped may keep sled's file
    // lock for a moment, until sled's background flusher lets go of the
    // database: that case (the lock file gone, or naming this process) is
    // retried for up to 2 s. Another process's lock fails at once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let db = loop {
        let opened = catch_sled_panic(path, || {
            sled::Config::new()
                .path(path)
                .cache_capacity(cache_bytes)
                .open()
        })?;
        let err = match opened {
            Ok(db) => break db,
            Err(e) => e,
        };
        let locked = matches!(&err, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"));
        if !locked {
            return Err(sled_error(path, OPEN, err));
        }
        let pid = lock_holder(path);
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
    fs::write(&lock, format!("{}\n", std::process::id())).map_err(|source| Error::Io {
        path: lock,
        op: "write the pid of this process",
        source,
    })?;
    Ok(db)
}

impl SledStore {
    /// Reads every unit that can still be read from a damaged store, in id
    /// order, and hands each to `save`; parts of the store that cannot be
    /// read are skipped and listed in the report. A sound store gives all
    /// its units and an empty list.
    pub fn salvage(&self, save: &mut dyn FnMut(Record) -> Result<()>) -> Result<Salvage> {
        self.core.salvage(save)
    }
}

thread_local! {
    /// Whether this thread is in a call of [`catch_sled_panic`], whose
    /// panics are reported as errors rather than printed.
    static IN_SLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, a call into sled, turning a panic into [`Error::Damaged`]:
/// sled 0.34 panics on some damaged files instead of returning an error
/// (`tried to serialize Uninitialized` while recovering its log). The
/// panic's own report is silenced, for this thread and this call only: the
/// panic hook, installed once, passes every other panic to the hook that
/// was there before.
fn catch_sled_panic<T>(path: &Path, f: impl FnOnce() -> T) -> Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_SLED.with(|c| c.get()) {
                previous(info);
            }
        }));
    });
    IN_SLED.with(|c| c.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_SLED.with(|c| c.set(false));
    result.map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Error::Damaged {
            path: path.to_path_buf(),
            detail: format!("sled stopped while reading its log: {why}"),
            at_open: true,
        }
    })
}

impl SledStore {
    /// Reads every unit found in the files of the store in `path` without
    /// sled, for a store sled cannot give whole (an [`Error::Damaged`] on
    /// opening): sled's log keeps each unit as its encoded bytes, which are
    /// looked for at every byte of its files. Units are handed to `save` in
    /// the order they were written, each distinct one once, with ids
    /// counted from 0 in that order. As the log also holds the versions a
    /// unit had before it was merged or overwritten, and units since
    /// deleted, these may come back. The store must not be in use.
    pub fn salvage_files(
        path: &Path,
        save: &mut dyn FnMut(Record) -> Result<()>,
    ) -> Result<Salvage> {
        let mut files = vec![path.join("db")];
        if let Ok(blobs) = fs::read_dir(path.join("blobs")) {
            let mut more: Vec<PathBuf> = blobs.filter_map(|e| e.ok().map(|e| e.path())).collect();
            more.sort();
            files.extend(more);
        }
        let mut report = Salvage::default();
        let mut seen = std::collections::HashSet::new();
        for file in files {
            let scanned = fs::File::open(&file).and_then(|f| {
                scan_records(f, (SCAN_WINDOW, SCAN_KEPT), &mut |bytes, rec| {
                    if seen.insert(crate::core::fnv1a(bytes)) {
                        let mut rec = rec;
                        rec.id = tmkit_core::TuId(report.units);
                        save(rec)?;
                        report.units += 1;
                    }
                    Ok(())
                })
            });
            match scanned {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(e) => report
                    .lost
                    .push(format!("{}: cannot read: {e}", file.display())),
            }
        }
        Ok(report)
    }
}

/// How much of a file [`scan_records`] holds at a time, and how much of it
/// it keeps for the next read: a record longer than the kept part that
/// starts near the end of a window is not found.
const SCAN_WINDOW: usize = 64 << 20;
const SCAN_KEPT: usize = 32 << 20;

/// Hands every encoded record found at any byte of `file` to `found`, with
/// its bytes, holding at most `window` + `kept` bytes (and a read of 1 MiB).
fn scan_records(
    mut file: impl std::io::Read,
    (window, kept): (usize, usize),
    found: &mut dyn FnMut(&[u8], Record) -> Result<()>,
) -> std::io::Result<Result<()>> {
    let mut buf: Vec<u8> = Vec::new();
    let mut at = 0;
    let mut eof = false;
    while !eof || at < buf.len() {
        // Top the buffer up to a window past the scanning position.
        while !eof && buf.len() - at < window + kept {
            let start = buf.len();
            buf.resize(start + (1 << 20), 0);
            let n = file.read(&mut buf[start..])?;
            buf.truncate(start + n);
            eof = n == 0;
        }
        let limit = if eof { buf.len() } else { at + window };
        while at < limit {
            match crate::codec::record_at(&buf, at) {
                Some((rec, end)) => {
                    if let Err(e) = found(&buf[at..end], rec) {
                        return Ok(Err(e));
                    }
                    at = end;
                }
                None => at += 1,
            }
        }
        buf.drain(..at);
        at = 0;
    }
    Ok(Ok(()))
}

/// What [`SledStore::salvage`] recovered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Salvage {
    /// Units read and handed over.
    pub units: u64,
    /// What could not be read, one line each (a range of ids, a block).
    pub lost: Vec<String>,
}

/// The pid in the lock file of the store in `path`, if any.
fn lock_holder(path: &Path) -> Option<u32> {
    fs::read_to_string(path.join(LOCK_FILE))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// Whether `dir` holds sled's files: its `conf` (which starts with the
/// segment size) and its `db`.
fn holds_database(dir: &Path) -> bool {
    let conf = fs::read(dir.join("conf")).unwrap_or_default();
    conf.starts_with(b"segment_size:") && dir.join("db").is_file()
}

/// Checks what is at `path` before sled opens it: a store, or (when
/// `create`) nothing yet or an empty directory, which is created.
fn prepare(path: &Path, create: bool) -> Result<()> {
    let io = |op, source| Error::Io {
        path: path.to_path_buf(),
        op,
        source,
    };
    let no_store = |why: &str| Error::NoStore {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            return fs::create_dir_all(path).map_err(|e| io("create the store directory", e));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_store("")),
        Err(e) => return Err(io("look at the store directory", e)),
    };
    if !meta.is_dir() {
        return Err(match create {
            true => Error::NotAStore {
                path: path.to_path_buf(),
                what: "it is a file".into(),
            },
            false => no_store(" (it is a file)"),
        });
    }
    if holds_database(path) {
        return Ok(());
    }
    let mut names: Vec<String> = fs::read_dir(path)
        .map_err(|e| io("list the store directory", e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    if names.is_empty() {
        return match create {
            true => Ok(()),
            false => Err(no_store(" (the directory is empty)")),
        };
    }
    let shown = names
        .iter()
        .take(3)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>();
    let more = if names.len() > 3 { ", …" } else { "" };
    let what = format!(
        "the directory holds {}{more} and no database",
        shown.join(", ")
    );
    Err(match create {
        true => Error::NotAStore {
            path: path.to_path_buf(),
            what,
        },
        false => no_store(&format!(" ({what})")),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use tmkit_core::{Lang, Tu, TuId};

    #[test]
    fn records_are_found_across_windows_and_among_other_bytes() {
        let en = Lang::parse("en").unwrap();
        let fr = Lang::parse("fr").unwrap();
        let mut file = vec![7u8; 13];
        let mut want = vec![];
        for i in 0..300u64 {
            let rec = Record {
                id: TuId(i),
                tu: Tu::bilingual(
                    en.clone(),
                    format!("Source {i}").as_str(),
                    fr.clone(),
                    "Cible",
                ),
                src: en.clone(),
                batch: 0,
                file: "a.tmx".into(),
                created: i,
                changed: i,
                usage: 0,
            };
            let bytes = crate::codec::encode_record(&rec);
            let mut w = crate::codec::Writer::new();
            w.uint(bytes.len() as u64);
            file.extend_from_slice(&w.buf);
            file.extend_from_slice(&bytes);
            file.extend_from_slice(&[0xff, 0, 3][..(i % 4) as usize % 3]);
            want.push(format!("Source {i}"));
        }
        // Windows far smaller than the file, so that records straddle them.
        let mut got = vec![];
        scan_records(std::io::Cursor::new(&file), (97, 200), &mut |_, rec| {
            got.push(rec.tu.variants[0].seg.plain_text());
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(got, want);
    }
}
