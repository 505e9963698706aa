use std::path::{Path, PathBuf};

use tmkit_align::{LearnOptions, Lexicon};
use tmkit_core::Lang;

use crate::{tm::Tm, Error, Result};

/// Where the lexicon learned from a store for a language pair is kept: in a
/// `lexicons` folder beside the store's database files.
pub fn lexicon_path(store: &Path, src: &Lang, tgt: &Lang) -> PathBuf {
    store.join("lexicons").join(format!("{src}_{tgt}.lex"))
}

/// Reads a dictionary file: tmkit's saved lexicons and `source<TAB>target`
/// TSV, or hunalign's `target @ source` lines.
pub fn read_dictionary(path: &Path) -> Result<Lexicon> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, "read", e))?;
    let hunalign =
        text.lines().any(|l| l.contains(" @ ")) && !text.lines().any(|l| l.contains('\t'));
    let parsed = if hunalign {
        Lexicon::from_hunalign(&text)
    } else {
        Lexicon::from_tsv(&text)
    };
    parsed.map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
}

impl Tm {
    /// Learns a word lexicon from the stored units of the pair (Dice
    /// coefficient of co-occurrence in units), for the aligner.
    pub fn learn_lexicon(&self, src: &Lang, tgt: &Lang) -> Result<Lexicon> {
        let mut pairs = Vec::new();
        self.for_each_unit(src, tgt, &mut |tu| {
            let text = |lang| {
                tu.variant(lang)
                    .map(|v| v.seg.plain_text())
                    .unwrap_or_default()
            };
            pairs.push((text(src), text(tgt)));
        })?;
        Ok(Lexicon::learn(pairs, &LearnOptions::new()))
    }

    /// Learns the lexicon of the pair and saves it where [`lexicon_path`]
    /// says; returns the path and how many word pairs it holds.
    pub fn build_lexicon(&self, src: &Lang, tgt: &Lang) -> Result<(PathBuf, usize)> {
        let lexicon = self.learn_lexicon(src, tgt)?;
        let path = lexicon_path(self.path(), src, tgt);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the directory", e))?;
        }
        let tmp = path.with_extension("partial");
        let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, "create", e))?;
        lexicon
            .to_writer(std::io::BufWriter::new(file))
            .map_err(|e| Error::Usage(format!("{}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, "rename into place", e))?;
        Ok((path, lexicon.len()))
    }

    /// The lexicon saved for the pair by [`Tm::build_lexicon`], if any: the
    /// one built for exactly these tags, else one whose languages match them
    /// ([`Lang::matches`]: a lexicon built for `fr`/`en` serves `fr-FR`/`en-US`).
    pub fn saved_lexicon(&self, src: &Lang, tgt: &Lang) -> Result<Option<Lexicon>> {
        let exact = lexicon_path(self.path(), src, tgt);
        if exact.exists() {
            return read_dictionary(&exact).map(Some);
        }
        let Ok(entries) = std::fs::read_dir(self.path().join("lexicons")) else {
            return Ok(None);
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let Some((a, b)) = p
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .filter(|_| p.extension().is_some_and(|e| e == "lex"))
                    .and_then(|s| s.split_once('_'))
                else {
                    return false;
                };
                matches!((Lang::parse(a), Lang::parse(b)), (Ok(a), Ok(b)) if a.matches(src) && b.matches(tgt))
            })
            .collect();
        found.sort();
        match found.first() {
            Some(path) => read_dictionary(path).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use tmkit_core::{Lang, Tu};

    use crate::Tm;

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    #[test]
    fn a_lexicon_built_for_general_tags_serves_regional_ones() {
        let dir = tempfile::tempdir().unwrap();
        let tm = Tm::create(&dir.path().join("tm")).unwrap();
        let units = (0..20)
            .map(|i| {
                Tu::bilingual(
                    lang("fr"),
                    format!("le chat {i}").as_str(),
                    lang("en"),
                    format!("the cat {i}").as_str(),
                )
            })
            .collect();
        tm.add_units("cats", &lang("fr"), units).unwrap();
        let (_, pairs) = tm.build_lexicon(&lang("fr"), &lang("en")).unwrap();
        assert!(pairs > 0);
        let found = tm
            .saved_lexicon(&lang("fr-FR"), &lang("en-US"))
            .unwrap()
            .expect("lexicon found");
        assert!(
            found.translations("chat").iter().any(|(t, _)| t == "cat"),
            "{:?}",
            found.translations("chat")
        );
        assert!(tm
            .saved_lexicon(&lang("de"), &lang("en"))
            .unwrap()
            .is_none());
    }
}
