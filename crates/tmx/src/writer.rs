//! The TMX 1.4 writer.

use std::io::Write;

use tmkit_core::{
    forbidden_char, is_xml_char, Attr, CompactString, Inline, Lang, Note, Prop, Tag, TagKind, Tu,
    Tuv,
};

use crate::error::{Error, Result};

/// The prefix of the prop type under which a DTD-valid document keeps a
/// unit's or variant's vendor attribute (`<prop type="x-tmkit-attr:gitCommit">`);
/// the reader turns such props back into attributes.
pub(crate) const ATTR_PROP: &str = "x-tmkit-attr:";

/// The attributes the TMX 1.4b DTD allows on a `<tuv>` (`xml:lang` aside,
/// written on its own); a `<tu>` allows them all too.
const TUV_ATTRS: &[&str] = &[
    "o-encoding",
    "datatype",
    "usagecount",
    "lastusagedate",
    "creationtool",
    "creationtoolversion",
    "creationdate",
    "creationid",
    "changedate",
    "o-tmf",
    "changeid",
];
/// The attributes the DTD allows on a `<tu>` besides [`TUV_ATTRS`].
const TU_ONLY_ATTRS: &[&str] = &["tuid", "segtype", "srclang"];
const PROP_NOTE_ATTRS: &[&str] = &["xml:lang", "o-encoding"];
const DATE_ATTRS: &[&str] = &["creationdate", "changedate", "lastusagedate"];
const SEGTYPES: &[&str] = &["block", "paragraph", "sentence", "phrase"];

/// Settings of a [`TmxWriter`]. Start from [`WriteOptions::new`].
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The header `srclang` (always written).
    pub srclang: Lang,
    /// Keep inline markup (OmegaT's "level 2") rather than plain text ("level 1").
    pub markup: bool,
    /// Header `creationtool`; default `tmkit`.
    pub creationtool: String,
    /// Header `creationtoolversion`; default this crate's version.
    pub creationtoolversion: String,
    /// Header `datatype`; default `plaintext`.
    pub datatype: String,
    /// Header `segtype`: `block`, `paragraph`, `sentence` (default) or `phrase`.
    pub segtype: String,
    /// Header `adminlang`; default `en`.
    pub adminlang: String,
    /// Header `o-tmf`; default `tmkit`.
    pub o_tmf: String,
    /// Header `creationdate` in TMX form (`20240131T120000Z`); `None` writes
    /// the current time.
    pub creationdate: Option<String>,
    /// Header props (written with a `type`, like every prop).
    pub props: Vec<Prop>,
    /// Header notes.
    pub notes: Vec<Note>,
    /// Keep vendor attributes and foreign elements as they are. The output is
    /// then well-formed but no longer valid against `tmx14.dtd`; off by
    /// default.
    pub keep_vendor_markup: bool,
}

impl WriteOptions {
    /// Defaults for a memory whose source language is `srclang`: level 2
    /// (markup kept), DTD-valid output.
    pub fn new(srclang: Lang) -> WriteOptions {
        WriteOptions {
            srclang,
            markup: true,
            creationtool: "tmkit".into(),
            creationtoolversion: env!("CARGO_PKG_VERSION").into(),
            datatype: "plaintext".into(),
            segtype: "sentence".into(),
            adminlang: "en".into(),
            o_tmf: "tmkit".into(),
            creationdate: None,
            props: vec![],
            notes: vec![],
            keep_vendor_markup: false,
        }
    }
}

/// Writes TMX 1.4 documents in UTF-8 that validate against `tmx14.dtd`.
///
/// Each unit is first rendered into a buffer, so a unit that cannot be
/// written ([`Error::Unwritable`]) leaves the document intact.
#[derive(Debug)]
pub struct TmxWriter<W: Write> {
    w: W,
    opts: WriteOptions,
    scratch: Vec<u8>,
    /// Units written without the characters XML 1.0 cannot hold.
    altered: u64,
}

fn io_err(source: std::io::Error) -> Error {
    Error::Io {
        path: "<output>".into(),
        source,
    }
}

