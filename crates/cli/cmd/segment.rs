use std::{io::Write, path::PathBuf};

use anyhow::{Context, Result};
use tmkit_core::Lang;
use tmkit_engine::Splitter;

use crate::{flags::parse_lang, out};

/// Split text into sentences.
///
/// Prints one sentence per line, with a blank line between paragraphs
/// (`--flat` leaves the blank lines out). Paragraphs are separated by blank
/// lines in the input.
///
/// Examples:
///   tmkit segment --lang fr article.txt
///   tmkit segment --lang en --rules my-rules.srx notes.txt
///   tmkit segment --lang fr --jsonl < docs.jsonl > docs.sentences.jsonl
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Language of the text (built-in rules for fr and en; generic rules otherwise).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    lang: Lang,
    /// The text file; standard input when absent or `-`.
    file: Option<PathBuf>,
    /// Use the rules of this SRX 2.0 file instead of the built-in ones.
    #[arg(long, value_name = "FILE.srx")]
    rules: Option<PathBuf>,
    /// Read JSON Lines objects with a "text" field; write each object back
    /// with a "sentences" array added (other fields are passed through).
    #[arg(long)]
    jsonl: bool,
    /// No blank line between paragraphs.
    #[arg(long, conflicts_with = "jsonl")]
    flat: bool,
}

pub fn run(args: Args) -> Result<std::process::ExitCode> {
    let splitter = match &args.rules {
        Some(path) => {
            let xml = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            let splitter =
                Splitter::srx(&xml, &args.lang).with_context(|| path.display().to_string())?;
            for warning in splitter.warnings() {
                out::warn(false, format!("{}: {warning}", path.display()));
            }
            splitter
        }
        None => Splitter::builtin(&args.lang),
    };
    let input = super::read_input(args.file.as_deref())?;
    let name = args
        .file
        .as_ref()
        .map_or("<stdin>".into(), |p| p.display().to_string());
    // Names the rule file in the reports of rules that give up on the text.
    let rules = args
        .rules
        .as_ref()
        .map_or("built-in rules".into(), |p| p.display().to_string());
    let mut w = out::stdout();
    if args.jsonl {
        for (i, line) in input.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut value: serde_json::Value = serde_json::from_str(line)
                .with_context(|| format!("{name}:{}: not a JSON object", i + 1))?;
            let obj = value.as_object_mut().with_context(|| {
                format!("{name}:{}: expected a JSON object, got {line:.40}", i + 1)
            })?;
            let text = obj.get("text").and_then(|t| t.as_str()).with_context(|| {
                format!("{name}:{}: the object has no string field \"text\"", i + 1)
            })?;
            let (sentences, gave_up) = splitter.split_with_warnings(text);
            for warning in gave_up {
                out::warn(
                    false,
                    format!("{rules}: {warning} (text of {name}:{})", i + 1),
                );
            }
            let sentences: Vec<serde_json::Value> =
                sentences.into_iter().map(|s| s.text.into()).collect();
            obj.insert("sentences".into(), sentences.into());
            out::json_line(&mut w, &value)?;
        }
    } else {
        let mut last_paragraph = None;
        let (sentences, gave_up) = splitter.split_with_warnings(&input);
        for warning in gave_up {
            out::warn(false, format!("{rules}: {warning} (text of {name})"));
        }
        for s in sentences {
            if !args.flat && last_paragraph.is_some_and(|p| p != s.paragraph) {
                writeln!(w)?;
            }
            last_paragraph = Some(s.paragraph);
            writeln!(w, "{}", s.text)?;
        }
    }
    w.flush()?;
    Ok(std::process::ExitCode::SUCCESS)
}
