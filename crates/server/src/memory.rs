//! The server's one door to the engine: every engine call the handlers
//! need, and the worker threads that make them.
//!
//! Scoring is CPU work, and the store's calls block: neither runs on the
//! async threads. The handlers send a job to a [`Pool`] of worker threads,
//! which share one [`Engine`] (the opened store and its indexed memories)
//! and answer through a channel.
//!
//! The workers are scoped threads that borrow the [`Tm`] the server owns,
//! so that a memory may borrow it too. Each pair's memory is built once per
//! scorer and kept for the server's life as its lookup function (building
//! one reads the pair's sources, seconds on a million units while the index
//! is not kept on disk); a write drops them, and the next lookup builds the
//! memory again.

use std::{
    collections::HashMap,
    panic::AssertUnwindSafe,
    sync::{mpsc, Arc, Mutex, RwLock},
    time::Instant,
};

use serde::Serialize;
use tmkit_core::{Lang, Tu};
use tmkit_engine::{ConcordanceMatch, Filter, ImportOptions, ImportSummary, Match, Scorer, Tm};

/// A job for the workers: a call on the engine, answered through a channel
/// it carries.
type Job = Box<dyn for<'e, 'tm> FnOnce(&'e Engine<'tm>) + Send>;

/// [`tmkit_engine::Memory::lookup`] on one pair's memory for one scorer: the query, how
/// many matches at most, the lowest score.
type Lookup<'tm> =
    Arc<dyn Fn(&str, usize, u8) -> tmkit_engine::Result<Vec<Match>> + Send + Sync + 'tm>;

/// The engine as the server uses it: the store, and its indexed memories.
pub(crate) struct Engine<'tm> {
    tm: &'tm Tm,
    memories: RwLock<HashMap<(Lang, Lang, Scorer), Lookup<'tm>>>,
    /// Held while a memory is built, so that two requests for a pair that
    /// is not cached yet build it once.
    building: Mutex<()>,
    /// The stored languages, read once and dropped on writes.
    langs: RwLock<Option<Arc<Vec<Lang>>>>,
}

/// What a write stored.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Stored {
    /// Units stored as new.
    pub added: u64,
    /// Units merged into a stored one.
    pub merged: u64,
    /// Units refused, each with its index in the request and the reason.
    pub rejected: Vec<(usize, String)>,
}

/// The matches of one query, and the time the lookup took.
#[derive(Debug)]
pub(crate) struct Looked {
    /// Best first.
    pub matches: Vec<Match>,
    /// Microseconds spent in the lookup.
    pub elapsed_us: u64,
}

/// Figures about the store, as the API renders them.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct StoreStats {
    /// Units in all.
    pub units: u64,
    /// Units per language pair.
    pub pairs: Vec<PairCount>,
    /// Bytes on disk.
    pub size_on_disk: u64,
    /// How many imports the store records.
    pub imports: usize,
}

/// Units of one language pair.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PairCount {
    /// The source language.
    pub src: Lang,
    /// The target language.
    pub tgt: Lang,
    /// Its units.
    pub units: u64,
}

