//! The streaming TMX reader.

use std::{
    borrow::Cow,
    fs::File,
    io::BufRead,
    path::Path,
    str::Utf8Error,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use quick_xml::{
    events::{BytesStart, BytesText, Event},
    Reader as XmlReader,
};
use tmkit_core::{
    forbidden_char, Attr, CompactString, Inline, Lang, Note, Prop, Segment, Tag, TagKind, Tu, Tuv,
};

use crate::{
    ahead::{Ahead, Spans},
    decode,
    error::{Diagnostic, Error, Result},
    guard::Cuts,
    policy,
    text::{expand, forbidden_message},
    writer::ATTR_PROP,
};

/// The `<header>` of a TMX file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// The `version` attribute of `<tmx>`, as written.
    pub version: Option<String>,
    /// The header `srclang`, normalized; `None` when missing, `*all*`, or not
    /// a language tag.
    pub srclang: Option<Lang>,
    /// All header attributes, as written (including `srclang`).
    pub attrs: Vec<Attr>,
    /// Header props.
    pub props: Vec<Prop>,
    /// Header notes.
    pub notes: Vec<Note>,
    /// User-defined encodings (`<ude>` with their `<map>`s).
    pub udes: Vec<Ude>,
}

impl Header {
    /// The value of header attribute `name`, as written.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }
}

/// A `<ude>` of the header: a user-defined encoding and its character maps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ude {
    /// Its attributes (`name`, `base`).
    pub attrs: Vec<Attr>,
    /// The attributes of each `<map>` (`unicode`, `code`, `ent`, `subst`).
    pub maps: Vec<Vec<Attr>>,
}

/// How much one unit may hold. What exceeds a limit
/// costs the unit ([`Error::Tu`], with its position) and reading goes on;
/// memory stays bounded by these limits whatever the file, or the archive it
/// comes in, expands to. The defaults are in `docs/TMX.md`; set them with
/// [`TmxReader::limits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of text one `<seg>` holds, the content of its inline tags
    /// included, references expanded (1 MiB by default).
    pub segment: u64,
    /// Bytes one attribute value holds, references expanded (64 KiB by
    /// default).
    pub attribute: u64,
    /// Bytes of one `<tu>` element, from `<tu` to `</tu>` (16 MiB by
    /// default). It also bounds what the reader holds of any one text, tag or
    /// comment of a streamed file, inside a unit or not.
    pub unit: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            segment: 1 << 20,
            attribute: 64 << 10,
            unit: 16 << 20,
        }
    }
}

/// The unit being read: where it starts (byte offset and position) and how
/// deep its `<tu>` is.
#[derive(Clone, Copy, Debug)]
struct Unit {
    start: u64,
    loc: Loc,
    depth: usize,
    /// Set once the unit broke a size limit: the rest of it is skipped.
    over: bool,
}

/// The body size above which a document in memory is parsed ahead by
/// default: below it, starting a thread costs more than it saves.
const AHEAD_MIN: usize = 1024 * 1024;

/// TMX versions that exist; anything else is read as 1.4 with a warning.
const VERSIONS: &[&str] = &["1.1", "1.2", "1.3", "1.4", "1.4a", "1.4b"];

/// Header attributes the TMX 1.4 DTD requires.
const REQUIRED_HEADER: &[&str] = &[
    "creationtool",
    "creationtoolversion",
    "segtype",
    "o-tmf",
    "adminlang",
    "srclang",
    "datatype",
];

/// A place in the decoded text. Readers over a stream count lines as they
/// go ([`Loc::At`]); readers over bytes in memory keep only the offset and
/// work out line and column when a message needs them ([`Loc::Offset`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    /// 1-based line, 1-based column in characters (0, 0: no position).
    At { line: u64, column: u64 },
    /// Byte offset from the start of the parsed text.
    Offset(u64),
}

impl Default for Loc {
    fn default() -> Loc {
        Loc::At { line: 0, column: 0 }
    }
}

/// Line and column bookkeeping, advanced over the raw bytes of each event so
/// that positions never need the text to be kept (streamed input).
#[derive(Debug)]
struct Pos {
    offset: u64,
    line: u64,
    /// Characters since the last newline.
    col: u64,
}

impl Pos {
    fn loc(&self) -> Loc {
        Loc::At {
            line: self.line,
            column: self.col + 1,
        }
    }

    /// Advances over `raw`, the content of an event spanning `consumed`
    /// bytes of which the first `lead` are markup before `raw`.
    fn advance(&mut self, raw: &[u8], consumed: u64, lead: u64) {
        let extra = consumed.saturating_sub(raw.len() as u64);
        // Most events hold no newline and only ASCII: `contains` and
        // `is_ascii` check that a word at a time, and characters are counted
        // (eight bytes at a time) only otherwise. Measured with `valgrind
        // --tool=cachegrind examples/readtime gen:20000 1` (instructions,
        // whole process): two counting passes over every event 733 M, a
        // word-at-a-time counting loop 715 M, one vectorized pass 662 M, this
        // 663 M, kept as the simplest; events are short, so the call costs
        // more than the bytes. Again on the streamed path
        // (`readtime gen:20000 1 stream`): this 653 M, one word-at-a-time
        // pass that finds newlines and counts characters together 658 M.
        if !raw.contains(&b'\n') {
            self.col += if raw.is_ascii() {
                raw.len() as u64
            } else {
                chars(raw)
            } + extra;
        } else {
            let newlines = raw.iter().filter(|&&b| b == b'\n').count() as u64;
            let last = raw.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            self.line += newlines;
            self.col = chars(&raw[last + 1..]) + extra.saturating_sub(lead);
        }
        self.offset += consumed;
    }
}

/// Positions of a document held in memory, worked out from byte offsets only
/// when a message needs one. Messages are rare, so scanning the bytes between
/// two of them beats counting every event as it is read: `valgrind
/// --tool=cachegrind --cache-sim=no examples/readtime gen:20000 1` (whole
/// process) went from 663 M to 615 M instructions with this alone.
#[derive(Debug)]
struct Lines<'a> {
    text: &'a [u8],
    /// Where offset 0 is in `text` (after a byte-order mark).
    start: usize,
    /// The last position worked out: byte index in `text`, line, and
    /// characters since the last newline. Messages come roughly in document
    /// order, so each is found by scanning from the previous one.
    at: usize,
    line: u64,
    col: u64,
}

impl Lines<'_> {
    /// Line and column (both 1-based) of `offset`.
    fn resolve(&mut self, offset: u64) -> (u64, u64) {
        let text = self.text;
        let target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .saturating_add(self.start)
            .min(text.len());
        let (line, col) = if target >= self.at {
            let gap = &text[self.at..target];
            match gap.iter().rposition(|&b| b == b'\n') {
                None => (self.line, self.col + chars(gap)),
                Some(last) => (self.line + newlines(gap), chars(&gap[last + 1..])),
            }
        } else {
            // Back to an earlier place (a unit's start after a later
            // problem in it): undo the lines in between.
            let gap = &text[target..self.at];
            match newlines(gap) {
                0 => (self.line, self.col.saturating_sub(chars(gap))),
                n => {
                    let line_start = text[..target]
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(self.start, |i| i + 1);
                    (
                        self.line.saturating_sub(n),
                        chars(&text[line_start.min(target)..target]),
                    )
                }
            }
        };
        self.at = target;
        self.line = line;
        self.col = col;
        (line, col + 1)
    }
}

/// How many newlines `bytes` holds.
fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Characters in UTF-8 bytes: the bytes that do not continue a sequence
/// (`10xxxxxx`), counted eight at a time. A continuation byte has its top bit
/// set and the next one clear: `w & !(w << 1)` keeps, in each byte's top bit,
/// "bit 7 set and bit 6 clear". Streamed reading (`readtime gen:20000 1
/// stream`, whole process): 654 M instructions counting byte by byte, 653 M
/// with this; in-memory reading counts only for messages.
fn chars(bytes: &[u8]) -> u64 {
    const TOP: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut continuing = 0u64;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        continuing += u64::from((w & !(w << 1) & TOP).count_ones());
    }
    let tail = words
        .remainder()
        .iter()
        .filter(|&&b| b & 0xC0 == 0x80)
        .count() as u64;
    bytes.len() as u64 - continuing - tail
}

/// How positions are known: counted as events are read, or resolved later.
#[derive(Debug)]
enum Track<'a> {
    Eager(Pos),
    Lazy(Lines<'a>),
}

