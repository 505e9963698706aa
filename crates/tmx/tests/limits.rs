//! Size limits, decompression bombs, and problems that cost one unit
//! wherever they are (issue 11, items 9, 13 and 18). The bombs are built
//! here, as the test runs: nothing big is committed.

use std::io::{Cursor, Read, Write};

use tmkit_tmx::{Error, Limits, TmxReader};

const HEAD: &str = r#"<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="en" datatype="plaintext"/><body>
"#;

fn unit(text: &str) -> String {
    format!("<tu><tuv xml:lang=\"en\"><seg>{text}</seg></tuv><tuv xml:lang=\"fr\"><seg>x</seg></tuv></tu>\n")
}

/// What reading gives: the units' source texts, and each error's kind
/// (fatal or not), position and message.
type Outcome = (Vec<String>, Vec<(bool, (u64, u64), String)>);

fn outcome(reader: TmxReader<'_>) -> Outcome {
    let mut texts = vec![];
    let mut errors = vec![];
    for item in reader {
        match item {
            Ok(tu) => texts.push(tu.variants[0].seg.plain_text()),
            Err(e) => errors.push((e.is_fatal(), e.position().unwrap_or((0, 0)), e.to_string())),
        }
    }
    (texts, errors)
}

/// Reads `doc` in memory, parsed ahead, and streamed, under `limits`; all
/// three must agree.
fn read_all_ways(doc: &[u8], limits: Limits) -> Outcome {
    let memory = outcome(
        TmxReader::from_slice(doc, "t.tmx")
            .unwrap()
            .parse_ahead(false)
            .limits(limits),
    );
    let ahead = outcome(
        TmxReader::from_slice(doc, "t.tmx")
            .unwrap()
            .parse_ahead(true)
            .limits(limits),
    );
    let streamed = outcome(
        TmxReader::from_reader(Cursor::new(doc.to_vec()), "t.tmx")
            .unwrap()
            .limits(limits),
    );
    assert_eq!(memory, ahead, "in memory vs parsed ahead");
    assert_eq!(memory, streamed, "in memory vs streamed");
    memory
}

/// Bad UTF-8 in an attribute used to reject the whole file, with an empty
/// attribute name in the message; in text it cost the unit. Both cost the
/// unit now, with the position of the bad byte.
#[test]
fn issue11_bad_utf8_in_an_attribute_costs_the_unit_as_in_text() {
    let mut doc = HEAD.as_bytes().to_vec();
    doc.extend_from_slice(b"<tu><tuv xml:lang=\"en\" x-a=\"ab\xFFc\"><seg>a</seg></tuv></tu>\n");
    doc.extend_from_slice(b"<tu><tuv xml:lang=\"e\xFF\"><seg>a</seg></tuv></tu>\n");
    doc.extend_from_slice(b"<tu><tuv xml:lang=\"en\"><seg>a\xFFb</seg></tuv></tu>\n");
    doc.extend_from_slice(unit("ok").as_bytes());
    doc.extend_from_slice(b"</body></tmx>");
    // In memory, a document that is not UTF-8 as a whole is read event by
    // event, as a stream is.
    let (texts, errors) = read_all_ways(&doc, Limits::default());
    assert_eq!(texts, ["ok"]);
    let got: Vec<_> = errors
        .iter()
        .map(|(f, p, m)| (*f, *p, m.as_str()))
        .collect();
    assert_eq!(got.len(), 3, "{errors:?}");
    assert_eq!(got[0].1, (2, 31));
    assert!(
        got[0]
            .2
            .contains("the value of attribute x-a is not valid UTF-8"),
        "{}",
        got[0].2
    );
    assert_eq!(got[1].1, (3, 21));
    assert!(
        got[1]
            .2
            .contains("the value of attribute xml:lang is not valid UTF-8"),
        "{}",
        got[1].2
    );
    assert_eq!(got[2].1, (4, 30));
    assert!(
        got[2].2.contains("the text is not valid UTF-8"),
        "{}",
        got[2].2
    );
    assert!(got.iter().all(|(fatal, _, _)| !fatal));
}

