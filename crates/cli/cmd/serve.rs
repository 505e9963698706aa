use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Result;
use tmkit_server::{Config, Server};

use crate::flags::StoreArgs;

/// Serve the store over HTTP to translation platforms, CAT tools and scripts.
///
/// Speaks amaGama's tmserver protocol at /tmserver and /api/v1 (Weblate's
/// "tmserver" machinery: set its URL to http://ADDR/tmserver), and tmkit's
/// own JSON API at /api/tmkit/v1 (batch lookups as `tmkit lookup --json`,
/// concordance, stats, writes), with /healthz and /metrics. Reads need no
/// authentication; writes need `Authorization: Bearer TOKEN`, TOKEN being the
/// first line of --token-file, and are refused without one. docs/SERVER.md
/// lists the routes.
///
/// The server holds the store while it runs: other tmkit commands on it say
/// where it is served. Prints "listening on http://ADDR" on stderr once
/// bound. SIGTERM or SIGINT (Ctrl-C) stop it cleanly: requests in progress
/// finish, the store is flushed and closed, and the command exits 0.
///
/// Examples:
///   tmkit serve --db ./tm
///   tmkit serve --db ./tm --addr 127.0.0.1:0 --token-file ./token
///   curl 'http://127.0.0.1:8700/tmserver/fr/en/unit/Bonjour%20%C3%A0%20tous'
///   curl 'http://127.0.0.1:8700/api/v1/fr/en/unit/?source=Bonjour&max_candidates=3&scorer=chars'
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on; loopback by default. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8700", value_name = "HOST:PORT")]
    addr: SocketAddr,
    /// File whose first line is the bearer token that writes must carry (at
    /// least 16 characters). Without it, the server is read-only.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Create the store if the directory does not exist (else it must).
    #[arg(long)]
    create: bool,
    /// Longest time a request may take, in seconds (then 408).
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Largest request body, in MiB (then 413).
    #[arg(long, default_value_t = 16, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=4096))]
    max_body: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    // Validate before opening anything.
    let token = args
        .token_file
        .as_deref()
        .map(tmkit_server::read_token)
        .transpose()?;
    let config = Config {
        addr: args.addr,
        token,
        timeout: Duration::from_secs(args.timeout),
        max_body: (args.max_body as usize) << 20,
        ..Config::default()
    };
    let path = args.store.path()?;
    let tm = if args.create {
        tmkit_engine::Tm::create(&path)?
    } else {
        tmkit_engine::Tm::open(&path)?
    };
    let server = Server::bind(tm, config)?;
    eprintln!("tmkit: listening on http://{}", server.local_addr());
    server.run(std::future::pending())?;
    eprintln!("tmkit: stopped; the store is closed");
    Ok(ExitCode::SUCCESS)
}
