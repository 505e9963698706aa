//! The dispatch end to end: segment, align, store, export, check the TMX with
//! real clients, re-import, look up.

use std::{path::Path, process::Command};

use tmkit_testkit::{have, have_omegat, omegat_translate, tmx_dtd, xmllint_dtd_errors};

use crate::util::{example, Dir};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read example")
}

fn non_blank_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

#[test]
fn dispatch_segments_like_the_gold_sentences() {
    let dir = Dir::new();
    for lang in ["fr", "en"] {
        let txt = example(&format!("dispatch/dispatch.{lang}.txt"));
        let gold = read(&example(&format!("dispatch/dispatch.{lang}.sentences")));
        let flat = dir
            .tmkit(&["segment", "--lang", lang, "--flat", txt.to_str().unwrap()])
            .ok();
        assert_eq!(
            flat.stdout.trim_end(),
            gold.trim_end(),
            "{lang}: --flat output differs from the gold"
        );
        // Without --flat, paragraphs are separated by one blank line each;
        // the sentences are the same.
        let paras = dir
            .tmkit(&["segment", "--lang", lang, txt.to_str().unwrap()])
            .ok();
        assert_eq!(non_blank_lines(&paras.stdout), non_blank_lines(&gold));
        let blank = paras.stdout.lines().filter(|l| l.is_empty()).count();
        let source_paragraphs = read(&txt)
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .count();
        assert_eq!(
            blank + 1,
            source_paragraphs,
            "{lang}: one blank line between paragraphs"
        );
    }
}

#[test]
fn dispatch_aligns_like_the_gold_links() {
    let dir = Dir::new();
    let run = dir.align_dispatch(&["--format", "links"]).ok();
    let gold = read(&example("dispatch/gold.tsv"));
    assert_eq!(run.stdout.trim_end(), gold.trim_end());
}

/// Aligns the dispatch into a store, exports TMX, and returns (dir, tmx path).
fn aligned_store() -> (Dir, std::path::PathBuf) {
    let dir = Dir::new();
    let fr = example("dispatch/dispatch.fr.txt");
    let en = example("dispatch/dispatch.en.txt");
    let (fr, en) = (fr.to_str().unwrap(), en.to_str().unwrap());
    dir.tmkit(&[
        "align",
        fr,
        en,
        "--src-lang",
        "fr-FR",
        "--tgt-lang",
        "en-US",
        "--db",
        "tm",
    ])
    .ok();
    let tmx = dir.path("dispatch.tmx");
    dir.tm(&["export", "-o", "dispatch.tmx"]).ok();
    (dir, tmx)
}

#[test]
fn dispatch_round_trips_through_the_store_and_tmx() {
    let (dir, tmx) = aligned_store();
    let gold_links = non_blank_lines(&read(&example("dispatch/gold.tsv"))).len();
    let stats = dir.tmkit(&["stats", "--db", "tm", "--json"]).ok();
    let stats = stats.json();
    assert_eq!(
        stats["units"], gold_links as u64,
        "one unit per link: {stats}"
    );

    let import = dir
        .tmkit(&["import", tmx.to_str().unwrap(), "--db", "again", "--json"])
        .ok();
    let summary = import.json();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["tus"], gold_links as u64);
    assert_eq!(summary["imported"], gold_links as u64);
    assert_eq!(summary["skipped"], 0);

    let export = |db: &str| {
        dir.tmkit(&[
            "export",
            "--db",
            db,
            "--src-lang",
            "fr",
            "--tgt-lang",
            "en",
            "--format",
            "tsv",
        ])
        .ok()
        .stdout
    };
    let (first, second) = (export("tm"), export("again"));
    assert_eq!(non_blank_lines(&first).len(), gold_links);
    assert_eq!(
        first, second,
        "re-imported units differ from the stored ones"
    );

    // One word changed: that unit first, a fuzzy score; unchanged: 100.
    let original = "Les responsables russes ont rejeté les allégations d’Erdogan.";
    let edited = "Les responsables russes ont rejeté les accusations d’Erdogan.";
    let lookup = |q: &str| {
        let run = dir
            .tmkit(&[
                "lookup",
                "--db",
                "again",
                "--src-lang",
                "fr",
                "--tgt-lang",
                "en",
                "--json",
                q,
            ])
            .ok();
        let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        v["matches"][0].clone()
    };
    let hit = lookup(edited);
    assert_eq!(hit["source"], original);
    let score = hit["score"].as_u64().unwrap();
    assert!((80..=99).contains(&score), "edited sentence scored {score}");
    assert_eq!(lookup(original)["score"], 100);
}

#[test]
fn dispatch_tmx_is_valid_against_the_tmx_dtd() {
    if !have("xmllint", Command::new("xmllint").arg("--version")) {
        return;
    }
    let (_dir, tmx) = aligned_store();
    if let Some(errors) = xmllint_dtd_errors(&tmx_dtd(), &tmx) {
        panic!("xmllint: {errors}");
    }
}

#[test]
fn dispatch_tmx_fills_every_segment_in_omegat() {
    if !have_omegat() {
        return;
    }
    let (dir, tmx) = aligned_store();
    // The source document OmegaT translates: the French side of each unit,
    // one per line, segmented on line breaks, so that every segment has an
    // exact match in the memory when the memory is right.
    let tsv = dir.tm(&["export", "--format", "tsv"]).ok();
    let french: Vec<&str> = tsv
        .stdout
        .lines()
        .filter_map(|l| l.split('\t').next())
        .collect();
    let run = omegat_translate(&dir.path("omegat"), &tmx, "fr-FR", "en-US", &french);
    assert!(
        !run.stderr.contains("Exception"),
        "OmegaT threw: {}",
        run.stderr
    );
    assert_eq!(run.total, french.len(), "segments OmegaT found");
    assert_eq!(run.remaining, 0, "OmegaT left segments unfilled");
    assert!(
        run.target.contains("Russian officials"),
        "target: {}",
        run.target
    );
}
