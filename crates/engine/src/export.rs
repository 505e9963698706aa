//! Export: the units of a pair as TMX or TSV.

use std::{io::Write, path::Path};

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
/// What [`Tm::export`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exported {
    /// Units written.
    pub units: u64,
    /// Units written without some of their characters because TMX (XML 1.0)
    /// cannot hold them: control characters that stores filled before tmkit
    /// refused them at import may hold. Always 0 for TSV.
    pub altered: u64,
}

impl Tm {
    /// Writes the units of the pair that `filter` selects (all of them with
    /// `Filter::default()`) to `w`, the output called `name` in errors.
    /// Stored text never stops an export half-way: see
    /// [`Exported::altered`].
    pub fn export(
        &self,
        src: &Lang,
        tgt: &Lang,
        filter: &Filter,
        format: ExportFormat,
        w: &mut dyn Write,
        name: &Path,
    ) -> Result<Exported> {
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
        let mut done = Exported::default();
        match format {
            ExportFormat::Tsv => {
                for record in units {
                    let tu = record?.tu;
                    write_tsv_line(w, &tu, src, tgt).map_err(|e| Error::io(name, "write", e))?;
                    done.units += 1;
                }
            }
            ExportFormat::Tmx | ExportFormat::TmxMarkup => {
                let mut opts = WriteOptions::new(src.clone());
                opts.markup = format == ExportFormat::TmxMarkup;
                let mut writer = TmxWriter::new(w, opts).map_err(named(name))?;
                for record in units {
                    let mut tu = record?.tu;
                    tu.variants
                        .retain(|v| v.lang.matches(src) || v.lang.matches(tgt));
                    writer.write_tu(&tu).map_err(named(name))?;
                    done.units += 1;
                }
                done.altered = writer.units_altered();
                writer.finish().map_err(named(name))?;
            }
        }
        Ok(done)
    }
}

/// Writes `units` as a TMX 1.4b document with source language `src` to `w`,
/// the output called `name` in errors.
pub fn write_tmx(w: &mut dyn Write, name: &Path, src: &Lang, units: &[Tu]) -> Result<()> {
    let mut opts = WriteOptions::new(src.clone());
    opts.markup = false;
    let mut writer = TmxWriter::new(w, opts).map_err(named(name))?;
    for tu in units {
        writer.write_tu(tu).map_err(named(name))?;
    }
    writer.finish().map_err(named(name))?;
    Ok(())
}

/// The TMX writer knows its sink only as `<output>`: a failed write is
/// reported with the name of the output it went to.
fn named(name: &Path) -> impl Fn(tmkit_tmx::Error) -> Error + '_ {
    move |e| match e {
        tmkit_tmx::Error::Io { source, .. } => Error::io(name, "write", source),
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(texts: &[(&str, &str)]) -> (tempfile::TempDir, Tm, Lang, Lang) {
        let dir = tempfile::tempdir().unwrap();
        let tm = Tm::create(&dir.path().join("tm")).unwrap();
        let (fr, en) = (Lang::parse("fr").unwrap(), Lang::parse("en").unwrap());
        let units = texts
            .iter()
            .map(|(s, t)| Tu::bilingual(fr.clone(), *s, en.clone(), *t))
            .collect();
        tm.add_units("t", &fr, units).unwrap();
        (dir, tm, fr, en)
    }

    #[test]
    fn stored_control_characters_never_stop_a_tmx_export() {
        // A store filled before import refused such characters.
        let (_dir, tm, fr, en) = store_with(&[
            ("Un.", "One."),
            ("Debian\u{2} catalogue", "Debian\u{2} catalog"),
            ("Deux.", "Two."),
        ]);
        let mut out = Vec::new();
        let done = tm
            .export(
                &fr,
                &en,
                &Filter::default(),
                ExportFormat::Tmx,
                &mut out,
                Path::new("o.tmx"),
            )
            .unwrap();
        assert_eq!(
            done,
            Exported {
                units: 3,
                altered: 1
            }
        );
        let tmx = String::from_utf8(out).unwrap();
        assert!(tmx.contains("<seg>Debian catalogue</seg>"), "{tmx}");
        assert!(tmx.trim_end().ends_with("</tmx>"), "{tmx}");
    }

    #[test]
    fn a_failed_write_names_the_output() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::from_raw_os_error(28))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (_dir, tm, fr, en) = store_with(&[("Un.", "One.")]);
        for format in [ExportFormat::Tmx, ExportFormat::Tsv] {
            let err = tm
                .export(
                    &fr,
                    &en,
                    &Filter::default(),
                    format,
                    &mut Full,
                    Path::new("out.x"),
                )
                .unwrap_err();
            assert!(err.to_string().starts_with("out.x: "), "{err}");
        }
    }
}
