//! Runs the behaviour cases of `testdata/*.toml` through the aligner.

use serde::Deserialize;
use tmkit_align::{Aligner, Sent};

#[derive(Deserialize)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    src: Vec<String>,
    tgt: Vec<String>,
    #[serde(default)]
    src_para: Vec<usize>,
    #[serde(default)]
    tgt_para: Vec<usize>,
    links: Vec<(Vec<usize>, Vec<usize>)>,
}

fn sents<'a>(texts: &'a [String], paras: &[usize]) -> Vec<Sent<'a>> {
    texts
        .iter()
        .enumerate()
        .map(|(k, text)| Sent {
            text,
            paragraph: paras.get(k).copied().unwrap_or(0),
        })
        .collect()
}

#[test]
fn testdata_cases() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
    let mut ran = 0;
    let mut failed = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
    {
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in file.case {
            let links = Aligner::new().align(
                &sents(&case.src, &case.src_para),
                &sents(&case.tgt, &case.tgt_para),
            );
            let got: Vec<(Vec<usize>, Vec<usize>)> = links
                .iter()
                .map(|l| (l.src.clone(), l.tgt.clone()))
                .collect();
            if got != case.links {
                failed.push(format!(
                    "{}: {}: got {got:?}, want {:?}",
                    path.display(),
                    case.name,
                    case.links
                ));
            }
            ran += 1;
        }
    }
    assert!(ran > 0, "no cases found in {dir}");
    assert!(
        failed.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
