//! Segments against the in-memory index and the full scan, the file format,
//! and damaged segments.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::tests::{long_memory, scorer, text};

/// What a hit says, for comparing a segment's hits with an index's.
fn plain(hits: &[SegmentHit<'_>]) -> Vec<Hit> {
    hits.iter().map(|h| h.hit.clone()).collect()
}

/// The payload the tests store with a record: its key and its text.
fn payload(key: u64, text: &str) -> Vec<u8> {
    [&key.to_le_bytes()[..], text.as_bytes()].concat()
}

/// Which records the tests delete: keys in `keys`, in every segment, or
/// with `alternate` only in the segments of the key's parity (a unit
/// overwritten in a later segment is deleted from the earlier one only).
struct Deleted {
    keys: BTreeSet<u64>,
    alternate: bool,
}

impl Deleted {
    fn none() -> Deleted {
        Deleted {
            keys: BTreeSet::new(),
            alternate: false,
        }
    }

    fn contains(&self, segment: usize, key: u64) -> bool {
        self.keys.contains(&key) && (!self.alternate || (segment as u64 + key).is_multiple_of(2))
    }
}

/// Segments of `records` cut at `cuts`, and the reference index of the
/// records not `deleted`, in the same order.
fn build(
    s: Scorer,
    min_indexed: u8,
    records: &[(u64, String)],
    cuts: &[usize],
    deleted: &Deleted,
) -> (Vec<Segment>, Index) {
    let builder = IndexBuilder::new().scorer(s).min_indexed(min_indexed);
    let mut reference = builder.build().expect("valid");
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (records.len() + 1)).collect();
    bounds.push(0);
    bounds.push(records.len());
    bounds.sort_unstable();
    let mut segments = Vec::new();
    for (i, w) in bounds.windows(2).enumerate() {
        let mut writer = SegmentWriter::with(builder).expect("valid");
        for (k, t) in &records[w[0]..w[1]] {
            writer.add(*k, t, &payload(*k, t));
            if !deleted.contains(i, *k) {
                reference.add(*k, t);
            }
        }
        segments.push(Segment::from_bytes(writer.to_bytes()).expect("a fresh segment opens"));
    }
    (segments, reference)
}

