//! Random edits of a document, for property tests of the reader on inputs
//! that are almost TMX (shared by `tests/mutations.rs` and the tests of
//! `src/ahead.rs`).

use proptest::prelude::*;

/// One edit: where, what (overwrite, remove, insert, or a markup byte), and
/// the byte.
pub type Edit = (prop::sample::Index, u8, u8);

/// Between `min` and `max` edits (exclusive).
pub fn edits(min: usize, max: usize) -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (any::<prop::sample::Index>(), 0u8..4, any::<u8>()),
        min..max,
    )
}

/// `seed` with `edits` applied in order.
pub fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for (at, op, byte) in edits {
        if data.is_empty() {
            break;
        }
        let i = at.index(data.len());
        match op {
            0 => data[i] = *byte,
            1 => {
                data.remove(i);
            }
            2 => data.insert(i, *byte),
            // Markup bytes make the interesting edits.
            _ => data[i] = b"<>&/\"'=;#x"[usize::from(*byte) % 10],
        }
    }
    data
}
