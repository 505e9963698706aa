//! Bounding what the XML parser holds at once when it reads a stream.
//!
//! Over a stream, quick-xml copies each event whole into a buffer: a text of
//! 1 GiB (a small zip or gzip file can hold one) became a 1 GiB buffer and
//! ended the process. The [`Guard`] sits between the decoded stream and the
//! parser and follows the markup just enough to know what a byte belongs
//! to: it hands the parser at most `limit` bytes of one text run, and at
//! most `limit` bytes of the quoted values of one tag, dropping the rest of
//! the run (the markup that ends it is kept, so parsing goes on). Each cut
//! is logged with what it dropped (newlines, characters), so that the reader
//! keeps its positions right and skips the unit it was in. A comment, CDATA
//! section, processing instruction or DOCTYPE longer than `limit`, or a tag
//! whose names and spaces alone are, ends the reading with an error instead:
//! no TMX needs one, and cutting it would change what the document means.
//!
//! The guard jumps from one markup byte to the next with `memchr`, so text
//! and values cost no more than the search the parser does anyway.

use std::{
    io::{self, BufRead, Read},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
};

use crate::decode::read_buffered;

/// Bytes of text the guard dropped, and where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Bytes handed to the parser before the dropped ones.
    pub at: u64,
    /// Bytes dropped.
    pub bytes: u64,
    /// Newlines among them.
    pub newlines: u64,
    /// Characters after the last dropped newline (all the dropped
    /// characters when there was none).
    pub tail: u64,
}

/// The cuts of one stream, shared with its reader, and the limit.
#[derive(Debug)]
pub(crate) struct Cuts {
    /// The longest text run, or quoted values of one tag, handed on.
    pub limit: AtomicU64,
    /// How many cuts were made so far.
    pub made: AtomicU64,
    /// The cuts not yet taken by the reader.
    pub log: Mutex<Vec<Cut>>,
}

impl Default for Cuts {
    fn default() -> Cuts {
        Cuts {
            limit: AtomicU64::new(crate::Limits::default().unit),
            made: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        }
    }
}

impl Cuts {
    /// Takes the cuts logged since the last call.
    pub fn take(&self) -> Vec<Cut> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// What the byte the guard is at belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lex {
    /// Character data, up to the next `<`.
    Text,
    /// Just after `<`.
    Open,
    /// Just after `<!`.
    Bang,
    /// Inside a tag; the quote of the value the byte is in, or 0.
    Tag(u8),
    /// Inside a comment, CDATA section, processing instruction or DOCTYPE.
    Special(Special),
}

/// Markup that is not a tag, by how it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    /// Ends with `-->`.
    Comment,
    /// Ends with `]]>`.
    CData,
    /// Ends with `?>`.
    Pi,
    /// Ends with the `>` outside brackets (a DOCTYPE and its internal subset).
    Decl(u32),
}

/// A stream the XML parser reads through; see the module documentation.
pub(crate) struct Guard {
    inner: Box<dyn BufRead + Send>,
    cuts: Arc<Cuts>,
    /// The state at the parser's position.
    state: State,
    /// Bytes of the inner buffer, from the parser's position, found safe to
    /// hand on, and the state after all of them: the parser reads them as
    /// one slice, rather than a token at a time, and each byte is followed
    /// once. The guard's cost is in docs/BENCHMARKS.md (streamed reading).
    safe: usize,
    end: State,
    /// Bytes handed on so far.
    out: u64,
    /// The cut being made, logged when bytes are handed on again.
    cutting: Option<Cut>,
}

impl Guard {
    pub(crate) fn new(inner: Box<dyn BufRead + Send>, cuts: Arc<Cuts>) -> Guard {
        let state = State {
            lex: Lex::Text,
            run: 0,
            other: 0,
            prev: [0; 2],
        };
        Guard {
            inner,
            cuts,
            state,
            safe: 0,
            end: state,
            out: 0,
            cutting: None,
        }
    }

