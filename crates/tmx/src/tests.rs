//! Reader and writer behaviour on small documents.

use tmkit_core::{Attr, Inline, Lang, Prop, Segment, Tag, TagKind, Tu};

use crate::{Error, TmxReader, TmxWriter, WriteOptions};

fn read(doc: &str) -> (TmxReader<'_>, Vec<Tu>) {
    let mut reader = TmxReader::from_slice(doc.as_bytes(), "t.tmx").unwrap();
    let units = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    (reader, units)
}

fn tag(kind: TagKind, attrs: &[(&str, &str)], content: Vec<Inline>) -> Inline {
    Inline::Tag(Tag {
        kind,
        attrs: attrs.iter().map(|(n, v)| Attr::new(*n, *v)).collect(),
        content,
    })
}

fn text(s: &str) -> Inline {
    Inline::Text(s.into())
}

#[test]
fn inline_markup_is_kept_as_structure() {
    let (_, units) = read(
        r#"<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>Click <bpt i="1" x="1" isTranslate="no">&lt;b&gt;</bpt>here<ept i="1">&lt;/b&gt;</ept> <ph type="img">&lt;img alt="<sub datatype="html">Logo</sub>"&gt;</ph><hi type="x-em">now<it pos="begin">&lt;i&gt;</it></hi><![CDATA[ & <raw>]]><ut>{\b}</ut>.</seg></tuv></tu></body></tmx>"#,
    );
    let seg = &units[0].variants[0].seg;
    let want = vec![
        text("Click "),
        tag(
            TagKind::Bpt,
            &[("i", "1"), ("x", "1"), ("isTranslate", "no")],
            vec![text("<b>")],
        ),
        text("here"),
        tag(TagKind::Ept, &[("i", "1")], vec![text("</b>")]),
        text(" "),
        tag(
            TagKind::Ph,
            &[("type", "img")],
            vec![
                text("<img alt=\""),
                tag(TagKind::Sub, &[("datatype", "html")], vec![text("Logo")]),
                text("\">"),
            ],
        ),
        tag(
            TagKind::Hi,
            &[("type", "x-em")],
            vec![
                text("now"),
                tag(TagKind::It, &[("pos", "begin")], vec![text("<i>")]),
            ],
        ),
        text(" & <raw>"),
        tag(TagKind::Ut, &[], vec![text("{\\b}")]),
        text("."),
    ];
    assert_eq!(seg.items, want);
    assert_eq!(seg.plain_text(), "Click here now & <raw>.");
}

#[test]
fn namespaces_foreign_elements_and_undeclared_prefixes_are_tolerated() {
    let (reader, units) = read(
        r#"<tmx xmlns="http://www.lisa.org/tmx14" version="1.4"><header srclang="en" xmlns:tei="urn:tei"/><body><tu><tuv xml:lang="en"><seg>A<tei:milestone unit="p"/>B<t5:n id="1" r="x"/>C<x:b>bold</x:b></seg></tuv></tu></body></tmx>"#,
    );
    let seg = &units[0].variants[0].seg;
    assert_eq!(seg.plain_text(), "ABCbold");
    assert_eq!(
        seg.items[3],
        tag(
            TagKind::Other("t5:n".into()),
            &[("id", "1"), ("r", "x")],
            vec![]
        )
    );
    assert_eq!(
        seg.items[5],
        tag(TagKind::Other("x:b".into()), &[], vec![text("bold")])
    );
    assert!(
        reader
            .warnings()
            .iter()
            .all(|w| !w.message.contains("unexpected")),
        "{:?}",
        reader.warnings()
    );
}

#[test]
fn tmx11_lang_and_odd_codes_are_normalized_keeping_the_original() {
    let (reader, units) = read(
        r#"<tmx version="1.1"><header srclang="EN-US" creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" datatype="plaintext"/><body>
<tu tuid="7" creationdate="20200101T000000Z" x-vendor="v"><prop type="x-a">1</prop><prop name="origin">z</prop><note>n</note>
<tuv lang="en_US" changeid="me"><prop type2="x-Client">c</prop><seg>Hi</seg></tuv><tuv xml:lang="French"><seg>Salut</seg></tuv><tuv xml:lang="eng-GB"><seg>Hello</seg></tuv></tu></body></tmx>"#,
    );
    assert!(reader.warnings().is_empty(), "{:?}", reader.warnings());
    assert_eq!(reader.header().srclang, Some(Lang::parse("en-US").unwrap()));
    let tu = &units[0];
    assert_eq!(tu.attr("tuid"), Some("7"));
    assert_eq!(tu.attr("x-vendor"), Some("v"));
    assert_eq!(tu.prop("x-a"), Some("1"));
    assert_eq!(tu.prop("origin"), Some("z"));
    assert_eq!(tu.props[1].kind, None);
    assert_eq!(tu.notes[0].value, "n");
    let langs: Vec<_> = tu
        .variants
        .iter()
        .map(|v| (v.lang.as_str(), v.lang_original.as_deref()))
        .collect();
    assert_eq!(
        langs,
        [
            ("en-US", Some("en_US")),
            ("fr", Some("French")),
            ("en-GB", Some("eng-GB"))
        ]
    );
    assert_eq!(tu.variants[0].attrs, [Attr::new("changeid", "me")]);
    assert_eq!(tu.variants[0].props[0].label(), Some("x-Client"));
    assert_eq!(reader.source_of(tu).unwrap().seg.plain_text(), "Hi");
}

