//! Scoring an alignment against gold links, as in the vecalign paper:
//! strict counts exact links; lax counts a link as right when it overlaps
//! a gold link on both sides.

use std::collections::{HashMap, HashSet};

use crate::align::Link;
use crate::error::{Error, Result};

/// Precision, recall and F1, each in 0..=1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    /// Share of predicted links that are right.
    pub precision: f64,
    /// Share of gold links that were found.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// Strict and lax scores of one alignment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scores {
    /// Exact link matches.
    pub strict: Prf,
    /// Links overlapping a reference link on both sides.
    pub lax: Prf,
}

type Key = (Vec<usize>, Vec<usize>);

/// (strict hits, lax hits, total) of `test` measured against `gold`.
fn hits(gold: &[Link], test: &[Link]) -> (usize, usize, usize) {
    let keep = |l: &&Link| !(l.src.is_empty() && l.tgt.is_empty());
    let gold_set: HashSet<Key> = gold
        .iter()
        .filter(keep)
        .map(|l| (l.src.clone(), l.tgt.clone()))
        .collect();
    let test_set: HashSet<Key> = test
        .iter()
        .filter(keep)
        .map(|l| (l.src.clone(), l.tgt.clone()))
        .collect();
    let mut src_to_tgt: HashMap<usize, HashSet<usize>> = HashMap::new();
    for (s, t) in &gold_set {
        for &i in s {
            src_to_tgt.entry(i).or_default().extend(t.iter().copied());
        }
    }
    let (mut strict, mut lax) = (0, 0);
    for key in &test_set {
        if gold_set.contains(key) {
            strict += 1;
            lax += 1;
        } else if key.0.iter().any(|i| {
            src_to_tgt
                .get(i)
                .is_some_and(|ts| key.1.iter().any(|t| ts.contains(t)))
        }) {
            lax += 1;
        }
    }
    (strict, lax, test_set.len())
}

fn prf(p_hits: usize, p_total: usize, r_hits: usize, r_total: usize) -> Prf {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(p_hits, p_total), ratio(r_hits, r_total));
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Prf {
        precision,
        recall,
        f1,
    }
}

/// Scores predicted links against gold links: precision is measured on the
/// predicted links, recall is the same measure with the roles swapped.
pub fn score_links(pred: &[Link], gold: &[Link]) -> Scores {
    let (ps, pl, pt) = hits(gold, pred);
    let (rs, rl, rt) = hits(pred, gold);
    Scores {
        strict: prf(ps, pt, rs, rt),
        lax: prf(pl, pt, rl, rt),
    }
}

fn parse_side(side: &str, line: usize, got: &str) -> Result<Vec<usize>> {
    let side = side.trim();
    if side.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in side.split(',') {
        let n = part.trim().parse::<usize>().map_err(|_| Error::Links {
            line,
            message: "an index is not a non-negative integer",
            got: got.to_string(),
        })?;
        out.push(n);
    }
    out.sort_unstable();
    Ok(out)
}

/// Parses links in the `gold.tsv` format: per line, source indexes, a tab,
/// target indexes (0-based, comma-separated, either side may be empty).
/// Blank lines are skipped; confidences, if a third column is present, are
/// read, else set to 1.
pub fn parse_links(text: &str) -> Result<Vec<Link>> {
    let mut links = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(s), Some(t)) = (cols.next(), cols.next()) else {
            return Err(Error::Links {
                line: n + 1,
                message: "no tab between the two sides",
                got: line.to_string(),
            });
        };
        let confidence = match cols.next() {
            None => 1.0,
            Some(c) => match c.trim().parse::<f64>() {
                Ok(c) if (0.0..=1.0).contains(&c) => c,
                _ => {
                    return Err(Error::Links {
                        line: n + 1,
                        message: "the third column (confidence) must be a number in 0..=1",
                        got: line.to_string(),
                    })
                }
            },
        };
        let link = Link {
            src: parse_side(s, n + 1, line)?,
            tgt: parse_side(t, n + 1, line)?,
            confidence,
        };
        if link.src.is_empty() && link.tgt.is_empty() {
            return Err(Error::Links {
                line: n + 1,
                message: "both sides are empty",
                got: line.to_string(),
            });
        }
        links.push(link);
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(src: &[usize], tgt: &[usize]) -> Link {
        Link {
            src: src.to_vec(),
            tgt: tgt.to_vec(),
            confidence: 1.0,
        }
    }

    #[test]
    fn identical_alignments_score_one() {
        let gold = parse_links("0\t0,1\n1\t2\n2\t\n").unwrap();
        let s = score_links(&gold, &gold);
        assert_eq!(s.strict.f1, 1.0);
        assert_eq!(s.lax.f1, 1.0);
    }

    #[test]
    fn split_link_is_lax_but_not_strict() {
        let gold = [l(&[0], &[0, 1]), l(&[1], &[2])];
        let pred = [l(&[0], &[0]), l(&[], &[1]), l(&[1], &[2])];
        let s = score_links(&pred, &gold);
        assert!((s.strict.precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.strict.recall - 0.5).abs() < 1e-9);
        assert!((s.lax.precision - 2.0 / 3.0).abs() < 1e-9);
        assert!((s.lax.recall - 1.0).abs() < 1e-9);
    }

    #[test]
    fn parse_errors_have_lines() {
        assert!(matches!(
            parse_links("0\t0\n1 1\n"),
            Err(Error::Links { line: 2, .. })
        ));
        assert!(matches!(
            parse_links("0\tx\n"),
            Err(Error::Links { line: 1, .. })
        ));
        assert!(matches!(
            parse_links("\t\t0.5\n"),
            Err(Error::Links { line: 1, .. })
        ));
        assert_eq!(parse_links("\n\t\n").unwrap(), []);
        let links = parse_links("3,1\t\t0.25\n").unwrap();
        assert_eq!(
            links,
            [Link {
                src: vec![1, 3],
                tgt: vec![],
                confidence: 0.25
            }]
        );
    }
}
