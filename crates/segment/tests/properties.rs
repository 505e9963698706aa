//! Invariants of segmentation on arbitrary input: sentences and the
//! whitespace between them rebuild the input exactly, spans fall on
//! character boundaries, and paragraph indexes only grow.

use std::sync::LazyLock;

use proptest::prelude::*;
use tmkit_core::Lang;
use tmkit_segment::{Segmenter, Sentence};

const LT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/srx/languagetool_segment.srx"
);

static SEGMENTERS: LazyLock<Vec<Segmenter>> = LazyLock::new(|| {
    let mut v: Vec<Segmenter> = ["fr", "en", "de"]
        .iter()
        .map(|l| Segmenter::builtin(&Lang::parse(l).unwrap()))
        .collect();
    let xml = std::fs::read_to_string(LT).expect("testdata/srx/languagetool_segment.srx");
    v.push(Segmenter::from_srx(&xml, &Lang::parse("fr").unwrap()).unwrap());
    v
});

fn check(text: &str, sentences: &[Sentence]) -> Result<(), TestCaseError> {
    let mut rebuilt = String::with_capacity(text.len());
    let mut prev_end = 0;
    let mut prev_para = 0;
    for (i, s) in sentences.iter().enumerate() {
        prop_assert!(s.span.start >= prev_end, "overlap or disorder at {i}");
        prop_assert!(s.span.end > s.span.start, "empty sentence at {i}");
        let gap = text.get(prev_end..s.span.start);
        let body = s.span.slice(text);
        prop_assert!(
            gap.is_some() && body.is_some(),
            "span off char boundary at {i}"
        );
        let (gap, body) = (gap.unwrap_or_default(), body.unwrap_or_default());
        prop_assert!(
            gap.chars().all(char::is_whitespace),
            "non-space gap {gap:?}"
        );
        prop_assert_eq!(body.trim(), body, "outer whitespace kept");
        if i > 0 {
            prop_assert!(s.paragraph >= prev_para, "paragraph index decreased");
            let blank_line = gap.split('\n').count() > 2;
            prop_assert_eq!(
                blank_line,
                s.paragraph > prev_para,
                "paragraph index vs blank line in {:?}",
                gap
            );
        }
        rebuilt.push_str(gap);
        rebuilt.push_str(body);
        prev_end = s.span.end;
        prev_para = s.paragraph;
    }
    let tail = &text[prev_end..];
    prop_assert!(
        tail.chars().all(char::is_whitespace),
        "text lost at the end: {tail:?}"
    );
    rebuilt.push_str(tail);
    prop_assert_eq!(rebuilt, text);
    Ok(())
}

/// Text made of the characters segmentation cares about.
fn texty() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "M", "Mme", "etc", "J", "-C", "p", "ex", "U", "S", "a", "m", "Il", "le", "la", "Le", "3",
        "1,5", "www", "@", "/", ".", ".", ". ", "! ", "? ", "…", "...", " ", " ", "\u{a0}",
        "\u{202f}", "\n", "\n\n", "\t", "« ", " »", "\"", "'", "’", ")", "(", "[1]", "é", "É",
        "。", "．", "\r\n", "-", "—", "%",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn sentences_and_gaps_rebuild_text(text in texty()) {
        for seg in SEGMENTERS.iter() {
            check(&text, &seg.segment(&text))?;
        }
    }

    #[test]
    fn any_unicode_is_safe(text in "\\PC{0,80}") {
        for seg in SEGMENTERS.iter() {
            check(&text, &seg.segment(&text))?;
        }
    }
}
