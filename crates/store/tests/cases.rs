//! Runs the behaviour cases of `testdata/*.toml` on both stores.

use std::collections::BTreeMap;

use serde::Deserialize;
use tmkit_core::{Lang, Tu};
use tmkit_store::{Filter, ImportMeta, MemStore, OnDuplicate, SledStore, Store};

#[derive(Deserialize)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    imports: Vec<Import>,
    dedupe: Option<String>,
    expect: Vec<(String, String)>,
    #[serde(default)]
    report: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Import {
    policy: String,
    units: Vec<(String, String)>,
}

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

fn policy(name: &str) -> OnDuplicate {
    OnDuplicate::from_name(name).unwrap_or_else(|| panic!("unknown policy {name:?}"))
}

fn run(case: &Case, store: &dyn Store, which: &str) {
    let ctx = format!("case {:?} on the {which} store", case.name);
    let mut report = BTreeMap::new();
    for (n, import) in case.imports.iter().enumerate() {
        let meta =
            ImportMeta::new(format!("import{n}.tmx"), lang("en")).policy(policy(&import.policy));
        let id = store.begin_import(&meta).unwrap();
        let tus = import
            .units
            .iter()
            .map(|(s, t)| Tu::bilingual(lang("en"), s.as_str(), lang("fr"), t.as_str()))
            .collect();
        let r = store.put_batch(id, tus).unwrap();
        store.commit_import(id).unwrap();
        report = BTreeMap::from([
            ("added".to_string(), r.added),
            ("merged".to_string(), r.merged),
            ("replaced".to_string(), r.replaced),
            ("skipped".to_string(), r.skipped),
        ]);
    }
    if let Some(p) = &case.dedupe {
        let r = store.dedupe(policy(p)).unwrap();
        report = BTreeMap::from([
            ("merged".to_string(), r.merged),
            ("removed".to_string(), r.removed),
        ]);
    }
    let got: Vec<(String, String)> = store
        .records(&Filter::default())
        .unwrap()
        .map(|r| {
            let tu = r.unwrap().tu;
            (
                tu.variants[0].seg.plain_text(),
                tu.variants[1].seg.plain_text(),
            )
        })
        .collect();
    assert_eq!(got, case.expect, "{ctx}: stored units");
    for (k, v) in &report {
        assert_eq!(
            case.report.get(k).copied().unwrap_or(0),
            *v,
            "{ctx}: report {k}"
        );
    }
    for k in case.report.keys() {
        assert!(report.contains_key(k), "{ctx}: unknown report field {k}");
    }
    let faults = store.check().unwrap();
    assert!(faults.is_empty(), "{ctx}: {faults:?}");
}

#[test]
fn duplicate_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/duplicates.toml");
    let file: File = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(file.case.len() >= 10);
    for case in &file.case {
        run(case, &MemStore::new(), "memory");
        let dir = tempfile::tempdir().unwrap();
        run(case, &SledStore::open(dir.path()).unwrap(), "sled");
    }
}