impl<W: Write> TmxWriter<W> {
    /// Checks the options and writes the declaration and header on `w`.
    pub fn new(mut w: W, opts: WriteOptions) -> Result<TmxWriter<W>> {
        if !SEGTYPES.contains(&opts.segtype.as_str()) {
            return Err(Error::Unwritable {
                message: format!(
                    "segtype {:?} is not one of block, paragraph, sentence, phrase",
                    opts.segtype
                ),
            });
        }
        let date = match &opts.creationdate {
            Some(d) => tmx_date(d).ok_or_else(|| Error::Unwritable {
                message: format!(
                    "creationdate {d:?} is not a date (expected e.g. 20240131T120000Z)"
                ),
            })?,
            None => now_tmx(),
        };
        let mut out = Vec::new();
        out.extend_from_slice(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n  <header",
        );
        for (name, value) in [
            ("creationtool", opts.creationtool.as_str()),
            ("creationtoolversion", &opts.creationtoolversion),
            ("datatype", &opts.datatype),
            ("segtype", &opts.segtype),
            ("adminlang", &opts.adminlang),
            ("srclang", opts.srclang.as_str()),
            ("o-tmf", &opts.o_tmf),
            ("creationdate", &date),
        ] {
            attr(&mut out, name, value)?;
        }
        if opts.props.is_empty() && opts.notes.is_empty() {
            out.extend_from_slice(b"/>\n");
        } else {
            out.extend_from_slice(b">\n");
            for p in &opts.props {
                write_prop(&mut out, p, "    ", opts.keep_vendor_markup)?;
            }
            for n in &opts.notes {
                write_note(&mut out, n, "    ", opts.keep_vendor_markup)?;
            }
            out.extend_from_slice(b"  </header>\n");
        }
        out.extend_from_slice(b"  <body>\n");
        w.write_all(&out).map_err(io_err)?;
        Ok(TmxWriter {
            w,
            opts,
            scratch: Vec::new(),
            altered: 0,
        })
    }

    /// Writes one unit. A unit without variants is refused with
    /// [`Error::Unwritable`] and nothing is written. Characters XML 1.0
    /// cannot hold (control characters, U+FFFE, U+FFFF), which stores
    /// written before tmkit refused them at import may hold, are left out,
    /// so that an export never stops half-way because of stored text;
    /// [`TmxWriter::units_altered`] counts the units this changed.
    pub fn write_tu(&mut self, tu: &Tu) -> Result<()> {
        if tu.variants.is_empty() {
            return Err(Error::Unwritable {
                message: "the unit has no variant (TMX needs at least one <tuv>)".into(),
            });
        }
        if let Some(clean) = without_forbidden(tu) {
            self.altered += 1;
            return self.write_tu(&clean);
        }
        let vendor = self.opts.keep_vendor_markup;
        let out = &mut self.scratch;
        out.clear();
        out.extend_from_slice(b"    <tu");
        let moved = write_attrs(out, &tu.attrs, &[TUV_ATTRS, TU_ONLY_ATTRS], vendor)?;
        out.extend_from_slice(b">\n");
        for p in tu.props.iter().chain(moved.iter()) {
            write_prop(out, p, "      ", vendor)?;
        }
        for n in &tu.notes {
            write_note(out, n, "      ", vendor)?;
        }
        for tuv in &tu.variants {
            write_tuv(out, tuv, &self.opts)?;
        }
        out.extend_from_slice(b"    </tu>\n");
        self.w.write_all(out).map_err(io_err)
    }

    /// How many units were written without some of their characters,
    /// because XML 1.0 cannot hold them (see [`TmxWriter::write_tu`]): an
    /// export warns about them.
    pub fn units_altered(&self) -> u64 {
        self.altered
    }

    /// Closes the document, flushes, and returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.w.write_all(b"  </body>\n</tmx>\n").map_err(io_err)?;
        self.w.flush().map_err(io_err)?;
        Ok(self.w)
    }
}

