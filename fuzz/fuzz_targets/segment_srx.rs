//! The SRX loader and the SRX engine on arbitrary documents: no panic, and
//! whatever loads segments a fixed text into spans on char boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tmkit_core::Lang;
use tmkit_segment::Segmenter;

const TEXT: &str = "M. Dupont est là.\u{a0}Il part… « Oui ! » dit-il. 3,5 % en 2020.\nFin\n\nSuite";

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else { return };
    for lang in ["fr", "en-US"] {
        let Ok(lang) = Lang::parse(lang) else { return };
        if let Ok(seg) = Segmenter::from_srx(xml, &lang) {
            for s in seg.segment(TEXT) {
                assert!(s.span.slice(TEXT).is_some());
            }
        }
    }
});
