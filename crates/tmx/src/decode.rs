//! Turning the bytes of a file into a stream of UTF-8: decompression,
//! byte-order marks, XML declarations, and transcoding.

use std::{
    io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8};

use crate::guard::{Cuts, Guard};

/// How many bytes are looked at to find a BOM and an XML declaration.
const HEAD: usize = 1024;

/// Buffer size of the byte stream fed to the XML parser. 64 KiB keeps the
/// parser's refills rare without growing the resident size.
const BUF: usize = 64 * 1024;

/// Where the XML parser reads UTF-8 from.
pub(crate) enum Src<'a> {
    /// A stream (a file, a decompressor, a transcoder).
    Stream(Box<dyn BufRead + Send>),
    /// A UTF-8 document held in memory, from after its byte-order mark:
    /// parsed in place, without copying events out.
    Slice(&'a [u8]),
}

/// A UTF-8 byte stream ready for the XML parser, with what was learned on the way.
pub(crate) struct Opened<'a> {
    pub src: Src<'a>,
    /// The encoding the bytes were decoded from (`UTF-8`, `UTF-16LE`, `windows-1252`…).
    pub encoding: &'static str,
    /// File-level remarks (lying declaration, no BOM on UTF-16…).
    pub warnings: Vec<String>,
    /// Set when the transcoder met malformed bytes and replaced them by U+FFFD.
    pub replaced: Arc<AtomicBool>,
    /// For a plain UTF-8 document held in memory: its bytes and where in
    /// them the parser starts (after a BOM), so that positions can be worked
    /// out from byte offsets only when a message needs one.
    pub text: Option<(&'a [u8], usize)>,
    /// What the [`Guard`] of a stream cut out, and the limit it cuts at.
    pub cuts: Arc<Cuts>,
}

/// Opens `raw`, undoing gzip or zip packaging, and decodes it to UTF-8.
pub(crate) fn open(raw: Box<dyn Read + Send>) -> io::Result<Opened<'static>> {
    let (head, rest) = read_head(raw)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::MultiGzDecoder::new(Cursor::new(head).chain(rest));
        let (head, rest) = read_head(Box::new(gz))?;
        return decode(head, rest);
    }
    if head.starts_with(b"PK\x03\x04") {
        // A zip archive's directory sits at its end, so the archive is read
        // whole (as compressed); the TMX inside is then inflated as it is
        // parsed, like any other stream, never whole.
        let mut all = head;
        let mut rest = rest;
        rest.read_to_end(&mut all)?;
        let entry = unzip_tmx(all)?;
        let (head, rest) = read_head(entry)?;
        return decode(head, rest);
    }
    decode(head, rest)
}

/// Like [`open`] for bytes already in memory: a plain UTF-8 document is then
/// parsed where it lies, and its bytes also serve to work out line and
/// column of a message.
pub(crate) fn open_bytes(bytes: &[u8]) -> io::Result<Opened<'_>> {
    if bytes.starts_with(&[0x1f, 0x8b]) || bytes.starts_with(b"PK\x03\x04") {
        return open(Box::new(Cursor::new(bytes.to_vec())));
    }
    let sniffed = sniff(&bytes[..bytes.len().min(HEAD)]);
    if sniffed.encoding == UTF_8 {
        let warnings = sniffed.warning.into_iter().collect();
        return Ok(Opened {
            src: Src::Slice(&bytes[sniffed.bom_len.min(bytes.len())..]),
            encoding: "UTF-8",
            warnings,
            replaced: Arc::default(),
            text: Some((bytes, sniffed.bom_len)),
            cuts: Arc::default(),
        });
    }
    let head_len = bytes.len().min(HEAD);
    let head = bytes[..head_len].to_vec();
    let rest = bytes[head_len..].to_vec();
    decode(head, Box::new(Cursor::new(rest)))
}

fn read_head(mut raw: Box<dyn Read + Send>) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(HEAD);
    (&mut raw).take(HEAD as u64).read_to_end(&mut head)?;
    Ok((head, raw))
}

