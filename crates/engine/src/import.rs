//! The import pipeline: a reader thread turns a TMX or TSV file into units,
//! the calling thread stores them in atomic batches.

use std::{
    collections::BTreeMap,
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use serde::Serialize;
use tmkit_core::{Lang, Tu};
use tmkit_store::{ImportMeta, ImportState, OnDuplicate, SourceFile, Store};
use tmkit_tmx::TmxReader;

use crate::{
    sharing::{self, Event},
    tsv::{tsv_units, TsvUnits},
    Error, Result, Tm,
};

/// Where each buffered unit starts in its file (line, column), when known.
type Positions = Vec<Option<(u64, u64)>>;

/// The units read but not stored yet: they go to the store together, as one
/// atomic batch.
struct Batch {
    units: Vec<Tu>,
    /// Where each unit starts in the file (TMX), for the units the store
    /// refuses.
    at: Positions,
}

/// How many units go into one atomic write.
const BATCH: usize = 10_000;

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
    /// Go on with an interrupted import of the same file (the same
    /// canonical path, size and modification time) instead of starting a
    /// new one: the units its stored batches hold are not stored again. A
    /// file fully imported already imports nothing; a file changed since is
    /// refused. Without it, an interrupted import of the file is rolled back
    /// before the file is imported again.
    pub resume: bool,
    /// What one TMX unit, segment and attribute may hold (see
    /// `docs/TMX.md`): a unit over a limit is skipped and reported.
    pub limits: tmkit_tmx::Limits,
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
    /// With `--resume`, when the file (the same path, size and modification
    /// time) was fully imported already: the id of that import. Nothing was
    /// read or stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_imported: Option<u64>,
}

