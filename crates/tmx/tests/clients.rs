//! TMX written by tmkit, checked by real clients: xmllint against the
//! TMX 1.4 DTD, translate-toolkit's parser, and OmegaT 3.6 in console mode.
//!
//! A missing client makes its test print `skipped: <tool> not installed` and
//! pass, unless `TMKIT_REQUIRE_CLIENTS=1`, which makes it fail. The Python
//! interpreter that has translate-toolkit is `$TMKIT_PYTHON` (default
//! `python3`).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use tmkit_core::{Inline, Lang, Tu};
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shared() -> PathBuf {
    manifest().join("../../../shared")
}

/// Real files of `tmx/`, chosen for their quirks: TMX 1.1 `lang=`, UTF-16 with
/// inline markup, vendor `name=` props and `srclang="*all*"`, language names,
/// windows-1252, namespaced vendor attributes, `lang=` in 22 languages.
const REAL: &[&str] = &[
    "omegat/project_save.tmx",
    "lisa-compkit/ImportTest2A.tmx",
    "trados-workbench/html_test.tmx",
    "zanata/valid-tmx-with-metadata.tmx",
    "multitrans/Banking TextBase.tmx",
    "okapi/tmxtest-attributes.out.tmx",
    "misc-handmade/namespaces.tmx",
    "dgt-tm/22004D0093.tmx",
];

/// Whether `tool` can run; if not, fails under `TMKIT_REQUIRE_CLIENTS=1` and
/// otherwise says the test is skipped.
fn available(tool: &str, probe: &mut Command) -> bool {
    let ok = probe.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        if std::env::var("TMKIT_REQUIRE_CLIENTS").as_deref() == Ok("1") {
            panic!("{tool} is required (TMKIT_REQUIRE_CLIENTS=1) but not installed");
        }
        println!("skipped: {tool} not installed");
    }
    ok
}

/// The units of the dispatch: French and English sentences grouped as the
/// gold alignment links them.
fn dispatch_units() -> Vec<Tu> {
    let dir = shared().join("dispatch");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let fr: Vec<String> = read("dispatch.fr.sentences")
        .lines()
        .map(str::to_string)
        .collect();
    let en: Vec<String> = read("dispatch.en.sentences")
        .lines()
        .map(str::to_string)
        .collect();
    let join = |side: &[String], idx: &str| -> String {
        idx.split(',')
            .filter_map(|i| i.trim().parse::<usize>().ok())
            .map(|i| side[i].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    read("gold.tsv")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(f, e)| {
            Tu::bilingual(
                Lang::parse("fr-FR").unwrap(),
                join(&fr, f).as_str(),
                Lang::parse("en-US").unwrap(),
                join(&en, e).as_str(),
            )
        })
        .collect()
}

/// Reads a file of `tmx/` and writes it with tmkit into `dir`; returns the
/// path written, the units, and the source language used.
fn export(dir: &Path, name: &str, units: Vec<Tu>, src: Lang) -> PathBuf {
    let mut opts = WriteOptions::new(src);
    opts.creationdate = Some("20240101T000000Z".into());
    let out = dir.join(name.replace(['/', ' '], "_").to_lowercase());
    let file = std::fs::File::create(&out).unwrap();
    let mut w = TmxWriter::new(std::io::BufWriter::new(file), opts).unwrap();
    for tu in &units {
        w.write_tu(tu).unwrap();
    }
    w.finish().unwrap();
    out
}

fn read_real(rel: &str) -> (Vec<Tu>, Lang) {
    let mut reader = TmxReader::from_path(&manifest().join("../../tmx").join(rel)).unwrap();
    let units: Vec<Tu> = reader.by_ref().filter_map(Result::ok).collect();
    let src = reader.source_lang().cloned().unwrap();
    (units, src)
}

/// Every file the tests export: the dispatch and the real files.
fn exports(dir: &Path) -> Vec<(PathBuf, Vec<Tu>)> {
    let mut out = vec![];
    let units = dispatch_units();
    assert_eq!(units.len(), 20);
    out.push((
        export(
            dir,
            "dispatch.tmx",
            units.clone(),
            Lang::parse("fr-FR").unwrap(),
        ),
        units,
    ));
    for rel in REAL {
        let (units, src) = read_real(rel);
        out.push((export(dir, rel, units.clone(), src), units));
    }
    out
}

#[test]
fn xmllint_validates_against_tmx14_dtd() {
    if !available("xmllint", Command::new("xmllint").arg("--version")) {
        return;
    }
    let dtd = manifest().join("../../tmx/spec/tmx14.dtd");
    let dir = tempfile::tempdir().unwrap();
    for (path, _) in exports(dir.path()) {
        let out = Command::new("xmllint")
            .args(["--noout", "--nonet", "--dtdvalid"])
            .arg(&dtd)
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{}: exit {:?}\n{stderr}",
            path.display(),
            out.status.code()
        );
        assert!(!stderr.contains("validity"), "{}: {stderr}", path.display());
        assert!(stderr.trim().is_empty(), "{}: {stderr}", path.display());
    }
}

/// All the text of a segment, native code included, as translate-toolkit
/// reads it.
fn all_text(items: &[Inline], out: &mut String) {
    for item in items {
        match item {
            Inline::Text(t) => out.push_str(t),
            Inline::Tag(tag) => all_text(&tag.content, out),
        }
    }
}

