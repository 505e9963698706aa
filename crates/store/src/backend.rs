//! Key-value backends: sled on disk, a `BTreeMap` in memory.
//!
//! Both hold one ordered tree of data and a small `meta` tree. The store's
//! logic (`crate::core`) is written once against [`Backend`], so the two
//! stores behave alike by construction and the tests that compare them
//! check the backends.

use std::{
    collections::BTreeMap,
    ops::Bound,
    sync::{PoisonError, RwLock},
};

use crate::error::{sled_error, Error, Result};

/// A key and its value.
pub(crate) type Entry = (Vec<u8>, Vec<u8>);

/// A write of one key: `None` removes it.
pub(crate) type Write = (Vec<u8>, Option<Vec<u8>>);

/// A boxed iterator of entries, borrowing the backend.
pub(crate) type Entries<'a> = Box<dyn Iterator<Item = Result<Entry>> + 'a>;

/// An ordered key-value tree with atomic multi-key writes.
pub(crate) trait Backend: Send + Sync {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Entries whose key starts with `prefix`, in key order.
    fn scan(&self, prefix: &[u8]) -> Entries<'_> {
        self.scan_from(prefix, prefix)
    }
    /// Entries whose key starts with `prefix` and is at least `from`, in key
    /// order.
    fn scan_from(&self, prefix: &[u8], from: &[u8]) -> Entries<'_>;
    /// The entry with the greatest key that starts with `prefix` and is at
    /// most `key`.
    fn get_le(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Entry>>;
    /// The entry with the smallest key at least `key`.
    fn get_ge(&self, key: &[u8]) -> Result<Option<Entry>>;
    /// Applies all `writes` (`None` removes) atomically: after a crash the
    /// tree holds all of them or none, and readers never see a part.
    fn apply(&self, writes: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Result<()>;
    /// [`Backend::apply`] to the data tree and `meta` to the `meta` tree,
    /// all atomically: for a change of format version, which must come
    /// with its data or not at all.
    fn apply_with_meta(&self, writes: Vec<Write>, meta: Vec<(Vec<u8>, Vec<u8>)>) -> Result<()>;
    /// Makes every applied write durable.
    fn flush(&self) -> Result<()>;
    fn size_on_disk(&self) -> Result<u64>;
    fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
}

/// The file, in the store directory, in which each flush records the
/// counters it made durable (see [`SledBackend::check_mark`]).
pub(crate) const MARK_FILE: &str = "tmkit.mark";

/// The counters the mark file holds: they only ever grow. The change log's
/// sequence number grows with every write of units, deletions included,
/// so a rollback that loses only a deletion is caught too.
const MARKED: [&str; 3] = ["c/next_id", "c/next_import", "c/seq"];

/// sled: one `tm` tree for the data, one `meta` tree for the format version.
pub(crate) struct SledBackend {
    pub(crate) db: sled::Db,
    tree: sled::Tree,
    meta: sled::Tree,
    /// The store directory, for messages.
    path: std::path::PathBuf,
}

impl SledBackend {
    pub(crate) fn new(db: sled::Db, path: &std::path::Path) -> Result<SledBackend> {
        let err = |e| sled_error(path, "open its trees", e);
        let tree = db.open_tree("tm").map_err(err)?;
        let meta = db.open_tree("meta").map_err(err)?;
        Ok(SledBackend {
            db,
            tree,
            meta,
            path: path.to_path_buf(),
        })
    }

    /// The counters named in the mark file, as the tree holds them.
    fn marked(&self) -> Result<Vec<(&'static str, u64)>> {
        MARKED
            .iter()
            .map(|&key| {
                let v = self.tree.get(key).map_err(self.err("read"))?;
                let n = v
                    .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
                    .map_or(0, u64::from_be_bytes);
                Ok((key, n))
            })
            .collect()
    }

    /// Records in the mark file the counters that the flush just made
    /// durable.
    fn write_mark(&self) -> Result<()> {
        let text: String = self
            .marked()?
            .iter()
            .map(|(key, n)| format!("{key} {n}\n"))
            .collect();
        let tmp = self.path.join(format!("{MARK_FILE}.new"));
        let io = |path: std::path::PathBuf| {
            move |source| Error::Io {
                path,
                op: "record what was flushed",
                source,
            }
        };
        std::fs::write(&tmp, text).map_err(io(tmp.clone()))?;
        std::fs::rename(&tmp, self.path.join(MARK_FILE)).map_err(io(tmp))
    }

    /// Fails when sled holds less than the mark file says was made durable:
    /// sled 0.34 stops recovering its log at the first damaged message and
    /// silently drops everything after it (one flipped byte can make a
    /// store of 3,000 units open empty and sound).
    pub(crate) fn check_mark(&self) -> Result<()> {
        let Ok(text) = std::fs::read_to_string(self.path.join(MARK_FILE)) else {
            return Ok(());
        };
        let recorded: Vec<(&str, u64)> = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter_map(|(k, n)| Some((k, n.trim().parse().ok()?)))
            .collect();
        for (key, now) in self.marked()? {
            if let Some(&(_, then)) = recorded.iter().find(|(k, _)| *k == key) {
                if now < then {
                    return Err(Error::RolledBack {
                        path: self.path.clone(),
                        counter: key,
                        found: now,
                        flushed: then,
                    });
                }
            }
        }
        Ok(())
    }

    /// A closure turning sled's errors while doing `op` into the store's.
    fn err(&self, op: &'static str) -> impl Fn(sled::Error) -> Error + '_ {
        move |e| sled_error(&self.path, op, e)
    }
}

impl Backend for SledBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tree
            .get(key)
            .map_err(self.err("read"))?
            .map(|v| v.to_vec()))
    }

    fn scan_from(&self, prefix: &[u8], from: &[u8]) -> Entries<'_> {
        let prefix = prefix.to_vec();
        let from = from.max(prefix.as_slice()).to_vec();
        Box::new(
            self.tree
                .range(from..)
                .take_while(move |r| r.as_ref().map_or(true, |(k, _)| k.starts_with(&prefix)))
                .map(|r| {
                    r.map(|(k, v)| (k.to_vec(), v.to_vec()))
                        .map_err(self.err("read"))
                }),
        )
    }

    fn get_le(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Entry>> {
        match self.tree.range(prefix..=key).next_back() {
            Some(e) => {
                let (k, v) = e.map_err(self.err("read"))?;
                Ok(Some((k.to_vec(), v.to_vec())))
            }
            None => Ok(None),
        }
    }

    fn get_ge(&self, key: &[u8]) -> Result<Option<Entry>> {
        match self.tree.range(key..).next() {
            Some(e) => {
                let (k, v) = e.map_err(self.err("read"))?;
                Ok(Some((k.to_vec(), v.to_vec())))
            }
            None => Ok(None),
        }
    }

    fn apply(&self, writes: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Result<()> {
        // `Tree::apply_batch` seals the batch in sled's log, so recovery
        // replays it whole or not at all, and it holds sled's write lock,
        // so concurrent readers see it whole too.
        let mut batch = sled::Batch::default();
        for (k, v) in writes {
            match v {
                Some(v) => batch.insert(k, v),
                None => batch.remove(k),
            }
        }
        self.tree.apply_batch(batch).map_err(self.err("write"))
    }

    fn apply_with_meta(&self, writes: Vec<Write>, meta: Vec<(Vec<u8>, Vec<u8>)>) -> Result<()> {
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        use sled::Transactional;
        // A transaction over both trees is sealed in sled's log as one
        // batch, as `apply_batch` is for one tree.
        let result = (&self.tree, &self.meta).transaction(|(tree, meta_tree)| {
            for (k, v) in &writes {
                match v {
                    Some(v) => tree.insert(k.as_slice(), v.as_slice())?,
                    None => tree.remove(k.as_slice())?,
                };
            }
            for (k, v) in &meta {
                meta_tree.insert(k.as_slice(), v.as_slice())?;
            }
            Ok::<(), ConflictableTransactionError<sled::Error>>(())
        });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(e) | TransactionError::Storage(e)) => {
                Err(sled_error(&self.path, "write", e))
            }
        }
    }

    fn flush(&self) -> Result<()> {
        self.db
            .flush()
            .map_err(self.err("flush its writes to disk"))?;
        self.write_mark()
    }

    fn size_on_disk(&self) -> Result<u64> {
        self.db
            .size_on_disk()
            .map_err(self.err("measure its files"))
    }

    fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .meta
            .get(key)
            .map_err(self.err("read"))?
            .map(|v| v.to_vec()))
    }
}