    /// Logs the cut being made, if any.
    fn end_cut(&mut self) {
        if let Some(cut) = self.cutting.take() {
            self.cuts
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(cut);
            self.cuts.made.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// What to do with the bytes at hand.
enum Step {
    /// Hand on the first `n` bytes; the state after them.
    Offer(usize, (Lex, u64, u64)),
    /// Drop the first `n` bytes (a run past the limit).
    Drop(usize),
    /// Go on from the same bytes in another state (nothing consumed).
    Switch(Lex),
    /// Stop reading.
    Fail(String),
}

fn too_long(what: &str, limit: u64) -> String {
    format!(
        "{what} longer than {limit} bytes (the unit size limit); tmkit does not read one: \
         check the file, or raise the limit"
    )
}

/// The guard's state, apart from its stream.
#[derive(Clone, Copy)]
struct State {
    lex: Lex,
    run: u64,
    other: u64,
    prev: [u8; 2],
}

impl State {
    fn step(self, buf: &[u8], limit: u64) -> Step {
        let (run, other) = (self.run, self.other);
        match self.lex {
            Lex::Text if run >= limit => match memchr::memchr(b'<', buf) {
                Some(0) => Step::Offer(1, (Lex::Open, 0, 0)),
                Some(p) => Step::Drop(p),
                None => Step::Drop(buf.len()),
            },
            Lex::Text => {
                let room = usize::try_from(limit - run).unwrap_or(usize::MAX);
                match memchr::memchr(b'<', buf) {
                    Some(p) if p <= room => Step::Offer(p + 1, (Lex::Open, 0, 0)),
                    _ => {
                        let n = buf.len().min(room);
                        Step::Offer(n, (Lex::Text, run + n as u64, 0))
                    }
                }
            }
            Lex::Open => match buf[0] {
                b'!' => Step::Offer(1, (Lex::Bang, 0, 1)),
                b'?' => Step::Offer(1, (Lex::Special(Special::Pi), 0, 1)),
                _ => Step::Switch(Lex::Tag(0)),
            },
            Lex::Bang => Step::Switch(Lex::Special(match buf[0] {
                b'-' => Special::Comment,
                b'[' => Special::CData,
                _ => Special::Decl(0),
            })),
            Lex::Tag(0) => {
                let found = memchr::memchr3(b'>', b'"', b'\'', buf);
                let n = found.unwrap_or(buf.len());
                if other + n as u64 > limit {
                    return Step::Fail(too_long("a tag (not counting its values)", limit));
                }
                match found {
                    Some(p) if buf[p] == b'>' => Step::Offer(p + 1, (Lex::Text, 0, 0)),
                    Some(p) => Step::Offer(p + 1, (Lex::Tag(buf[p]), run, other + p as u64 + 1)),
                    None => Step::Offer(n, (Lex::Tag(0), run, other + n as u64)),
                }
            }
            Lex::Tag(quote) if run >= limit => match memchr::memchr(quote, buf) {
                Some(0) => Step::Offer(1, (Lex::Tag(0), run, other + 1)),
                Some(p) => Step::Drop(p),
                None => Step::Drop(buf.len()),
            },
            Lex::Tag(quote) => {
                let room = usize::try_from(limit - run).unwrap_or(usize::MAX);
                match memchr::memchr(quote, buf) {
                    Some(p) if p <= room => {
                        Step::Offer(p + 1, (Lex::Tag(0), run + p as u64, other + 1))
                    }
                    _ => {
                        let n = buf.len().min(room);
                        Step::Offer(n, (Lex::Tag(quote), run + n as u64, other))
                    }
                }
            }
            Lex::Special(kind) => {
                let mut depth = match kind {
                    Special::Decl(d) => d,
                    _ => 0,
                };
                let mut from = 0;
                let end = loop {
                    let found = match kind {
                        Special::Decl(_) => memchr::memchr3(b'>', b'[', b']', &buf[from..]),
                        _ => memchr::memchr(b'>', &buf[from..]),
                    };
                    let Some(p) = found.map(|p| p + from) else {
                        break None;
                    };
                    from = p + 1;
                    match buf[p] {
                        b'[' => depth += 1,
                        b']' => depth = depth.saturating_sub(1),
                        _ => {
                            let before = match p {
                                0 => self.prev,
                                1 => [self.prev[1], buf[0]],
                                _ => [buf[p - 2], buf[p - 1]],
                            };
                            let ends = match kind {
                                Special::Comment => before == *b"--",
                                Special::CData => before == *b"]]",
                                Special::Pi => before[1] == b'?',
                                Special::Decl(_) => depth == 0,
                            };
                            if ends {
                                break Some(p);
                            }
                        }
                    }
                };
                let n = end.map_or(buf.len(), |p| p + 1);
                if other + n as u64 > limit {
                    return Step::Fail(too_long(
                        "a comment, CDATA section, processing instruction or DOCTYPE",
                        limit,
                    ));
                }
                let next = match (end, kind) {
                    (Some(_), _) => Lex::Text,
                    (None, Special::Decl(_)) => Lex::Special(Special::Decl(depth)),
                    (None, kind) => Lex::Special(kind),
                };
                Step::Offer(n, (next, 0, other + n as u64))
            }
        }
    }
}

/// How far the bytes at hand can be handed on from a state.
enum Scan {
    /// The first `n` bytes, after which the state is the one given.
    Safe(usize, State),
    /// Drop the first `n` bytes.
    Drop(usize),
    /// Stop reading.
    Fail(String),
}

impl State {
    /// Follows `buf` from this state as far as it can be handed on whole.
    fn scan(mut self, buf: &[u8], limit: u64) -> Scan {
        let mut at = 0;
        while at < buf.len() {
            match self.step(&buf[at..], limit) {
                Step::Switch(lex) => self.lex = lex,
                Step::Offer(n, (lex, run, other)) => {
                    if let Lex::Special(_) | Lex::Bang | Lex::Open = self.lex {
                        self.prev = last_two(self.prev, &buf[at..at + n]);
                    }
                    (self.lex, self.run, self.other) = (lex, run, other);
                    if lex == Lex::Open {
                        self.prev = [0; 2];
                    }
                    at += n;
                }
                Step::Drop(n) if at == 0 => return Scan::Drop(n),
                Step::Fail(message) if at == 0 => return Scan::Fail(message),
                Step::Drop(_) | Step::Fail(_) => break,
            }
        }
        Scan::Safe(at, self)
    }
}

/// The last two bytes of `prev` followed by `bytes`.
fn last_two(prev: [u8; 2], bytes: &[u8]) -> [u8; 2] {
    match bytes.len() {
        0 => prev,
        1 => [prev[1], bytes[0]],
        n => [bytes[n - 2], bytes[n - 1]],
    }
}

impl Read for Guard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, buf)
    }
}

