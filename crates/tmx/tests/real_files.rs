//! Every file of `tmx/` read with the expected counts, and written back.
//!
//! The expectations are in `testdata/real_files.toml`, counted without tmkit.

use std::{collections::BTreeMap, path::PathBuf};

use serde::Deserialize;
use tmkit_core::{Lang, Tu};
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

#[derive(Deserialize)]
struct Table {
    file: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    path: String,
    tus: u64,
    #[serde(default)]
    skipped: u64,
    languages: BTreeMap<String, usize>,
    encoding: Option<String>,
    source: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tmx"))
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/real_files.toml"
    ))
    .unwrap();
    toml::from_str::<Table>(&text).unwrap().file
}

fn read_all(reader: &mut TmxReader) -> (Vec<Tu>, Vec<String>) {
    let mut units = vec![];
    let mut errors = vec![];
    for item in reader {
        match item {
            Ok(tu) => units.push(tu),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (units, errors)
}

#[test]
fn every_file_reads_with_its_counts() {
    let cases = cases();
    assert_eq!(cases.len(), 46, "one case per file of the corpus");
    for case in cases {
        let path = corpus().join(&case.path);
        let mut reader = TmxReader::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
        let (units, errors) = read_all(&mut reader);
        let p = &case.path;
        assert_eq!(reader.tus_seen(), case.tus, "{p}: <tu> seen");
        assert_eq!(
            units.len() as u64,
            case.tus - case.skipped,
            "{p}: imported; errors {errors:?}"
        );
        assert_eq!(errors.len() as u64, case.skipped, "{p}: {errors:?}");
        let mut langs = BTreeMap::new();
        for tu in &units {
            for v in &tu.variants {
                *langs.entry(v.lang.to_string()).or_insert(0) += 1;
            }
        }
        assert_eq!(langs, case.languages, "{p}: variants per language");
        if let Some(enc) = &case.encoding {
            assert_eq!(reader.encoding(), enc, "{p}");
        }
        if let Some(src) = &case.source {
            assert_eq!(
                reader.source_lang().map(Lang::as_str),
                Some(src.as_str()),
                "{p}"
            );
        }
        for want in &case.warnings {
            assert!(
                reader
                    .warnings()
                    .iter()
                    .any(|w| w.message.contains(want.as_str())),
                "{p}: no warning containing {want:?} in {:?}",
                reader.warnings()
            );
        }
        for tu in &units {
            assert!(
                reader.source_of(tu).is_some(),
                "{p}: every unit has a source variant"
            );
        }
    }
}

/// What a write→read cycle is allowed to change, as `docs/TMX.md` states:
/// the original spelling of a language code is not written (the normalized
/// tag is), and a prop without `type` gets `type="x-<name>"`.
fn canonical(mut tu: Tu) -> Tu {
    let props = |ps: &mut Vec<tmkit_core::Prop>| {
        for p in ps.iter_mut() {
            if p.kind.is_none() {
                let label = p.label().unwrap_or("untyped").to_string();
                p.kind = Some(if label.starts_with("x-") {
                    label.into()
                } else {
                    format!("x-{label}").into()
                });
            }
        }
    };
    props(&mut tu.props);
    for v in &mut tu.variants {
        v.lang_original = None;
        props(&mut v.props);
    }
    tu
}

fn write(units: &[Tu], src: Lang, vendor: bool, markup: bool) -> Vec<u8> {
    let mut opts = WriteOptions::new(src);
    opts.keep_vendor_markup = vendor;
    opts.markup = markup;
    opts.creationdate = Some("20240101T000000Z".into());
    let mut w = TmxWriter::new(Vec::new(), opts).unwrap();
    for tu in units {
        w.write_tu(tu).unwrap();
    }
    w.finish().unwrap()
}

fn reread(bytes: &[u8], name: &str) -> Vec<Tu> {
    let mut reader = TmxReader::from_slice(bytes, name).unwrap();
    let (units, errors) = read_all(&mut reader);
    assert!(errors.is_empty(), "{name}: {errors:?}");
    assert!(
        reader.warnings().is_empty(),
        "{name}: {:?}",
        reader.warnings()
    );
    units
}

#[test]
fn every_file_round_trips() {
    for case in cases() {
        let p = &case.path;
        let mut reader = TmxReader::from_path(&corpus().join(p)).unwrap();
        let (units, _) = read_all(&mut reader);
        let src = reader
            .source_lang()
            .cloned()
            .unwrap_or_else(|| Lang::parse("en").unwrap());

        // Vendor markup kept: the units come back as they were.
        let again = reread(&write(&units, src.clone(), true, true), p);
        let want: Vec<Tu> = units.iter().cloned().map(canonical).collect();
        assert_eq!(again.len(), want.len(), "{p}");
        for (a, b) in again.into_iter().map(canonical).zip(&want) {
            assert_eq!(&a, b, "{p}: vendor-markup round trip");
        }

        // DTD-valid output: attributes (vendor ones through props), props,
        // notes and the plain text survive, and a second cycle changes nothing.
        let first = write(&units, src.clone(), false, true);
        let again = reread(&first, p);
        for (a, b) in again.iter().zip(&want) {
            let mut a_attrs = a.attrs.clone();
            let mut b_attrs = b.attrs.clone();
            a_attrs.sort_by(|x, y| x.name.cmp(&y.name));
            b_attrs.sort_by(|x, y| x.name.cmp(&y.name));
            assert_eq!(a_attrs, b_attrs, "{p}: unit attributes");
            assert_eq!(a.notes.len(), b.notes.len(), "{p}");
            assert_eq!(a.variants.len(), b.variants.len(), "{p}");
            for (va, vb) in a.variants.iter().zip(&b.variants) {
                assert_eq!(va.lang, vb.lang, "{p}");
                assert_eq!(va.seg.plain_text(), vb.seg.plain_text(), "{p}: plain text");
                assert_eq!(
                    va.props.len() + va.attrs.len(),
                    vb.props.len() + vb.attrs.len(),
                    "{p}"
                );
            }
        }
        let second = write(&again, src.clone(), false, true);
        assert_eq!(
            String::from_utf8_lossy(&first),
            String::from_utf8_lossy(&second),
            "{p}: second cycle"
        );

        // Level 1: plain text only.
        let plain = reread(&write(&units, src, false, false), p);
        for (a, b) in plain.iter().zip(&units) {
            for (va, vb) in a.variants.iter().zip(&b.variants) {
                assert!(!va.seg.has_tags(), "{p}");
                assert_eq!(
                    va.seg.plain_text(),
                    vb.seg.plain_text(),
                    "{p}: level 1 text"
                );
            }
        }
    }
}

#[test]
fn gzip_and_zip_files_read_directly() {
    let original = corpus().join("trados-workbench/html_test.tmx");
    let bytes = std::fs::read(&original).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let gz_path = dir.path().join("html_test.tmx.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &bytes).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();

    let zip_path = dir.path().join("export.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    z.start_file("html_test.tmx", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut z, &bytes).unwrap();
    z.finish().unwrap();

    let plain: Vec<Tu> = TmxReader::from_path(&original)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(plain.len(), 11);
    for path in [gz_path, zip_path] {
        let reader = TmxReader::from_path(&path).unwrap();
        assert_eq!(reader.encoding(), "UTF-16LE", "{}", path.display());
        let units: Vec<Tu> = reader.map(Result::unwrap).collect();
        assert_eq!(units, plain, "{}", path.display());
    }
    let missing = TmxReader::from_path(&dir.path().join("absent.tmx")).unwrap_err();
    assert!(
        missing.is_fatal() && missing.to_string().contains("absent.tmx"),
        "{missing}"
    );
}
