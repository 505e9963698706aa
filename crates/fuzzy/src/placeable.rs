//! Auto-substitution of numbers and placeholders in a stored target.

use crate::score::{Parsed, Scorer, Unit};
use crate::token::{tokenize, TokenKind};

/// Swaps `.` and `,`: `0,05` ↔ `0.05`, the usual difference between a French
/// and an English number.
fn swap_separators(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '.' => ',',
            ',' => '.',
            c => c,
        })
        .collect()
}

/// The stored `target` with the query's numbers and placeholders put in,
/// when `query` and the stored `source` differ only in those (and in
/// formatting: case, punctuation, spacing, tags).
///
/// Each changed source number or placeholder must be found once in the
/// target, as written or with `.` and `,` swapped (`3,5` in a French source,
/// `3.5` in its English target); the query's value then takes the target's
/// convention. `None` when the words differ, when nothing changed, or when a
/// changed value cannot be found in the target.
///
/// ```
/// use tmkit_fuzzy::substitute_placeables;
///
/// let out = substitute_placeables("Il reste 3,5 Go", "Il reste 2,5 Go", "2.5 GB left");
/// assert_eq!(out.as_deref(), Some("3.5 GB left"));
/// ```
pub fn substitute_placeables(query: &str, source: &str, target: &str) -> Option<String> {
    let q = Parsed::new(Scorer::Tmkit, query);
    let s = Parsed::new(Scorer::Tmkit, source);
    if q.units != s.units {
        return None;
    }
    let mut changes: Vec<(TokenKind, &str, &str)> = Vec::new();
    for (i, u) in q.units.iter().enumerate() {
        if !matches!(u, Unit::Num | Unit::Ph) {
            continue;
        }
        let qt = q.tokens.get(*q.origin.get(i)?)?;
        let st = s.tokens.get(*s.origin.get(i)?)?;
        if qt.text != st.text {
            changes.push((qt.kind, st.text.as_str(), qt.text.as_str()));
        }
    }
    if changes.is_empty() {
        return None;
    }
    let tokens = tokenize(target);
    let mut used = vec![false; tokens.len()];
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (kind, from, to) in changes {
        let found = tokens.iter().enumerate().find_map(|(k, t)| {
            if used[k] || t.kind != kind {
                return None;
            }
            if t.text == from {
                Some((k, to.to_string()))
            } else if kind == TokenKind::Number && t.text == swap_separators(from) {
                Some((k, swap_separators(to)))
            } else {
                None
            }
        });
        let (k, replacement) = found?;
        used[k] = true;
        edits.push((tokens[k].range.clone(), replacement));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
    let mut out = target.to_string();
    for (range, text) in edits {
        out.replace_range(range, &text);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_placeholders() {
        assert_eq!(
            substitute_placeables("Page 4 sur 10", "Page 3 sur 10", "Page 3 of 10").as_deref(),
            Some("Page 4 of 10")
        );
        assert_eq!(
            substitute_placeables("Ouvrir %d fichiers", "Ouvrir %s fichiers", "Open %s files")
                .as_deref(),
            Some("Open %d files")
        );
        assert_eq!(substitute_placeables("Page 4", "Page 4", "Page 4"), None);
        assert_eq!(
            substitute_placeables("Page 4", "Feuille 3", "Sheet 3"),
            None
        );
        assert_eq!(
            substitute_placeables("Page 4", "Page 3", "Page three"),
            None
        );
    }
}
