//! The TMX reader on arbitrary bytes: no panic; reading with the XML parsed
//! ahead on a second thread gives exactly what reading on one thread gives;
//! whatever units it reads are written (or refused with `Unwritable`), and
//! tmkit's own output always reads back, to the same number of units,
//! without a fatal error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tmkit_core::Lang;
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

/// Everything a reading gives, in order, as text.
fn transcript(reader: TmxReader<'_>) -> Vec<String> {
    let mut reader = reader;
    let mut out = vec![];
    while let Some(item) = reader.next() {
        out.push(match item {
            Ok(tu) => format!("{tu:?}"),
            Err(e) => format!("error {e} at {:?}", e.position()),
        });
        out.extend(reader.take_warnings().iter().map(|w| format!("warning {w}")));
    }
    out.push(format!("{} {:?} {:?}", reader.tus_seen(), reader.source_lang(), reader.header()));
    out
}

fuzz_target!(|data: &[u8]| {
    if let (Ok(one), Ok(ahead)) =
        (TmxReader::from_slice(data, "fuzz.tmx"), TmxReader::from_slice(data, "fuzz.tmx"))
    {
        assert_eq!(transcript(one.parse_ahead(false)), transcript(ahead.parse_ahead(true)));
    }
    let Ok(mut reader) = TmxReader::from_slice(data, "fuzz.tmx") else { return };
    let mut units = vec![];
    for item in reader.by_ref().take(500) {
        if let Ok(tu) = item {
            units.push(tu);
        }
    }
    let _ = reader.take_warnings();
    let src = reader.source_lang().cloned().unwrap_or_else(|| Lang::parse("en").expect("a tag"));
    let Ok(mut writer) = TmxWriter::new(Vec::new(), WriteOptions::new(src)) else { return };
    let mut written = 0u64;
    for tu in &units {
        if writer.write_tu(tu).is_ok() {
            written += 1;
        }
    }
    let out = writer.finish().expect("a Vec sink does not fail");
    let mut again = TmxReader::from_slice(&out, "again.tmx").expect("tmkit's output opens");
    for item in again.by_ref() {
        if let Err(e) = item {
            assert!(!e.is_fatal(), "tmkit's output is not readable: {e}\n{}", String::from_utf8_lossy(&out));
        }
    }
    assert_eq!(again.tus_seen(), written);
});
