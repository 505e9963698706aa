/*!
The shared nouns of tmkit: languages, segments with inline markup, and
translation units.

Every other tmkit crate speaks in these types, and this crate does no I/O:
reading TMX, storing units, segmenting text and scoring matches all live in
their own crates, which depend on this one and on nothing of each other.

The types that matter:

* [`Lang`], a normalized language tag (`fr_fr`, `FRA-fr` and `French` all
  become `fr-FR` or `fr`), with [`Lang::matches`] to compare a general tag
  against a regional one.
* [`Segment`], the text of one variant, as a sequence of [`Inline`] items:
  text runs and TMX inline tags (`bpt`, `ept`, `it`, `ph`, `hi`, `ut`, `sub`,
  and foreign elements), with [`Segment::plain_text`] as the view that
  matching and alignment use.
* [`Tu`], a translation unit: its language variants ([`Tuv`]) with their
  attributes, props and notes.
* [`normalize_text`], what counts as the same sentence: the one rule the
  store's duplicate check, lookup's 100 and the aligner share.

```
use tmkit_core::{Lang, Tu};

let fr = Lang::parse("fr_FR").unwrap();
let en = Lang::parse("English").unwrap();
assert_eq!(fr.as_str(), "fr-FR");
assert_eq!(en.as_str(), "en");

let tu = Tu::bilingual(fr.clone(), "Bonjour.", en.clone(), "Hello.");
assert_eq!(tu.variant(&Lang::parse("fr").unwrap()).unwrap().seg.plain_text(), "Bonjour.");
```
*/

// Every public item is documented: the crate is the contract between stages.
#![deny(missing_docs)]

pub use compact_str::CompactString;

pub use crate::{
    chars::{forbidden_char, is_xml_char},
    lang::{Lang, LangError},
    segment::{Inline, Segment, Tag, TagKind},
    span::Span,
    text::{normalize_text, unify_char},
    tu::{Attr, Note, Prop, Tu, TuId, Tuv},
};

mod chars;
mod lang;
mod segment;
mod span;
mod text;
mod tu;
