//! TMX 1.4 and TSV writers.

use std::io::Write;

use tmkit_core::{Attr, Inline, Lang, Note, Prop, Tag, TagKind, Tu, Tuv};

use crate::{
    error::{Error, Result},
    policy,
};

/// The prefix of the prop type under which a DTD-valid document keeps a
/// unit's or variant's vendor attribute (`<prop type="x-tmkit-attr:gitCommit">`);
/// the reader turns such props back into attributes.
pub(crate) const ATTR_PROP: &str = "x-tmkit-attr:";

const TU_ATTRS: &[&str] = &[
    "tuid",
    "o-encoding",
    "datatype",
    "usagecount",
    "lastusagedate",
    "creationtool",
    "creationtoolversion",
    "creationdate",
    "creationid",
    "changedate",
    "segtype",
    "changeid",
    "o-tmf",
    "srclang",
];
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
        })
    }

    /// Writes one unit. A unit without variants, or with text XML 1.0 cannot
    /// hold, is refused with [`Error::Unwritable`] and nothing is written.
    pub fn write_tu(&mut self, tu: &Tu) -> Result<()> {
        if tu.variants.is_empty() {
            return Err(Error::Unwritable {
                message: "the unit has no variant (TMX needs at least one <tuv>)".into(),
            });
        }
        let vendor = self.opts.keep_vendor_markup;
        let out = &mut self.scratch;
        out.clear();
        out.extend_from_slice(b"    <tu");
        let moved = write_attrs(out, &tu.attrs, TU_ATTRS, vendor)?;
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

    /// Closes the document, flushes, and returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.w.write_all(b"  </body>\n</tmx>\n").map_err(io_err)?;
        self.w.flush().map_err(io_err)?;
        Ok(self.w)
    }
}

fn write_tuv(out: &mut Vec<u8>, tuv: &Tuv, opts: &WriteOptions) -> Result<()> {
    let vendor = opts.keep_vendor_markup;
    out.extend_from_slice(b"      <tuv");
    attr(out, "xml:lang", tuv.lang.as_str())?;
    let moved = write_attrs(out, &tuv.attrs, TUV_ATTRS, vendor)?;
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
    allowed: &[&str],
    vendor: bool,
) -> Result<Vec<Prop>> {
    let mut moved = Vec::new();
    for a in attrs {
        let known = allowed.contains(&a.name.as_str());
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

/// Whether XML 1.0 can hold `c` at all (even as a character reference).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
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
            c if !xml_char(c) => return Err(unwritable(c, s)),
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

/// Writes bilingual units as tab-separated `source<TAB>target` lines.
///
/// Tabs, newlines, carriage returns and backslashes in the text are written
/// as `\t`, `\n`, `\r` and `\\`, so each unit is one line. Text is the plain
/// view of each segment (inline codes left out).
#[derive(Debug)]
pub struct TsvWriter<W: Write> {
    w: W,
    source: Lang,
    target: Lang,
    line: String,
}

impl<W: Write> TsvWriter<W> {
    /// A writer of `source`→`target` pairs on `w`.
    pub fn new(w: W, source: Lang, target: Lang) -> TsvWriter<W> {
        TsvWriter {
            w,
            source,
            target,
            line: String::new(),
        }
    }

    /// Writes the unit when it has both languages (source chosen by
    /// [`source_variant`](crate::source_variant)); returns whether it did.
    pub fn write_tu(&mut self, tu: &Tu) -> Result<bool> {
        let Some(src) = policy::find_variant(tu, &self.source) else {
            return Ok(false);
        };
        // The target is looked for among the other variants, by the same
        // rules as the source (exact tag, general/specific, same language).
        let others = || tu.variants.iter().filter(|v| !std::ptr::eq(*v, src));
        let t = &self.target;
        let Some(tgt) = others()
            .find(|v| &v.lang == t)
            .or_else(|| others().find(|v| v.lang.matches(t)))
            .or_else(|| others().find(|v| v.lang.primary() == t.primary()))
        else {
            return Ok(false);
        };
        self.line.clear();
        escape_tsv(&mut self.line, &src.seg.plain_text());
        self.line.push('\t');
        escape_tsv(&mut self.line, &tgt.seg.plain_text());
        self.line.push('\n');
        self.w.write_all(self.line.as_bytes()).map_err(io_err)?;
        Ok(true)
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.w.flush().map_err(io_err)?;
        Ok(self.w)
    }
}

fn escape_tsv(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
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

    #[test]
    fn tsv_escapes_and_pairs() {
        let fr = Lang::parse("fr-FR").unwrap();
        let en = Lang::parse("en").unwrap();
        let mut w = TsvWriter::new(Vec::new(), fr.clone(), en.clone());
        assert!(w
            .write_tu(&Tu::bilingual(fr.clone(), "a\tb", en.clone(), "c\\d\n"))
            .unwrap());
        assert!(!w
            .write_tu(&Tu::bilingual(
                fr.clone(),
                "x",
                Lang::parse("de").unwrap(),
                "y"
            ))
            .unwrap());
        assert_eq!(
            String::from_utf8(w.finish().unwrap()).unwrap(),
            "a\\tb\tc\\\\d\\n\n"
        );
    }
}
