//! tmkit's own JSON API, mounted at `/api/tmkit/v1`: batch lookups with the
//! JSON of `tmkit lookup --json`, concordance, statistics, and writes behind
//! the bearer token. The OpenAPI document is `openapi.json` beside this file.

use axum::{
    extract::{rejection::JsonRejection, Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use tmkit_core::Lang;
use tmkit_engine::{ImportOptions, ImportSummary, OnDuplicate};

use crate::server::{problem, scorer, App, Problem};

/// The routes, relative to their mount point.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/lookup", post(lookup))
        .route("/concordance", get(concordance))
        .route("/stats", get(stats))
        .route("/units", post(add_units))
        .route("/units/{id}", delete(delete_unit))
        .route("/import", post(import))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// The body's JSON, or a 400/413/415 that says what was expected.
fn body<T>(body: Result<Json<T>, JsonRejection>, expected: &str) -> Result<T, Problem> {
    body.map(|Json(v)| v).map_err(|e| {
        problem(
            e.status(),
            &format!("{}; expected {expected}", e.body_text()),
        )
    })
}

/// Parses a language tag given in a request.
fn lang(field: &str, tag: &str) -> Result<Lang, Problem> {
    Lang::parse(tag).map_err(|e| problem(StatusCode::BAD_REQUEST, &format!("{field}: {e}")))
}

fn default_min() -> u8 {
    50
}

fn default_top() -> usize {
    5
}

/// A batch lookup: `tmkit lookup`'s flags as fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupRequest {
    src_lang: String,
    tgt_lang: String,
    segments: Vec<String>,
    #[serde(default)]
    scorer: Option<String>,
    #[serde(default = "default_min")]
    min: u8,
    #[serde(default = "default_top")]
    top: usize,
}

const LOOKUP_BODY: &str = r#"{"src_lang": "fr", "tgt_lang": "en", "segments": ["…"], "scorer": "tmkit|omegat|chars", "min": 0..=100, "top": 1..=100}"#;

/// One `{"type": "query", "query", "elapsed_us", "matches"}` object per
/// segment, in order: what `tmkit lookup --json` prints, one per line.
async fn lookup(
    State(app): State<App>,
    request: Result<Json<LookupRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    let run = async {
        let r = body(request, LOOKUP_BODY)?;
        let (src, tgt) = (
            lang("src_lang", &r.src_lang)?,
            lang("tgt_lang", &r.tgt_lang)?,
        );
        let scorer = scorer(r.scorer.as_deref())?;
        if r.min > 100 || !(1..=100).contains(&r.top) {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                &format!(
                    "min must be 0..=100 and top 1..=100, got min {} and top {}",
                    r.min, r.top
                ),
            ));
        }
        if r.segments.len() > app.max_batch {
            return Err(problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("{} segments in one lookup, more than the {} this server accepts; send several requests", r.segments.len(), app.max_batch),
            ));
        }
        if let Some((i, s)) = r
            .segments
            .iter()
            .enumerate()
            .find(|(_, s)| s.len() > app.max_query)
        {
            return Err(problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "segment {i} has {} bytes, more than the {} this server accepts",
                    s.len(),
                    app.max_query
                ),
            ));
        }
        let (min, top, segments) = (r.min, r.top, r.segments);
        let looked = app
            .engine(move |engine| {
                let looked = engine.lookup(&src, &tgt, scorer, &segments, top, min)?;
                Ok(segments.into_iter().zip(looked).collect::<Vec<_>>())
            })
            .await?;
        let out: Vec<_> = looked
            .into_iter()
            .map(|(query, l)| {
                json!({"type": "query", "query": query, "elapsed_us": l.elapsed_us, "matches": l.matches})
            })
            .collect();
        Ok(Json(out).into_response())
    };
    run.await
}

#[derive(Debug, Deserialize)]
struct ConcordanceQuery {
    src_lang: String,
    tgt_lang: String,
    text: String,
    limit: Option<usize>,
}

/// The units whose source or target holds the words of `text`.
async fn concordance(
    State(app): State<App>,
    query: Result<Query<ConcordanceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let run = async {
        let Query(q) = query.map_err(|e| {
            problem(
                StatusCode::BAD_REQUEST,
                &format!(
                    "{}; expected ?src_lang=fr&tgt_lang=en&text=WORDS[&limit=N]",
                    e.body_text()
                ),
            )
        })?;
        let (src, tgt) = (
            lang("src_lang", &q.src_lang)?,
            lang("tgt_lang", &q.tgt_lang)?,
        );
        if q.text.len() > app.max_query {
            return Err(problem(
                StatusCode::URI_TOO_LONG,
                &format!(
                    "text has {} bytes, more than the {} this server accepts",
                    q.text.len(),
                    app.max_query
                ),
            ));
        }
        let limit = q.limit.unwrap_or(20).clamp(1, 1000);
        let text = q.text;
        let found = app
            .engine(move |engine| engine.concordance(&src, &tgt, &text, limit))
            .await?;
        Ok(Json(found).into_response())
    };
    run.await
}

