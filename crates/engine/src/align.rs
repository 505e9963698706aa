use tmkit_align::{Aligner, Link, Sent};
use tmkit_core::{Lang, Prop, Tu};

use crate::text::Sentence;

/// The prop that records how sure the aligner was of a unit it made.
pub const CONFIDENCE_PROP: &str = "x-tmkit-align-confidence";

/// Links below this confidence are flagged for review.
pub const REVIEW_BELOW: f64 = 0.5;

/// An aligned document: both sides' sentences and the links between them.
#[derive(Clone, Debug)]
pub struct Alignment {
    /// Source sentences.
    pub src: Vec<Sentence>,
    /// Target sentences.
    pub tgt: Vec<Sentence>,
    /// Links, in document order; every sentence is in exactly one.
    pub links: Vec<Link>,
}

/// One aligned pair, texts joined where a side holds several sentences.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Pair {
    /// Source sentence indexes.
    pub src_ids: Vec<usize>,
    /// Target sentence indexes.
    pub tgt_ids: Vec<usize>,
    /// Source text (sentences joined by a space; empty for 0-1).
    pub src: String,
    /// Target text.
    pub tgt: String,
    /// The aligner's confidence, 0..=1.
    pub confidence: f64,
    /// Whether a translator should review this link.
    pub review: bool,
}

/// Aligns two sentence lists.
pub fn align(aligner: &Aligner, src: Vec<Sentence>, tgt: Vec<Sentence>) -> Alignment {
    let as_sents = |v: &[Sentence]| -> Vec<(String, usize)> {
        v.iter().map(|s| (s.text.clone(), s.paragraph)).collect()
    };
    let (s, t) = (as_sents(&src), as_sents(&tgt));
    let s: Vec<Sent<'_>> = s
        .iter()
        .map(|(text, paragraph)| Sent {
            text,
            paragraph: *paragraph,
        })
        .collect();
    let t: Vec<Sent<'_>> = t
        .iter()
        .map(|(text, paragraph)| Sent {
            text,
            paragraph: *paragraph,
        })
        .collect();
    let links = aligner.align(&s, &t);
    Alignment { src, tgt, links }
}

impl Alignment {
    /// The links as pairs of texts.
    pub fn pairs(&self) -> Vec<Pair> {
        let join = |ids: &[usize], side: &[Sentence]| {
            ids.iter()
                .filter_map(|&i| side.get(i).map(|s| s.text.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        self.links
            .iter()
            .map(|l| Pair {
                src_ids: l.src.clone(),
                tgt_ids: l.tgt.clone(),
                src: join(&l.src, &self.src),
                tgt: join(&l.tgt, &self.tgt),
                confidence: l.confidence,
                review: l.confidence < REVIEW_BELOW,
            })
            .collect()
    }

    /// The units to store: one per link with text on both sides, carrying
    /// the confidence as a prop.
    pub fn units(&self, src_lang: &Lang, tgt_lang: &Lang) -> Vec<Tu> {
        self.pairs()
            .into_iter()
            .filter(|p| !p.src.is_empty() && !p.tgt.is_empty())
            .map(|p| {
                let mut tu = Tu::bilingual(
                    src_lang.clone(),
                    p.src.as_str(),
                    tgt_lang.clone(),
                    p.tgt.as_str(),
                );
                tu.props
                    .push(Prop::new(CONFIDENCE_PROP, format!("{:.3}", p.confidence)));
                tu
            })
            .collect()
    }
}

/// Formats a link as `0,1<TAB>2`, the form of `gold.tsv`.
pub fn link_line(link: &Link) -> String {
    let ids = |v: &[usize]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!("{}\t{}", ids(&link.src), ids(&link.tgt))
}
