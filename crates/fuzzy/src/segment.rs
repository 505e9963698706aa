//! Index segments: an [`Index`] written out once as it lies in memory, and
//! opened from those bytes (a memory map, typically) without rebuilding
//! anything. The layout is in docs/STORE.md, "Index segments".
//!
//! A segment is immutable: records are added to a [`SegmentWriter`], which
//! writes the file once; deleting records is the caller's business (a
//! predicate on `(segment, key)` at search time, the way Lucene and tantivy
//! keep delete bitsets beside their segments: a unit overwritten in a later
//! segment keeps its key there and is deleted only from the earlier one),
//! and [`SegmentWriter::add_live`] merges segments into a new one without
//! the deleted records.
//!
//! Opening checks the header (magic, format version, byte order, checksum,
//! length, section bounds and sizes) and the term dictionary's checksum; it
//! reads nothing else, so that a new process answers its first lookup after
//! touching only the pages that lookup reads. [`Segment::verify`] checks
//! every section's checksum. A search checks every offset and record number
//! it follows: a damaged segment gives an error, never a panic.

use std::fs::File;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use zerocopy::{FromBytes, Immutable, IntoBytes};

use crate::index::{Hit, Index, IndexBuilder};
use crate::score::{Parsed, Scorer, UnitRef};
use crate::search::{query_units, Damaged, Posting, TableView, View};
use crate::{Error, Result};

/// The first bytes of every segment.
const MAGIC: [u8; 8] = *b"TMKFZSEG";

/// The segment format this build writes and reads (docs/STORE.md).
pub const SEGMENT_FORMAT_VERSION: u32 = 1;

/// Written in the machine's byte order: a segment read on a machine of the
/// other order sees `0x0403_0201` and is refused.
const BYTE_ORDER: u32 = 0x0102_0304;

/// The sections, in file order.
const VOCAB: usize = 0;
const KEYS: usize = 1;
const UNIT_END: usize = 2;
const UNITS: usize = 3;
const TEXT_END: usize = 4;
const TEXTS: usize = 5;
const PAYLOAD_END: usize = 6;
const PAYLOADS: usize = 7;
const ITEM_BASE: usize = 8;
const RANK: usize = 9;
const START: usize = 10;
const POSTINGS: usize = 11;
const EMPTY: usize = 12;
const SECTIONS: usize = 13;

/// Section names, for errors.
const NAMES: [&str; SECTIONS] = [
    "vocabulary",
    "keys",
    "unit ends",
    "units",
    "text ends",
    "texts",
    "payload ends",
    "payloads",
    "item bases",
    "ranks",
    "posting starts",
    "postings",
    "empty records",
];

/// Where the section table starts: magic, version, byte order, scorer,
/// `min_indexed`, 6 zero bytes, record count, file length.
const TABLE_AT: usize = 40;
/// Each section: offset, length (`u64`), CRC-32 and 4 zero bytes.
const ENTRY: usize = 24;
/// Where the header's own CRC-32 sits (over the bytes before it).
const HEADER_CRC_AT: usize = TABLE_AT + SECTIONS * ENTRY;
/// The header's size; sections follow, each at a multiple of 16 bytes.
const HEADER: usize = HEADER_CRC_AT + 16;
/// Sections start at multiples of this, so that a memory map (page-aligned)
/// can be read as typed tables in place.
const ALIGN: usize = 16;

fn scorer_code(s: Scorer) -> u8 {
    match s {
        Scorer::Tmkit => 1,
        Scorer::Omegat => 2,
        Scorer::Chars => 3,
    }
}

fn scorer_of(code: u8) -> Option<Scorer> {
    match code {
        1 => Some(Scorer::Tmkit),
        2 => Some(Scorer::Omegat),
        3 => Some(Scorer::Chars),
        _ => None,
    }
}

/// A unit as a key of the term dictionary: a tag byte, then its text.
fn unit_key(u: UnitRef<'_>) -> Vec<u8> {
    match u {
        UnitRef::Str(s) => [&[0u8][..], s.as_bytes()].concat(),
        UnitRef::Num => vec![1],
        UnitRef::Ph => vec![2],
        UnitRef::Char(c) => {
            let mut buf = [0u8; 4];
            [&[3u8][..], c.encode_utf8(&mut buf).as_bytes()].concat()
        }
    }
}

fn align(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_ne_bytes(w)
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_ne_bytes(w)
}

