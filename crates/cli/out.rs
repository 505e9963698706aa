//! Where output goes: results on stdout, messages on stderr.

use std::{
    fs::{File, OpenOptions},
    io::{self, IsTerminal, Write},
    path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};

/// Prints an error and its causes on one line: `tmkit: a: b: c`.
pub fn error(err: &anyhow::Error) {
    let mut line = String::from("tmkit: ");
    let mut first = true;
    for cause in err.chain() {
        let text = cause.to_string();
        // thiserror's `transparent` and our own contexts may repeat a message.
        if !first && line.contains(&text) {
            continue;
        }
        if !first {
            line.push_str(": ");
        }
        line.push_str(&text);
        first = false;
    }
    let _ = writeln!(io::stderr(), "{line}");
}

/// A warning on stderr, unless messages are silenced.
pub fn warn(quiet: bool, message: impl std::fmt::Display) {
    if !quiet {
        let _ = writeln!(io::stderr(), "tmkit: warning: {message}");
    }
}

/// Whether the error comes from writing to a closed pipe (`tmkit … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Whether progress bars should be drawn.
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// A buffered, locked stdout.
pub fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::new(io::stdout().lock())
}

/// Writes one JSON value as a line.
pub fn json_line(w: &mut impl Write, value: &serde_json::Value) -> io::Result<()> {
    serde_json::to_writer(&mut *w, value)?;
    w.write_all(b"\n")
}

/// Where a command writes its result: standard output, or the file of `-o`.
///
/// A regular file (new or existing, or the file a symbolic link points to)
/// is written to a uniquely named temporary file created in its directory,
/// never through a link, and renamed over it by [`Output::finish`]: a failed
/// command leaves the file as it was and no partial file behind. Anything
/// else (a device such as `/dev/null`, a named pipe) is written in place,
/// since renaming would replace it. `-` is standard output.
pub struct Output {
    name: PathBuf,
    sink: Sink,
}

enum Sink {
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
    Replace {
        file: io::BufWriter<tempfile::NamedTempFile>,
        target: PathBuf,
    },
    InPlace(io::BufWriter<File>),
}