async fn stats(State(app): State<App>) -> Result<Response, Problem> {
    let stats = app.engine(|engine| engine.stats()).await?;
    Ok(Json(stats).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddRequest {
    src_lang: String,
    tgt_lang: String,
    #[serde(default)]
    name: Option<String>,
    units: Vec<Pair>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pair {
    source: String,
    target: String,
}

const ADD_BODY: &str = r#"{"src_lang": "fr", "tgt_lang": "en", "name": "import name", "units": [{"source": "…", "target": "…"}]}"#;

/// Stores units as one import (duplicates merged): needs the token.
async fn add_units(
    State(app): State<App>,
    headers: HeaderMap,
    request: Result<Json<AddRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    let run = async {
        app.authorize(&headers)?;
        let r = body(request, ADD_BODY)?;
        let (src, tgt) = (
            lang("src_lang", &r.src_lang)?,
            lang("tgt_lang", &r.tgt_lang)?,
        );
        let name = r.name.unwrap_or_else(|| "api".into());
        let pairs = r.units.into_iter().map(|p| (p.source, p.target)).collect();
        let stored = app
            .engine(move |engine| engine.add_pairs(&name, &src, &tgt, pairs))
            .await?;
        Ok(Json(stored).into_response())
    };
    run.await
}

/// Deletes one unit by id: needs the token. 404 when no such unit.
async fn delete_unit(
    State(app): State<App>,
    headers: HeaderMap,
    id: Result<Path<u64>, axum::extract::rejection::PathRejection>,
) -> Result<Response, Problem> {
    let run = async {
        app.authorize(&headers)?;
        let Path(id) = id.map_err(|e| {
            problem(
                StatusCode::BAD_REQUEST,
                &format!("{}; expected a unit id (a number)", e.body_text()),
            )
        })?;
        let deleted = app
            .engine(move |engine| engine.delete_units(vec![id]))
            .await?;
        if deleted == 0 {
            return Err(problem(
                StatusCode::NOT_FOUND,
                &format!("no unit #{id} in the store"),
            ));
        }
        Ok(Json(json!({ "deleted": deleted })).into_response())
    };
    run.await
}

#[derive(Debug, Deserialize)]
struct ImportQuery {
    name: String,
    src_lang: Option<String>,
    tgt_lang: Option<String>,
    on_duplicate: Option<String>,
    strict: Option<bool>,
}

/// Imports the body, a TMX or TSV file, as `tmkit import --json` does:
/// needs the token. 200 with the summary when every unit was imported, 422
/// with it when some were skipped or none could be (`tmkit import`'s exit
/// code 2).
async fn import(
    State(app): State<App>,
    headers: HeaderMap,
    query: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    app.authorize(&headers)?;
    let Query(q) = query.map_err(|e| {
        problem(
            StatusCode::BAD_REQUEST,
            &format!(
                "{}; expected ?name=FILE.tmx[&src_lang=fr&tgt_lang=en&on_duplicate=merge&strict=false]",
                e.body_text()
            ),
        )
    })?;
    let optional = |field, tag: &Option<String>| tag.as_deref().map(|t| lang(field, t)).transpose();
    let opts = ImportOptions {
        src_lang: optional("src_lang", &q.src_lang)?,
        tgt_lang: optional("tgt_lang", &q.tgt_lang)?,
        on_duplicate: match q.on_duplicate.as_deref() {
            None => OnDuplicate::Merge,
            Some(name) => OnDuplicate::from_name(name).ok_or_else(|| {
                problem(
                    StatusCode::BAD_REQUEST,
                    &format!("on_duplicate {name:?}: expected merge, keep-both, overwrite or skip"),
                )
            })?,
        },
        strict: q.strict.unwrap_or(false),
        ..Default::default()
    };
    let summary = import_body(&app, &q.name, body, opts).await?;
    let status = summary_status(&summary);
    let mut value = serde_json::to_value(&summary).unwrap_or_default();
    value["type"] = json!("summary");
    Ok((status, Json(value)).into_response())
}

/// Imports `body` as the file `name` (a bare file name: its extension
/// tells the format).
pub(crate) async fn import_body(
    app: &App,
    name: &str,
    body: axum::body::Bytes,
    opts: ImportOptions,
) -> Result<ImportSummary, Problem> {
    let bare = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0']);
    if !bare {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            &format!("file name {name:?}: expected a bare file name such as memory.tmx or pairs.tsv (its extension tells the format)"),
        ));
    }
    let name = name.to_string();
    app.engine(move |engine| engine.import(&name, &body, &opts))
        .await
}

/// 200 when every unit of an import went in, else 422 (`tmkit import`
/// exits 2).
pub(crate) fn summary_status(summary: &ImportSummary) -> StatusCode {
    if summary.fatal.is_none() && summary.skipped == 0 {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}