/// A segment, an attribute or a unit over its limit costs the unit, with
/// its position, and reading goes on; what is under the limits reads.
#[test]
fn issue11_what_exceeds_a_limit_costs_the_unit_and_reading_goes_on() {
    let limits = Limits {
        segment: 100,
        attribute: 50,
        unit: 1000,
    };
    let long_line = "y".repeat(300);
    let mut doc = HEAD.to_string();
    doc += &unit(&"a".repeat(101));
    doc += &unit(&"b".repeat(100));
    doc += &format!(
        "<tu tuid=\"{}\"><tuv xml:lang=\"en\"><seg>c</seg></tuv></tu>\n",
        "1".repeat(51)
    );
    // Ten segments under the segment limit, but over the unit limit, with
    // lines to count.
    doc += "<tu>";
    for _ in 0..10 {
        doc += &format!(
            "<tuv xml:lang=\"en\"><seg>{}\n</seg></tuv>\n",
            "z".repeat(90)
        );
    }
    doc += "</tu>\n";
    // A text run over the unit limit, which the guard of a stream cuts:
    // the positions after it are still right.
    doc += &unit(&format!(
        "{long_line}\n{long_line}\n{long_line}\n{long_line}\nend"
    ));
    doc += &unit("&bogus;");
    doc += &unit("ok");
    doc += "</body></tmx>";
    let (texts, errors) = read_all_ways(doc.as_bytes(), limits);
    assert_eq!(texts, ["b".repeat(100), "ok".to_string()]);
    let got: Vec<_> = errors.iter().map(|(_, p, m)| (*p, m.as_str())).collect();
    assert_eq!(got.len(), 5, "{got:#?}");
    assert_eq!(got[0].0, (2, 24));
    assert!(got[0]
        .1
        .contains("the <seg> holds 101 bytes of text, more than the segment limit of 100"));
    assert_eq!(got[1].0, (4, 11));
    assert!(got[1]
        .1
        .contains("attribute tuid holds 51 bytes, more than the attribute limit of 50"));
    assert_eq!(got[2].0, (5, 1));
    assert!(got[2].1.contains("more than 1000 bytes"), "{}", got[2].1);
    // The cut text spans lines: the next units' positions count them.
    assert_eq!(got[3].0, (26, 1));
    assert!(got[3].1.contains("1000 bytes"), "{}", got[3].1);
    assert_eq!(got[4].0, (31, 29));
    assert!(got[4].1.contains("unknown entity &bogus;"));
    assert!(errors.iter().all(|(fatal, _, _)| !fatal));
}

/// A document of `units` short units around one unit whose segment holds
/// `huge` bytes, written to `sink` piece by piece.
fn bomb(sink: &mut impl Write, huge: usize) {
    sink.write_all(HEAD.as_bytes()).unwrap();
    sink.write_all(unit("before").as_bytes()).unwrap();
    sink.write_all(b"<tu><tuv xml:lang=\"en\"><seg>").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let mut left = huge;
    while left > 0 {
        let n = left.min(chunk.len());
        sink.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    sink.write_all(b"</seg></tuv></tu>\n").unwrap();
    sink.write_all(unit("after").as_bytes()).unwrap();
    sink.write_all(b"</body></tmx>").unwrap();
}

/// What a reader over a compressed bomb gives: the units before and after
/// import, the huge one is skipped with its position.
fn check_bomb(reader: TmxReader<'_>) {
    let (texts, errors) = outcome(reader);
    assert_eq!(texts, ["before", "after"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (fatal, at, message) = &errors[0];
    assert!(!fatal);
    assert_eq!(*at, (3, 1));
    assert!(message.contains("more than 16777216 bytes"), "{message}");
}

/// A 1 MB archive holding a 1 GiB `<seg>` used to end the process (the
/// parser buffered the segment whole); a 4 MB zip took 8.4 GB. The reader
/// now holds at most the unit limit of any text, and inflates a zip entry
/// as it reads it. 48 MiB of text (three times the limit) keeps the test
/// short; memory does not depend on it (`docs/BENCHMARKS.md` has the
/// measure).
#[test]
fn issue11_gzip_and_zip_bombs_cost_one_unit() {
    let huge = 48 << 20;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    bomb(&mut gz, huge);
    let gz = gz.finish().unwrap();
    assert!(gz.len() < 4 << 20, "{} bytes", gz.len());
    check_bomb(TmxReader::from_reader(Cursor::new(gz.clone()), "bomb.tmx.gz").unwrap());
    check_bomb(TmxReader::from_slice(&gz, "bomb.tmx.gz").unwrap());

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("bomb.tmx", options).unwrap();
    bomb(&mut zip, huge);
    let zip = zip.finish().unwrap().into_inner();
    assert!(zip.len() < 4 << 20, "{} bytes", zip.len());
    check_bomb(TmxReader::from_reader(Cursor::new(zip.clone()), "bomb.zip").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.zip");
    std::fs::write(&path, &zip).unwrap();
    check_bomb(TmxReader::from_path(&path).unwrap());
}

/// A damaged zip entry is an error, not text read as if whole.
#[test]
fn a_zip_entry_with_a_bad_crc_is_an_error() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("a.tmx", options).unwrap();
    let doc = format!("{HEAD}{}</body></tmx>", unit("hello"));
    zip.write_all(doc.as_bytes()).unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
    bytes[at] = b'j';
    let mut failed = false;
    match TmxReader::from_reader(Cursor::new(bytes), "a.zip") {
        Err(e) => failed = e.to_string().contains("CRC"),
        Ok(reader) => {
            for item in reader {
                if let Err(e) = item {
                    assert!(e.to_string().contains("CRC"), "{e}");
                    failed = true;
                }
            }
        }
    }
    assert!(failed);
}

/// The Trados Workbench sample of `tmx/`, with the header `EN-GB` over its
/// `EN-US` variants (as another Workbench file has it): the source
/// language becomes en-US, once, and every unit reads.
#[test]
fn issue11_header_srclang_of_another_region_gives_way_to_the_variants() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tmx/trados-workbench/html_test.tmx"
    );
    let mut bytes = vec![];
    std::fs::File::open(path)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let (text, _, _) = encoding_rs::UTF_16LE.decode(&bytes);
    assert!(text.contains("srclang=\"EN-US\""));
    let text = text.replacen("srclang=\"EN-US\"", "srclang=\"EN-GB\"", 1);
    let mut reader = TmxReader::from_slice(text.as_bytes(), "gb.tmx").unwrap();
    assert_eq!(reader.source_lang().map(|l| l.as_str()), Some("en-GB"));
    let units: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(units.len(), 11);
    assert_eq!(reader.source_lang().map(|l| l.as_str()), Some("en-US"));
    let warned: Vec<_> = reader
        .warnings()
        .iter()
        .filter(|w| w.message.contains("is read as the source language"))
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].message.contains("EN-GB"));
    assert!(units
        .iter()
        .all(|tu| tu.variant(reader.source_lang().unwrap()).is_some()));
}

