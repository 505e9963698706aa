use std::fmt;

use tmkit_core::{Lang, Tu, TuId};

/// What an import does with a unit whose source text is already stored for
/// its source language.
///
/// Sources are compared after trimming and collapsing white space; targets
/// are compared as the set of (language, text) of all non-source variants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OnDuplicate {
    /// Same source and same targets: merge into the stored unit (attributes
    /// and props of the newer unit win, notes are added, usage counts add
    /// up). Same source with other targets: keep both, as alternatives.
    #[default]
    Merge,
    /// Always store the new unit.
    KeepBoth,
    /// Replace the stored unit(s) with the same source by the new one, which
    /// takes the id of the oldest.
    Overwrite,
    /// Keep the stored unit and drop the new one.
    Skip,
}

impl OnDuplicate {
    /// The name used on the command line (`merge`, `keep-both`, …).
    pub fn name(self) -> &'static str {
        match self {
            OnDuplicate::Merge => "merge",
            OnDuplicate::KeepBoth => "keep-both",
            OnDuplicate::Overwrite => "overwrite",
            OnDuplicate::Skip => "skip",
        }
    }

    /// The policy named `name`, as [`OnDuplicate::name`] spells it.
    pub fn from_name(name: &str) -> Option<OnDuplicate> {
        [
            OnDuplicate::Merge,
            OnDuplicate::KeepBoth,
            OnDuplicate::Overwrite,
            OnDuplicate::Skip,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            OnDuplicate::Merge => 0,
            OnDuplicate::KeepBoth => 1,
            OnDuplicate::Overwrite => 2,
            OnDuplicate::Skip => 3,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<OnDuplicate> {
        Some(match code {
            0 => OnDuplicate::Merge,
            1 => OnDuplicate::KeepBoth,
            2 => OnDuplicate::Overwrite,
            3 => OnDuplicate::Skip,
            _ => return None,
        })
    }
}

impl fmt::Display for OnDuplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stored unit with its provenance and history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its id.
    pub id: TuId,
    /// The unit, every language variant included.
    pub tu: Tu,
    /// The language of its source variant (the exact tag of that variant).
    pub src: Lang,
    /// The import that stored it (or last overwrote it).
    pub batch: u64,
    /// The file that import read.
    pub file: String,
    /// When it was stored, in seconds since the Unix epoch.
    pub created: u64,
    /// When it last changed (merge, overwrite), in seconds since the epoch.
    pub changed: u64,
    /// How many times it was used: the TMX `usagecount`, plus merges and
    /// [`Store::touch`](crate::Store::touch) calls.
    pub usage: u64,
}

/// What an import is told when it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportMeta {
    /// The file being imported, as it was named (kept as provenance).
    pub file: String,
    /// The source language: the variant that duplicate detection compares.
    pub src: Lang,
    /// What to do with duplicates.
    pub policy: OnDuplicate,
    /// Which file this is, whatever it was called: the key to resume an
    /// import. `None` for imports of something else than a file, and for
    /// imports stored before it was recorded: those are found by `file`.
    pub source: Option<SourceFile>,
}

impl ImportMeta {
    /// An import of `file` with source language `src` and the default policy.
    pub fn new(file: impl Into<String>, src: Lang) -> ImportMeta {
        ImportMeta {
            file: file.into(),
            src,
            policy: OnDuplicate::default(),
            source: None,
        }
    }

    /// The same meta with another duplicate policy.
    pub fn policy(mut self, policy: OnDuplicate) -> ImportMeta {
        self.policy = policy;
        self
    }

    /// The same meta with the identity of the file read.
    pub fn source(mut self, source: SourceFile) -> ImportMeta {
        self.source = Some(source);
        self
    }

    /// What [`Store::last_import`](crate::Store::last_import) looks the
    /// import up by: the file's canonical path when known, else its name.
    pub fn key(&self) -> &str {
        self.source.as_ref().map_or(&self.file, |s| &s.path)
    }
}

