//! The compact binary encoding of stored values.
//!
//! Hand-written rather than serde-based: a self-describing format such as
//! JSON would repeat field names in every unit, and the store needs no
//! schema evolution inside a format version. It adds a few bytes per field
//! to the text.
//! Integers are LEB128 varints, strings a varint length and UTF-8 bytes.
//! The layout is part of the on-disk format: change it only with
//! `FORMAT_VERSION`.

use tmkit_core::{
    Attr, CompactString, Inline, Lang, Note, Prop, Segment, Tag, TagKind, Tu, TuId, Tuv,
};

use crate::{
    error::{corrupt, Result},
    types::{ImportInfo, ImportMeta, ImportState, OnDuplicate, Record, SourceFile},
};

/// Deepest nesting of inline tags accepted when decoding: the one limit the
/// TMX reader also applies, so that whatever is imported decodes, and a
/// damaged value cannot exhaust the stack.
const MAX_DEPTH: usize = Segment::MAX_DEPTH;

pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer {
            buf: Vec::with_capacity(256),
        }
    }

    pub(crate) fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.buf.push(0),
            Some(s) => {
                self.buf.push(1);
                self.str(s);
            }
        }
    }

    /// A length-prefixed list, each item written by `item`; read back by
    /// `Reader::list`.
    fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        self.uint(items.len() as u64);
        for i in items {
            item(self, i);
        }
    }

    fn attrs(&mut self, attrs: &[Attr]) {
        self.list(attrs, |w, a| {
            w.str(&a.name);
            w.str(&a.value);
        });
    }

    fn props(&mut self, props: &[Prop]) {
        self.list(props, |w, p| {
            w.opt_str(p.kind.as_deref());
            w.attrs(&p.attrs);
            w.str(&p.value);
        });
    }

    fn notes(&mut self, notes: &[Note]) {
        self.list(notes, |w, n| {
            w.attrs(&n.attrs);
            w.str(&n.value);
        });
    }

    fn inlines(&mut self, items: &[Inline]) {
        self.uint(items.len() as u64);
        for item in items {
            match item {
                Inline::Text(t) => {
                    self.buf.push(0);
                    self.str(t);
                }
                Inline::Tag(tag) => {
                    let code = match &tag.kind {
                        TagKind::Bpt => 1,
                        TagKind::Ept => 2,
                        TagKind::It => 3,
                        TagKind::Ph => 4,
                        TagKind::Hi => 5,
                        TagKind::Ut => 6,
                        TagKind::Sub => 7,
                        TagKind::Other(_) => 8,
                    };
                    self.buf.push(code);
                    if let TagKind::Other(name) = &tag.kind {
                        self.str(name);
                    }
                    self.attrs(&tag.attrs);
                    self.inlines(&tag.content);
                }
            }
        }
    }

    pub(crate) fn tu(&mut self, tu: &Tu) {
        self.attrs(&tu.attrs);
        self.props(&tu.props);
        self.notes(&tu.notes);
        self.uint(tu.variants.len() as u64);
        for v in &tu.variants {
            self.str(v.lang.as_str());
            self.opt_str(v.lang_original.as_deref());
            self.attrs(&v.attrs);
            self.props(&v.props);
            self.notes(&v.notes);
            self.inlines(&v.seg.items);
        }
    }
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    fn fail<T>(&self, what: &str) -> Result<T> {
        Err(corrupt(format!(
            "{what} at byte {} of a {}-byte value",
            self.pos,
            self.bytes.len()
        )))
    }

    fn byte(&mut self) -> Result<u8> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => self.fail("value ends early"),
        }
    }

    pub(crate) fn uint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.fail("varint too long")
    }

    /// A count of items each taking at least one byte: bounded by what is
    /// left, so a damaged count cannot ask for a huge allocation.
    fn len(&mut self) -> Result<usize> {
        let n = self.uint()?;
        if n > (self.bytes.len() - self.pos) as u64 {
            return self.fail("length beyond the end of the value");
        }
        Ok(n as usize)
    }

    pub(crate) fn str(&mut self) -> Result<String> {
        self.str_ref().map(str::to_string)
    }

    /// A short string (names, attribute and prop values), held inline when
    /// it fits.
    fn small(&mut self) -> Result<CompactString> {
        self.str_ref().map(CompactString::from)
    }

    fn str_ref(&mut self) -> Result<&'a str> {
        let n = self.len()?;
        let bytes: &'a [u8] = self.bytes;
        let slice = &bytes[self.pos..self.pos + n];
        match std::str::from_utf8(slice) {
            Ok(s) => {
                self.pos += n;
                Ok(s)
            }
            Err(_) => self.fail("invalid UTF-8"),
        }
    }

    fn opt_str(&mut self) -> Result<Option<String>> {
        match self.byte()? {
            0 => Ok(None),
            1 => Ok(Some(self.str()?)),
            _ => self.fail("bad option tag"),
        }
    }

    fn opt_small(&mut self) -> Result<Option<CompactString>> {
        match self.byte()? {
            0 => Ok(None),
            1 => Ok(Some(self.small()?)),
            _ => self.fail("bad option tag"),
        }
    }

    pub(crate) fn lang(&mut self) -> Result<Lang> {
        let s = self.str_ref()?;
        Lang::parse(s).map_err(|e| corrupt(format!("stored language: {e}")))
    }

    /// A length-prefixed list, each item read by `item`: the one shape of
    /// every list in the encoding (attributes, props, notes, inline items,
    /// variants).
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }

    fn attrs(&mut self) -> Result<Vec<Attr>> {
        self.list(|r| {
            Ok(Attr {
                name: r.small()?,
                value: r.small()?,
            })
        })
    }

    fn props(&mut self) -> Result<Vec<Prop>> {
        self.list(|r| {
            Ok(Prop {
                kind: r.opt_small()?,
                attrs: r.attrs()?,
                value: r.small()?,
            })
        })
    }

    fn notes(&mut self) -> Result<Vec<Note>> {
        self.list(|r| {
            Ok(Note {
                attrs: r.attrs()?,
                value: r.str()?,
            })
        })
    }

    fn inlines(&mut self, depth: usize) -> Result<Vec<Inline>> {
        if depth > MAX_DEPTH {
            return self.fail("inline tags nested too deep");
        }
        self.list(|r| {
            let kind = match r.byte()? {
                0 => return Ok(Inline::Text(r.str()?)),
                1 => TagKind::Bpt,
                2 => TagKind::Ept,
                3 => TagKind::It,
                4 => TagKind::Ph,
                5 => TagKind::Hi,
                6 => TagKind::Ut,
                7 => TagKind::Sub,
                8 => TagKind::Other(r.str()?),
                _ => return r.fail("bad inline tag code"),
            };
            Ok(Inline::Tag(Tag {
                kind,
                attrs: r.attrs()?,
                content: r.inlines(depth + 1)?,
            }))
        })
    }

    pub(crate) fn tu(&mut self) -> Result<Tu> {
        let attrs = self.attrs()?;
        let props = self.props()?;
        let notes = self.notes()?;
        let variants = self.list(|r| {
            Ok(Tuv {
                lang: r.lang()?,
                lang_original: r.opt_str()?,
                attrs: r.attrs()?,
                props: r.props()?,
                notes: r.notes()?,
                seg: Segment {
                    items: r.inlines(0)?,
                },
            })
        })?;
        Ok(Tu {
            attrs,
            props,
            notes,
            variants,
        })
    }

    pub(crate) fn finish(&self) -> Result<()> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            self.fail("trailing bytes")
        }
    }
}

