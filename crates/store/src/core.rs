//! The store's logic, written once over a [`Backend`].
//!
//! Keys of the data tree (see `docs/STORE.md`); ids are big-endian `u64`
//! so that key order is id order. Units and language entries live in blocks
//! of up to [`BLOCK`] entries; a block whose key holds id `k` holds ids from
//! `k` up to (not including) the next block's id.
//!
//! | key | value |
//! |---|---|
//! | `u` id | a block of encoded [`Record`]s |
//! | `l` lang `\0` id | a block of the plain texts of the units' first variant in `lang` |
//! | `n` src `\0` tgt | units of the pair, `u64` |
//! | `b` import | the encoded [`ImportInfo`] |
//! | `f` import | the identity of the file it read (`SourceFile`), when known |
//! | `c/units`, `c/next_id`, `c/next_import` | counters, `u64` |
//! | `c/seq`, `c/forgotten` | the change log's last and last forgotten sequence numbers, `u64` |
//! | `g` seq | the change log: the ids of the units that write changed |
//!
//! The source-text index that finds duplicates is not stored: it is built
//! in memory from the `l` blocks of a language the first time an import
//! needs it (one pass over the source texts, as `sources` makes) and kept
//! up to date by every write. Its keys are hashes of [`normalize`]d texts,
//! so a change of what counts as the same sentence needs no migration: the
//! next open keys every stored text by the rule of the running tmkit.

use std::{
    borrow::Cow,
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{SystemTime, UNIX_EPOCH},
};

use tmkit_core::{normalize_text, Lang, Tu, TuId, Tuv};

use crate::{
    backend::{Backend, Entries},
    codec,
    error::{corrupt, Error, Result},
    types::{
        DedupeReport, Fault, Filter, ImportInfo, ImportMeta, ImportState, OnDuplicate, PutReport,
        Record, Stats, Upgrade,
    },
};

/// The on-disk format this crate reads and writes: 2 is 1 plus the change
/// log (`c/seq`, `c/forgotten`, `g` entries), which a tmkit of format 1
/// would not write.
pub(crate) const FORMAT_VERSION: u32 = 2;

/// Entries per block. 64 units make ~10 KB blocks; decoding one unit skips
/// the others by length, so a random `get` stays cheap.
pub(crate) const BLOCK: usize = 64;

const TOTAL: &[u8] = b"c/units";
const NEXT_ID: &[u8] = b"c/next_id";
const NEXT_IMPORT: &[u8] = b"c/next_import";
/// The sequence number of the last change-log entry (0: none yet).
const SEQ: &[u8] = b"c/seq";
/// The highest sequence number whose entry was forgotten (0: none).
const FORGOTTEN: &[u8] = b"c/forgotten";
/// The prefix of change-log entries.
const LOG: &[u8] = b"g";

