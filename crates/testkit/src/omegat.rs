//! OmegaT in console mode: does it load tmkit's TMX and fill segments from it?

use std::path::Path;
use std::process::Command;

use crate::clients::omegat_jar;

/// What one OmegaT run did.
#[derive(Clone, Debug)]
pub struct OmegatRun {
    /// Segments OmegaT found in the source document.
    pub total: usize,
    /// Segments it left untranslated (none when the memory covers them all).
    pub remaining: usize,
    /// The translated document.
    pub target: String,
    /// What OmegaT printed on stderr.
    pub stderr: String,
}

/// The project file: languages, and the tokenizer of each.
fn project_file(src: &str, tgt: &str) -> String {
    let tok = |lang: &str| {
        if lang.starts_with("fr") {
            "LuceneFrenchTokenizer"
        } else {
            "LuceneEnglishTokenizer"
        }
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>{src}</source_lang>
    <target_lang>{tgt}</target_lang>
    <source_tok>org.omegat.tokenizer.{}</source_tok>
    <target_tok>org.omegat.tokenizer.{}</target_tok>
    <sentence_seg>false</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
"#,
        tok(src),
        tok(tgt)
    )
}

/// A row of OmegaT's `project_stats.txt` (`Total:`, `Remaining:`).
fn stats_row(stats: &str, name: &str) -> usize {
    stats
        .lines()
        .find(|l| l.trim_start().starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {name} row in OmegaT's project_stats.txt:\n{stats}"))
}

/// Runs OmegaT (check [`crate::have_omegat`] first) on a project made in
/// `work`: its source document holds `lines`, one segment each (sentence
/// segmentation off), and its `tm/auto/` holds `tmx`, whose exact matches
/// OmegaT fills in. Panics, with OmegaT's stderr, when OmegaT fails or
/// cannot load `tmx`.
#[track_caller]
pub fn omegat_translate(
    work: &Path,
    tmx: &Path,
    src: &str,
    tgt: &str,
    lines: &[&str],
) -> OmegatRun {
    let project = work.join("project");
    for dir in [
        "source",
        "target",
        "tm/auto",
        "glossary",
        "dictionary",
        "omegat",
    ] {
        std::fs::create_dir_all(project.join(dir)).expect("create the OmegaT project");
    }
    std::fs::write(project.join("omegat.project"), project_file(src, tgt))
        .expect("write omegat.project");
    std::fs::write(project.join("source/source.txt"), lines.join("\n\n") + "\n")
        .expect("write the source document");
    std::fs::copy(tmx, project.join("tm/auto/memory.tmx")).expect("copy the TMX into tm/auto");
    let out = Command::new("java")
        .arg("-Djava.awt.headless=true")
        .arg("-jar")
        .arg(omegat_jar())
        .arg(&project)
        .arg("--mode=console-translate")
        .arg(format!("--config-dir={}", work.join("config").display()))
        .arg("--disable-project-locking")
        .output()
        .expect("run java");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "OmegaT failed:\n{stderr}");
    assert!(
        !stderr.contains("TF_TM_LOAD_ERROR"),
        "OmegaT could not load {}:\n{stderr}",
        tmx.display()
    );
    let stats = std::fs::read_to_string(project.join("omegat/project_stats.txt"))
        .expect("OmegaT's project_stats.txt");
    let target = std::fs::read_to_string(project.join("target/source.txt")).unwrap_or_default();
    OmegatRun {
        total: stats_row(&stats, "Total:"),
        remaining: stats_row(&stats, "Remaining:"),
        target,
        stderr,
    }
}