/// Encodes a record (its id is the key, not part of the value).
pub(crate) fn encode_record(r: &Record) -> Vec<u8> {
    let mut w = Writer::new();
    w.str(r.src.as_str());
    w.uint(r.batch);
    w.str(&r.file);
    w.uint(r.created);
    w.uint(r.changed);
    w.uint(r.usage);
    w.tu(&r.tu);
    w.buf
}

pub(crate) fn decode_record(id: TuId, bytes: &[u8]) -> Result<Record> {
    let mut r = Reader::new(bytes);
    let rec = Record {
        id,
        src: r.lang()?,
        batch: r.uint()?,
        file: r.str()?,
        created: r.uint()?,
        changed: r.uint()?,
        usage: r.uint()?,
        tu: r.tu()?,
    };
    r.finish()?;
    Ok(rec)
}

pub(crate) fn encode_import(info: &ImportInfo) -> Vec<u8> {
    let mut w = Writer::new();
    w.str(&info.meta.file);
    w.str(info.meta.src.as_str());
    w.buf.push(info.meta.policy.code());
    w.buf.push(match info.state {
        ImportState::Open => 0,
        ImportState::Committed => 1,
        ImportState::Aborted => 2,
    });
    w.uint(info.started);
    w.uint(info.finished.map_or(0, |t| t + 1));
    w.uint(info.batches);
    w.uint(info.consumed);
    for v in [
        info.added,
        info.merged,
        info.replaced,
        info.skipped,
        info.rejected,
    ] {
        w.uint(v);
    }
    w.buf
}

