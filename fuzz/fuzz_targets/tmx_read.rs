//! The TMX reader on arbitrary bytes: no panic; whatever units it reads are
//! written (or refused with `Unwritable`), and tmkit's own output always
//! reads back, to the same number of units, without a fatal error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tmkit_core::Lang;
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

fuzz_target!(|data: &[u8]| {
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
