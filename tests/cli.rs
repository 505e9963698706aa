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
    let v = run.json();
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
    dir.tsv_store("Le chat dort sur le canapé.\tThe cat sleeps on the sofa.\n");
    let miss = dir
        .tm(&["lookup", "Les marchés financiers ont chuté."])
        .expect_code(1);
    assert!(miss.stdout.is_empty(), "{}", miss.stdout);
    let hit = dir.tm(&["lookup", "Le chien dort sur le canapé."]).ok();
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
    // Running it again reuses its own directory; a directory of other files
    // is refused and left untouched.
    dir.tmkit(&["demo", "--dir", "demo"]).ok();
    std::fs::create_dir(dir.path("mine")).unwrap();
    dir.write("mine/notes.txt", "keep me");
    let refused = dir.tmkit(&["demo", "--dir", "mine"]).expect_code(2);
    assert!(
        refused.stderr.contains("not made by `tmkit demo`"),
        "{}",
        refused.stderr
    );
    assert!(dir.path("mine/notes.txt").exists());
}

/// A store with the dispatch aligned into it; returns the directory.
fn dispatch_store() -> Dir {
    let dir = Dir::new();
    dir.align_dispatch(&["--db", "tm"]).ok();
    dir
}

#[test]
fn maintenance_commands_keep_the_store_sound() {
    let dir = dispatch_store();
    assert_eq!(dir.units("tm"), 20);
    dir.tmkit(&["check", "--db", "tm"]).ok();
    // The same pairs again merge into the stored units.
    dir.align_dispatch(&["--db", "tm"]).ok();
    assert_eq!(dir.units("tm"), 20);
    let deleted = dir
        .tmkit(&["delete", "--db", "tm", "--id", "0", "--id", "1", "--json"])
        .ok();
    assert!(
        deleted.stdout.contains("\"deleted\":2"),
        "{}",
        deleted.stdout
    );
    assert_eq!(dir.units("tm"), 18);
    dir.tmkit(&["delete", "--db", "tm"]).expect_code(2);
    // A second import; export can take it alone.
    dir.write("more.tsv", "Merci beaucoup.\tThank you very much.\n");
    dir.tm(&["import", "more.tsv"]).ok();
    let stats = dir.tmkit(&["stats", "--db", "tm", "--json"]).ok().json();
    let imports = stats["imports"].as_array().unwrap();
    let more = imports.iter().find(|i| i["file"] == "more.tsv").unwrap();
    let id = more["id"].to_string();
    let only = dir
        .tm(&["export", "--format", "tsv", "--import", id.as_str()])
        .ok();
    assert_eq!(only.stdout, "Merci beaucoup.\tThank you very much.\n");
    let all = dir.tm(&["export", "--format", "tsv"]).ok();
    assert_eq!(all.stdout.lines().count(), 19);
    dir.tm(&["export", "--format", "tsv", "--prop", "nonsense"])
        .expect_code(2);
    dir.tmkit(&["dedupe", "--db", "tm"]).ok();
    let check = dir.tmkit(&["check", "--db", "tm", "--json"]).ok();
    assert!(check.stdout.contains("\"sound\":true"), "{}", check.stdout);
}

