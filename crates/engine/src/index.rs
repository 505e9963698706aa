//! The match index on disk, beside the store (docs/STORE.md, "The match
//! index"): for each language pair and scorer, immutable index segments
//! (`tmkit_fuzzy::Segment`, memory-mapped, never rebuilt at open), the
//! deletions made since they were written, and a manifest naming them and
//! the store's change sequence number they reflect. Every write to the store
//! logs the units it changed; the index catches up from that log, so it can
//! be behind the store (until the writer flushes it, or after a crash) but
//! never disagree with it once caught up.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    fs::{self, File},
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use serde::{Deserialize, Serialize};
use tmkit_core::{Lang, TuId};
use tmkit_fuzzy::{IndexBuilder, Scorer, Segment, SegmentWriter};
use tmkit_store::{Fault, Filter, Record, Store};

use crate::{
    align::CONFIDENCE_PROP,
    sharing::{self, Event},
    Error, Result,
};

/// The index's directory inside the store directory.
pub(crate) const DIR: &str = "index";
/// The manifest: which segments and deletions make the index.
const MANIFEST: &str = "manifest.json";
/// Present while a writer may have changed the store without the index
/// catching up yet; holds the writer's pid.
const STALE: &str = "stale";
/// The index layout this build writes and reads (docs/STORE.md).
pub const INDEX_FORMAT_VERSION: u32 = 1;
/// Records per segment at most: what building one costs in memory (about
/// 0.85 KB per record at its peak) bounds an import's memory.
pub(crate) const SEGMENT_RECORDS: usize = 250_000;
/// Units read back from the store at a time.
const READ_CHUNK: usize = 8_192;
/// The first bytes of a deletions file.
const DEL_MAGIC: &[u8; 8] = b"TMKDEL01";

/// One set of segments: the sources in language `src` of the units that
/// have a variant in `tgt` too, ranked by `scorer`. Tags are exact.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct SetKey {
    pub(crate) src: String,
    pub(crate) tgt: String,
    pub(crate) scorer: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SegmentEntry {
    file: String,
    /// Unique within the store; deletions name the segment a key lives in.
    gen: u64,
    records: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SetEntry {
    #[serde(flatten)]
    key: SetKey,
    segments: Vec<SegmentEntry>,
    /// The deletions file, when there are deletions.
    deletions: Option<String>,
    /// How many keys are live (records not deleted).
    live: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    /// Every change of the store up to this sequence number is in the index.
    seq: u64,
    /// The next number for a segment or deletions file.
    next_file: u64,
    /// The (source, target) tag pairs of the store's units: a lookup in a
    /// pair needs a set for each pair it matches.
    pairs: BTreeSet<(String, String)>,
    sets: Vec<SetEntry>,
}

impl Manifest {
    fn empty() -> Manifest {
        Manifest {
            format: INDEX_FORMAT_VERSION,
            seq: 0,
            next_file: 1,
            pairs: BTreeSet::new(),
            sets: Vec::new(),
        }
    }
}

/// A set as lookups read it.
pub(crate) struct LoadedSet {
    pub(crate) key: SetKey,
    pub(crate) scorer: Scorer,
    pub(crate) segments: Vec<Segment>,
    gens: Vec<u64>,
    /// Key → the generation of the segment holding its live record, or 0
    /// when it has none; keys not here are live wherever they are.
    deleted: Arc<HashMap<u64, u64>>,
    pub(crate) live: u64,
    /// The largest key of any segment (0 when none): a key above it is in
    /// none.
    max_key: u64,
}

impl LoadedSet {
    fn new(key: SetKey, scorer: Scorer) -> LoadedSet {
        LoadedSet {
            key,
            scorer,
            segments: vec![],
            gens: vec![],
            deleted: Arc::new(HashMap::new()),
            live: 0,
            max_key: 0,
        }
    }

    /// Sets `max_key` from the segments (each holds ascending keys).
    fn with_max_key(mut self) -> Result<LoadedSet> {
        let mut max = 0;
        for s in &self.segments {
            if let Some(last) = s.len().checked_sub(1) {
                max = max.max(s.record(last)?.0);
            }
        }
        self.max_key = max;
        Ok(self)
    }

    /// Whether the record of `key` in segment number `i` is live.
    pub(crate) fn is_live(&self, i: usize, key: u64) -> bool {
        self.deleted
            .get(&key)
            .is_none_or(|&g| self.gens.get(i) == Some(&g))
    }

    /// The segments (numbers) holding a record of `key`.
    fn holders(&self, key: u64) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        if key > self.max_key {
            return Ok(out);
        }
        for (i, s) in self.segments.iter().enumerate() {
            if s.find_key(key)?.is_some() {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// The index size on disk.
    pub(crate) fn bytes(&self) -> usize {
        self.segments.iter().map(Segment::size_bytes).sum()
    }
}

/// The index at one sequence number: what a `Memory` holds.
pub(crate) struct Snapshot {
    pub(crate) seq: u64,
    pairs: BTreeSet<(String, String)>,
    pub(crate) sets: Vec<Arc<LoadedSet>>,
}

impl Snapshot {
    fn empty() -> Snapshot {
        Snapshot {
            seq: 0,
            pairs: BTreeSet::new(),
            sets: Vec::new(),
        }
    }

    /// The sets a lookup from `src` to `tgt` with `scorer` reads, or the
    /// keys of those still to build.
    pub(crate) fn sets_for(
        &self,
        src: &Lang,
        tgt: &Lang,
        scorer: Scorer,
    ) -> std::result::Result<Vec<Arc<LoadedSet>>, Vec<SetKey>> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for (s, t) in &self.pairs {
            if !(tag_matches(src, s) && tag_matches(tgt, t)) {
                continue;
            }
            let key = SetKey {
                src: s.clone(),
                tgt: t.clone(),
                scorer: scorer.name().to_string(),
            };
            match self.sets.iter().find(|set| set.key == key) {
                Some(set) => found.push(set.clone()),
                None => missing.push(key),
            }
        }
        if missing.is_empty() {
            Ok(found)
        } else {
            Err(missing)
        }
    }
}

fn tag_matches(lang: &Lang, tag: &str) -> bool {
    Lang::parse(tag).is_ok_and(|t| lang.matches(&t))
}

/// What a unit gives the index: for each ordered pair of its languages
/// (the first variant of each exact tag), the source text and the payload
/// (the target text, then `\0` and the alignment confidence if it has one;
/// XML text never holds `\0`).
fn entries(rec: &Record) -> Vec<(String, String, String, Vec<u8>)> {
    let mut firsts: Vec<(&str, String)> = Vec::new();
    for v in &rec.tu.variants {
        if !firsts.iter().any(|(l, _)| *l == v.lang.as_str()) {
            firsts.push((v.lang.as_str(), v.seg.plain_text()));
        }
    }
    let confidence = rec.tu.prop(CONFIDENCE_PROP);
    let mut out = Vec::new();
    for (s, text) in &firsts {
        for (t, target) in &firsts {
            if s == t {
                continue;
            }
            let mut payload = target.as_bytes().to_vec();
            if let Some(c) = confidence {
                payload.push(0);
                payload.extend_from_slice(c.as_bytes());
            }
            out.push((s.to_string(), t.to_string(), text.clone(), payload));
        }
    }
    out
}

/// A payload's target text and alignment confidence.
pub(crate) fn split_payload(payload: &[u8]) -> (String, Option<f64>) {
    let (target, confidence) = match payload.iter().position(|&b| b == 0) {
        Some(at) => (&payload[..at], Some(&payload[at + 1..])),
        None => (payload, None),
    };
    (
        String::from_utf8_lossy(target).into_owned(),
        confidence.and_then(|c| std::str::from_utf8(c).ok()?.parse().ok()),
    )
}

fn scorer_of(name: &str) -> Result<Scorer> {
    Scorer::from_name(name).map_err(|e| Error::Usage(format!("match index: {e}")))
}

fn builder(scorer: Scorer) -> IndexBuilder {
    // As `Tm::memory` always did: chars postings serve exact matches, other
    // thresholds scan (docs/BENCHMARKS.md).
    let min = if scorer == Scorer::Chars { 100 } else { 50 };
    IndexBuilder::new().scorer(scorer).min_indexed(min)
}

fn io<'p>(path: &'p Path, op: &'static str) -> impl FnOnce(std::io::Error) -> Error + 'p {
    move |e| Error::io(path, op, e)
}

fn damaged(path: &Path, problem: impl std::fmt::Display) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        problem: problem.to_string(),
    }
}

