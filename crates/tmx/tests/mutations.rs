//! The property of the fuzz target (`fuzz/fuzz_targets/tmx_read.rs`), run on
//! random edits of a real file in every `cargo test`: no panic, and
//! whatever is read can be written and read back without a fatal error.

use proptest::prelude::*;
use tmkit_core::Lang;
use tmkit_tmx::{TmxReader, TmxWriter, WriteOptions};

#[path = "support/edits.rs"]
mod edits;

const SEED: &[u8] = include_bytes!("../../../tmx/lisa-compkit/ImportTest2C.tmx");

fn check(data: &[u8]) {
    let Ok(mut reader) = TmxReader::from_slice(data, "mutated.tmx") else {
        return;
    };
    let units: Vec<_> = reader.by_ref().filter_map(Result::ok).collect();
    let src = reader
        .source_lang()
        .cloned()
        .unwrap_or_else(|| Lang::parse("en").unwrap());
    let mut writer = TmxWriter::new(Vec::new(), WriteOptions::new(src)).unwrap();
    let written = units
        .iter()
        .filter(|tu| writer.write_tu(tu).is_ok())
        .count() as u64;
    let out = writer.finish().unwrap();
    let mut again = TmxReader::from_slice(&out, "again.tmx").unwrap();
    for item in again.by_ref() {
        if let Err(e) = item {
            assert!(!e.is_fatal(), "{e}\n{}", String::from_utf8_lossy(&out));
        }
    }
    assert_eq!(again.tus_seen(), written);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn edited_files_never_panic(edits in edits::edits(1, 8)) {
        let data = edits::apply(SEED, &edits);
        check(&data);
    }
}

#[test]
fn the_seed_itself_round_trips() {
    check(SEED);
    check(b"");
    check(b"\xFF\xFE<\0");
}