/// An in-memory tree; `flush` does nothing.
#[derive(Default)]
pub(crate) struct MemBackend {
    tree: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
    meta: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

/// How many entries a scan of the in-memory tree copies per lock, so that
/// writers are not held off by a long scan.
const MEM_CHUNK: usize = 512;

impl Backend for MemBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tree
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned())
    }

    fn scan_from(&self, prefix: &[u8], from: &[u8]) -> Entries<'_> {
        let prefix = prefix.to_vec();
        let mut from: Bound<Vec<u8>> = Bound::Included(from.max(prefix.as_slice()).to_vec());
        let mut chunk: std::vec::IntoIter<Entry> = Vec::new().into_iter();
        let mut done = false;
        Box::new(std::iter::from_fn(move || loop {
            if let Some(e) = chunk.next() {
                return Some(Ok(e));
            }
            if done {
                return None;
            }
            let tree = self.tree.read().unwrap_or_else(PoisonError::into_inner);
            let next: Vec<Entry> = tree
                .range((from.clone(), Bound::Unbounded))
                .take_while(|(k, _)| k.starts_with(&prefix))
                .take(MEM_CHUNK)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            done = next.len() < MEM_CHUNK;
            if let Some((k, _)) = next.last() {
                from = Bound::Excluded(k.clone());
            }
            chunk = next.into_iter();
        }))
    }

    fn get_le(&self, prefix: &[u8], key: &[u8]) -> Result<Option<Entry>> {
        if key < prefix {
            return Ok(None);
        }
        let tree = self.tree.read().unwrap_or_else(PoisonError::into_inner);
        Ok(tree
            .range::<[u8], _>((Bound::Included(prefix), Bound::Included(key)))
            .next_back()
            .map(|(k, v)| (k.clone(), v.clone())))
    }

    fn get_ge(&self, key: &[u8]) -> Result<Option<Entry>> {
        let tree = self.tree.read().unwrap_or_else(PoisonError::into_inner);
        Ok(tree
            .range::<[u8], _>((Bound::Included(key), Bound::Unbounded))
            .next()
            .map(|(k, v)| (k.clone(), v.clone())))
    }

    fn apply(&self, writes: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Result<()> {
        let mut tree = self.tree.write().unwrap_or_else(PoisonError::into_inner);
        for (k, v) in writes {
            match v {
                Some(v) => tree.insert(k, v),
                None => tree.remove(&k),
            };
        }
        Ok(())
    }

    fn apply_with_meta(&self, writes: Vec<Write>, meta: Vec<(Vec<u8>, Vec<u8>)>) -> Result<()> {
        // Both locks at once, data first as everywhere: readers see all or
        // nothing.
        let mut tree = self.tree.write().unwrap_or_else(PoisonError::into_inner);
        let mut meta_tree = self.meta.write().unwrap_or_else(PoisonError::into_inner);
        for (k, v) in writes {
            match v {
                Some(v) => tree.insert(k, v),
                None => tree.remove(&k),
            };
        }
        for (k, v) in meta {
            meta_tree.insert(k, v);
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }

    fn size_on_disk(&self) -> Result<u64> {
        Ok(0)
    }

    fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .meta
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_scan_crosses_chunks_and_stops_at_prefix() {
        let mem = MemBackend::default();
        let mut writes = vec![];
        for i in 0..(MEM_CHUNK * 2 + 7) as u32 {
            writes.push((format!("a{i:06}").into_bytes(), Some(vec![1])));
        }
        writes.push((b"b".to_vec(), Some(vec![2])));
        writes.push((b"".to_vec(), Some(vec![3])));
        mem.apply(writes).unwrap();
        let keys: Vec<_> = mem.scan(b"a").map(|e| e.unwrap().0).collect();
        assert_eq!(keys.len(), MEM_CHUNK * 2 + 7);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(mem.scan(b"").count(), MEM_CHUNK * 2 + 9);
        assert_eq!(mem.scan(b"c").count(), 0);
        assert_eq!(
            mem.get_le(b"a", b"a000003x").unwrap().unwrap().0,
            b"a000003"
        );
        assert_eq!(mem.get_le(b"a", b"a").unwrap(), None);
        assert_eq!(mem.get_le(b"b", b"bz").unwrap().unwrap().0, b"b");
        let from: Vec<_> = mem
            .scan_from(b"a", b"a000600")
            .map(|e| e.unwrap().0)
            .collect();
        assert_eq!(from.len(), MEM_CHUNK * 2 + 7 - 600);
        assert_eq!(from[0], b"a000600");
        assert_eq!(mem.scan_from(b"a", b"").count(), MEM_CHUNK * 2 + 7);
    }
}
