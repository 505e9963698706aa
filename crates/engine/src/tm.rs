use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock, RwLockReadGuard,
    },
};

use serde::Serialize;
use tmkit_core::{Lang, Tu, TuId};
use tmkit_fuzzy::{Analysis, Concordance, Explanation, Index, Scorer};
use tmkit_store::{
    DedupeReport, Fault, Filter, ImportMeta, OnDuplicate, PutReport, SledStore, Stats, Store,
};
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

use crate::{align::CONFIDENCE_PROP, sharing, Error, Result};

/// How many units go into one atomic write.
const BATCH: usize = 10_000;

/// An opened translation memory (a sled store on disk).
pub struct Tm {
    /// `None` only while an import has stepped aside for another process.
    store: RwLock<Option<SledStore>>,
    path: PathBuf,
    /// Held while this process uses a store another process is importing
    /// into (dropped after the store, so the importer waits for the close).
    _ticket: Option<sharing::Ticket>,
}

/// A read guard on the open store.
struct StoreRef<'a>(RwLockReadGuard<'a, Option<SledStore>>);

impl std::ops::Deref for StoreRef<'_> {
    type Target = SledStore;
    fn deref(&self) -> &SledStore {
        // `store()` only hands out a guard on `Some`.
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("checked by Tm::store"))
    }
}

/// Settings of an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The source language; by default the file's (TMX header `srclang`).
    pub src_lang: Option<Lang>,
    /// The target language, needed for TSV input.
    pub tgt_lang: Option<Lang>,
    /// What to do with duplicates.
    pub on_duplicate: OnDuplicate,
    /// Make any problem fatal: nothing is imported from a file with a broken unit.
    pub strict: bool,
    /// Go on with an interrupted import of the same file instead of starting
    /// a new one: the units its committed batches hold are not read again.
    pub resume: bool,
}

/// What an import did, per file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportSummary {
    /// The file.
    pub file: String,
    /// Every unit seen (`<tu>` elements, or TSV lines).
    pub tus: u64,
    /// Units accepted into the store (merged duplicates included).
    pub imported: u64,
    /// Units not imported because they are broken.
    pub skipped: u64,
    /// Units left out by the duplicate policy `skip` (not counted in `skipped`).
    pub duplicates_skipped: u64,
    /// Variants imported per normalized language.
    pub languages: BTreeMap<String, u64>,
    /// Problems that did not stop the import.
    pub warnings: Vec<String>,
    /// Units that were skipped, and fatal errors, each with its location.
    pub errors: Vec<String>,
    /// With `--resume`: how many units of the file an interrupted import had
    /// stored, which were not read again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_after: Option<u64>,
    /// Set when the file could not be imported at all; the store is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fatal: Option<String>,
}

/// The formats of [`Tm::export`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// TMX 1.4b, plain text.
    Tmx,
    /// TMX 1.4b with inline markup.
    TmxMarkup,
    /// `source<TAB>target` lines.
    Tsv,
}

