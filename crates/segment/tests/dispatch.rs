//! The workspace's end-to-end example: the built-in rules must reproduce the
//! reference segmentation of the dispatch exactly.

use tmkit_core::Lang;
use tmkit_segment::Segmenter;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/dispatch/");

fn check(lang: &str, stem: &str) {
    let text = std::fs::read_to_string(format!("{DIR}{stem}.txt")).expect("dispatch text");
    let want =
        std::fs::read_to_string(format!("{DIR}{stem}.sentences")).expect("dispatch sentences");
    let want: Vec<&str> = want
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let seg = Segmenter::builtin(&Lang::parse(lang).expect("lang"));
    let got: Vec<&str> = seg
        .segment(&text)
        .iter()
        .map(|s| &text[s.span.start..s.span.end])
        .collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{stem}: sentence {i} differs");
    }
    assert_eq!(got.len(), want.len(), "{stem}: sentence count");
}

#[test]
fn dispatch_fr_matches_reference() {
    check("fr", "dispatch.fr");
}

#[test]
fn dispatch_en_matches_reference() {
    check("en", "dispatch.en");
}

#[test]
fn dispatch_headline_is_its_own_paragraph() {
    let text = std::fs::read_to_string(format!("{DIR}dispatch.fr.txt")).expect("dispatch text");
    let seg = Segmenter::builtin(&Lang::parse("fr").expect("lang"));
    let sentences = seg.segment(&text);
    assert_eq!(sentences[0].paragraph, 0);
    assert!(text[sentences[0].span.start..sentences[0].span.end].ends_with("Artsakh"));
    assert_eq!(sentences[1].paragraph, 1);
}