impl BufRead for Guard {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let limit = self.cuts.limit.load(Ordering::Relaxed).max(1);
        while self.safe == 0 {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                self.end_cut();
                return Ok(&[]);
            }
            match self.state.scan(buf, limit) {
                Scan::Fail(message) => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, message))
                }
                Scan::Drop(n) => {
                    let dropped = &buf[..n];
                    let cut = self.cutting.get_or_insert(Cut {
                        at: self.out,
                        ..Cut::default()
                    });
                    cut.bytes += n as u64;
                    match memchr::memrchr(b'\n', dropped) {
                        Some(last) => {
                            cut.newlines += memchr::memchr_iter(b'\n', dropped).count() as u64;
                            cut.tail = chars(&dropped[last + 1..]);
                        }
                        None => cut.tail += chars(dropped),
                    }
                    self.inner.consume(n);
                }
                Scan::Safe(n, end) => {
                    self.safe = n;
                    self.end = end;
                    self.end_cut();
                }
            }
        }
        let buf = self.inner.fill_buf()?;
        Ok(&buf[..self.safe.min(buf.len())])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.safe);
        self.safe -= amt;
        if self.safe == 0 {
            self.state = self.end;
        }
        self.out += amt as u64;
        self.inner.consume(amt);
    }
}

/// Characters in UTF-8 bytes (those that do not continue a sequence).
fn chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What comes out of a guard at `limit` over `text` read in pieces of
    /// `step` bytes, and its cuts.
    fn guarded(text: &str, limit: u64, step: usize) -> io::Result<(String, Vec<Cut>)> {
        let cuts = Arc::new(Cuts::default());
        cuts.limit.store(limit, Ordering::Relaxed);
        let inner = io::BufReader::with_capacity(step, io::Cursor::new(text.as_bytes().to_vec()));
        let mut guard = Guard::new(Box::new(inner), Arc::clone(&cuts));
        let mut out = Vec::new();
        loop {
            let buf = guard.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            // Consume in small bites, as the parser does up to a delimiter.
            let n = buf.len().min(3);
            out.extend_from_slice(&buf[..n]);
            guard.consume(n);
        }
        Ok((String::from_utf8_lossy(&out).into_owned(), cuts.take()))
    }

    #[test]
    fn what_fits_passes_unchanged() {
        let doc = "<?xml version='1.0'?><!DOCTYPE tmx [ <!ELEMENT a (b)> ]><tmx a=\"x>y\" b='\"'>\
                   <!-- a -- > b --><seg>text <![CDATA[ ]] > x ]]> more</seg></tmx>";
        for step in [1, 2, 5, 64] {
            assert_eq!(guarded(doc, 64, step).unwrap(), (doc.to_string(), vec![]));
        }
    }

    #[test]
    fn long_text_and_values_are_cut_before_their_markup() {
        let doc = "<seg>abcdefghij\nklmnopqr\nst</seg><p x=\"0123456789abc\"/>";
        for step in [1, 3, 64] {
            let (out, cuts) = guarded(doc, 8, step).unwrap();
            assert_eq!(out, "<seg>abcdefgh</seg><p x=\"01234567\"/>", "step {step}");
            let cut = |at, bytes, newlines, tail| Cut {
                at,
                bytes,
                newlines,
                tail,
            };
            assert_eq!(
                cuts,
                vec![cut(13, 14, 2, 2), cut(33, 5, 0, 5)],
                "step {step}"
            );
        }
    }

    #[test]
    fn long_markup_is_an_error() {
        for doc in [
            "<a><!-- 0123456789 --></a>",
            "<a><![CDATA[0123456789]]></a>",
            "<a          b='x'/>",
        ] {
            assert!(guarded(doc, 8, 4).is_err(), "{doc}");
        }
    }
}
