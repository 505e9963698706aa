/*!
`tmkit serve`: a translation-memory server over HTTP.

Translation platforms and CAT tools ask a TM server for suggestions at every
segment. This crate serves an opened store ([`tmkit_engine::Tm`]) over
HTTP with axum on tokio:

* the tmserver protocol of amaGama, which Weblate's `tmserver` machinery
  speaks, at `/tmserver` and `/api/v1`;
* tmkit's own JSON API at `/api/tmkit/v1` (batch lookups with the JSON of
  `tmkit lookup --json`, concordance, statistics, writes behind a bearer
  token, an OpenAPI document);
* `/healthz` and `/metrics` (Prometheus text).

It is a thin adapter: handlers parse a request, call the engine function the
CLI calls (every call goes through one module, on worker threads, never on
the async ones), and render. It does not manage certificates (put a reverse
proxy in front for TLS) and binds loopback unless told otherwise.

The types that matter: [`Server`] (bind, then run until SIGTERM, SIGINT or a
future completes) and [`Config`]. `docs/SERVER.md` documents the routes.

```no_run
use tmkit_server::{Config, Server};

let tm = tmkit_engine::Tm::open("tm".as_ref())?;
let server = Server::bind(tm, Config::default())?;
eprintln!("listening on http://{}", server.local_addr());
server.run(std::future::pending())?;
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

// Every public item is documented: the binary reads these docs.
#![deny(missing_docs)]

pub use crate::{
    error::{Error, Result},
    server::{read_token, Config, Server},
};

mod api;
mod error;
mod memory;
mod metrics;
mod server;
mod tmserver;
