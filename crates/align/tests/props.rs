//! Invariants of any alignment, on random input.

use proptest::prelude::*;
use tmkit_align::{score_links, Aligner, Link, Sent};

/// Every sentence of both sides appears in exactly one link, in order, and
/// no link is empty.
fn check_cover(links: &[Link], n: usize, m: usize) -> Result<(), TestCaseError> {
    let (mut i, mut j) = (0, 0);
    for l in links {
        prop_assert!(!(l.src.is_empty() && l.tgt.is_empty()), "empty link");
        for &s in &l.src {
            prop_assert_eq!(s, i);
            i += 1;
        }
        for &t in &l.tgt {
            prop_assert_eq!(t, j);
            j += 1;
        }
        prop_assert!(
            (0.0..=1.0).contains(&l.confidence),
            "confidence {}",
            l.confidence
        );
    }
    prop_assert_eq!((i, j), (n, m));
    Ok(())
}

fn sentence() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zéèàç ]{0,40}[.?!]?",
        "[A-Z][a-z]{1,8}( [a-z0-9«»\"]{1,9}){0,12}\\.",
        any::<String>(),
    ]
}

fn sents<'a>(texts: &'a [String], paras: &[usize]) -> Vec<Sent<'a>> {
    texts
        .iter()
        .zip(paras.iter().chain(std::iter::repeat(&0)))
        .map(|(text, &paragraph)| Sent { text, paragraph })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn every_sentence_once_in_order(
        src in prop::collection::vec(sentence(), 0..30),
        tgt in prop::collection::vec(sentence(), 0..30),
        paras in prop::collection::vec(0usize..4, 0..30),
        band in 8usize..40,
        two_pass: bool,
        length_only: bool,
    ) {
        let mut sorted = paras.clone();
        sorted.sort_unstable();
        let aligner = Aligner::builder().band(band).two_pass(two_pass).length_only(length_only).build().unwrap();
        let links = aligner.align(&sents(&src, &sorted), &sents(&tgt, &sorted));
        check_cover(&links, src.len(), tgt.len())?;
    }

    #[test]
    fn identical_texts_align_one_to_one(src in prop::collection::vec("[A-Z][a-z]{2,8}( [a-z]{2,9}){2,10} [0-9]{1,3}\\.", 1..25)) {
        let links = Aligner::new().align(&sents(&src, &[]), &sents(&src, &[]));
        check_cover(&links, src.len(), src.len())?;
        let gold: Vec<Link> = (0..src.len()).map(|k| Link { src: vec![k], tgt: vec![k], confidence: 1.0 }).collect();
        let scores = score_links(&links, &gold);
        prop_assert!(scores.strict.f1 > 0.99, "{:?}", scores);
    }

    #[test]
    fn scores_are_within_range(a in prop::collection::vec((0usize..3, 0usize..3), 0..20), b in prop::collection::vec((0usize..3, 0usize..3), 0..20)) {
        let to_links = |v: &[(usize, usize)]| {
            let (mut i, mut j) = (0, 0);
            v.iter().filter(|(x, y)| x + y > 0).map(|&(x, y)| {
                let l = Link { src: (i..i + x).collect(), tgt: (j..j + y).collect(), confidence: 1.0 };
                i += x;
                j += y;
                l
            }).collect::<Vec<_>>()
        };
        let (la, lb) = (to_links(&a), to_links(&b));
        let s = score_links(&la, &lb);
        for p in [s.strict, s.lax] {
            prop_assert!((0.0..=1.0).contains(&p.precision) && (0.0..=1.0).contains(&p.recall) && (0.0..=1.0).contains(&p.f1));
        }
        prop_assert!(s.lax.f1 >= s.strict.f1 - 1e-12);
        if !la.is_empty() {
            prop_assert_eq!(score_links(&la, &la).strict.f1, 1.0);
        }
    }
}

#[test]
fn large_drift_is_followed_past_the_band() {
    // 120 target sentences with no counterpart before the translation
    // proper: the path leaves the diagonal band by far more than its width.
    let src: Vec<String> = (0..150)
        .map(|k| format!("Phrase numéro {k} du texte source, assez longue pour compter."))
        .collect();
    let mut tgt: Vec<String> = (0..120).map(|k| format!("Preface line {k}.")).collect();
    tgt.extend(
        (0..150).map(|k| format!("Sentence number {k} of the source text, long enough to count.")),
    );
    let aligner = Aligner::builder().band(16).build().unwrap();
    let links = aligner.align(&sents(&src, &[]), &sents(&tgt, &[]));
    let right = links
        .iter()
        .filter(|l| l.src.len() == 1 && l.tgt.len() == 1 && l.tgt[0] == l.src[0] + 120)
        .count();
    assert!(right >= 140, "only {right} of 150 links right");
}
