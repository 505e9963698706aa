//! Levenshtein distance over unit sequences: a bounded one for filtering and
//! a full one with the edit script for explanations.

/// One step of an edit script turning `a` into `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `a[i] == b[j]`.
    Keep(usize, usize),
    /// `a[i]` becomes `b[j]`.
    Replace(usize, usize),
    /// `a[i]` is removed.
    Delete(usize),
    /// `b[j]` is added.
    Insert(usize),
}

/// The distance between `a` and `b` if it is at most `k`, else `None`.
///
/// Only the diagonal band of width `2k + 1` is computed and the loop stops
/// as soon as a whole row exceeds `k`, so the cost is `O(k · len)`.
pub(crate) fn bounded<T: PartialEq>(a: &[T], b: &[T], k: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > k {
        return None;
    }
    if n == 0 || m == 0 {
        return Some(n.max(m));
    }
    // Strip the common prefix and suffix: they never change the distance.
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[pre..], &b[pre..]);
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suf], &b[..b.len() - suf]);
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return Some(n.max(m));
    }
    let big = k + 1;
    let mut prev: Vec<usize> = (0..=m).map(|j| j.min(big)).collect();
    let mut cur = vec![big; m + 1];
    for i in 1..=n {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(m);
        cur[0] = i.min(big);
        if lo > 1 {
            cur[lo - 1] = big;
        }
        let mut row_min = cur[0];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let v = (prev[j - 1] + cost)
                .min(prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(big);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if hi < m {
            cur[hi + 1] = big;
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m];
    (d <= k).then_some(d)
}

/// The exact distance and one shortest edit script from `a` to `b`.
///
/// Ties in the traceback prefer keeping, then replacing, then deleting, so the
/// script is deterministic.
pub(crate) fn script<T: PartialEq>(a: &[T], b: &[T]) -> (usize, Vec<Step>) {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut d = vec![0usize; (n + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(m + 1) {
        *cell = j;
    }
    for i in 1..=n {
        d[i * w] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i * w + j] = (d[(i - 1) * w + j - 1] + cost)
                .min(d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1);
        }
    }
    let mut steps = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let here = d[i * w + j];
        if i > 0 && j > 0 && a[i - 1] == b[j - 1] && here == d[(i - 1) * w + j - 1] {
            steps.push(Step::Keep(i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if i > 0 && j > 0 && here == d[(i - 1) * w + j - 1] + 1 {
            steps.push(Step::Replace(i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if i > 0 && here == d[(i - 1) * w + j] + 1 {
            steps.push(Step::Delete(i - 1));
            i -= 1;
        } else {
            steps.push(Step::Insert(j - 1));
            j -= 1;
        }
    }
    steps.reverse();
    (d[n * w + m], steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_distances() {
        let (d, s) = script(&[1, 2, 3], &[1, 4, 3, 5]);
        assert_eq!(d, 2);
        assert_eq!(s.iter().filter(|s| !matches!(s, Step::Keep(..))).count(), 2);
        assert_eq!(bounded(&[1, 2, 3], &[1, 4, 3, 5], 2), Some(2));
        assert_eq!(bounded(&[1, 2, 3], &[1, 4, 3, 5], 1), None);
        assert_eq!(bounded::<u32>(&[], &[1, 2], 2), Some(2));
    }

    proptest! {
        #[test]
        fn bounded_agrees_with_full(a in proptest::collection::vec(0u32..4, 0..12),
                                    b in proptest::collection::vec(0u32..4, 0..12),
                                    k in 0usize..14) {
            let (d, steps) = script(&a, &b);
            let want = (d <= k).then_some(d);
            prop_assert_eq!(bounded(&a, &b, k), want);
            let cost = steps.iter().filter(|s| !matches!(s, Step::Keep(..))).count();
            prop_assert_eq!(cost, d);
        }
    }
}
