//! The public segmenter: paragraphs, then sentences by one rule set.

use std::sync::Arc;

use tmkit_core::{Lang, Span};

use crate::builtin::Builtin;
use crate::error::{Error, Result, RuleWarning};
use crate::srx::{SrxDocument, SrxRules};

/// A sentence found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    /// Byte span of the sentence in the input, outer whitespace excluded.
    pub span: Span,
    /// 0-based index of the paragraph (blank-line separated) it belongs to.
    pub paragraph: usize,
}

#[derive(Clone, Debug)]
enum Rules {
    Builtin(Builtin),
    Srx(Arc<SrxRules>),
}

/// A compiled set of segmentation rules for one language.
///
/// Cheap to clone; [`Segmenter::segment`] takes `&self` and can be called
/// from several threads.
#[derive(Clone, Debug)]
pub struct Segmenter {
    rules: Rules,
    warnings: Vec<RuleWarning>,
}

impl Segmenter {
    /// The built-in rules for `lang` (French and English; a generic set
    /// otherwise).
    pub fn builtin(lang: &Lang) -> Segmenter {
        Segmenter {
            rules: Rules::Builtin(Builtin::new(lang)),
            warnings: Vec::new(),
        }
    }

    /// Rules from an SRX 2.0 document, for `lang`.
    ///
    /// Rules that do not compile are left out and listed by
    /// [`Segmenter::warnings`]; use [`SegmenterBuilder::strict`] to refuse
    /// them instead.
    pub fn from_srx(xml: &str, lang: &Lang) -> Result<Segmenter> {
        SegmenterBuilder::new().lang(lang.clone()).srx(xml).build()
    }

    /// SRX rules that were left out because they do not compile (empty for
    /// the built-in rules). Print them: each names its rule and says why.
    pub fn warnings(&self) -> &[RuleWarning] {
        &self.warnings
    }

    /// Splits `text` into sentences, in order.
    ///
    /// An SRX rule whose matching gives up on `text` (see
    /// [`Segmenter::segment_with_warnings`]) is left out from there on,
    /// silently: use that method to report it.
    pub fn segment(&self, text: &str) -> Vec<Sentence> {
        self.segment_with_warnings(text).0
    }

    /// Splits `text` into sentences, in order, and lists the SRX rules that
    /// gave up on it.
    ///
    /// A rule with nested repetition can backtrack exponentially: a match
    /// that takes more than 100,000 backtracking steps gives up, the rule
    /// counts as not matching there and is left out for the rest of `text`,
    /// and its [`RuleWarning`] says where ([`RuleWarning::text_position`]).
    /// So one bad rule costs one bounded failed match per text, and the
    /// other rules still apply. Always empty for the built-in rules.
    pub fn segment_with_warnings(&self, text: &str) -> (Vec<Sentence>, Vec<RuleWarning>) {
        let mut out = Vec::new();
        let mut breaks = Vec::new();
        let mut run = None;
        for (index, (start, end)) in paragraphs(text).enumerate() {
            let para = &text[start..end];
            breaks.clear();
            match &self.rules {
                Rules::Builtin(b) => b.breaks(para, &mut breaks),
                Rules::Srx(s) => {
                    let run = run.get_or_insert_with(|| s.run());
                    s.breaks(para, start, &mut breaks, run);
                }
            }
            let mut from = 0;
            for &b in breaks.iter().chain(std::iter::once(&para.len())) {
                if b <= from || b > para.len() {
                    continue;
                }
                if let Some(span) = trimmed(para, from, b) {
                    out.push(Sentence {
                        span: Span::new(start + span.0, start + span.1),
                        paragraph: index,
                    });
                }
                from = b;
            }
        }
        let warnings = match (&self.rules, &run) {
            (Rules::Srx(s), Some(run)) => s.gave_up(run, text),
            _ => Vec::new(),
        };
        (out, warnings)
    }
}

/// `start..end` of `text` without outer whitespace, or `None` if blank.
fn trimmed(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let s = &text[start..end];
    let t = s.trim_start();
    let lead = s.len() - t.len();
    let t = t.trim_end();
    (!t.is_empty()).then(|| (start + lead, start + lead + t.len()))
}

