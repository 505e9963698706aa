//! The SRX files other tools ship (`shared/seg/srx/`) load, and all their
//! French and English rules compile.

use tmkit_core::Lang;
use tmkit_segment::{Error, Segmenter, SegmenterBuilder};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seg/srx/");

fn check_compiles(files: &[&str]) {
    for file in files {
        let xml = std::fs::read_to_string(format!("{DIR}{file}")).expect("shared srx file");
        for lang in ["fr-FR", "en"] {
            let seg = SegmenterBuilder::new()
                .lang(Lang::parse(lang).expect("lang"))
                .srx(&xml)
                .strict(true)
                .build()
                .unwrap_or_else(|e| panic!("{file} {lang}: {e}"));
            let text = "Il est venu. Elle est partie.";
            assert_eq!(seg.segment(text).len(), 2, "{file} {lang}");
        }
    }
}

#[test]
fn languagetool_and_okapi_rules_compile() {
    check_compiles(&["languagetool_segment.srx", "okapi_defaultSegmentation.srx"]);
}

/// The two largest files take about 8 s to compile in a debug build:
/// `cargo test --release -p tmkit-segment -- --ignored`.
#[test]
#[ignore]
fn omegat_and_okapi_icu4j_rules_compile() {
    check_compiles(&["omegat_defaultRules.srx", "okapi_default_icu4j.srx"]);
}

#[test]
fn uncompilable_rule_is_named_or_refused() {
    let xml = r#"<srx version="2.0"><header cascade="no"/><body><languagerules>
<languagerule languagerulename="Broken">
<!-- an unbalanced group -->
<rule break="no"><beforebreak>(Mr\.\s</beforebreak><afterbreak></afterbreak></rule>
<rule break="yes"><beforebreak>\.\s</beforebreak><afterbreak></afterbreak></rule>
</languagerule></languagerules>
<maprules><languagemap languagepattern=".*" languagerulename="Broken"/></maprules></body></srx>"#;
    let lang = Lang::parse("en").expect("lang");
    let seg = Segmenter::from_srx(xml, &lang).expect("lenient load");
    assert_eq!(seg.warnings().len(), 1);
    let w = &seg.warnings()[0];
    assert_eq!(w.rule, "Broken#1 (an unbalanced group)");
    assert_eq!(w.line, 4);
    assert!(w.to_string().contains("(Mr"), "{w}");
    assert_eq!(seg.segment("Mr. Smith. Yes.").len(), 3);
    match SegmenterBuilder::new()
        .lang(lang)
        .srx(xml)
        .strict(true)
        .build()
    {
        Err(Error::Rules(ws)) => assert_eq!(ws.len(), 1),
        other => panic!("expected Error::Rules, got {other:?}"),
    }
}

#[test]
fn not_srx_and_no_matching_map_are_errors() {
    let lang = Lang::parse("fr").expect("lang");
    assert!(matches!(
        Segmenter::from_srx("<html/>", &lang),
        Err(Error::Srx { .. })
    ));
    assert!(matches!(
        Segmenter::from_srx("<srx><oops", &lang),
        Err(Error::Xml { .. } | Error::Srx { .. })
    ));
    let xml = r#"<srx version="2.0"><header cascade="no"/><body><languagerules>
<languagerule languagerulename="De"/></languagerules>
<maprules><languagemap languagepattern="de.*" languagerulename="De"/></maprules></body></srx>"#;
    match Segmenter::from_srx(xml, &lang) {
        Err(e @ Error::NoRules { .. }) => assert!(e.to_string().contains("de.*")),
        other => panic!("expected NoRules, got {other:?}"),
    }
}