/// Units per atomic write when deleting or deduplicating.
const CHUNK: usize = 10_000;

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn unit_key(id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(b'u');
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn lang_prefix(lang: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(lang.len() + 10);
    k.push(b'l');
    k.extend_from_slice(lang.as_bytes());
    k.push(0);
    k
}

fn with_id(prefix: &[u8], id: u64) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn pair_key(src: &str, tgt: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(src.len() + tgt.len() + 2);
    k.push(b'n');
    k.extend_from_slice(src.as_bytes());
    k.push(0);
    k.extend_from_slice(tgt.as_bytes());
    k
}

fn import_key(id: u64) -> Vec<u8> {
    with_id(b"b", id)
}

/// The key of change-log entry `seq`.
fn log_key(seq: u64) -> Vec<u8> {
    with_id(LOG, seq)
}

/// The key of the identity of import `id`'s file.
fn source_key(id: u64) -> Vec<u8> {
    with_id(b"f", id)
}

/// The id in the last 8 bytes of a key.
fn tail_id(key: &[u8]) -> Option<u64> {
    let start = key.len().checked_sub(8)?;
    let bytes: [u8; 8] = key[start..].try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

fn block_base(key: &[u8]) -> Result<u64> {
    tail_id(key).ok_or_else(|| corrupt(format!("short block key {key:?}")))
}

fn read_u64(v: &[u8]) -> Result<u64> {
    let bytes: [u8; 8] = v
        .try_into()
        .map_err(|_| corrupt(format!("counter of {} bytes", v.len())))?;
    Ok(u64::from_be_bytes(bytes))
}

/// The form in which texts are compared for duplicates: what counts as the
/// same sentence, [`tmkit_core::normalize_text`], the rule lookup's 100
/// follows too. Takes the text so that a text already in that form (most
/// are) is not copied.
pub(crate) fn normalize(text: String) -> String {
    let changed = match normalize_text(&text) {
        Cow::Owned(norm) => Some(norm),
        Cow::Borrowed(_) => None,
    };
    changed.unwrap_or(text)
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms. Collisions
/// are harmless: candidates are compared on their text.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The source variant of a unit: its first variant in `src`, exactly.
fn source_variant<'r>(tu: &'r Tu, src: &Lang) -> Option<(usize, &'r Tuv)> {
    tu.variants.iter().enumerate().find(|(_, v)| &v.lang == src)
}

/// The normalized source text of a record and its hash.
fn source_hash(rec: &Record) -> Option<(u64, String)> {
    let (_, v) = source_variant(&rec.tu, &rec.src)?;
    let norm = normalize(v.seg.plain_text());
    Some((fnv1a(norm.as_bytes()), norm))
}

/// The (language, normalized text) of every variant but the source one.
fn targets(tu: &Tu, src: &Lang) -> BTreeSet<(String, String)> {
    let skip = source_variant(tu, src).map(|(i, _)| i);
    tu.variants
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .map(|(_, v)| (v.lang.as_str().to_string(), normalize(v.seg.plain_text())))
        .collect()
}

/// The language index entries of a record: language prefix → plain text
/// of its first variant in that language.
fn lang_entries(rec: &Record) -> BTreeMap<Vec<u8>, String> {
    let mut out = BTreeMap::new();
    for v in &rec.tu.variants {
        out.entry(lang_prefix(v.lang.as_str()))
            .or_insert_with(|| v.seg.plain_text());
    }
    out
}

/// The pairs a record counts in: its source language with each other one.
fn pairs(rec: &Record) -> BTreeSet<Vec<u8>> {
    rec.tu
        .variants
        .iter()
        .filter(|v| v.lang != rec.src)
        .map(|v| pair_key(rec.src.as_str(), v.lang.as_str()))
        .collect()
}

/// Adds `delta` to the count of every pair of `rec` in `deltas`, building
/// keys in `buf` so that a batch of units of one pair allocates one key,
/// not one per unit.
fn count_pairs(rec: &Record, delta: i64, deltas: &mut HashMap<Vec<u8>, i64>, buf: &mut Vec<u8>) {
    let variants = &rec.tu.variants;
    for (i, v) in variants.iter().enumerate() {
        if v.lang == rec.src || variants[..i].iter().any(|w| w.lang == v.lang) {
            continue;
        }
        buf.clear();
        buf.push(b'n');
        buf.extend_from_slice(rec.src.as_str().as_bytes());
        buf.push(0);
        buf.extend_from_slice(v.lang.as_str().as_bytes());
        match deltas.get_mut(buf.as_slice()) {
            Some(d) => *d += delta,
            None => {
                deltas.insert(buf.clone(), delta);
            }
        }
    }
}

/// Merges `new` into `old`: attributes and props of `new` win, notes are
/// added, segments of `new` replace those of the same language (they are
/// equal as text, the markup may be newer).
fn merge_units(old: &mut Tu, new: Tu) {
    fn merge_attrs(old: &mut Vec<tmkit_core::Attr>, new: Vec<tmkit_core::Attr>) {
        for a in new {
            match old.iter_mut().find(|o| o.name == a.name) {
                Some(o) => o.value = a.value,
                None => old.push(a),
            }
        }
    }
    fn merge_props(old: &mut Vec<tmkit_core::Prop>, new: Vec<tmkit_core::Prop>) {
        for p in new {
            if let Some(o) = old
                .iter_mut()
                .find(|o| o.label().is_some() && o.label() == p.label())
            {
                *o = p;
            } else if !old.contains(&p) {
                old.push(p);
            }
        }
    }
    fn merge_notes(old: &mut Vec<tmkit_core::Note>, new: Vec<tmkit_core::Note>) {
        for n in new {
            if !old.contains(&n) {
                old.push(n);
            }
        }
    }
    merge_attrs(&mut old.attrs, new.attrs);
    merge_props(&mut old.props, new.props);
    merge_notes(&mut old.notes, new.notes);
    for v in new.variants {
        match old.variants.iter_mut().find(|o| o.lang == v.lang) {
            Some(o) => {
                merge_attrs(&mut o.attrs, v.attrs);
                merge_props(&mut o.props, v.props);
                merge_notes(&mut o.notes, v.notes);
                o.seg = v.seg;
            }
            None => old.variants.push(v),
        }
    }
}

fn usage_of(tu: &Tu) -> u64 {
    tu.attr("usagecount")
        .and_then(|u| u.trim().parse().ok())
        .unwrap_or(0)
}

/// Source-text hash → ids, for one source language. Most hashes have one
/// id, kept inline; the rest spill into `more`.
#[derive(Default)]
struct HashIndex {
    first: HashMap<u64, u64>,
    more: HashMap<u64, Vec<u64>>,
}

impl HashIndex {
    fn ids(&self, h: u64) -> Vec<u64> {
        let mut out: Vec<u64> = self.first.get(&h).copied().into_iter().collect();
        if let Some(more) = self.more.get(&h) {
            out.extend_from_slice(more);
        }
        out
    }

    fn add(&mut self, h: u64, id: u64) {
        match self.first.get(&h) {
            None => {
                self.first.insert(h, id);
            }
            Some(&f) if f == id => {}
            Some(_) => {
                let more = self.more.entry(h).or_default();
                if !more.contains(&id) {
                    more.push(id);
                }
            }
        }
    }

    fn remove(&mut self, h: u64, id: u64) {
        if self.first.get(&h) == Some(&id) {
            match self.more.get_mut(&h).and_then(|m| m.pop()) {
                Some(next) => {
                    self.first.insert(h, next);
                }
                None => {
                    self.first.remove(&h);
                }
            }
        } else if let Some(more) = self.more.get_mut(&h) {
            more.retain(|&i| i != id);
        }
        if self.more.get(&h).is_some_and(Vec::is_empty) {
            self.more.remove(&h);
        }
    }
}

/// The format version of the store in `backend`; `None` for an empty
/// backend (a new store). Data without a version is not a tmkit store.
fn format_version<B: Backend>(backend: &B, path: &std::path::Path) -> Result<Option<u32>> {
    match backend.meta_get(b"format_version")? {
        Some(v) => v
            .as_slice()
            .try_into()
            .map(|b| Some(u32::from_be_bytes(b)))
            .map_err(|_| corrupt("format_version is not 4 bytes")),
        None if backend.scan(b"").next().is_some() => Err(Error::NotAStore {
            path: path.to_path_buf(),
            what: "it holds a database of another program: it has no format version".into(),
        }),
        None => Ok(None),
    }
}

/// The `meta` entries of a store of this format: its version and writer.
fn version_meta() -> Vec<(Vec<u8>, Vec<u8>)> {
    vec![
        (
            b"format_version".to_vec(),
            FORMAT_VERSION.to_be_bytes().to_vec(),
        ),
        (
            b"writer".to_vec(),
            concat!("tmkit-store ", env!("CARGO_PKG_VERSION")).into(),
        ),
    ]
}

/// Upgrades the store in `backend` to this format version in one atomic
/// write, then flushes: from version 1, an empty change log (`c/seq` = 0)
/// and the version; no unit is touched. A store of this version is left
/// as it is; no version (an empty backend, or another program's data) and
/// a newer version are refused.
pub(crate) fn upgrade<B: Backend>(backend: &B, path: &std::path::Path) -> Result<Upgrade> {
    match format_version(backend, path)? {
        Some(FORMAT_VERSION) => Ok(Upgrade::Current),
        Some(1) => {
            let log = vec![(SEQ.to_vec(), Some(0u64.to_be_bytes().to_vec()))];
            backend.apply_with_meta(log, version_meta())?;
            backend.flush()?;
            Ok(Upgrade::Upgraded { from: 1 })
        }
        Some(found) => Err(Error::FormatVersion {
            path: path.to_path_buf(),
            found,
            expected: FORMAT_VERSION,
        }),
        None => Err(Error::NotAStore {
            path: path.to_path_buf(),
            what: "it holds an empty database, with no format version".into(),
        }),
    }
}

/// What the writer lock guards: the in-memory source-text indexes, by
/// exact source language.
#[derive(Default)]
struct WriterState {
    hashes: HashMap<String, HashIndex>,
}

/// The logic shared by both stores.
pub(crate) struct Core<B> {
    pub(crate) backend: B,
    /// The store directory, for messages.
    path: std::path::PathBuf,
    /// Serializes writers of this handle: ids, counters and indexes are
    /// read, updated and written back under it.
    writer: Mutex<WriterState>,
}

impl<B: Backend> Core<B> {
    /// Wraps a backend, checking (or, for an empty one, writing) the format
    /// version. `path` is only for messages.
    pub(crate) fn new(backend: B, path: &std::path::Path) -> Result<Core<B>> {
        match format_version(&backend, path)? {
            Some(FORMAT_VERSION) => {}
            Some(found) => {
                return Err(Error::FormatVersion {
                    path: path.to_path_buf(),
                    found,
                    expected: FORMAT_VERSION,
                })
            }
            None => {
                // A new store: its version and an empty change log at once.
                backend.apply_with_meta(
                    vec![(SEQ.to_vec(), Some(0u64.to_be_bytes().to_vec()))],
                    version_meta(),
                )?;
                backend.flush()?;
            }
        }
        Ok(Core {
            backend,
            path: path.to_path_buf(),
            writer: Mutex::new(WriterState::default()),
        })
    }

    pub(crate) fn into_backend(self) -> B {
        self.backend
    }

    fn counter(&self, key: &[u8]) -> Result<u64> {
        self.backend.get(key)?.map_or(Ok(0), |v| read_u64(&v))
    }

    fn lock(&self) -> MutexGuard<'_, WriterState> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn import(&self, id: u64) -> Result<ImportInfo> {
        match self.backend.get(&import_key(id))? {
            Some(v) => self.with_source(codec::decode_import(id, &v)?),
            None => Err(Error::UnknownImport { id }),
        }
    }

    /// `info` with the identity of its file, when one is stored.
    fn with_source(&self, mut info: ImportInfo) -> Result<ImportInfo> {
        if let Some(v) = self.backend.get(&source_key(info.id))? {
            info.meta.source = Some(codec::decode_source(&v)?);
        }
        Ok(info)
    }

    fn open_import(&self, id: u64) -> Result<ImportInfo> {
        let info = self.import(id)?;
        if info.state != ImportState::Open {
            return Err(Error::ImportClosed {
                id,
                state: info.state.name(),
            });
        }
        Ok(info)
    }

    pub(crate) fn imports(&self) -> Result<Vec<ImportInfo>> {
        self.backend
            .scan(b"b")
            .map(|e| {
                let (k, v) = e?;
                let id = tail_id(&k).ok_or_else(|| corrupt("short import key"))?;
                self.with_source(codec::decode_import(id, &v)?)
            })
            .collect()
    }

    pub(crate) fn begin_import(&self, meta: &ImportMeta) -> Result<u64> {
        let _w = self.lock();
        let id = self.counter(NEXT_IMPORT)?;
        let info = ImportInfo {
            id,
            meta: meta.clone(),
            state: ImportState::Open,
            started: now(),
            finished: None,
            batches: 0,
            consumed: 0,
            added: 0,
            merged: 0,
            replaced: 0,
            skipped: 0,
            rejected: 0,
        };
        let mut writes = vec![
            (import_key(id), Some(codec::encode_import(&info))),
            (NEXT_IMPORT.to_vec(), Some((id + 1).to_be_bytes().to_vec())),
        ];
        if let Some(source) = &meta.source {
            writes.push((source_key(id), Some(codec::encode_source(source))));
        }
        self.backend.apply(writes)?;
        self.backend.flush()?;
        Ok(id)
    }

    /// Builds the source-text index of `src` from its language blocks if
    /// it is not built yet. Units whose `src` variant is a target are
    /// indexed too; candidates are checked against the record anyway.
    fn ensure_hashes(&self, state: &mut WriterState, src: &str) -> Result<()> {
        if state.hashes.contains_key(src) {
            return Ok(());
        }
        let mut index = HashIndex::default();
        for e in self.backend.scan(&lang_prefix(src)) {
            let (k, v) = e?;
            for (id, text) in codec::decode_block(block_base(&k)?, &v)? {
                index.add(
                    fnv1a(normalize_text(&String::from_utf8_lossy(text)).as_bytes()),
                    id,
                );
            }
        }
        state.hashes.insert(src.to_string(), index);
        Ok(())
    }

    pub(crate) fn put_batch(&self, import: u64, tus: Vec<Tu>) -> Result<PutReport> {
        let mut state = self.lock();
        let mut info = self.open_import(import)?;
        let mut txn = Txn::new(self)?;
        let mut report = PutReport::default();
        let n = tus.len() as u64;
        let policy = info.meta.policy;
        let now = now();
        // Source hashes of the units added by this batch.
        let mut fresh: HashMap<(String, u64), Vec<u64>> = HashMap::new();
        for (i, tu) in tus.into_iter().enumerate() {
            let Some(srcv) = tu.variant(&info.meta.src) else {
                report.rejected.push((
                    i,
                    format!(
                        "the unit has no variant in the source language {}",
                        info.meta.src
                    ),
                ));
                continue;
            };
            let src = srcv.lang.clone();
            let norm = normalize(srcv.seg.plain_text());
            let hash = fnv1a(norm.as_bytes());
            let usage = usage_of(&tu);
            let file = &info.meta.file;
            let new_record = |tu: Tu, id: u64| Record {
                id: TuId(id),
                tu,
                src: src.clone(),
                batch: import,
                file: file.clone(),
                created: now,
                changed: now,
                usage,
            };
            let mut same = vec![];
            if policy != OnDuplicate::KeepBoth {
                self.ensure_hashes(&mut state, src.as_str())?;
                let mut ids = state
                    .hashes
                    .get(src.as_str())
                    .map(|h| h.ids(hash))
                    .unwrap_or_default();
                if let Some(f) = fresh.get(&(src.as_str().to_string(), hash)) {
                    ids.extend_from_slice(f);
                }
                ids.sort_unstable();
                ids.dedup();
                // Stored units with the same source text (hash collisions out).
                for id in ids {
                    if let Some(rec) = txn.load(id)? {
                        if rec.src == src && source_hash(rec).is_some_and(|(_, n)| n == norm) {
                            same.push(id);
                        }
                    }
                }
            }
            let mut add = |txn: &mut Txn<'_, B>, tu: Tu| {
                let id = txn.alloc_id();
                fresh
                    .entry((src.as_str().to_string(), hash))
                    .or_default()
                    .push(id);
                txn.known_hash.insert(id, hash);
                txn.set(id, Some(new_record(tu, id)));
            };
            match policy {
                OnDuplicate::Skip if !same.is_empty() => report.skipped += 1,
                OnDuplicate::Overwrite if !same.is_empty() => {
                    let keep = same[0];
                    let created = txn.load(keep)?.map_or(now, |r| r.created);
                    let mut rec = new_record(tu, keep);
                    rec.created = created;
                    txn.set(keep, Some(rec));
                    for &other in &same[1..] {
                        txn.set(other, None);
                    }
                    report.replaced += same.len() as u64;
                }
                OnDuplicate::Merge if !same.is_empty() => {
                    let tgts = targets(&tu, &src);
                    let mut twin = None;
                    for &id in &same {
                        if let Some(rec) = txn.load(id)? {
                            if targets(&rec.tu, &rec.src) == tgts {
                                twin = Some(rec.clone());
                                break;
                            }
                        }
                    }
                    match twin {
                        Some(mut rec) => {
                            merge_units(&mut rec.tu, tu);
                            rec.changed = now;
                            rec.usage += usage;
                            txn.set(rec.id.0, Some(rec));
                            report.merged += 1;
                        }
                        None => {
                            add(&mut txn, tu);
                            report.added += 1;
                        }
                    }
                }
                _ => {
                    add(&mut txn, tu);
                    report.added += 1;
                }
            }
        }
        info.batches += 1;
        info.consumed += n;
        info.count(&report);
        txn.extra
            .push((import_key(import), Some(codec::encode_import(&info))));
        txn.commit(&mut state)?;
        Ok(report)
    }

    pub(crate) fn commit_import(&self, import: u64) -> Result<ImportInfo> {
        let _w = self.lock();
        let mut info = self.open_import(import)?;
        info.state = ImportState::Committed;
        info.finished = Some(now());
        self.backend.apply(vec![(
            import_key(import),
            Some(codec::encode_import(&info)),
        )])?;
        self.backend.flush()?;
        Ok(info)
    }

    pub(crate) fn abort_import(&self, import: u64) -> Result<u64> {
        self.open_import(import)?;
        let filter = Filter {
            import: Some(import),
            ..Filter::default()
        };
        let removed = self.delete_matching(&filter)?;
        let _w = self.lock();
        let info = ImportInfo {
            state: ImportState::Aborted,
            finished: Some(now()),
            ..self.import(import)?
        };
        self.backend.apply(vec![(
            import_key(import),
            Some(codec::encode_import(&info)),
        )])?;
        self.backend.flush()?;
        Ok(removed)
    }

    pub(crate) fn last_import(&self, key: &str) -> Result<Option<ImportInfo>> {
        Ok(self
            .imports()?
            .into_iter()
            .rev()
            .find(|i| i.meta.key() == key))
    }

    /// The block that holds (or would hold) `id` under `prefix`: its key
    /// and value.
    fn block_of(&self, prefix: &[u8], id: u64) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        self.backend.get_le(prefix, &with_id(prefix, id))
    }

    pub(crate) fn get(&self, id: TuId) -> Result<Option<Record>> {
        let Some((key, block)) = self.block_of(b"u", id.0)? else {
            return Ok(None);
        };
        for (i, payload) in codec::decode_block(block_base(&key)?, &block)? {
            if i == id.0 {
                return codec::decode_record(id, payload).map(Some);
            }
        }
        Ok(None)
    }

    /// The units of `ids` that are stored, in id order, each unit block
    /// read and decoded once for all the ids it holds.
    pub(crate) fn get_many(&self, ids: &[TuId]) -> Result<Vec<Record>> {
        let mut ids: Vec<u64> = ids.iter().map(|id| id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        // The block last read: its key's id, and its entries.
        let mut base: Option<u64> = None;
        let mut entries: Vec<(u64, Vec<u8>)> = vec![];
        for id in ids {
            // An id past the last entry of the block read may be in a later
            // block; one before it is in this block or stored nowhere.
            let past = entries.last().is_none_or(|(last, _)| id > *last);
            if past {
                let Some((key, value)) = self.block_of(b"u", id)? else {
                    continue;
                };
                let found = block_base(&key)?;
                if base == Some(found) {
                    continue; // the block already read: `id` is not stored
                }
                entries = codec::decode_block(found, &value)?
                    .into_iter()
                    .map(|(i, p)| (i, p.to_vec()))
                    .collect();
                base = Some(found);
            }
            if let Ok(i) = entries.binary_search_by_key(&id, |(i, _)| *i) {
                out.push(codec::decode_record(TuId(id), &entries[i].1)?);
            }
        }
        Ok(out)
    }

    /// The sequence number of the last change-log entry; 0 when none.
    pub(crate) fn seq(&self) -> Result<u64> {
        self.counter(SEQ)
    }

    /// The change-log entries with a sequence number above `after`, in
    /// order; an error when some of them were forgotten.
    pub(crate) fn changes(&self, after: u64) -> Result<crate::store::Iter<'_, (u64, Vec<TuId>)>> {
        let forgotten = self.counter(FORGOTTEN)?;
        if after < forgotten {
            return Err(Error::ChangesForgotten {
                path: self.path.clone(),
                after,
                forgotten,
            });
        }
        let Some(first) = after.checked_add(1) else {
            return Ok(Box::new(std::iter::empty()));
        };
        Ok(Box::new(self.backend.scan_from(LOG, &log_key(first)).map(
            |e| {
                let (k, v) = e?;
                let seq = tail_id(&k)
                    .filter(|_| k.len() == 9)
                    .ok_or_else(|| corrupt(format!("bad change-log key {k:?}")))?;
                let ids = codec::decode_ids(&v)
                    .map_err(|e| corrupt(format!("change-log entry {seq}: {e}")))?;
                Ok((seq, ids.into_iter().map(TuId).collect()))
            },
        )))
    }

    /// Drops the change-log entries up to `through` (at most the last one)
    /// in one write, and records the highest forgotten sequence number.
    pub(crate) fn forget_changes(&self, through: u64) -> Result<()> {
        let _w = self.lock();
        let through = through.min(self.counter(SEQ)?);
        let forgotten = self.counter(FORGOTTEN)?;
        if through <= forgotten {
            return Ok(());
        }
        let mut writes = vec![];
        for e in self.backend.scan_from(LOG, &log_key(forgotten + 1)) {
            let (k, _) = e?;
            if tail_id(&k).is_some_and(|seq| seq > through) {
                break;
            }
            writes.push((k, None));
        }
        writes.push((FORGOTTEN.to_vec(), Some(through.to_be_bytes().to_vec())));
        self.backend.apply(writes)
    }

    pub(crate) fn touch(&self, id: TuId) -> Result<bool> {
        let mut state = self.lock();
        let mut txn = Txn::new(self)?;
        let Some(mut rec) = txn.load(id.0)?.cloned() else {
            return Ok(false);
        };
        rec.usage += 1;
        txn.set(id.0, Some(rec));
        txn.commit(&mut state)?;
        Ok(true)
    }

    /// The stored languages that match `lang`, from the pair counters.
    fn matching_langs(&self, lang: &Lang) -> Result<Vec<String>> {
        let mut langs = BTreeSet::new();
        for e in self.backend.scan(b"n") {
            let (k, _) = e?;
            for part in k[1..].split(|&b| b == 0) {
                if let Ok(s) = std::str::from_utf8(part) {
                    langs.insert(s.to_string());
                }
            }
        }
        Ok(langs
            .into_iter()
            .filter(|l| Lang::parse(l).is_ok_and(|l| l.matches(lang)))
            .collect())
    }

    fn lang_stream(&self, lang: &Lang) -> Result<MergeById<'_>> {
        let streams = self
            .matching_langs(lang)?
            .iter()
            .map(|l| block_entries(self.backend.scan(&lang_prefix(l))))
            .collect();
        Ok(MergeById::new(streams))
    }

    pub(crate) fn sources(
        &self,
        src: &Lang,
        tgt: &Lang,
    ) -> Result<crate::store::Iter<'_, (TuId, String)>> {
        Ok(Box::new(Join {
            a: self.lang_stream(src)?.peekable(),
            b: self.lang_stream(tgt)?.peekable(),
        }))
    }

    pub(crate) fn units(&self, src: &Lang, tgt: &Lang) -> Result<crate::store::Iter<'_, Record>> {
        let mut cache: Option<(u64, Vec<u8>)> = None;
        Ok(Box::new(self.sources(src, tgt)?.filter_map(move |r| {
            let id = match r {
                Ok((id, _)) => id,
                Err(e) => return Some(Err(e)),
            };
            self.get_cached(id, &mut cache).transpose()
        })))
    }

    /// `get`, reusing the last block read when it holds `id`.
    fn get_cached(&self, id: TuId, cache: &mut Option<(u64, Vec<u8>)>) -> Result<Option<Record>> {
        if let Some((base, block)) = cache.as_ref() {
            if *base <= id.0 {
                if let Some((_, p)) = codec::decode_block(*base, block)?
                    .into_iter()
                    .find(|(i, _)| *i == id.0)
                {
                    return codec::decode_record(id, p).map(Some);
                }
            }
        }
        let Some((key, block)) = self.block_of(b"u", id.0)? else {
            return Ok(None);
        };
        let base = block_base(&key)?;
        let rec = match codec::decode_block(base, &block)?
            .into_iter()
            .find(|(i, _)| *i == id.0)
        {
            Some((_, p)) => Some(codec::decode_record(id, p)?),
            None => None,
        };
        *cache = Some((base, block));
        Ok(rec)
    }

    /// Every record, in id order.
    fn all_records(&self) -> impl Iterator<Item = Result<Record>> + '_ {
        self.backend.scan(b"u").flat_map(|e| {
            let recs: Vec<Result<Record>> = match e.and_then(|(k, v)| {
                let base = block_base(&k)?;
                codec::decode_block(base, &v)?
                    .into_iter()
                    .map(|(id, p)| codec::decode_record(TuId(id), p))
                    .collect::<Result<Vec<_>>>()
            }) {
                Ok(recs) => recs.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            recs
        })
    }

    pub(crate) fn records(&self, filter: &Filter) -> Result<crate::store::Iter<'_, Record>> {
        let filter = filter.clone();
        if !filter.ids.is_empty() {
            let mut ids = filter.ids.clone();
            ids.sort();
            ids.dedup();
            return Ok(Box::new(ids.into_iter().filter_map(
                move |id| match self.get(id) {
                    Ok(Some(r)) if filter.accepts(&r) => Some(Ok(r)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                },
            )));
        }
        Ok(Box::new(self.all_records().filter(move |r| {
            r.as_ref().map_or(true, |r| filter.accepts(r))
        })))
    }

    pub(crate) fn delete(&self, filter: &Filter) -> Result<u64> {
        if filter.is_all() {
            return Err(Error::EmptyFilter);
        }
        self.delete_matching(filter)
    }

    fn delete_matching(&self, filter: &Filter) -> Result<u64> {
        let ids: Vec<u64> = self
            .records(filter)?
            .map(|r| r.map(|r| r.id.0))
            .collect::<Result<_>>()?;
        let mut state = self.lock();
        let mut removed = 0;
        for chunk in ids.chunks(CHUNK) {
            let mut txn = Txn::new(self)?;
            for &id in chunk {
                if txn.load(id)?.is_some() {
                    txn.set(id, None);
                    removed += 1;
                }
            }
            txn.commit(&mut state)?;
        }
        self.backend.flush()?;
        Ok(removed)
    }

    pub(crate) fn dedupe(&self, policy: OnDuplicate) -> Result<DedupeReport> {
        let mut report = DedupeReport::default();
        if policy == OnDuplicate::KeepBoth {
            return Ok(report);
        }
        let mut state = self.lock();
        let mut srcs = BTreeSet::new();
        for e in self.backend.scan(b"n") {
            let (k, _) = e?;
            if let Some(src) = k[1..].split(|&b| b == 0).next() {
                srcs.insert(String::from_utf8_lossy(src).into_owned());
            }
        }
        let mut groups_of_ids = vec![];
        for src in &srcs {
            self.ensure_hashes(&mut state, src)?;
            if let Some(index) = state.hashes.get(src) {
                let mut hashes: Vec<u64> = index.more.keys().copied().collect();
                hashes.sort_unstable();
                groups_of_ids.extend(hashes.into_iter().map(|h| index.ids(h)));
            }
        }
        for chunk in groups_of_ids.chunks(CHUNK / 10) {
            let mut txn = Txn::new(self)?;
            for ids in chunk {
                // Group by exact source text: a hash may be shared.
                let mut groups: BTreeMap<(Lang, String), Vec<Record>> = BTreeMap::new();
                let mut ids = ids.clone();
                ids.sort_unstable();
                for id in ids {
                    if let Some(rec) = txn.load(id)?.cloned() {
                        if let Some((_, norm)) = source_hash(&rec) {
                            groups.entry((rec.src.clone(), norm)).or_default().push(rec);
                        }
                    }
                }
                for group in groups.into_values().filter(|g| g.len() > 1) {
                    report.groups += 1;
                    match policy {
                        OnDuplicate::Skip | OnDuplicate::Overwrite => {
                            // Skip keeps the oldest unit, overwrite the newest.
                            let keep = if policy == OnDuplicate::Skip {
                                0
                            } else {
                                group.len() - 1
                            };
                            for (i, rec) in group.iter().enumerate() {
                                if i != keep {
                                    txn.set(rec.id.0, None);
                                    report.removed += 1;
                                }
                            }
                        }
                        _ => {
                            let mut kept: Vec<Record> = vec![];
                            for rec in group {
                                let tgts = targets(&rec.tu, &rec.src);
                                match kept.iter_mut().find(|k| targets(&k.tu, &k.src) == tgts) {
                                    Some(k) => {
                                        merge_units(&mut k.tu, rec.tu);
                                        k.usage += rec.usage;
                                        k.changed = k.changed.max(rec.changed);
                                        txn.set(rec.id.0, None);
                                        report.merged += 1;
                                    }
                                    None => kept.push(rec),
                                }
                            }
                            for k in kept {
                                txn.set(k.id.0, Some(k));
                            }
                        }
                    }
                }
            }
            txn.commit(&mut state)?;
        }
        self.backend.flush()?;
        Ok(report)
    }

    pub(crate) fn stats(&self) -> Result<Stats> {
        let mut pairs = vec![];
        for e in self.backend.scan(b"n") {
            let (k, v) = e?;
            let mut parts = k[1..].splitn(2, |&b| b == 0);
            let lang = |p: Option<&[u8]>| {
                p.and_then(|p| std::str::from_utf8(p).ok())
                    .and_then(|s| Lang::parse(s).ok())
                    .ok_or_else(|| corrupt("bad pair key"))
            };
            let src = lang(parts.next())?;
            let tgt = lang(parts.next())?;
            pairs.push(((src, tgt), read_u64(&v)?));
        }
        Ok(Stats {
            units: self.counter(TOTAL)?,
            pairs,
            size_on_disk: self.backend.size_on_disk()?,
            imports: self.imports()?,
        })
    }

    pub(crate) fn check(&self) -> Result<Vec<Fault>> {
        let mut faults = vec![];
        match self.check_into(&mut faults) {
            Ok(()) => Ok(faults),
            // Damaged data stops the walk: say so, and how much can be saved.
            Err(e @ (Error::Damaged { .. } | Error::Corrupt { .. })) => {
                faults.push(Fault::Unreadable {
                    detail: e.to_string(),
                });
                let salvage = self.salvage(&mut |_| Ok(()))?;
                faults.push(Fault::Unreadable {
                    detail: format!(
                        "{} units can still be read; {}",
                        salvage.units,
                        match salvage.lost.is_empty() {
                            true => "no unit is lost".to_string(),
                            false => format!("lost: {}", salvage.lost.join("; ")),
                        }
                    ),
                });
                Ok(faults)
            }
            Err(e) => Err(e),
        }
    }

    /// Every unit that can be read, in id order, walking the unit blocks
    /// one key at a time so that a page sled cannot read costs only the
    /// units it holds: after a failed read, the walk jumps ahead by 64 ids,
    /// then 128, 256… until a read succeeds.
    pub(crate) fn salvage(
        &self,
        save: &mut dyn FnMut(Record) -> Result<()>,
    ) -> Result<crate::store::Salvage> {
        let mut report = crate::store::Salvage::default();
        let mut next = 0u64;
        let mut step = BLOCK as u64;
        // The first id of a run of unreadable ids, while in one.
        let mut lost_from: Option<(u64, String)> = None;
        loop {
            match self.backend.get_ge(&unit_key(next)) {
                Ok(Some((k, v))) if k.len() == 9 && k[0] == b'u' => {
                    let base = block_base(&k)?;
                    if let Some((from, why)) = lost_from.take() {
                        report.lost.push(format!(
                            "units {from} to {} cannot be read ({why})",
                            base.saturating_sub(1)
                        ));
                    }
                    step = BLOCK as u64;
                    match codec::decode_block(base, &v) {
                        Ok(entries) => {
                            for (id, payload) in entries {
                                match codec::decode_record(TuId(id), payload) {
                                    Ok(rec) => {
                                        save(rec)?;
                                        report.units += 1;
                                    }
                                    Err(e) => report.lost.push(format!("unit {id}: {e}")),
                                }
                            }
                        }
                        Err(e) => report.lost.push(format!("block of unit {base}: {e}")),
                    }
                    match base.checked_add(1) {
                        Some(n) => next = n,
                        None => break,
                    }
                }
                Ok(_) => break,
                Err(e) => {
                    lost_from.get_or_insert_with(|| (next, e.to_string()));
                    match next.checked_add(step) {
                        Some(n) => next = n,
                        None => break,
                    }
                    step = step.saturating_mul(2);
                }
            }
        }
        if let Some((from, why)) = lost_from {
            report
                .lost
                .push(format!("units from {from} on cannot be read ({why})"));
        }
        Ok(report)
    }

    fn check_into(&self, faults: &mut Vec<Fault>) -> Result<()> {
        let next_id = self.counter(NEXT_ID)?;
        let mut imports = BTreeSet::new();
        for e in self.backend.scan(b"b") {
            let (k, v) = e?;
            match tail_id(&k).filter(|_| k.len() == 9) {
                Some(id) => match codec::decode_import(id, &v) {
                    Ok(_) => {
                        imports.insert(id);
                    }
                    Err(e) => faults.push(Fault::Other {
                        detail: format!("import {id} cannot be decoded: {e}"),
                    }),
                },
                None => faults.push(Fault::Other {
                    detail: format!("bad import key {k:?}"),
                }),
            }
        }
        let mut counted: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        let mut total = 0u64;
        // Language blocks last read, by language prefix: units come in id
        // order, so most lookups hit the cached block.
        let mut lang_cache: LangCache = HashMap::new();
        // Language entries found right, per language: when a language holds
        // no more entries than these, none of its entries can dangle.
        let mut found_ok: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut last_id = None;
        for e in self.backend.scan(b"u") {
            let (k, v) = e?;
            let Some(base) = tail_id(&k).filter(|_| k.len() == 9) else {
                faults.push(Fault::Other {
                    detail: format!("bad unit key {k:?}"),
                });
                continue;
            };
            let entries = match codec::decode_block(base, &v) {
                Ok(entries) => entries,
                Err(e) => {
                    faults.push(Fault::Undecodable {
                        id: TuId(base),
                        reason: format!("block {base}: {e}"),
                    });
                    continue;
                }
            };
            for (id, payload) in entries {
                if last_id.is_some_and(|l| l >= id) {
                    faults.push(Fault::Other {
                        detail: format!("unit {id} is stored out of order"),
                    });
                }
                last_id = Some(id);
                let rec = match codec::decode_record(TuId(id), payload) {
                    Ok(r) => r,
                    Err(e) => {
                        faults.push(Fault::Undecodable {
                            id: TuId(id),
                            reason: e.to_string(),
                        });
                        continue;
                    }
                };
                total += 1;
                if id >= next_id {
                    faults.push(Fault::Other {
                        detail: format!("unit {id} is beyond the id counter {next_id}"),
                    });
                }
                if !imports.contains(&rec.batch) {
                    faults.push(Fault::Other {
                        detail: format!("unit {id} names import {} which is not stored", rec.batch),
                    });
                }
                if source_variant(&rec.tu, &rec.src).is_none() {
                    faults.push(Fault::Other {
                        detail: format!(
                            "unit {id} has no variant in its source language {}",
                            rec.src
                        ),
                    });
                }
                for (prefix, text) in lang_entries(&rec) {
                    let cached = lang_cache
                        .get(&prefix)
                        .is_some_and(|(b, m)| *b <= id && m.contains_key(&id));
                    if !cached {
                        let mut map = HashMap::new();
                        let mut block_base_id = 0;
                        if let Some((bk, bv)) = self.block_of(&prefix, id)? {
                            block_base_id = block_base(&bk)?;
                            if let Ok(entries) = codec::decode_block(block_base_id, &bv) {
                                map = entries.into_iter().map(|(i, t)| (i, t.to_vec())).collect();
                            }
                        }
                        lang_cache.insert(prefix.clone(), (block_base_id, map));
                    }
                    let lang = String::from_utf8_lossy(&prefix[1..prefix.len() - 1]).into_owned();
                    match lang_cache.get(&prefix).and_then(|(_, m)| m.get(&id)) {
                        Some(t) if t == text.as_bytes() => {
                            *found_ok.entry(prefix).or_default() += 1;
                        }
                        Some(_) => faults.push(Fault::MissingIndex {
                            index: "language",
                            id: rec.id,
                            detail: format!("the {lang} entry holds another text"),
                        }),
                        None => faults.push(Fault::MissingIndex {
                            index: "language",
                            id: rec.id,
                            detail: format!("no {lang} entry"),
                        }),
                    }
                }
                for p in pairs(&rec) {
                    *counted.entry(p).or_default() += 1;
                }
            }
        }
        // Count the entries of each language; only languages with more
        // entries than were found right (or with damaged blocks) are checked
        // entry by entry. This halves the time of `check` on a sound store.
        let mut present: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        let mut suspect: BTreeSet<Vec<u8>> = BTreeSet::new();
        for e in self.backend.scan(b"l") {
            let (k, v) = e?;
            let Some(base) = tail_id(&k).filter(|_| k.len() >= 10 && k[k.len() - 9] == 0) else {
                faults.push(Fault::Other {
                    detail: format!("bad language key {k:?}"),
                });
                continue;
            };
            let prefix = k[..k.len() - 8].to_vec();
            match codec::decode_block(base, &v) {
                Ok(entries) => *present.entry(prefix).or_default() += entries.len() as u64,
                Err(e) => {
                    faults.push(Fault::Other {
                        detail: format!("language block {k:?} cannot be decoded: {e}"),
                    });
                    suspect.insert(prefix);
                }
            }
        }
        let mut unit_cache = None;
        for (prefix, n) in present {
            if found_ok.get(&prefix) == Some(&n) && !suspect.contains(&prefix) {
                continue;
            }
            for e in self.backend.scan(&prefix) {
                let (k, v) = e?;
                let Ok(entries) = codec::decode_block(block_base(&k)?, &v) else {
                    continue; // reported above
                };
                for (id, text) in entries {
                    let detail = match self.get_cached(TuId(id), &mut unit_cache) {
                        Ok(Some(rec)) => match lang_entries(&rec).get(&prefix) {
                            Some(t) if t.as_bytes() == text => continue,
                            Some(_) => "the entry holds another text than the unit".to_string(),
                            None => "the unit has no variant in that language".to_string(),
                        },
                        Ok(None) => "no such unit".to_string(),
                        Err(_) => continue, // reported as undecodable above
                    };
                    faults.push(Fault::DanglingIndex {
                        index: "language",
                        id: TuId(id),
                        detail,
                    });
                }
            }
        }
        let stored_total = self.counter(TOTAL)?;
        if stored_total != total {
            faults.push(Fault::Count {
                what: "units".into(),
                stored: stored_total,
                counted: total,
            });
        }
        let mut stored: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        for e in self.backend.scan(b"n") {
            let (k, v) = e?;
            stored.insert(k, read_u64(&v)?);
        }
        let keys: BTreeSet<&Vec<u8>> = stored.keys().chain(counted.keys()).collect();
        for k in keys {
            let (s, c) = (
                stored.get(k).copied().unwrap_or(0),
                counted.get(k).copied().unwrap_or(0),
            );
            if s != c {
                let what = String::from_utf8_lossy(&k[1..]).replace('\0', " → ");
                faults.push(Fault::Count {
                    what: format!("pair {what}"),
                    stored: s,
                    counted: c,
                });
            }
        }
        Ok(())
    }
}

