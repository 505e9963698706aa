//! A server's claim on a store: the file `tmkit.serve` in the store
//! directory, which says which process serves the store and where.
//!
//! `tmkit serve` keeps the store open for as long as it runs, so another
//! `tmkit` command cannot open it (sled's lock). Instead of waiting for a
//! store that will not be released, that command reads this file and says
//! where the server listens. The server holds a lock on the file while it
//! runs; the operating system releases the lock when the process ends, even
//! by `kill -9`, so a file left behind by a dead server is recognized as
//! such (and removed by the next server).

use std::{
    fs::{self, File, OpenOptions},
    io::{Read, Write},
    path::{Path, PathBuf},
};

use crate::{Error, Result, Tm};

const SERVE: &str = "tmkit.serve";

/// The claim of this process on a store it serves, written by
/// [`Tm::announce_server`]; the file is removed when this is dropped.
#[derive(Debug)]
pub struct Announcement {
    path: PathBuf,
    _file: File,
}

impl Drop for Announcement {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

impl Announcement {
    /// The file written (`DIR/tmkit.serve`).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A live server of a store: its process and its address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Server {
    pub(crate) pid: u32,
    pub(crate) url: String,
}

impl Tm {
    /// Writes `DIR/tmkit.serve` (this process's id and `url`, one a line)
    /// and holds it locked, so that other `tmkit` commands that find the
    /// store held say which server holds it and where it listens. A file
    /// left by a server that is gone is replaced; one held by a live server
    /// is an error naming it.
    pub fn announce_server(&self, url: &str) -> Result<Announcement> {
        let path = self.path.join(SERVE);
        if let Some(server) = server_of(&self.path) {
            return Err(Error::Usage(served_message(&self.path, &server)));
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, "create", e))?;
        file.try_lock()
            .map_err(|e| Error::io(&path, "lock", std::io::Error::other(e.to_string())))?;
        file.set_len(0).map_err(|e| Error::io(&path, "write", e))?;
        writeln!(file, "{}\n{url}", std::process::id())
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(&path, "write", e))?;
        Ok(Announcement { path, _file: file })
    }
}

/// The live server of the store in `dir`, if one announced itself.
pub(crate) fn server_of(dir: &Path) -> Option<Server> {
    let mut file = File::open(dir.join(SERVE)).ok()?;
    match file.try_lock_shared() {
        // Nobody holds it: its server is gone.
        Ok(()) => None,
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            file.read_to_string(&mut text).ok()?;
            let mut lines = text.lines();
            let pid = lines.next()?.trim().parse().ok()?;
            let url = lines.next()?.trim().to_string();
            Some(Server { pid, url })
        }
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// What a command that cannot open a served store says.
pub(crate) fn served_message(dir: &Path, server: &Server) -> String {
    format!(
        "{}: a tmkit server (pid {}) serves this store at {}; send requests there (docs/SERVER.md), or stop the server (kill {}) to use the store directly",
        dir.display(),
        server.pid,
        server.url,
        server.pid
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announced_server_is_named_until_its_claim_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let tm = Tm::create(&dir.path().join("tm")).unwrap();
        assert_eq!(server_of(tm.path()), None);
        let claim = tm.announce_server("http://127.0.0.1:8700").unwrap();
        let server = server_of(tm.path()).unwrap();
        assert_eq!(server.pid, std::process::id());
        assert_eq!(server.url, "http://127.0.0.1:8700");
        let err = tm.announce_server("http://127.0.0.1:1").unwrap_err();
        assert!(
            err.to_string()
                .contains("serves this store at http://127.0.0.1:8700"),
            "{err}"
        );
        let path = claim.path().to_path_buf();
        drop(claim);
        assert!(!path.exists());
        assert_eq!(server_of(tm.path()), None);
    }

    #[test]
    fn a_claim_left_by_a_dead_server_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        // An unlocked file: what a killed server leaves behind.
        fs::write(dir.path().join(SERVE), "4242\nhttp://127.0.0.1:1\n").unwrap();
        assert_eq!(server_of(dir.path()), None);
    }
}
