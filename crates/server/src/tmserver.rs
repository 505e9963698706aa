//! The tmserver protocol (amaGama's, which Weblate's `tmserver` machinery
//! speaks), mounted at `/tmserver` and `/api/v1`. See docs/SERVER.md.

use std::collections::HashMap;

use axum::{
    extract::{rejection::JsonRejection, Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use tmkit_core::Lang;
use tmkit_engine::{Match, Scorer};

use crate::server::{problem, scorer, App, Problem};

/// The routes, relative to their mount point.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/languages/", get(languages))
        .route("/languages", get(languages))
        .route(
            "/{slang}/{tlang}/unit/",
            get(lookup_by_query)
                .post(write_by_query)
                .put(write_by_query),
        )
        .route(
            "/{slang}/{tlang}/unit/{*text}",
            get(lookup).post(write).put(write),
        )
        .route(
            "/{slang}/{tlang}/store/{*name}",
            post(add_store).put(upload_store),
        )
}

/// amaGama's lowest similarity: lower values given are raised to it.
const MIN_SIMILARITY: u8 = 70;
/// Candidates returned unless `max_candidates` says otherwise.
const DEFAULT_CANDIDATES: usize = 5;
/// Most candidates returned, whatever `max_candidates` says.
const MAX_CANDIDATES: usize = 30;

/// A suggestion, as amaGama returns it.
#[derive(Debug, Serialize)]
struct Candidate {
    source: String,
    target: String,
    /// The score (0..=100) of the scorer asked for, tmkit's by default.
    quality: u8,
    /// amaGama's full-text rank has no counterpart here: the score again.
    rank: u8,
    context: String,
}

impl From<Match> for Candidate {
    fn from(m: Match) -> Candidate {
        Candidate {
            source: m.source,
            target: m.target,
            quality: m.score,
            rank: m.score,
            context: String::new(),
        }
    }
}

/// The query parameters of a lookup, read leniently as amaGama does: a
/// value that is not a number is ignored.
#[derive(Debug, PartialEq)]
struct Params {
    min: u8,
    top: usize,
    scorer: Scorer,
    callback: Option<String>,
}

impl Params {
    fn parse(query: &HashMap<String, String>) -> Result<Params, Problem> {
        let int = |name: &str| query.get(name).and_then(|v| v.trim().parse::<i64>().ok());
        let min = int("min_similarity").map_or(MIN_SIMILARITY, |v| {
            v.clamp(MIN_SIMILARITY.into(), 100) as u8
        });
        let top = int("max_candidates")
            .filter(|&v| v > 0)
            .map_or(DEFAULT_CANDIDATES, |v| {
                v.min(MAX_CANDIDATES as i64) as usize
            });
        let scorer = scorer(query.get("scorer").map(String::as_str))?;
        let callback = query
            .get("jsoncallback")
            .or_else(|| query.get("callback"))
            .filter(|c| !c.is_empty())
            .cloned();
        if let Some(name) = &callback {
            if !is_js_identifier(name) {
                return Err(problem(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "callback {name:?} is not a JavaScript identifier (expected a letter, _ or $, then letters, digits, _ or $)"
                    ),
                ));
            }
        }
        Ok(Params {
            min,
            top,
            scorer,
            callback,
        })
    }

    /// `value` as JSON, or as JSONP when a callback was given.
    fn reply(&self, value: &impl Serialize) -> Response {
        let json = serde_json::to_string(value).unwrap_or_else(|_| "[]".into());
        match &self.callback {
            None => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
            Some(name) => (
                [(header::CONTENT_TYPE, "application/javascript")],
                format!("{name}({json})"),
            )
                .into_response(),
        }
    }
}

/// Whether `name` is a JavaScript identifier (ASCII only, no keyword
/// check): what a JSONP callback may be, so that no script can be injected.
fn is_js_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first = chars.next();
    first.is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && name.len() <= 128
}

/// Parses the language codes of a path (`pt_br`, `pt-BR`, `en`).
fn pair(slang: &str, tlang: &str) -> Result<(Lang, Lang), Problem> {
    let parse =
        |tag: &str| Lang::parse(tag).map_err(|e| problem(StatusCode::BAD_REQUEST, &e.to_string()));
    Ok((parse(slang)?, parse(tlang)?))
}

/// What a handler returns: a reply, or why there is none.
type Reply = Result<Response, Problem>;

async fn lookup(
    State(app): State<App>,
    Path((slang, tlang, text)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    respond(app, &slang, &tlang, text, &query).await
}

async fn lookup_by_query(
    State(app): State<App>,
    Path((slang, tlang)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let text = query
        .get("source")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            problem(
                StatusCode::NOT_FOUND,
                "no text to look up: put it in the path (unit/TEXT) or in ?source=TEXT",
            )
        })?;
    respond(app, &slang, &tlang, text.clone(), &query).await
}

async fn respond(
    app: App,
    slang: &str,
    tlang: &str,
    text: String,
    query: &HashMap<String, String>,
) -> Reply {
    let params = Params::parse(query)?;
    if text.len() > app.max_query {
        return Err(problem(
            StatusCode::URI_TOO_LONG,
            &format!(
                "the text to look up has {} bytes, more than the {} this server accepts",
                text.len(),
                app.max_query
            ),
        ));
    }
    let (src, tgt) = pair(slang, tlang)?;
    let (min, top, scorer) = (params.min, params.top, params.scorer);
    let matches = app
        .engine(move |engine| {
            let Some((src, tgt)) = engine.resolve_pair(&src, &tgt)? else {
                return Ok(vec![]);
            };
            let mut found = engine.lookup(&src, &tgt, scorer, &[text], top, min)?;
            Ok(found.pop().map(|l| l.matches).unwrap_or_default())
        })
        .await?;
    let candidates: Vec<Candidate> = matches.into_iter().map(Candidate::from).collect();
    Ok(params.reply(&candidates))
}