/// The `.tmx` entry of a zip archive (or its only entry), inflated as it is
/// read.
fn unzip_tmx(bytes: Vec<u8>) -> io::Result<Box<dyn Read + Send>> {
    let bad = |e: zip::result::ZipError| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    let pick = names
        .iter()
        .find(|n| n.to_ascii_lowercase().ends_with(".tmx"))
        .or_else(|| {
            if names.len() == 1 {
                names.first()
            } else {
                None
            }
        })
        .cloned()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "zip archive holds no .tmx file (entries: {})",
                    names.join(", ")
                ),
            )
        })?;
    let entry = archive.by_name(&pick).map_err(bad)?;
    if entry.encrypted() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("zip entry {pick} is encrypted; extract it first"),
        ));
    }
    let (method, start, len, crc) = (
        entry.compression(),
        entry.data_start(),
        entry.compressed_size(),
        entry.crc32(),
    );
    drop(entry);
    let mut bytes = archive.into_inner();
    bytes.seek(SeekFrom::Start(start))?;
    let data = bytes.take(len);
    let inflated: Box<dyn Read + Send> = match method {
        zip::CompressionMethod::Stored => Box::new(data),
        zip::CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(data)),
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("zip entry {pick} is compressed with {other}; tmkit reads stored and deflated entries"),
            ))
        }
    };
    Ok(Box::new(CrcChecked {
        inner: flate2::CrcReader::new(inflated),
        want: crc,
        name: pick,
    }))
}

/// A zip entry's data, checked against the CRC-32 its directory gives when
/// it ends.
struct CrcChecked {
    inner: flate2::CrcReader<Box<dyn Read + Send>>,
    want: u32,
    name: String,
}

impl Read for CrcChecked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.inner.crc().sum() != self.want {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "zip entry {} is damaged (its CRC-32 does not match); extract it again or re-create the archive",
                    self.name
                ),
            ));
        }
        Ok(n)
    }
}

/// What the first bytes say about the encoding.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sniffed {
    pub encoding: &'static Encoding,
    pub bom_len: usize,
    pub warning: Option<String>,
}

/// Decides the encoding: byte-order mark, then the UTF-16 look of `<?`
/// without a BOM, then the declaration, then UTF-8.
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    let plain = |encoding| Sniffed {
        encoding,
        bom_len: 0,
        warning: None,
    };
    const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
    if head.starts_with(UTF8_BOM) {
        // A repeated mark is skipped too: the XML parser would skip one
        // more without counting it, and every position after would be off.
        let mut bom_len = UTF8_BOM.len();
        while head[bom_len..].starts_with(UTF8_BOM) {
            bom_len += UTF8_BOM.len();
        }
        return Sniffed {
            encoding: UTF_8,
            bom_len,
            warning: None,
        };
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Sniffed {
            encoding: UTF_16LE,
            bom_len: 2,
            warning: None,
        };
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Sniffed {
            encoding: UTF_16BE,
            bom_len: 2,
            warning: None,
        };
    }
    if head.len() >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0 {
        return Sniffed {
            encoding: UTF_16LE,
            bom_len: 0,
            warning: Some("UTF-16LE without a byte-order mark; read as UTF-16LE".into()),
        };
    }
    if head.len() >= 4 && head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0 {
        return Sniffed {
            encoding: UTF_16BE,
            bom_len: 0,
            warning: Some("UTF-16BE without a byte-order mark; read as UTF-16BE".into()),
        };
    }
    let Some(label) = declared_encoding(head) else {
        return plain(UTF_8);
    };
    match Encoding::for_label(label.as_bytes()) {
        None => Sniffed {
            encoding: UTF_8,
            bom_len: 0,
            warning: Some(format!(
                "unknown encoding {label:?} in the XML declaration; read as UTF-8"
            )),
        },
        Some(enc) if enc == UTF_16LE || enc == UTF_16BE => Sniffed {
            encoding: UTF_8,
            bom_len: 0,
            warning: Some(format!(
                "the XML declaration says encoding={label:?} but the bytes are 8-bit \
                 (no byte-order mark, no UTF-16 pattern); read as UTF-8"
            )),
        },
        Some(enc) => plain(enc),
    }
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of
/// `head` (after optional blanks), if any.
fn declared_encoding(head: &[u8]) -> Option<String> {
    let start = head.iter().position(|b| !b" \t\r\n".contains(b))?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let close = value.find(quote)?;
    Some(value[..close].trim().to_string())
}

fn decode(head: Vec<u8>, rest: Box<dyn Read + Send>) -> io::Result<Opened<'static>> {
    let sniffed = sniff(&head);
    let replaced = Arc::new(AtomicBool::new(false));
    let warnings: Vec<String> = sniffed.warning.into_iter().collect();
    let body = Cursor::new(head).chain(rest);
    let mut body: Box<dyn Read + Send> = Box::new(body);
    if sniffed.bom_len > 0 {
        io::copy(
            &mut (&mut body).take(sniffed.bom_len as u64),
            &mut io::sink(),
        )?;
    }
    let src: Box<dyn BufRead + Send> = if sniffed.encoding == UTF_8 {
        Box::new(BufReader::with_capacity(BUF, body))
    } else {
        Box::new(Transcoder {
            inner: body,
            decoder: sniffed.encoding.new_decoder_without_bom_handling(),
            input: vec![0; BUF].into_boxed_slice(),
            in_pos: 0,
            in_len: 0,
            eof: false,
            done: false,
            output: vec![0; BUF].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
            replaced: Arc::clone(&replaced),
        })
    };
    let cuts = Arc::new(Cuts::default());
    let src = Box::new(Guard::new(src, Arc::clone(&cuts)));
    Ok(Opened {
        src: Src::Stream(src),
        encoding: sniffed.encoding.name(),
        warnings,
        replaced,
        text: None,
        cuts,
    })
}

