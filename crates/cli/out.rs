//! Where output goes: results on stdout, messages on stderr.

use std::io::{self, IsTerminal, Write};

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
