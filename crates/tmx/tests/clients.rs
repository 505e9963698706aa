//! TMX written by tmkit, checked by real clients: xmllint against the
//! TMX 1.4 DTD, translate-toolkit's parser, and OmegaT 3.6 in console mode.
//!
//! A missing client makes its test print `skipped: <tool> not installed` and
//! pass, unless `TMKIT_REQUIRE_CLIENTS=1`, which makes it fail
//! (`tmkit_testkit::have`). The Python interpreter that has
//! translate-toolkit is `$TMKIT_PYTHON` (default `python3`).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use tmkit_core::{Inline, Lang, Tu};
use tmkit_testkit::{have, have_omegat, omegat_translate, python, tmx_dtd, xmllint_dtd_errors};
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
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

/// The units of the bundled dispatch: French and English sentences grouped
/// as the gold alignment links them.
fn dispatch_units() -> Vec<Tu> {
    let read = |n: &str| {
        std::fs::read_to_string(tmkit_testkit::example(&format!("dispatch/{n}"))).unwrap()
    };
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
    if !have("xmllint", Command::new("xmllint").arg("--version")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (path, _) in exports(dir.path()) {
        if let Some(errors) = xmllint_dtd_errors(&tmx_dtd(), &path) {
            panic!("{}: {errors}", path.display());
        }
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
    let python = python();
    if !have(
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

#[test]
fn omegat_fills_segments_from_tm_auto() {
    if !have_omegat() {
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
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let run = omegat_translate(&work, path, src, tgt, &lines);
        assert_eq!(run.total, lines.len(), "{which}: segments OmegaT found");
        assert_eq!(
            run.remaining, 0,
            "{which}: segments not filled from tm/auto"
        );
        println!(
            "OmegaT {which}: {} of {} segments filled",
            run.total - run.remaining,
            run.total
        );
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
