//! Bad input: one clear line on stderr, exit code 2, no panic, the store unchanged.

use crate::util::Dir;

const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
<header creationtool="test" creationtoolversion="1" segtype="sentence" o-tmf="test"
  adminlang="en" srclang="fr" datatype="plaintext"/>
<body>
<tu><tuv xml:lang="fr"><seg>Bonjour le monde.</seg></tuv><tuv xml:lang="en"><seg>Hello world.</seg></tuv></tu>
<tu><tuv xml:lang="fr"><seg>Il pleut.</seg></tuv><tuv xml:lang="en"><seg>It rains.</seg></tuv></tu>
</body>
</tmx>
"#;

/// A store `tm` holding the two units of [`GOOD`].
fn good_store() -> Dir {
    let dir = Dir::new();
    dir.write("good.tmx", GOOD);
    dir.tmkit(&["import", "good.tmx", "--db", "tm"]).ok();
    dir
}

/// Imports `file` into the store `tm`, expects it refused (exit 2), and
/// returns its one error line.
fn rejected(dir: &Dir, file: &str) -> String {
    let run = dir.tmkit(&["import", file, "--db", "tm"]).expect_code(2);
    one_error_line(&run.stderr).to_string()
}

/// The error line of a failed command: exactly one line on stderr.
fn one_error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr: {stderr}");
    assert!(lines[0].starts_with("tmkit: "), "{stderr}");
    lines[0]
}

#[test]
fn missing_file_is_named_and_exits_2() {
    let dir = good_store();
    let line = rejected(&dir, "nowhere.tmx");
    assert!(line.contains("nowhere.tmx"), "{line}");
    assert_eq!(dir.units("tm"), 2);
}

#[test]
fn a_file_that_is_not_tmx_is_rejected_with_its_position() {
    let dir = good_store();
    dir.write("notes.tmx", "These are my notes, not a memory.\n");
    let line = rejected(&dir, "notes.tmx");
    assert!(line.contains("notes.tmx:1:"), "{line}");
    dir.write("html.tmx", "<html><body>hi</body></html>\n");
    let line = rejected(&dir, "html.tmx");
    assert!(line.contains("html.tmx:1:"), "{line}");
    assert_eq!(dir.units("tm"), 2);
}

#[test]
fn a_truncated_tmx_imports_nothing() {
    let dir = good_store();
    // Cut inside the second unit: the first unit is well formed, but the
    // file is not, so nothing of it may land in the store.
    let cut = GOOD.find("Il pleut").unwrap();
    let truncated = GOOD[..cut].replace("Bonjour le monde.", "Salut.");
    dir.write("cut.tmx", &truncated);
    let run = dir
        .tmkit(&["import", "cut.tmx", "--db", "tm", "--json"])
        .expect_code(2);
    let line = one_error_line(&run.stderr);
    let line_no = truncated.lines().count();
    assert!(line.contains(&format!("cut.tmx:{line_no}:")), "{line}");
    let summary = run.json();
    assert_eq!(summary["imported"], 0);
    assert_eq!(dir.units("tm"), 2, "the store changed");
    let lookup = dir.tm(&["lookup", "Salut."]);
    assert_eq!(
        lookup.code, 1,
        "a unit of the truncated file was stored: {}",
        lookup.stdout
    );
}

