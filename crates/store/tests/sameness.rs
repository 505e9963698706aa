//! What counts as the same sentence for duplicates: `tmkit_core::normalize_text`
//! (NFC, typographic quotes and apostrophes, white space), the rule lookup's
//! 100 follows. Issue 11, item 10.

use tmkit_core::{Lang, Tu};
use tmkit_store::{ImportMeta, MemStore, OnDuplicate, PutReport, SledStore, Store};

/// `L'été` with a straight and a typographic apostrophe, in NFC and NFD.
const FORMS: [&str; 4] = [
    "L'été",
    "L\u{2019}été",
    "L'e\u{301}te\u{301}",
    "L\u{2019}e\u{301}te\u{301}",
];

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

fn tu(src: &str, tgt: &str) -> Tu {
    Tu::bilingual(lang("fr-FR"), src, lang("en-GB"), tgt)
}

fn import(store: &dyn Store, policy: OnDuplicate, tus: Vec<Tu>) -> PutReport {
    let meta = ImportMeta::new("forms.tmx", lang("fr")).policy(policy);
    let id = store.begin_import(&meta).unwrap();
    let report = store.put_batch(id, tus).unwrap();
    store.commit_import(id).unwrap();
    report
}

fn forms() -> Vec<Tu> {
    FORMS.iter().map(|f| tu(f, "Summer")).collect()
}

#[test]
fn issue11_the_four_forms_of_ete_are_one_unit_under_merge() {
    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(dir.path()).unwrap();
    let stores: [Box<dyn Store>; 2] = [Box::new(MemStore::new()), Box::new(sled)];
    for store in &stores {
        // In one batch, then again one unit per batch.
        let report = import(store.as_ref(), OnDuplicate::Merge, forms());
        assert_eq!((report.added, report.merged), (1, 3));
        for t in forms() {
            let report = import(store.as_ref(), OnDuplicate::Merge, vec![t]);
            assert_eq!((report.added, report.merged), (0, 1));
        }
        assert_eq!(store.stats().unwrap().units, 1);
        // Targets are compared by the same rule.
        let report = import(
            store.as_ref(),
            OnDuplicate::Merge,
            vec![tu("L'été", "  Summer\u{a0}")],
        );
        assert_eq!(report.merged, 1);
        assert_eq!(store.stats().unwrap().units, 1);
    }
}

#[test]
fn issue11_skip_and_overwrite_take_the_forms_for_one_source() {
    let store = MemStore::new();
    let report = import(&store, OnDuplicate::Skip, forms());
    assert_eq!((report.added, report.skipped), (1, 3));
    let report = import(
        &store,
        OnDuplicate::Overwrite,
        vec![tu(FORMS[3], "The summer")],
    );
    assert_eq!(report.replaced, 1);
    assert_eq!(store.stats().unwrap().units, 1);
    // Case and punctuation make another sentence.
    let report = import(&store, OnDuplicate::Skip, vec![tu("l'été", "summer")]);
    assert_eq!(report.added, 1);
}

/// The duplicate index is not stored: a store written when only white space
/// was normalized (these forms were four units then) is keyed by today's
/// rule as soon as it is opened, so the next import merges into it and
/// `dedupe` folds the old units together.
#[test]
fn issue11_units_stored_apart_by_the_old_rule_are_one_sentence_now() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let report = import(&store, OnDuplicate::KeepBoth, forms());
        assert_eq!(report.added, 4);
    }
    let store = SledStore::open(dir.path()).unwrap();
    let report = import(&store, OnDuplicate::Merge, vec![tu("L’été ", "Summer")]);
    assert_eq!((report.added, report.merged), (0, 1));
    let report = store.dedupe(OnDuplicate::Merge).unwrap();
    assert_eq!((report.groups, report.merged), (1, 3));
    assert_eq!(store.stats().unwrap().units, 1);
    assert!(store.check().unwrap().is_empty());
}
