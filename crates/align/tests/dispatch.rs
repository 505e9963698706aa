//! The dispatch: a French news item and its loose English rendering,
//! aligned from the gold segmentation, must give exactly `gold.tsv`.

use tmkit_align::{parse_links, score_links, Aligner, Sent};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/dispatch");

fn read(name: &str) -> String {
    let path = format!("{DIR}/{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Paragraph index of each sentence: found in the running text in order,
/// counting the blank lines before it.
fn paragraphs(text: &str, sentences: &[&str]) -> Vec<usize> {
    let mut cursor = 0;
    sentences
        .iter()
        .map(|s| {
            let at = cursor
                + text[cursor..]
                    .find(s)
                    .unwrap_or_else(|| panic!("sentence not in text: {s}"));
            cursor = at + s.len();
            text[..at].matches("\n\n").count()
        })
        .collect()
}

fn side<'a>(lang: &str, store: &'a mut Vec<String>) -> Vec<Sent<'a>> {
    let text = read(&format!("dispatch.{lang}.txt"));
    *store = read(&format!("dispatch.{lang}.sentences"))
        .lines()
        .map(str::to_string)
        .collect();
    let refs: Vec<&str> = store.iter().map(String::as_str).collect();
    let paras = paragraphs(&text, &refs);
    store
        .iter()
        .zip(paras)
        .map(|(t, paragraph)| Sent { text: t, paragraph })
        .collect()
}

#[test]
fn dispatch_aligns_exactly_as_gold() {
    let (mut fr_store, mut en_store) = (Vec::new(), Vec::new());
    let fr = side("fr", &mut fr_store);
    let en = side("en", &mut en_store);
    let gold = parse_links(&read("gold.tsv")).expect("gold.tsv parses");
    let links = Aligner::new().align(&fr, &en);
    let got: Vec<(Vec<usize>, Vec<usize>)> = links
        .iter()
        .map(|l| (l.src.clone(), l.tgt.clone()))
        .collect();
    let want: Vec<(Vec<usize>, Vec<usize>)> = gold
        .iter()
        .map(|l| (l.src.clone(), l.tgt.clone()))
        .collect();
    assert_eq!(got, want);
    assert!(links.iter().all(|l| (0.0..=1.0).contains(&l.confidence)));
}

#[test]
fn dispatch_without_paragraphs_still_scores_high() {
    let (mut fr_store, mut en_store) = (Vec::new(), Vec::new());
    let fr: Vec<Sent<'_>> = side("fr", &mut fr_store)
        .into_iter()
        .map(|s| Sent { paragraph: 0, ..s })
        .collect();
    let en: Vec<Sent<'_>> = side("en", &mut en_store)
        .into_iter()
        .map(|s| Sent { paragraph: 0, ..s })
        .collect();
    let gold = parse_links(&read("gold.tsv")).expect("gold.tsv parses");
    let scores = score_links(&Aligner::new().align(&fr, &en), &gold);
    assert!(scores.strict.f1 >= 0.9, "{scores:?}");
    let baseline = Aligner::builder()
        .length_only(true)
        .build()
        .expect("valid options");
    let base = score_links(&baseline.align(&fr, &en), &gold);
    assert!(
        base.strict.f1 <= scores.strict.f1,
        "length only {base:?} vs full {scores:?}"
    );
}