#[test]
fn translate_toolkit_reads_the_same_units() {
    let python = std::env::var("TMKIT_PYTHON").unwrap_or_else(|_| "python3".into());
    if !available(
        "translate-toolkit",
        Command::new(&python).args(["-c", "import translate.storage.tmx"]),
    ) {
        return;
    }
    let script = manifest().join("tests/tt_parse.py");
    let dir = tempfile::tempdir().unwrap();
    for (path, units) in exports(dir.path()) {
        let out = Command::new(&python)
            .arg(&script)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let parsed = parsed["units"].as_array().unwrap();
        assert_eq!(parsed.len(), units.len(), "{}: unit count", path.display());
        for (theirs, ours) in parsed.iter().zip(&units) {
            let theirs = theirs.as_array().unwrap();
            assert_eq!(theirs.len(), ours.variants.len(), "{}", path.display());
            for (t, v) in theirs.iter().zip(&ours.variants) {
                let mut text = String::new();
                all_text(&v.seg.items, &mut text);
                assert_eq!(t[0].as_str(), Some(v.lang.as_str()), "{}", path.display());
                assert_eq!(t[1].as_str().unwrap_or(""), text, "{}", path.display());
            }
        }
    }
}

/// Runs OmegaT on a project whose `source/` holds `lines` and whose
/// `tm/auto/` holds `tmx`; returns how many segments it filled.
fn omegat_fill(work: &Path, tmx: &Path, src: &str, tgt: &str, lines: &[String]) -> (usize, usize) {
    let project = work.join("project");
    for d in [
        "source",
        "target",
        "tm/auto",
        "glossary",
        "dictionary",
        "omegat",
    ] {
        std::fs::create_dir_all(project.join(d)).unwrap();
    }
    let tok = |l: &str| {
        if l.starts_with("fr") {
            "LuceneFrenchTokenizer"
        } else {
            "LuceneEnglishTokenizer"
        }
    };
    let config = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>{src}</source_lang>
    <target_lang>{tgt}</target_lang>
    <source_tok>org.omegat.tokenizer.{}</source_tok>
    <target_tok>org.omegat.tokenizer.{}</target_tok>
    <sentence_seg>false</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
"#,
        tok(src),
        tok(tgt)
    );
    std::fs::write(project.join("omegat.project"), config).unwrap();
    std::fs::write(project.join("source/source.txt"), lines.join("\n\n") + "\n").unwrap();
    std::fs::copy(tmx, project.join("tm/auto/memory.tmx")).unwrap();
    let out = Command::new("java")
        .args([
            "-Djava.awt.headless=true",
            "-jar",
            "/usr/share/omegat/OmegaT.jar",
        ])
        .arg(&project)
        .arg("--mode=console-translate")
        .arg(format!("--config-dir={}", work.join("config").display()))
        .arg("--disable-project-locking")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("TF_TM_LOAD_ERROR"),
        "OmegaT could not load {}:\n{stderr}",
        tmx.display()
    );
    let stats = std::fs::read_to_string(project.join("omegat/project_stats.txt")).unwrap();
    let count = |label: &str| -> usize {
        let line = stats
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label} in {stats}"));
        line.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap()
    };
    let (total, remaining) = (count("Total:"), count("Remaining:"));
    (total, total - remaining)
}

#[test]
fn omegat_fills_segments_from_tm_auto() {
    let omegat = Path::new("/usr/share/omegat/OmegaT.jar");
    if !omegat.exists() || !available("OmegaT (java)", Command::new("java").arg("-version")) {
        if std::env::var("TMKIT_REQUIRE_CLIENTS").as_deref() == Ok("1") {
            panic!("OmegaT is required (TMKIT_REQUIRE_CLIENTS=1) but /usr/share/omegat/OmegaT.jar is missing");
        }
        println!("skipped: OmegaT not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exported = exports(dir.path());
    // Three runs: the dispatch (fr-FR→en-US), Zanata's `*all*` file with
    // vendor props (en→fr), and Okapi's windows-1252 file (en-US→fr-FR).
    for (which, src, tgt) in [
        ("dispatch.tmx", "fr-FR", "en-US"),
        ("zanata_valid", "en", "fr"),
        ("okapi_tmxtest", "en-US", "fr-FR"),
    ] {
        let (path, units) = exported
            .iter()
            .find(|(p, _)| p.file_name().unwrap().to_string_lossy().starts_with(which))
            .unwrap();
        let (src_l, tgt_l) = (Lang::parse(src).unwrap(), Lang::parse(tgt).unwrap());
        let mut lines: Vec<String> = units
            .iter()
            .filter(|tu| tu.variant(&tgt_l).is_some())
            .filter_map(|tu| tu.variant(&src_l))
            .map(|v| v.seg.plain_text())
            .filter(|t| {
                !t.is_empty() && !t.contains('\n') && t.trim() == t && !v_has_tags(units, t)
            })
            .collect();
        lines.sort();
        lines.dedup();
        assert!(lines.len() >= 2, "{which}: {lines:?}");
        let work = dir.path().join(format!("omegat-{which}"));
        let (total, filled) = omegat_fill(&work, path, src, tgt, &lines);
        assert_eq!(total, lines.len(), "{which}: segments OmegaT found");
        assert_eq!(filled, lines.len(), "{which}: segments filled from tm/auto");
        println!("OmegaT {which}: {filled} of {total} segments filled");
    }
}

/// Whether the source segment with this text has inline tags (OmegaT shows
/// those as its own tags, so plain text would not match exactly).
fn v_has_tags(units: &[Tu], text: &str) -> bool {
    units
        .iter()
        .flat_map(|t| &t.variants)
        .any(|v| v.seg.has_tags() && v.seg.plain_text() == text)
}
