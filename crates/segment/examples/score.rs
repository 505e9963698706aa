//! Scores rule sets on segmentation test sets: exact-paragraph accuracy and
//! boundary F1, for the built-in rules and for an SRX file on tmkit's engine.
//!
//! ```text
//! cargo run --release -p tmkit-segment --example score -- [--srx FILE] [--builtin] [--show-errors] [--dump PREFIX] SET.jsonl...
//! ```
//!
//! Each set is JSON Lines with `lang`, `text` and `sentences` (the expected
//! split), as in `shared/seg/golden_en.jsonl` and `testdata/fr_news.jsonl`.
//! Without arguments, scores the built-in rules and LanguageTool's SRX on
//! both.

use std::collections::BTreeSet;
use std::time::Instant;

use tmkit_core::Lang;
use tmkit_segment::Segmenter;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Builds the segmenter of a rule set for a language.
type MakeSegmenter<'a> = dyn Fn(&str) -> Segmenter + 'a;

struct Case {
    lang: String,
    text: String,
    sentences: Vec<String>,
}

fn load(path: &str) -> Vec<Case> {
    let data = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    data.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}"));
            Case {
                lang: v["lang"].as_str().unwrap_or("en").to_string(),
                text: v["text"].as_str().unwrap_or_default().to_string(),
                sentences: v["sentences"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Internal boundaries as counts of non-whitespace characters before them,
/// which makes expected and predicted splits comparable whatever the
/// whitespace.
fn boundaries<'a>(sentences: impl Iterator<Item = &'a str>) -> BTreeSet<usize> {
    let mut set = BTreeSet::new();
    let mut n = 0;
    for s in sentences {
        n += s.chars().filter(|c| !c.is_whitespace()).count();
        set.insert(n);
    }
    set.remove(&n);
    set
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Scores of one rule set on one test set.
struct Score {
    exact: usize,
    cases: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
    bytes: usize,
    secs: f64,
}

impl Score {
    fn f1(&self) -> f64 {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn score(
    cases: &[Case],
    seg: &dyn Fn(&str) -> Segmenter,
    show: bool,
    dump: Option<String>,
) -> Score {
    let mut dump =
        dump.map(|path| std::fs::File::create(&path).unwrap_or_else(|e| panic!("{path}: {e}")));
    let mut s = Score {
        exact: 0,
        cases: cases.len(),
        tp: 0,
        fp: 0,
        fn_: 0,
        bytes: 0,
        secs: 0.0,
    };
    let mut cache: Vec<(String, Segmenter)> = Vec::new();
    for case in cases {
        if !cache.iter().any(|(l, _)| *l == case.lang) {
            cache.push((case.lang.clone(), seg(&case.lang)));
        }
        let Some((_, segmenter)) = cache.iter().find(|(l, _)| *l == case.lang) else {
            continue;
        };
        let t = Instant::now();
        let got = segmenter.segment(&case.text);
        s.secs += t.elapsed().as_secs_f64();
        s.bytes += case.text.len();
        let got: Vec<&str> = got
            .iter()
            .map(|x| &case.text[x.span.start..x.span.end])
            .collect();
        if let Some(out) = dump.as_mut() {
            use std::io::Write;
            let _ = writeln!(out, "{}", serde_json::json!(got));
        }
        let want = boundaries(case.sentences.iter().map(String::as_str));
        let have = boundaries(got.iter().copied());
        s.tp += want.intersection(&have).count();
        s.fp += have.difference(&want).count();
        s.fn_ += want.difference(&have).count();
        let exact = got.len() == case.sentences.len()
            && got
                .iter()
                .zip(&case.sentences)
                .all(|(a, b)| norm(a) == norm(b));
        if exact {
            s.exact += 1;
        } else if show {
            println!(
                "--- {:?}\n  want: {:?}\n  got:  {:?}",
                case.text, case.sentences, got
            );
        }
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show = args.iter().any(|a| a == "--show-errors");
    let builtin_only = args.iter().any(|a| a == "--builtin");
    // `--dump PREFIX`: write each run's sentences, one JSON array per case,
    // to PREFIX.<set>.<rules>.jsonl (for comparison with another engine).
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1).cloned());
    let srx_path = args
        .iter()
        .position(|a| a == "--srx")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| format!("{ROOT}/testdata/srx/languagetool_segment.srx"));
    let mut sets: Vec<String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with("--")
                && !matches!(
                    args.get(i.wrapping_sub(1)).map(String::as_str),
                    Some("--srx" | "--dump")
                )
        })
        .map(|(_, a)| a.clone())
        .collect();
    if sets.is_empty() {
        sets = vec![
            format!("{ROOT}/../../../shared/seg/golden_en.jsonl"),
            format!("{ROOT}/testdata/fr_news.jsonl"),
        ];
    }
    let xml = std::fs::read_to_string(&srx_path).unwrap_or_else(|e| panic!("{srx_path}: {e}"));
    println!("| set | rules | exact paragraphs | boundary P/R/F1 | MB/s |");
    println!("|---|---|---|---|---|");
    for set in &sets {
        let cases = load(set);
        let name = set.rsplit('/').next().unwrap_or(set);
        let builtin = |l: &str| {
            Segmenter::builtin(&Lang::parse(l).unwrap_or_else(|_| Lang::parse("en").unwrap()))
        };
        let srx = |l: &str| {
            let seg = Segmenter::from_srx(
                &xml,
                &Lang::parse(l).unwrap_or_else(|_| Lang::parse("en").unwrap()),
            )
            .unwrap_or_else(|e| panic!("{srx_path}: {e}"));
            for w in seg.warnings() {
                eprintln!("warning: {w}");
            }
            seg
        };
        let mut runs: Vec<(&str, &MakeSegmenter<'_>)> = vec![("built-in", &builtin)];
        if !builtin_only {
            runs.push(("SRX", &srx));
        }
        for (label, f) in runs {
            let file = dump.as_ref().map(|d| {
                format!(
                    "{d}.{name}.{}.jsonl",
                    if label == "SRX" { "srx" } else { "builtin" }
                )
            });
            let s = score(&cases, f, show, file);
            let p = s.tp as f64 / (s.tp + s.fp).max(1) as f64;
            let r = s.tp as f64 / (s.tp + s.fn_).max(1) as f64;
            println!(
                "| {name} | {label} | {}/{} = {:.1} % | {:.3}/{:.3}/{:.3} | {:.2} |",
                s.exact,
                s.cases,
                100.0 * s.exact as f64 / s.cases.max(1) as f64,
                p,
                r,
                s.f1(),
                s.bytes as f64 / 1e6 / s.secs.max(1e-9)
            );
        }
    }
}
