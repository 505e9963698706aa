//! Property: writing units and reading them back gives the same units.

use proptest::prelude::*;
use tmkit_core::{Attr, Inline, Lang, Note, Prop, Segment, Tag, TagKind, Tu, Tuv};
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

fn text() -> impl Strategy<Value = String> {
    "[a-zé😀 &<>\"'\t\n\r]{1,6}"
}

fn attr_value() -> impl Strategy<Value = String> {
    "[a-z0-9 &<>\"'\t\n]{0,5}"
}

/// Content allowed in `<seg>`, `<hi>` and `<sub>` by `tmx14.dtd`.
fn seg_items(depth: u32) -> BoxedStrategy<Vec<Inline>> {
    let leaf = text().prop_map(Inline::Text).boxed();
    if depth == 0 {
        return prop::collection::vec(leaf, 0..3).prop_map(tidy).boxed();
    }
    let code = (0..5usize, attr_value(), code_items(depth - 1)).prop_map(|(k, v, content)| {
        let (kind, attrs) = match k {
            0 => (
                TagKind::Bpt,
                vec![Attr::new("i", "1"), Attr::new("type", v)],
            ),
            1 => (TagKind::Ept, vec![Attr::new("i", "1")]),
            2 => (
                TagKind::It,
                vec![Attr::new("pos", "end"), Attr::new("x", v)],
            ),
            3 => (TagKind::Ph, vec![Attr::new("assoc", v)]),
            _ => (TagKind::Ut, vec![]),
        };
        Inline::Tag(Tag {
            kind,
            attrs,
            content,
        })
    });
    let hi = seg_items(depth - 1).prop_map(|content| {
        Inline::Tag(Tag {
            kind: TagKind::Hi,
            attrs: vec![Attr::new("x", "2")],
            content,
        })
    });
    prop::collection::vec(prop_oneof![3 => leaf, 2 => code, 1 => hi], 0..5)
        .prop_map(tidy)
        .boxed()
}

/// Content allowed in native-code tags: text and `<sub>`.
fn code_items(depth: u32) -> BoxedStrategy<Vec<Inline>> {
    let leaf = text().prop_map(Inline::Text);
    let sub = seg_items(depth).prop_map(|content| {
        Inline::Tag(Tag {
            kind: TagKind::Sub,
            attrs: vec![Attr::new("datatype", "html")],
            content,
        })
    });
    prop::collection::vec(prop_oneof![3 => leaf, 1 => sub], 0..3)
        .prop_map(tidy)
        .boxed()
}

/// Adjacent text runs are one run once written.
fn tidy(items: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = vec![];
    for item in items {
        match (out.last_mut(), item) {
            (Some(Inline::Text(prev)), Inline::Text(t)) => prev.push_str(&t),
            (_, item) => out.push(item),
        }
    }
    out
}

fn props() -> impl Strategy<Value = Vec<Prop>> {
    prop::collection::vec(
        ("x-[a-z]{1,5}", text(), proptest::option::of("[a-z]{2}")).prop_map(
            |(kind, value, lang)| Prop {
                kind: Some(kind.into()),
                attrs: lang
                    .map(|l| vec![Attr::new("xml:lang", l)])
                    .unwrap_or_default(),
                value: value.into(),
            },
        ),
        0..3,
    )
}

fn notes() -> impl Strategy<Value = Vec<Note>> {
    prop::collection::vec(
        text().prop_map(|value| Note {
            attrs: vec![],
            value,
        }),
        0..2,
    )
}

fn tuv() -> impl Strategy<Value = Tuv> {
    let langs = prop::sample::select(vec!["en", "fr-FR", "fr-CA", "de", "zh-Hant-TW", "es-419"]);
    (
        langs,
        props(),
        notes(),
        seg_items(2),
        proptest::option::of("[a-z]{1,6}"),
    )
        .prop_map(|(lang, props, notes, items, changeid)| Tuv {
            lang: Lang::parse(lang).unwrap(),
            lang_original: None,
            attrs: changeid
                .map(|c| vec![Attr::new("changeid", c)])
                .unwrap_or_default(),
            props,
            notes,
            seg: Segment { items },
        })
}

fn tu() -> impl Strategy<Value = Tu> {
    (
        proptest::option::of(attr_value()),
        props(),
        notes(),
        prop::collection::vec(tuv(), 1..4),
    )
        .prop_map(|(tuid, props, notes, variants)| {
            let mut attrs = vec![Attr::new("creationdate", "20240131T120000Z")];
            if let Some(t) = tuid {
                attrs.insert(0, Attr::new("tuid", t));
            }
            Tu {
                attrs,
                props,
                notes,
                variants,
            }
        })
}

fn cycle(units: &[Tu], vendor: bool) -> Vec<Tu> {
    let mut opts = WriteOptions::new(Lang::parse("en").unwrap());
    opts.keep_vendor_markup = vendor;
    let mut w = TmxWriter::new(Vec::new(), opts).unwrap();
    for tu in units {
        w.write_tu(tu).unwrap();
    }
    let bytes = w.finish().unwrap();
    TmxReader::from_slice(&bytes, "gen.tmx")
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn write_then_read_is_identity(units in prop::collection::vec(tu(), 0..4)) {
        // The writer's header says srclang="en", and the reader rejects a
        // unit with no variant in the header's language: give each one.
        let units: Vec<Tu> = units.into_iter().map(|mut tu| {
            tu.variants.insert(0, Tuv::new(Lang::parse("en").unwrap(), "src"));
            tu
        }).collect();
        prop_assert_eq!(&cycle(&units, false), &units);
        prop_assert_eq!(&cycle(&units, true), &units);
    }
}
