//! Weblate's `tmserver` machinery, the real client, against the server:
//! languages, its settings check, and lookups. Runs when the Python of
//! `TMKIT_WEBLATE_PYTHON` (set by `.ci/run` to its Weblate venv) imports
//! Weblate; skipped otherwise, unless `TMKIT_REQUIRE_CLIENTS=1`.

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::start;
use tmkit_server::Config;

fn weblate_python() -> String {
    std::env::var("TMKIT_WEBLATE_PYTHON").unwrap_or_else(|_| "python3".into())
}

#[test]
fn weblate_tmserver_machinery_gets_suggestions() {
    let python = weblate_python();
    if !tmkit_testkit::have(
        "Weblate (TMKIT_WEBLATE_PYTHON)",
        Command::new(&python).args(["-c", "import weblate, django"]),
    ) {
        return;
    }
    let s = start(Config::default());
    // (name, prefix, source language, target language, text)
    let cases = [
        (
            "exact",
            "/tmserver",
            "fr",
            "en",
            "Le chat dort sur le canapé.",
        ),
        ("fuzzy", "/tmserver", "fr", "en", "Le chat dort sur le lit."),
        ("slash", "/tmserver", "fr", "en", "Entrée/Sortie du système"),
        (
            "leading_slash",
            "/tmserver",
            "fr",
            "en",
            "/usr/bin est un dossier",
        ),
        (
            "non_ascii",
            "/tmserver",
            "fr",
            "en",
            "ENTRÉE/SORTIE DU SYSTÈME",
        ),
        ("regional", "/tmserver", "en", "pt_br", "Open the file"),
        ("empty", "/tmserver", "fr", "en", "Rien de semblable ici"),
        (
            "api_v1",
            "/api/v1",
            "fr",
            "en",
            "Le chat dort sur le canapé.",
        ),
    ];
    let cases: Vec<Value> = cases
        .iter()
        .map(|(name, prefix, src, tgt, text)| json!([name, prefix, src, tgt, text]))
        .collect();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/weblate/client.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(format!("http://{}", s.addr))
        .arg(Value::from(cases).to_string())
        .output()
        .expect("run the Weblate client");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the Weblate client failed:\n{stderr}");
    let got: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    assert_eq!(got["validate"], "ok", "{got}");
    let pairs = got["languages"].as_array().unwrap();
    assert!(pairs.contains(&json!(["fr", "en"])), "{got}");
    assert!(pairs.contains(&json!(["en", "pt"])), "{got}");

    let first = |case: &str| got[case][0].clone();
    assert_eq!(
        first("exact"),
        json!([
            "Le chat dort sur le canapé.",
            "The cat sleeps on the sofa.",
            100
        ])
    );
    assert_eq!(first("api_v1"), first("exact"));
    let fuzzy = first("fuzzy");
    assert_eq!(fuzzy[0], "Le chat dort sur le canapé.", "{got}");
    assert!((75..100).contains(&fuzzy[2].as_u64().unwrap()), "{got}");
    assert_eq!(first("slash")[1], "System input/output", "{got}");
    assert_eq!(first("slash")[2], 100, "{got}");
    assert_eq!(first("leading_slash")[2], 100, "{got}");
    assert_eq!(
        first("regional"),
        json!(["Open the file", "Abrir o arquivo", 100])
    );
    assert_eq!(got["empty"], json!([]), "{got}");
    // Differs in case only: a 95-99 of tmkit's score.
    let non_ascii = first("non_ascii");
    assert_eq!(non_ascii[0], "Entrée/Sortie du système", "{got}");
    assert!((95..100).contains(&non_ascii[2].as_u64().unwrap()), "{got}");
}
