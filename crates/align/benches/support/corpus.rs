//! The synthetic 10,000-sentence corpus shared by the bench and the
//! `big` example.

/// A deterministic pseudo-random generator (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A source text of `n` sentences, and a "translation": words mapped to other
/// words, some numbers kept, with sentences merged and dropped now and then.
pub fn corpus(n: usize) -> (Vec<String>, Vec<String>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut src = Vec::with_capacity(n);
    let mut tgt = Vec::with_capacity(n);
    for _ in 0..n {
        let words = 4 + (rng.next() % 25) as usize;
        let mut s = Vec::new();
        let mut t = Vec::new();
        for _ in 0..words {
            let w = rng.next() % 5000;
            if w < 20 {
                s.push(format!("{w}"));
                t.push(format!("{w}"));
            } else {
                s.push(format!("mot{w}"));
                t.push(format!("word{}", w * 7 % 5000));
            }
        }
        src.push(s.join(" ") + ".");
        let line = t.join(" ") + ".";
        match rng.next() % 20 {
            0 => {}
            1 => match tgt.last_mut() {
                Some(last) => *last = format!("{last} {line}"),
                None => tgt.push(line),
            },
            _ => tgt.push(line),
        }
    }
    (src, tgt)
}

/// The sentences of one side as aligner input, all in paragraph 0.
pub fn sents(texts: &[String]) -> Vec<tmkit_align::Sent<'_>> {
    texts
        .iter()
        .map(|t| tmkit_align::Sent {
            text: t,
            paragraph: 0,
        })
        .collect()
}
