//! The generated corpus and the quick-xml baselines shared by the bench and
//! the `readtime` example.

use quick_xml::{events::Event, Reader};

/// A 1.4 document with `n` bilingual units: attributes, a prop, and inline
/// markup in one unit of four, like exports of CAT tools.
pub fn generate(n: usize) -> String {
    let mut out = String::with_capacity(n * 420);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n<header creationtool=\"gen\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"gen\" adminlang=\"en\" srclang=\"en-US\" datatype=\"plaintext\"/>\n<body>\n");
    for i in 0..n {
        out.push_str(&format!(
            "<tu tuid=\"{i}\" creationdate=\"20240131T120000Z\" creationid=\"gen\" usagecount=\"{}\">\n  <prop type=\"x-client\">Client {}</prop>\n",
            i % 7,
            i % 13
        ));
        if i % 4 == 0 {
            out.push_str(&format!("  <tuv xml:lang=\"en-US\"><seg>Click <bpt i=\"1\">&lt;b&gt;</bpt>Save<ept i=\"1\">&lt;/b&gt;</ept> to keep document {i} &amp; its settings.</seg></tuv>\n  <tuv xml:lang=\"fr-FR\"><seg>Cliquez sur <bpt i=\"1\">&lt;b&gt;</bpt>Enregistrer<ept i=\"1\">&lt;/b&gt;</ept> pour garder le document {i} et ses réglages.</seg></tuv>\n</tu>\n"));
        } else {
            out.push_str(&format!("  <tuv xml:lang=\"en-US\"><seg>The committee approved report number {i} after a long debate.</seg></tuv>\n  <tuv xml:lang=\"fr-FR\"><seg>Le comité a approuvé le rapport numéro {i} après un long débat.</seg></tuv>\n</tu>\n"));
        }
    }
    out.push_str("</body>\n</tmx>\n");
    out
}

/// quick-xml's buffered event loop (`read_event_into`, as over a file):
/// events counted and dropped.
pub fn bare_loop(bytes: &[u8]) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(4096);
    let mut events = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => return events,
            Ok(_) => events += 1,
            Err(e) => panic!("{e}"),
        }
        buf.clear();
    }
}

/// quick-xml's in-place event loop (`read_event` over the slice).
pub fn in_place_loop(bytes: &[u8]) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return events,
            Ok(_) => events += 1,
            Err(e) => panic!("{e}"),
        }
    }
}