#[test]
fn concordance_analyze_and_pretranslate_use_the_memory() {
    let dir = dispatch_store();
    let conc = dir.tm(&["concordance", "Groupe de Minsk"]).ok();
    assert!(conc.stdout.contains("[Groupe de Minsk]"), "{}", conc.stdout);
    assert!(conc.stdout.contains("Minsk Group"), "{}", conc.stdout);
    dir.tm(&["concordance", "xylophone"]).expect_code(1);

    let fr = crate::util::example("dispatch/dispatch.fr.txt");
    let analysis = dir.tm(&["analyze", fr.to_str().unwrap(), "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(analysis.stdout.trim()).unwrap();
    assert_eq!(v["total"]["segments"], 22);
    let exact = v["bands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["band"] == "100%")
        .unwrap();
    // Every French sentence aligned 1-1 or 1-2 is a unit of its own: 18 of 22.
    assert_eq!(exact["segments"], 18, "{v}");

    dir.write(
        "new.txt",
        "Les responsables russes ont rejeté les allégations d’Erdogan.\nUne phrase sans rapport.\n",
    );
    let pre = dir
        .tm(&[
            "pretranslate",
            "new.txt",
            "--presegmented",
            "--format",
            "tsv",
        ])
        .ok();
    let lines: Vec<&str> = pre.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].ends_with("\tRussian officials have rejected Erdogan's allegations."),
        "{}",
        lines[0]
    );
    assert!(lines[1].ends_with('\t'), "{}", lines[1]);
}

#[test]
fn align_score_reports_strict_and_lax_f1() {
    let dir = Dir::new();
    dir.write("gold.tsv", "0\t0\n1\t1,2\n2\t3\n");
    dir.write("pred.tsv", "0\t0\n1\t1\n\t2\n2\t3\n");
    let run = dir
        .tmkit(&["align-score", "pred.tsv", "gold.tsv", "--json"])
        .ok();
    let v = run.json();
    // Strict: 2 of 4 predicted right, 2 of 3 gold found.
    assert!(
        (v["strict"]["precision"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{v}"
    );
    assert!(
        (v["strict"]["recall"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9,
        "{v}"
    );
    dir.write("bad.tsv", "0\tx\n");
    dir.tmkit(&["align-score", "bad.tsv", "gold.tsv"])
        .expect_code(2);
}

#[test]
fn lexicon_build_saves_a_lexicon_the_aligner_uses() {
    let dir = dispatch_store();
    let run = dir.tm(&["lexicon", "build", "--json"]).ok();
    let v = run.json();
    assert!(v["pairs"].as_u64().unwrap() > 0, "{v}");
    // A relative path is relative to the directory tmkit ran in.
    assert!(dir.path(v["path"].as_str().unwrap()).exists(), "{v}");
    // Aligning with the store's lexicon still gives the gold links.
    let links = dir
        .align_dispatch(&["--format", "links", "--db", "tm"])
        .ok();
    let gold = std::fs::read_to_string(crate::util::example("dispatch/gold.tsv")).unwrap();
    assert_eq!(links.stdout.trim_end(), gold.trim_end());
}

#[test]
fn lookup_substitutes_numbers_and_explains_scores() {
    let dir = Dir::new();
    dir.tsv_store("Il reste 3 fichiers à copier.\t3 files left to copy.\n");
    let run = dir
        .tm(&["lookup", "--json", "Il reste 12 fichiers à copier."])
        .ok();
    let hit = &run.json()["matches"][0];
    let score = hit["score"].as_u64().unwrap();
    assert!((95..=99).contains(&score), "only a number differs: {hit}");
    assert_eq!(hit["substituted"], "12 files left to copy.", "{hit}");
    assert!(
        hit["explanation"]["penalties"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{hit}"
    );
    let explained = dir
        .tm(&["lookup", "--explain", "Il reste 3 dossiers à copier."])
        .ok();
    assert!(
        explained.stdout.contains("fichiers") && explained.stdout.contains("dossiers"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains("| "),
        "no breakdown: {}",
        explained.stdout
    );
}

/// Item 10: `L'été` with either apostrophe, in NFC or NFD, is one sentence:
/// one unit in the store, and an exact match of each of its forms.
#[test]
fn issue11_the_forms_of_one_sentence_are_one_unit_and_an_exact_match() {
    let dir = Dir::new();
    let forms = [
        "L'été",
        "L\u{2019}été",
        "L'e\u{301}te\u{301}",
        "L\u{2019}e\u{301}te\u{301}",
    ];
    let pairs: String = forms.iter().map(|f| format!("{f}\tSummer\n")).collect();
    dir.tsv_store(&pairs);
    assert_eq!(dir.units("tm"), 1);
    for form in forms {
        let run = dir.tm(&["lookup", "--json", form]).ok();
        let hits = run.json()["matches"].as_array().unwrap().clone();
        assert_eq!(hits.len(), 1, "{form:?}: {hits:?}");
        assert_eq!(hits[0]["score"], 100, "{form:?}: {}", hits[0]);
    }
}

/// Item 11: a Chinese query inside a longer stored sentence is a fuzzy
/// match, not nothing; a query of symbols only matches no unrelated text.
#[test]
fn issue11_chinese_queries_match_and_symbols_alone_match_nothing_unrelated() {
    let dir = Dir::new();
    dir.tsv_store("我们今天去公园散步。\tWe walked in the park today.\n!!!\tWow!\n");
    let run = dir.tm(&["lookup", "--json", "我们今天去公园"]).ok();
    let hit = &run.json()["matches"][0];
    assert_eq!(hit["score"], 76, "{hit}");
    assert_eq!(hit["target"], "We walked in the park today.", "{hit}");
    for query in ["🎉", "?"] {
        let miss = dir.tm(&["lookup", "--min", "1", query]).expect_code(1);
        assert!(miss.stdout.is_empty(), "{query}: {}", miss.stdout);
    }
}
