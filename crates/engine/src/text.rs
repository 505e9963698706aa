use tmkit_core::Lang;
use tmkit_segment::Segmenter;

/// A sentence of a document, with the paragraph it stands in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence, outer whitespace trimmed.
    pub text: String,
    /// 0-based index of its paragraph.
    pub paragraph: usize,
}

/// How a document is turned into sentences.
#[derive(Clone, Debug)]
pub enum Splitter {
    /// Segment with these rules.
    Rules(Segmenter),
    /// The text is already one sentence per line; blank lines separate paragraphs.
    Presegmented,
}

impl Splitter {
    /// The built-in rules for `lang`.
    pub fn builtin(lang: &Lang) -> Splitter {
        Splitter::Rules(Segmenter::builtin(lang))
    }

    /// Rules from an SRX document, for `lang`.
    pub fn srx(xml: &str, lang: &Lang) -> crate::Result<Splitter> {
        Ok(Splitter::Rules(Segmenter::from_srx(xml, lang)?))
    }

    /// The SRX rules that could not be compiled and were left out, each
    /// with its name and reason, one line each.
    pub fn warnings(&self) -> Vec<String> {
        match self {
            Splitter::Rules(segmenter) => {
                segmenter.warnings().iter().map(|w| w.to_string()).collect()
            }
            Splitter::Presegmented => vec![],
        }
    }

    /// The sentences of `text`.
    pub fn split(&self, text: &str) -> Vec<Sentence> {
        self.split_with_warnings(text).0
    }

    /// The sentences of `text`, and the SRX rules that gave up on it (too
    /// much backtracking), one line each: each was left out from where it
    /// gave up to the end of `text`.
    pub fn split_with_warnings(&self, text: &str) -> (Vec<Sentence>, Vec<String>) {
        match self {
            Splitter::Rules(segmenter) => {
                let (sentences, gave_up) = segmenter.segment_with_warnings(text);
                let sentences = sentences
                    .into_iter()
                    .filter_map(|s| {
                        let sentence = s.span.slice(text)?.trim();
                        (!sentence.is_empty()).then(|| Sentence {
                            text: sentence.to_string(),
                            paragraph: s.paragraph,
                        })
                    })
                    .collect();
                (sentences, gave_up.iter().map(|w| w.to_string()).collect())
            }
            Splitter::Presegmented => (presegmented(text), Vec::new()),
        }
    }
}

/// One sentence per non-blank line; a run of blank lines starts a new paragraph.
fn presegmented(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut paragraph = 0;
    let mut blank_before = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            blank_before = !out.is_empty();
            continue;
        }
        if blank_before {
            paragraph += 1;
            blank_before = false;
        }
        out.push(Sentence {
            text: line.to_string(),
            paragraph,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presegmented_counts_paragraphs() {
        let got = Splitter::Presegmented.split("\n\nA.\nB.\n\n\n C. \n");
        let paras: Vec<_> = got.iter().map(|s| (s.text.as_str(), s.paragraph)).collect();
        assert_eq!(paras, [("A.", 0), ("B.", 0), ("C.", 1)]);
    }
}
