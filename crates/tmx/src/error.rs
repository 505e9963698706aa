use std::fmt;

/// Errors of the TMX reader and writer.
///
/// Reading distinguishes *fatal* errors, after which the reader yields
/// nothing more (the file cannot be read, is not well-formed XML, is not TMX,
/// declares entities), from *soft* errors that concern one `<tu>`: that unit
/// is skipped and the next ones are read. [`Error::is_fatal`] tells which.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing failed at the operating-system level.
    #[error("{path}: {source}")]
    Io {
        /// The file (`<output>` for a writer's sink).
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The input is not well-formed XML: fatal.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (characters).
        column: u64,
        /// What was found, what was expected, and what to do.
        message: String,
    },
    /// The input is well-formed XML but not a TMX document: fatal.
    #[error("{path}:{line}:{column}: {message}")]
    NotTmx {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (characters).
        column: u64,
        /// What was found instead.
        message: String,
    },
    /// The document asks for something tmkit refuses to do, such as
    /// expanding entities declared in its DOCTYPE: fatal.
    #[error("{path}:{line}:{column}: {message}")]
    Refused {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (characters).
        column: u64,
        /// What was refused and why.
        message: String,
    },
    /// One `<tu>` is broken (no `<tuv>`, a `<tuv>` without language or
    /// `<seg>`, no variant in the source language…): the unit is skipped and
    /// reading goes on.
    #[error("{path}:{line}:{column}: {message}")]
    Tu {
        /// The file.
        path: String,
        /// 1-based line of the `<tu>` (or of the part at fault).
        line: u64,
        /// 1-based column (characters).
        column: u64,
        /// What is wrong with the unit.
        message: String,
    },
    /// In strict mode, a warning or a broken unit ends the reading.
    #[error("{0} (strict mode: reading stopped)")]
    Strict(Diagnostic),
    /// A unit cannot be written as TMX (for instance, its text holds a
    /// character XML 1.0 cannot represent). Nothing of the unit was written.
    #[error("cannot write unit: {message}")]
    Unwritable {
        /// What cannot be written, and why.
        message: String,
    },
}

impl Error {
    /// Whether the reader stops after this error. Soft errors
    /// ([`Error::Tu`]) skip one unit; every other error is fatal.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, Error::Tu { .. } | Error::Unwritable { .. })
    }

    /// The 1-based line and column the error points at, when it has one.
    pub fn position(&self) -> Option<(u64, u64)> {
        match self {
            Error::Syntax { line, column, .. }
            | Error::NotTmx { line, column, .. }
            | Error::Refused { line, column, .. }
            | Error::Tu { line, column, .. } => Some((*line, *column)),
            Error::Strict(d) if d.line > 0 => Some((d.line, d.column)),
            _ => None,
        }
    }
}

/// A problem that did not stop reading: a version typo, a declaration that
/// lies about the encoding, a header without `srclang`…
///
/// Displays as `path:line:col: message`, or `path: message` when it concerns
/// the file as a whole (`line` 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file.
    pub path: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: u64,
    /// 1-based column (characters); 0 with `line` 0.
    pub column: u64,
    /// What was found and what tmkit did about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, self.line, self.column, self.message
            )
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatality_and_display() {
        let soft = Error::Tu {
            path: "a.tmx".into(),
            line: 3,
            column: 5,
            message: "x".into(),
        };
        assert!(!soft.is_fatal());
        assert_eq!(soft.to_string(), "a.tmx:3:5: x");
        assert_eq!(soft.position(), Some((3, 5)));
        let d = Diagnostic {
            path: "a.tmx".into(),
            line: 0,
            column: 0,
            message: "m".into(),
        };
        assert_eq!(d.to_string(), "a.tmx: m");
        let strict = Error::Strict(d);
        assert!(strict.is_fatal());
        assert_eq!(strict.position(), None);
    }
}
