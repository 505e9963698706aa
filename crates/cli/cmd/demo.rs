use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use tmkit_core::Lang;
use tmkit_engine::{align, Aligner, ExportFormat, ImportOptions, Splitter, Tm};

use crate::out;

const FR: &str = include_str!("../../../examples/dispatch/dispatch.fr.txt");
const EN: &str = include_str!("../../../examples/dispatch/dispatch.en.txt");
/// A sentence of the dispatch with one word changed, for the lookup step.
const EDITED: &str = "Les responsables russes ont rejeté les accusations d’Erdogan.";

/// Run the whole chain on the bundled French dispatch and its English rendering.
///
/// Segments both texts, aligns them, stores the pairs in a fresh sled store,
/// exports them as TMX, imports that TMX again, and looks up a French sentence
/// with one word changed. Everything is written under --dir (by default
/// tmkit-demo in the system's temporary directory): a new or empty directory,
/// or one an earlier demo made, which is emptied first.
///
/// Example:
///   tmkit demo
///   tmkit demo --dir ./demo-out
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Where to put the store and the TMX file.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = args
        .dir
        .unwrap_or_else(|| std::env::temp_dir().join("tmkit-demo"));
    // Only a directory a previous demo made (it holds the marker) is emptied:
    // `--dir` must never wipe a user's files.
    let marker = dir.join(".tmkit-demo");
    if dir.exists() {
        let empty = std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !marker.exists() {
            anyhow::bail!(
                "{}: the directory exists and was not made by `tmkit demo`; give --dir a new or empty directory",
                dir.display()
            );
        }
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("{}: cannot empty", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    std::fs::write(&marker, "made by tmkit demo\n")
        .with_context(|| format!("{}: cannot write", marker.display()))?;
    let fr = Lang::parse("fr-FR")?;
    let en = Lang::parse("en-US")?;
    let mut w = out::stdout();

    writeln!(
        w,
        "tmkit demo: a French dispatch and its English rendering, end to end\n"
    )?;
    let src = Splitter::builtin(&fr).split(FR);
    let tgt = Splitter::builtin(&en).split(EN);
    let paragraphs = |s: &[tmkit_engine::Sentence]| s.last().map_or(0, |s| s.paragraph + 1);
    writeln!(
        w,
        "1. segment  French: {} sentences in {} paragraphs; English: {} sentences in {} paragraphs",
        src.len(),
        paragraphs(&src),
        tgt.len(),
        paragraphs(&tgt)
    )?;

    let alignment = align(&Aligner::new(), src, tgt);
    let pairs = alignment.pairs();
    let mut shapes = std::collections::BTreeMap::new();
    for p in &pairs {
        *shapes
            .entry(format!("{}-{}", p.src_ids.len(), p.tgt_ids.len()))
            .or_insert(0) += 1;
    }
    let shapes: Vec<String> = shapes.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    writeln!(
        w,
        "2. align    {} links ({})",
        pairs.len(),
        shapes.join(", ")
    )?;
    for p in &pairs {
        let ids = |v: &[usize]| {
            v.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        writeln!(
            w,
            "   {:>5} ↔ {:<5} {:.2}{}  {}  ↔  {}",
            ids(&p.src_ids),
            ids(&p.tgt_ids),
            p.confidence,
            if p.review { " review" } else { "" },
            clip(&p.src, 38),
            clip(&p.tgt, 38)
        )?;
    }

    let db = dir.join("tm");
    let tm = Tm::create(&db)?;
    let units = alignment.units(&fr, &en);
    let report = tm.add_units("dispatch.fr.txt", &fr, units)?;
    writeln!(
        w,
        "3. store    {} units in the sled store {}",
        report.added + report.merged,
        db.display()
    )?;

    let tmx = dir.join("dispatch.fr-en.tmx");
    let mut file = out::Output::open(Some(&tmx), Some(&db))?;
    let n = tm
        .export(
            &fr,
            &en,
            &Default::default(),
            ExportFormat::Tmx,
            &mut file,
            &tmx,
        )?
        .units;
    file.finish()?;
    writeln!(w, "4. export   {n} units as TMX 1.4b: {}", tmx.display())?;

    let again = Tm::create(&dir.join("tm-reimported"))?;
    let summary = again.import_file(&tmx, &ImportOptions::default(), &mut |_| {})?;
    writeln!(
        w,
        "5. import   that TMX into a second store: {} units read, {} imported, {} skipped",
        summary.tus, summary.imported, summary.skipped
    )?;

    let memory = again.memory(&fr, &en, Default::default())?;
    writeln!(w, "6. lookup   {EDITED}")?;
    for m in memory.lookup(EDITED, 3, 50)? {
        writeln!(
            w,
            "   {:>3}%  {}\n         → {}",
            m.score, m.source, m.target
        )?;
        for line in m.explanation.to_string().lines() {
            writeln!(w, "         | {line}")?;
        }
    }
    writeln!(
        w,
        "\nTry: tmkit lookup --db {} --src-lang fr --tgt-lang en \"…\"",
        db.display()
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}