/// Everything of the reader but the XML parser and its buffer, so that
/// events borrowed from the buffer can be handled while this is updated.
struct State<'a> {
    path: String,
    track: Track<'a>,
    /// The document held in memory, once checked as UTF-8 as a whole (see
    /// [`as_text`]).
    doc: Option<&'a str>,
    /// Whether that document holds no character XML 1.0 forbids, checked
    /// once as a whole: its texts, values and names are then not checked
    /// one by one (`valgrind --tool=cachegrind readtime gen:20000 1`: 678 M
    /// instructions checking each, 654 M with this; 615 M before any check).
    clean: bool,
    /// The attributes of the last tag, when the parser thread split them.
    spans: Spans,
    header: Header,
    warnings: Vec<Diagnostic>,
    /// How many warnings strict mode has already turned into an error.
    strict_seen: usize,
    tus: u64,
    done: bool,
    strict: bool,
    encoding: &'static str,
    replaced: Arc<AtomicBool>,
    replaced_warned: bool,
    /// The source language for the file, once decided.
    source: Option<Lang>,
    /// Language codes as written, already parsed: files repeat a handful of
    /// codes, and parsing each `<tuv>`'s anew showed in profiles.
    langs: Vec<(String, std::result::Result<Lang, String>)>,
    /// Open tags of the segment being read, reused from one `<seg>` to the next.
    frames: Vec<Frame>,
    /// Elements open at the parser's position.
    depth: usize,
    /// The unit being read, if any.
    unit: Option<Unit>,
    /// Where the last unit read (or skipped) starts.
    last_unit: Loc,
    /// Whether the source language was checked against a unit's variants
    /// (see [`TmxReader::source_lang`]).
    source_checked: bool,
    limits: Limits,
    /// What the guard of a stream cut, and how many cuts were seen.
    cuts: Arc<Cuts>,
    cuts_seen: u64,
}

