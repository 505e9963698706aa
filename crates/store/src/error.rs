use std::path::PathBuf;

/// Everything that can go wrong in the store.
///
/// Each message names the store and says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sled database failed to read or write its files (I/O error,
    /// disk full, no permission).
    #[error("store {}: cannot {op}: {source}{}", path.display(), advice(source))]
    Db {
        /// The store directory.
        path: PathBuf,
        /// What was being done: `open the database`, `read`, `write`, `flush`.
        op: &'static str,
        /// What sled said.
        source: sled::Error,
    },
    /// sled found damaged data in its files: a checksum that does not
    /// match, a page that cannot be read.
    #[error("store {} is damaged ({detail}): {}", path.display(), damage_advice(path, *at_open))]
    Damaged {
        /// The store directory.
        path: PathBuf,
        /// What sled reported, and where.
        detail: String,
        /// Whether sled cannot open the store at all: only
        /// [`SledStore::salvage_files`](crate::SledStore::salvage_files) can
        /// save its units.
        at_open: bool,
    },
    /// sled's log is damaged, and sled recovered the store as it was before
    /// the damaged part: what was written after it is lost (sled erases it
    /// on opening). Found by comparing sled's counters with those the last
    /// flush recorded in the store's `tmkit.mark`.
    #[error(
        "store {} is damaged: sled recovered an older state than the one last written \
         (its {counter} is {found}, it was {flushed}) and dropped what came after the damaged \
         part of its log; `tmkit check --db {0} --salvage FILE.tmx` saves what it still holds, \
         to import into a new store; the rest must come from a backup of the directory, or \
         from importing its files again",
        path.display()
    )]
    RolledBack {
        /// The store directory.
        path: PathBuf,
        /// The counter found behind, e.g. `c/next_id`.
        counter: &'static str,
        /// Its value in the recovered store.
        found: u64,
        /// Its value when the last flush returned.
        flushed: u64,
    },
    /// A file or directory of the store could not be read or written.
    #[error("{}: cannot {op}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done, e.g. `create the store directory`.
        op: &'static str,
        /// What failed.
        source: std::io::Error,
    },
    /// There is no store at the path given, and the command only reads.
    #[error(
        "no tmkit store at {0}{why}; create one with `tmkit import FILE --db {0}` \
         (or check the path)",
        path.display()
    )]
    NoStore {
        /// The path given.
        path: PathBuf,
        /// What is there instead, e.g. ` (it is a file)`.
        why: String,
    },
    /// Another process (or another handle in this process) has the store open.
    #[error(
        "store {} is locked by {}: only one process may open it at a time; \
         wait for that one to finish, or stop it",
        path.display(),
        match pid { Some(pid) => format!("process {pid}"), None => "another process".to_string() }
    )]
    Locked {
        /// The store directory.
        path: PathBuf,
        /// The process holding it, as its lock file says.
        pid: Option<u32>,
    },
    /// The store was written by a version of tmkit with another on-disk
    /// format. An older one is upgraded in place
    /// ([`SledStore::upgrade`](crate::SledStore::upgrade), `tmkit upgrade`);
    /// a newer one only crosses over as TMX.
    #[error("{}", format_version_advice(path, *found, *expected))]
    FormatVersion {
        /// The store directory.
        path: PathBuf,
        /// The version found on disk.
        found: u32,
        /// The version this crate reads and writes.
        expected: u32,
    },
    /// The path is not a tmkit store and cannot become one without
    /// overwriting what is there: a file, a directory holding other files,
    /// a sled database of another program.
    #[error(
        "{} is not a tmkit store ({what}): give the path of a tmkit store, \
         or a new or empty directory for a new one",
        path.display()
    )]
    NotAStore {
        /// The path.
        path: PathBuf,
        /// What is there, e.g. `it is a file`.
        what: String,
    },
    /// A stored value could not be decoded.
    #[error("store is damaged: {what}; run `tmkit check` to list the faults")]
    Corrupt {
        /// What was wrong, and where.
        what: String,
    },
    /// No import has this id.
    #[error("no import {id} in this store (see `tmkit stats` for the imports it holds)")]
    UnknownImport {
        /// The id asked for.
        id: u64,
    },
    /// The import was already committed or aborted.
    #[error("import {id} is {state}, not open: start a new import")]
    ImportClosed {
        /// The import.
        id: u64,
        /// Its state, e.g. `committed`.
        state: &'static str,
    },
    /// The change log no longer holds every entry after `after`: its
    /// reader (the match index) forgot them, so what asks for them is older
    /// than what was forgotten and must be rebuilt from the units.
    #[error(
        "store {}: the change log holds no entries after sequence number {after}: they \
         were forgotten through {forgotten}; the index that asked is older than that and \
         must be rebuilt from the units",
        path.display()
    )]
    ChangesForgotten {
        /// The store directory.
        path: PathBuf,
        /// The sequence number asked for: entries after it were wanted.
        after: u64,
        /// The highest sequence number forgotten.
        forgotten: u64,
    },
    /// A delete was asked with a filter that selects everything.
    #[error(
        "refusing to delete every unit: give an id, an import, a language, a date range or a prop"
    )]
    EmptyFilter,
}

