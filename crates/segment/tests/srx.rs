//! The SRX files other tools ship (`testdata/srx/`) load and all their
//! French and English rules compile; bad rules are named, whether they do
//! not compile or backtrack without end.

use tmkit_core::Lang;
use tmkit_segment::{Error, Segmenter, SegmenterBuilder};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/srx/");

fn check_compiles(files: &[&str]) {
    for file in files {
        let xml =
            std::fs::read_to_string(format!("{DIR}{file}")).expect("srx file of testdata/srx");
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

/// A rule file of one rule with nested repetition (`(\w+\s?)+` before a
/// look-behind), then a plain break rule.
const CATASTROPHIC: &str = include_str!("../testdata/catastrophic.srx");

#[test]
fn a_rule_that_backtracks_without_end_is_named_and_left_out() {
    let seg = Segmenter::from_srx(CATASTROPHIC, &Lang::parse("en").unwrap()).unwrap();
    assert!(seg.warnings().is_empty(), "the rule compiles");
    let words = vec!["word"; 40].join(" ");
    let text = format!("Title\n\n{words}. Next one here. And {words}. The end.");
    let (sentences, warnings) = seg.segment_with_warnings(&text);
    let got: Vec<&str> = sentences
        .iter()
        .map(|s| s.span.slice(&text).unwrap())
        .collect();
    let expect = format!("{words}.");
    assert_eq!(
        got,
        [
            "Title",
            expect.as_str(),
            "Next one here.",
            &format!("And {words}."),
            "The end."
        ]
    );
    // Reported once, for the whole text, where it first gave up.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(w.rule, "Evil#1 (nested repetition)");
    assert_eq!(w.line, 4);
    assert_eq!(w.part, "beforebreak");
    let (line, column) = w.text_position.expect("where in the text");
    assert_eq!(line, 3);
    // At the first candidate a break rule allows: after the first `.`.
    assert_eq!(column, words.len() + 2);
    let shown = w.to_string();
    assert!(
        shown.contains("Evil#1") && shown.contains("3:") && shown.contains("backtracking"),
        "{shown}"
    );
    // The same text through `segment` gives the same sentences.
    assert_eq!(seg.segment(&text), sentences);
}

#[test]
fn a_bad_rule_on_a_long_text_is_reported_once_and_the_text_segmented() {
    let seg = Segmenter::from_srx(CATASTROPHIC, &Lang::parse("en").unwrap()).unwrap();
    let para = format!("{}. Short one.", vec!["word"; 60].join(" "));
    // About 60 KB in 200 paragraphs, and one 60 KB paragraph.
    let many = vec![para.as_str(); 200].join("\n\n");
    let one = vec![para.as_str(); 200].join(" ");
    for text in [many, one] {
        let (sentences, warnings) = seg.segment_with_warnings(&text);
        assert_eq!(sentences.len(), 400);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].rule, "Evil#1 (nested repetition)");
    }
}

#[test]
fn rules_see_a_bounded_context_and_anchors_keep_their_place() {
    let xml = r#"<srx version="2.0"><header cascade="no"/><body><languagerules>
<languagerule languagerulename="L">
<rule break="no"><beforebreak>^No\.\s</beforebreak><afterbreak></afterbreak></rule>
<rule break="yes"><beforebreak>[.!?]\s</beforebreak><afterbreak>\p{Lu}</afterbreak></rule>
</languagerule></languagerules>
<maprules><languagemap languagepattern=".*" languagerulename="L"/></maprules></body></srx>"#;
    let seg = Segmenter::from_srx(xml, &Lang::parse("en").unwrap()).unwrap();
    let filler = vec!["Filler text here."; 200].join(" ");
    // `^` matches at the paragraph's start only, not at the start of the
    // context a rule sees deep inside a long paragraph.
    let text = format!("No. 5 is here. {filler} No. Said he.");
    let got: Vec<&str> = seg
        .segment(&text)
        .iter()
        .map(|s| s.span.slice(&text).unwrap())
        .collect();
    assert_eq!(got.first(), Some(&"No. 5 is here."));
    assert_eq!(got[got.len() - 2..], ["No.", "Said he."]);
    assert_eq!(got.len(), 200 + 3);
}