impl State<'_> {
    /// Line and column of `loc`.
    fn at(&mut self, loc: Loc) -> (u64, u64) {
        match (loc, &mut self.track) {
            (Loc::At { line, column }, _) => (line, column),
            (Loc::Offset(offset), Track::Lazy(lines)) => lines.resolve(offset),
            // Offsets are only made by a lazy tracker.
            (Loc::Offset(_), Track::Eager(_)) => (0, 0),
        }
    }

    /// Where the next event starts.
    fn here(&self, position: u64) -> Loc {
        match &self.track {
            Track::Eager(pos) => pos.loc(),
            Track::Lazy(_) => Loc::Offset(position),
        }
    }

    fn warn(&mut self, loc: Loc, message: impl Into<String>) {
        let (line, column) = self.at(loc);
        self.warnings.push(Diagnostic {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        });
    }

    fn syntax(&mut self, loc: Loc, message: impl Into<String>) -> Error {
        self.done = true;
        let (line, column) = self.at(loc);
        Error::Syntax {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    fn not_tmx(&mut self, loc: Loc, message: impl Into<String>) -> Error {
        self.done = true;
        let (line, column) = self.at(loc);
        Error::NotTmx {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    /// Parses a language code through the cache of codes seen.
    fn lang(&mut self, code: &str) -> std::result::Result<Lang, String> {
        if let Some((_, parsed)) = self.langs.iter().find(|(c, _)| c == code) {
            return parsed.clone();
        }
        let parsed = Lang::parse(code).map_err(|e| e.to_string());
        // Bounded, so a file with a fresh code per unit cannot grow it.
        if self.langs.len() < 64 {
            self.langs.push((code.to_string(), parsed.clone()));
        }
        parsed
    }

    /// Where byte `at` of `raw`, the content of the event at `loc` that
    /// starts `lead` bytes into it, is.
    fn loc_in(&self, loc: Loc, raw: &[u8], lead: u64, at: usize) -> Loc {
        let prefix = &raw[..at.min(raw.len())];
        match loc {
            Loc::Offset(offset) => Loc::Offset(offset + lead + prefix.len() as u64),
            Loc::At { line, column } => match memchr::memrchr(b'\n', prefix) {
                None => Loc::At {
                    line,
                    column: column + lead + chars(prefix),
                },
                Some(last) => Loc::At {
                    line: line + newlines(prefix),
                    column: chars(&prefix[last + 1..]) + 1,
                },
            },
        }
    }

    /// The error that ends a unit larger than the unit limit (or holding
    /// a text that long, which the guard of a stream cut): the rest of the
    /// unit is then skipped by [`next_unit`].
    fn over(&mut self) -> Result<()> {
        match &mut self.unit {
            Some(unit) if !unit.over => {
                unit.over = true;
                let loc = unit.loc;
                let message = format!(
                    "the unit holds more than {} bytes, or a text longer than that (the unit \
                     size limit): skipped; check the file, or raise the limit",
                    self.limits.unit
                );
                Err(self.tu_error(loc, message))
            }
            _ => Ok(()),
        }
    }

    fn tu_error(&mut self, loc: Loc, message: String) -> Error {
        let (line, column) = self.at(loc);
        Error::Tu {
            path: self.path.clone(),
            line,
            column,
            message,
        }
    }
}

/// Configures an XML parser as every TMX reader needs it (this one's and
/// the one that parses ahead): text kept as written, end tags checked
/// against start tags, `<a/>` kept as one event.
pub(crate) fn configure<R>(xml: &mut XmlReader<R>) {
    let config = xml.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;
}

/// The XML parser: over a stream, copying each event into a buffer, or
/// over a document in memory, handing out events that point into it.
enum Xml<'a> {
    Stream(XmlReader<Box<dyn BufRead + Send>>, Vec<u8>),
    Slice(XmlReader<&'a [u8]>),
    /// Over a document in memory, parsed by a second thread (see `ahead`).
    Ahead(Ahead<'a>),
}

impl<'a> Xml<'a> {
    /// The parser over `src`, configured as every TMX reader needs it.
    fn new(src: decode::Src<'a>) -> Xml<'a> {
        match src {
            decode::Src::Stream(src) => {
                let mut xml = XmlReader::from_reader(src);
                configure(&mut xml);
                Xml::Stream(xml, Vec::with_capacity(4096))
            }
            decode::Src::Slice(bytes) => {
                let mut xml = XmlReader::from_reader(bytes);
                configure(&mut xml);
                Xml::Slice(xml)
            }
        }
    }

    /// The next event, with the parser's position after it (or, on an
    /// error, where the error was found).
    #[inline]
    fn read(&mut self, spans: &mut Spans) -> (quick_xml::Result<Event<'_>>, u64) {
        /// Where the parser is after an event, or where it found an error.
        fn at<R>(xml: &XmlReader<R>, ok: bool) -> u64 {
            if ok {
                xml.buffer_position()
            } else {
                xml.error_position()
            }
        }
        match self {
            Xml::Stream(xml, buf) => {
                buf.clear();
                let event = xml.read_event_into(buf);
                let at = at(xml, event.is_ok());
                (event, at)
            }
            Xml::Slice(xml) => {
                let event = xml.read_event();
                let at = at(xml, event.is_ok());
                (event, at)
            }
            Xml::Ahead(ahead) => ahead.read(spans),
        }
    }

    /// Bytes read so far.
    fn buffer_position(&self) -> u64 {
        match self {
            Xml::Stream(xml, _) => xml.buffer_position(),
            Xml::Slice(xml) => xml.buffer_position(),
            Xml::Ahead(ahead) => ahead.position(),
        }
    }
}

/// The first problem met in a unit; the unit is read to its end regardless.
type Soft = Option<(Loc, String)>;

fn soft(slot: &mut Soft, loc: Loc, message: impl Into<String>) {
    if slot.is_none() {
        *slot = Some((loc, message.into()));
    }
}

/// Reads translation units from a TMX document, one at a time.
///
/// Made by [`TmxReader::from_path`] or [`TmxReader::from_slice`], which read
/// up to `<body>`, so that [`TmxReader::header`] is known; then each call to
/// `next` reads one `<tu>`. Memory stays bounded by the largest unit, not the
/// file (`.zip` archives excepted: see [`TmxReader::from_path`]).
///
/// An `Err` item is either soft ([`Error::Tu`]: that unit is skipped and the
/// iteration goes on) or fatal (the iteration ends after it); see
/// [`Error::is_fatal`]. Non-error remarks accumulate in
/// [`TmxReader::warnings`].
pub struct TmxReader<'a> {
    xml: Xml<'a>,
    st: State<'a>,
    /// Whether to parse ahead on a second thread (`None`: by size).
    ahead: Option<bool>,
    /// Whether that was decided (at the first unit).
    ahead_decided: bool,
    /// Bytes handed to that thread at a time.
    ahead_chunk: usize,
}

impl std::fmt::Debug for TmxReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TmxReader")
            .field("path", &self.st.path)
            .field("encoding", &self.st.encoding)
            .field("tus_seen", &self.st.tus)
            .finish_non_exhaustive()
    }
}

impl<'a> TmxReader<'a> {
    /// Opens a TMX file: plain, gzip-compressed (`.tmx.gz`, recognized by its
    /// magic bytes) or a `.zip` archive holding a `.tmx` (read into memory
    /// whole, as zip keeps its directory at the end); the encoding is found
    /// from the byte-order mark, then the XML declaration, then UTF-8.
    pub fn from_path(path: &Path) -> Result<TmxReader<'static>> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| Error::Io {
            path: name.clone(),
            source,
        })?;
        let opened = decode::open(Box::new(file)).map_err(|source| Error::Io {
            path: name.clone(),
            source,
        })?;
        TmxReader::start(opened, name)
    }

    /// Reads a TMX document from any byte stream (a socket, a pipe, a
    /// decompressor); `name` is used in messages. Detection is as for
    /// [`TmxReader::from_path`].
    pub fn from_reader(
        reader: impl std::io::Read + Send + 'static,
        name: &str,
    ) -> Result<TmxReader<'static>> {
        let opened = decode::open(Box::new(reader)).map_err(|source| Error::Io {
            path: name.to_string(),
            source,
        })?;
        TmxReader::start(opened, name.to_string())
    }

    /// Reads a TMX document held in memory (any encoding, possibly gzipped
    /// or zipped); `name` is used in messages. A UTF-8 document is parsed
    /// where it lies, without a copy.
    pub fn from_slice(bytes: &'a [u8], name: &str) -> Result<TmxReader<'a>> {
        let opened = decode::open_bytes(bytes).map_err(|source| Error::Io {
            path: name.to_string(),
            source,
        })?;
        TmxReader::start(opened, name.to_string())
    }

    fn start(opened: decode::Opened<'a>, path: String) -> Result<TmxReader<'a>> {
        let xml = Xml::new(opened.src);
        let mut st = State {
            path,
            doc: None,
            clean: false,
            spans: Spans::default(),
            track: match opened.text {
                Some((text, start)) => Track::Lazy(Lines {
                    text,
                    start,
                    at: start,
                    line: 1,
                    col: 0,
                }),
                None => Track::Eager(Pos {
                    offset: 0,
                    line: 1,
                    col: 0,
                }),
            },
            header: Header::default(),
            warnings: vec![],
            strict_seen: 0,
            tus: 0,
            done: false,
            strict: false,
            encoding: opened.encoding,
            replaced: opened.replaced,
            replaced_warned: false,
            source: None,
            langs: Vec::new(),
            frames: Vec::new(),
            depth: 0,
            unit: None,
            last_unit: Loc::default(),
            source_checked: false,
            limits: Limits::default(),
            cuts: opened.cuts,
            cuts_seen: 0,
        };
        for w in opened.warnings {
            st.warn(Loc::default(), w);
        }
        let mut reader = TmxReader {
            xml,
            st,
            ahead: None,
            ahead_decided: false,
            ahead_chunk: crate::ahead::CHUNK,
        };
        reader.read_prolog()?;
        Ok(reader)
    }

    /// Makes any problem fatal: the first warning or broken unit ends the
    /// iteration with [`Error::Strict`] (or the unit's error).
    pub fn strict(mut self, strict: bool) -> TmxReader<'a> {
        self.st.strict = strict;
        self
    }

    /// Whether a second thread parses the XML ahead of this one, for a
    /// UTF-8 document held in memory ([`TmxReader::from_slice`]): on, off,
    /// or (by default) on when the body is larger than 1 MiB and the
    /// machine has more than one core. The units,
    /// warnings and errors are the same either way; streamed and transcoded
    /// input is always parsed on the calling thread.
    pub fn parse_ahead(mut self, on: bool) -> TmxReader<'a> {
        self.ahead = Some(on);
        self
    }

    /// Sets how much one unit may hold (see [`Limits`]). The header, read
    /// when the reader was made, was read under the default limits.
    pub fn limits(mut self, limits: Limits) -> TmxReader<'a> {
        self.st.limits = limits;
        self.st
            .cuts
            .limit
            .store(limits.unit, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// Line and column (1-based) of the `<tu>` of the unit last returned,
    /// read or skipped; `(0, 0)` before the first. The engine gives them
    /// to units that the store refuses later on.
    pub fn unit_position(&mut self) -> (u64, u64) {
        let loc = self.st.last_unit;
        self.st.at(loc)
    }

    /// Parses ahead in chunks of `bytes` (tests use tiny ones, so that
    /// events straddle chunks).
    #[cfg(test)]
    pub(crate) fn ahead_chunks(mut self, bytes: usize) -> TmxReader<'a> {
        self.ahead = Some(true);
        self.ahead_chunk = bytes;
        self
    }

    /// The header (read when the reader was made).
    pub fn header(&self) -> &Header {
        &self.st.header
    }

    /// The name used in messages (the path, or the name given to `from_slice`).
    pub fn path(&self) -> &str {
        &self.st.path
    }

    /// The encoding the file was decoded from, e.g. `UTF-16LE`.
    pub fn encoding(&self) -> &'static str {
        self.st.encoding
    }

    /// How many `<tu>` elements were seen so far, broken ones included.
    pub fn tus_seen(&self) -> u64 {
        self.st.tus
    }

    /// Warnings so far: problems that did not cost a unit.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.st.warnings
    }

    /// Takes the warnings so far, leaving none.
    pub fn take_warnings(&mut self) -> Vec<Diagnostic> {
        self.st.strict_seen = 0;
        std::mem::take(&mut self.st.warnings)
    }

    /// The source language decided for the file (see `docs/TMX.md`): the
    /// header `srclang` when it names a language; otherwise (missing,
    /// `*all*`, not a tag) the `srclang` of the first unit read, else that
    /// unit's first variant. `None` until then. A header `srclang` that
    /// names no variant of the first unit holding the same primary
    /// language (`EN-GB` over `EN-US` variants) gives way to that variant's
    /// language, with one warning for the file.
    pub fn source_lang(&self) -> Option<&Lang> {
        self.st.source.as_ref()
    }

    /// The source variant of `tu` under the file's policy; see
    /// [`source_variant`](crate::source_variant).
    pub fn source_of<'t>(&self, tu: &'t Tu) -> Option<&'t Tuv> {
        policy::source_variant(tu, self.st.source.as_ref())
    }

    fn read_prolog(&mut self) -> Result<()> {
        let (xml, st) = (&mut self.xml, &mut self.st);
        loop {
            let (event, loc) = next_event(xml, st)?;
            match event {
                Event::DocType(t) if t.windows(8).any(|w| w.eq_ignore_ascii_case(b"<!ENTITY")) => {
                    st.done = true;
                    let (line, column) = st.at(loc);
                    return Err(Error::Refused {
                        path: st.path.clone(),
                        line,
                        column,
                        message: "the DOCTYPE declares entities; tmkit never expands declared \
                                  entities (a guard against entity-expansion attacks such as \
                                  \"billion laughs\"): remove the internal subset"
                            .into(),
                    });
                }
                Event::Start(e) | Event::Empty(e) if e.name().as_ref() != b"tmx" => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    return Err(st.not_tmx(
                        loc,
                        format!(
                            "found root element <{name}>, expected <tmx>: this is not a TMX file"
                        ),
                    ));
                }
                Event::Start(e) => {
                    let attrs = outer_attributes(&e, st, loc)?;
                    check_version(
                        st,
                        attrs
                            .iter()
                            .find(|a| a.name == "version")
                            .map(|a| a.value.to_string()),
                        loc,
                    );
                    break;
                }
                Event::Empty(_) => {
                    st.warn(loc, "empty <tmx/>: no header and no units");
                    st.done = true;
                    return Ok(());
                }
                Event::Text(t) if !is_blank(&t) => {
                    return Err(st.not_tmx(
                        loc,
                        "found text before any element, expected <tmx>: this is not a TMX file",
                    ));
                }
                Event::Eof => {
                    return Err(st.not_tmx(loc, "the document has no root element, expected <tmx>"))
                }
                _ => {}
            }
        }
        let mut seen_header = false;
        loop {
            let (event, loc) = next_event(xml, st)?;
            match event {
                Event::Start(e) if e.name().as_ref() == b"header" => {
                    let attrs = outer_attributes(&e, st, loc)?;
                    read_header_children(xml, st)?;
                    set_header(st, attrs, loc);
                    seen_header = true;
                }
                Event::Empty(e) if e.name().as_ref() == b"header" => {
                    let attrs = outer_attributes(&e, st, loc)?;
                    set_header(st, attrs, loc);
                    seen_header = true;
                }
                Event::Start(e) if e.name().as_ref() == b"body" => {
                    if !seen_header {
                        st.warn(loc, "no <header> before <body>; the source language is taken from the first unit");
                    }
                    return Ok(());
                }
                Event::Empty(e) if e.name().as_ref() == b"body" => {
                    st.done = true;
                    return Ok(());
                }
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    st.warn(loc, format!("unexpected <{name}> in <tmx>, skipped"));
                    skip_element(xml, st)?;
                }
                Event::End(_) => {
                    st.warn(loc, "<tmx> has no <body>: no units");
                    st.done = true;
                    return Ok(());
                }
                Event::Eof => {
                    return Err(st.syntax(loc, "the document ends inside <tmx>, expected <body>"))
                }
                _ => {}
            }
        }
    }

    fn next_tu(&mut self) -> Option<Result<Tu>> {
        if !self.ahead_decided {
            self.ahead_decided = true;
            self.start_ahead();
        }
        next_unit(&mut self.xml, &mut self.st)
    }

    /// For a UTF-8 document in memory, parsed in place so far: checks it as
    /// UTF-8 as a whole (once, rather than each text and value apart), and
    /// hands the body to a second parser thread when that is wanted (the
    /// events are then made from the checked text).
    fn start_ahead(&mut self) {
        let (Xml::Slice(xml), Track::Lazy(lines)) = (&self.xml, &self.st.track) else {
            return;
        };
        let body = usize::try_from(xml.buffer_position()).unwrap_or(usize::MAX);
        let Some(rest) = lines.text.get(lines.start..) else {
            return;
        };
        // simdutf8 checks long text faster than the standard library (4–5 ms
        // for the 37 MB of the bench document, against 6.5–8.5 ms).
        let Ok(doc) = simdutf8::basic::from_utf8(rest) else {
            return;
        };
        self.st.doc = Some(doc);
        self.st.clean = forbidden_char(doc).is_none();
        let wanted = self.ahead.unwrap_or_else(|| {
            doc.len().saturating_sub(body) > AHEAD_MIN
                && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
        });
        if !wanted || self.st.done {
            return;
        }
        if let Some(ahead) = Ahead::start(doc, body, self.ahead_chunk) {
            self.xml = Xml::Ahead(ahead);
        }
    }
}

