//! The store and lookup agree on what the same sentence is (issue 11, item
//! 10): two sources are one unit under the default merge policy exactly when
//! lookup scores them 100 against each other, with every scorer that gives
//! 100 on the text (tmkit and chars; OmegaT ignores punctuation on purpose).

use proptest::prelude::*;
use tmkit_core::{Lang, Tu};
use tmkit_fuzzy::{score, Scorer};
use tmkit_store::{ImportMeta, MemStore, Store};

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

/// How many units `sources` make in a fresh store under the default policy,
/// each with the same target.
fn units_after_merge(sources: &[&str]) -> u64 {
    let store = MemStore::new();
    let id = store
        .begin_import(&ImportMeta::new("sameness", lang("fr")))
        .unwrap();
    let tus = sources
        .iter()
        .map(|s| Tu::bilingual(lang("fr-FR"), *s, lang("en"), "Summer"))
        .collect();
    store.put_batch(id, tus).unwrap();
    store.commit_import(id).unwrap();
    store.stats().unwrap().units
}

#[test]
fn issue11_the_four_forms_of_ete_are_one_unit_and_score_100() {
    let forms = [
        "L'été",
        "L\u{2019}été",
        "L'e\u{301}te\u{301}",
        "L\u{2019}e\u{301}te\u{301}",
    ];
    assert_eq!(units_after_merge(&forms), 1);
    for a in forms {
        for b in forms {
            for s in [Scorer::Tmkit, Scorer::Chars] {
                assert_eq!(score(s, a, b).0, 100, "{s}: {a:?} / {b:?}");
            }
        }
    }
}

/// Spellings of one piece of text that the rule takes for the same, and
/// pieces that differ from each other in case, punctuation, markup, script.
const PIECES: &[&[&str]] = &[
    &["'", "\u{2019}", "`", "\u{2018}"],
    &["été", "e\u{301}te\u{301}", "\u{e9}t\u{e9}"],
    &[" ", "  ", "\u{a0}", "\t", "\n", " \u{202f}"],
    &["\"", "«", "»", "\u{201c}"],
    &["L"],
    &["l"],
    &["é", "e\u{301}"],
    &["."],
    &["!"],
    &["<b>"],
    &["&F"],
    &["F"],
    &["我们"],
    &["公园"],
    &["。"],
    &["🎉"],
    &["%s"],
    &["3"],
];

/// Two sources: the same pieces, each spelled at random, and, half of the
/// time, one piece replaced by another in the second.
fn sources() -> impl Strategy<Value = (String, String)> {
    let n = PIECES.len();
    (
        prop::collection::vec((0..n, 0..8usize, 0..8usize), 1..8),
        prop::option::of((0..8usize, 0..n)),
    )
        .prop_map(move |(pieces, change)| {
            let (mut a, mut b) = (String::new(), String::new());
            for (k, &(g, va, vb)) in pieces.iter().enumerate() {
                let g_b = match change {
                    Some((at, other)) if at % pieces.len() == k => other,
                    _ => g,
                };
                a.push_str(PIECES[g][va % PIECES[g].len()]);
                b.push_str(PIECES[g_b][vb % PIECES[g_b].len()]);
            }
            (a, b)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn one_unit_exactly_when_lookup_says_100((a, b) in sources()) {
        // A source that is only white space has no sentence to store.
        prop_assume!(!a.trim().is_empty() && !b.trim().is_empty());
        let same_unit = units_after_merge(&[&a, &b]) == 1;
        for s in [Scorer::Tmkit, Scorer::Chars] {
            let (ab, why) = score(s, &a, &b);
            prop_assert_eq!(same_unit, ab == 100, "{}: {:?} / {:?}\n{}", s, a, b, why);
        }
    }
}
