//! Inline markup as deep and as wide as the TMX reader accepts
//! (`Segment::MAX_DEPTH`) is stored and read back identically, by both
//! stores. Markup 201 deep used to import and then make every read of the
//! unit fail with "store is damaged" (issue 11, item 3): the reader now
//! refuses it (`crates/tmx/testdata/errors.toml`), and this is the other
//! half of the one limit.

use proptest::prelude::*;
use tmkit_core::{Attr, Inline, Lang, Segment, Tag, TagKind, Tu, TuId};
use tmkit_store::{ImportMeta, MemStore, OnDuplicate, SledStore, Store};

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

fn kind(pick: u8) -> TagKind {
    match pick % 8 {
        0 => TagKind::Bpt,
        1 => TagKind::Ept,
        2 => TagKind::It,
        3 => TagKind::Ph,
        4 => TagKind::Hi,
        5 => TagKind::Ut,
        6 => TagKind::Sub,
        _ => TagKind::Other(format!("x:t{pick}")),
    }
}

/// A segment whose markup nests `depth` tags deep, with `wide[level]`
/// siblings (text and empty tags) beside the nested tag at each level.
fn markup(depth: usize, wide: &[u8], picks: &[u8]) -> Segment {
    let pick = |i: usize| picks.get(i % picks.len().max(1)).copied().unwrap_or(0);
    let mut inner = vec![Inline::Text("core".into())];
    for level in (0..depth).rev() {
        let tag = Inline::Tag(Tag {
            kind: kind(pick(level)),
            attrs: vec![Attr::new("i", level.to_string())],
            content: inner,
        });
        let mut items = vec![];
        for s in 0..wide.get(level).copied().unwrap_or(0) % 4 {
            items.push(Inline::Text(format!("t{level}.{s} ")));
            items.push(Inline::Tag(Tag {
                kind: kind(pick(level + usize::from(s))),
                attrs: vec![],
                content: vec![],
            }));
        }
        items.push(tag);
        inner = items;
    }
    Segment { items: inner }
}

/// Stores `units` and reads each back by its id.
fn round_trip(store: &dyn Store, units: &[Tu]) -> Vec<Tu> {
    let id = store
        .begin_import(&ImportMeta::new("deep.tmx", lang("en")).policy(OnDuplicate::KeepBoth))
        .unwrap();
    let report = store.put_batch(id, units.to_vec()).unwrap();
    assert_eq!(report.added, units.len() as u64, "{report:?}");
    store.commit_import(id).unwrap();
    let mut back = vec![];
    let mut id = 0;
    while back.len() < units.len() && id < 10 * units.len() as u64 + 10 {
        if let Some(record) = store.get(TuId(id)).unwrap() {
            back.push(record.tu);
        }
        id += 1;
    }
    back
}

fn unit(n: usize, seg: Segment) -> Tu {
    let mut tu = Tu::bilingual(lang("en"), format!("unit {n}").as_str(), lang("fr"), "x");
    tu.variants[0].seg.items.extend(seg.items);
    tu
}

#[test]
fn markup_exactly_as_deep_as_the_limit_round_trips() {
    let seg = markup(Segment::MAX_DEPTH, &[1; 200], &[0, 4, 7]);
    assert_eq!(seg.depth(), Segment::MAX_DEPTH);
    let units = vec![unit(0, seg)];
    assert_eq!(round_trip(&MemStore::new(), &units), units);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        round_trip(&SledStore::open(dir.path()).unwrap(), &units),
        units
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any markup the reader accepts, deep and wide, comes back the same.
    #[test]
    fn deep_and_wide_markup_round_trips(
        shapes in proptest::collection::vec(
            (0..=Segment::MAX_DEPTH, proptest::collection::vec(any::<u8>(), 0..40),
             proptest::collection::vec(any::<u8>(), 1..8)),
            1..6,
        )
    ) {
        let units: Vec<Tu> = shapes
            .iter()
            .enumerate()
            .map(|(n, (depth, wide, picks))| unit(n, markup(*depth, wide, picks)))
            .collect();
        for (tu, (depth, _, _)) in units.iter().zip(&shapes) {
            prop_assert_eq!(tu.variants[0].seg.depth(), *depth);
        }
        prop_assert_eq!(round_trip(&MemStore::new(), &units), units.clone());
        let dir = tempfile::tempdir().unwrap();
        prop_assert_eq!(round_trip(&SledStore::open(dir.path()).unwrap(), &units), units);
    }
}