/// Reads up to the next `<tu>` of the body and reads that unit; `None` at
/// the end of the body.
fn next_unit<'a>(xml: &mut Xml<'a>, st: &mut State<'a>) -> Option<Result<Tu>> {
    loop {
        let (event, loc) = match next_event(xml, st) {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        match event {
            Event::Start(e) if e.name().as_ref() == b"tu" => {
                st.tus += 1;
                st.last_unit = loc;
                let mut slot: Soft = None;
                let attrs = match attributes(&e, st, loc, &mut slot) {
                    Ok(a) => a,
                    Err(e) => return Some(Err(e)),
                };
                st.unit = Some(Unit {
                    start: xml.buffer_position(),
                    loc,
                    depth: st.depth,
                    over: false,
                });
                let tu = read_tu(xml, st, attrs, loc, slot);
                let unit = st.unit.take();
                if let Some(unit) = unit.filter(|u| u.over) {
                    // The unit broke a size limit: skip what is left of it.
                    while st.depth >= unit.depth {
                        match next_event(xml, st) {
                            Ok((Event::Eof, loc)) => {
                                return Some(Err(st.syntax(
                                    loc,
                                    "the document ends inside <tu>: the file is truncated",
                                )))
                            }
                            Ok(_) => {}
                            Err(e) => return Some(Err(e)),
                        }
                    }
                }
                return Some(tu);
            }
            Event::Empty(e) if e.name().as_ref() == b"tu" => {
                st.tus += 1;
                st.last_unit = loc;
                return Some(Err(st.tu_error(loc, "<tu> has no <tuv>".into())));
            }
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                st.warn(loc, format!("unexpected <{name}> in <body>, skipped"));
                if let Err(e) = skip_element(xml, st) {
                    return Some(Err(e));
                }
            }
            Event::End(e) if e.name().as_ref() == b"tmx" => {
                st.done = true;
                return None;
            }
            Event::Eof => {
                return Some(Err(st.syntax(
                    loc,
                    "the document ends before </tmx>: the file is truncated",
                )));
            }
            _ => {}
        }
    }
}

impl Iterator for TmxReader<'_> {
    type Item = Result<Tu>;

    fn next(&mut self) -> Option<Result<Tu>> {
        if self.st.done {
            return None;
        }
        let item = self.next_tu();
        if !self.st.replaced_warned && self.st.replaced.load(Ordering::Relaxed) {
            self.st.replaced_warned = true;
            let message = format!(
                "bytes that are not valid {} were replaced by U+FFFD; check the file's encoding",
                self.st.encoding
            );
            self.st.warn(Loc::default(), message);
        }
        if self.st.strict {
            if let Some(Err(e)) = &item {
                if !e.is_fatal() {
                    self.st.done = true;
                    let (line, column) = e.position().unwrap_or((0, 0));
                    let message = match e {
                        Error::Tu { message, .. } => message.clone(),
                        other => other.to_string(),
                    };
                    return Some(Err(Error::Strict(Diagnostic {
                        path: self.st.path.clone(),
                        line,
                        column,
                        message,
                    })));
                }
            }
            if self.st.warnings.len() > self.st.strict_seen {
                self.st.done = true;
                let first = self.st.warnings[self.st.strict_seen].clone();
                self.st.strict_seen = self.st.warnings.len();
                return Some(Err(Error::Strict(first)));
            }
        }
        item
    }
}

/// Reads the next event, keeping the position up to date; returns the
/// event and where it starts. Parser errors are fatal syntax errors.
fn next_event<'x, 'a>(xml: &'x mut Xml<'a>, st: &mut State<'a>) -> Result<(Event<'x>, Loc)> {
    let start = xml.buffer_position();
    if let Some(unit) = st.unit {
        if start.saturating_sub(unit.start) > st.limits.unit {
            st.over()?;
        }
    }
    let loc = st.here(start);
    match xml.read(&mut st.spans) {
        (Ok(event), end) => {
            match &event {
                Event::Start(_) => st.depth += 1,
                Event::End(_) => st.depth = st.depth.saturating_sub(1),
                _ => {}
            }
            if let Track::Eager(pos) = &mut st.track {
                let before = pos.offset;
                let consumed = end.saturating_sub(pos.offset);
                let (raw, lead): (&[u8], u64) = match &event {
                    Event::Start(e) | Event::Empty(e) => (e, 1),
                    Event::End(e) => (e, 2),
                    Event::Text(e) => (e, 0),
                    Event::Comment(e) => (e, 4),
                    Event::DocType(e) => (e, 9),
                    Event::CData(e) => (e, 9),
                    Event::PI(e) => (e, 2),
                    Event::Decl(e) => (e, 2),
                    Event::Eof => (&[], 0),
                };
                pos.advance(raw, consumed, lead);
                // Only a stream has a guard, and only a stream counts
                // positions as it goes.
                let made = st.cuts.made.load(Ordering::Relaxed);
                if made != st.cuts_seen {
                    st.cuts_seen = made;
                    for cut in st.cuts.take() {
                        // What the parser got of the event after the cut.
                        let k = usize::try_from(cut.at.saturating_sub(before + lead))
                            .unwrap_or(usize::MAX)
                            .min(raw.len());
                        let after = &raw[k..];
                        if after.contains(&b'\n') {
                            pos.line += cut.newlines;
                        } else if cut.newlines > 0 {
                            pos.line += cut.newlines;
                            let extra = consumed.saturating_sub(raw.len() as u64);
                            pos.col = cut.tail + chars(after) + extra.saturating_sub(lead);
                        } else {
                            pos.col += cut.tail;
                        }
                    }
                    if st.unit.is_some() {
                        st.over()?;
                    } else {
                        let message = format!(
                            "a text longer than {} bytes (the unit size limit) was cut short",
                            st.limits.unit
                        );
                        st.warn(loc, message);
                    }
                }
            }
            Ok((event, loc))
        }
        (Err(err), error_at) => {
            // The failed event's bytes cannot be looked at here (they are
            // borrowed by the error path), so the column is advanced by the
            // bytes between the event start and the error, assumed on one line.
            let (line, column) = st.at(loc);
            let at = Loc::At {
                line,
                column: column + error_at.saturating_sub(start),
            };
            let message = describe(&err);
            Err(st.syntax(at, message))
        }
    }
}

