//! Time of an SRX rule that backtracks without end (`testdata/catastrophic.srx`,
//! 436 bytes: `(\w+\s?)+(?<=x)\.`), and of LanguageTool's rules on the same
//! texts for scale: a 200-byte line, 60 KB in 200 paragraphs, and 60 KB in one
//! paragraph.
//!
//! ```text
//! cargo run --release -p tmkit-segment --example catastrophic
//! ```

use std::time::Instant;

use tmkit_core::Lang;
use tmkit_segment::Segmenter;

const CATASTROPHIC: &str = include_str!("../testdata/catastrophic.srx");
const LT: &str = include_str!("../testdata/srx/languagetool_segment.srx");

fn main() {
    let en = Lang::parse("en").expect("a language tag");
    let rules = [
        ("catastrophic.srx", Segmenter::from_srx(CATASTROPHIC, &en)),
        ("languagetool_segment.srx", Segmenter::from_srx(LT, &en)),
    ];
    let line = format!("{}. Next one here.", vec!["word"; 36].join(" "));
    let para = format!("{}. Short one.", vec!["word"; 60].join(" "));
    let texts = [
        ("one line", line.clone()),
        ("200 paragraphs", vec![para.as_str(); 200].join("\n\n")),
        ("one paragraph", vec![para.as_str(); 200].join(" ")),
    ];
    println!("| rules | text | bytes | sentences | rules that gave up | wall |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, seg) in &rules {
        let seg = seg.as_ref().expect("the rule file loads");
        for (what, text) in &texts {
            let start = Instant::now();
            let (sentences, gave_up) = seg.segment_with_warnings(text);
            let secs = start.elapsed().as_secs_f64();
            println!(
                "| {name} | {what} | {} | {} | {} | {secs:.3} s |",
                text.len(),
                sentences.len(),
                gave_up.len()
            );
            for w in gave_up {
                eprintln!("{name}: {w}");
            }
        }
    }
}