#[test]
fn line_ends_are_normalized_and_header_is_complete() {
    let doc = "<tmx version=\"1.4\"><header srclang=\"*all*\" o-tmf=\"x\"><prop type=\"x-p\">v</prop><note>hn</note><ude name=\"MacRoman\" base=\"Macintosh\"><map unicode=\"#xF8FF\" code=\"#xF0\" ent=\"Apple_logo\" subst=\"[Apple]\"/></ude></header><body>\r\n<tu><tuv xml:lang=\"fr\"><seg>a\r\nb\rc</seg></tuv><tuv xml:lang=\"en\"><seg>x</seg></tuv></tu></body></tmx>";
    let (reader, units) = read(doc);
    let h = reader.header();
    assert_eq!(h.srclang, None);
    assert_eq!(h.attr("srclang"), Some("*all*"));
    assert_eq!((h.props.len(), h.notes.len(), h.udes.len()), (1, 1, 1));
    assert_eq!(h.udes[0].maps[0][2], Attr::new("ent", "Apple_logo"));
    assert_eq!(units[0].variants[0].seg.plain_text(), "a\nb\nc");
    // *all*: the first unit's first variant decides.
    assert_eq!(reader.source_lang().map(Lang::as_str), Some("fr"));
}

#[test]
fn empty_body_and_empty_segments() {
    let (reader, units) = read(r#"<tmx version="1.4"><header srclang="en"/><body></body></tmx>"#);
    assert!(units.is_empty());
    assert_eq!(reader.tus_seen(), 0);
    let (_, units) = read(
        r#"<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg/></tuv></tu></body></tmx>"#,
    );
    assert!(units[0].variants[0].seg.is_empty());
}

fn sample_tu() -> Tu {
    let en = Lang::parse("en").unwrap();
    let mut tu = Tu::bilingual(en.clone(), "a", Lang::parse("fr").unwrap(), "b");
    tu.attrs = vec![
        Attr::new("tuid", "1"),
        Attr::new("gitCommit", "abc"),
        Attr::new("changedate", "2021-03-04T05:06:07Z"),
    ];
    tu.props.push(Prop {
        kind: None,
        attrs: vec![Attr::new("name", "client")],
        value: "ACME".into(),
    });
    tu.variants[0].seg = Segment {
        items: vec![
            text("x "),
            tag(
                TagKind::Bpt,
                &[("i", "1"), ("isTranslate", "no")],
                vec![text("<b>")],
            ),
            tag(
                TagKind::Other("t5:n".into()),
                &[("id", "1")],
                vec![text("kept")],
            ),
            tag(TagKind::Ept, &[], vec![text("</b>")]),
        ],
    };
    tu
}

#[test]
fn dtd_valid_writing_maps_what_the_dtd_lacks() {
    let mut opts = WriteOptions::new(Lang::parse("en").unwrap());
    opts.creationdate = Some("2024-01-31".into());
    let mut w = TmxWriter::new(Vec::new(), opts).unwrap();
    w.write_tu(&sample_tu()).unwrap();
    let out = String::from_utf8(w.finish().unwrap()).unwrap();
    for want in [
        r#"<tmx version="1.4">"#,
        r#"srclang="en""#,
        r#"o-tmf="tmkit""#,
        r#"creationdate="20240131T000000Z""#,
        r#"<tu tuid="1" changedate="20210304T050607Z">"#,
        r#"<prop type="x-client">ACME</prop>"#,
        r#"<prop type="x-tmkit-attr:gitCommit">abc</prop>"#,
        r#"<seg>x <bpt i="1">&lt;b&gt;</bpt>kept<ph>&lt;/b&gt;</ph></seg>"#,
    ] {
        assert!(out.contains(want), "{want} not in\n{out}");
    }
    assert!(
        !out.contains("isTranslate") && !out.contains("name="),
        "{out}"
    );
    // The vendor attribute comes back as an attribute.
    let (_, units) = read(&out);
    assert_eq!(units[0].attr("gitCommit"), Some("abc"));
    assert_eq!(units[0].props.len(), 1);
}

/// A `<tu>` takes every attribute the DTD allows on a `<tuv>` and three of
/// its own; on a `<tuv>`, those three are props.
#[test]
fn dtd_valid_writing_keeps_tu_only_attributes_off_tuv() {
    let en = Lang::parse("en").unwrap();
    let mut tu = Tu::bilingual(en.clone(), "a", Lang::parse("fr").unwrap(), "b");
    for (name, value) in [("segtype", "sentence"), ("creationid", "ann")] {
        tu.set_attr(name, value);
        tu.variants[0].attrs.push(Attr::new(name, value));
    }
    let mut w = TmxWriter::new(Vec::new(), WriteOptions::new(en)).unwrap();
    w.write_tu(&tu).unwrap();
    let out = String::from_utf8(w.finish().unwrap()).unwrap();
    for want in [
        r#"<tu segtype="sentence" creationid="ann">"#,
        r#"<tuv xml:lang="en" creationid="ann">"#,
        r#"<prop type="x-tmkit-attr:segtype">sentence</prop>"#,
    ] {
        assert!(out.contains(want), "{want} not in\n{out}");
    }
}

/// Stores written before import refused them may hold characters XML 1.0
/// cannot: the writer leaves them out and counts the units, rather than
/// stopping the export at that unit (issue 11, item 4).
#[test]
fn writer_drops_what_xml_cannot_hold_and_counts_the_units() {
    let en = Lang::parse("en").unwrap();
    let fr = Lang::parse("fr").unwrap();
    let mut w = TmxWriter::new(Vec::new(), WriteOptions::new(en.clone())).unwrap();
    let mut bad = Tu::bilingual(en.clone(), "Debian \u{2}catalog", fr.clone(), "b\u{ffff}");
    bad.set_attr("x-origin", "a\u{0}b");
    bad.variants[0]
        .seg
        .items
        .push(tag(TagKind::Ph, &[("x", "\u{1b}1")], vec![text("\u{7}")]));
    assert!(matches!(
        w.write_tu(&Tu::default()),
        Err(Error::Unwritable { .. })
    ));
    w.write_tu(&bad).unwrap();
    w.write_tu(&Tu::bilingual(en.clone(), "ok", fr.clone(), "ok"))
        .unwrap();
    assert_eq!(w.units_altered(), 1);
    let out = w.finish().unwrap();
    let (_, units) = read(std::str::from_utf8(&out).unwrap());
    assert_eq!(units.len(), 2);
    let seg = &units[0].variants[0].seg;
    assert_eq!(seg.plain_text(), "Debian catalog");
    assert_eq!(seg.items[1], tag(TagKind::Ph, &[("x", "1")], vec![]));
    assert_eq!(units[0].variants[1].seg.plain_text(), "b");
    assert_eq!(units[0].attr("x-origin"), Some("ab"));
    let mut opts = WriteOptions::new(en);
    opts.segtype = "word".into();
    assert!(TmxWriter::new(Vec::new(), opts).is_err());
}

#[test]
fn utf16_and_gzip_and_zip_are_read_from_memory() {
    let doc = r#"<?xml version="1.0" encoding="UTF-16"?><tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>ça 😀</seg></tuv></tu></body></tmx>"#;
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
    let streamed = TmxReader::from_reader(std::io::Cursor::new(utf16.clone()), "u16.tmx").unwrap();
    assert_eq!(streamed.count(), 1);
    let reader = TmxReader::from_slice(&utf16, "u16.tmx").unwrap();
    assert_eq!(reader.encoding(), "UTF-16LE");
    let units: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(units[0].variants[0].seg.plain_text(), "ça 😀");

    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut zipped);
        z.start_file("readme.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, b"not this").unwrap();
        z.start_file("memory.tmx", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, &utf16).unwrap();
        z.finish().unwrap();
    }
    let units: Vec<_> = TmxReader::from_slice(zipped.get_ref(), "m.zip")
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(units[0].variants[0].seg.plain_text(), "ça 😀");
}

