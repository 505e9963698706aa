//! Runs the behaviour cases of `testdata/*.toml` through the aligner.

use serde::Deserialize;
use tmkit_align::{Aligner, Sent};

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
    let cases = tmkit_testkit::toml_cases::<Case>(dir.as_ref());
    let mut failed = Vec::new();
    for (path, case) in &cases {
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
    }
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:
{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}