pub(crate) fn decode_import(id: u64, bytes: &[u8]) -> Result<ImportInfo> {
    let mut r = Reader::new(bytes);
    let file = r.str()?;
    let src = r.lang()?;
    let policy = OnDuplicate::from_code(r.byte()?)
        .ok_or_else(|| corrupt(format!("import {id}: bad policy")))?;
    let state = match r.byte()? {
        0 => ImportState::Open,
        1 => ImportState::Committed,
        2 => ImportState::Aborted,
        _ => return Err(corrupt(format!("import {id}: bad state"))),
    };
    let started = r.uint()?;
    let finished = r.uint()?.checked_sub(1);
    let batches = r.uint()?;
    let consumed = r.uint()?;
    let info = ImportInfo {
        id,
        meta: ImportMeta {
            file,
            src,
            policy,
            source: None,
        },
        state,
        started,
        finished,
        batches,
        consumed,
        added: r.uint()?,
        merged: r.uint()?,
        replaced: r.uint()?,
        skipped: r.uint()?,
        rejected: r.uint()?,
    };
    r.finish()?;
    Ok(info)
}

/// The record whose length prefix starts at byte `at` of `bytes`, and the
/// byte after it, if one does: what a salvage of sled's files looks for.
/// A cheap test of the source language's tag comes first, so that most
/// bytes cost no decoding.
pub(crate) fn record_at(bytes: &[u8], at: usize) -> Option<(Record, usize)> {
    let mut r = Reader::new(bytes.get(at..)?);
    let len = usize::try_from(r.uint().ok()?).ok()?;
    let start = at + r.pos;
    let end = start.checked_add(len).filter(|&e| e <= bytes.len())?;
    let tag = *bytes.get(start)? as usize;
    let tag_ok = (2..=35).contains(&tag)
        && bytes
            .get(start + 1..start + 1 + tag)
            .is_some_and(|t| t.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'));
    if !tag_ok || len <= tag + 1 {
        return None;
    }
    decode_record(TuId(0), &bytes[start..end])
        .ok()
        .map(|rec| (rec, end))
}

/// Encodes the identity of an import's file (stored under its own key, so
/// that import values keep the layout of format version 1).
pub(crate) fn encode_source(source: &SourceFile) -> Vec<u8> {
    let mut w = Writer::new();
    w.str(&source.path);
    w.uint(source.size);
    w.uint(source.modified);
    w.buf
}

pub(crate) fn decode_source(bytes: &[u8]) -> Result<SourceFile> {
    let mut r = Reader::new(bytes);
    let source = SourceFile {
        path: r.str()?,
        size: r.uint()?,
        modified: r.uint()?,
    };
    r.finish()?;
    Ok(source)
}

/// A block: entries of (id, payload) with ascending ids, all at least the
/// id in the block's key. Units are stored 64 to a block because sled costs
/// ~10 µs per key on the 2-core test machine whatever the value size: one
/// key per unit and per index entry capped an import at ~7k units/s (see
/// `docs/STORE.md`).
pub(crate) fn encode_block<'a>(
    base: u64,
    entries: impl Iterator<Item = (u64, &'a [u8])>,
) -> Vec<u8> {
    let mut w = Writer::new();
    for (id, payload) in entries {
        w.uint(id.saturating_sub(base));
        w.uint(payload.len() as u64);
        w.buf.extend_from_slice(payload);
    }
    w.buf
}

/// The entries of a block, payloads borrowed.
pub(crate) fn decode_block(base: u64, bytes: &[u8]) -> Result<Vec<(u64, &[u8])>> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::with_capacity(64);
    while r.pos < bytes.len() {
        let id = base
            .checked_add(r.uint()?)
            .ok_or_else(|| corrupt("block id overflows"))?;
        let n = r.len()?;
        out.push((id, &bytes[r.pos..r.pos + n]));
        r.pos += n;
    }
    if out.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(corrupt("block ids out of order"));
    }
    Ok(out)
}

/// Encodes the ids of a change-log entry (ascending, each once): their
/// count, then the first id and the gap from each id to the next, as
/// varints. A batch of 10,000 fresh units takes about 10 KB.
pub(crate) fn encode_ids(ids: &[u64]) -> Vec<u8> {
    let mut w = Writer::new();
    w.uint(ids.len() as u64);
    let mut last = 0;
    for &id in ids {
        w.uint(id - last);
        last = id;
    }
    w.buf
}