/// Byte ranges of the paragraphs of `text`: runs of lines separated by one
/// or more blank (whitespace-only) lines.
fn paragraphs(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let mut start = None;
        let mut end = 0;
        while pos < text.len() {
            let line_start = pos;
            let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
            pos = (line_end + 1).min(text.len());
            if text[line_start..line_end].trim().is_empty() {
                if let Some(s) = start {
                    return Some((s, end));
                }
            } else {
                start.get_or_insert(line_start);
                end = line_end;
            }
        }
        start.map(|s| (s, end))
    })
}

/// Builds a [`Segmenter`], checking its configuration.
///
/// ```
/// use tmkit_core::Lang;
/// use tmkit_segment::SegmenterBuilder;
///
/// let xml = r#"<srx version="2.0"><header cascade="no"/><body><languagerules>
///   <languagerule languagerulename="Any">
///     <rule break="yes"><beforebreak>[.!?]\s</beforebreak><afterbreak>\p{Lu}</afterbreak></rule>
///   </languagerule></languagerules>
///   <maprules><languagemap languagepattern=".*" languagerulename="Any"/></maprules></body></srx>"#;
/// let seg = SegmenterBuilder::new().lang(Lang::parse("de").unwrap()).srx(xml).strict(true).build().unwrap();
/// assert_eq!(seg.segment("Ja. Nein. ok.").len(), 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct SegmenterBuilder {
    lang: Option<Lang>,
    srx: Option<String>,
    strict: bool,
}

impl SegmenterBuilder {
    /// A builder for the built-in rules, language not yet set.
    pub fn new() -> SegmenterBuilder {
        SegmenterBuilder::default()
    }

    /// The language of the texts to segment (required).
    pub fn lang(mut self, lang: Lang) -> SegmenterBuilder {
        self.lang = Some(lang);
        self
    }

    /// Use the rules of this SRX 2.0 document instead of the built-in ones.
    pub fn srx(mut self, xml: &str) -> SegmenterBuilder {
        self.srx = Some(xml.to_string());
        self
    }

    /// Refuse an SRX document with rules that do not compile
    /// ([`Error::Rules`]) instead of leaving them out.
    pub fn strict(mut self, yes: bool) -> SegmenterBuilder {
        self.strict = yes;
        self
    }

    /// Compiles the rules.
    pub fn build(self) -> Result<Segmenter> {
        let lang = self.lang.ok_or_else(|| {
            Error::Config(
                "no language given: call .lang(Lang::parse(\"fr\")?) before .build()".into(),
            )
        })?;
        let Some(xml) = self.srx else {
            return Ok(Segmenter::builtin(&lang));
        };
        let doc = SrxDocument::parse(&xml)?;
        let (rules, warnings) = doc.compile(&lang)?;
        if self.strict && !warnings.is_empty() {
            return Err(Error::Rules(warnings));
        }
        Ok(Segmenter {
            rules: Rules::Srx(Arc::new(rules)),
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let text = "\n  \nA b.\nc d.\n \t\nE.\r\n\r\nF\n";
        let p: Vec<&str> = paragraphs(text).map(|(s, e)| &text[s..e]).collect();
        assert_eq!(p, ["A b.\nc d.", "E.\r", "F"]);
        assert_eq!(paragraphs("").count(), 0);
        assert_eq!(paragraphs(" \n\n").count(), 0);
    }

    #[test]
    fn sentences_carry_paragraph_index() {
        let seg = Segmenter::builtin(&Lang::parse("en").unwrap());
        let text = "Title\n\nOne. Two.\n\n\nThree.";
        let got: Vec<(&str, usize)> = seg
            .segment(text)
            .iter()
            .map(|s| (&text[s.span.start..s.span.end], s.paragraph))
            .collect();
        assert_eq!(got, [("Title", 0), ("One.", 1), ("Two.", 1), ("Three.", 2)]);
    }

    #[test]
    fn segmenter_can_be_shared_between_threads() {
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<Segmenter>();
    }

    #[test]
    fn builder_needs_a_language() {
        assert!(matches!(
            SegmenterBuilder::new().build(),
            Err(Error::Config(_))
        ));
    }
}
