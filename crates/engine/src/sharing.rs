//! Sharing one store between an import and lookups in other processes.
//!
//! sled 0.34 lets one process at a time open a database. So that a translator
//! can look units up while a long import runs, the importing process steps
//! aside when asked: a process that finds the store open in another one
//! waits its turn ([`open_shared`]); when that one is an import, it
//! leaves a *ticket* in `tmkit.readers/`, and the importer, between two
//! atomic batches, closes the store until no live ticket remains, then opens
//! it again and goes on. Writers exclude each other with a lock on
//! `tmkit.writer`, held for as long as they write: a second writer gets a
//! clear error at once instead of waiting.
//!
//! Liveness rests on file locks, which the operating system releases when a
//! process ends, even by `kill -9`: a ticket whose lock can be taken belongs
//! to a process that is gone, and is removed.

use std::{
    fmt,
    fs::{self, File, OpenOptions},
    io::{Read, Write},
    path::{Path, PathBuf},
    sync::OnceLock,
    time::{Duration, Instant},
};

use tmkit_store::SledStore;

use crate::{Error, Result};

/// Something a person watching a command may want to know while it waits
/// or works: what [`set_observer`] is told.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Another process has the store open; this one waits its turn (told
    /// once, after a second of waiting).
    Waiting {
        /// The store.
        path: PathBuf,
        /// The process holding it, as the store's lock file says.
        pid: Option<u32>,
    },
    /// This process holds the store (told only to a verbose observer).
    Opened {
        /// The store.
        path: PathBuf,
    },
    /// The match index is being built from the store's units (once, for a
    /// store that has none, or for a language direction or scorer not
    /// looked up before).
    Indexing {
        /// The store.
        path: PathBuf,
        /// Why it is built.
        why: String,
        /// Units in the store.
        units: u64,
    },
    /// A store written by an earlier tmkit was upgraded in place.
    Upgraded {
        /// The store.
        path: PathBuf,
        /// The format version it had.
        from: u32,
    },
    /// An import's units so far are on disk: a crash from here on keeps
    /// them, and `--resume` goes on after them (told only to a verbose
    /// observer, for which each batch is flushed before it is told).
    Stored {
        /// The file being imported.
        file: String,
        /// The import.
        import: u64,
        /// Units of the file stored so far.
        units: u64,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Waiting { path, pid } => write!(
                f,
                "waiting for {} to close the store {}…",
                pid.map_or("another process".to_string(), |p| format!("process {p}")),
                path.display()
            ),
            Event::Indexing { path, why, units } => write!(
                f,
                "building the match index of {} ({units} units: {why}); later lookups open it in milliseconds…",
                path.display()
            ),
            Event::Upgraded { path, from } => write!(
                f,
                "upgraded the store {} from format version {from} to {}",
                path.display(),
                tmkit_store::FORMAT_VERSION
            ),
            Event::Opened { path } => write!(
                f,
                "process {} holds the store {}",
                std::process::id(),
                path.display()
            ),
            Event::Stored {
                file,
                import,
                units,
            } => write!(f, "{file}: import #{import}: {units} units on disk"),
        }
    }
}

/// Who is told of [`Event`]s, and whether the verbose ones are wanted.
#[derive(Clone, Copy, Debug)]
pub struct Observer {
    /// Called with each event.
    pub notify: fn(&Event),
    /// Whether [`Event::Opened`] and [`Event::Stored`] are wanted too (each
    /// import batch is then flushed before it is told, which costs a disk
    /// sync per batch).
    pub verbose: bool,
}

static OBSERVER: OnceLock<Observer> = OnceLock::new();

/// Sets the observer of this process's events, once; later calls are
/// ignored. Without one, events go nowhere.
pub fn set_observer(observer: Observer) {
    let _ = OBSERVER.set(observer);
}

/// Whether the verbose events are wanted.
pub(crate) fn verbose() -> bool {
    OBSERVER.get().is_some_and(|o| o.verbose)
}

/// Tells the observer, if any, of `event` (verbose ones only when wanted).
pub(crate) fn notify(event: Event) {
    if let Some(o) = OBSERVER.get() {
        let always = matches!(
            event,
            Event::Waiting { .. } | Event::Indexing { .. } | Event::Upgraded { .. }
        );
        if o.verbose || always {
            (o.notify)(&event);
        }
    }
}

/// How long a process waits before it says that it waits.
const QUIET_WAIT: Duration = Duration::from_secs(1);

