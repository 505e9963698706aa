use serde::{Deserialize, Serialize};

/// A half-open range of byte offsets `start..end` into a text.
///
/// Spans always fall on UTF-8 character boundaries of the text they were made
/// from; [`Span::slice`] returns `None` when they do not.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    /// The first byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`; `end` is raised to `start` if smaller.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The length of the span in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The part of `text` this span covers, or `None` when the span is out of
    /// bounds or not on character boundaries.
    pub fn slice<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.get(self.start..self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::Span;

    #[test]
    fn slice_checks_boundaries() {
        let text = "é.";
        assert_eq!(Span::new(0, 2).slice(text), Some("é"));
        assert_eq!(Span::new(0, 1).slice(text), None);
        assert_eq!(Span::new(2, 9).slice(text), None);
        assert_eq!(Span::new(3, 1).len(), 0);
    }
}
