//! Export: the units of a pair as TMX or TSV.

use std::io::Write;

use tmkit_core::{Lang, Tu};
use tmkit_store::{Filter, Store};
use tmkit_tmx::{TmxWriter, WriteOptions};

use crate::{tsv::write_tsv_line, Error, Result, Tm};

/// The formats of [`Tm::export`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// TMX 1.4b, plain text.
    Tmx,
    /// TMX 1.4b with inline markup.
    TmxMarkup,
    /// `source<TAB>target` lines.
    Tsv,
}
impl Tm {
    /// Writes the units of the pair that `filter` selects (all of them with
    /// `Filter::default()`) to `w`; returns how many.
    pub fn export(
        &self,
        src: &Lang,
        tgt: &Lang,
        filter: &Filter,
        format: ExportFormat,
        w: &mut dyn Write,
    ) -> Result<u64> {
        let store = self.store()?;
        let units: tmkit_store::Iter<'_, tmkit_store::Record> = if filter.is_all() {
            store.units(src, tgt)?
        } else {
            let has_pair = |r: &tmkit_store::Record| {
                r.tu.variant(src).is_some() && r.tu.variant(tgt).is_some()
            };
            Box::new(
                store
                    .records(filter)?
                    .filter(move |r| r.as_ref().map_or(true, has_pair)),
            )
        };
        let mut n = 0;
        match format {
            ExportFormat::Tsv => {
                for record in units {
                    let tu = record?.tu;
                    write_tsv_line(w, &tu, src, tgt).map_err(|e| Error::io("<output>", e))?;
                    n += 1;
                }
            }
            ExportFormat::Tmx | ExportFormat::TmxMarkup => {
                let mut opts = WriteOptions::new(src.clone());
                opts.markup = format == ExportFormat::TmxMarkup;
                let mut writer = TmxWriter::new(w, opts)?;
                for record in units {
                    let mut tu = record?.tu;
                    tu.variants
                        .retain(|v| v.lang.matches(src) || v.lang.matches(tgt));
                    writer.write_tu(&tu)?;
                    n += 1;
                }
                writer.finish()?;
            }
        }
        Ok(n)
    }
}

/// Writes `units` as a TMX 1.4b document with source language `src`.
pub fn write_tmx(w: &mut dyn Write, src: &Lang, units: &[Tu]) -> Result<()> {
    let mut opts = WriteOptions::new(src.clone());
    opts.markup = false;
    let mut writer = TmxWriter::new(w, opts)?;
    for tu in units {
        writer.write_tu(tu)?;
    }
    writer.finish()?;
    Ok(())
}
