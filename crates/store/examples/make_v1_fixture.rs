//! Writes the format-1 fixture store (`testdata/v1-store/`) into a new
//! directory: the imports of `tests/fixture/v1.rs`, each committed, then the
//! deletion of one unit.
//!
//! ```text
//! cargo run -p tmkit-store --example make_v1_fixture -- DIR
//! ```
//!
//! It writes the store in the format of the tmkit-store it is built with,
//! and refuses to run unless that is format version 1: the fixture is the
//! store an earlier tmkit wrote, for the upgrade to read.

use std::path::PathBuf;

use tmkit_core::{Lang, TuId};
use tmkit_store::{Filter, ImportMeta, SledStore, Store, FORMAT_VERSION};

#[path = "../tests/fixture/v1.rs"]
mod v1;

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: make_v1_fixture DIR (a new or empty directory)");
        std::process::exit(2);
    };
    if FORMAT_VERSION != 1 {
        eprintln!(
            "this tmkit-store writes format version {FORMAT_VERSION}, not 1: build this \
             example from a commit of format version 1 to remake the fixture"
        );
        std::process::exit(2);
    }
    if let Err(e) = write(&dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(1);
    }
}

fn write(dir: &std::path::Path) -> tmkit_store::Result<()> {
    let store = SledStore::open(dir)?;
    let src = Lang::parse(v1::SRC).expect("a valid language tag");
    for (file, units) in v1::imports() {
        let import = store.begin_import(&ImportMeta::new(file, src.clone()))?;
        let report = store.put_batch(import, units)?;
        store.commit_import(import)?;
        println!("import {import} ({file}): {} units added", report.added);
    }
    let removed = store.delete(&Filter {
        ids: vec![TuId(v1::DELETED)],
        ..Filter::default()
    })?;
    println!("deleted {removed} unit (id {})", v1::DELETED);
    println!("{} units stored", store.stats()?.units);
    Ok(())
}