/// Opens the store in `dir` with `open` (creating it or not), waiting while
/// another process holds it: a reader or a writer that has not reached its
/// writer lock yet (or has released it and not yet exited) closes it soon;
/// an importer is asked to step aside with a ticket (unless `importing`:
/// the importer itself opens the store again after stepping aside),
/// returned with the store. Gives up after [`READER_WAIT`].
pub(crate) fn open_shared(
    dir: &Path,
    open: fn(&Path) -> tmkit_store::Result<SledStore>,
    importing: bool,
) -> Result<(SledStore, Option<Ticket>)> {
    let started = Instant::now();
    let mut ticket = None;
    let mut told = false;
    loop {
        match open(dir) {
            Ok(store) => {
                notify(Event::Opened {
                    path: dir.to_path_buf(),
                });
                return Ok((store, ticket));
            }
            Err(tmkit_store::Error::Locked { path, pid }) if started.elapsed() < READER_WAIT => {
                // A server keeps the store for as long as it runs: no use waiting.
                if let Some(server) = crate::serving::server_of(dir) {
                    return Err(Error::Usage(crate::serving::served_message(dir, &server)));
                }
                if !importing && ticket.is_none() && writer_elsewhere(dir) {
                    ticket = Some(take_ticket(dir)?);
                }
                if !told && started.elapsed() >= QUIET_WAIT {
                    told = true;
                    notify(Event::Waiting { path, pid });
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

const WRITER: &str = "tmkit.writer";
const READERS: &str = "tmkit.readers";

/// How long a process waits for an importer to step aside.
const READER_WAIT: Duration = Duration::from_secs(120);

/// The right to write to a store, held until dropped.
#[derive(Debug)]
pub(crate) struct WriterLock {
    _file: File,
}

/// Takes the writer lock of the store in `dir`, or says which process holds it.
pub(crate) fn lock_writer(dir: &Path) -> Result<WriterLock> {
    let path = dir.join(WRITER);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, "open the writer lock", e))?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0).map_err(|e| Error::io(&path, "write", e))?;
            write!(file, "{}", std::process::id()).map_err(|e| Error::io(&path, "write", e))?;
            Ok(WriterLock { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            Err(Error::Usage(format!(
                "{}: the store is locked by process {}, which is writing to it (an import); try again when it has finished",
                dir.display(),
                pid.trim()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, "lock", e)),
    }
}

/// Whether another process holds the writer lock of the store in `dir`.
pub(crate) fn writer_elsewhere(dir: &Path) -> bool {
    let Ok(file) = File::open(dir.join(WRITER)) else {
        return false;
    };
    matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}

/// A request that the importer step aside, held (locked) while this process
/// uses the store; removed when dropped.
#[derive(Debug)]
pub(crate) struct Ticket {
    path: PathBuf,
    _file: File,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Leaves a ticket asking the importer of the store in `dir` to step aside.
pub(crate) fn take_ticket(dir: &Path) -> Result<Ticket> {
    let readers = dir.join(READERS);
    fs::create_dir_all(&readers).map_err(|e| Error::io(&readers, "create the directory", e))?;
    let pid = std::process::id();
    // Locked before it gets its final name, so that an importer never sees a
    // ticket of a live process unlocked.
    let tmp = readers.join(format!("{pid}.new"));
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, "create", e))?;
    file.lock().map_err(|e| Error::io(&tmp, "lock", e))?;
    let path = readers.join(format!("{pid}.ticket"));
    fs::rename(&tmp, &path).map_err(|e| Error::io(&path, "rename into place", e))?;
    Ok(Ticket { path, _file: file })
}

/// Whether a live process has left a ticket; tickets of processes that are
/// gone are removed.
pub(crate) fn readers_waiting(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir.join(READERS)) else {
        return false;
    };
    let mut waiting = false;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "ticket") {
            continue;
        }
        match File::open(&path).map(|f| f.try_lock()) {
            // Its owner is gone: the operating system released its lock.
            Ok(Ok(())) => {
                let _ = fs::remove_file(&path);
            }
            Ok(Err(_)) => waiting = true,
            Err(_) => {}
        }
    }
    waiting
}

/// Waits until no live ticket remains (no time limit: readers come first).
pub(crate) fn wait_for_readers(dir: &Path) {
    while readers_waiting(dir) {
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_and_a_dropped_ticket_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_writer(dir.path()).unwrap();
        // Locks are per open file: a second handle in the same process is
        // refused like another process would be.
        let err = lock_writer(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        assert!(writer_elsewhere(dir.path()));
        drop(first);
        assert!(!writer_elsewhere(dir.path()));

        assert!(!readers_waiting(dir.path()));
        let ticket = take_ticket(dir.path()).unwrap();
        assert!(readers_waiting(dir.path()));
        drop(ticket);
        assert!(!readers_waiting(dir.path()));
    }

    #[test]
    fn a_ticket_left_by_a_dead_process_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let readers = dir.path().join(READERS);
        fs::create_dir_all(&readers).unwrap();
        // An unlocked ticket: what a killed reader leaves behind.
        File::create(readers.join("4242.ticket")).unwrap();
        assert!(!readers_waiting(dir.path()));
        assert!(!readers.join("4242.ticket").exists());
    }
}
