use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use serde_json::json;
use tmkit_core::Lang;
use tmkit_engine::{ImportOptions, ImportSummary, Tm};

use crate::{
    flags::{parse_lang, Duplicate, MessageArgs, StoreArgs},
    out,
};

/// Import TMX (or TSV) files into the store.
///
/// TMX 1.1 to 1.4b, UTF-8 or UTF-16, .tmx.gz and .zip are read. A broken
/// unit is reported with its line and column and skipped; the rest imports.
/// A file that cannot be read at all (not XML, truncated) imports nothing:
/// the store is left as it was. TSV files (`.tsv`, `.txt`) hold
/// `source<TAB>target` lines and need --src-lang and --tgt-lang; `\t`, `\n`,
/// `\r` and `\\` in a field are a tab, a line feed, a carriage return and a
/// backslash, as `export --format tsv` writes them.
///
/// Exit code: 0 when every unit of every file imported, 2 otherwise.
///
/// Examples:
///   tmkit import memory.tmx --db ./tm
///   tmkit import a.tmx b.tmx.gz --json
///   tmkit import pairs.tsv --src-lang fr --tgt-lang en
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The files to import.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
    /// Source language (default: the TMX header's srclang).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    src_lang: Option<Lang>,
    /// Target language (needed for TSV).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    tgt_lang: Option<Lang>,
    /// What to do with a unit whose source is already stored.
    #[arg(long, value_enum, default_value_t = Duplicate::Merge)]
    on_duplicate: Duplicate,
    /// Any problem makes the whole file fail (nothing of it is imported).
    #[arg(long)]
    strict: bool,
    /// Go on with an interrupted import of the same file (after a crash or a
    /// kill) after its last stored batch, instead of starting again. The
    /// file must be unchanged (same size and modification time); a file
    /// fully imported already imports nothing. Without --resume, an
    /// interrupted import of the file is rolled back first.
    #[arg(long)]
    resume: bool,
    /// The most text one TMX segment may hold, in bytes (K, M, G suffixes
    /// allowed); a unit with a longer segment is skipped and reported.
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_bytes)]
    max_segment: u64,
    /// The most one TMX attribute value may hold, in bytes.
    #[arg(long, value_name = "BYTES", default_value = "64K", value_parser = parse_bytes)]
    max_attribute: u64,
    /// The most one TMX unit (`<tu>` … `</tu>`) may take in the file, in
    /// bytes; also the most any one text of a streamed file is read into
    /// memory.
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_bytes)]
    max_unit: u64,
    /// Print one JSON summary line per file on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    messages: MessageArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut opts = ImportOptions {
        src_lang: args.src_lang.clone(),
        tgt_lang: args.tgt_lang.clone(),
        on_duplicate: args.on_duplicate.into(),
        strict: args.strict,
        resume: args.resume,
        limits: Default::default(),
    };
    opts.limits.segment = args.max_segment;
    opts.limits.attribute = args.max_attribute;
    opts.limits.unit = args.max_unit;
    let tm = Tm::create(&args.store.path()?)?;
    let mut all_ok = true;
    let mut w = out::stdout();
    for file in &args.files {
        let bar = crate::progress::bar(&format!("{}", file.display()));
        let summary = match tm.import_file(file, &opts, &mut |n| bar.set(n)) {
            Ok(summary) => summary,
            Err(err) => ImportSummary {
                file: file.display().to_string(),
                fatal: Some(err.to_string()),
                ..Default::default()
            },
        };
        bar.finish();
        all_ok &= summary.fatal.is_none() && summary.skipped == 0;
        report(&args, &summary, &mut w)?;
    }
    use std::io::Write;
    w.flush()?;
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn report(args: &Args, s: &ImportSummary, w: &mut impl std::io::Write) -> Result<()> {
    let quiet = args.messages.no_messages;
    for warning in &s.warnings {
        out::warn(quiet, warning);
    }
    if let Some(id) = s.already_imported {
        eprintln!(
            "tmkit: nothing to resume: {} was fully imported (import #{id})",
            s.file
        );
    }
    if let Some(fatal) = &s.fatal {
        eprintln!("tmkit: {fatal} (nothing of this file was imported)");
    } else {
        for error in &s.errors {
            eprintln!("tmkit: {error}");
        }
    }
    if args.json {
        let mut value = serde_json::to_value(s)?;
        value["type"] = json!("summary");
        out::json_line(w, &value)?;
    } else if s.fatal.is_none() && s.already_imported.is_none() {
        let langs: Vec<String> = s
            .languages
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        writeln!(
            w,
            "{}: {} units read, {} imported, {} skipped; variants: {}",
            s.file,
            s.tus,
            s.imported,
            s.skipped,
            if langs.is_empty() {
                "none".into()
            } else {
                langs.join(", ")
            }
        )?;
    }
    Ok(())
}

/// A size in bytes: a number, optionally followed by K, M or G (powers of
/// 1024).
fn parse_bytes(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("{s:?} is not a size in bytes (e.g. 1048576, 512K, 1M, 2G)"))
}
