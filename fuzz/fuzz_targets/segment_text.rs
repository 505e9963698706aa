//! The built-in rules on arbitrary text: no panic, spans on char boundaries,
//! in order, without outer whitespace.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tmkit_core::Lang;
use tmkit_segment::Segmenter;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for lang in ["fr", "en", "de"] {
        let Ok(lang) = Lang::parse(lang) else { return };
        let mut end = 0;
        for s in Segmenter::builtin(&lang).segment(&text) {
            assert!(s.span.start >= end);
            let body = s.span.slice(&text).expect("span on char boundaries");
            assert_eq!(body.trim(), body);
            end = s.span.end;
        }
    }
});