/// A `Result` whose error is the store's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn corrupt(what: impl Into<String>) -> Error {
    Error::Corrupt { what: what.into() }
}

/// What to do about a store of format version `found`, when this tmkit
/// reads `expected`: upgrade an older one in place, export a newer one.
fn format_version_advice(path: &std::path::Path, found: u32, expected: u32) -> String {
    let p = path.display();
    if found < expected {
        format!(
            "store {p} has format version {found}: it was written by an earlier tmkit, and \
             this one reads version {expected}; upgrade it in place with `tmkit upgrade --db {p}` \
             (no unit is changed)"
        )
    } else {
        format!(
            "store {p} has format version {found}, this tmkit reads version {expected}: \
             export it to TMX with the tmkit that wrote it (`tmkit export`), then import \
             that file into a new store with this one"
        )
    }
}

/// What to do about a damaged store.
fn damage_advice(path: &std::path::Path, at_open: bool) -> String {
    let p = path.display();
    if at_open {
        format!(
            "sled cannot open it; `tmkit check --db {p} --salvage FILE.tmx` saves every \
             unit still found in its files (older versions of changed units, and deleted units, \
             may come back: look the file over), to import into a new store; or restore \
             the directory from a backup"
        )
    } else {
        format!(
            "`tmkit check --db {p}` lists what is still readable, and \
             `tmkit check --db {p} --salvage FILE.tmx` saves every readable unit to TMX, \
             to import into a new store"
        )
    }
}

/// What to do about an I/O error of the database, when the error alone does
/// not say it.
fn advice(source: &sled::Error) -> &'static str {
    match source {
        sled::Error::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            " (the store's files must be writable, even to read them: sled \
             opens its files for writing; ask for write access, or copy the store)"
        }
        sled::Error::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => {
            " (the disk is full: free some space and run the command again)"
        }
        _ => "",
    }
}

/// The operation of opening the database, as [`sled_error`] is told it.
pub(crate) const OPEN: &str = "open the database";

/// The store's error for a sled error met while doing `op` on the store in
/// `path`: damaged data is told apart from I/O errors.
pub(crate) fn sled_error(path: &std::path::Path, op: &'static str, source: sled::Error) -> Error {
    match source {
        sled::Error::Corruption { at, .. } => Error::Damaged {
            path: path.to_path_buf(),
            at_open: op == OPEN,
            detail: match at {
                Some(at) => {
                    // sled's pointer `Inline(N)` is byte N of its file `db`.
                    let at = format!("{at:?}");
                    let at = at
                        .strip_prefix("Inline(")
                        .and_then(|n| n.strip_suffix(')'))
                        .map_or(at.clone(), |n| format!("byte {n} of its file `db`"));
                    format!("sled found damaged data at {at} while trying to {op}")
                }
                None => format!("sled found damaged data while trying to {op}"),
            },
        },
        source => Error::Db {
            path: path.to_path_buf(),
            op,
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Permission bits do not stop root, who runs the tests: the message of
    /// a read-only store is checked on the error sled would give.
    #[test]
    fn a_read_only_store_is_named_with_the_operation_and_what_to_do() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let err = sled_error(
            std::path::Path::new("/srv/tm"),
            OPEN,
            sled::Error::Io(denied),
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with("store /srv/tm: cannot open the database: "),
            "{msg}"
        );
        assert!(msg.contains("must be writable, even to read"), "{msg}");
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let msg =
            sled_error(std::path::Path::new("tm"), "write", sled::Error::Io(full)).to_string();
        assert!(msg.starts_with("store tm: cannot write: "), "{msg}");
        assert!(msg.contains("disk is full"), "{msg}");
    }

    #[test]
    fn an_older_format_is_upgraded_in_place_a_newer_one_exported() {
        let version = |found| {
            Error::FormatVersion {
                path: "/srv/tm".into(),
                found,
                expected: 2,
            }
            .to_string()
        };
        let old = version(1);
        assert!(
            old.starts_with(
                "store /srv/tm has format version 1: it was written by an earlier tmkit"
            ),
            "{old}"
        );
        assert!(old.contains("`tmkit upgrade --db /srv/tm`"), "{old}");
        let new = version(3);
        assert!(
            new.contains("format version 3, this tmkit reads version 2"),
            "{new}"
        );
        assert!(
            new.contains("`tmkit export`") && !new.contains("upgrade"),
            "{new}"
        );
    }
}