/// Each unit's start is known, for the errors the store reports later.
#[test]
fn unit_positions_follow_the_units() {
    let doc = format!("{HEAD}{}  {}<tu/>\n</body></tmx>", unit("a"), unit("&x;"));
    for streamed in [false, true] {
        let mut reader = if streamed {
            TmxReader::from_reader(Cursor::new(doc.clone().into_bytes()), "t.tmx").unwrap()
        } else {
            TmxReader::from_slice(doc.as_bytes(), "t.tmx").unwrap()
        };
        assert_eq!(reader.unit_position(), (0, 0));
        let mut seen = vec![];
        while let Some(item) = reader.next() {
            seen.push((item.is_ok(), reader.unit_position()));
        }
        assert_eq!(seen, [(true, (2, 1)), (false, (3, 3)), (false, (4, 1))]);
    }
}

/// Strict mode makes a unit over a limit fatal.
#[test]
fn strict_mode_stops_at_a_unit_over_a_limit() {
    let doc = format!("{HEAD}{}{}</body></tmx>", unit(&"a".repeat(200)), unit("b"));
    let limits = Limits {
        segment: 100,
        ..Limits::default()
    };
    let errors: Vec<Error> = TmxReader::from_slice(doc.as_bytes(), "t.tmx")
        .unwrap()
        .limits(limits)
        .strict(true)
        .filter_map(|r| r.err())
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].is_fatal());
    assert_eq!(errors[0].position(), Some((2, 24)));
}

/// Limits count what a segment or value holds, not how it is written: what
/// was read under them is read again once tmkit writes it, though escaping
/// makes it longer.
#[test]
fn what_was_read_under_the_limits_is_read_again_once_written() {
    let limits = Limits {
        segment: 100,
        attribute: 20,
        unit: 4000,
    };
    let doc = format!(
        "{HEAD}<tu tuid=\"{}\">{}",
        "&lt;".repeat(20),
        &unit(&"&amp;&lt;&gt;&#x9;".repeat(25))[4..]
    );
    let doc = format!("{doc}</body></tmx>");
    let units: Vec<_> = TmxReader::from_slice(doc.as_bytes(), "t.tmx")
        .unwrap()
        .limits(limits)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(units[0].variants[0].seg.plain_text().len(), 100);
    let en = tmkit_core::Lang::parse("en").unwrap();
    let mut writer =
        tmkit_tmx::TmxWriter::new(Vec::new(), tmkit_tmx::WriteOptions::new(en)).unwrap();
    writer.write_tu(&units[0]).unwrap();
    let out = writer.finish().unwrap();
    let again: Vec<_> = TmxReader::from_slice(&out, "again.tmx")
        .unwrap()
        .limits(limits)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(again, units);
}