/// Collects records and writes them as one segment.
///
/// ```
/// use tmkit_fuzzy::{Scorer, Segment, SegmentWriter};
///
/// let mut w = SegmentWriter::new(Scorer::Tmkit);
/// w.add(7, "Le fichier %s est introuvable.", b"File %s not found.");
/// w.add(8, "Impossible d'ouvrir le fichier.", b"Cannot open the file.");
/// let segment = Segment::from_bytes(w.to_bytes())?;
/// let hits = segment.search("Le fichier %s est introuvable !", 5, 50)?;
/// assert_eq!((hits[0].hit.key, hits[0].hit.score), (7, 99));
/// assert_eq!(hits[0].payload, b"File %s not found.");
/// # Ok::<(), tmkit_fuzzy::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SegmentWriter {
    index: Index,
    payloads: Vec<u8>,
    payload_end: Vec<u64>,
}

impl SegmentWriter {
    /// An empty writer for segments ranked by `scorer`, whose postings serve
    /// thresholds from 50 up.
    pub fn new(scorer: Scorer) -> SegmentWriter {
        SegmentWriter::from_index(Index::new(scorer))
    }

    /// An empty writer configured as `builder` says.
    pub fn with(builder: IndexBuilder) -> Result<SegmentWriter> {
        Ok(SegmentWriter::from_index(builder.build()?))
    }

    fn from_index(index: Index) -> SegmentWriter {
        SegmentWriter {
            index,
            payloads: Vec::new(),
            payload_end: Vec::new(),
        }
    }

    /// Adds a record: the caller's key (not necessarily unique), the source
    /// text matched against queries, and bytes returned with its hits.
    pub fn add(&mut self, key: u64, source: &str, payload: &[u8]) {
        self.index.add(key, source);
        self.payloads.extend_from_slice(payload);
        self.payload_end.push(self.payloads.len() as u64);
    }

    /// Adds the records of `segments` that `live(segment number, key)`
    /// accepts, in order: merging segments and dropping deleted records.
    pub fn add_live(
        &mut self,
        segments: &[Segment],
        live: &dyn Fn(usize, u64) -> bool,
    ) -> Result<()> {
        for (i, s) in segments.iter().enumerate() {
            if s.scorer != self.index.scorer() {
                return Err(Error::MixedScorers {
                    expected: self.index.scorer(),
                    got: s.scorer,
                });
            }
            let v = s.view()?;
            for r in 0..v.len() {
                let key = v.key(r).map_err(|e| s.damaged(e))?;
                if live(i, key) {
                    let text = v.record_text(r).map_err(|e| s.damaged(e))?;
                    self.add(key, text, s.payload_of(r)?);
                }
            }
        }
        Ok(())
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no record was added.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Builds the posting tables now rather than when the segment is
    /// written (which builds them if need be).
    pub fn build(&mut self) {
        self.index.build();
    }

    /// Writes the segment to `out` (building the posting tables first if
    /// need be); returns the bytes written.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<u64> {
        let ix = &self.index;
        let t = ix.tables();
        let mut terms: Vec<(Vec<u8>, u32)> =
            ix.vocab.iter().map(|(u, id)| (unit_key(u), id)).collect();
        terms.sort_unstable();
        let mut fst = fst::MapBuilder::memory();
        for (k, id) in &terms {
            fst.insert(k, u64::from(*id))
                .map_err(std::io::Error::other)?;
        }
        let fst = fst.into_inner().map_err(std::io::Error::other)?;
        drop(terms);
        let sections: [&[u8]; SECTIONS] = [
            &fst,
            ix.keys.as_bytes(),
            ix.unit_end.as_bytes(),
            ix.units.as_bytes(),
            ix.text_end.as_bytes(),
            ix.texts.as_bytes(),
            self.payload_end.as_bytes(),
            &self.payloads,
            t.item_base.as_bytes(),
            t.rank.as_bytes(),
            t.start.as_bytes(),
            t.postings.as_bytes(),
            t.empty.as_bytes(),
        ];
        let mut header = vec![0u8; HEADER];
        header[..8].copy_from_slice(&MAGIC);
        header[8..12].copy_from_slice(&SEGMENT_FORMAT_VERSION.to_ne_bytes());
        header[12..16].copy_from_slice(&BYTE_ORDER.to_ne_bytes());
        header[16] = scorer_code(ix.scorer());
        header[17] = ix.min_indexed;
        header[24..32].copy_from_slice(&(ix.len() as u64).to_ne_bytes());
        let mut at = HEADER;
        for (i, s) in sections.iter().enumerate() {
            at = align(at);
            let e = TABLE_AT + i * ENTRY;
            header[e..e + 8].copy_from_slice(&(at as u64).to_ne_bytes());
            header[e + 8..e + 16].copy_from_slice(&(s.len() as u64).to_ne_bytes());
            header[e + 16..e + 20].copy_from_slice(&crc32fast::hash(s).to_ne_bytes());
            at += s.len();
        }
        let total = align(at);
        header[32..40].copy_from_slice(&(total as u64).to_ne_bytes());
        let crc = crc32fast::hash(&header[..HEADER_CRC_AT]);
        header[HEADER_CRC_AT..HEADER_CRC_AT + 4].copy_from_slice(&crc.to_ne_bytes());
        out.write_all(&header)?;
        let mut at = HEADER;
        for s in sections {
            out.write_all(&[0u8; ALIGN][..align(at) - at])?;
            at = align(at);
            out.write_all(s)?;
            at += s.len();
        }
        out.write_all(&[0u8; ALIGN][..total - at])?;
        Ok(total as u64)
    }