impl Tm {
    /// Opens the store in `path`, creating it when absent.
    ///
    /// When another process is importing into the store, this waits (up to
    /// two minutes) for the importer to step aside between two batches; the
    /// import goes on once this `Tm` is dropped.
    pub fn open(path: &Path) -> Result<Tm> {
        let (store, ticket) = match SledStore::open(path) {
            Ok(store) => (store, None),
            Err(tmkit_store::Error::Locked { .. }) if sharing::writer_elsewhere(path) => {
                let ticket = sharing::take_ticket(path)?;
                let store = sharing::open_when_free(|| Ok(SledStore::open(path)?))?;
                (store, Some(ticket))
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Tm {
            store: RwLock::new(Some(store)),
            path: path.to_path_buf(),
            _ticket: ticket,
        })
    }

    /// The open store.
    fn store(&self) -> Result<StoreRef<'_>> {
        let guard = self.store.read().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            return Err(Error::Usage(format!(
                "{}: the store is closed",
                self.path.display()
            )));
        }
        Ok(StoreRef(guard))
    }

    /// Between two batches of an import: if another process asked for the
    /// store, close it, wait until that process is done, and open it again.
    fn step_aside_if_asked(&self) -> Result<()> {
        if !sharing::readers_waiting(&self.path) {
            return Ok(());
        }
        {
            let mut slot = self.store.write().unwrap_or_else(|e| e.into_inner());
            if let Some(store) = slot.take() {
                store.flush()?;
            }
        }
        sharing::wait_for_readers(&self.path);
        let store = sharing::open_when_free(|| Ok(SledStore::open(&self.path)?))?;
        *self.store.write().unwrap_or_else(|e| e.into_inner()) = Some(store);
        Ok(())
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores `units` as one import named `source` with source language
    /// `src_lang` (merging duplicates), and flushes.
    pub fn add_units(&self, source: &str, src_lang: &Lang, units: Vec<Tu>) -> Result<PutReport> {
        let _writer = sharing::lock_writer(&self.path)?;
        let import = self
            .store()?
            .begin_import(&ImportMeta::new(source, src_lang.clone()))?;
        match self.store()?.put_batch(import, units) {
            Ok(report) => {
                self.store()?.commit_import(import)?;
                Ok(report)
            }
            Err(err) => {
                self.store()?.abort_import(import)?;
                Err(err.into())
            }
        }
    }

    /// Imports a TMX file (or TSV, by its `.tsv`/`.txt` extension). Units go
    /// in atomic batches; a fatal error (the file is not XML, is cut short)
    /// aborts the import, removing the units it added.
    ///
    /// `progress` is called after each chunk of units read with the units
    /// read so far and how far into the file the reader is.
    pub fn import_file(
        &self,
        path: &Path,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportSummary> {
        let file = path.display().to_string();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let opened = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let bytes_total = opened.metadata().map(|m| m.len()).unwrap_or(0);
        let bytes_read = Arc::new(AtomicU64::new(0));
        let counted = Counted {
            inner: opened,
            read: Arc::clone(&bytes_read),
        };
        let is_tsv = [".tsv", ".txt", ".tsv.gz", ".txt.gz"]
            .iter()
            .any(|e| name.ends_with(e));
        let input = if is_tsv {
            let (src, tgt) = match (&opts.src_lang, &opts.tgt_lang) {
                (Some(s), Some(t)) => (s.clone(), t.clone()),
                _ => {
                    return Err(Error::Usage(format!(
                        "{file}: TSV input needs --src-lang and --tgt-lang (the languages of its two columns)"
                    )))
                }
            };
            Input::Tsv(Box::new(tsv_units(counted, path, src, tgt)))
        } else {
            Input::Tmx(Box::new(
                TmxReader::from_reader(counted, &file)?.strict(opts.strict),
            ))
        };
        let _writer = sharing::lock_writer(&self.path)?;
        let mut summary = ImportSummary {
            file,
            ..Default::default()
        };
        let mut import = None;
        // Units an interrupted import of this file already stored: read
        // again, not stored again.
        let mut already = 0;
        if opts.resume {
            if let Some(info) = self.store()?.resume_point(&summary.file)? {
                import = Some(info.id);
                already = info.consumed;
                summary.imported = info.added + info.merged + info.replaced;
                summary.resumed_after = Some(info.consumed);
            }
        }
        // Reading (decompressing, decoding, parsing) runs on its own thread,
        // so that it overlaps with the store's work on the other core.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(8);
        let reader = std::thread::spawn(move || read_chunks(input, tx));
        let mut src_lang = None;
        let mut buf: Vec<Tu> = Vec::with_capacity(BATCH);
        let mut fatal = None;
        'chunks: for chunk in rx.iter() {
            src_lang = src_lang.or(chunk.src_lang);
            for item in chunk.items {
                summary.tus += 1;
                match item {
                    Ok(_) if already > 0 => already -= 1,
                    Ok(tu) => buf.push(tu),
                    Err((message, is_fatal)) if is_fatal || opts.strict => {
                        fatal = Some(message);
                        break 'chunks;
                    }
                    Err((message, _)) => {
                        summary.errors.push(message);
                        summary.skipped += 1;
                    }
                }
                if buf.len() == BATCH {
                    self.flush_batch(&mut import, src_lang.as_ref(), opts, &mut buf, &mut summary)?;
                    self.step_aside_if_asked()?;
                }
            }
            progress(Progress {
                units: summary.tus,
                bytes_read: bytes_read.load(Ordering::Relaxed),
                bytes_total,
            });
        }
        // Dropping the receiver stops a reader that is still going.
        drop(rx);
        summary.warnings = reader.join().unwrap_or_default();
        if let Some(message) = fatal {
            summary.errors.push(message.clone());
            if let Some(id) = import {
                self.store()?.abort_import(id)?;
            }
            summary.imported = 0;
            summary.languages.clear();
            summary.skipped = summary.tus;
            summary.fatal = Some(message);
            return Ok(summary);
        }
        self.flush_batch(&mut import, src_lang.as_ref(), opts, &mut buf, &mut summary)?;
        if let Some(id) = import {
            self.store()?.commit_import(id)?;
        }
        Ok(summary)
    }

    /// Writes the buffered units as one atomic batch, starting the import on
    /// the first one (once the file's source language is known).
    fn flush_batch(
        &self,
        import: &mut Option<u64>,
        file_src: Option<&Lang>,
        opts: &ImportOptions,
        buf: &mut Vec<Tu>,
        summary: &mut ImportSummary,
    ) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let id = match *import {
            Some(id) => id,
            None => {
                let src = opts
                    .src_lang
                    .clone()
                    .or_else(|| file_src.cloned())
                    .or_else(|| buf[0].variants.first().map(|v| v.lang.clone()))
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "{}: no source language: use --src-lang",
                            summary.file
                        ))
                    })?;
                let id = self.store()?.begin_import(
                    &ImportMeta::new(summary.file.clone(), src).policy(opts.on_duplicate),
                )?;
                *import = Some(id);
                id
            }
        };
        let units = std::mem::take(buf);
        let mut counts: Vec<Vec<String>> = units
            .iter()
            .map(|tu| tu.variants.iter().map(|v| v.lang.to_string()).collect())
            .collect();
        // Each batch is atomic with the import's progress counter, so a crash
        // leaves whole batches and `--resume` goes on after the last one that
        // reached the disk. Flushing after every batch made a 100k-unit
        // import spend 2.2 s waiting for the disk instead of 0.9 s (here);
        // sled flushes on its own every 500 ms, and the import flushes when it
        // commits.
        let report = self.store()?.put_batch(id, units)?;
        for (i, reason) in &report.rejected {
            if let Some(langs) = counts.get_mut(*i) {
                langs.clear();
            }
            summary.errors.push(format!(
                "{}: unit {} of batch: {reason}",
                summary.file,
                i + 1
            ));
        }
        for lang in counts.into_iter().flatten() {
            *summary.languages.entry(lang).or_insert(0) += 1;
        }
        summary.imported += report.added + report.merged + report.replaced;
        summary.duplicates_skipped += report.skipped;
        summary.skipped += report.rejected.len() as u64;
        Ok(())
    }

    /// Writes the units of the pair that `filter` selects (all of them with
    /// `Filter::default()`) to `w`; returns how many.
    pub fn export(
        &self,
        src: &Lang,
        tgt: &Lang,
        filter: &Filter,
        format: ExportFormat,
        w: &mut dyn Write,
    ) -> Result<u64> {
        let store = self.store()?;
        let units: tmkit_store::Iter<'_, tmkit_store::Record> = if filter.is_all() {
            store.units(src, tgt)?
        } else {
            let has_pair = |r: &tmkit_store::Record| {
                r.tu.variant(src).is_some() && r.tu.variant(tgt).is_some()
            };
            Box::new(
                store
                    .records(filter)?
                    .filter(move |r| r.as_ref().map_or(true, has_pair)),
            )
        };
        let mut n = 0;
        match format {
            ExportFormat::Tsv => {
                for record in units {
                    let tu = record?.tu;
                    write_tsv_line(w, &tu, src, tgt).map_err(|e| Error::io("<output>", e))?;
                    n += 1;
                }
            }
            ExportFormat::Tmx | ExportFormat::TmxMarkup => {
                let mut opts = WriteOptions::new(src.clone());
                opts.markup = format == ExportFormat::TmxMarkup;
                let mut writer = TmxWriter::new(w, opts)?;
                for record in units {
                    let mut tu = record?.tu;
                    tu.variants
                        .retain(|v| v.lang.matches(src) || v.lang.matches(tgt));
                    writer.write_tu(&tu)?;
                    n += 1;
                }
                writer.finish()?;
            }
        }
        Ok(n)
    }

    /// Figures about the store.
    pub fn stats(&self) -> Result<Stats> {
        Ok(self.store()?.stats()?)
    }

    /// Calls `f` with every unit of the pair, in id order.
    pub fn for_each_unit(&self, src: &Lang, tgt: &Lang, f: &mut dyn FnMut(&Tu)) -> Result<()> {
        let store = self.store()?;
        for record in store.units(src, tgt)? {
            f(&record?.tu);
        }
        Ok(())
    }

    /// Checks the store's integrity; empty when it is sound.
    pub fn check(&self) -> Result<Vec<Fault>> {
        Ok(self.store()?.check()?)
    }

    /// Deletes the units `filter` selects; returns how many.
    pub fn delete(&self, filter: &Filter) -> Result<u64> {
        let _writer = sharing::lock_writer(&self.path)?;
        Ok(self.store()?.delete(filter)?)
    }

    /// Applies a duplicate policy to the units already stored.
    pub fn dedupe(&self, policy: OnDuplicate) -> Result<DedupeReport> {
        let _writer = sharing::lock_writer(&self.path)?;
        Ok(self.store()?.dedupe(policy)?)
    }

    /// Loads the sources of the pair into a fuzzy index.
    pub fn memory(&self, src: &Lang, tgt: &Lang, scorer: Scorer) -> Result<Memory<'_>> {
        let mut index = Index::new(scorer);
        for source in self.store()?.sources(src, tgt)? {
            let (id, text) = source?;
            index.add(id.0, &text);
        }
        index.build();
        Ok(Memory {
            tm: self,
            index,
            src: src.clone(),
            tgt: tgt.clone(),
            brute_force: false,
        })
    }

    /// The units of the pair whose source or target holds `text`'s words, best
    /// first (a phrase before scattered words, short texts before long ones),
    /// at most `limit`. Scans the pair's units.
    pub fn concordance(
        &self,
        src: &Lang,
        tgt: &Lang,
        text: &str,
        limit: usize,
    ) -> Result<Vec<ConcordanceMatch>> {
        let query = Concordance::new(text);
        let mut out = Vec::new();
        if query.is_empty() {
            return Ok(out);
        }
        for record in self.store()?.units(src, tgt)? {
            let record = record?;
            let plain = |lang| {
                record
                    .tu
                    .variant(lang)
                    .map(|v| v.seg.plain_text())
                    .unwrap_or_default()
            };
            let (source, target) = (plain(src), plain(tgt));
            let (in_src, in_tgt) = (query.find(&source), query.find(&target));
            let score = in_src
                .as_ref()
                .map_or(0, |h| h.score)
                .max(in_tgt.as_ref().map_or(0, |h| h.score));
            if score == 0 {
                continue;
            }
            out.push(ConcordanceMatch {
                id: record.id,
                score,
                source_spans: in_src.map(|h| h.spans).unwrap_or_default(),
                target_spans: in_tgt.map(|h| h.spans).unwrap_or_default(),
                source,
                target,
            });
        }
        out.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(limit);
        Ok(out)
    }
}

