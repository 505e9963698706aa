//! chrF, the character n-gram F-score: how much of a suggested target
//! survives in the translation a translator finally wrote. tmkit measures
//! its scores against it (`docs/MATCHING.md`, the calibration table).

use std::collections::HashMap;

/// The longest character n-gram counted.
const ORDER: usize = 6;
/// Recall weighs β² = 4 times as much as precision.
const BETA: f64 = 2.0;

/// chrF of `hypothesis` against `reference`, 0.0..=100.0, as sacrebleu's
/// `sentence_chrf` computes it by default (chrF2): whitespace removed,
/// character 1- to 6-grams, precision and recall averaged over the orders
/// that both texts have, then combined with β = 2.
///
/// ```
/// use tmkit_fuzzy::chrf;
/// assert_eq!(chrf("The cat sat.", "The cat sat."), 100.0);
/// assert_eq!(chrf("", "The cat sat."), 0.0);
/// // sacrebleu: 61.014971022305296
/// assert!((chrf("The cat sat.", "The cat sat down.") - 61.015).abs() < 1e-3);
/// ```
pub fn chrf(hypothesis: &str, reference: &str) -> f64 {
    let hyp = squeeze(hypothesis);
    let reference = squeeze(reference);
    let (mut precision, mut recall, mut orders) = (0.0, 0.0, 0u32);
    for n in 1..=ORDER {
        let (h, r) = (ngrams(&hyp, n), ngrams(&reference, n));
        let (h_total, r_total) = (h.values().sum::<usize>(), r.values().sum::<usize>());
        if h_total == 0 || r_total == 0 {
            continue;
        }
        let matched: usize = h
            .iter()
            .map(|(g, &c)| c.min(r.get(g).copied().unwrap_or(0)))
            .sum();
        precision += matched as f64 / h_total as f64;
        recall += matched as f64 / r_total as f64;
        orders += 1;
    }
    if orders == 0 {
        return 0.0;
    }
    let (p, r) = (precision / f64::from(orders), recall / f64::from(orders));
    let factor = BETA * BETA;
    if p + r == 0.0 {
        return 0.0;
    }
    100.0 * (1.0 + factor) * p * r / (factor * p + r)
}

/// The characters of `text` without whitespace, as Python's `str.split`
/// sees it (Unicode White_Space plus the separators U+001C..=U+001F).
fn squeeze(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| !(c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)))
        .collect()
}

/// How many times each `n`-gram of `chars` occurs.
fn ngrams(chars: &[char], n: usize) -> HashMap<&[char], usize> {
    let mut out = HashMap::new();
    for g in chars.windows(n) {
        *out.entry(g).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::chrf;

    /// Pairs of targets of the evaluation set with sacrebleu's score, made
    /// by `bench/chrf_sacrebleu.py` (see the file's header).
    const CASES: &str = include_str!("../testdata/chrf_sacrebleu.tsv");

    #[test]
    fn agrees_with_sacrebleu() {
        let mut n = 0;
        for (i, line) in CASES.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [want, hyp, reference] = cols[..] else {
                panic!(
                    "chrf_sacrebleu.tsv:{}: expected 3 columns, got {}",
                    i + 1,
                    cols.len()
                );
            };
            let want: f64 = want.parse().expect("a number in the first column");
            let got = chrf(&unescape(hyp), &unescape(reference));
            assert!(
                (got - want).abs() < 1e-9,
                "chrf_sacrebleu.tsv:{}: sacrebleu {want}, tmkit {got}",
                i + 1
            );
            n += 1;
        }
        assert!(n >= 200, "only {n} cases");
    }

    #[test]
    fn bounds_and_edges() {
        assert_eq!(chrf("abc", "abc"), 100.0);
        assert_eq!(chrf("a b c", "abc"), 100.0);
        assert_eq!(chrf("xyz", "abc"), 0.0);
        assert_eq!(chrf("", ""), 0.0);
        assert_eq!(chrf("  ", "abc"), 0.0);
    }

    fn unescape(field: &str) -> String {
        let mut out = String::new();
        let mut chars = field.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
        }
        out
    }
}
