//! schemathesis (PyPI) against tmkit's API and its OpenAPI document: every
//! operation fed generated requests, valid and not, checked for server
//! errors, answers that break the document, and valid requests refused.
//! (`/import` aside: a generated body is no TMX file.) Runs when `TMKIT_SCHEMATHESIS` (set by `.ci/run` to its venv's `st`)
//! runs; skipped otherwise, unless `TMKIT_REQUIRE_CLIENTS=1`.

mod support;

use std::process::Command;

use support::{start, TOKEN};
use tmkit_server::Config;

#[test]
fn schemathesis_finds_no_failure_in_the_tmkit_api() {
    let st = std::env::var("TMKIT_SCHEMATHESIS").unwrap_or_else(|_| "st".into());
    if !tmkit_testkit::have(
        "schemathesis (TMKIT_SCHEMATHESIS)",
        Command::new(&st).arg("--version"),
    ) {
        return;
    }
    let s = start(Config {
        token: Some(TOKEN.into()),
        ..Config::default()
    });
    let base = format!("http://{}/api/tmkit/v1", s.addr);
    // schemathesis writes its example database and reports where it runs.
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(&st)
        .current_dir(scratch.path())
        .args(["run", &format!("{base}/openapi.json"), "--url", &base])
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--checks", "all", "--max-examples", "50", "--seed", "1"])
        // A generated body is no TMX, so a valid request to /import is
        // answered 422 by design: protocol.rs tests it with real files.
        .args(["--exclude-path", "/import"])
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("passed"), "{stdout}");
}