/// Positions after a UTF-8 byte-order mark and non-ASCII text: the in-memory
/// reader (offsets resolved on demand, back to a unit's start too) and the
/// streamed one (counted as read) agree with what an editor shows.
#[test]
fn positions_agree_in_memory_and_streamed_after_a_bom() {
    let doc = "\u{feff}<tmx version=\"1.4\"><header srclang=\"en\"/><body>\n\
               <tu><tuv xml:lang=\"en\"><seg>é😀</seg></tuv></tu>\n  \
               é <tu>\n<tuv xml:lang=\"fr\"><seg>x</seg></tuv></tu>\n\
               </body></tmx>";
    let positions = |reader: TmxReader| -> Vec<(u64, u64)> {
        let mut reader = reader;
        let mut out: Vec<(u64, u64)> = reader
            .by_ref()
            .filter_map(|item| item.err().and_then(|e| e.position()))
            .collect();
        out.extend(reader.warnings().iter().map(|w| (w.line, w.column)));
        out
    };
    let in_memory = positions(TmxReader::from_slice(doc.as_bytes(), "t.tmx").unwrap());
    let streamed = positions(
        TmxReader::from_reader(std::io::Cursor::new(doc.as_bytes().to_vec()), "t.tmx").unwrap(),
    );
    // The second unit (line 3, after two spaces, `é` and a space) has no
    // variant for the header's srclang: its error points at its `<`.
    assert!(in_memory.contains(&(3, 5)), "{in_memory:?}");
    assert_eq!(in_memory, streamed);
}