/// The ids of a change-log entry. A damaged value (ids not ascending, an
/// id past `u64::MAX`, a count beyond the bytes, bytes left over) is an
/// error.
pub(crate) fn decode_ids(bytes: &[u8]) -> Result<Vec<u64>> {
    let mut r = Reader::new(bytes);
    let n = r.len()?;
    let mut out = Vec::with_capacity(n);
    let mut last = 0u64;
    for i in 0..n {
        let gap = r.uint()?;
        if i > 0 && gap == 0 {
            return r.fail("change-log ids not ascending");
        }
        last = match last.checked_add(gap) {
            Some(id) => id,
            None => return r.fail("change-log id overflows"),
        };
        out.push(last);
    }
    r.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    fn rich_tu() -> Tu {
        let mut tu = Tu::bilingual(lang("en-US"), "Click ", lang("fr-FR"), "Cliquez ");
        tu.set_attr("tuid", "42");
        tu.props.push(Prop::new("x-tmkit-align-confidence", "0.93"));
        tu.notes.push(Note {
            attrs: vec![Attr::new("xml:lang", "en")],
            value: "checked".into(),
        });
        let v = &mut tu.variants[0];
        v.lang_original = Some("EN-US".into());
        v.seg.items.push(Inline::Tag(Tag {
            kind: TagKind::Bpt,
            attrs: vec![Attr::new("i", "1")],
            content: vec![Inline::Text("<b>".into())],
        }));
        v.seg.items.push(Inline::Tag(Tag {
            kind: TagKind::Other("t5:n".into()),
            attrs: vec![],
            content: vec![Inline::Tag(Tag {
                kind: TagKind::Hi,
                attrs: vec![],
                content: vec![],
            })],
        }));
        tu
    }

    #[test]
    fn record_round_trips() {
        let rec = Record {
            id: TuId(7),
            tu: rich_tu(),
            src: lang("en-US"),
            batch: 3,
            file: "a.tmx".into(),
            created: 1_700_000_000,
            changed: 1_700_000_500,
            usage: 300,
        };
        let bytes = encode_record(&rec);
        assert_eq!(decode_record(TuId(7), &bytes).unwrap(), rec);
    }

    #[test]
    fn truncated_or_garbled_values_are_errors_not_panics() {
        let rec = Record {
            id: TuId(1),
            tu: rich_tu(),
            src: lang("en"),
            batch: 0,
            file: String::new(),
            created: 0,
            changed: 0,
            usage: 0,
        };
        let bytes = encode_record(&rec);
        for cut in 0..bytes.len() {
            assert!(
                decode_record(TuId(1), &bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode_record(TuId(1), &long).is_err());
        // A huge count must not allocate.
        assert!(decode_record(
            TuId(1),
            &[2, b'e', b'n', 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]
        )
        .is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut w = Writer::new();
        w.attrs(&[]);
        w.props(&[]);
        w.notes(&[]);
        w.uint(1);
        w.str("en");
        w.buf.push(0);
        w.attrs(&[]);
        w.props(&[]);
        w.notes(&[]);
        for _ in 0..1000 {
            w.uint(1);
            w.buf.push(5);
            w.attrs(&[]);
        }
        w.uint(0);
        assert!(Reader::new(&w.buf).tu().is_err());
    }

    #[test]
    fn import_round_trips() {
        let info = ImportInfo {
            id: 9,
            meta: ImportMeta::new("big.tmx", lang("fr")).policy(OnDuplicate::Skip),
            state: ImportState::Committed,
            started: 5,
            finished: Some(0),
            batches: 2,
            consumed: 20_000,
            added: 1,
            merged: 2,
            replaced: 3,
            skipped: 4,
            rejected: 5,
        };
        assert_eq!(decode_import(9, &encode_import(&info)).unwrap(), info);
    }

    #[test]
    fn change_log_ids_round_trip_and_damage_is_an_error() {
        for ids in [
            vec![],
            vec![0],
            vec![0, 1, 2, 64, 10_000],
            vec![7, u64::MAX],
        ] {
            let bytes = encode_ids(&ids);
            assert_eq!(decode_ids(&bytes).unwrap(), ids);
            for cut in 0..bytes.len() {
                assert!(decode_ids(&bytes[..cut]).is_err(), "{ids:?} cut at {cut}");
            }
        }
        // Consecutive ids take one byte each.
        assert_eq!(
            encode_ids(&(100..200).collect::<Vec<_>>()).len(),
            1 + 1 + 99
        );
        assert!(decode_ids(&[2, 5, 0]).is_err(), "an id given twice");
        assert!(decode_ids(&[1, 5, 0]).is_err(), "bytes left over");
        assert!(decode_ids(&[0xff, 0xff, 0x0f, 1]).is_err(), "a huge count");
        let mut over = encode_ids(&[u64::MAX]);
        over[0] = 2;
        over.push(1);
        assert!(decode_ids(&over).is_err(), "past u64::MAX");
    }
}