/// The identity of an imported file: the same path, size and modification
/// time mean the same content, as far as resuming an import is concerned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceFile {
    /// The canonical path (absolute, links resolved), so that `./a.tsv`
    /// and `a.tsv` are one file.
    pub path: String,
    /// The size in bytes.
    pub size: u64,
    /// The modification time, in nanoseconds since the Unix epoch (0 when
    /// the file system does not keep it).
    pub modified: u64,
}

impl SourceFile {
    /// The identity of the file at `path` as it is now.
    pub fn of(path: &std::path::Path) -> std::io::Result<SourceFile> {
        let canonical = std::fs::canonicalize(path)?;
        let meta = std::fs::metadata(&canonical)?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Ok(SourceFile {
            path: canonical.to_string_lossy().into_owned(),
            size: meta.len(),
            modified,
        })
    }

    /// How `now` differs from this identity, in words; `None` when it is
    /// the same file with the same content.
    pub fn change(&self, now: &SourceFile) -> Option<String> {
        if self.size != now.size {
            Some(format!(
                "its size went from {} to {} bytes",
                self.size, now.size
            ))
        } else if self.modified != now.modified {
            Some("it was modified (its size is the same)".to_string())
        } else if self.path != now.path {
            Some(format!("it is now {}", now.path))
        } else {
            None
        }
    }
}

/// Where an import stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportState {
    /// Started, not committed: its batches so far are stored, more may come
    /// (resume) or it may be aborted.
    Open,
    /// Finished and flushed.
    Committed,
    /// Abandoned; the units it added were removed.
    Aborted,
}

impl ImportState {
    /// `open`, `committed` or `aborted`.
    pub fn name(self) -> &'static str {
        match self {
            ImportState::Open => "open",
            ImportState::Committed => "committed",
            ImportState::Aborted => "aborted",
        }
    }
}

/// An import as the store records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportInfo {
    /// Its id.
    pub id: u64,
    /// What it was started with.
    pub meta: ImportMeta,
    /// Where it stands.
    pub state: ImportState,
    /// When it started, in seconds since the Unix epoch.
    pub started: u64,
    /// When it was committed or aborted.
    pub finished: Option<u64>,
    /// Batches stored.
    pub batches: u64,
    /// Units handed to it in stored batches: a resumed import skips this
    /// many units of its file.
    pub consumed: u64,
    /// Units it stored as new, over all its batches.
    pub added: u64,
    /// Units it merged into stored ones.
    pub merged: u64,
    /// Stored units it replaced.
    pub replaced: u64,
    /// Units it dropped by its duplicate policy.
    pub skipped: u64,
    /// Units it refused.
    pub rejected: u64,
}

impl ImportInfo {
    pub(crate) fn count(&mut self, report: &PutReport) {
        self.added += report.added;
        self.merged += report.merged;
        self.replaced += report.replaced;
        self.skipped += report.skipped;
        self.rejected += report.rejected.len() as u64;
    }
}

/// What storing units did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PutReport {
    /// Units stored as new.
    pub added: u64,
    /// Units merged into a stored one.
    pub merged: u64,
    /// Stored units replaced by a new one (overwrite policy).
    pub replaced: u64,
    /// Units dropped by the duplicate policy.
    pub skipped: u64,
    /// Units refused, with their index in the batch and the reason (no
    /// variant in the source language).
    pub rejected: Vec<(usize, String)>,
}

/// Figures about a store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Units in all.
    pub units: u64,
    /// Units per (source, target) language pair: a unit counts once for
    /// each language it has besides its source one.
    pub pairs: Vec<((Lang, Lang), u64)>,
    /// Bytes the store takes on disk (0 for the in-memory store).
    pub size_on_disk: u64,
    /// Every import, oldest first.
    pub imports: Vec<ImportInfo>,
}

