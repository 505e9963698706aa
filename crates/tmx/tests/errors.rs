//! Runs the cases of `testdata/errors.toml`: error kinds and positions.

use serde::Deserialize;
use tmkit_tmx::{Error, TmxReader};

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    input: String,
    #[serde(default)]
    strict: bool,
    tus: u64,
    imported: usize,
    #[serde(default)]
    errors: Vec<Expected>,
    #[serde(default)]
    warnings: Vec<Expected>,
    open_error: Option<Expected>,
    source: Option<String>,
}

#[derive(Deserialize, Debug)]
struct Expected {
    #[serde(default)]
    kind: String,
    line: u64,
    column: u64,
    message: String,
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::Io { .. } => "Io",
        Error::Syntax { .. } => "Syntax",
        Error::NotTmx { .. } => "NotTmx",
        Error::Refused { .. } => "Refused",
        Error::Tu { .. } => "Tu",
        Error::Strict(_) => "Strict",
        _ => "other",
    }
}

fn check(case: &str, what: &str, want: &Expected, kind: &str, pos: (u64, u64), text: &str) {
    if !want.kind.is_empty() {
        assert_eq!(kind, want.kind, "{case}: {what} kind of {text}");
    }
    assert_eq!(
        pos,
        (want.line, want.column),
        "{case}: {what} position of {text}"
    );
    assert!(
        text.contains(&want.message),
        "{case}: {what} {text:?} lacks {:?}",
        want.message
    );
    assert!(text.starts_with("case.tmx:"), "{case}: {text}");
}

#[test]
fn error_table() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/errors.toml"))
            .unwrap();
    let table: Table = toml::from_str(&text).unwrap();
    assert!(table.case.len() >= 15);
    // In-memory input resolves positions from byte offsets when a message
    // needs one; streamed input counts them as it reads; in-memory input
    // parsed ahead on a second thread makes its events from the parser
    // thread's positions: all must agree.
    let modes = ["in memory", "parsed ahead", "streamed"];
    for (case, mode) in table.case.iter().flat_map(|c| modes.map(|m| (c, m))) {
        let name = &format!("{} ({mode})", case.name);
        let reader = match mode {
            "streamed" => {
                TmxReader::from_reader(std::io::Cursor::new(case.input.clone()), "case.tmx")
            }
            "parsed ahead" => TmxReader::from_slice(case.input.as_bytes(), "case.tmx")
                .map(|r| r.parse_ahead(true)),
            _ => TmxReader::from_slice(case.input.as_bytes(), "case.tmx")
                .map(|r| r.parse_ahead(false)),
        };
        let mut reader = match (reader, &case.open_error) {
            (Ok(r), None) => r.strict(case.strict),
            (Err(e), Some(want)) => {
                assert!(e.is_fatal(), "{name}");
                check(
                    name,
                    "open error",
                    want,
                    kind(&e),
                    e.position().unwrap_or((0, 0)),
                    &e.to_string(),
                );
                continue;
            }
            (Ok(_), Some(want)) => panic!("{name}: opened, expected {want:?}"),
            (Err(e), None) => panic!("{name}: {e}"),
        };
        let mut imported = 0;
        let mut errors = vec![];
        while let Some(item) = reader.next() {
            match item {
                Ok(_) => imported += 1,
                Err(e) => {
                    let fatal = e.is_fatal();
                    errors.push(e);
                    if fatal {
                        assert!(
                            reader.next().is_none(),
                            "{name}: nothing after a fatal error"
                        );
                        break;
                    }
                }
            }
        }
        assert_eq!(reader.tus_seen(), case.tus, "{name}: tus seen");
        assert_eq!(imported, case.imported, "{name}: imported");
        assert_eq!(errors.len(), case.errors.len(), "{name}: {errors:?}");
        for (e, want) in errors.iter().zip(&case.errors) {
            check(
                name,
                "error",
                want,
                kind(e),
                e.position().unwrap_or((0, 0)),
                &e.to_string(),
            );
        }
        // Most cases use a minimal header; its "lacks required attribute"
        // warning is checked only by the cases that list it.
        let lists_missing = case
            .warnings
            .iter()
            .any(|w| w.message.contains("lacks required"));
        let warnings: Vec<_> = reader
            .warnings()
            .iter()
            .filter(|w| lists_missing || !w.message.contains("lacks required"))
            .collect();
        assert_eq!(warnings.len(), case.warnings.len(), "{name}: {warnings:?}");
        for (w, want) in warnings.iter().zip(&case.warnings) {
            check(
                name,
                "warning",
                want,
                "",
                (w.line, w.column),
                &w.to_string(),
            );
        }
        if let Some(src) = &case.source {
            assert_eq!(
                reader.source_lang().map(|l| l.as_str()),
                Some(src.as_str()),
                "{name}"
            );
        }
    }
}