/// The (id, text) entries of a scan over language blocks.
fn block_entries(scan: Entries<'_>) -> TextStream<'_> {
    Box::new(scan.flat_map(|e| {
        let out: Vec<Result<(u64, String)>> = match e.and_then(|(k, v)| {
            let base = block_base(&k)?;
            codec::decode_block(base, &v)?
                .into_iter()
                .map(|(id, t)| {
                    String::from_utf8(t.to_vec())
                        .map(|t| (id, t))
                        .map_err(|_| corrupt("language entry is not UTF-8"))
                })
                .collect::<Result<Vec<_>>>()
        }) {
            Ok(v) => v.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        out
    }))
}

/// One (id, text) language entry, or why it could not be read.
type TextEntry = Result<(u64, String)>;

/// A stream of (id, text) language entries in id order.
type TextStream<'a> = Box<dyn Iterator<Item = Result<(u64, String)>> + 'a>;

/// Language blocks read by `check`: prefix → (block id, id → text).
type LangCache = HashMap<Vec<u8>, (u64, HashMap<u64, Vec<u8>>)>;

/// Edits of stored blocks: block key → entries (id → payload).
type BlockEdits = BTreeMap<Vec<u8>, BTreeMap<u64, Vec<u8>>>;

/// The changes of one atomic write, built in memory then applied at once.
struct Txn<'c, B> {
    core: &'c Core<B>,
    /// State before the write of every touched unit.
    orig: HashMap<u64, Option<Record>>,
    /// State after the write of every touched unit.
    cur: BTreeMap<u64, Option<Record>>,
    next_id: u64,
    start_id: u64,
    extra: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Source hashes of new units, known from the import, so that commit
    /// does not normalize their text again (5% of an import's time).
    known_hash: HashMap<u64, u64>,
}

impl<'c, B: Backend> Txn<'c, B> {
    fn new(core: &'c Core<B>) -> Result<Txn<'c, B>> {
        let next_id = core.counter(NEXT_ID)?;
        Ok(Txn {
            core,
            orig: HashMap::new(),
            cur: BTreeMap::new(),
            next_id,
            start_id: next_id,
            extra: vec![],
            known_hash: HashMap::new(),
        })
    }

    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.orig.insert(id, None);
        self.cur.insert(id, None);
        id
    }

    fn load(&mut self, id: u64) -> Result<Option<&Record>> {
        if !self.cur.contains_key(&id) {
            let rec = self.core.get(TuId(id))?;
            self.orig.insert(id, rec.clone());
            self.cur.insert(id, rec);
        }
        Ok(self.cur.get(&id).and_then(Option::as_ref))
    }

    /// Sets unit `id` (loaded or allocated before) to `rec`; `None` removes it.
    fn set(&mut self, id: u64, rec: Option<Record>) {
        self.cur.insert(id, rec);
    }

    /// The stored block under `prefix` that holds (or would hold) `id`, for
    /// editing; a new block keyed by `id` when there is none.
    fn edit<'e>(
        &self,
        edits: &'e mut BlockEdits,
        prefix: &[u8],
        id: u64,
    ) -> Result<&'e mut BTreeMap<u64, Vec<u8>>> {
        let key = with_id(prefix, id);
        let in_edits = edits
            .range(prefix.to_vec()..=key.clone())
            .next_back()
            .map(|(k, _)| k.clone());
        let stored = self.core.backend.get_le(prefix, &key)?;
        let chosen = match (in_edits, stored) {
            (Some(e), Some((s, _))) if e >= s => e,
            (_, Some((s, v))) => {
                let base = block_base(&s)?;
                let entries = codec::decode_block(base, &v)?
                    .into_iter()
                    .map(|(i, p)| (i, p.to_vec()))
                    .collect();
                edits.insert(s.clone(), entries);
                s
            }
            (Some(e), None) => e,
            (None, None) => {
                edits.insert(key.clone(), BTreeMap::new());
                key
            }
        };
        edits
            .get_mut(&chosen)
            .ok_or_else(|| corrupt("edited block vanished"))
    }

    fn commit(self, state: &mut WriterState) -> Result<()> {
        let mut writes: Vec<(Vec<u8>, Option<Vec<u8>>)> =
            Vec::with_capacity(self.cur.len() / 16 + 16);
        let mut edits: BlockEdits = BTreeMap::new();
        let mut new_units: Vec<(u64, Vec<u8>)> = vec![];
        let mut new_langs: BTreeMap<String, Vec<(u64, Vec<u8>)>> = BTreeMap::new();
        let mut buf = Vec::with_capacity(32);
        let mut deltas: HashMap<Vec<u8>, i64> = HashMap::new();
        let mut total: i64 = 0;
        // The ids whose record this write adds, changes or removes, for the
        // change log; ascending, as `cur` is.
        let mut changed: Vec<u64> = vec![];
        for (&id, new) in &self.cur {
            let old = self.orig.get(&id).and_then(Option::as_ref);
            // Loaded and left as it was (a duplicate candidate that did not
            // match): nothing to write, nothing to log.
            if old == new.as_ref() {
                continue;
            }
            changed.push(id);
            if let Some(old) = old {
                count_pairs(old, -1, &mut deltas, &mut buf);
            }
            if let Some(new) = new {
                count_pairs(new, 1, &mut deltas, &mut buf);
            }
            total += i64::from(new.is_some()) - i64::from(old.is_some());
            if id >= self.start_id {
                if let Some(rec) = new {
                    new_units.push((id, codec::encode_record(rec)));
                    // As `lang_entries`, without a map and a key per unit.
                    let variants = &rec.tu.variants;
                    for (i, v) in variants.iter().enumerate() {
                        if variants[..i].iter().any(|w| w.lang == v.lang) {
                            continue;
                        }
                        let text = v.seg.plain_text().into_bytes();
                        match new_langs.get_mut(v.lang.as_str()) {
                            Some(list) => list.push((id, text)),
                            None => {
                                new_langs.insert(v.lang.as_str().to_string(), vec![(id, text)]);
                            }
                        }
                    }
                }
                continue;
            }
            let new_entries = new.as_ref().map(lang_entries).unwrap_or_default();
            let block = self.edit(&mut edits, b"u", id)?;
            match new {
                Some(rec) => block.insert(id, codec::encode_record(rec)),
                None => block.remove(&id),
            };
            let old_entries = old.map(lang_entries).unwrap_or_default();
            for prefix in old_entries.keys().filter(|k| !new_entries.contains_key(*k)) {
                self.edit(&mut edits, prefix, id)?.remove(&id);
            }
            for (prefix, text) in new_entries {
                if old_entries.get(&prefix) != Some(&text) {
                    self.edit(&mut edits, &prefix, id)?
                        .insert(id, text.into_bytes());
                }
            }
        }
        for (key, entries) in edits {
            let base = block_base(&key)?;
            let value = (!entries.is_empty()).then(|| {
                codec::encode_block(base, entries.iter().map(|(i, p)| (*i, p.as_slice())))
            });
            writes.push((key, value));
        }
        for chunk in new_units.chunks(BLOCK) {
            let base = chunk[0].0;
            writes.push((
                unit_key(base),
                Some(codec::encode_block(
                    base,
                    chunk.iter().map(|(i, p)| (*i, p.as_slice())),
                )),
            ));
        }
        for (lang, entries) in new_langs {
            let prefix = lang_prefix(&lang);
            for chunk in entries.chunks(BLOCK) {
                let base = chunk[0].0;
                let block =
                    codec::encode_block(base, chunk.iter().map(|(i, p)| (*i, p.as_slice())));
                writes.push((with_id(&prefix, base), Some(block)));
            }
        }
        deltas.insert(TOTAL.to_vec(), total);
        for (key, delta) in deltas {
            if delta == 0 {
                continue;
            }
            let value = self.core.counter(&key)? as i64 + delta;
            writes.push((
                key,
                (value > 0).then(|| (value as u64).to_be_bytes().to_vec()),
            ));
        }
        if self.next_id != self.start_id {
            writes.push((NEXT_ID.to_vec(), Some(self.next_id.to_be_bytes().to_vec())));
        }
        if !changed.is_empty() {
            // One change-log entry per write, in the same atomic batch as
            // the units: a crash keeps both or neither.
            let seq = self.core.counter(SEQ)? + 1;
            writes.push((SEQ.to_vec(), Some(seq.to_be_bytes().to_vec())));
            writes.push((log_key(seq), Some(codec::encode_ids(&changed))));
        }
        writes.extend(self.extra);
        if let Err(e) = self.core.backend.apply(writes) {
            // The indexes may now disagree with the store: rebuild them.
            state.hashes.clear();
            return Err(e);
        }
        for (id, new) in &self.cur {
            let old = self.orig.get(id).and_then(Option::as_ref);
            for (rec, adding) in [(old, false), (new.as_ref(), true)] {
                let Some(rec) = rec else { continue };
                let Some(index) = state.hashes.get_mut(rec.src.as_str()) else {
                    continue;
                };
                let known = if adding && *id >= self.start_id {
                    self.known_hash.get(id).copied()
                } else {
                    None
                };
                if let Some(h) = known.or_else(|| source_hash(rec).map(|(h, _)| h)) {
                    if adding {
                        index.add(h, *id);
                    } else {
                        index.remove(h, *id);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Entries of several language streams merged by id; an id met twice (a
/// unit with variants in two matching languages) is given once.
struct MergeById<'a> {
    heads: Vec<(Option<TextEntry>, TextStream<'a>)>,
    last: Option<u64>,
}

impl<'a> MergeById<'a> {
    fn new(streams: Vec<TextStream<'a>>) -> MergeById<'a> {
        let heads = streams.into_iter().map(|mut s| (s.next(), s)).collect();
        MergeById { heads, last: None }
    }
}

impl Iterator for MergeById<'_> {
    type Item = Result<(u64, String)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            // An error comes out first; otherwise the smallest id.
            let i = self
                .heads
                .iter()
                .enumerate()
                .filter_map(|(i, (h, _))| match h {
                    Some(Ok((id, _))) => Some((*id, i)),
                    Some(Err(_)) => Some((0, i)),
                    None => None,
                })
                .min()?
                .1;
            let (head, stream) = &mut self.heads[i];
            let taken = std::mem::replace(head, stream.next());
            match taken {
                Some(Ok((id, text))) if self.last != Some(id) => {
                    self.last = Some(id);
                    return Some(Ok((id, text)));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Some(Err(e)),
                None => {}
            }
        }
    }
}

/// Ids present in both streams, with the text of the first.
struct Join<'a> {
    a: std::iter::Peekable<MergeById<'a>>,
    b: std::iter::Peekable<MergeById<'a>>,
}

impl Iterator for Join<'_> {
    type Item = Result<(TuId, String)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let ida = match self.a.peek()? {
                Ok((id, _)) => *id,
                Err(_) => return self.a.next().map(|r| r.map(|(id, t)| (TuId(id), t))),
            };
            let idb = match self.b.peek()? {
                Ok((id, _)) => *id,
                Err(_) => return self.b.next().map(|r| r.map(|(id, t)| (TuId(id), t))),
            };
            match ida.cmp(&idb) {
                std::cmp::Ordering::Less => {
                    self.a.next();
                }
                std::cmp::Ordering::Greater => {
                    self.b.next();
                }
                std::cmp::Ordering::Equal => {
                    self.b.next();
                    return self.a.next().map(|r| r.map(|(id, t)| (TuId(id), t)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_index_keeps_every_id() {
        let mut h = HashIndex::default();
        h.add(1, 10);
        h.add(1, 11);
        h.add(1, 12);
        h.add(2, 20);
        h.add(1, 11);
        let mut ids = h.ids(1);
        ids.sort();
        assert_eq!(ids, [10, 11, 12]);
        h.remove(1, 10);
        let mut ids = h.ids(1);
        ids.sort();
        assert_eq!(ids, [11, 12]);
        h.remove(1, 12);
        h.remove(1, 11);
        assert!(h.ids(1).is_empty() && h.more.is_empty());
        assert_eq!(h.ids(2), [20]);
    }

    #[test]
    fn normalize_is_the_one_rule_and_fnv_is_stable() {
        assert_eq!(normalize("  a \t b\n".into()), "a b");
        // NFC, typographic apostrophe: the same sentence as lookup's 100.
        assert_eq!(normalize("L\u{2019}e\u{301}te\u{301}".into()), "L'été");
        // FNV-1a test vectors: the hash is part of nothing on disk, but a
        // change would still be a surprise.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    /// A backend that counts the blocks read by `get_le`, the read that
    /// finds the block holding an id.
    struct Counting {
        inner: crate::backend::MemBackend,
        reads: std::sync::atomic::AtomicUsize,
    }

    impl Backend for Counting {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
            self.inner.get(key)
        }
        fn scan_from(&self, prefix: &[u8], from: &[u8]) -> Entries<'_> {
            self.inner.scan_from(prefix, from)
        }
        fn get_le(&self, prefix: &[u8], key: &[u8]) -> Result<Option<crate::backend::Entry>> {
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.inner.get_le(prefix, key)
        }
        fn get_ge(&self, key: &[u8]) -> Result<Option<crate::backend::Entry>> {
            self.inner.get_ge(key)
        }
        fn apply(&self, writes: Vec<crate::backend::Write>) -> Result<()> {
            self.inner.apply(writes)
        }
        fn apply_with_meta(
            &self,
            writes: Vec<crate::backend::Write>,
            meta: Vec<(Vec<u8>, Vec<u8>)>,
        ) -> Result<()> {
            self.inner.apply_with_meta(writes, meta)
        }
        fn flush(&self) -> Result<()> {
            self.inner.flush()
        }
        fn size_on_disk(&self) -> Result<u64> {
            self.inner.size_on_disk()
        }
        fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
            self.inner.meta_get(key)
        }
    }

    #[test]
    fn get_many_reads_each_block_once() {
        let backend = Counting {
            inner: crate::backend::MemBackend::default(),
            reads: 0.into(),
        };
        let core = Core::new(backend, std::path::Path::new("<memory>")).unwrap();
        let (en, fr) = (Lang::parse("en").unwrap(), Lang::parse("fr").unwrap());
        let import = core
            .begin_import(&ImportMeta::new("m", en.clone()).policy(OnDuplicate::KeepBoth))
            .unwrap();
        let tus = (0..10_000)
            .map(|i| Tu::bilingual(en.clone(), format!("s{i}").as_str(), fr.clone(), "t"))
            .collect();
        core.put_batch(import, tus).unwrap();
        let reads = || {
            core.backend
                .reads
                .load(std::sync::atomic::Ordering::Relaxed)
        };
        let before = reads();
        let ids: Vec<TuId> = (0..10_000).map(TuId).collect();
        let got = core.get_many(&ids).unwrap();
        assert_eq!(got.len(), 10_000);
        assert!(got.iter().zip(0..).all(|(r, i)| r.id == TuId(i)));
        // 10,000 units in blocks of 64: 157 blocks, one read each.
        assert_eq!(reads() - before, 10_000usize.div_ceil(BLOCK));
    }
}
