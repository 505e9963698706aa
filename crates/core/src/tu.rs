use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::{lang::Lang, segment::Segment};

/// The identifier of a unit in a store, assigned by the store.
///
/// Ids grow with insertion order; their big-endian bytes sort as the numbers
/// do, so they make good keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TuId(pub u64);

impl TuId {
    /// The id as 8 big-endian bytes.
    pub fn to_be_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }

    /// The id from 8 big-endian bytes.
    pub fn from_be_bytes(bytes: [u8; 8]) -> TuId {
        TuId(u64::from_be_bytes(bytes))
    }
}

impl std::fmt::Display for TuId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An XML attribute: name and value, as written (`creationdate`, `o-tmf`,
/// vendor attributes…).
///
/// Names and values are [`CompactString`]s: the short ones that make up
/// nearly all of them (`tuid`, dates, user ids, counts) are held inline,
/// without an allocation of their own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attr {
    /// The qualified name, e.g. `creationdate` or `xml:lang`.
    pub name: CompactString,
    /// The value, unescaped.
    pub value: CompactString,
}

impl Attr {
    /// An attribute from its name and value.
    pub fn new(name: impl Into<CompactString>, value: impl Into<CompactString>) -> Attr {
        Attr {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A `<prop>`: a typed property of a header, unit or variant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Prop {
    /// Its `type` attribute; `None` when a tool wrote only a vendor `name=`.
    pub kind: Option<CompactString>,
    /// Its other attributes (`xml:lang`, `o-encoding`, vendor `name`, `type2`).
    pub attrs: Vec<Attr>,
    /// Its text (short values are held inline, like [`Attr`]'s).
    pub value: CompactString,
}

impl Prop {
    /// A prop with a type and a value.
    pub fn new(kind: impl Into<CompactString>, value: impl Into<CompactString>) -> Prop {
        Prop {
            kind: Some(kind.into()),
            attrs: vec![],
            value: value.into(),
        }
    }

    /// The name that best says what the prop is: `type`, else vendor `name`,
    /// else `type2`.
    pub fn label(&self) -> Option<&str> {
        self.kind.as_deref().or_else(|| {
            self.attrs
                .iter()
                .find(|a| a.name == "name" || a.name == "type2")
                .map(|a| a.value.as_str())
        })
    }
}

/// A `<note>`: a free-text comment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Note {
    /// Its attributes (`xml:lang`, `o-encoding`, vendor ones).
    pub attrs: Vec<Attr>,
    /// Its text.
    pub value: String,
}

/// One language variant of a unit: a TMX `<tuv>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tuv {
    /// The normalized language.
    pub lang: Lang,
    /// The language as the file wrote it (`EN-US`, `English`), when it
    /// differs from the normalized one.
    pub lang_original: Option<String>,
    /// The other attributes of the `<tuv>`, in document order.
    pub attrs: Vec<Attr>,
    /// Its props.
    pub props: Vec<Prop>,
    /// Its notes.
    pub notes: Vec<Note>,
    /// Its text and inline markup.
    pub seg: Segment,
}

impl Tuv {
    /// A variant with a language and a text, and nothing else.
    pub fn new(lang: Lang, seg: impl Into<Segment>) -> Tuv {
        Tuv {
            lang,
            lang_original: None,
            attrs: vec![],
            props: vec![],
            notes: vec![],
            seg: seg.into(),
        }
    }
}

/// A translation unit: a TMX `<tu>` with all its language variants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tu {
    /// The attributes of the `<tu>` (`tuid`, `creationdate`, `changeid`,
    /// `usagecount`, `srclang`, vendor ones…), in document order.
    pub attrs: Vec<Attr>,
    /// Its props.
    pub props: Vec<Prop>,
    /// Its notes.
    pub notes: Vec<Note>,
    /// Its language variants, in document order.
    pub variants: Vec<Tuv>,
}

impl Tu {
    /// A unit of two plain-text variants.
    pub fn bilingual(
        src_lang: Lang,
        src: impl Into<Segment>,
        tgt_lang: Lang,
        tgt: impl Into<Segment>,
    ) -> Tu {
        Tu {
            variants: vec![Tuv::new(src_lang, src), Tuv::new(tgt_lang, tgt)],
            ..Tu::default()
        }
    }

    /// The value of attribute `name` of the unit, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Sets attribute `name`, replacing an earlier value.
    pub fn set_attr(&mut self, name: &str, value: impl Into<CompactString>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|a| a.name == name) {
            Some(attr) => attr.value = value,
            None => self.attrs.push(Attr::new(name, value)),
        }
    }

    /// The first variant in language `lang`: an exact tag match first, else
    /// the first one that [`Lang::matches`] it.
    pub fn variant(&self, lang: &Lang) -> Option<&Tuv> {
        self.variants
            .iter()
            .find(|v| &v.lang == lang)
            .or_else(|| self.variants.iter().find(|v| v.lang.matches(lang)))
    }

    /// The value of the first prop labelled `label` (see [`Prop::label`]).
    pub fn prop(&self, label: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.label() == Some(label))
            .map(|p| p.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    #[test]
    fn variant_prefers_exact_tag() {
        let mut tu = Tu::bilingual(lang("fr-CA"), "Allo", lang("en"), "Hi");
        tu.variants.push(Tuv::new(lang("fr-FR"), "Bonjour"));
        assert_eq!(
            tu.variant(&lang("fr-FR")).unwrap().seg.plain_text(),
            "Bonjour"
        );
        assert_eq!(tu.variant(&lang("fr")).unwrap().seg.plain_text(), "Allo");
        assert_eq!(tu.variant(&lang("en-GB")).unwrap().seg.plain_text(), "Hi");
        assert!(tu.variant(&lang("de")).is_none());
    }

    #[test]
    fn attrs_and_props() {
        let mut tu = Tu::default();
        tu.set_attr("tuid", "1");
        tu.set_attr("tuid", "2");
        assert_eq!(tu.attr("tuid"), Some("2"));
        assert_eq!(tu.attrs.len(), 1);
        tu.props.push(Prop {
            kind: None,
            attrs: vec![Attr::new("name", "x-origin")],
            value: "zanata".into(),
        });
        assert_eq!(tu.prop("x-origin"), Some("zanata"));
        assert_eq!(TuId::from_be_bytes(TuId(258).to_be_bytes()), TuId(258));
    }
}