/// Streams any encoding_rs encoding as UTF-8, in bounded memory.
struct Transcoder {
    inner: Box<dyn Read + Send>,
    decoder: Decoder,
    input: Box<[u8]>,
    in_pos: usize,
    in_len: usize,
    eof: bool,
    done: bool,
    output: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
    replaced: Arc<AtomicBool>,
}

impl Read for Transcoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, buf)
    }
}

/// `Read::read` for a source that is a `BufRead` at heart (the transcoder,
/// the chunks of a parser thread): copies out what `fill_buf` has.
pub(crate) fn read_buffered(src: &mut impl BufRead, buf: &mut [u8]) -> io::Result<usize> {
    let available = src.fill_buf()?;
    let n = available.len().min(buf.len());
    buf[..n].copy_from_slice(&available[..n]);
    src.consume(n);
    Ok(n)
}

impl BufRead for Transcoder {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.out_pos == self.out_len && !self.done {
            if self.in_pos == self.in_len && !self.eof {
                self.in_len = self.inner.read(&mut self.input)?;
                self.in_pos = 0;
                self.eof = self.in_len == 0;
            }
            let (result, read, written, replaced) = self.decoder.decode_to_utf8(
                &self.input[self.in_pos..self.in_len],
                &mut self.output,
                self.eof,
            );
            if replaced {
                self.replaced.store(true, Ordering::Relaxed);
            }
            self.in_pos += read;
            self.out_pos = 0;
            self.out_len = written;
            if self.eof && result == CoderResult::InputEmpty {
                self.done = true;
            }
        }
        Ok(&self.output[self.out_pos..self.out_len])
    }

    fn consume(&mut self, amt: usize) {
        self.out_pos = (self.out_pos + amt).min(self.out_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: Vec<u8>) -> (String, &'static str, Vec<String>) {
        let opened = open(Box::new(Cursor::new(bytes))).unwrap();
        let mut out = String::new();
        let Src::Stream(mut src) = opened.src else {
            panic!("a stream is opened as a stream")
        };
        src.read_to_string(&mut out).unwrap();
        (out, opened.encoding, opened.warnings)
    }

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        out.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        out
    }

    #[test]
    fn bom_decides_before_declaration() {
        let text = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><tmx>é😀</tmx>";
        let (out, enc, warnings) = decoded(utf16le(text, true));
        assert_eq!((out.as_str(), enc), (text, "UTF-16LE"));
        assert!(warnings.is_empty());
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(decoded(be).0, text);
        let (out, _, _) = decoded(utf16le(text, false));
        assert_eq!(out, text);
    }

    #[test]
    fn declaration_decides_eight_bit_encodings() {
        let mut bytes = b"<?xml version='1.0' encoding='windows-1252'?><seg>".to_vec();
        bytes.extend([0xE9, 0x80]);
        let (out, enc, _) = decoded(bytes);
        assert_eq!(enc, "windows-1252");
        assert!(out.ends_with("<seg>é€"), "{out}");
    }

    #[test]
    fn lying_utf16_declaration_is_recovered_with_a_warning() {
        let (out, enc, warnings) =
            decoded(b"<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<tmx/>".to_vec());
        assert_eq!(enc, "UTF-8");
        assert!(out.ends_with("<tmx/>"));
        assert!(warnings[0].contains("8-bit"), "{warnings:?}");
    }

    #[test]
    fn utf8_bom_is_dropped_and_gzip_is_undone() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend(b"<tmx/>");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &bytes).unwrap();
        let (out, enc, _) = decoded(gz.finish().unwrap());
        assert_eq!((out.as_str(), enc), ("<tmx/>", "UTF-8"));
    }

    #[test]
    fn long_utf16_stream_decodes_across_buffers() {
        let text: String = "<seg>ça 😀</seg>\n".repeat(20_000);
        assert_eq!(decoded(utf16le(&text, true)).0, text);
    }
}
