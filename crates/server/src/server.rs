//! The server's lifecycle: bind, announce, serve, stop cleanly; the router,
//! its limits and what every route shares.

use std::{
    future::Future,
    net::SocketAddr,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tmkit_engine::{Announcement, Tm};

use crate::{
    memory::{self, NoAnswer, Pool},
    metrics::Metrics,
    Error, Result,
};

/// How a server listens and what it accepts.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; loopback by default (`127.0.0.1:8700`).
    pub addr: SocketAddr,
    /// The bearer token that writes must carry; without one, writes are
    /// refused.
    pub token: Option<String>,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Longest text to look up, in bytes (Weblate sends at most 500
    /// characters).
    pub max_query: usize,
    /// Most segments in one batch lookup.
    pub max_batch: usize,
    /// Longest time a request may take, body included, before it is
    /// answered 408.
    pub timeout: Duration,
    /// Longest time a client may take to send a request's headers (a
    /// connection left idle counts too), after which it is closed.
    pub header_timeout: Duration,
    /// Threads that run the engine's calls (lookups, writes).
    pub workers: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8700)),
            token: None,
            max_body: 16 << 20,
            max_query: 4096,
            max_batch: 1000,
            timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get().max(2)),
        }
    }
}

/// Reads the bearer token from `path`: its first line, white space trimmed.
pub fn read_token(path: &Path) -> Result<String> {
    let err = |message: String| Error::Token {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.len() < 16 {
        return Err(err(format!(
            "expected a token of at least 16 characters on the first line, got {}; make one with: head -c 32 /dev/urandom | base64 > FILE",
            token.len()
        )));
    }
    Ok(token)
}

/// A bound server over an opened store, ready to [`run`](Server::run).
pub struct Server {
    tm: Tm,
    config: Config,
    listener: std::net::TcpListener,
    addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
    signals: Signals,
    announcement: Announcement,
}

impl Server {
    /// Binds `config.addr`, starts listening for SIGTERM and SIGINT (either
    /// stops the server cleanly), and writes `DIR/tmkit.serve` so that other
    /// `tmkit` commands on the store say where it is served.
    pub fn bind(tm: Tm, config: Config) -> Result<Server> {
        let io = |op| move |source| Error::Io { op, source };
        let listener = std::net::TcpListener::bind(config.addr).map_err(|source| Error::Bind {
            addr: config.addr,
            source,
        })?;
        listener
            .set_nonblocking(true)
            .map_err(io("configure the socket"))?;
        let addr = listener
            .local_addr()
            .map_err(io("read the bound address"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(io("start the async runtime"))?;
        let signals = {
            let _guard = runtime.enter();
            Signals::new().map_err(io("listen for signals"))?
        };
        let announcement = tm.announce_server(&format!("http://{addr}"))?;
        Ok(Server {
            tm,
            config,
            listener,
            addr,
            runtime,
            signals,
            announcement,
        })
    }

    /// The address bound (the port chosen, for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until SIGTERM, SIGINT or `stop` completes; then lets the
    /// requests in progress finish, closes the store (flushing it) and
    /// removes `DIR/tmkit.serve`.
    pub fn run(self, stop: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let Server {
            tm,
            config,
            listener,
            runtime,
            mut signals,
            announcement,
            ..
        } = self;
        let served = memory::with_pool(&tm, config.workers, |pool| {
            let served = runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let app = router(App::new(pool, &config), &config);
                let shutdown = async move {
                    tokio::select! {
                        () = signals.recv() => {}
                        () = stop => {}
                    }
                };
                serve(listener, app, config.header_timeout, shutdown).await;
                Ok(())
            });
            // Drops the tasks left (none after a graceful shutdown) and with
            // them the last handles on the pool, so that the workers end.
            drop(runtime);
            served
        });
        drop(tm);
        drop(announcement);
        served.map_err(|source| Error::Io {
            op: "serve",
            source,
        })
    }
}

/// Serves `app` over HTTP/1.1 on each connection `listener` accepts until
/// `shutdown` completes; then accepts no more, and returns once the
/// requests in progress are answered (idle connections are closed).
///
/// hyper's own loop rather than `axum::serve`, which sets no timer: without
/// one, a client that never finishes its headers holds its connection
/// forever.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: let others close before trying again.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    // A client gone or too slow: nothing to answer.
                    let _ = connection.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// SIGTERM and SIGINT, listened for from [`Server::bind`] on.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) pool: Pool,
    pub(crate) metrics: Arc<Metrics>,
    token: Option<Arc<str>>,
    pub(crate) max_query: usize,
    pub(crate) max_batch: usize,
}