/// Writes `bytes` to `path` through a synced temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, "write", e));
    }
    fs::rename(&tmp, path).map_err(io(path, "rename into place"))?;
    sync_dir(path)
}

fn sync_dir(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir, "sync"))?;
    }
    Ok(())
}

fn encode_deletions(deleted: &HashMap<u64, u64>) -> Vec<u8> {
    let mut pairs: Vec<(u64, u64)> = deleted.iter().map(|(&k, &g)| (k, g)).collect();
    pairs.sort_unstable();
    let mut out = Vec::with_capacity(12 + pairs.len() * 16);
    out.extend_from_slice(DEL_MAGIC);
    for (k, g) in pairs {
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&g.to_le_bytes());
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn decode_deletions(path: &Path, bytes: &[u8]) -> Result<HashMap<u64, u64>> {
    let body_len = bytes.len().checked_sub(4).filter(|&n| n >= 8);
    let Some(n) = body_len.filter(|n| (n - 8) % 16 == 0) else {
        return Err(damaged(path, "a deletions file of a wrong length"));
    };
    if &bytes[..8] != DEL_MAGIC {
        return Err(damaged(path, "not a deletions file"));
    }
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[n..]);
    if crc32fast::hash(&bytes[..n]) != u32::from_le_bytes(crc) {
        return Err(damaged(path, "deletions checksum mismatch"));
    }
    let mut out = HashMap::with_capacity((n - 8) / 16);
    for pair in bytes[8..n].chunks_exact(16) {
        let mut k = [0u8; 8];
        let mut g = [0u8; 8];
        k.copy_from_slice(&pair[..8]);
        g.copy_from_slice(&pair[8..]);
        out.insert(u64::from_le_bytes(k), u64::from_le_bytes(g));
    }
    Ok(out)
}

