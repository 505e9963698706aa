use serde::{Deserialize, Serialize};

use crate::tu::Attr;

/// The content of one language variant: text runs and inline tags, in order.
///
/// This is the structure of a TMX `<seg>`. Tags keep their attributes and
/// their content, so that writing a segment back gives the same markup;
/// [`Segment::plain_text`] is the view that matching and alignment use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Segment {
    /// Text runs and tags, in document order.
    pub items: Vec<Inline>,
}

/// One item of a segment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Inline {
    /// Translatable text.
    Text(String),
    /// An inline tag, with its content.
    Tag(Tag),
}

/// An inline tag of a segment.
///
/// For `bpt`, `ept`, `it`, `ph` and `ut` the content is the native code the
/// tag stands for (text, and `sub` tags holding translatable text); for `hi`
/// and `sub` it is translatable text and tags.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// Which tag.
    pub kind: TagKind,
    /// Its attributes, in document order (`i`, `x`, `type`, `pos`, vendor ones…).
    pub attrs: Vec<Attr>,
    /// What the tag contains.
    pub content: Vec<Inline>,
}

/// The kinds of inline tag TMX knows, plus foreign elements.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TagKind {
    /// `<bpt>`: begins a paired native code.
    Bpt,
    /// `<ept>`: ends a paired native code.
    Ept,
    /// `<it>`: an isolated half of a pair.
    It,
    /// `<ph>`: a standalone native code.
    Ph,
    /// `<hi>`: highlighted translatable text.
    Hi,
    /// `<ut>`: unknown native code (deprecated in TMX 1.4).
    Ut,
    /// `<sub>`: translatable text inside native code.
    Sub,
    /// An element TMX does not define, kept by its qualified name
    /// (`tei:milestone`, `t5:n`).
    Other(String),
}

impl TagKind {
    /// The element name, e.g. `bpt`.
    pub fn name(&self) -> &str {
        match self {
            TagKind::Bpt => "bpt",
            TagKind::Ept => "ept",
            TagKind::It => "it",
            TagKind::Ph => "ph",
            TagKind::Hi => "hi",
            TagKind::Ut => "ut",
            TagKind::Sub => "sub",
            TagKind::Other(name) => name,
        }
    }

    /// The kind for an element name; unknown names give [`TagKind::Other`].
    pub fn from_name(name: &str) -> TagKind {
        match name {
            "bpt" => TagKind::Bpt,
            "ept" => TagKind::Ept,
            "it" => TagKind::It,
            "ph" => TagKind::Ph,
            "hi" => TagKind::Hi,
            "ut" => TagKind::Ut,
            "sub" => TagKind::Sub,
            other => TagKind::Other(other.to_string()),
        }
    }

    /// Whether the content of this tag is native code rather than text.
    pub fn holds_code(&self) -> bool {
        matches!(
            self,
            TagKind::Bpt | TagKind::Ept | TagKind::It | TagKind::Ph | TagKind::Ut
        )
    }
}

impl Tag {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }
}

impl Segment {
    /// How deep inline tags may nest in a segment: a tag inside 199 others
    /// is the deepest allowed. The TMX reader skips a unit with deeper
    /// markup, and the store refuses to decode any, so that what is imported
    /// can always be read back (and a damaged value cannot exhaust the stack).
    pub const MAX_DEPTH: usize = 200;

    /// How deep the segment's tags nest: 0 for plain text, 1 for tags that
    /// hold no tag, and so on.
    pub fn depth(&self) -> usize {
        fn depth(items: &[Inline]) -> usize {
            // An explicit stack, so that any depth is measured without recursion.
            let mut max = 0;
            let mut stack = vec![(items, 1usize)];
            while let Some((items, level)) = stack.pop() {
                for item in items {
                    if let Inline::Tag(tag) = item {
                        max = max.max(level);
                        stack.push((&tag.content, level + 1));
                    }
                }
            }
            max
        }
        depth(&self.items)
    }

    /// A segment made of one text run (or of nothing, for empty text).
    pub fn from_text(text: impl Into<String>) -> Segment {
        let text = text.into();
        let items = if text.is_empty() {
            vec![]
        } else {
            vec![Inline::Text(text)]
        };
        Segment { items }
    }

    /// The translatable text, without tags: text runs, and the text inside
    /// `hi` and foreign elements. Native code and `sub` content are left out.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        push_plain(&self.items, &mut out);
        out
    }

    /// How many tags the segment holds at its top level and inside `hi`.
    pub fn tag_count(&self) -> usize {
        fn count(items: &[Inline]) -> usize {
            items
                .iter()
                .map(|item| match item {
                    Inline::Text(_) => 0,
                    Inline::Tag(tag) if tag.kind.holds_code() => 1,
                    Inline::Tag(tag) => 1 + count(&tag.content),
                })
                .sum()
        }
        count(&self.items)
    }

    /// Whether the segment has no text and no tag.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the segment holds any tag.
    pub fn has_tags(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Inline::Tag(_)))
    }
}

fn push_plain(items: &[Inline], out: &mut String) {
    for item in items {
        match item {
            Inline::Text(text) => out.push_str(text),
            Inline::Tag(tag) if tag.kind.holds_code() || tag.kind == TagKind::Sub => {}
            Inline::Tag(tag) => push_plain(&tag.content, out),
        }
    }
}

impl From<&str> for Segment {
    fn from(text: &str) -> Segment {
        Segment::from_text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(kind: TagKind, content: Vec<Inline>) -> Inline {
        Inline::Tag(Tag {
            kind,
            attrs: vec![Attr::new("i", "1")],
            content,
        })
    }

    #[test]
    fn plain_text_skips_code_and_keeps_highlighted_text() {
        let seg = Segment {
            items: vec![
                Inline::Text("Cliquez ".into()),
                tag(TagKind::Bpt, vec![Inline::Text("<b>".into())]),
                Inline::Text("ici".into()),
                tag(TagKind::Ept, vec![Inline::Text("</b>".into())]),
                Inline::Text(" ".into()),
                tag(TagKind::Hi, vec![Inline::Text("maintenant".into())]),
                tag(
                    TagKind::Ph,
                    vec![tag(TagKind::Sub, vec![Inline::Text("alt".into())])],
                ),
                Inline::Text(".".into()),
            ],
        };
        assert_eq!(seg.plain_text(), "Cliquez ici maintenant.");
        assert_eq!(seg.tag_count(), 4);
        assert!(seg.has_tags());
        assert_eq!(Segment::from_text("").items.len(), 0);
        assert!(!Segment::from("x").has_tags());
    }

    #[test]
    fn depth_counts_nested_tags() {
        assert_eq!(Segment::from_text("x").depth(), 0);
        let mut items = vec![Inline::Text("x".into())];
        for _ in 0..5 {
            items = vec![
                Inline::Text("a".into()),
                tag(TagKind::Hi, items),
                tag(TagKind::Ph, vec![]),
            ];
        }
        assert_eq!(Segment { items }.depth(), 5);
    }

    #[test]
    fn tag_names_round_trip() {
        for name in ["bpt", "ept", "it", "ph", "hi", "ut", "sub", "t5:n"] {
            assert_eq!(TagKind::from_name(name).name(), name);
        }
        assert!(TagKind::Bpt.holds_code() && !TagKind::Hi.holds_code());
    }
}