/// How far an import has come.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Units read so far.
    pub units: u64,
    /// Bytes of the file read so far (compressed bytes for `.gz`).
    pub bytes_read: u64,
    /// The file's size in bytes.
    pub bytes_total: u64,
}

/// A reader that counts the bytes it hands out, for progress and ETA.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A unit read from an input, or a message and whether it is fatal.
type UnitResult = std::result::Result<Tu, (String, bool)>;

/// The units of one input file.
enum Input {
    Tmx(Box<TmxReader<'static>>),
    Tsv(Box<dyn Iterator<Item = UnitResult> + Send>),
}

/// Units read ahead by the reader thread, with the file's source language
/// once the reader knows it.
struct Chunk {
    items: Vec<UnitResult>,
    src_lang: Option<Lang>,
}

/// Reads `input` into chunks of 1,024 units until it ends, a fatal error
/// comes, or the receiver hangs up; returns the reader's warnings.
fn read_chunks(mut input: Input, tx: std::sync::mpsc::SyncSender<Chunk>) -> Vec<String> {
    let mut items = Vec::with_capacity(1024);
    while let Some(item) = input.next() {
        let fatal = matches!(item, Err((_, true)));
        items.push(item);
        if items.len() == 1024 || fatal {
            let chunk = Chunk {
                items: std::mem::replace(&mut items, Vec::with_capacity(1024)),
                src_lang: input.source_lang(),
            };
            if tx.send(chunk).is_err() || fatal {
                return input.warnings();
            }
        }
    }
    if !items.is_empty() {
        let _ = tx.send(Chunk {
            items,
            src_lang: input.source_lang(),
        });
    }
    input.warnings()
}

impl Input {
    fn next(&mut self) -> Option<UnitResult> {
        match self {
            Input::Tmx(reader) => reader
                .next()
                .map(|r| r.map_err(|e| (e.to_string(), e.is_fatal()))),
            Input::Tsv(lines) => lines.next(),
        }
    }

