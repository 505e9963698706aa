//! Scores the aligner on the development gold sets of `../shared/align`:
//! the full model and the length-only baseline, per document, strict and lax.
//!
//! ```text
//! cargo run --release -p tmkit-align --example eval -- [ALIGN_DIR] [--bigtm FILE.tsv.gz] [--units N]
//! ```
//!
//! With `--bigtm`, a lexicon is also learned from the first N units (default
//! 200,000) of that memory and the full model is run with it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use tmkit_align::{parse_links, score_links, Aligner, LearnOptions, Lexicon, Link, Scores, Sent};

const DOCS: [&str; 4] = [
    "transread_enfr/AlicesAdventuresInWonderland",
    "transread_enfr/Candide",
    "transread_enfr/DuCoteDeChezSwann",
    "textberg_defr_dev/dev",
];

fn read_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(str::to_string).collect()
}

struct Doc {
    name: &'static str,
    src: Vec<String>,
    tgt: Vec<String>,
    gold: Vec<Link>,
}

fn load(dir: &Path, name: &'static str) -> Doc {
    let d = dir.join(name);
    let tgt_file = if d.join("tgt.en.txt").exists() {
        "tgt.en.txt"
    } else {
        "tgt.de.txt"
    };
    let gold_text = std::fs::read_to_string(d.join("gold.tsv")).expect("gold.tsv");
    Doc {
        name,
        src: read_lines(&d.join("src.fr.txt")),
        tgt: read_lines(&d.join(tgt_file)),
        gold: parse_links(&gold_text).expect("gold"),
    }
}

/// One side of a presegmented document, all in paragraph 0.
fn sents(lines: &[String]) -> Vec<Sent<'_>> {
    lines
        .iter()
        .map(|text| Sent { text, paragraph: 0 })
        .collect()
}

fn run(aligner: &Aligner, doc: &Doc) -> (Scores, Vec<Link>) {
    let (s, t) = (sents(&doc.src), sents(&doc.tgt));
    let links = aligner.align(&s, &t);
    (score_links(&links, &doc.gold), links)
}

fn report(label: &str, aligner: &Aligner, docs: &[Doc]) {
    let mut f1_fren = Vec::new();
    println!("{label}");
    for doc in docs {
        let start = Instant::now();
        let (sc, links) = run(aligner, doc);
        let ms = start.elapsed().as_millis();
        let gold: std::collections::HashSet<(Vec<usize>, Vec<usize>)> = doc
            .gold
            .iter()
            .map(|l| (l.src.clone(), l.tgt.clone()))
            .collect();
        let (mut ok_hi, mut hi, mut ok_lo, mut lo) = (0, 0, 0, 0);
        for l in &links {
            let ok = gold.contains(&(l.src.clone(), l.tgt.clone()));
            if l.confidence >= 0.5 {
                hi += 1;
                ok_hi += usize::from(ok);
            } else {
                lo += 1;
                ok_lo += usize::from(ok);
            }
        }
        println!(
            "  {:<45} strict P {:.3} R {:.3} F1 {:.3} | lax P {:.3} R {:.3} F1 {:.3} | {} ms | conf>=0.5: {}/{} right, <0.5: {}/{}",
            doc.name, sc.strict.precision, sc.strict.recall, sc.strict.f1, sc.lax.precision, sc.lax.recall, sc.lax.f1, ms, ok_hi, hi, ok_lo, lo
        );
        if std::env::var_os("EVAL_CALIBRATION").is_some() {
            let edges = [0.0, 0.25, 0.5, 0.65, 0.8, 0.9, 0.95, 1.01];
            let mut line = String::from("    confidence buckets (right/total):");
            for w in edges.windows(2) {
                let in_bucket: Vec<&Link> = links
                    .iter()
                    .filter(|l| l.confidence >= w[0] && l.confidence < w[1])
                    .collect();
                let right = in_bucket
                    .iter()
                    .filter(|l| gold.contains(&(l.src.clone(), l.tgt.clone())))
                    .count();
                line += &format!(
                    " [{:.2},{:.2}) {right}/{}",
                    w[0],
                    w[1].min(1.0),
                    in_bucket.len()
                );
            }
            println!("{line}");
        }
        if std::env::var_os("EVAL_SHAPES").is_some() {
            let mut shapes: std::collections::BTreeMap<(usize, usize), (usize, usize, usize)> =
                Default::default();
            for l in &links {
                let e = shapes.entry((l.src.len(), l.tgt.len())).or_default();
                e.0 += 1;
                e.2 += usize::from(gold.contains(&(l.src.clone(), l.tgt.clone())));
            }
            for l in &doc.gold {
                shapes.entry((l.src.len(), l.tgt.len())).or_default().1 += 1;
            }
            println!("    shape: predicted / gold / right {shapes:?}");
        }
        if doc.name.starts_with("transread") {
            f1_fren.push(sc.strict.f1);
        }
    }
    if !f1_fren.is_empty() {
        println!(
            "  average strict F1 over the French/English novels: {:.3}",
            f1_fren.iter().sum::<f64>() / f1_fren.len() as f64
        );
    }
}

fn learn_bigtm(path: &Path, units: usize) -> Lexicon {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let start = Instant::now();
    let pairs = reader
        .lines()
        .map_while(|l| l.ok())
        .take(units)
        .filter_map(|l| {
            let (f, e) = l.split_once('\t')?;
            Some((f.to_string(), e.to_string()))
        });
    let lex = Lexicon::learn(pairs, &LearnOptions::new());
    println!(
        "learned {} source words from {units} units of {} in {:.1} s",
        lex.len(),
        path.display(),
        start.elapsed().as_secs_f64()
    );
    lex
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/align"
    ));
    let mut bigtm = None;
    let mut units = 200_000;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bigtm" => bigtm = args.next().map(PathBuf::from),
            "--units" => units = args.next().and_then(|u| u.parse().ok()).expect("--units N"),
            _ => dir = PathBuf::from(a),
        }
    }
    let docs: Vec<Doc> = DOCS.iter().map(|name| load(&dir, name)).collect();
    report(
        "length only (Gale-Church)",
        &Aligner::builder()
            .length_only(true)
            .build()
            .expect("options"),
        &docs,
    );
    report(
        "full model, one pass, no lexicon",
        &Aligner::builder().two_pass(false).build().expect("options"),
        &docs,
    );
    report("full model, two passes, no lexicon", &Aligner::new(), &docs);
    if let Some(path) = bigtm {
        let lex = learn_bigtm(&path, units);
        report(
            "full model, two passes, lexicon learned from the memory",
            &Aligner::new().with_lexicon(lex),
            &docs,
        );
    }
}
