use std::{io::Write, process::ExitCode};

use anyhow::{bail, Result};
use serde_json::json;
use tmkit_core::{Lang, TuId};
use tmkit_engine::{Filter, Tm};

use crate::{
    flags::{parse_date, parse_lang, StoreArgs},
    out,
};

/// Delete units: by id, by import, or by a filter.
///
/// Every criterion given must hold. At least one is required: tmkit does not
/// delete a whole store (remove its directory for that).
///
/// Examples:
///   tmkit delete --db ./tm --id 12 --id 13
///   tmkit delete --import 3
///   tmkit delete --lang de --since 2024-01-01 --until 2024-07-01
///   tmkit delete --prop x-origin=machine
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// A unit id (repeatable).
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<u64>,
    /// The units stored by this import (see `tmkit stats`).
    #[arg(long, value_name = "N")]
    import: Option<u64>,
    /// Units having a variant in this language.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    lang: Option<Lang>,
    /// Units stored on or after this date (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    since: Option<u64>,
    /// Units stored before this date (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    until: Option<u64>,
    /// Units with this prop, as TYPE=VALUE.
    #[arg(long, value_name = "TYPE=VALUE")]
    prop: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let prop = match &args.prop {
        Some(p) => match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Some((k.to_string(), v.to_string())),
            _ => bail!("--prop {p:?}: expected TYPE=VALUE, e.g. --prop x-origin=machine"),
        },
        None => None,
    };
    let filter = Filter {
        ids: args.ids.iter().map(|&i| TuId(i)).collect(),
        import: args.import,
        lang: args.lang.clone(),
        since: args.since,
        until: args.until,
        prop,
    };
    if filter.is_all() {
        bail!("delete needs a criterion (--id, --import, --lang, --since, --until or --prop)");
    }
    let n = Tm::open(&args.store.path()?)?.delete(&filter)?;
    let mut w = out::stdout();
    if args.json {
        out::json_line(&mut w, &json!({"type": "delete", "deleted": n}))?;
    } else {
        writeln!(w, "deleted {n} units")?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