    /// The segment's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to a `Vec` fails only if the term dictionary cannot be
        // built, which sorted, distinct keys rule out.
        let _ = self.write_to(&mut out);
        out
    }

    /// Writes the segment to `path` the only way a segment file may be
    /// written: to a temporary name beside it, synced, then renamed into
    /// place, so that a reader never maps a file still being written (the
    /// safety argument of [`Segment::open_file`]).
    pub fn write_file(&self, path: &Path) -> Result<()> {
        let io = |op, source| Error::Io {
            path: path.display().to_string(),
            op,
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        let write = || -> std::io::Result<()> {
            let file = File::create(&tmp)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            self.write_to(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(io("write", e));
        }
        std::fs::rename(&tmp, path).map_err(|e| io("rename", e))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io("sync the directory of", e))?;
        }
        Ok(())
    }
}

/// A hit in a segment, with what the caller stored beside the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentHit<'a> {
    /// The key and the explained score.
    pub hit: Hit,
    /// Which segment of those searched (0 for [`Segment::search`]).
    pub segment: usize,
    /// The record's source text.
    pub source: &'a str,
    /// The record's payload.
    pub payload: &'a [u8],
}

/// Bytes a segment is read from: a memory map, a `Vec`, anything.
pub type SegmentBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A part of the segment's bytes (the term dictionary owns one).
#[derive(Clone)]
struct Part {
    data: SegmentBytes,
    range: Range<usize>,
}

impl AsRef<[u8]> for Part {
    fn as_ref(&self) -> &[u8] {
        (*self.data).as_ref().get(self.range.clone()).unwrap_or(&[])
    }
}

/// Bytes copied to a 16-byte boundary, for buffers that are not on one.
struct Aligned {
    words: Vec<u128>,
    len: usize,
}

impl AsRef<[u8]> for Aligned {
    fn as_ref(&self) -> &[u8] {
        &self.words.as_bytes()[..self.len]
    }
}

/// An index segment opened from its bytes: searched where it lies.
///
/// Cloning is cheap (the bytes are shared).
#[derive(Clone)]
pub struct Segment {
    data: SegmentBytes,
    path: Option<String>,
    sections: [Range<usize>; SECTIONS],
    crcs: [u32; SECTIONS],
    vocab: fst::Map<Part>,
    scorer: Scorer,
    min_indexed: u8,
    records: usize,
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("path", &self.path)
            .field("scorer", &self.scorer)
            .field("records", &self.records)
            .finish()
    }
}

/// Where the vocabulary lies in a segment's bytes, if its header says so
/// plausibly (opening checks it properly).
fn vocabulary_range(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.len() < HEADER || bytes[..8] != MAGIC {
        return None;
    }
    let e = TABLE_AT + VOCAB * ENTRY;
    let at = usize::try_from(read_u64(bytes, e)).ok()?;
    let len = usize::try_from(read_u64(bytes, e + 8)).ok()?;
    (at.checked_add(len)? <= bytes.len()).then_some((at, len))
}

/// Maps a segment file into memory.
///
/// This is the one unsafe call of tmkit (the workspace denies unsafe code).
#[allow(unsafe_code)]
fn map_file(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: a map is undefined behaviour if the file changes under it.
    // Segment files are written under a temporary name, synced and renamed
    // into place (`SegmentWriter::write_file`), and never opened for writing
    // again: replacing a segment renames a new file over the name, which
    // leaves the mapped one intact until it is unmapped.
    unsafe { memmap2::Mmap::map(file) }
}