impl App {
    fn new(pool: Pool, config: &Config) -> App {
        App {
            pool,
            metrics: Arc::default(),
            token: config.token.as_deref().map(Arc::from),
            max_query: config.max_query,
            max_batch: config.max_batch,
        }
    }

    /// Whether `headers` carry the bearer token; the refusal otherwise.
    pub(crate) fn authorize(&self, headers: &HeaderMap) -> std::result::Result<(), Problem> {
        let Some(token) = &self.token else {
            return Err(problem(
                StatusCode::FORBIDDEN,
                "writes are disabled on this server: start tmkit serve with --token-file FILE and send Authorization: Bearer TOKEN",
            ));
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match given {
            Some(given) if same_secret(given.trim().as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(Problem {
                bearer: true,
                ..problem(
                    StatusCode::UNAUTHORIZED,
                    "a write needs the header Authorization: Bearer TOKEN, TOKEN being the first line of the server's --token-file",
                )
            }),
        }
    }

    /// Runs `f` on a worker with the engine; a failure becomes its response.
    pub(crate) async fn engine<T, F>(&self, f: F) -> std::result::Result<T, Problem>
    where
        T: Send + 'static,
        F: for<'e, 'tm> FnOnce(&'e memory::Engine<'tm>) -> tmkit_engine::Result<T> + Send + 'static,
    {
        match self.pool.run(f).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())),
            Err(NoAnswer) => Err(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is stopping, or the request failed unexpectedly; try again",
            )),
        }
    }
}

/// Compares two secrets in a time that depends on their lengths only.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The scorer a request names (`tmkit`, `omegat`, `chars`), tmkit's when
/// it names none.
pub(crate) fn scorer(name: Option<&str>) -> std::result::Result<tmkit_engine::Scorer, Problem> {
    name.map_or(Ok(tmkit_engine::Scorer::Tmkit), |name| {
        tmkit_engine::Scorer::from_name(name)
            .map_err(|e| problem(StatusCode::BAD_REQUEST, &format!("scorer: {e}")))
    })
}

/// Why a request fails: its status and what the client should know to act,
/// rendered as `{"error": message}`.
#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    message: String,
    /// Whether to ask for a bearer token (`WWW-Authenticate: Bearer`).
    bearer: bool,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = axum::Json(serde_json::json!({ "error": self.message }));
        if self.bearer {
            (self.status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response()
        } else {
            (self.status, body).into_response()
        }
    }
}

/// A request's failure with `status`.
pub(crate) fn problem(status: StatusCode, message: &str) -> Problem {
    Problem {
        status,
        message: message.to_string(),
        bearer: false,
    }
}

/// Every route, with the limits and the metrics around them.
fn router(app: App, config: &Config) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .nest("/tmserver", crate::tmserver::routes())
        .nest("/api/v1", crate::tmserver::routes())
        .nest("/api/tmkit/v1", crate::api::routes())
        .route_layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.timeout,
        ))
        .route_layer(middleware::from_fn_with_state(app.metrics.clone(), track))
        .fallback(unmatched)
        .layer(DefaultBodyLimit::max(config.max_body))
        .with_state(app)
}

/// Records each routed request in the metrics.
async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(String::new, |p| p.as_str().to_string());
    let started = Instant::now();
    let in_flight = metrics.start();
    let response = next.run(req).await;
    drop(in_flight);
    metrics.record(&route, response.status().as_u16(), started.elapsed());
    response
}

/// A path no route serves.
async fn unmatched(State(app): State<App>, req: Request) -> Problem {
    app.metrics.record("(unmatched)", 404, Duration::ZERO);
    problem(
        StatusCode::NOT_FOUND,
        &format!(
            "no such route: {} {}; see docs/SERVER.md (tmserver lookups: GET /tmserver/SRC/TGT/unit/TEXT)",
            req.method(),
            req.uri().path()
        ),
    )
}

async fn metrics(State(app): State<App>) -> Response {
    let units = app
        .pool
        .run(|engine| engine.stats().map(|s| s.units))
        .await
        .ok()
        .and_then(|r| r.ok());
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(units),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_are_the_same_only_when_every_byte_is() {
        assert!(same_secret(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!same_secret(b"0123456789abcdef", b"0123456789abcdeF"));
        assert!(!same_secret(b"0123456789abcdef", b"0123456789abcde"));
        assert!(!same_secret(b"", b"x"));
    }
}