/// A copy of `tu` without the characters XML 1.0 cannot hold, or `None`
/// when it has none (nearly always: `forbidden_char` rules most text out
/// with one pass over its bytes).
fn without_forbidden(tu: &Tu) -> Option<Tu> {
    fn bad(s: &str) -> bool {
        forbidden_char(s).is_some()
    }
    fn attrs_bad(attrs: &[Attr]) -> bool {
        attrs.iter().any(|a| bad(&a.name) || bad(&a.value))
    }
    fn props_bad(props: &[Prop]) -> bool {
        props
            .iter()
            .any(|p| p.kind.as_deref().is_some_and(bad) || attrs_bad(&p.attrs) || bad(&p.value))
    }
    fn notes_bad(notes: &[Note]) -> bool {
        notes.iter().any(|n| attrs_bad(&n.attrs) || bad(&n.value))
    }
    fn items_bad(items: &[Inline]) -> bool {
        items.iter().any(|i| match i {
            Inline::Text(t) => bad(t),
            Inline::Tag(tag) => {
                bad(tag.kind.name()) || attrs_bad(&tag.attrs) || items_bad(&tag.content)
            }
        })
    }
    let any = attrs_bad(&tu.attrs)
        || props_bad(&tu.props)
        || notes_bad(&tu.notes)
        || tu.variants.iter().any(|v| {
            attrs_bad(&v.attrs)
                || props_bad(&v.props)
                || notes_bad(&v.notes)
                || items_bad(&v.seg.items)
        });
    if !any {
        return None;
    }
    fn clean(s: &str) -> String {
        s.chars().filter(|&c| is_xml_char(c)).collect()
    }
    fn small(s: &CompactString) -> CompactString {
        CompactString::from(clean(s))
    }
    fn attrs(list: &mut [Attr]) {
        for a in list {
            a.name = small(&a.name);
            a.value = small(&a.value);
        }
    }
    fn props(list: &mut [Prop]) {
        for p in list {
            p.kind = p.kind.as_ref().map(small);
            attrs(&mut p.attrs);
            p.value = small(&p.value);
        }
    }
    fn notes(list: &mut [Note]) {
        for n in list {
            attrs(&mut n.attrs);
            n.value = clean(&n.value);
        }
    }
    fn items(list: &mut [Inline]) {
        for i in list {
            match i {
                Inline::Text(t) => *t = clean(t),
                Inline::Tag(tag) => {
                    if let TagKind::Other(name) = &mut tag.kind {
                        *name = clean(name);
                    }
                    attrs(&mut tag.attrs);
                    items(&mut tag.content);
                }
            }
        }
    }
    let mut tu = tu.clone();
    attrs(&mut tu.attrs);
    props(&mut tu.props);
    notes(&mut tu.notes);
    for v in &mut tu.variants {
        attrs(&mut v.attrs);
        props(&mut v.props);
        notes(&mut v.notes);
        items(&mut v.seg.items);
    }
    Some(tu)
}

fn write_tuv(out: &mut Vec<u8>, tuv: &Tuv, opts: &WriteOptions) -> Result<()> {
    let vendor = opts.keep_vendor_markup;
    out.extend_from_slice(b"      <tuv");
    attr(out, "xml:lang", tuv.lang.as_str())?;
    let moved = write_attrs(out, &tuv.attrs, &[TUV_ATTRS], vendor)?;
    out.extend_from_slice(b">\n");
    for p in tuv.props.iter().chain(moved.iter()) {
        write_prop(out, p, "        ", vendor)?;
    }
    for n in &tuv.notes {
        write_note(out, n, "        ", vendor)?;
    }
    out.extend_from_slice(b"        <seg>");
    if opts.markup {
        write_items(out, &tuv.seg.items, Ctx::Seg, vendor)?;
    } else {
        text(out, &tuv.seg.plain_text())?;
    }
    out.extend_from_slice(b"</seg>\n      </tuv>\n");
    Ok(())
}

/// Writes the attributes the DTD allows on the element (dates put in TMX
/// form); returns the others as props, unless vendor markup is kept.
fn write_attrs(
    out: &mut Vec<u8>,
    attrs: &[Attr],
    allowed: &[&[&str]],
    vendor: bool,
) -> Result<Vec<Prop>> {
    let mut moved = Vec::new();
    for a in attrs {
        let known = allowed.iter().any(|names| names.contains(&a.name.as_str()));
        if !known && !vendor {
            moved.push(Prop::new(format!("{ATTR_PROP}{}", a.name), a.value.clone()));
            continue;
        }
        if DATE_ATTRS.contains(&a.name.as_str()) {
            match tmx_date(&a.value) {
                Some(d) => attr(out, &a.name, &d)?,
                None if vendor => attr(out, &a.name, &a.value)?,
                None => moved.push(Prop::new(format!("{ATTR_PROP}{}", a.name), a.value.clone())),
            }
        } else if a.name == "segtype" && !vendor && !SEGTYPES.contains(&a.value.as_str()) {
            moved.push(Prop::new(format!("{ATTR_PROP}{}", a.name), a.value.clone()));
        } else {
            attr(out, &a.name, &a.value)?;
        }
    }
    Ok(moved)
}

/// The `type` written for a prop: its own, else `x-` + its vendor `name` or
/// `type2` (kept as is when it already starts with `x-`), else `x-untyped`.
pub(crate) fn prop_type(p: &Prop) -> std::borrow::Cow<'_, str> {
    if let Some(kind) = &p.kind {
        return kind.as_str().into();
    }
    match p.label() {
        Some(l) if l.starts_with("x-") => l.into(),
        Some(l) => format!("x-{l}").into(),
        None => "x-untyped".into(),
    }
}