/// A quick-xml error in words a translator can act on.
fn describe(err: &quick_xml::Error) -> String {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match err {
        quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            format!("found </{found}>, expected </{expected}>: the XML is not well-formed")
        }
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            format!("found </{name}> that closes no open element: the XML is not well-formed")
        }
        quick_xml::Error::Syntax(SyntaxError::UnclosedTag) => {
            "found the end of the file inside a tag, expected `>`: the file is truncated or a `<` is not escaped as &lt;".into()
        }
        quick_xml::Error::Syntax(s) => format!("{s}: the XML is not well-formed"),
        quick_xml::Error::InvalidAttr(a) => format!("bad attribute: {a}"),
        quick_xml::Error::Io(e) => e.to_string(),
        other => format!("{other}: the XML is not well-formed"),
    }
}

/// Bytes as text: `from_utf8`'s fast check first, a lossy copy only for
/// invalid bytes (element and attribute names, where they are only shown).
fn utf8(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `bytes` as text. When they lie in `doc` (a document held in memory and
/// checked as UTF-8 as a whole), they are that slice of it, found from
/// their address with no second check; otherwise they are checked.
fn as_text<'b>(doc: Option<&'b str>, bytes: &'b [u8]) -> std::result::Result<&'b str, Utf8Error> {
    if let Some(doc) = doc {
        let start = (bytes.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
        if start <= doc.len() && bytes.len() <= doc.len() - start {
            if let Some(text) = doc.get(start..start + bytes.len()) {
                return Ok(text);
            }
        }
    }
    std::str::from_utf8(bytes)
}

fn is_blank(t: &BytesText) -> bool {
    t.iter().all(|b| b" \t\r\n".contains(b))
}

/// The attributes of a start tag, expanded. A malformed attribute list (or
/// an attribute given twice) is not well-formed XML: fatal. A value that is
/// not UTF-8, holds a reference tmkit does not expand or a character XML
/// 1.0 forbids, or is longer than the attribute limit is filed in `slot`
/// with its position, as a problem in text is: it costs the unit.
fn attributes(e: &BytesStart, st: &mut State<'_>, loc: Loc, slot: &mut Soft) -> Result<Vec<Attr>> {
    attributes_picking(e, st, loc, [b"", b""], slot).map(|(attrs, _)| attrs)
}

/// The attributes of an element outside the units (`<tmx>`, the header):
/// a problem in a value is a warning, and the value is left out.
fn outer_attributes(e: &BytesStart, st: &mut State<'_>, loc: Loc) -> Result<Vec<Attr>> {
    let mut slot: Soft = None;
    let attrs = attributes(e, st, loc, &mut slot)?;
    if let Some((loc, message)) = slot {
        st.warn(loc, format!("{message}; the value is left out"));
    }
    Ok(attrs)
}

/// The values of the picked attributes, borrowed from the tag when they hold
/// no reference.
type Picked<'e> = [Option<Cow<'e, str>>; 2];

/// A start tag whose attributes are being taken, and where they go.
struct Taking<'e, 'o> {
    e: &'e BytesStart<'e>,
    loc: Loc,
    pick: [&'o [u8]; 2],
    out: Vec<Attr>,
    picked: Picked<'e>,
    slot: &'o mut Soft,
}

/// The attributes of a start tag, with the values of the (up to two) `pick`
/// names returned apart: their names are then never allocated, which matters
/// for `xml:lang` and `type` (every `<tuv>` and `<prop>`).
fn attributes_picking<'e, 'a: 'e>(
    e: &'e BytesStart,
    st: &mut State<'a>,
    loc: Loc,
    pick: [&[u8]; 2],
    slot: &mut Soft,
) -> Result<(Vec<Attr>, Picked<'e>)> {
    let mut tag = Taking {
        e,
        loc,
        pick,
        out: Vec::new(),
        picked: [None, None],
        slot,
    };
    // Split by the parser thread already: take them from the document.
    if let (true, Some(doc)) = (st.spans.valid && st.spans.of == e.as_ptr() as usize, st.doc) {
        let spans = std::mem::take(&mut st.spans.list);
        let (first, count) = (st.spans.first, st.spans.count);
        let mut taken = Ok(());
        let mut resolved = true;
        let doc = doc.as_bytes();
        for span in spans.get(first..first + count).unwrap_or_default() {
            let (Some(key), Some(value)) = (
                doc.get(span.key.0..span.key.0 + span.key.1),
                doc.get(span.value.0..span.value.0 + span.value.1),
            ) else {
                resolved = false;
                break;
            };
            taken = take_attr(st, &mut tag, key, Cow::Borrowed(value));
            if taken.is_err() {
                break;
            }
        }
        st.spans.list = spans;
        if resolved {
            return taken.map(|()| (tag.out, tag.picked));
        }
        // A span outside the document (never seen): split them here.
        tag.out.clear();
        tag.picked = [None, None];
    }
    // quick-xml's own duplicate check allocates a list per tag; checking the
    // few attributes of a TMX element here costs nothing.
    for attr in e.attributes().with_checks(false) {
        let attr = match attr {
            Ok(a) => a,
            Err(err) => {
                let (at, what) = describe_attr(&err);
                let at = st.loc_in(loc, e, 1, at);
                return Err(st.syntax(
                    at,
                    format!(
                        "bad attribute in <{}>: {what}: the XML is not well-formed",
                        String::from_utf8_lossy(e.name().as_ref())
                    ),
                ));
            }
        };
        take_attr(st, &mut tag, attr.key.into_inner(), attr.value)?;
    }
    Ok((tag.out, tag.picked))
}

/// Where in the tag a malformed attribute is (a byte offset, which
/// quick-xml's message would show as such), and what is wrong.
fn describe_attr(err: &quick_xml::events::attributes::AttrError) -> (usize, String) {
    use quick_xml::events::attributes::AttrError;
    match *err {
        AttrError::ExpectedEq(at) => (at, "an attribute name must be followed by `=`".into()),
        AttrError::ExpectedValue(at) => (at, "`=` must be followed by a quoted value".into()),
        AttrError::UnquotedValue(at) => (
            at,
            "the attribute value must be in quotes (`\"` or `'`)".into(),
        ),
        AttrError::ExpectedQuote(at, quote) => (
            at,
            format!(
                "the attribute value has no closing quote `{}`",
                quote as char
            ),
        ),
        AttrError::Duplicated(at, _) => (at, "the attribute appears twice".into()),
    }
}

/// An attribute name: the common ones of TMX are static strings (no UTF-8
/// check, no copy); others are short and held inline.
fn attr_name(key: &[u8]) -> CompactString {
    let name = match key {
        b"tuid" => "tuid",
        b"creationdate" => "creationdate",
        b"creationid" => "creationid",
        b"changedate" => "changedate",
        b"changeid" => "changeid",
        b"usagecount" => "usagecount",
        b"lastusagedate" => "lastusagedate",
        b"srclang" => "srclang",
        b"datatype" => "datatype",
        b"segtype" => "segtype",
        b"o-tmf" => "o-tmf",
        b"i" => "i",
        b"x" => "x",
        b"type" => "type",
        b"pos" => "pos",
        _ => return CompactString::from(utf8(key)),
    };
    CompactString::const_new(name)
}

/// Whether a name (of an element or attribute) holds a character XML 1.0
/// forbids: names are short, and the bytes that can start one are few.
fn bad_name(name: &[u8]) -> Option<char> {
    if !name.iter().any(|&b| b < 0x20 || b == 0xEF) {
        return None;
    }
    forbidden_char(&utf8(name)).map(|(_, c)| c)
}

/// Checks one attribute (duplicate, value) and files it under `picked` or
/// `out`, or its problem under the tag's slot.
fn take_attr<'e, 'a: 'e>(
    st: &mut State<'a>,
    tag: &mut Taking<'e, '_>,
    key: &[u8],
    raw: Cow<'e, [u8]>,
) -> Result<()> {
    let e = tag.e;
    let slot = tag.pick.iter().position(|p| !p.is_empty() && *p == key);
    if tag.out.iter().any(|a| a.name.as_bytes() == key)
        || slot.is_some_and(|i| tag.picked[i].is_some())
    {
        let key = String::from_utf8_lossy(key);
        return Err(st.syntax(
            tag.loc,
            format!(
                "attribute {key} appears twice in <{}>: the XML is not well-formed",
                String::from_utf8_lossy(e.name().as_ref())
            ),
        ));
    }
    // Where byte `at` of the value is, for a message.
    let start = (raw.as_ptr() as usize).wrapping_sub(e.as_ptr() as usize);
    let start = if start <= e.len() { start } else { 0 };
    let at = |st: &State<'_>, at: usize| st.loc_in(tag.loc, e, 1, start + at);
    let shown = || String::from_utf8_lossy(key).into_owned();
    if let Some(c) = (!st.clean).then(|| bad_name(key)).flatten() {
        let message = format!("attribute name {:?}: {}", shown(), forbidden_message(c));
        soft(tag.slot, at(st, 0), message);
        return Ok(());
    }
    let text: Cow<'e, str> = match raw {
        Cow::Borrowed(bytes) => match as_text(st.doc, bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(err) => {
                let message = not_utf8(&format!("the value of attribute {}", shown()), &err);
                soft(tag.slot, at(st, err.valid_up_to()), message);
                return Ok(());
            }
        },
        Cow::Owned(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Cow::Owned(text),
            Err(err) => {
                let err = err.utf8_error();
                let message = not_utf8(&format!("the value of attribute {}", shown()), &err);
                soft(tag.slot, at(st, err.valid_up_to()), message);
                return Ok(());
            }
        },
    };
    // Picked values stay borrowed from the tag: the `xml:lang` of every
    // `<tuv>` is only looked up in the language cache: one allocation less
    // per variant (with single-string props: 615 M → 605 M instructions on
    // `readtime gen:20000 1`).
    let expanded = match &text {
        Cow::Borrowed(text) => expand(text, false, !st.clean),
        Cow::Owned(text) => expand(text, false, !st.clean).map(|c| Cow::Owned(c.into_owned())),
    };
    let value = match expanded {
        Ok(value) => value,
        Err(bad) => {
            let message = format!("attribute {}: {}", shown(), bad.message);
            soft(tag.slot, at(st, bad.at), message);
            return Ok(());
        }
    };
    // Counted as held (references expanded), so that what was read is
    // read again once written.
    if value.len() as u64 > st.limits.attribute {
        let message = format!(
            "attribute {} holds {} bytes, more than the attribute limit of {}: check the file, \
             or raise the limit",
            shown(),
            value.len(),
            st.limits.attribute
        );
        soft(tag.slot, at(st, 0), message);
        return Ok(());
    }
    match slot {
        Some(i) => tag.picked[i] = Some(value),
        None => tag.out.push(Attr {
            name: attr_name(key),
            value: CompactString::from(value),
        }),
    }
    Ok(())
}

