use std::{net::SocketAddr, path::PathBuf};

/// Errors of the server that end it (a request's own errors become HTTP
/// responses, never one of these).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source} (is another server on that port? try --addr 127.0.0.1:0 for any free port)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The token file could not be read or holds no token.
    #[error("{}: {message}", path.display())]
    Token {
        /// The file given with `--token-file`.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },
    /// The network or the async runtime failed.
    #[error("server: cannot {op}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The engine failed (opening, announcing or closing the store).
    #[error(transparent)]
    Engine(#[from] tmkit_engine::Error),
}

/// A result whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