impl Tm {
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
        let opened = std::fs::File::open(path).map_err(|e| Error::io(path, "open", e))?;
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
                TmxReader::from_reader(counted, &file)?
                    .strict(opts.strict)
                    .limits(opts.limits),
            ))
        };
        let source = SourceFile::of(path).map_err(|e| Error::io(path, "look at", e))?;
        self.import_input(file, Some(source), input, opts, &mut |units| {
            progress(Progress {
                units,
                bytes_read: bytes_read.load(Ordering::Relaxed),
                bytes_total,
            })
        })
    }

    /// The import pipeline over units read from `input`, the file `file`
    /// whose identity (the key to resume) is `source`.
    fn import_input(
        &self,
        file: String,
        source: Option<SourceFile>,
        input: Input,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        let _writer = sharing::lock_writer(&self.path)?;
        let mut summary = ImportSummary {
            file,
            ..Default::default()
        };
        let mut import = None;
        // Units an interrupted import of this file already stored: read
        // again, not stored again.
        let mut already = 0;
        let key = source.as_ref().map_or(&summary.file, |s| &s.path).clone();
        match self.store()?.last_import(&key)? {
            Some(info) if info.state == ImportState::Open => {
                let change = match (&info.meta.source, &source) {
                    (Some(then), Some(now)) => then.change(now),
                    _ => None,
                };
                if opts.resume {
                    if let Some(change) = change {
                        return Err(Error::Usage(format!(
                            "{}: cannot resume import #{}: the file changed since it stored its \
                             first {} units ({change}); import it again without --resume, which \
                             first removes what import #{} stored",
                            summary.file, info.id, info.consumed, info.id
                        )));
                    }
                    import = Some(info.id);
                    already = info.consumed;
                    summary.imported = info.added + info.merged + info.replaced;
                    summary.resumed_after = Some(info.consumed);
                } else {
                    // Importing the file again from the start: what the
                    // interrupted import stored would be stored twice.
                    let removed = self.write(true, |s| s.abort_import(info.id))?;
                    summary.warnings.push(format!(
                        "{}: import #{} of this file was interrupted after {} units; its {removed} \
                         new units were removed before importing the file again (--resume goes \
                         on with an interrupted import instead)",
                        summary.file, info.id, info.consumed
                    ));
                }
            }
            Some(info)
                if opts.resume
                    && info.state == ImportState::Committed
                    && source.is_some()
                    && info.meta.source == source =>
            {
                summary.already_imported = Some(info.id);
                return Ok(summary);
            }
            _ => {}
        }
        let mut stored = already;
        // Reading (decompressing, decoding, parsing) runs on its own thread,
        // so that it overlaps with the store's work on the other core.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(8);
        let reader = std::thread::spawn(move || read_chunks(input, tx));
        let mut src_lang = None;
        let mut batch = Batch {
            units: Vec::with_capacity(BATCH),
            at: Vec::with_capacity(BATCH),
        };
        let mut fatal = None;
        let mut store_units = |batch: &mut Batch,
                               import: &mut Option<u64>,
                               src_lang: Option<&Lang>,
                               summary: &mut ImportSummary|
         -> Result<()> {
            let n = batch.units.len() as u64;
            self.flush_batch(import, source.as_ref(), src_lang, opts, batch, summary)?;
            stored += n;
            if let (Some(id), true) = (*import, n > 0 && sharing::verbose()) {
                self.store()?.flush()?;
                sharing::notify(Event::Stored {
                    file: summary.file.clone(),
                    import: id,
                    units: stored,
                });
            }
            Ok(())
        };
        let mut run = || -> Result<()> {
            'chunks: for chunk in rx.iter() {
                src_lang = src_lang.clone().or(chunk.src_lang);
                for (item, at) in chunk.items.into_iter().zip(chunk.at) {
                    summary.tus += 1;
                    match item {
                        Ok(_) if already > 0 => already -= 1,
                        Ok(tu) => {
                            batch.units.push(tu);
                            batch.at.push(at);
                        }
                        Err((message, is_fatal)) if is_fatal || opts.strict => {
                            fatal = Some(message);
                            break 'chunks;
                        }
                        Err((message, _)) => {
                            summary.errors.push(message);
                            summary.skipped += 1;
                        }
                    }
                    if batch.units.len() == BATCH {
                        store_units(&mut batch, &mut import, src_lang.as_ref(), &mut summary)?;
                        self.step_aside_if_asked()?;
                    }
                }
                progress(summary.tus);
            }
            Ok(())
        };
        let ran = run();
        // Dropping the receiver stops a reader that is still going.
        drop(rx);
        match reader.join() {
            Ok(warnings) => summary.warnings.extend(warnings),
            // A reader that panicked read part of the file at most: nothing
            // of it may stay, as for a file cut short.
            Err(panic) => {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                fatal = fatal.or(Some(format!(
                    "{}: reading stopped on an internal error after {} units ({why})",
                    summary.file, summary.tus
                )));
            }
        }
        if let Err(e) = ran {
            // The store failed: undo what this import stored, if it can.
            if let Some(id) = import {
                let _ = self.write(true, |s| s.abort_import(id));
            }
            return Err(e);
        }
        if let Some(message) = fatal {
            summary.errors.push(message.clone());
            if let Some(id) = import {
                self.write(true, |s| s.abort_import(id))?;
            }
            summary.imported = 0;
            summary.languages.clear();
            summary.skipped = summary.tus;
            summary.fatal = Some(message);
            return Ok(summary);
        }
        store_units(&mut batch, &mut import, src_lang.as_ref(), &mut summary)?;
        if let Some(id) = import {
            self.write(true, |s| s.commit_import(id))?;
        }
        Ok(summary)
    }

    /// Writes the buffered units as one atomic batch, starting the import on
    /// the first one (once the file's source language is known).
    #[allow(clippy::too_many_arguments)]
    fn flush_batch(
        &self,
        import: &mut Option<u64>,
        source: Option<&SourceFile>,
        file_src: Option<&Lang>,
        opts: &ImportOptions,
        batch: &mut Batch,
        summary: &mut ImportSummary,
    ) -> Result<()> {
        if batch.units.is_empty() {
            return Ok(());
        }
        let id = match *import {
            Some(id) => id,
            None => {
                let src = opts
                    .src_lang
                    .clone()
                    .or_else(|| file_src.cloned())
                    .or_else(|| batch.units[0].variants.first().map(|v| v.lang.clone()))
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "{}: no source language: use --src-lang",
                            summary.file
                        ))
                    })?;
                let mut meta = ImportMeta::new(summary.file.clone(), src).policy(opts.on_duplicate);
                meta.source = source.cloned();
                let id = self.store()?.begin_import(&meta)?;
                *import = Some(id);
                id
            }
        };
        let units = std::mem::take(&mut batch.units);
        let at = std::mem::take(&mut batch.at);
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
        let report = self.write(false, |s| s.put_batch(id, units))?;
        for (i, reason) in &report.rejected {
            if let Some(langs) = counts.get_mut(*i) {
                langs.clear();
            }
            summary.errors.push(match at.get(*i) {
                Some(Some((line, column))) => format!("{}:{line}:{column}: {reason}", summary.file),
                _ => format!("{}: unit {} of batch: {reason}", summary.file, i + 1),
            });
        }
        for lang in counts.into_iter().flatten() {
            *summary.languages.entry(lang).or_insert(0) += 1;
        }
        summary.imported += report.added + report.merged + report.replaced;
        summary.duplicates_skipped += report.skipped;
        summary.skipped += report.rejected.len() as u64;
        Ok(())
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
pub(crate) type UnitResult = std::result::Result<Tu, (String, bool)>;