/// The message for bytes that are not UTF-8 in `what`.
fn not_utf8(what: &str, err: &Utf8Error) -> String {
    format!("{what} is not valid UTF-8 ({err}); check the file's encoding")
}

fn check_version(st: &mut State<'_>, version: Option<String>, loc: Loc) {
    match version.as_deref() {
        None => st.warn(loc, "<tmx> has no version attribute; read as TMX 1.4"),
        Some(v) if VERSIONS.contains(&v.trim()) => {}
        Some(v) => st.warn(
            loc,
            format!(
                "version {v:?} is not a TMX version (1.1, 1.2, 1.3, 1.4, 1.4b); read as TMX 1.4"
            ),
        ),
    }
    st.header.version = version;
}

fn set_header(st: &mut State<'_>, attrs: Vec<Attr>, loc: Loc) {
    let missing: Vec<&str> = REQUIRED_HEADER
        .iter()
        .copied()
        .filter(|n| !attrs.iter().any(|a| a.name == *n))
        .collect();
    if !missing.is_empty() {
        st.warn(
            loc,
            format!(
                "<header> lacks required attribute(s) {}; read anyway",
                missing.join(", ")
            ),
        );
    }
    match attrs
        .iter()
        .find(|a| a.name == "srclang")
        .map(|a| a.value.trim())
    {
        None => st.warn(
            loc,
            "<header> has no srclang: the source language is taken from the first unit",
        ),
        Some(v) if v.eq_ignore_ascii_case("*all*") => {}
        Some(v) => match Lang::parse(v) {
            Ok(lang) => {
                st.header.srclang = Some(lang.clone());
                st.source = Some(lang);
            }
            Err(e) => st.warn(
                loc,
                format!("header srclang: {e}; the source language is taken from the first unit"),
            ),
        },
    }
    st.header.attrs = attrs;
}

fn read_header_children<'a>(xml: &mut Xml<'a>, st: &mut State<'a>) -> Result<()> {
    let mut ignore: Soft = None;
    loop {
        let (event, loc) = next_event(xml, st)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) if e.name().as_ref() == b"ude" => {
                let empty = matches!(event, Event::Empty(_));
                let attrs = outer_attributes(e, st, loc)?;
                let mut ude = Ude {
                    attrs,
                    maps: vec![],
                };
                if !empty {
                    loop {
                        let (event, loc) = next_event(xml, st)?;
                        match event {
                            Event::Empty(ref m) | Event::Start(ref m)
                                if m.name().as_ref() == b"map" =>
                            {
                                let started = matches!(event, Event::Start(_));
                                ude.maps.push(outer_attributes(m, st, loc)?);
                                if started {
                                    skip_element(xml, st)?;
                                }
                            }
                            Event::Start(_) => skip_element(xml, st)?,
                            Event::End(_) => break,
                            Event::Eof => {
                                return Err(st.syntax(loc, "the document ends inside <ude>"))
                            }
                            _ => {}
                        }
                    }
                }
                st.header.udes.push(ude);
            }
            Event::Start(ref e) | Event::Empty(ref e)
                if e.name().as_ref() == b"prop" || e.name().as_ref() == b"note" =>
            {
                let is_prop = e.name().as_ref() == b"prop";
                let empty = matches!(event, Event::Empty(_));
                let attrs = outer_attributes(e, st, loc)?;
                let value = if empty {
                    CompactString::default()
                } else {
                    read_text_content(xml, st, &mut ignore)?
                };
                if let Some((loc, message)) = ignore.take() {
                    st.warn(loc, message);
                }
                if is_prop {
                    st.header.props.push(make_prop(attrs, value));
                } else {
                    st.header.notes.push(Note {
                        attrs,
                        value: value.into_string(),
                    });
                }
            }
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                st.warn(loc, format!("unexpected <{name}> in <header>, skipped"));
                skip_element(xml, st)?;
            }
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(st.syntax(loc, "the document ends inside <header>")),
            _ => {}
        }
    }
}

fn make_prop(mut attrs: Vec<Attr>, value: CompactString) -> Prop {
    let kind = attrs
        .iter()
        .position(|a| a.name == "type")
        .map(|i| attrs.remove(i).value);
    Prop { kind, attrs, value }
}

/// Skips the element whose start tag was just read.
fn skip_element<'a>(xml: &mut Xml<'a>, st: &mut State<'a>) -> Result<()> {
    let mut depth = 1usize;
    while depth > 0 {
        let (event, loc) = next_event(xml, st)?;
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(st.syntax(loc, "the document ends inside an element")),
            _ => {}
        }
    }
    Ok(())
}

/// The text of a text event: expanded, line ends normalized as XML
/// requires (`\r\n` and lone `\r` become `\n`); borrowed when there is
/// nothing to change, which is most text. A problem is the position of its
/// first byte in the event, and what it is.
fn text_of<'t>(
    t: &'t BytesText,
    doc: Option<&'t str>,
    clean: bool,
) -> std::result::Result<Cow<'t, str>, (usize, String)> {
    let raw: &[u8] = t;
    let raw = as_text(doc, raw).map_err(|e| (e.valid_up_to(), not_utf8("the text", &e)))?;
    expand(raw, true, !clean).map_err(|bad| (bad.at, bad.message))
}