/// Checks `search_all` and `brute_force_all` against the reference index,
/// and each hit's source and payload.
fn check(
    segments: &[Segment],
    reference: &Index,
    deleted: &Deleted,
    q: &str,
    top: usize,
    min: u8,
) -> std::result::Result<(), TestCaseError> {
    let live = |i, k| !deleted.contains(i, k);
    let want = reference.brute_force(q, top, min);
    let fast = Segment::search_all(segments, q, top, min, &live).expect("undamaged");
    prop_assert_eq!(&plain(&fast), &want);
    prop_assert_eq!(&reference.search(q, top, min), &want);
    let slow = Segment::brute_force_all(segments, q, top, min, &live).expect("undamaged");
    prop_assert_eq!(&plain(&slow), &want);
    for h in &fast {
        prop_assert_eq!(h.payload, &payload(h.hit.key, h.source)[..]);
        prop_assert!(!deleted.contains(h.segment, h.hit.key));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Segments built from random records, with random deletions (of a key
    /// everywhere, or in some segments only): the
    /// search over them is the full scan of the live records, for every
    /// scorer and threshold; so is the search of their merge.
    #[test]
    fn segments_equal_brute_force_of_live_records(
        s in scorer(),
        memory in prop::collection::vec((0u64..12, text()), 0..40),
        cuts in prop::collection::vec(0usize..41, 0..3),
        keys in prop::collection::btree_set(0u64..12, 0..4),
        alternate in any::<bool>(),
        queries in prop::collection::vec(text(), 1..4),
        top in 1usize..6,
        min in 1u8..=100,
        min_indexed in 1u8..=100,
    ) {
        let deleted = Deleted { keys, alternate };
        let (segments, reference) = build(s, min_indexed, &memory, &cuts, &deleted);
        let builder = IndexBuilder::new().scorer(s).min_indexed(min_indexed);
        let mut merged = SegmentWriter::with(builder).expect("valid");
        merged.add_live(&segments, &|i, k| !deleted.contains(i, k)).expect("undamaged");
        let merged = [Segment::from_bytes(merged.to_bytes()).expect("opens")];
        prop_assert_eq!(merged[0].len(), reference.len());
        for q in &queries {
            check(&segments, &reference, &deleted, q, top, min)?;
            check(&merged, &reference, &Deleted::none(), q, top, min)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Long texts, where units fill signature buckets hundreds of times,
    /// split over two segments with a deletion.
    #[test]
    fn segments_equal_brute_force_on_long_texts(
        s in scorer(),
        (texts, query) in long_memory(),
        top in 1usize..4,
        min in 50u8..=100,
        cut in 0usize..12,
        keys in prop::collection::btree_set(0u64..12, 0..2),
    ) {
        let deleted = Deleted { keys, alternate: cut % 2 == 0 };
        let memory: Vec<(u64, String)> =
            texts.into_iter().enumerate().map(|(k, t)| (k as u64, t)).collect();
        let (segments, reference) = build(s, 50, &memory, &[cut], &deleted);
        check(&segments, &reference, &deleted, &query, top, min)?;
    }
}

/// Written to a file, opened by mapping it: the same answers as the
/// in-memory index, and no temporary file left beside it.
#[test]
fn write_open_search_equals_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("one.seg");
    let texts = [
        "Le chat dort sur le canapé.",
        "Le chien dort sur le canapé.",
        "Ouvrir le fichier %s",
        "...",
        "",
    ];
    for s in [Scorer::Tmkit, Scorer::Omegat, Scorer::Chars] {
        let mut w = SegmentWriter::new(s);
        let mut ix = Index::new(s);
        for (k, t) in texts.iter().enumerate() {
            w.add(k as u64, t, t.as_bytes());
            ix.add(k as u64, t);
        }
        w.write_file(&path).expect("written");
        let seg = Segment::open_file(&path).expect("opens");
        seg.verify().expect("intact");
        assert_eq!((seg.len(), seg.scorer()), (texts.len(), s));
        for q in ["Le chat dort sur le canapé !", ". . .", "fichier", ""] {
            for min in [1, 50, 90] {
                let hits = seg.search(q, 3, min).expect("undamaged");
                assert_eq!(plain(&hits), ix.search(q, 3, min), "{s} {q:?} {min}");
                for h in &hits {
                    assert_eq!(h.payload, h.source.as_bytes());
                }
            }
        }
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listed")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["one.seg"]);
}

fn sample() -> Vec<u8> {
    let mut w = SegmentWriter::new(Scorer::Tmkit);
    for (k, t) in [
        "Le chat dort.",
        "Le chien dort.",
        "Fermer la fenêtre",
        "!!!",
    ]
    .iter()
    .enumerate()
    {
        w.add(k as u64, t, format!("target {k}").as_bytes());
    }
    w.to_bytes()
}

/// The layout docs/STORE.md describes: magic, version, byte-order mark,
/// sections at multiples of 16 inside the file, a length that is one too.
#[test]
fn format_header_and_sections() {
    let b = sample();
    assert_eq!(&b[..8], b"TMKFZSEG");
    assert_eq!(read_u32(&b, 8), SEGMENT_FORMAT_VERSION);
    assert_eq!(b[12..16], 0x0102_0304u32.to_ne_bytes());
    assert_eq!((b[16], b[17]), (1, 50));
    assert_eq!(read_u64(&b, 24), 4);
    assert_eq!(read_u64(&b, 32), b.len() as u64);
    assert_eq!(b.len() % ALIGN, 0);
    let mut end = HEADER as u64;
    for (i, name) in NAMES.iter().enumerate() {
        let e = TABLE_AT + i * ENTRY;
        let (at, len) = (read_u64(&b, e), read_u64(&b, e + 8));
        assert_eq!(at % ALIGN as u64, 0, "{name}");
        assert!(at >= end, "{name} overlaps the one before");
        end = at + len;
        let s = &b[at as usize..end as usize];
        assert_eq!(read_u32(&b, e + 16), crc32fast::hash(s), "{name}");
    }
    assert!(end <= b.len() as u64);
    // Fixed-size postings: the format stores them as they lie in memory.
    let postings = TABLE_AT + POSTINGS * ENTRY;
    assert_eq!(read_u64(&b, postings + 8) % 48, 0);
}

/// Bytes that are not on a 16-byte boundary are copied to one; an empty
/// segment opens and finds nothing.
#[test]
fn misaligned_and_empty() {
    let b = sample();
    let mut shifted = vec![0u8; b.len() + 1];
    shifted[1..].copy_from_slice(&b);
    let shifted: SegmentBytes = Arc::new(Shifted(shifted));
    let seg = Segment::open(shifted).expect("opens");
    assert_eq!(
        seg.search("Le chat dort !", 1, 50).expect("ok")[0].payload,
        b"target 0"
    );
    let empty = Segment::from_bytes(SegmentWriter::new(Scorer::Chars).to_bytes()).expect("opens");
    assert!(empty.is_empty());
    assert!(empty.search("x", 5, 1).expect("ok").is_empty());
}

/// The bytes of a buffer after its first byte: misaligned for certain.
struct Shifted(Vec<u8>);

impl AsRef<[u8]> for Shifted {
    fn as_ref(&self) -> &[u8] {
        &self.0[1..]
    }
}

fn problem(r: Result<Segment>) -> String {
    match r {
        Err(Error::Segment { problem, .. }) => problem,
        Err(e) => panic!("not a segment error: {e}"),
        Ok(_) => panic!("a bad segment opened"),
    }
}

/// Truncated, extended, another version, the other byte order, a flipped
/// header bit: refused at open, saying which.
#[test]
fn damaged_headers_are_refused() {
    let b = sample();
    for len in [0, 7, 100, HEADER, b.len() - 16, b.len() - 1] {
        let p = problem(Segment::from_bytes(b[..len].to_vec()));
        assert!(
            p.contains("not an index segment") || p.contains("truncated"),
            "{len}: {p}"
        );
    }
    let mut longer = b.clone();
    longer.extend_from_slice(&[0; 16]);
    assert!(problem(Segment::from_bytes(longer)).contains("truncated"));
    let mut v2 = b.clone();
    v2[8..12].copy_from_slice(&2u32.to_ne_bytes());
    assert!(problem(Segment::from_bytes(v2)).contains("format version 2"));
    let mut other = b.clone();
    other[12..16].copy_from_slice(&0x0403_0201u32.to_ne_bytes());
    assert!(problem(Segment::from_bytes(other)).contains("byte order"));
    for i in 16..HEADER_CRC_AT + 4 {
        let mut d = b.clone();
        d[i] ^= 0x10;
        assert!(
            Segment::from_bytes(d).is_err(),
            "flipped header byte {i} went unseen"
        );
    }
    let e = Segment::open_file(Path::new("/nonexistent/x.seg")).expect_err("no file");
    assert!(
        e.to_string().starts_with("/nonexistent/x.seg: cannot open"),
        "{e}"
    );
}

/// Every byte after the header flipped in turn: the damage is found by
/// `verify`, and neither opening nor searching panics.
#[test]
fn damaged_sections_never_panic() {
    let b = sample();
    let queries = ["Le chat dort !", "Fermer la fenêtre", "!!!", "chien"];
    for i in HEADER..b.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut d = b.clone();
            d[i] ^= flip;
            let Ok(seg) = Segment::from_bytes(d) else {
                continue;
            };
            let in_section = (0..SECTIONS).any(|s| {
                let e = TABLE_AT + s * ENTRY;
                (read_u64(&b, e)..read_u64(&b, e) + read_u64(&b, e + 8)).contains(&(i as u64))
            });
            assert_eq!(seg.verify().is_err(), in_section, "byte {i}");
            for q in queries {
                for min in [1, 50, 100] {
                    let _ = seg.search(q, 3, min);
                    let _ =
                        Segment::brute_force_all(std::slice::from_ref(&seg), q, 3, min, &|_, _| {
                            true
                        });
                }
            }
            let _ = SegmentWriter::new(Scorer::Tmkit).add_live(&[seg], &|_, _| true);
        }
    }
}

/// Segments of different scorers are not searched or merged together.
#[test]
fn mixed_scorers_are_refused() {
    let a = Segment::from_bytes(sample()).expect("opens");
    let b = Segment::from_bytes(SegmentWriter::new(Scorer::Chars).to_bytes()).expect("opens");
    let both = [a.clone(), b];
    assert!(matches!(
        Segment::search_all(&both, "x", 1, 50, &|_, _| true),
        Err(Error::MixedScorers { .. })
    ));
    assert!(SegmentWriter::new(Scorer::Chars)
        .add_live(&[a], &|_, _| true)
        .is_err());
}

/// A segment is shared between threads (a server's workers) and cloned
/// cheaply; the bytes are not copied.
#[test]
fn segments_are_shared_between_threads() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<Segment>();
    let seg = Segment::from_bytes(sample()).expect("opens");
    let copy = seg.clone();
    let hits = std::thread::spawn(move || {
        copy.search("Le chien dort.", 1, 50)
            .expect("ok")
            .into_iter()
            .map(|h| h.hit)
            .collect::<Vec<_>>()
    })
    .join()
    .expect("no panic");
    assert_eq!(hits[0].key, 1);
    assert_eq!(
        plain(&seg.search("Le chien dort.", 1, 50).expect("ok")),
        hits
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Several bytes overwritten at once anywhere after the header (offsets,
    /// lengths, record numbers, texts): no panic, and `verify` sees it.
    #[test]
    fn random_damage_never_panics(
        writes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        q in text(),
    ) {
        let b = sample();
        let mut d = b.clone();
        for (at, v) in &writes {
            d[HEADER + at.index(b.len() - HEADER)] = *v;
        }
        if let Ok(seg) = Segment::from_bytes(d.clone()) {
            if d != b {
                let changed_in_section = (HEADER..b.len()).filter(|&i| d[i] != b[i]).any(|i| {
                    (0..SECTIONS).any(|s| {
                        let e = TABLE_AT + s * ENTRY;
                        (read_u64(&b, e)..read_u64(&b, e) + read_u64(&b, e + 8))
                            .contains(&(i as u64))
                    })
                });
                prop_assert_eq!(seg.verify().is_err(), changed_in_section);
            }
            for min in [1, 50, 100] {
                let _ = seg.search(&q, 3, min);
            }
        }
    }
}