/// Reads the manifest of the index in `dir` (the index directory), opening
/// its segments (those in `cache` are reused). `None` when there is no
/// index.
fn load(dir: &Path, cache: &HashMap<String, Segment>) -> Result<Option<(Manifest, Snapshot)>> {
    let path = dir.join(MANIFEST);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, "read", e)),
    };
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| damaged(&path, format!("manifest: {e}")))?;
    if manifest.format != INDEX_FORMAT_VERSION {
        return Err(damaged(
            &path,
            format!(
                "layout version {}, this tmkit reads version {INDEX_FORMAT_VERSION}",
                manifest.format
            ),
        ));
    }
    let mut sets = Vec::with_capacity(manifest.sets.len());
    for set in &manifest.sets {
        let scorer = scorer_of(&set.key.scorer)?;
        let mut segments = Vec::with_capacity(set.segments.len());
        for s in &set.segments {
            let segment = match cache.get(&s.file) {
                Some(seg) => seg.clone(),
                None => Segment::open_file(&dir.join(&s.file))?,
            };
            if segment.len() as u64 != s.records || segment.scorer() != scorer {
                return Err(damaged(
                    &dir.join(&s.file),
                    "the segment does not hold what the manifest says",
                ));
            }
            segments.push(segment);
        }
        let deleted = match &set.deletions {
            Some(file) => {
                let p = dir.join(file);
                decode_deletions(&p, &fs::read(&p).map_err(io(&p, "read"))?)?
            }
            None => HashMap::new(),
        };
        let loaded = LoadedSet {
            gens: set.segments.iter().map(|s| s.gen).collect(),
            segments,
            deleted: Arc::new(deleted),
            live: set.live,
            ..LoadedSet::new(set.key.clone(), scorer)
        };
        sets.push(Arc::new(loaded.with_max_key()?));
    }
    let snapshot = Snapshot {
        seq: manifest.seq,
        pairs: manifest.pairs.clone(),
        sets,
    };
    Ok(Some((manifest, snapshot)))
}

/// Whether the index in the store `store_dir` may be behind the store with
/// no writer left to catch it up (its writer died, or could not finish).
pub(crate) fn abandoned(store_dir: &Path) -> bool {
    store_dir.join(DIR).join(STALE).exists() && !sharing::writer_elsewhere(store_dir)
}

/// Reads the index of the store in `store_dir` without the store: what a
/// lookup in another process than the writer's reads. Retries when a writer
/// replaced the manifest (and removed the files of the old one) meanwhile.
pub(crate) fn read_snapshot(store_dir: &Path) -> Result<Option<Arc<Snapshot>>> {
    let dir = store_dir.join(DIR);
    let mut last = None;
    for _ in 0..8 {
        match load(&dir, &HashMap::new()) {
            Ok(found) => return Ok(found.map(|(_, s)| Arc::new(s))),
            Err(e @ (Error::Fuzzy(_) | Error::Io { .. } | Error::Index { .. })) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| damaged(&dir, "unreadable")))
}

/// Segment files to build for one set, and what they change in it.
struct Build {
    key: SetKey,
    scorer: Scorer,
    /// The files, each for the next `records` records.
    files: Vec<SegmentEntry>,
    /// Key, source text, payload; ascending keys.
    records: Vec<(u64, String, Vec<u8>)>,
    /// Every key staged, and whether it is in the set now.
    changes: Vec<(u64, bool)>,
}

impl Build {
    fn write(&self, dir: &Path) -> Result<()> {
        let mut at = 0;
        for e in &self.files {
            let chunk = &self.records[at..at + e.records as usize];
            at += e.records as usize;
            let records = chunk.iter().map(|(k, t, p)| (*k, t.as_str(), p.as_slice()));
            write_segment(self.scorer, records, &dir.join(&e.file))?;
        }
        Ok(())
    }
}

/// Writes one segment file.
fn write_segment<'r>(
    scorer: Scorer,
    records: impl Iterator<Item = (u64, &'r str, &'r [u8])>,
    path: &Path,
) -> Result<()> {
    let mut w = SegmentWriter::with(builder(scorer))?;
    for (key, text, payload) in records {
        w.add(key, text, payload);
    }
    Ok(w.write_file(path)?)
}

/// Segments being built on another thread during an import.
struct Building {
    handle: std::thread::JoinHandle<(Vec<Build>, Result<()>)>,
    /// The keys each set's build changes: staging must know that they are
    /// in the set although no segment of the snapshot holds them yet.
    keys: HashMap<SetKey, std::collections::HashSet<u64>>,
}

/// Per key: the record to write (source text, payload), or `None` when the
/// key left the set.
type Staged = BTreeMap<u64, Option<(String, Vec<u8>)>>;

/// The index as the process holding the store keeps it: what is on disk,
/// and the changes read from the store's log not yet written out.
pub(crate) struct IndexState {
    dir: PathBuf,
    store_dir: PathBuf,
    manifest: Manifest,
    snap: Arc<Snapshot>,
    /// Per set, per key: the record to write, or `None` when the key left
    /// the set.
    pending: BTreeMap<SetKey, Staged>,
    pending_records: usize,
    /// The store's changes up to here are on disk or pending.
    pending_seq: u64,
    /// Whether this process wrote the stale mark.
    marked: bool,
    /// Records per segment at most ([`SEGMENT_RECORDS`]; less in tests, to
    /// exercise merging).
    cap: usize,
    /// Segments being built in the background, if any.
    building: Option<Building>,
}