impl<'tm> Engine<'tm> {
    pub(crate) fn new(tm: &'tm Tm) -> Engine<'tm> {
        Engine {
            tm,
            memories: RwLock::new(HashMap::new()),
            building: Mutex::new(()),
            langs: RwLock::new(None),
        }
    }

    /// The lookup in the pair's memory for `scorer`, from the cache or
    /// built.
    fn memory(&self, src: &Lang, tgt: &Lang, scorer: Scorer) -> tmkit_engine::Result<Lookup<'tm>> {
        let key = (src.clone(), tgt.clone(), scorer);
        let cached = |this: &Self| {
            let memories = this.memories.read().unwrap_or_else(|e| e.into_inner());
            memories.get(&key).cloned()
        };
        if let Some(memory) = cached(self) {
            return Ok(memory);
        }
        let _building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(memory) = cached(self) {
            return Ok(memory);
        }
        let memory = self.tm.memory(src, tgt, scorer)?;
        let memory: Lookup<'tm> = Arc::new(move |query, top, min| memory.lookup(query, top, min));
        self.memories
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, memory.clone());
        Ok(memory)
    }

    /// The languages of the store's units, sorted: a lookup goes from any
    /// of them to any other (units are found by the languages they have).
    pub(crate) fn languages(&self) -> tmkit_engine::Result<Arc<Vec<Lang>>> {
        if let Some(langs) = self.langs.read().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(langs);
        }
        let mut langs: Vec<Lang> = (self.tm.stats()?.pairs.into_iter())
            .flat_map(|((src, tgt), _)| [src, tgt])
            .collect();
        langs.sort();
        langs.dedup();
        let langs = Arc::new(langs);
        *self.langs.write().unwrap_or_else(|e| e.into_inner()) = Some(langs.clone());
        Ok(langs)
    }

    /// The pair to look `src` → `tgt` up in ([`resolve`] for each), or
    /// none when the store has no such languages.
    pub(crate) fn resolve_pair(
        &self,
        src: &Lang,
        tgt: &Lang,
    ) -> tmkit_engine::Result<Option<(Lang, Lang)>> {
        let langs = self.languages()?;
        Ok(resolve(src, langs.iter()).zip(resolve(tgt, langs.iter())))
    }

    /// Drops what a write makes stale.
    fn written(&self) {
        self.memories
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        *self.langs.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The best `top` matches scoring at least `min` of each query, as
    /// `tmkit lookup` finds them for the same pair and scorer.
    pub(crate) fn lookup(
        &self,
        src: &Lang,
        tgt: &Lang,
        scorer: Scorer,
        queries: &[String],
        top: usize,
        min: u8,
    ) -> tmkit_engine::Result<Vec<Looked>> {
        let memory = self.memory(src, tgt, scorer)?;
        queries
            .iter()
            .map(|query| {
                let started = Instant::now();
                let matches = memory(query, top, min)?;
                Ok(Looked {
                    matches,
                    elapsed_us: started.elapsed().as_micros() as u64,
                })
            })
            .collect()
    }

    /// The units of the pair holding `text`'s words, best first.
    pub(crate) fn concordance(
        &self,
        src: &Lang,
        tgt: &Lang,
        text: &str,
        limit: usize,
    ) -> tmkit_engine::Result<Vec<ConcordanceMatch>> {
        self.tm.concordance(src, tgt, text, limit)
    }

    /// Figures about the store.
    pub(crate) fn stats(&self) -> tmkit_engine::Result<StoreStats> {
        let stats = self.tm.stats()?;
        Ok(StoreStats {
            units: stats.units,
            pairs: stats
                .pairs
                .into_iter()
                .map(|((src, tgt), units)| PairCount { src, tgt, units })
                .collect(),
            size_on_disk: stats.size_on_disk,
            imports: stats.imports.len(),
        })
    }

    /// Stores `(source, target)` pairs as one import named `name`
    /// (duplicates merged), and flushes.
    pub(crate) fn add_pairs(
        &self,
        name: &str,
        src: &Lang,
        tgt: &Lang,
        pairs: Vec<(String, String)>,
    ) -> tmkit_engine::Result<Stored> {
        let units: Vec<Tu> = pairs
            .into_iter()
            .map(|(source, target)| {
                Tu::bilingual(src.clone(), source.as_str(), tgt.clone(), target.as_str())
            })
            .collect();
        let report = self.tm.add_units(name, src, units);
        self.written();
        let report = report?;
        Ok(Stored {
            added: report.added,
            merged: report.merged + report.replaced,
            rejected: report.rejected,
        })
    }

    /// Imports `body`, the contents of a TMX or TSV file called `name` (a
    /// bare file name, whose extension tells the format as it does for
    /// `tmkit import`), as `tmkit import` imports a file: the same summary,
    /// soft errors and all. The body is written to a temporary directory
    /// first (the engine reads files); the summary names the file `name`.
    pub(crate) fn import(
        &self,
        name: &str,
        body: &[u8],
        opts: &ImportOptions,
    ) -> tmkit_engine::Result<ImportSummary> {
        let io = |path: &std::path::Path, op| {
            let path = path.to_path_buf();
            move |source| tmkit_engine::Error::Io { path, op, source }
        };
        let scratch = std::env::temp_dir();
        let dir = tempfile::Builder::new()
            .prefix("tmkit-serve-")
            .tempdir_in(&scratch)
            .map_err(io(&scratch, "create a temporary directory in"))?;
        let path = dir.path().join(name);
        std::fs::write(&path, body).map_err(io(&path, "write"))?;
        let summary = self.tm.import_file(&path, opts, &mut |_| {});
        self.written();
        let mut summary = summary?;
        // Messages name the temporary file: name the client's instead.
        let temporary = path.display().to_string();
        let rename = |text: &mut String| *text = text.replace(&temporary, name);
        rename(&mut summary.file);
        summary.errors.iter_mut().for_each(rename);
        summary.warnings.iter_mut().for_each(rename);
        summary.fatal.iter_mut().for_each(rename);
        Ok(summary)
    }

    /// Deletes the units with these ids; returns how many were deleted.
    pub(crate) fn delete_units(&self, ids: Vec<u64>) -> tmkit_engine::Result<u64> {
        let filter = Filter {
            ids: ids.into_iter().map(tmkit_core::TuId).collect(),
            ..Filter::default()
        };
        let deleted = self.tm.delete(&filter);
        self.written();
        deleted
    }
}