fn write_prop(out: &mut Vec<u8>, p: &Prop, indent: &str, vendor: bool) -> Result<()> {
    out.extend_from_slice(indent.as_bytes());
    out.extend_from_slice(b"<prop");
    attr(out, "type", &prop_type(p))?;
    prop_note_attrs(out, &p.attrs, vendor)?;
    out.push(b'>');
    text(out, &p.value)?;
    out.extend_from_slice(b"</prop>\n");
    Ok(())
}

/// The attributes of a `<prop>` or `<note>`: those TMX defines (a TMX 1.1
/// `lang` written as `xml:lang`), and vendor ones only when kept.
fn prop_note_attrs(out: &mut Vec<u8>, attrs: &[Attr], vendor: bool) -> Result<()> {
    for a in attrs {
        if vendor || PROP_NOTE_ATTRS.contains(&a.name.as_str()) {
            attr(out, &a.name, &a.value)?;
        } else if a.name == "lang" {
            attr(out, "xml:lang", &a.value)?;
        }
    }
    Ok(())
}

fn write_note(out: &mut Vec<u8>, n: &Note, indent: &str, vendor: bool) -> Result<()> {
    out.extend_from_slice(indent.as_bytes());
    out.extend_from_slice(b"<note");
    prop_note_attrs(out, &n.attrs, vendor)?;
    out.push(b'>');
    text(out, &n.value)?;
    out.extend_from_slice(b"</note>\n");
    Ok(())
}

/// Where inline content is written, which decides what the DTD allows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// `<seg>`, `<hi>` and `<sub>`: text, `bpt ept it ph hi ut`.
    Seg,
    /// Inside native code (`bpt ept it ph ut`): text and `sub` only.
    Code,
}

fn write_items(out: &mut Vec<u8>, items: &[Inline], ctx: Ctx, vendor: bool) -> Result<()> {
    for item in items {
        match item {
            Inline::Text(t) => text(out, t)?,
            Inline::Tag(tag) if vendor => write_tag_as_is(out, tag)?,
            Inline::Tag(tag) => write_tag_valid(out, tag, ctx)?,
        }
    }
    Ok(())
}

fn write_tag_as_is(out: &mut Vec<u8>, tag: &Tag) -> Result<()> {
    let name = tag.kind.name();
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    for a in &tag.attrs {
        attr(out, &a.name, &a.value)?;
    }
    if tag.content.is_empty() {
        out.extend_from_slice(b"/>");
        return Ok(());
    }
    out.push(b'>');
    write_items(out, &tag.content, Ctx::Seg, true)?;
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
    Ok(())
}

/// Writes a tag so that the document stays DTD-valid: attributes the DTD
/// does not declare are dropped, a tag not allowed here (a foreign element,
/// `sub` outside native code, a code tag inside code) is unwrapped to its
/// content, and a `bpt`/`ept` without `i` or an `it` without `pos` is
/// written as `ph`.
fn write_tag_valid(out: &mut Vec<u8>, tag: &Tag, ctx: Ctx) -> Result<()> {
    let allowed_here = match (&tag.kind, ctx) {
        (TagKind::Other(_), _) => false,
        (TagKind::Sub, Ctx::Code) => true,
        (TagKind::Sub, Ctx::Seg) => false,
        (_, Ctx::Code) => false,
        (_, Ctx::Seg) => true,
    };
    if !allowed_here {
        let inner = if tag.kind.holds_code() {
            Ctx::Code
        } else {
            ctx
        };
        return write_items(out, &tag.content, inner, false);
    }
    let (name, declared): (&str, &[&str]) = match tag.kind {
        TagKind::Bpt if tag.attr("i").is_some() => ("bpt", &["i", "x", "type"]),
        TagKind::Ept if tag.attr("i").is_some() => ("ept", &["i"]),
        TagKind::It if matches!(tag.attr("pos"), Some("begin" | "end")) => {
            ("it", &["pos", "x", "type"])
        }
        TagKind::Bpt | TagKind::Ept | TagKind::It | TagKind::Ph => ("ph", &["x", "assoc", "type"]),
        TagKind::Hi => ("hi", &["x", "type"]),
        TagKind::Ut => ("ut", &["x"]),
        _ => ("sub", &["datatype", "type"]),
    };
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    for a in &tag.attrs {
        if declared.contains(&a.name.as_str()) {
            attr(out, &a.name, &a.value)?;
        }
    }
    if tag.content.is_empty() {
        out.extend_from_slice(b"/>");
        return Ok(());
    }
    out.push(b'>');
    let inner = if tag.kind.holds_code() {
        Ctx::Code
    } else {
        Ctx::Seg
    };
    write_items(out, &tag.content, inner, false)?;
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
    Ok(())
}