impl Segment {
    /// Opens a segment file by mapping it into memory: milliseconds, and
    /// only the header and the term dictionary are read.
    pub fn open_file(path: &Path) -> Result<Segment> {
        let io = |op, source| Error::Io {
            path: path.display().to_string(),
            op,
            source,
        };
        let file = File::open(path).map_err(|e| io("open", e))?;
        let map = map_file(&file).map_err(|e| io("map", e))?;
        // Lookups read a few postings here and there: read-ahead would load
        // pages no lookup wants. Only advice; a refusal changes nothing.
        let _ = map.advise(memmap2::Advice::Random);
        // Except the vocabulary, which opening reads whole (its checksum):
        // asked for in one go, not page fault by page fault.
        if let Some((at, len)) = vocabulary_range(&map) {
            let start = at - at % 4096;
            let _ = map.advise_range(memmap2::Advice::WillNeed, start, at + len - start);
        }
        Segment::open_in(Arc::new(map), Some(path.display().to_string()))
    }

    /// Opens a segment from bytes in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Segment> {
        Segment::open(Arc::new(bytes))
    }

    /// Opens a segment from shared bytes (a memory map, say). Bytes not on a
    /// 16-byte boundary are copied to one first.
    pub fn open(data: SegmentBytes) -> Result<Segment> {
        Segment::open_in(data, None)
    }

    fn open_in(data: SegmentBytes, path: Option<String>) -> Result<Segment> {
        let bytes = (*data).as_ref();
        let data: SegmentBytes = if (bytes.as_ptr() as usize).is_multiple_of(ALIGN) {
            data
        } else {
            let mut words = vec![0u128; bytes.len().div_ceil(ALIGN)];
            words.as_mut_bytes()[..bytes.len()].copy_from_slice(bytes);
            Arc::new(Aligned {
                words,
                len: bytes.len(),
            })
        };
        let bytes = (*data).as_ref();
        let bad = |problem: String| Error::Segment {
            path: path.clone().unwrap_or_else(|| "(in memory)".into()),
            problem,
        };
        if bytes.len() < HEADER || bytes[..8] != MAGIC {
            return Err(bad(format!(
                "not an index segment: expected {HEADER} bytes or more starting with {:?}",
                String::from_utf8_lossy(&MAGIC)
            )));
        }
        let version = read_u32(bytes, 8);
        if read_u32(bytes, 12) != BYTE_ORDER {
            return Err(bad(
                "written on a machine of the other byte order".to_string()
            ));
        }
        if version != SEGMENT_FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version}, this tmkit reads version {SEGMENT_FORMAT_VERSION}"
            )));
        }
        let crc = crc32fast::hash(&bytes[..HEADER_CRC_AT]);
        if read_u32(bytes, HEADER_CRC_AT) != crc {
            return Err(bad("damaged header (checksum mismatch)".to_string()));
        }
        let total = read_u64(bytes, 32);
        if total != bytes.len() as u64 {
            return Err(bad(format!(
                "truncated or extended: the header says {total} bytes, there are {}",
                bytes.len()
            )));
        }
        let scorer = scorer_of(bytes[16])
            .ok_or_else(|| bad(format!("unknown scorer code {}", bytes[16])))?;
        let min_indexed = bytes[17];
        if !(1..=100).contains(&min_indexed) {
            return Err(bad(format!("min_indexed {min_indexed} outside 1..=100")));
        }
        let records = usize::try_from(read_u64(bytes, 24)).unwrap_or(usize::MAX);
        let mut sections: [Range<usize>; SECTIONS] = Default::default();
        let mut crcs = [0u32; SECTIONS];
        for (i, (s, c)) in sections.iter_mut().zip(&mut crcs).enumerate() {
            let e = TABLE_AT + i * ENTRY;
            let (at, len) = (read_u64(bytes, e), read_u64(bytes, e + 8));
            let end = at.checked_add(len).filter(|&end| end <= total);
            let (Some(end), true) = (
                end,
                (at as usize).is_multiple_of(ALIGN) && at >= HEADER as u64,
            ) else {
                return Err(bad(format!(
                    "the {} section ({at}+{len}) lies outside the file",
                    NAMES[i]
                )));
            };
            *s = at as usize..end as usize;
            *c = read_u32(bytes, e + 16);
        }
        let vocab = bytes.get(sections[VOCAB].clone()).unwrap_or(&[]);
        if crc32fast::hash(vocab) != crcs[VOCAB] {
            return Err(bad("damaged vocabulary (checksum mismatch)".to_string()));
        }
        let vocab = fst::Map::new(Part {
            data: data.clone(),
            range: sections[VOCAB].clone(),
        })
        .map_err(|e| bad(format!("damaged vocabulary: {e}")))?;
        let segment = Segment {
            data,
            path: path.clone(),
            sections,
            crcs,
            vocab,
            scorer,
            min_indexed,
            records,
        };
        let v = segment.view()?;
        let t = v.tables.ok_or_else(|| bad("no posting tables".into()))?;
        let sizes = [
            (KEYS, v.keys.len(), records),
            (UNIT_END, v.unit_end.len(), records),
            (TEXT_END, v.text_end.len(), records),
            (PAYLOAD_END, segment.payload_end()?.len(), records),
            (START, t.start.len(), t.rank.len() + 1),
        ];
        for (i, got, want) in sizes {
            if got != want {
                return Err(bad(format!(
                    "the {} section holds {got} entries, expected {want}",
                    NAMES[i]
                )));
            }
        }
        Ok(segment)
    }

    /// The error for a damaged table met while reading.
    fn damaged(&self, d: Damaged) -> Error {
        Error::Segment {
            path: self.path.clone().unwrap_or_else(|| "(in memory)".into()),
            problem: format!("damaged: {}", d.0),
        }
    }

    fn section(&self, i: usize) -> &[u8] {
        (*self.data)
            .as_ref()
            .get(self.sections[i].clone())
            .unwrap_or(&[])
    }

    /// Section `i` as a table of `T`.
    fn table<T: FromBytes + Immutable>(&self, i: usize) -> Result<&[T]> {
        <[T]>::ref_from_bytes(self.section(i)).map_err(|_| Error::Segment {
            path: self.path.clone().unwrap_or_else(|| "(in memory)".into()),
            problem: format!(
                "the {} section ({} bytes) is not a whole table of {}-byte entries",
                NAMES[i],
                self.sections[i].len(),
                std::mem::size_of::<T>()
            ),
        })
    }

    fn payload_end(&self) -> Result<&[u64]> {
        self.table(PAYLOAD_END)
    }

    /// The tables as the search reads them.
    fn view(&self) -> Result<View<'_>> {
        Ok(View {
            scorer: self.scorer,
            min_indexed: self.min_indexed,
            keys: self.table(KEYS)?,
            unit_end: self.table(UNIT_END)?,
            units: self.table(UNITS)?,
            text_end: self.table(TEXT_END)?,
            texts: self.section(TEXTS),
            tables: Some(TableView {
                item_base: self.table(ITEM_BASE)?,
                rank: self.table(RANK)?,
                start: self.table(START)?,
                postings: self.table::<Posting>(POSTINGS)?,
                empty: self.table(EMPTY)?,
            }),
        })
    }

    /// Checks every section against its checksum: reads the whole segment
    /// (what `tmkit check` does; opening does not).
    pub fn verify(&self) -> Result<()> {
        for (i, (&crc, name)) in self.crcs.iter().zip(NAMES).enumerate() {
            if crc32fast::hash(self.section(i)) != crc {
                return Err(Error::Segment {
                    path: self.path.clone().unwrap_or_else(|| "(in memory)".into()),
                    problem: format!("damaged {name} (checksum mismatch)"),
                });
            }
        }
        Ok(())
    }

    /// The scorer the segment ranks with.
    pub fn scorer(&self) -> Scorer {
        self.scorer
    }

    /// How many records (deleted ones included: deletion is the caller's).
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether the segment holds no record.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The size of the segment in bytes.
    pub fn size_bytes(&self) -> usize {
        (*self.data).as_ref().len()
    }

    /// Record `r` (`0..len()`): its key, source text and payload, in the
    /// order the records were added.
    pub fn record(&self, r: usize) -> Result<(u64, &str, &[u8])> {
        let v = self.view()?;
        let key = v.key(r).map_err(|e| self.damaged(e))?;
        let text = v.record_text(r).map_err(|e| self.damaged(e))?;
        Ok((key, text, self.payload_of(r)?))
    }

    /// The number of the record with `key`, for a segment whose records
    /// were added in ascending key order (a binary search: on another
    /// segment it may miss).
    pub fn find_key(&self, key: u64) -> Result<Option<usize>> {
        let v = self.view()?;
        let (mut lo, mut hi) = (0, self.records);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let k = v.key(mid).map_err(|e| self.damaged(e))?;
            match k.cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(mid)),
            }
        }
        Ok(None)
    }

    /// The payload of record `r`.
    fn payload_of(&self, r: usize) -> Result<&[u8]> {
        let ends = self.payload_end()?;
        let start = match r.checked_sub(1) {
            None => Some(0),
            Some(p) => ends.get(p).map(|&e| e as usize),
        };
        start
            .zip(ends.get(r).map(|&e| e as usize))
            .and_then(|(a, b)| self.section(PAYLOADS).get(a..b))
            .ok_or_else(|| self.damaged(Damaged("a payload lies outside the payload table")))
    }

    /// The query's units as this segment numbers them.
    fn query_units(&self, q: &Parsed) -> Vec<u32> {
        query_units(q, |u| {
            self.vocab
                .get(unit_key(u.as_ref()))
                .and_then(|id| u32::try_from(id).ok())
        })
    }

    /// The best `top` records scoring at least `min`, best first (score
    /// descending, then key ascending, then order of addition): exactly what
    /// an [`Index`] of the same records answers.
    pub fn search(&self, query: &str, top: usize, min: u8) -> Result<Vec<SegmentHit<'_>>> {
        Segment::search_all(std::slice::from_ref(self), query, top, min, &|_, _| true)
    }

    /// The best `top` records of all `segments` that `live(segment number,
    /// key)` accepts, scoring at least `min`, best first (score descending, then key
    /// ascending, then segment, then order of addition): exactly what an
    /// [`Index`] of the live records, added segment after segment, answers.
    pub fn search_all<'s>(
        segments: &'s [Segment],
        query: &str,
        top: usize,
        min: u8,
        live: &dyn Fn(usize, u64) -> bool,
    ) -> Result<Vec<SegmentHit<'s>>> {
        Segment::each(segments, query, top, min, live, false)
    }

    /// The same answer as [`Segment::search_all`], by scoring every live
    /// record of every segment.
    pub fn brute_force_all<'s>(
        segments: &'s [Segment],
        query: &str,
        top: usize,
        min: u8,
        live: &dyn Fn(usize, u64) -> bool,
    ) -> Result<Vec<SegmentHit<'s>>> {
        Segment::each(segments, query, top, min, live, true)
    }

    /// Searches each segment for its own best `top` (each exact over its
    /// live records) and keeps the best `top` of all. Once `top` hits are
    /// held, a later segment is searched from the `top`-th score on: a record
    /// below it cannot enter (ties can, by key, so the floor is not raised
    /// past it).
    fn each<'s>(
        segments: &'s [Segment],
        query: &str,
        top: usize,
        min: u8,
        live: &dyn Fn(usize, u64) -> bool,
        brute: bool,
    ) -> Result<Vec<SegmentHit<'s>>> {
        let Some(first) = segments.first() else {
            return Ok(Vec::new());
        };
        let q = Parsed::new(first.scorer, query);
        let mut all: Vec<(SegmentHit<'s>, u32)> = Vec::new();
        for (i, s) in segments.iter().enumerate() {
            if s.scorer != first.scorer {
                return Err(Error::MixedScorers {
                    expected: first.scorer,
                    got: s.scorer,
                });
            }
            let floor = match all.last() {
                Some((h, _)) if all.len() >= top => h.hit.score.max(min),
                _ => min,
            };
            let qu = s.query_units(&q);
            let v = s.view()?;
            let live = |key| live(i, key);
            let live: &dyn Fn(u64) -> bool = &live;
            let (found, _) = v
                .search(&q, &qu, top, floor, live, brute)
                .map_err(|e| s.damaged(e))?;
            for (hit, r) in found {
                let source = v.record_text(r as usize).map_err(|e| s.damaged(e))?;
                let payload = s.payload_of(r as usize)?;
                let h = SegmentHit {
                    hit,
                    segment: i,
                    source,
                    payload,
                };
                let at = all.partition_point(|(a, ar)| {
                    (std::cmp::Reverse(a.hit.score), a.hit.key, a.segment, *ar)
                        <= (std::cmp::Reverse(h.hit.score), h.hit.key, i, r)
                });
                all.insert(at, (h, r));
                all.truncate(top);
            }
        }
        Ok(all.into_iter().map(|(h, _)| h).collect())
    }
}

#[cfg(test)]
#[path = "segment_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "segment_golden_tests.rs"]
mod golden_tests;