/// The handlers' side of the workers: sends jobs, awaits their answers.
#[derive(Clone)]
pub(crate) struct Pool {
    jobs: mpsc::Sender<Job>,
}

/// A job that got no answer: the server is stopping, or the job failed in a
/// way it could not report (a bug: the worker caught a panic).
#[derive(Debug)]
pub(crate) struct NoAnswer;

impl Pool {
    /// Runs `f` on a worker with the engine, and returns its result.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, NoAnswer>
    where
        T: Send + 'static,
        F: for<'e, 'tm> FnOnce(&'e Engine<'tm>) -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |engine| {
            let _ = tx.send(f(engine));
        });
        self.jobs.send(job).map_err(|_| NoAnswer)?;
        rx.await.map_err(|_| NoAnswer)
    }
}

/// Runs `serve` with a [`Pool`] whose `workers` threads share an [`Engine`]
/// over `tm`; returns once `serve` has returned, every copy of the pool is
/// dropped and the jobs already sent are done.
pub(crate) fn with_pool<R>(tm: &Tm, workers: usize, serve: impl FnOnce(Pool) -> R) -> R {
    let engine = Engine::new(tm);
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Mutex::new(rx);
    std::thread::scope(|s| {
        for _ in 0..workers.max(1) {
            s.spawn(|| work(&engine, &rx));
        }
        serve(Pool { jobs: tx })
    })
}

/// A worker: takes jobs until every sender is gone.
fn work(engine: &Engine<'_>, jobs: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = {
            let jobs = jobs.lock().unwrap_or_else(|e| e.into_inner());
            jobs.recv()
        };
        let Ok(job) = job else { return };
        // A panic is a bug; it must not take the worker down. The job's
        // channel is dropped unanswered, and the request gets a 500.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(engine)));
    }
}

/// The stored language to use for `wanted`: itself when some stored
/// language matches it (`fr` and `fr-FR` match both ways), else its base
/// language when that matches (`pt-BR` falls back to `pt` and `pt-PT`),
/// else none.
pub(crate) fn resolve<'a>(
    wanted: &Lang,
    stored: impl Iterator<Item = &'a Lang> + Clone,
) -> Option<Lang> {
    if stored.clone().any(|l| wanted.matches(l)) {
        return Some(wanted.clone());
    }
    let base = Lang::parse(wanted.primary()).ok()?;
    stored.clone().any(|l| base.matches(l)).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs(tags: &[&str]) -> Vec<Lang> {
        tags.iter().map(|t| Lang::parse(t).unwrap()).collect()
    }

    #[test]
    fn a_language_resolves_to_itself_or_its_base() {
        let stored = langs(&["pt-PT", "fr", "en-US"]);
        let resolve =
            |t: &str| resolve(&Lang::parse(t).unwrap(), stored.iter()).map(|l| l.to_string());
        assert_eq!(resolve("pt_br").as_deref(), Some("pt"));
        assert_eq!(resolve("pt-PT").as_deref(), Some("pt-PT"));
        assert_eq!(resolve("fr_ca").as_deref(), Some("fr-CA"));
        assert_eq!(resolve("en").as_deref(), Some("en"));
        assert_eq!(resolve("en-GB").as_deref(), Some("en"));
        assert_eq!(resolve("de"), None);
    }
}