/// Which units an operation applies to: all the given criteria must hold.
/// The default filter selects every unit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these ids (when not empty).
    pub ids: Vec<TuId>,
    /// Only units stored by this import.
    pub import: Option<u64>,
    /// Only units having a variant in this language ([`Lang::matches`]).
    pub lang: Option<Lang>,
    /// Only units stored at or after this time (seconds since the epoch).
    pub since: Option<u64>,
    /// Only units stored before this time (seconds since the epoch).
    pub until: Option<u64>,
    /// Only units with a prop (of the unit or of a variant) whose label is
    /// the first string and value the second.
    pub prop: Option<(String, String)>,
}

impl Filter {
    /// Whether the filter selects every unit.
    pub fn is_all(&self) -> bool {
        self == &Filter::default()
    }

    /// Whether `record` passes the filter.
    pub fn accepts(&self, record: &Record) -> bool {
        (self.ids.is_empty() || self.ids.contains(&record.id))
            && self.import.is_none_or(|b| record.batch == b)
            && self
                .lang
                .as_ref()
                .is_none_or(|l| record.tu.variants.iter().any(|v| v.lang.matches(l)))
            && self.since.is_none_or(|t| record.created >= t)
            && self.until.is_none_or(|t| record.created < t)
            && self.prop.as_ref().is_none_or(|(label, value)| {
                let hit = |props: &[tmkit_core::Prop]| {
                    props
                        .iter()
                        .any(|p| p.label() == Some(label.as_str()) && p.value == *value)
                };
                hit(&record.tu.props) || record.tu.variants.iter().any(|v| hit(&v.props))
            })
    }
}

/// What [`Store::dedupe`](crate::Store::dedupe) did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DedupeReport {
    /// Groups of units sharing a source that were looked at.
    pub groups: u64,
    /// Units merged into another and removed.
    pub merged: u64,
    /// Units removed because another one replaced or outranked them.
    pub removed: u64,
}

/// A fault found by [`Store::check`](crate::Store::check).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// A stored unit could not be decoded.
    Undecodable {
        /// The unit.
        id: TuId,
        /// Why.
        reason: String,
    },
    /// An index entry names a unit that does not exist or does not match it.
    DanglingIndex {
        /// Which index (`language`, `source hash`).
        index: &'static str,
        /// The unit it names.
        id: TuId,
        /// What is wrong.
        detail: String,
    },
    /// A unit lacks one of its index entries, or the entry holds other data.
    MissingIndex {
        /// Which index.
        index: &'static str,
        /// The unit.
        id: TuId,
        /// What is missing.
        detail: String,
    },
    /// A stored count disagrees with the units.
    Count {
        /// What is counted.
        what: String,
        /// The stored figure.
        stored: u64,
        /// The figure found by counting.
        counted: u64,
    },
    /// Anything else: a bad key, a unit of an unknown import, an id beyond
    /// the id counter.
    Other {
        /// What is wrong.
        detail: String,
    },
    /// Part of the store cannot be read at all (sled reports damaged
    /// data), and what can still be saved.
    Unreadable {
        /// What sled reported, or how many units can be saved.
        detail: String,
    },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Undecodable { id, reason } => write!(f, "unit {id} cannot be decoded: {reason}"),
            Fault::DanglingIndex { index, id, detail } => {
                write!(f, "{index} index entry for unit {id} is dangling: {detail}")
            }
            Fault::MissingIndex { index, id, detail } => {
                write!(f, "unit {id} has a bad {index} index entry: {detail}")
            }
            Fault::Count {
                what,
                stored,
                counted,
            } => {
                write!(
                    f,
                    "count of {what} is {stored} but {counted} units were found"
                )
            }
            Fault::Other { detail } | Fault::Unreadable { detail } => f.write_str(detail),
        }
    }
}

/// What [`SledStore::upgrade`](crate::SledStore::upgrade) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// The store was of format version `from` and is now of
    /// [`FORMAT_VERSION`](crate::FORMAT_VERSION); its units are as they were.
    Upgraded {
        /// The version it had.
        from: u32,
    },
    /// The store was already of [`FORMAT_VERSION`](crate::FORMAT_VERSION):
    /// nothing was written.
    Current,
}
