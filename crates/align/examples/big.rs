//! Aligns the synthetic 10,000 × 10,000 corpus of the bench once and prints
//! the wall time of each mode; run under `/usr/bin/time -v` to see CPU time
//! and peak memory.
//!
//! ```text
//! cargo run --release -p tmkit-align --example big -- [SENTENCES] [two_pass|one_pass|length_only]
//! ```

use std::time::Instant;

use tmkit_align::Aligner;

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mode = args.next().unwrap_or_else(|| "two_pass".to_string());
    let (src, tgt) = corpus::corpus(n);
    let s = corpus::sents(&src);
    let t = corpus::sents(&tgt);
    let aligner = match mode.as_str() {
        "one_pass" => Aligner::builder().two_pass(false).build(),
        "length_only" => Aligner::builder().length_only(true).build(),
        _ => Aligner::builder().build(),
    }
    .expect("valid options");
    let start = Instant::now();
    let links = aligner.align(&s, &t);
    println!(
        "{mode}: {} × {} sentences, {} links in {:.3} s",
        s.len(),
        t.len(),
        links.len(),
        start.elapsed().as_secs_f64()
    );
}