impl Output {
    /// Opens the output named by `-o` (`None` or `-`: standard output).
    /// `store` is the store the command reads: writing inside it is refused.
    pub fn open(path: Option<&Path>, store: Option<&Path>) -> Result<Output> {
        let path = match path {
            Some(p) if p.as_os_str() != "-" => p,
            _ => {
                return Ok(Output {
                    name: PathBuf::from("<stdout>"),
                    sink: Sink::Stdout(stdout()),
                })
            }
        };
        let shown = path.display();
        let meta = std::fs::symlink_metadata(path);
        // A link is followed once, by us: the file it points to is replaced,
        // and the link stays. A dangling link is written through.
        let target = match &meta {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).ok(),
            _ => Some(path.to_path_buf()),
        };
        if let (Some(store), Some(target)) = (store, &target) {
            if let Some(store) = inside(store, target) {
                bail!(
                    "{shown}: the output is inside the store {}; writing it would damage the store, \
                     write the export elsewhere",
                    store.display()
                );
            }
        }
        let existing = target.as_deref().map(std::fs::metadata);
        let sink = match existing {
            Some(Ok(m)) if m.is_dir() => {
                bail!("{shown}: is a directory; give the name of a file to write")
            }
            Some(Ok(m)) if !m.is_file() => Sink::InPlace(io::BufWriter::new(
                OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("{shown}: cannot open for writing"))?,
            )),
            None => Sink::InPlace(io::BufWriter::new(
                File::create(path).with_context(|| format!("{shown}: cannot create"))?,
            )),
            Some(found) => {
                let target = target.unwrap_or_else(|| path.to_path_buf());
                let dir = match target.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let file_name = target.file_name().unwrap_or(target.as_os_str());
                let mut prefix = std::ffi::OsString::from(".");
                prefix.push(file_name);
                prefix.push(".");
                let mut builder = tempfile::Builder::new();
                builder.prefix(&prefix).suffix(".tmkit-partial");
                #[cfg(unix)]
                builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
                let tmp = builder.tempfile_in(dir).with_context(|| {
                    format!(
                        "{shown}: cannot create a temporary file in {}",
                        dir.display()
                    )
                })?;
                if let Ok(m) = found {
                    // Replacing a file keeps its permissions.
                    let _ = tmp.as_file().set_permissions(m.permissions());
                }
                Sink::Replace {
                    file: io::BufWriter::with_capacity(1 << 16, tmp),
                    target,
                }
            }
        };
        Ok(Output {
            name: path.to_path_buf(),
            sink,
        })
    }

    /// The output's name for messages: the path as given, or `<stdout>`.
    pub fn name(&self) -> &Path {
        &self.name
    }

    /// Whether the output is standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self.sink, Sink::Stdout(_))
    }

    /// Writes everything out; a replaced file is synced to disk, then renamed
    /// over the target. Dropping an `Output` unfinished removes its
    /// temporary file.
    pub fn finish(self) -> Result<()> {
        let shown = self.name.display();
        let failed = || format!("{shown}: cannot write");
        match self.sink {
            Sink::Stdout(mut w) => w.flush()?,
            Sink::InPlace(mut w) => w.flush().with_context(failed)?,
            Sink::Replace { file, target } => {
                let tmp = file
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(failed)?;
                tmp.as_file().sync_all().with_context(failed)?;
                tmp.persist(&target)
                    .map_err(|e| e.error)
                    .with_context(|| format!("{shown}: cannot replace {}", target.display()))?;
            }
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(w) => w.write(buf),
            Sink::Replace { file, .. } => file.write(buf),
            Sink::InPlace(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::Replace { file, .. } => file.write_all(buf),
            Sink::InPlace(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::Replace { file, .. } => file.flush(),
            Sink::InPlace(w) => w.flush(),
        }
    }
}

/// The store directory `path` lies in, if it lies in `store`'s (both
/// resolved, so `./tm/../tm/db` and links count).
fn inside(store: &Path, path: &Path) -> Option<PathBuf> {
    let store = std::fs::canonicalize(store).ok()?;
    let resolved = match std::fs::canonicalize(path) {
        Ok(p) => p,
        Err(_) => {
            let parent = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            std::fs::canonicalize(parent).ok()?.join(path.file_name()?)
        }
    };
    resolved.starts_with(&store).then_some(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_outputs_of_one_stem_do_not_share_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let (tmx, tsv) = (dir.path().join("x.tmx"), dir.path().join("x.tsv"));
        let mut a = Output::open(Some(&tmx), None).unwrap();
        let mut b = Output::open(Some(&tsv), None).unwrap();
        a.write_all(b"<tmx/>\n").unwrap();
        b.write_all(b"a\tb\n").unwrap();
        a.write_all(b"<!-- end -->\n").unwrap();
        b.finish().unwrap();
        a.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&tmx).unwrap(),
            "<tmx/>\n<!-- end -->\n"
        );
        assert_eq!(std::fs::read_to_string(&tsv).unwrap(), "a\tb\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn an_unfinished_output_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tmx");
        std::fs::write(&path, "before").unwrap();
        let mut out = Output::open(Some(&path), None).unwrap();
        out.write_all(b"half of an export").unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "before");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_path_inside_the_store_is_found_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("tm");
        std::fs::create_dir(&store).unwrap();
        assert!(inside(&store, &store.join("db")).is_some());
        assert!(inside(&store, &store.join("new.tmx")).is_some());
        assert!(inside(&store, &dir.path().join("tm/../tm/conf")).is_some());
        assert!(inside(&store, &dir.path().join("tm.tmx")).is_none());
        assert!(inside(&dir.path().join("no-store"), &store.join("db")).is_none());
    }
}