impl IndexState {
    /// Opens the index of the store in `store_dir` (held by this process
    /// as `store`), building it when there is none or it cannot be used,
    /// and catching up with the store's log.
    pub(crate) fn open(store_dir: &Path, store: &dyn Store) -> Result<IndexState> {
        IndexState::open_with(store_dir, store, SEGMENT_RECORDS)
    }

    /// [`IndexState::open`] with segments of at most `cap` records.
    pub(crate) fn open_with(store_dir: &Path, store: &dyn Store, cap: usize) -> Result<IndexState> {
        let dir = store_dir.join(DIR);
        fs::create_dir_all(&dir).map_err(io(&dir, "create the directory"))?;
        let mut state = IndexState {
            dir: dir.clone(),
            store_dir: store_dir.to_path_buf(),
            manifest: Manifest::empty(),
            snap: Arc::new(Snapshot::empty()),
            pending: BTreeMap::new(),
            pending_records: 0,
            pending_seq: 0,
            marked: false,
            cap,
            building: None,
        };
        let seq = store.seq()?;
        match load(&dir, &HashMap::new()) {
            Ok(Some((manifest, snap))) if manifest.seq <= seq => {
                state.pending_seq = manifest.seq;
                state.manifest = manifest;
                state.snap = Arc::new(snap);
                if let Err(e) = state.catch_up(store, true) {
                    match e {
                        Error::Store(tmkit_store::Error::ChangesForgotten { .. }) => {
                            state.rebuild(store, "its changes were forgotten")?
                        }
                        e => return Err(e),
                    }
                }
            }
            Ok(Some(_)) => state.rebuild(store, "it is ahead of the store")?,
            Ok(None) => {
                let empty = store.stats()?.units == 0;
                if empty {
                    state.manifest.seq = seq;
                    state.pending_seq = seq;
                    state.write_manifest(store)?;
                } else {
                    state.rebuild(store, "the store has none yet")?;
                }
            }
            Err(e) => state.rebuild(store, &e.to_string())?,
        }
        state.unmark_if_current(store)?;
        Ok(state)
    }

