//! Prints what the reader makes of TMX files: units seen and read per
//! language, warnings and errors. `cargo run -p tmkit-tmx --example tmxstat -- FILE...`

use std::{collections::BTreeMap, path::Path};

fn main() {
    for arg in std::env::args().skip(1) {
        let mut reader = match tmkit_tmx::TmxReader::from_path(Path::new(&arg)) {
            Ok(r) => r,
            Err(e) => {
                println!("{arg}: FATAL {e}");
                continue;
            }
        };
        let mut langs: BTreeMap<String, usize> = BTreeMap::new();
        let mut ok = 0;
        let mut errors = vec![];
        for item in reader.by_ref() {
            match item {
                Ok(tu) => {
                    ok += 1;
                    for v in &tu.variants {
                        *langs.entry(v.lang.to_string()).or_default() += 1;
                    }
                }
                Err(e) => errors.push(format!("{}{e}", if e.is_fatal() { "FATAL " } else { "" })),
            }
        }
        println!(
            "{arg}\t{}\tseen={}\tok={ok}\tsrc={:?}\t{langs:?}",
            reader.encoding(),
            reader.tus_seen(),
            reader.source_lang().map(|l| l.to_string())
        );
        for w in reader.warnings() {
            println!("  warning: {w}");
        }
        for e in errors {
            println!("  error: {e}");
        }
    }
}