fn unwritable(c: char, s: &str) -> Error {
    let mut shown: String = s.chars().take(40).collect();
    if shown.len() < s.len() {
        shown.push('…');
    }
    Error::Unwritable {
        message: format!(
            "{shown:?} holds U+{:04X}, which XML 1.0 cannot represent; remove it",
            c as u32
        ),
    }
}

fn text(out: &mut Vec<u8>, s: &str) -> Result<()> {
    escape(out, s, false)
}

fn attr(out: &mut Vec<u8>, name: &str, value: &str) -> Result<()> {
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    escape(out, value, true)?;
    out.push(b'"');
    Ok(())
}

/// Escapes `s` for element content or, with `in_attr`, for a double-quoted
/// attribute value, where tabs and line breaks must be character references
/// to survive attribute-value normalization.
fn escape(out: &mut Vec<u8>, s: &str, in_attr: bool) -> Result<()> {
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let rep: &[u8] = match c {
            '&' => b"&amp;",
            '<' => b"&lt;",
            '>' if !in_attr => b"&gt;",
            '"' if in_attr => b"&quot;",
            '\t' if in_attr => b"&#x9;",
            '\n' if in_attr => b"&#xA;",
            '\r' => b"&#xD;",
            c if !is_xml_char(c) => return Err(unwritable(c, s)),
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[last..i]);
        out.extend_from_slice(rep);
        last = i + c.len_utf8();
    }
    out.extend_from_slice(&s.as_bytes()[last..]);
    Ok(())
}

/// A date in TMX form (`YYYYMMDDThhmmssZ`), from that form or from ISO 8601
/// (`2024-01-31T12:00:00Z`, `2024-01-31 12:00:00`, `2024-01-31`); `None`
/// when the value is not such a date.
pub(crate) fn tmx_date(value: &str) -> Option<String> {
    let v = value.trim();
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = v
        .chars()
        .all(|c| c.is_ascii_digit() || "-:TZ .".contains(c));
    if !shape_ok {
        return None;
    }
    let (date, time) = match digits.len() {
        8 => (&digits[..8], "000000"),
        n if n >= 14 => (&digits[..8], &digits[8..14]),
        _ => return None,
    };
    let num = |s: &str| s.parse::<u32>().ok();
    let (mo, d, h, mi, s) = (
        num(&date[4..6])?,
        num(&date[6..8])?,
        num(&time[..2])?,
        num(&time[2..4])?,
        num(&time[4..6])?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(format!("{date}T{time}Z"))
}

/// The current UTC time in TMX form.
fn now_tmx() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_put_in_tmx_form() {
        assert_eq!(
            tmx_date("20240131T120000Z").as_deref(),
            Some("20240131T120000Z")
        );
        assert_eq!(
            tmx_date("2024-01-31T12:00:05Z").as_deref(),
            Some("20240131T120005Z")
        );
        assert_eq!(tmx_date("2024-01-31").as_deref(), Some("20240131T000000Z"));
        assert_eq!(tmx_date("yesterday"), None);
        assert_eq!(tmx_date("20241331T000000Z"), None);
        let now = now_tmx();
        assert_eq!(tmx_date(&now).as_deref(), Some(now.as_str()));
        assert!(now.starts_with("20"), "{now}");
    }

    #[test]
    fn escaping_and_refusals() {
        let mut out = Vec::new();
        text(&mut out, "a<b>&c\r").unwrap();
        assert_eq!(out, b"a&lt;b&gt;&amp;c&#xD;");
        out.clear();
        attr(&mut out, "n", "\"x\"\t").unwrap();
        assert_eq!(out, b" n=\"&quot;x&quot;&#x9;\"");
        assert!(matches!(
            text(&mut out, "bad\u{1}"),
            Err(Error::Unwritable { .. })
        ));
    }

    #[test]
    fn props_always_get_a_type() {
        let named = Prop {
            kind: None,
            attrs: vec![Attr::new("name", "origin")],
            value: "v".into(),
        };
        assert_eq!(prop_type(&named), "x-origin");
        let x = Prop {
            kind: None,
            attrs: vec![Attr::new("type2", "x-Client")],
            value: "v".into(),
        };
        assert_eq!(prop_type(&x), "x-Client");
        let bare = Prop {
            kind: None,
            attrs: vec![],
            value: "v".into(),
        };
        assert_eq!(prop_type(&bare), "x-untyped");
    }
}
