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

/// A store `tm` holding the dispatch, and its export as TSV on stdout.
fn exported_dispatch() -> (Dir, String) {
    let dir = dispatch_store();
    let tsv = dir.tm(&["export", "--format", "tsv"]).ok().stdout;
    assert_eq!(tsv.lines().count(), 20);
    (dir, tsv)
}

/// The names in the test directory, the store and its files left out.
fn names(dir: &Dir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "tm")
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn issue11_export_writes_a_device_in_place_and_names_it_when_it_is_full() {
    use std::os::unix::fs::FileTypeExt;
    let dir = dispatch_store();
    let full = dir.tm(&["export", "-o", "/dev/full"]).expect_code(2);
    assert!(
        full.stderr.contains("/dev/full: ") && full.stderr.contains("No space left on device"),
        "{}",
        full.stderr
    );
    assert!(!full.stderr.contains("<output>"), "{}", full.stderr);
    dir.tm(&["export", "-o", "/dev/null"]).ok();
    for device in ["/dev/full", "/dev/null"] {
        let kind = std::fs::symlink_metadata(device).unwrap().file_type();
        assert!(kind.is_char_device(), "{device} was replaced");
    }
}

#[cfg(unix)]
#[test]
fn issue11_export_never_writes_through_a_planted_link() {
    let (dir, tmx) = exported_dispatch();
    dir.write("victim", "keep me");
    for planted in ["out.tmkit-partial", ".out.tmx.tmkit-partial"] {
        std::os::unix::fs::symlink("victim", dir.path(planted)).unwrap();
    }
    dir.tm(&["export", "--format", "tsv", "-o", "out.tmx"]).ok();
    assert_eq!(
        std::fs::read_to_string(dir.path("victim")).unwrap(),
        "keep me"
    );
    let out = dir.path("out.tmx");
    assert!(!std::fs::symlink_metadata(&out)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), tmx);
    // A link named by -o is the user's: the file it points to gets the export,
    // and the link stays a link.
    dir.write("real.tmx", "old");
    std::os::unix::fs::symlink("real.tmx", dir.path("link.tmx")).unwrap();
    dir.tm(&["export", "--format", "tsv", "-o", "link.tmx"])
        .ok();
    assert!(std::fs::symlink_metadata(dir.path("link.tmx"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(dir.path("real.tmx")).unwrap(), tmx);
    assert_eq!(
        names(&dir),
        [
            ".out.tmx.tmkit-partial",
            "link.tmx",
            "out.tmkit-partial",
            "out.tmx",
            "real.tmx",
            "victim"
        ]
    );
}

#[cfg(unix)]
#[test]
fn issue11_export_to_a_named_pipe_writes_into_it() {
    use std::os::unix::fs::FileTypeExt;
    let (dir, tmx) = exported_dispatch();
    let fifo = dir.path("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo failed");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    dir.tm(&["export", "--format", "tsv", "-o", "pipe"]).ok();
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(reader.join().unwrap(), tmx);
}

#[test]
fn issue11_export_into_the_store_is_refused() {
    let dir = dispatch_store();
    for inside in ["tm/db", "tm/new.tmx", "tm/../tm/conf", "tm"] {
        let run = dir.tm(&["export", "-o", inside]).expect_code(2);
        assert!(
            run.stderr.contains("inside the store"),
            "{inside}: {}",
            run.stderr
        );
    }
    dir.tmkit(&["check", "--db", "tm"]).ok();
    assert_eq!(dir.units("tm"), 20);
}

#[cfg(unix)]
#[test]
fn issue11_a_failed_output_leaves_the_file_as_it_was_and_no_partial_file() {
    let dir = Dir::new();
    dir.write("out.tmx", "the previous alignment");
    // A file-size limit makes every write past 2 KiB fail as a full disk
    // would (EFBIG once SIGXFSZ is ignored); the dispatch's TMX is larger.
    // `align` reads no store, which sled would write to when it opens; its
    // -o goes through the same output as every other command's.
    let script = r#"ulimit -f 4; trap '' XFSZ; exec "$0" "$@""#;
    let (fr, en) = (
        crate::util::example("dispatch/dispatch.fr.txt"),
        crate::util::example("dispatch/dispatch.en.txt"),
    );
    let out = std::process::Command::new("sh")
        .args(["-c", script, env!("CARGO_BIN_EXE_tmkit"), "align"])
        .args([fr, en])
        .args(["--src-lang", "fr", "--tgt-lang", "en"])
        .args(["--format", "tmx", "-o", "out.tmx"])
        .current_dir(dir.tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("out.tmx: ")
            && stderr.contains("File too large")
            && !stderr.contains("<output>"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path("out.tmx")).unwrap(),
        "the previous alignment"
    );
    assert_eq!(names(&dir), ["out.tmx"]);
}

#[test]
fn issue11_tsv_export_and_import_keep_tabs_newlines_and_backslashes() {
    let dir = Dir::new();
    let tmx = r#"<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t"
 adminlang="en" srclang="fr" datatype="plaintext"/><body>
<tu><tuv xml:lang="fr"><seg>Colonne&#9;A et
ligne deux</seg></tuv><tuv xml:lang="en"><seg>Column&#9;A and
line two</seg></tuv></tu>
<tu><tuv xml:lang="fr"><seg>Le chemin C:\temp\new et \\serveur</seg></tuv><tuv xml:lang="en"><seg>The path C:\temp\new and \\server</seg></tuv></tu>
</body></tmx>
"#;
    dir.write("tricky.tmx", tmx);
    dir.tmkit(&["import", "tricky.tmx", "--db", "tm"]).ok();
    let tsv = dir.tm(&["export", "--format", "tsv", "-o", "out.tsv"]).ok();
    assert!(tsv.stderr.contains("wrote 2 units"), "{}", tsv.stderr);
    let written = std::fs::read_to_string(dir.path("out.tsv")).unwrap();
    assert_eq!(written.lines().count(), 2, "{written}");
    assert!(
        written.contains("Colonne\\tA et\\nligne deux\tColumn\\tA and\\nline two\n"),
        "{written}"
    );
    assert!(
        written.contains("C:\\\\temp\\\\new et \\\\\\\\serveur"),
        "{written}"
    );
    let tm2 = ["--db", "tm2", "--src-lang", "fr", "--tgt-lang", "en"];
    dir.tmkit(&[&["import", "out.tsv"][..], &tm2].concat()).ok();
    let again = dir
        .tmkit(&[&["export", "--format", "tmx"][..], &tm2].concat())
        .ok();
    let first = dir.tm(&["export", "--format", "tmx"]).ok();
    let segs = |tmx: &str| -> Vec<String> {
        tmx.split("<seg>")
            .skip(1)
            .map(|s| s[..s.find("</seg>").unwrap()].to_string())
            .collect()
    };
    assert_eq!(segs(&again.stdout), segs(&first.stdout));
    assert!(
        segs(&first.stdout)
            .iter()
            .any(|s| s.contains('\t') || s.contains("&#9;")),
        "{}",
        first.stdout
    );
}

#[test]
fn issue11_tsv_import_reads_every_line_end_drops_the_bom_and_reports_extra_columns() {
    let dir = Dir::new();
    dir.write(
        "pairs.tsv",
        "\u{feff}Le chat dort.\tThe cat sleeps.\rIl pleut.\tIt rains.\t0.93\rMerci.\tThanks.\r",
    );
    let run = dir.tm(&["import", "pairs.tsv", "--json"]).ok();
    assert_eq!(run.json()["imported"], 3, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("pairs.tsv:2:21: 1 line(s) have more than two columns"),
        "{}",
        run.stderr
    );
    let hit = dir.tm(&["lookup", "--json", "Le chat dort."]).ok();
    assert_eq!(hit.json()["matches"][0]["score"], 100, "{}", hit.stdout);
}

#[test]
fn issue11_a_tsv_unit_holding_a_control_character_is_skipped_with_its_position() {
    let dir = Dir::new();
    dir.write("pairs.tsv", "Un.\tOne.\nDé\u{2}bian\tDebian\nDeux.\tTwo.\n");
    let run = dir.tm(&["import", "pairs.tsv"]).expect_code(2);
    assert!(
        run.stderr.contains("pairs.tsv:2:3: U+0002"),
        "{}",
        run.stderr
    );
    assert_eq!(dir.units("tm"), 2);
    // The store then exports as TMX without a stop.
    let tmx = dir.tm(&["export"]).ok();
    assert_eq!(
        tmx.stdout.matches("<tu>").count() + tmx.stdout.matches("<tu ").count(),
        2
    );
}

#[test]
fn issue11_top_0_is_refused_with_a_reason() {
    let dir = Dir::new();
    dir.tsv_store("Le chat dort.\tThe cat sleeps.\n");
    for command in [
        &["lookup", "--top", "0", "Le chat dort."][..],
        &["concordance", "--top", "0", "chat"],
    ] {
        let stderr = dir.tm(command).expect_code(2).stderr;
        let said = ["--top", "0 would show nothing", "1 or more"];
        assert!(said.iter().all(|s| stderr.contains(s)), "{stderr}");
    }
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

#[test]
fn issue11_an_srx_rule_that_backtracks_without_end_is_named_and_the_text_segmented() {
    let dir = Dir::new();
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/segment/testdata/catastrophic.srx");
    let para = format!("{}. Short one.", vec!["word"; 60].join(" "));
    dir.write("long.txt", vec![para.as_str(); 200].join(" "));
    let rules = rules.to_str().unwrap();
    let run = dir
        .tmkit(&["segment", "--lang", "en", "--rules", rules, "long.txt"])
        .ok();
    assert_eq!(run.stdout.lines().count(), 400, "{}", run.stdout);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    for part in [
        "catastrophic.srx",
        "Evil#1 (nested repetition)",
        "1:301",
        "backtracking",
        "long.txt",
    ] {
        assert!(warnings[0].contains(part), "{part} in {}", warnings[0]);
    }
}