/// `{"sourceLanguages": [...], "targetLanguages": [...]}`: every language
/// of the store, in Weblate's spelling (lower case, `_`), each followed by
/// its base language, in both lists (a lookup goes either way).
async fn languages(State(app): State<App>, Query(query): Query<HashMap<String, String>>) -> Reply {
    let params = Params::parse(&query)?;
    let langs = app.engine(|engine| engine.languages()).await?;
    let mut codes: Vec<String> = Vec::new();
    for lang in langs.iter() {
        for code in [lang.as_str(), lang.primary()] {
            let code = code.replace('-', "_").to_ascii_lowercase();
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    Ok(params.reply(&serde_json::json!({
        "sourceLanguages": codes,
        "targetLanguages": codes,
    })))
}

/// A unit sent by a tmserver client.
#[derive(Debug, Deserialize)]
struct Unit {
    source: String,
    target: String,
}

type Body<T> = Result<Json<T>, JsonRejection>;

async fn write(
    State(app): State<App>,
    Path((slang, tlang, _text)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body<Unit>,
) -> Reply {
    let units = body.map(|Json(u)| vec![u]);
    store_units(app, &slang, &tlang, "tmserver", headers, units).await
}

async fn write_by_query(
    State(app): State<App>,
    Path((slang, tlang)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body<Unit>,
) -> Reply {
    let units = body.map(|Json(u)| vec![u]);
    store_units(app, &slang, &tlang, "tmserver", headers, units).await
}

async fn add_store(
    State(app): State<App>,
    Path((slang, tlang, name)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body<Vec<Unit>>,
) -> Reply {
    store_units(app, &slang, &tlang, &name, headers, body.map(|Json(u)| u)).await
}

/// Imports a file sent as the body (TMX, or TSV by its name), once the
/// token is checked: `added N units from NAME`, 200 when every unit went
/// in, else 422 with the import's errors.
async fn upload_store(
    State(app): State<App>,
    Path((slang, tlang, name)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Reply {
    app.authorize(&headers)?;
    let (src, tgt) = pair(&slang, &tlang)?;
    // The last part of the store's name is the file's.
    let file = name.rsplit('/').next().unwrap_or(&name);
    let opts = tmkit_engine::ImportOptions {
        src_lang: Some(src),
        tgt_lang: Some(tgt),
        ..Default::default()
    };
    let summary = crate::api::import_body(&app, file, body, opts).await?;
    let status = crate::api::summary_status(&summary);
    let mut text = format!("added {} units from {name}\n", summary.imported);
    for error in summary.fatal.iter().chain(&summary.errors) {
        text.push_str(error);
        text.push('\n');
    }
    Ok((status, text).into_response())
}

/// Stores units sent by a client, once its token is checked.
async fn store_units(
    app: App,
    slang: &str,
    tlang: &str,
    name: &str,
    headers: HeaderMap,
    units: Result<Vec<Unit>, JsonRejection>,
) -> Reply {
    app.authorize(&headers)?;
    let units = units.map_err(|e| {
        problem(
            e.status(),
            &format!(
                "{}; expected a JSON object {{\"source\": TEXT, \"target\": TEXT}} (a list of them for store/NAME)",
                e.body_text()
            ),
        )
    })?;
    let (src, tgt) = pair(slang, tlang)?;
    let name = name.to_string();
    let pairs = units.into_iter().map(|u| (u.source, u.target)).collect();
    let stored = app
        .engine(move |engine| engine.add_pairs(&name, &src, &tgt, pairs))
        .await?;
    Ok(Json(stored).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Result<Params, u16> {
        let query = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params::parse(&query).map_err(|r| r.into_response().status().as_u16())
    }

    #[test]
    fn parameters_are_clamped_capped_or_ignored_as_amagama_does() {
        let p = params(&[]).unwrap();
        assert_eq!(
            (p.min, p.top, p.scorer, p.callback),
            (70, 5, Scorer::Tmkit, None)
        );
        let p = params(&[("min_similarity", "30"), ("max_candidates", "100")]).unwrap();
        assert_eq!((p.min, p.top), (70, 30));
        let p = params(&[("min_similarity", "85"), ("max_candidates", "2")]).unwrap();
        assert_eq!((p.min, p.top), (85, 2));
        let p = params(&[("min_similarity", "200"), ("max_candidates", "0")]).unwrap();
        assert_eq!((p.min, p.top), (100, 5));
        let p = params(&[("min_similarity", "x"), ("max_candidates", "-3")]).unwrap();
        assert_eq!((p.min, p.top), (70, 5));
        let p = params(&[("scorer", "chars"), ("callback", "cb")]).unwrap();
        assert_eq!(
            (p.scorer, p.callback.as_deref()),
            (Scorer::Chars, Some("cb"))
        );
        assert_eq!(params(&[("scorer", "bleu")]).unwrap_err(), 400);
    }

    #[test]
    fn a_callback_must_be_an_identifier() {
        for good in ["cb", "_x1", "$", "jQuery1234_5678"] {
            assert!(is_js_identifier(good), "{good}");
        }
        for bad in ["", "1cb", "a.b", "alert(1)", "a b", "é", "</script>"] {
            assert!(!is_js_identifier(bad), "{bad}");
        }
        assert_eq!(params(&[("jsoncallback", "alert(1)//")]).unwrap_err(), 400);
    }
}
