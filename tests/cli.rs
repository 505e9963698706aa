//! The command line's contract: streams, exit codes, JSON.

use crate::util::Dir;

#[test]
fn segment_jsonl_adds_sentences_and_keeps_other_fields() {
    let dir = Dir::new();
    dir.write(
        "in.jsonl",
        "{\"id\": 7, \"text\": \"Il pleut. Il fait froid.\"}\n",
    );
    let run = dir
        .tmkit(&["segment", "--lang", "fr", "--jsonl", "in.jsonl"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(v["id"], 7);
    assert_eq!(
        v["sentences"],
        serde_json::json!(["Il pleut.", "Il fait froid."])
    );
    let bad = dir.write("bad.jsonl", "{\"id\": 1}\n");
    let run = dir
        .tmkit(&["segment", "--lang", "fr", "--jsonl", bad.to_str().unwrap()])
        .expect_code(2);
    assert!(
        run.stderr.contains("bad.jsonl:1:") && run.stderr.contains("\"text\""),
        "{}",
        run.stderr
    );
}

#[test]
fn lookup_exits_1_without_a_match_and_0_with_one() {
    let dir = Dir::new();
    dir.write(
        "pairs.tsv",
        "Le chat dort sur le canapé.\tThe cat sleeps on the sofa.\n",
    );
    dir.tmkit(&[
        "import",
        "pairs.tsv",
        "--db",
        "tm",
        "--src-lang",
        "fr",
        "--tgt-lang",
        "en",
    ])
    .ok();
    let args = [
        "lookup",
        "--db",
        "tm",
        "--src-lang",
        "fr",
        "--tgt-lang",
        "en",
    ];
    let miss = dir
        .tmkit(&[&args[..], &["Les marchés financiers ont chuté."]].concat())
        .expect_code(1);
    assert!(miss.stdout.is_empty(), "{}", miss.stdout);
    let hit = dir
        .tmkit(&[&args[..], &["Le chien dort sur le canapé."]].concat())
        .ok();
    assert!(
        hit.stdout.contains("The cat sleeps on the sofa."),
        "{}",
        hit.stdout
    );
}

#[test]
fn default_store_comes_from_tmkit_db() {
    let dir = Dir::new();
    dir.write("pairs.tsv", "Oui.\tYes.\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tmkit"))
        .args([
            "import",
            "pairs.tsv",
            "--src-lang",
            "fr",
            "--tgt-lang",
            "en",
        ])
        .current_dir(dir.tmp.path())
        .env("TMKIT_DB", dir.path("from-env"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path("from-env").exists());
    let stats = dir.tmkit(&["stats", "--db", "from-env", "--json"]).ok();
    assert!(stats.stdout.contains("\"units\":1"), "{}", stats.stdout);
}

#[test]
fn demo_runs_the_whole_chain() {
    let dir = Dir::new();
    let run = dir.tmkit(&["demo", "--dir", "demo"]).ok();
    for step in [
        "1. segment",
        "2. align",
        "3. store",
        "4. export",
        "5. import",
        "6. lookup",
    ] {
        assert!(run.stdout.contains(step), "missing {step}: {}", run.stdout);
    }
    assert!(dir.path("demo/dispatch.fr-en.tmx").exists());
    assert!(run.stdout.contains("Russian officials"), "{}", run.stdout);
}
