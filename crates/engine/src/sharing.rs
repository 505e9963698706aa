//! Sharing one store between an import and lookups in other processes.
//!
//! sled 0.34 lets one process at a time open a database. So that a translator
//! can look units up while a long import runs, the importing process steps
//! aside when asked: a process that finds the store locked by an import
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
    fs::{self, File, OpenOptions},
    io::{Read, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use crate::{Error, Result};

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
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0).map_err(|e| Error::io(&path, e))?;
            write!(file, "{}", std::process::id()).map_err(|e| Error::io(&path, e))?;
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
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
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
    fs::create_dir_all(&readers).map_err(|e| Error::io(&readers, e))?;
    let pid = std::process::id();
    // Locked before it gets its final name, so that an importer never sees a
    // ticket of a live process unlocked.
    let tmp = readers.join(format!("{pid}.new"));
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    file.lock().map_err(|e| Error::io(&tmp, e))?;
    let path = readers.join(format!("{pid}.ticket"));
    fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
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

/// Tries `open` until it stops failing with a lock error or the wait is over.
pub(crate) fn open_when_free<T>(mut open: impl FnMut() -> Result<T>) -> Result<T> {
    let deadline = Instant::now() + READER_WAIT;
    loop {
        match open() {
            Err(Error::Store(tmkit_store::Error::Locked { .. })) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(25));
            }
            other => return other,
        }
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