#[test]
fn a_broken_unit_is_skipped_and_the_rest_imports() {
    let dir = Dir::new();
    let broken = GOOD.replace(
        "<tu><tuv xml:lang=\"fr\"><seg>Il pleut.</seg></tuv>",
        "<tu><tuv><seg>Il pleut.</seg></tuv>",
    );
    dir.write("broken.tmx", broken);
    let run = dir
        .tmkit(&["import", "broken.tmx", "--db", "tm", "--json"])
        .expect_code(2);
    let summary = run.json();
    assert_eq!(
        (
            summary["tus"].as_u64(),
            summary["imported"].as_u64(),
            summary["skipped"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert!(run.stderr.contains("broken.tmx:7:"), "{}", run.stderr);
    assert_eq!(dir.units("tm"), 1);
}

#[test]
fn tsv_lines_without_a_tab_are_reported() {
    let dir = Dir::new();
    dir.write(
        "pairs.tsv",
        "Bonjour.\tHello.\nno tab here\nMerci.\tThanks.\n",
    );
    let run = dir.tm(&["import", "pairs.tsv"]).expect_code(2);
    assert!(run.stderr.contains("pairs.tsv:2:"), "{}", run.stderr);
    assert_eq!(dir.units("tm"), 2);
    let run = dir
        .tmkit(&["import", "pairs.tsv", "--db", "tm2"])
        .expect_code(2);
    assert!(run.stderr.contains("--src-lang"), "{}", run.stderr);
}

/// A document of units (`fr`, `en`) whose French segments are `segs`, one
/// unit a line from line 6 on.
fn units_doc(header_srclang: &str, units: &[(&str, &str)]) -> String {
    let mut doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n<header creationtool=\"test\" \
         creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"test\" adminlang=\"en\" \
         srclang=\"{header_srclang}\" datatype=\"plaintext\"/>\n<body>\n"
    );
    for (lang, seg) in units {
        doc += &format!(
            "<tu><tuv xml:lang=\"{lang}\"><seg>{seg}</seg></tuv><tuv xml:lang=\"en\"><seg>x</seg></tuv></tu>\n"
        );
    }
    doc + "</body>\n</tmx>\n"
}

/// Markup nested 201 deep used to import (even with --strict) and then make
/// every export, lookup and re-import fail with "store is damaged": the
/// unit is now skipped with its position, the others import and export.
#[test]
fn issue11_markup_201_deep_is_skipped_with_its_position() {
    let dir = Dir::new();
    let deep = |n: usize| format!("{}x{}", "<hi>".repeat(n), "</hi>".repeat(n));
    let doc = units_doc(
        "fr",
        &[
            ("fr", "Un."),
            ("fr", &deep(201)),
            ("fr", &deep(200)),
            ("fr", "Deux."),
        ],
    );
    dir.write("deep.tmx", &doc);
    let run = dir
        .tmkit(&["import", "deep.tmx", "--db", "tm", "--json"])
        .expect_code(2);
    // Line 6 is the second unit; its 201st <hi> starts at column 29 + 4 × 200.
    assert!(
        run.stderr
            .contains("deep.tmx:6:829: inline tags nested more than 200 deep"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["imported"], 3);
    let export = dir.tm(&["export", "-o", "out.tmx"]).ok();
    assert!(export.stderr.contains("wrote 3 units"), "{}", export.stderr);
    let out = std::fs::read_to_string(dir.path("out.tmx")).unwrap();
    assert_eq!(out.matches("<tu>").count() + out.matches("<tu ").count(), 3);
    dir.tmkit(&["import", "out.tmx", "--db", "again"]).ok();
    assert_eq!(dir.units("again"), 3);
    let run = dir
        .tmkit(&["import", "deep.tmx", "--db", "strict", "--strict"])
        .expect_code(2);
    assert!(run.stderr.contains("deep.tmx:6:829:"), "{}", run.stderr);
    let stats = dir.tmkit(&["stats", "--db", "strict", "--json"]);
    assert!(
        stats.code != 0 || stats.json()["units"] == 0,
        "{}",
        stats.stdout
    );
}

/// Characters XML 1.0 forbids used to import and then stop the export at
/// their unit: the unit is now skipped with the character's position.
#[test]
fn issue11_forbidden_characters_cost_their_unit_and_export_goes_through() {
    let dir = Dir::new();
    let doc = units_doc(
        "fr",
        &[
            ("fr", "Un."),
            ("fr", "cloche &#7;"),
            ("fr", "nul &#0;"),
            ("fr", "Deux."),
        ],
    );
    dir.write("ctl.tmx", &doc);
    let run = dir
        .tmkit(&["import", "ctl.tmx", "--db", "tm"])
        .expect_code(2);
    assert!(
        run.stderr.contains("ctl.tmx:6:36: &#7; stands for U+0007"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("ctl.tmx:7:33: &#0; stands for U+0000"),
        "{}",
        run.stderr
    );
    assert_eq!(dir.units("tm"), 2);
    dir.tm(&["export", "-o", "out.tmx"]).ok();
    dir.tmkit(&["import", "out.tmx", "--db", "again"]).ok();
    assert_eq!(dir.units("again"), 2);
}

/// An `EN-GB` header over `EN-US` variants made the store refuse every
/// unit ("unit N of batch"); the file now imports, with one warning, and a
/// unit the store still refuses is named by its position in the file.
#[test]
fn issue11_header_srclang_of_another_region_imports_and_refusals_have_positions() {
    let dir = Dir::new();
    let doc = units_doc(
        "FR-CA",
        &[("fr-FR", "Un."), ("fr-FR", "Deux."), ("fr-BE", "Trois.")],
    )
    .replace("<tuv xml:lang=\"en\"", "<tuv xml:lang=\"en-US\"");
    dir.write("ca.tmx", &doc);
    let run = dir
        .tmkit(&["import", "ca.tmx", "--db", "tm", "--json"])
        .expect_code(2);
    let warned = run
        .stderr
        .lines()
        .filter(|l| l.contains("fr-FR is read as the source language"))
        .count();
    assert_eq!(warned, 1, "{}", run.stderr);
    assert_eq!(run.json()["imported"], 2);
    assert!(
        run.stderr
            .contains("ca.tmx:7:1: the unit has no variant in the source language fr-FR"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("of batch"), "{}", run.stderr);
}

/// The reader's size limits are import flags: a unit over one is skipped
/// with its position and the others import.
#[test]
fn issue11_import_size_limits_are_flags() {
    let dir = Dir::new();
    let doc = units_doc(
        "fr",
        &[("fr", "Un."), ("fr", &"long ".repeat(30)), ("fr", "Deux.")],
    );
    dir.write("long.tmx", &doc);
    let run = dir
        .tmkit(&["import", "long.tmx", "--db", "tm", "--max-segment", "100"])
        .expect_code(2);
    assert!(
        run.stderr.contains(
            "long.tmx:6:24: the <seg> holds 150 bytes of text, more than the segment limit of 100"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(dir.units("tm"), 2);
    dir.tmkit(&["import", "long.tmx", "--db", "all", "--max-segment", "1K"])
        .ok();
    assert_eq!(dir.units("all"), 3);
    let run = dir
        .tmkit(&["import", "long.tmx", "--db", "x", "--max-unit", "lots"])
        .expect_code(2);
    assert!(
        run.stderr.contains("is not a size in bytes"),
        "{}",
        run.stderr
    );
}