/// The units of one input file.
enum Input {
    Tmx(Box<TmxReader<'static>>),
    Tsv(Box<TsvUnits>),
    /// Units from anywhere: the tests' inputs that fail on purpose.
    #[cfg(test)]
    Units(Box<dyn Iterator<Item = UnitResult> + Send>),
}

/// Units read ahead by the reader thread, with the file's source language
/// once the reader knows it.
struct Chunk {
    items: Vec<UnitResult>,
    /// Where each item starts in the file, when the input knows.
    at: Vec<Option<(u64, u64)>>,
    src_lang: Option<Lang>,
}

/// Reads `input` into chunks of 1,024 units until it ends, a fatal error
/// comes, or the receiver hangs up; returns the reader's warnings.
fn read_chunks(mut input: Input, tx: std::sync::mpsc::SyncSender<Chunk>) -> Vec<String> {
    let mut items = Vec::with_capacity(1024);
    let mut at = Vec::with_capacity(1024);
    while let Some(item) = input.next() {
        let fatal = matches!(item, Err((_, true)));
        items.push(item);
        at.push(input.position());
        if items.len() == 1024 || fatal {
            let chunk = Chunk {
                items: std::mem::replace(&mut items, Vec::with_capacity(1024)),
                at: std::mem::replace(&mut at, Vec::with_capacity(1024)),
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
            at,
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
            #[cfg(test)]
            Input::Units(units) => units.next(),
        }
    }

    /// Where the item last read starts (line, column), when the input knows.
    fn position(&mut self) -> Option<(u64, u64)> {
        match self {
            Input::Tmx(reader) => Some(reader.unit_position()),
            _ => None,
        }
    }

    fn source_lang(&self) -> Option<Lang> {
        match self {
            Input::Tmx(reader) => reader.source_lang().cloned(),
            Input::Tsv(_) => None,
            #[cfg(test)]
            Input::Units(_) => None,
        }
    }

    fn warnings(&self) -> Vec<String> {
        match self {
            Input::Tmx(reader) => reader.warnings().iter().map(|d| d.to_string()).collect(),
            Input::Tsv(units) => units.warnings(),
            #[cfg(test)]
            Input::Units(_) => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    /// `n` good units, then `last`.
    fn units_then(n: u64, last: Option<UnitResult>) -> Input {
        let good = (0..n).map(|i| {
            Ok(Tu::bilingual(
                lang("fr"),
                format!("Phrase {i}.").as_str(),
                lang("en"),
                format!("Sentence {i}.").as_str(),
            ))
        });
        Input::Units(Box::new(good.chain(last)))
    }

    fn opts() -> ImportOptions {
        ImportOptions {
            src_lang: Some(lang("fr")),
            ..Default::default()
        }
    }

    #[test]
    fn a_reader_that_panics_fails_the_import_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let tm = Tm::create(dir.path()).unwrap();
        // Past two batches, so that units were stored before the panic.
        let panicking = Input::Units(Box::new(
            match units_then(25_000, None) {
                Input::Units(units) => units,
                _ => unreachable!(),
            }
            .chain(std::iter::from_fn(|| panic!("decoder bug"))),
        ));
        let summary = tm
            .import_input("a.tmx".into(), None, panicking, &opts(), &mut |_| {})
            .unwrap();
        let fatal = summary.fatal.expect("the import failed");
        assert!(
            fatal.contains("a.tmx") && fatal.contains("decoder bug"),
            "{fatal}"
        );
        assert_eq!(summary.imported, 0);
        let stats = tm.stats().unwrap();
        assert_eq!(stats.units, 0, "the file's units were rolled back");
        assert_eq!(stats.imports[0].state, ImportState::Aborted);
    }

    #[test]
    fn a_read_error_after_some_units_fails_the_import_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let tm = Tm::create(dir.path()).unwrap();
        let failing = units_then(
            12_000,
            Some(Err(("a.tsv:12001: cannot read: disk gone".into(), true))),
        );
        let summary = tm
            .import_input("a.tsv".into(), None, failing, &opts(), &mut |_| {})
            .unwrap();
        assert!(summary.fatal.unwrap().contains("disk gone"));
        assert_eq!(tm.stats().unwrap().units, 0);
    }
}
