//! Which variant of a unit is its source: the policy of `docs/TMX.md`.

use tmkit_core::{Lang, Tu, Tuv};

/// The variant of `tu` in language `lang`: the same tag first, then a tag
/// one is more precise than the other (`fr` and `fr-FR`, both ways), then
/// the same primary language (`en-GB` and `en-US`).
pub fn find_variant<'t>(tu: &'t Tu, lang: &Lang) -> Option<&'t Tuv> {
    let v = &tu.variants;
    v.iter()
        .find(|t| &t.lang == lang)
        .or_else(|| v.iter().find(|t| t.lang.matches(lang)))
        .or_else(|| v.iter().find(|t| t.lang.primary() == lang.primary()))
}

/// The unit's own `srclang`, when it names a language.
fn own_srclang(tu: &Tu) -> Option<Lang> {
    tu.attr("srclang").and_then(|v| Lang::parse(v).ok())
}

/// The source variant of `tu` when the file's source language is `file`:
/// the variant named by the unit's own `srclang` attribute, else the one in
/// `file` (matched by [`find_variant`]), else the unit's first variant.
pub fn source_variant<'t>(tu: &'t Tu, file: Option<&Lang>) -> Option<&'t Tuv> {
    own_srclang(tu)
        .and_then(|l| find_variant(tu, &l))
        .or_else(|| file.and_then(|l| find_variant(tu, l)))
        .or_else(|| tu.variants.first())
}

/// The source variant named by the unit's `srclang` or by the header's,
/// without falling back to the first variant.
pub(crate) fn declared_source<'t>(tu: &'t Tu, header: &Lang) -> Option<&'t Tuv> {
    own_srclang(tu)
        .and_then(|l| find_variant(tu, &l))
        .or_else(|| find_variant(tu, header))
}

/// The file's source language decided from its first unit, when the header
/// does not name one.
pub(crate) fn first_unit_source(tu: &Tu) -> Option<Lang> {
    own_srclang(tu)
        .filter(|l| find_variant(tu, l).is_some())
        .or_else(|| tu.variants.first().map(|v| v.lang.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    fn tu(langs: &[&str]) -> Tu {
        Tu {
            variants: langs.iter().map(|l| Tuv::new(lang(l), *l)).collect(),
            ..Tu::default()
        }
    }

    #[test]
    fn source_follows_the_documented_order() {
        let t = tu(&["fr-CA", "en-US", "fr-FR"]);
        assert_eq!(
            source_variant(&t, Some(&lang("fr-FR"))).unwrap().lang,
            lang("fr-FR")
        );
        assert_eq!(
            source_variant(&t, Some(&lang("fr"))).unwrap().lang,
            lang("fr-CA")
        );
        assert_eq!(
            source_variant(&t, Some(&lang("en-GB"))).unwrap().lang,
            lang("en-US")
        );
        assert_eq!(
            source_variant(&t, Some(&lang("de"))).unwrap().lang,
            lang("fr-CA")
        );
        assert_eq!(source_variant(&t, None).unwrap().lang, lang("fr-CA"));
        let mut own = t.clone();
        own.set_attr("srclang", "en");
        assert_eq!(
            source_variant(&own, Some(&lang("fr"))).unwrap().lang,
            lang("en-US")
        );
        assert!(declared_source(&t, &lang("de")).is_none());
        assert_eq!(first_unit_source(&own), Some(lang("en")));
        assert_eq!(first_unit_source(&t), Some(lang("fr-CA")));
    }
}