    /// The index as lookups read it now (without what is pending).
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.snap.clone()
    }

    /// Says that the store is about to change: a process that finds this
    /// mark while no writer holds the store catches the index up.
    pub(crate) fn mark(&mut self) -> Result<()> {
        if self.marked {
            return Ok(());
        }
        write_atomic(
            &self.dir.join(STALE),
            std::process::id().to_string().as_bytes(),
        )?;
        self.marked = true;
        Ok(())
    }

    fn unmark_if_current(&mut self, store: &dyn Store) -> Result<()> {
        if self.manifest.seq != store.seq()? || !self.pending.is_empty() {
            return Ok(());
        }
        // A mark this process did not write belongs to a writer that may be
        // alive (an import that stepped aside): it stays.
        let stale = self.dir.join(STALE);
        if (self.marked || !sharing::writer_elsewhere(&self.store_dir)) && stale.exists() {
            fs::remove_file(&stale).map_err(io(&stale, "remove"))?;
        }
        self.marked = false;
        Ok(())
    }

    /// Reads the changes the store logged since the index last saw it;
    /// writes the index out when `flush` or when enough is pending.
    pub(crate) fn catch_up(&mut self, store: &dyn Store, flush: bool) -> Result<()> {
        let seq = store.seq()?;
        if seq != self.pending_seq {
            let mut ids = BTreeSet::new();
            for change in store.changes(self.pending_seq)? {
                let (_, changed) = change?;
                ids.extend(changed.into_iter().map(|id| id.0));
            }
            let ids: Vec<TuId> = ids.into_iter().map(TuId).collect();
            let mut rest = &ids[..];
            while !rest.is_empty() {
                // Up to the cap, so that segments come out full.
                let room = self.cap.saturating_sub(self.pending_records).max(1);
                let (chunk, more) = rest.split_at(rest.len().min(READ_CHUNK).min(room));
                rest = more;
                let records = store.get_many(chunk)?;
                self.stage(chunk, &records, &|_| true)?;
                if self.pending_records >= self.cap {
                    self.write_pending(store, false)?;
                }
            }
            self.pending_seq = seq;
        }
        if flush || self.pending_records >= self.cap {
            self.write_pending(store, true)?;
        }
        Ok(())
    }

    /// Stages the current state of the units `ids` (those of `records`
    /// that exist) for the sets `wanted` accepts: their entries, and the
    /// removal of those that left a set.
    fn stage(
        &mut self,
        ids: &[TuId],
        records: &[Record],
        wanted: &dyn Fn(&SetKey) -> bool,
    ) -> Result<()> {
        let mut placed: HashMap<u64, BTreeSet<SetKey>> = HashMap::new();
        let scorers: BTreeSet<String> = self
            .manifest
            .sets
            .iter()
            .map(|s| s.key.scorer.clone())
            .chain([Scorer::Tmkit.name().to_string()])
            .collect();
        for rec in records {
            for (s, t, text, payload) in entries(rec) {
                self.manifest.pairs.insert((s.clone(), t.clone()));
                for scorer in &scorers {
                    let key = SetKey {
                        src: s.clone(),
                        tgt: t.clone(),
                        scorer: scorer.clone(),
                    };
                    let exists = self.has_set(&key);
                    // The import direction is indexed from the start; other
                    // directions and scorers once a lookup asks for them.
                    let eager = s == rec.src.as_str() && *scorer == Scorer::Tmkit.name();
                    if !(exists || eager) || !wanted(&key) {
                        continue;
                    }
                    placed.entry(rec.id.0).or_default().insert(key.clone());
                    let set = self.pending.entry(key).or_default();
                    if set
                        .insert(rec.id.0, Some((text.clone(), payload.clone())))
                        .is_none()
                    {
                        self.pending_records += 1;
                    }
                }
            }
        }
        let known: Vec<SetKey> = self.manifest.sets.iter().map(|s| s.key.clone()).collect();
        for id in ids {
            for key in &known {
                if placed.get(&id.0).is_some_and(|p| p.contains(key)) || !wanted(key) {
                    continue;
                }
                let building = self
                    .building
                    .as_ref()
                    .and_then(|b| b.keys.get(key))
                    .is_some_and(|keys| keys.contains(&id.0));
                let on_disk = building
                    || match self.snap.sets.iter().find(|s| &s.key == key) {
                        Some(s) => !s.holders(id.0)?.is_empty(),
                        None => false,
                    };
                let set = self.pending.entry(key.clone()).or_default();
                if on_disk || set.contains_key(&id.0) {
                    set.insert(id.0, None);
                }
            }
        }
        self.pending.retain(|_, v| !v.is_empty());
        Ok(())
    }

    fn has_set(&self, key: &SetKey) -> bool {
        self.manifest.sets.iter().any(|s| &s.key == key) || self.pending.contains_key(key)
    }

    fn file_name(&mut self, ext: &str) -> (String, u64) {
        let gen = self.manifest.next_file;
        self.manifest.next_file += 1;
        (format!("{gen:08}.{ext}"), gen)
    }

    /// Writes `records` (ascending keys) as segments of at most the cap;
    /// returns their entries and opened segments.
    fn write_segments(
        &mut self,
        scorer: Scorer,
        records: &[(u64, &str, &[u8])],
    ) -> Result<Vec<(SegmentEntry, Segment)>> {
        let files = self.plan_files(records.len());
        let mut out = Vec::with_capacity(files.len());
        let mut at = 0;
        for e in files {
            let chunk = &records[at..at + e.records as usize];
            at += e.records as usize;
            let path = self.dir.join(&e.file);
            write_segment(scorer, chunk.iter().copied(), &path)?;
            out.push((e, Segment::open_file(&path)?));
        }
        Ok(out)
    }

    /// Names the segment files for `n` records: equal parts of at most the
    /// cap.
    fn plan_files(&mut self, n: usize) -> Vec<SegmentEntry> {
        if n == 0 {
            return Vec::new();
        }
        let parts = n.div_ceil(self.cap);
        let size = n.div_ceil(parts);
        let mut files = Vec::with_capacity(parts);
        let mut left = n;
        while left > 0 {
            let records = left.min(size);
            left -= records;
            let (file, gen) = self.file_name("seg");
            files.push(SegmentEntry {
                file,
                gen,
                records: records as u64,
            });
        }
        files
    }

    /// Takes what is pending as segment files to build, set by set.
    fn prepare(&mut self) -> Result<Vec<Build>> {
        let pending = std::mem::take(&mut self.pending);
        self.pending_records = 0;
        let mut builds = Vec::with_capacity(pending.len());
        for (key, staged) in pending {
            let scorer = scorer_of(&key.scorer)?;
            let mut changes = Vec::with_capacity(staged.len());
            let mut records = Vec::with_capacity(staged.len());
            for (k, e) in staged {
                changes.push((k, e.is_some()));
                if let Some((text, payload)) = e {
                    records.push((k, text, payload));
                }
            }
            let files = self.plan_files(records.len());
            builds.push(Build {
                key,
                scorer,
                files,
                records,
                changes,
            });
        }
        Ok(builds)
    }

    /// Waits for the segments being built in the background, and puts them
    /// in the index.
    fn finish_building(&mut self) -> Result<()> {
        let Some(job) = self.building.take() else {
            return Ok(());
        };
        let (builds, written) = job
            .handle
            .join()
            .map_err(|_| damaged(&self.dir, "building a segment stopped on an internal error"))?;
        written?;
        self.install(builds)
    }

    /// Writes what is pending into new segments and deletions; with
    /// `manifest`, writes the manifest too (the index then reflects the
    /// store up to the pending sequence number) and lets the store forget
    /// the changes it no longer needs. Without, during an import, the
    /// segments are built on another thread while the import goes on (at
    /// most one such build at a time).
    fn write_pending(&mut self, store: &dyn Store, manifest: bool) -> Result<()> {
        self.finish_building()?;
        let builds = self.prepare()?;
        if manifest || builds.iter().all(|b| b.records.is_empty()) {
            for b in &builds {
                b.write(&self.dir)?;
            }
            self.install(builds)?;
        } else {
            let keys = builds
                .iter()
                .map(|b| (b.key.clone(), b.changes.iter().map(|c| c.0).collect()))
                .collect();
            let dir = self.dir.clone();
            let handle = std::thread::Builder::new()
                .name("tmkit-index".into())
                .spawn(move || {
                    let written = builds.iter().try_for_each(|b| b.write(&dir));
                    (builds, written)
                })
                .map_err(io(&self.dir, "start a thread to build the index of"))?;
            self.building = Some(Building { handle, keys });
        }
        if manifest {
            self.manifest.seq = self.pending_seq;
            self.snap = Arc::new(Snapshot {
                seq: self.pending_seq,
                pairs: self.snap.pairs.clone(),
                sets: self.snap.sets.clone(),
            });
            self.write_manifest(store)?;
        }
        Ok(())
    }

    /// Puts built segments in the index: their sets, the deletions they
    /// make (a key now in a new segment, or gone, is deleted from older
    /// ones), merges.
    fn install(&mut self, builds: Vec<Build>) -> Result<()> {
        let mut sets: Vec<Arc<LoadedSet>> = self.snap.sets.clone();
        for build in builds {
            let Build {
                key,
                scorer,
                files,
                records,
                changes,
            } = build;
            let at = match self.manifest.sets.iter().position(|s| s.key == key) {
                Some(at) => at,
                None => {
                    self.manifest.sets.push(SetEntry {
                        key: key.clone(),
                        segments: vec![],
                        deletions: None,
                        live: 0,
                    });
                    sets.push(Arc::new(LoadedSet::new(key.clone(), scorer)));
                    self.manifest.sets.len() - 1
                }
            };
            let mut written = Vec::with_capacity(files.len());
            for e in files {
                let segment = Segment::open_file(&self.dir.join(&e.file))?;
                written.push((e, segment));
            }
            let old = sets[at].clone();
            let mut deleted: HashMap<u64, u64> = (*old.deleted).clone();
            let mut live = old.live as i64;
            // Where each added key now lives: files are key ranges.
            let gen_of = |k: u64| {
                let at = records.partition_point(|r| r.0 < k);
                let mut end = 0;
                for (e, _) in &written {
                    end += e.records as usize;
                    if at < end {
                        return e.gen;
                    }
                }
                0
            };
            for &(k, now_live) in &changes {
                let holders = old.holders(k)?;
                let was_live = match deleted.get(&k) {
                    Some(&g) => g != 0,
                    None => !holders.is_empty(),
                };
                live += i64::from(now_live) - i64::from(was_live);
                if holders.is_empty() {
                    deleted.remove(&k);
                } else {
                    deleted.insert(k, if now_live { gen_of(k) } else { 0 });
                }
            }
            drop(records);
            let mut entry = self.manifest.sets[at].clone();
            let mut segments = old.segments.clone();
            let mut gens = old.gens.clone();
            for (e, s) in written {
                gens.push(e.gen);
                entry.segments.push(e);
                segments.push(s);
            }
            entry.live = live.max(0) as u64;
            let set = LoadedSet {
                segments,
                gens,
                deleted: Arc::new(deleted),
                live: entry.live,
                ..LoadedSet::new(key.clone(), scorer)
            };
            let mut set = set.with_max_key()?;
            self.merge_tail(&mut entry, &mut set)?;
            set = set.with_max_key()?;
            let changed_deletions = *set.deleted != *old.deleted;
            if changed_deletions || entry.deletions.is_none() {
                entry.deletions = if set.deleted.is_empty() {
                    None
                } else {
                    let (file, _) = self.file_name("del");
                    write_atomic(&self.dir.join(&file), &encode_deletions(&set.deleted))?;
                    Some(file)
                };
            }
            self.manifest.sets[at] = entry;
            sets[at] = Arc::new(set);
        }
        self.snap = Arc::new(Snapshot {
            seq: self.snap.seq,
            pairs: self.manifest.pairs.clone(),
            sets,
        });
        Ok(())
    }

    /// Merges the newest segments of a set while the last two are of
    /// comparable size and fit in one segment, and rewrites the whole set
    /// when deletions outweigh a quarter of it: lookups read few segments,
    /// and each record is rewritten a logarithmic number of times.
    fn merge_tail(&mut self, entry: &mut SetEntry, set: &mut LoadedSet) -> Result<()> {
        let total: u64 = entry.segments.iter().map(|s| s.records).sum();
        let heavy = set.deleted.len() > self.cap / 400 && set.deleted.len() as u64 * 4 > total;
        let from = if heavy {
            Some(0)
        } else {
            // The tail to merge: segments[from..], from the last alone.
            let n = entry.segments.len();
            let mut from = n.saturating_sub(1);
            while from >= 1 {
                let a = entry.segments[from - 1].records;
                let b: u64 = entry.segments[from..].iter().map(|s| s.records).sum();
                if a + b <= self.cap as u64 && a <= 4 * b {
                    from -= 1;
                } else {
                    break;
                }
            }
            (from + 1 < n).then_some(from)
        };
        let Some(from) = from else {
            return Ok(());
        };
        let mut records: Vec<(u64, &str, &[u8])> = Vec::new();
        for i in from..set.segments.len() {
            let s = &set.segments[i];
            for r in 0..s.len() {
                let (k, text, payload) = s.record(r)?;
                if set.is_live(i, k) {
                    records.push((k, text, payload));
                }
            }
        }
        records.sort_by_key(|r| r.0);
        let written = self.write_segments(set.scorer, &records)?;
        let moved: BTreeSet<u64> = records.iter().map(|r| r.0).collect();
        drop(records);
        let merged_gens: BTreeSet<u64> = set.gens[from..].iter().copied().collect();
        set.segments.truncate(from);
        set.gens.truncate(from);
        entry.segments.truncate(from);
        for (e, s) in written {
            set.gens.push(e.gen);
            entry.segments.push(e);
            set.segments.push(s);
        }
        // Deletions that named a merged segment name its successor; those
        // that no longer hide anything go.
        // `max_key` may now be above every key (a merge only drops keys):
        // `holders` stays right, and the caller sets it again.
        let mut deleted: HashMap<u64, u64> = HashMap::with_capacity(set.deleted.len());
        for (&k, &g) in set.deleted.iter() {
            let g = if merged_gens.contains(&g) && moved.contains(&k) {
                // The key's live record moved into the new segments.
                let i = set.segments[from..]
                    .iter()
                    .position(|s| s.find_key(k).ok().flatten().is_some())
                    .map(|i| set.gens[from + i]);
                i.unwrap_or(0)
            } else {
                g
            };
            let holders = set.holders(k)?;
            let needed = match g {
                0 => !holders.is_empty(),
                g => holders.iter().any(|&i| set.gens[i] != g),
            };
            if needed {
                deleted.insert(k, g);
            }
        }
        set.deleted = Arc::new(deleted);
        Ok(())
    }

    fn write_manifest(&mut self, store: &dyn Store) -> Result<()> {
        // The store first: an index never reflects writes a crash could
        // still take back from the store.
        store.flush()?;
        let bytes = serde_json::to_vec_pretty(&self.manifest)
            .map_err(|e| Error::Usage(format!("match index manifest: {e}")))?;
        write_atomic(&self.dir.join(MANIFEST), &bytes)?;
        self.remove_unused();
        store.forget_changes(self.manifest.seq)?;
        self.unmark_if_current(store)
    }

    /// Removes the files no manifest names any more (a reader that mapped
    /// one keeps it until it unmaps it).
    fn remove_unused(&self) {
        let used: BTreeSet<&str> = self
            .manifest
            .sets
            .iter()
            .flat_map(|s| {
                s.segments
                    .iter()
                    .map(|e| e.file.as_str())
                    .chain(s.deletions.as_deref())
            })
            .collect();
        let Ok(list) = fs::read_dir(&self.dir) else {
            return;
        };
        for e in list.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            let ours = name.ends_with(".seg") || name.ends_with(".del") || name.contains(".tmp");
            if ours && !used.contains(name) {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    /// Builds the index again from every unit of the store: the sets it
    /// had, and the import direction of every unit.
    pub(crate) fn rebuild(&mut self, store: &dyn Store, why: &str) -> Result<()> {
        // What was being built is built again.
        if let Some(job) = self.building.take() {
            let _ = job.handle.join();
        }
        let keep: BTreeSet<SetKey> = self.manifest.sets.iter().map(|s| s.key.clone()).collect();
        let next_file = self.manifest.next_file;
        self.manifest = Manifest::empty();
        self.manifest.next_file = next_file;
        self.snap = Arc::new(Snapshot::empty());
        self.pending.clear();
        self.pending_records = 0;
        let seq = store.seq()?;
        self.pending_seq = seq;
        let total = store.stats()?.units;
        sharing::notify(Event::Indexing {
            path: self.store_dir.clone(),
            why: why.to_string(),
            units: total,
        });
        for key in &keep {
            self.manifest.sets.push(SetEntry {
                key: key.clone(),
                segments: vec![],
                deletions: None,
                live: 0,
            });
        }
        self.snap = Arc::new(Snapshot {
            seq: 0,
            pairs: BTreeSet::new(),
            sets: keep
                .iter()
                .map(|key| {
                    scorer_of(&key.scorer)
                        .map(|scorer| Arc::new(LoadedSet::new(key.clone(), scorer)))
                })
                .collect::<Result<_>>()?,
        });
        self.fill(store, &|_| true)?;
        self.write_pending(store, true)
    }

    /// Stages every unit of the store for the sets `wanted` accepts,
    /// writing segments out as they fill.
    fn fill(&mut self, store: &dyn Store, wanted: &dyn Fn(&SetKey) -> bool) -> Result<()> {
        let mut batch = Vec::with_capacity(READ_CHUNK);
        for rec in store.records(&Filter::default())? {
            batch.push(rec?);
            // Up to the cap, so that segments come out full.
            let room = self.cap.saturating_sub(self.pending_records).max(1);
            if batch.len() >= READ_CHUNK.min(room) {
                self.stage(&[], &batch, wanted)?;
                batch.clear();
                if self.pending_records >= self.cap {
                    self.write_pending(store, false)?;
                }
            }
        }
        self.stage(&[], &batch, wanted)
    }

    /// Builds the sets `keys` (another direction or scorer than the index
    /// had) from the store, after writing out what is pending.
    pub(crate) fn build_sets(&mut self, store: &dyn Store, keys: &[SetKey]) -> Result<()> {
        self.catch_up(store, true)?;
        sharing::notify(Event::Indexing {
            path: self.store_dir.clone(),
            why: format!(
                "the first lookup {}",
                keys.iter()
                    .map(|k| format!("from {} to {} with scorer {}", k.src, k.tgt, k.scorer))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            units: store.stats()?.units,
        });
        // The sets exist from now on, even empty, so that they are not built
        // again.
        for key in keys {
            if self.has_set(key) {
                continue;
            }
            self.manifest.sets.push(SetEntry {
                key: key.clone(),
                segments: vec![],
                deletions: None,
                live: 0,
            });
            let mut sets = self.snap.sets.clone();
            sets.push(Arc::new(LoadedSet::new(
                key.clone(),
                scorer_of(&key.scorer)?,
            )));
            self.snap = Arc::new(Snapshot {
                seq: self.snap.seq,
                pairs: self.snap.pairs.clone(),
                sets,
            });
        }
        let wanted: BTreeSet<SetKey> = keys.iter().cloned().collect();
        self.fill(store, &|k| wanted.contains(k))?;
        self.write_pending(store, true)
    }

    /// Compares the index with the store: every unit of every set indexed
    /// once with its current text and target, nothing indexed that is gone
    /// (what `tmkit check` adds to the store's own checks).
    pub(crate) fn verify(&self, store: &dyn Store) -> Result<Vec<Fault>> {
        const WHAT: &str = "match index";
        let mut faults = Vec::new();
        let seq = store.seq()?;
        if self.manifest.seq != seq {
            faults.push(Fault::Other {
                detail: format!(
                    "the match index reflects change {} of the store, which is at change {seq}",
                    self.manifest.seq
                ),
            });
        }
        let mut indexed: BTreeMap<(SetKey, u64), (String, Vec<u8>)> = BTreeMap::new();
        for set in &self.snap.sets {
            for (i, s) in set.segments.iter().enumerate() {
                if let Err(e) = s.verify() {
                    faults.push(Fault::Other {
                        detail: e.to_string(),
                    });
                    continue;
                }
                for r in 0..s.len() {
                    let (k, text, payload) = s.record(r)?;
                    if !set.is_live(i, k) {
                        continue;
                    }
                    let twice = indexed
                        .insert((set.key.clone(), k), (text.to_string(), payload.to_vec()))
                        .is_some();
                    if twice {
                        faults.push(Fault::DanglingIndex {
                            index: WHAT,
                            id: TuId(k),
                            detail: format!(
                                "indexed twice in {} → {} ({})",
                                set.key.src, set.key.tgt, set.key.scorer
                            ),
                        });
                    }
                }
            }
            let counted = indexed
                .range((set.key.clone(), 0)..=(set.key.clone(), u64::MAX))
                .count();
            if counted as u64 != set.live {
                faults.push(Fault::Count {
                    what: format!(
                        "live records of the match index {} → {} ({})",
                        set.key.src, set.key.tgt, set.key.scorer
                    ),
                    stored: set.live,
                    counted: counted as u64,
                });
            }
        }
        let sets: BTreeSet<&SetKey> = self.snap.sets.iter().map(|s| &s.key).collect();
        for rec in store.records(&Filter::default())? {
            let rec = rec?;
            for (s, t, text, payload) in entries(&rec) {
                if !self.snap.pairs.contains(&(s.clone(), t.clone())) {
                    faults.push(Fault::MissingIndex {
                        index: WHAT,
                        id: rec.id,
                        detail: format!("the pair {s} → {t} is not known to the index"),
                    });
                }
                let eager = SetKey {
                    src: s.clone(),
                    tgt: t.clone(),
                    scorer: Scorer::Tmkit.name().to_string(),
                };
                if s == rec.src.as_str() && !sets.contains(&eager) {
                    faults.push(Fault::MissingIndex {
                        index: WHAT,
                        id: rec.id,
                        detail: format!("no {} set for {s} → {t}", eager.scorer),
                    });
                }
                for key in sets.iter().filter(|k| k.src == s && k.tgt == t) {
                    match indexed.remove(&((*key).clone(), rec.id.0)) {
                        None => faults.push(Fault::MissingIndex {
                            index: WHAT,
                            id: rec.id,
                            detail: format!("not indexed in {s} → {t} ({})", key.scorer),
                        }),
                        Some(got) if got != (text.clone(), payload.clone()) => {
                            faults.push(Fault::DanglingIndex {
                                index: WHAT,
                                id: rec.id,
                                detail: format!(
                                    "indexed in {s} → {t} ({}) with other text",
                                    key.scorer
                                ),
                            })
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for ((key, k), _) in indexed {
            faults.push(Fault::DanglingIndex {
                index: WHAT,
                id: TuId(k),
                detail: format!(
                    "indexed in {} → {} ({}) but not in the store",
                    key.src, key.tgt, key.scorer
                ),
            });
        }
        Ok(faults)
    }

    /// Figures for `tmkit stats` and benchmarks: segments, live records,
    /// bytes on disk.
    pub(crate) fn figures(&self) -> IndexFigures {
        self.snap.figures()
    }
}

impl Snapshot {
    /// Figures for `tmkit stats` and benchmarks.
    pub(crate) fn figures(&self) -> IndexFigures {
        let mut f = IndexFigures {
            seq: self.seq,
            ..IndexFigures::default()
        };
        for set in &self.sets {
            f.sets += 1;
            f.segments += set.segments.len();
            f.records += set.live;
            f.bytes += set.bytes() as u64;
        }
        f
    }
}

/// The size of a store's match index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IndexFigures {
    /// The store's change sequence number the index reflects.
    pub seq: u64,
    /// Sets (language pair and scorer).
    pub sets: usize,
    /// Segments in all.
    pub segments: usize,
    /// Live records in all.
    pub records: u64,
    /// Bytes of the segments on disk.
    pub bytes: u64,
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