/// The text of a CDATA section: only line ends change.
fn cdata_of(c: &[u8]) -> std::result::Result<String, (usize, String)> {
    let text =
        std::str::from_utf8(c).map_err(|e| (e.valid_up_to(), not_utf8("the CDATA section", &e)))?;
    if let Some((at, ch)) = forbidden_char(text) {
        return Err((at, forbidden_message(ch)));
    }
    Ok(normalize_newlines(text.to_string()))
}

/// Files a problem of a text event (`lead` bytes of markup before its
/// content `raw`) at the position of its byte.
fn soft_in(
    st: &State<'_>,
    slot: &mut Soft,
    loc: Loc,
    raw: &[u8],
    lead: u64,
    (at, message): (usize, String),
) {
    if slot.is_none() {
        *slot = Some((st.loc_in(loc, raw, lead, at), message));
    }
}

fn normalize_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The text of a `<prop>` or `<note>` (text of nested elements included),
/// held inline when short, as most prop values are.
fn read_text_content<'a>(
    xml: &mut Xml<'a>,
    st: &mut State<'a>,
    slot: &mut Soft,
) -> Result<CompactString> {
    let mut out = CompactString::default();
    let mut depth = 1usize;
    loop {
        let (event, loc) = next_event(xml, st)?;
        match event {
            Event::Text(t) => match text_of(&t, st.doc, st.clean) {
                Ok(s) => out.push_str(&s),
                Err(bad) => soft_in(st, slot, loc, &t, 0, bad),
            },
            Event::CData(c) => match cdata_of(&c) {
                Ok(s) => out.push_str(&s),
                Err(bad) => soft_in(st, slot, loc, &c, 9, bad),
            },
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return Ok(out);
                }
            }
            Event::Eof => return Err(st.syntax(loc, "the document ends inside an element")),
            _ => {}
        }
    }
}

fn read_tu<'a>(
    xml: &mut Xml<'a>,
    st: &mut State<'a>,
    attrs: Vec<Attr>,
    tu_loc: Loc,
    mut slot: Soft,
) -> Result<Tu> {
    let mut tu = Tu {
        attrs,
        ..Tu::default()
    };
    loop {
        let (event, loc) = next_event(xml, st)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    b"tuv" => {
                        let (mut attrs, [lang, old_lang]) =
                            attributes_picking(e, st, loc, [b"xml:lang", b"lang"], &mut slot)?;
                        // `xml:lang` wins; a TMX 1.1 `lang` beside it stays an attribute.
                        let code = match (lang, old_lang) {
                            (Some(l), Some(old)) => {
                                attrs.push(Attr::new("lang", old.into_owned()));
                                Some(l)
                            }
                            (l, old) => l.or(old),
                        };
                        let head = code.map(|code| match st.lang(&code) {
                            Ok(lang) => {
                                let original = (lang.as_str() != code).then(|| code.into_owned());
                                Ok((lang, original))
                            }
                            Err(e) => Err((code.into_owned(), e)),
                        });
                        let tuv = read_tuv(xml, st, (attrs, head), loc, empty, &mut slot)?;
                        if let Some(tuv) = tuv {
                            tu.variants.push(tuv);
                        }
                    }
                    b"prop" => {
                        let (attrs, [kind, _]) =
                            attributes_picking(e, st, loc, [b"type", b""], &mut slot)?;
                        let kind = kind.map(CompactString::from);
                        let value = if empty {
                            CompactString::default()
                        } else {
                            read_text_content(xml, st, &mut slot)?
                        };
                        tu.props.push(Prop { kind, attrs, value });
                    }
                    b"note" => {
                        let attrs = attributes(e, st, loc, &mut slot)?;
                        let value = if empty {
                            CompactString::default()
                        } else {
                            read_text_content(xml, st, &mut slot)?
                        };
                        tu.notes.push(Note {
                            attrs,
                            value: value.into_string(),
                        });
                    }
                    other => {
                        attributes(e, st, loc, &mut slot)?;
                        let name = String::from_utf8_lossy(other).into_owned();
                        st.warn(loc, format!("unexpected <{name}> in <tu>, skipped"));
                        if !empty {
                            skip_element(xml, st)?;
                        }
                    }
                }
            }
            Event::End(_) => break,
            Event::Text(t) if !is_blank(&t) => {
                st.warn(loc, "text directly inside <tu>, ignored");
            }
            Event::Eof => {
                return Err(st.syntax(loc, "the document ends inside <tu>: the file is truncated"))
            }
            _ => {}
        }
    }
    if tu.variants.is_empty() && slot.is_none() {
        soft(&mut slot, tu_loc, "<tu> has no <tuv>");
    }
    if slot.is_none() && !st.source_checked {
        check_source(st, &tu, tu_loc);
    }
    if slot.is_none() {
        if let Some(src) = &st.source {
            if st.header.srclang.is_some() && policy::declared_source(&tu, src).is_none() {
                soft(
                    &mut slot,
                    tu_loc,
                    format!("<tu> has no <tuv> for {src} (the header srclang)"),
                );
            }
        }
    }
    if let Some((loc, message)) = slot {
        return Err(st.tu_error(loc, message));
    }
    restore_attrs(&mut tu.attrs, &mut tu.props);
    for tuv in &mut tu.variants {
        restore_attrs(&mut tuv.attrs, &mut tuv.props);
    }
    if st.source.is_none() {
        st.source = policy::first_unit_source(&tu);
    }
    Ok(tu)
}

/// Checks the header `srclang` against the variants of the first unit that
/// has one in its language or in the same primary language: when only the
/// latter (an `EN-GB` header over `EN-US` variants, as Trados Workbench
/// wrote), that variant's language becomes the file's source language, with
/// one warning. Without this, the store (which matches a general tag and a
/// regional one, not two regions) refused every unit of such a file.
fn check_source(st: &mut State<'_>, tu: &Tu, tu_loc: Loc) {
    let Some(header) = st.header.srclang.clone() else {
        st.source_checked = true;
        return;
    };
    if tu.variant(&header).is_some() {
        st.source_checked = true;
        return;
    }
    let Some(same) = tu
        .variants
        .iter()
        .find(|v| v.lang.primary() == header.primary())
    else {
        return;
    };
    st.source_checked = true;
    let found = same.lang.clone();
    st.warn(
        tu_loc,
        format!(
            "the header srclang {} names no variant of the units, which are in {found}: \
             {found} is read as the source language of the file",
            st.header.attr("srclang").unwrap_or(header.as_str()).trim()
        ),
    );
    st.source = Some(found);
}

/// The language of a `<tuv>`: parsed, with the code as written when it
/// differs, or the code that is not a language tag and why.
type TuvLang = std::result::Result<(Lang, Option<String>), (String, String)>;

fn read_tuv<'a>(
    xml: &mut Xml<'a>,
    st: &mut State<'a>,
    (attrs, head): (Vec<Attr>, Option<TuvLang>),
    tuv_loc: Loc,
    empty: bool,
    slot: &mut Soft,
) -> Result<Option<Tuv>> {
    let mut tuv = None;
    // The code as written, for a message about a missing `<seg>`.
    let mut original = None;
    match head {
        None => soft(slot, tuv_loc, "<tuv> has no xml:lang (nor TMX 1.1 lang)"),
        Some(Ok((lang, lang_original))) => {
            tuv = Some(Tuv {
                lang,
                lang_original,
                attrs,
                props: vec![],
                notes: vec![],
                seg: Segment::default(),
            });
        }
        Some(Err((code, e))) => {
            soft(slot, tuv_loc, format!("<tuv>: {e}"));
            original = Some(code);
        }
    }
    let mut seen_seg = false;
    if !empty {
        loop {
            let (event, loc) = next_event(xml, st)?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let started = matches!(event, Event::Start(_));
                    let attrs = attributes(e, st, loc, slot)?;
                    match e.name().as_ref() {
                        b"seg" => {
                            let seg = if started {
                                read_seg(xml, st, loc, slot)?
                            } else {
                                Segment::default()
                            };
                            if seen_seg {
                                st.warn(loc, "<tuv> has a second <seg>; only the first is kept");
                            } else if let Some(t) = tuv.as_mut() {
                                t.seg = seg;
                            }
                            seen_seg = true;
                        }
                        b"prop" | b"note" => {
                            let is_prop = e.name().as_ref() == b"prop";
                            let value = if started {
                                read_text_content(xml, st, slot)?
                            } else {
                                CompactString::default()
                            };
                            if let Some(t) = tuv.as_mut() {
                                if is_prop {
                                    t.props.push(make_prop(attrs, value));
                                } else {
                                    t.notes.push(Note {
                                        attrs,
                                        value: value.into_string(),
                                    });
                                }
                            }
                        }
                        other => {
                            let name = String::from_utf8_lossy(other).into_owned();
                            st.warn(loc, format!("unexpected <{name}> in <tuv>, skipped"));
                            if started {
                                skip_element(xml, st)?;
                            }
                        }
                    }
                }
                Event::End(_) => break,
                Event::Eof => {
                    return Err(
                        st.syntax(loc, "the document ends inside <tuv>: the file is truncated")
                    )
                }
                _ => {}
            }
        }
    }
    if !seen_seg {
        let lang = match (&tuv, &original) {
            (Some(t), _) => t.lang_original.as_deref().unwrap_or(t.lang.as_str()),
            (None, Some(code)) => code.as_str(),
            (None, None) => "?",
        };
        soft(
            slot,
            tuv_loc,
            format!("<tuv xml:lang=\"{lang}\"> has no <seg>"),
        );
    }
    Ok(tuv)
}