    fn source_lang(&self) -> Option<Lang> {
        match self {
            Input::Tmx(reader) => reader.source_lang().cloned(),
            Input::Tsv(_) => None,
        }
    }

    fn warnings(&self) -> Vec<String> {
        match self {
            Input::Tmx(reader) => reader.warnings().iter().map(|d| d.to_string()).collect(),
            Input::Tsv(_) => vec![],
        }
    }
}

/// The units of a `source<TAB>target` file (gzip-compressed when its name
/// ends in `.gz`), read line by line: memory does not grow with the file.
fn tsv_units(
    file: impl std::io::Read + Send + 'static,
    path: &Path,
    src: Lang,
    tgt: Lang,
) -> impl Iterator<Item = UnitResult> + Send {
    let raw: Box<dyn std::io::Read + Send> = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let name = path.display().to_string();
    let lines = std::io::BufRead::lines(std::io::BufReader::with_capacity(1 << 16, raw));
    lines.enumerate().filter_map(move |(i, line)| {
        let line = match line {
            Ok(line) => line,
            Err(e) => return Some(Err((format!("{name}:{}: cannot read: {e}", i + 1), true))),
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(match line.split_once('\t') {
            Some((s, t)) if !s.trim().is_empty() && !t.trim().is_empty() => {
                let t = t.split('\t').next().unwrap_or(t);
                Ok(Tu::bilingual(src.clone(), s, tgt.clone(), t))
            }
            _ => Err((
                format!(
                    "{name}:{}: expected source<TAB>target, got {:?}; line skipped",
                    i + 1,
                    truncate(&line, 60)
                ),
                false,
            )),
        })
    })
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// A text as one TSV field: TSV has no quoting, so tabs and line breaks
/// become spaces.
pub fn tsv_field(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

fn write_tsv_line(w: &mut dyn Write, tu: &Tu, src: &Lang, tgt: &Lang) -> std::io::Result<()> {
    let field = |lang| {
        tu.variant(lang)
            .map(|v| tsv_field(&v.seg.plain_text()))
            .unwrap_or_default()
    };
    writeln!(w, "{}\t{}", field(src), field(tgt))
}

/// Writes `units` as a TMX 1.4b document with source language `src`.
pub fn write_tmx(w: &mut dyn Write, src: &Lang, units: &[Tu]) -> Result<()> {
    let mut opts = WriteOptions::new(src.clone());
    opts.markup = false;
    let mut writer = TmxWriter::new(w, opts)?;
    for tu in units {
        writer.write_tu(tu)?;
    }
    writer.finish()?;
    Ok(())
}

/// The units of one language pair, indexed for lookups.
pub struct Memory<'tm> {
    tm: &'tm Tm,
    index: Index,
    src: Lang,
    tgt: Lang,
    brute_force: bool,
}

/// A unit found by [`Tm::concordance`].
#[derive(Clone, Debug, Serialize)]
pub struct ConcordanceMatch {
    /// The unit's id.
    pub id: TuId,
    /// The rank, 1..=100.
    pub score: u8,
    /// The source text.
    pub source: String,
    /// The target text.
    pub target: String,
    /// Byte ranges of the hits in the source.
    pub source_spans: Vec<std::ops::Range<usize>>,
    /// Byte ranges of the hits in the target.
    pub target_spans: Vec<std::ops::Range<usize>>,
}

/// A match found by [`Memory::lookup`].
#[derive(Clone, Debug, Serialize)]
pub struct Match {
    /// The unit's id.
    pub id: TuId,
    /// The score shown to the translator, 0..=100, penalties included.
    pub score: u8,
    /// The stored source text.
    pub source: String,
    /// The stored target text.
    pub target: String,
    /// The target with the query's numbers or placeholders substituted, when
    /// source and query differ only in those.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub substituted: Option<String>,
    /// The alignment confidence of a unit made by `tmkit align`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub align_confidence: Option<f64>,
    /// Points taken off for a doubtful alignment.
    pub align_penalty: u8,
    /// Why the text scored what it did.
    pub explanation: Explanation,
}

impl Memory<'_> {
    /// How many sources are indexed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no source is indexed.
    pub fn is_empty(&self) -> bool {
        self.index.len() == 0
    }

    /// Look up by scanning every source instead of using the index (for
    /// checking the index: the results must be the same).
    pub fn brute_force(mut self, on: bool) -> Self {
        self.brute_force = on;
        self
    }

    /// An estimate of the index's memory, in bytes.
    pub fn index_bytes(&self) -> usize {
        self.index.memory_bytes()
    }

    /// The raw index hits for `query`: by the index, or by a full scan.
    pub fn hits(
        &self,
        query: &str,
        top: usize,
        min: u8,
        brute_force: bool,
    ) -> Vec<tmkit_fuzzy::Hit> {
        if brute_force {
            self.index.brute_force(query, top, min)
        } else {
            self.index.search(query, top, min)
        }
    }

    /// Classifies each sentence by its best match, as CAT tools' analysis
    /// reports do (repetitions within the document counted apart).
    pub fn analyze<'s>(&self, sentences: impl IntoIterator<Item = &'s str>) -> Result<Analysis> {
        let mut analysis = Analysis::new();
        for sentence in sentences {
            let best = self.lookup(sentence, 1, 50)?.first().map(|m| m.score);
            analysis.add(sentence, best);
        }
        Ok(analysis)
    }

    /// The best `top` matches of `query` scoring at least `min`, best first.
    ///
    /// Units made by alignment with a low confidence lose points; to stay
    /// exact, the search widens until no unpenalized candidate beyond the
    /// ones fetched could outrank the last one kept.
    pub fn lookup(&self, query: &str, top: usize, min: u8) -> Result<Vec<Match>> {
        if top == 0 {
            return Ok(vec![]);
        }
        let mut want = top;
        loop {
            let hits = self.hits(query, want, min, self.brute_force);
            let exhausted = hits.len() < want;
            let floor = hits.last().map(|h| h.score);
            let mut matches = Vec::with_capacity(hits.len());
            for hit in hits {
                let Some(record) = self.tm.store()?.get(TuId(hit.key))? else {
                    continue;
                };
                let tu = &record.tu;
                let text = |lang| {
                    tu.variant(lang)
                        .map(|v| v.seg.plain_text())
                        .unwrap_or_default()
                };
                let (source, target) = (text(&self.src), text(&self.tgt));
                let align_confidence = tu.prop(CONFIDENCE_PROP).and_then(|c| c.parse::<f64>().ok());
                let align_penalty = align_confidence.map_or(0, confidence_penalty);
                let score = hit.score.saturating_sub(align_penalty);
                if score < min {
                    continue;
                }
                let substituted = tmkit_fuzzy::substitute_placeables(query, &source, &target);
                matches.push(Match {
                    id: record.id,
                    score,
                    source,
                    target,
                    substituted,
                    align_confidence,
                    align_penalty,
                    explanation: hit.explanation,
                });
            }
            matches.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
            matches.truncate(top);
            let settled = match (matches.last(), floor) {
                (Some(last), Some(floor)) => matches.len() == top && last.score >= floor,
                _ => true,
            };
            if exhausted || settled {
                return Ok(matches);
            }
            want *= 2;
        }
    }
}

/// Points off for an aligned unit of confidence `c`: none from 0.8 up, then
/// one point per 0.05 below, at most 10.
fn confidence_penalty(c: f64) -> u8 {
    // In whole hundredths, so that 0.5 is exactly 6 points, not 7 by a
    // rounding error of the division.
    let hundredths = (c.clamp(0.0, 1.0) * 100.0).round() as u8;
    if hundredths >= 80 {
        0
    } else {
        (80 - hundredths).div_ceil(5).min(10)
    }
}

#[cfg(test)]
mod tests {
    use super::confidence_penalty;

    #[test]
    fn penalty_grows_as_confidence_falls() {
        assert_eq!(confidence_penalty(0.95), 0);
        assert_eq!(confidence_penalty(0.8), 0);
        assert_eq!(confidence_penalty(0.76), 1);
        assert_eq!(confidence_penalty(0.5), 6);
        assert_eq!(confidence_penalty(0.0), 10);
    }
}
