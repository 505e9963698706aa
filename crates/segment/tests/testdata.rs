//! Runs the behaviour cases of `testdata/*.toml` (see the comments at the
//! top of each file for its format).

use serde::Deserialize;
use tmkit_core::Lang;
use tmkit_segment::Segmenter;

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
const SRX_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/srx");

#[derive(Deserialize)]
struct Case {
    name: String,
    lang: String,
    text: String,
    sentences: Vec<String>,
    rules: Option<String>,
    srx_file: Option<String>,
}

fn wrap(rules: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
<header segmentsubflows="yes" cascade="yes"/>
<body><languagerules><languagerule languagerulename="T">{rules}</languagerule></languagerules>
<maprules><languagemap languagepattern=".*" languagerulename="T"/></maprules></body></srx>"#
    )
}

fn segmenter(case: &Case) -> Segmenter {
    let lang = Lang::parse(&case.lang).expect("lang");
    let xml = match (&case.rules, &case.srx_file) {
        (Some(rules), _) => wrap(rules),
        (None, Some(file)) => {
            std::fs::read_to_string(format!("{SRX_DIR}/{file}")).expect("srx file")
        }
        (None, None) => return Segmenter::builtin(&lang),
    };
    let seg = Segmenter::from_srx(&xml, &lang).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    if case.rules.is_some() {
        assert!(
            seg.warnings().is_empty(),
            "{}: {:?}",
            case.name,
            seg.warnings()
        );
    }
    seg
}

#[test]
fn testdata_cases() {
    let cases = tmkit_testkit::toml_cases::<Case>(TESTDATA.as_ref());
    let files: std::collections::BTreeSet<_> = cases.iter().map(|(p, _)| p).collect();
    assert!(files.len() >= 3, "testdata files missing: {files:?}");
    let mut failures = Vec::new();
    for (path, case) in &cases {
        let seg = segmenter(case);
        let got: Vec<&str> = seg
            .segment(&case.text)
            .iter()
            .map(|s| &case.text[s.span.start..s.span.end])
            .collect();
        if got != case.sentences {
            failures.push(format!(
                "{}: {}\n  want: {:?}\n  got:  {:?}",
                path.file_name().unwrap_or_default().to_string_lossy(),
                case.name,
                case.sentences,
                got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