/// An open tag of a segment (`None` for the segment itself) and what it holds so far.
type Frame = (Option<(TagKind, Vec<Attr>)>, Vec<Inline>);

/// Reads the content of a `<seg>` as text runs and tags, keeping every
/// element (TMX inline tags and foreign ones) with its attributes.
fn read_seg<'a>(
    xml: &mut Xml<'a>,
    st: &mut State<'a>,
    seg_loc: Loc,
    slot: &mut Soft,
) -> Result<Segment> {
    // Bytes of text held (references expanded, tags' content included), so
    // that what was read is read again once written.
    let mut size = 0u64;
    // Open tags, innermost last; the bottom frame is the segment itself.
    // The frame stack is kept in the state between segments: one allocation
    // less per `<tuv>` (see docs/BENCHMARKS.md).
    let mut stack = std::mem::take(&mut st.frames);
    stack.clear();
    stack.push((None, vec![]));
    loop {
        let (event, loc) = next_event(xml, st)?;
        match event {
            Event::Text(t) => match text_of(&t, st.doc, st.clean) {
                Ok(s) => {
                    size += s.len() as u64;
                    push_text(&mut stack, s)
                }
                Err(bad) => soft_in(st, slot, loc, &t, 0, bad),
            },
            Event::CData(c) => match cdata_of(&c) {
                Ok(s) => {
                    size += s.len() as u64;
                    push_text(&mut stack, Cow::Owned(s))
                }
                Err(bad) => soft_in(st, slot, loc, &c, 9, bad),
            },
            Event::Start(ref e) | Event::Empty(ref e) => {
                let started = matches!(event, Event::Start(_));
                // The bottom frame is the segment: a tag opened here is
                // `stack.len()` deep.
                if stack.len() > Segment::MAX_DEPTH {
                    soft(
                        slot,
                        loc,
                        format!(
                            "inline tags nested more than {} deep: tmkit keeps at most {} \
                             levels of markup in a segment; flatten the markup",
                            Segment::MAX_DEPTH,
                            Segment::MAX_DEPTH
                        ),
                    );
                    if started {
                        skip_element(xml, st)?;
                    }
                    continue;
                }
                let attrs = attributes(e, st, loc, slot)?;
                let name = e.name();
                if let Some(c) = (!st.clean).then(|| bad_name(name.as_ref())).flatten() {
                    let message = format!(
                        "element <{}>: {}",
                        utf8(name.as_ref()),
                        forbidden_message(c)
                    );
                    soft(slot, loc, message);
                }
                let kind = TagKind::from_name(&utf8(name.as_ref()));
                if started {
                    stack.push((Some((kind, attrs)), vec![]));
                } else if let Some((_, items)) = stack.last_mut() {
                    items.push(Inline::Tag(Tag {
                        kind,
                        attrs,
                        content: vec![],
                    }));
                }
            }
            Event::End(_) => match stack.pop() {
                Some((Some((kind, attrs)), content)) => {
                    if let Some((_, items)) = stack.last_mut() {
                        items.push(Inline::Tag(Tag {
                            kind,
                            attrs,
                            content,
                        }));
                    }
                }
                Some((None, items)) => {
                    st.frames = stack;
                    if size > st.limits.segment {
                        soft(
                            slot,
                            seg_loc,
                            format!(
                                "the <seg> holds {size} bytes of text, more than the segment limit of {} \
                                 bytes: check the file, or raise the limit",
                                st.limits.segment
                            ),
                        );
                    }
                    return Ok(Segment { items });
                }
                None => return Ok(Segment::default()),
            },
            Event::Eof => {
                return Err(st.syntax(loc, "the document ends inside <seg>: the file is truncated"))
            }
            _ => {}
        }
    }
}

fn push_text(stack: &mut [Frame], text: Cow<'_, str>) {
    if text.is_empty() {
        return;
    }
    if let Some((_, items)) = stack.last_mut() {
        match items.last_mut() {
            Some(Inline::Text(prev)) => prev.push_str(&text),
            _ => items.push(Inline::Text(text.into_owned())),
        }
    }
}

/// Turns the props under which tmkit keeps vendor attributes in DTD-valid
/// output back into attributes.
fn restore_attrs(attrs: &mut Vec<Attr>, props: &mut Vec<Prop>) {
    if !props
        .iter()
        .any(|p| p.kind.as_deref().is_some_and(|k| k.starts_with(ATTR_PROP)))
    {
        return;
    }
    props.retain(
        |p| match p.kind.as_deref().and_then(|k| k.strip_prefix(ATTR_PROP)) {
            Some(name) if p.attrs.is_empty() => {
                attrs.push(Attr::new(name, p.value.clone()));
                false
            }
            _ => true,
        },
    );
}

#[cfg(test)]
mod tests {

    use proptest::prelude::*;

    use super::{Lines, Pos};

    /// Line and column (1-based) of byte `at` of `text`, counted naively.
    fn naive(text: &str, at: usize) -> (u64, u64) {
        let prefix = &text[..at];
        let line = prefix.matches('\n').count() as u64 + 1;
        let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64;
        (line, col + 1)
    }

    const TEXT: &str = "ab\né😀x\r\n\n0123456789abcdefghijklmnop\nzz é é é 😀 <tu>\nq";

    /// Advancing over pieces of a text lands where counting the whole
    /// prefix says: line = newlines + 1, column = characters after the last one.
    #[test]
    fn positions_match_a_naive_count() {
        let text = "ab\né😀x\r\n\n0123456789abcdefghijklmnop\nzz é é é 😀 <tu>\nq";
        for step in 1..7 {
            let mut pos = Pos {
                offset: 0,
                line: 1,
                col: 0,
            };
            let bytes = text.as_bytes();
            let mut at = 0;
            while at < bytes.len() {
                let mut end = (at + step).min(bytes.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                pos.advance(&bytes[at..end], (end - at) as u64, 0);
                at = end;
                let prefix = &text[..at];
                let line = prefix.matches('\n').count() as u64 + 1;
                let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64;
                assert_eq!((pos.line, pos.col), (line, col), "step {step} at {at}");
            }
        }
    }

    proptest! {
        /// Positions worked out from offsets, in any order (forward and back,
        /// after a byte-order mark), are those of a naive count.
        #[test]
        fn lazy_positions_match_a_naive_count(
            picks in proptest::collection::vec(0usize..64, 1..20),
            bom in any::<bool>(),
        ) {
            let start = if bom { 3 } else { 0 };
            let mut bytes = if bom { vec![0xEF, 0xBB, 0xBF] } else { vec![] };
            bytes.extend_from_slice(TEXT.as_bytes());
            let mut lines = Lines {
                text: &bytes,
                start,
                at: start,
                line: 1,
                col: 0,
            };
            for pick in picks {
                let mut at = pick % (TEXT.len() + 1);
                while !TEXT.is_char_boundary(at) {
                    at -= 1;
                }
                prop_assert_eq!(lines.resolve(at as u64), naive(TEXT, at), "at {}", at);
            }
        }

    }
}
