//! Aligns the synthetic 10,000 × 10,000 corpus of the bench once and prints
//! the wall time of each mode; run under `/usr/bin/time -v` to see CPU time
//! and peak memory.
//!
//! ```text
//! cargo run --release -p tmkit-align --example big -- [SENTENCES] [two_pass|one_pass|length_only|long]
//! ```
//!
//! `long` aligns SENTENCES source sentences (the bundled dispatch's English
//! ones, repeated) with one target sentence of 1 MB (the same text run
//! together), so that common words match everywhere: the work per bead must
//! not grow with the length of one sentence.

use std::time::Instant;

use tmkit_align::Aligner;

#[path = "../benches/support/corpus.rs"]
mod corpus;

/// Size of the one sentence of the `long` mode.
const LONG_BYTES: usize = 1 << 20;

/// The bundled dispatch's English sentences, one a line.
const DISPATCH: &str = include_str!("../../../examples/dispatch/dispatch.en.sentences");

/// The `long` mode's sides.
fn long(n: usize) -> (Vec<String>, Vec<String>) {
    let lines = DISPATCH.lines().filter(|l| !l.is_empty());
    let src: Vec<String> = lines.clone().cycle().take(n).map(str::to_string).collect();
    let mut one = String::with_capacity(LONG_BYTES + 1024);
    for line in lines.cycle() {
        if one.len() >= LONG_BYTES {
            break;
        }
        one.push_str(line.trim_end_matches('.'));
        one.push(' ');
    }
    (src, vec![one])
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mode = args.next().unwrap_or_else(|| "two_pass".to_string());
    let (src, tgt) = if mode == "long" {
        long(n)
    } else {
        corpus::corpus(n)
    };
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
        "{mode}: {} × {} sentences ({} + {} bytes), {} links in {:.3} s",
        s.len(),
        t.len(),
        s.iter().map(|x| x.text.len()).sum::<usize>(),
        t.iter().map(|x| x.text.len()).sum::<usize>(),
        links.len(),
        start.elapsed().as_secs_f64()
    );
}
