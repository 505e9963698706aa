//! The built-in rules, written for tmkit (see `docs/SEGMENT.md`).
//!
//! They are code rather than an SRX file so that one pass over the bytes
//! finds the few candidate positions (sentence-final punctuation, line
//! breaks) and the exceptions are tested only there. `cargo bench -p
//! tmkit-segment --bench segment` on 1 MiB of French news (2-core VM, noisy):
//! 112 MiB/s, against 1.8 MiB/s for LanguageTool's SRX rules on tmkit's SRX
//! engine and 718 MiB/s for a naive split on ". " (`docs/BENCHMARKS.md`).

use tmkit_core::Lang;

/// The language families with their own lists; others get the generic rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    French,
    English,
    Generic,
}

/// Built-in rules for one language.
#[derive(Clone, Debug)]
pub(crate) struct Builtin {
    family: Family,
}

/// Abbreviations after which a full stop never ends a sentence in French:
/// titles and abbreviations always followed by what they qualify.
const FR_NEVER: &[&str] = &[
    "M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Mgr", "Mgrs", "Me", "Dr", "Drs", "Pr", "St", "Ste",
    "Sts", "Stes", "av", "apr", "p", "pp", "ex", "cf", "env", "chap", "art", "fig", "vol", "éd",
    "coll", "réf", "tél", "no", "nos", "n°", "N°", "Vve", "bd", "boul", "vs", "Mr", "Mrs", "Gal",
    "Gén", "Cdt", "Lt", "Col", "Cne", "Sgt", "cap", "hab", "trad", "dir", "ill", "ann", "suiv",
    "sq", "c.-à-d", "p.ex", "p. ex", "e.g", "i.e",
];

/// French abbreviations that can also end a sentence: a break only when a
/// typical sentence opener follows.
const FR_MAYBE: &[&str] = &[
    "etc", "Cie", "Inc", "Ltd", "min", "max", "fém", "masc", "sing", "plur", "Jr",
];

const EN_NEVER: &[&str] = &[
    "Mr", "Mrs", "Ms", "Mssrs", "Messrs", "Dr", "Drs", "Prof", "St", "Mt", "Ft", "Gen", "Col",
    "Lt", "Sgt", "Capt", "Cmdr", "Adm", "Rev", "Hon", "Gov", "Sen", "Rep", "Pres", "Supt", "Fr",
    "Rt", "vs", "v", "e.g", "i.e", "cf", "viz", "approx", "ca", "Fig", "fig", "figs", "No", "Nos",
    "no", "pp", "p", "vol", "Vol", "ch", "Ch", "Sec", "sec", "Art", "art", "est", "Ph.D", "Ref",
    "ref", "Sq", "Dept", "dept", "Univ", "Assn", "N°", "n°", "Rs", "rs", "SEC",
];

const EN_MAYBE: &[&str] = &[
    "etc", "Inc", "Ltd", "Co", "Corp", "Bros", "Jr", "Sr", "Ave", "Blvd", "Rd", "Jan", "Feb",
    "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Mon", "Tue", "Wed",
    "Thu", "Fri", "Sat", "Sun", "U.S", "U.K", "E.U", "U.N", "al", "min", "max", "hrs", "yrs", "oz",
    "lb", "lbs", "ft", "in",
];

/// Words that typically open a sentence; after an abbreviation that can end
/// a sentence (`etc.`, `Inc.`, `U.S.`, an initial), a break is made only
/// when one of these follows.
const FR_STARTERS: &[&str] = &[
    "Le",
    "La",
    "Les",
    "L'",
    "Un",
    "Une",
    "Des",
    "Du",
    "De",
    "D'",
    "Il",
    "Elle",
    "Ils",
    "Elles",
    "On",
    "Nous",
    "Vous",
    "Je",
    "J'",
    "Tu",
    "Ce",
    "Cet",
    "Cette",
    "Ces",
    "Cela",
    "Ceci",
    "Ça",
    "C'",
    "Mais",
    "Et",
    "Or",
    "Donc",
    "Puis",
    "Ensuite",
    "Alors",
    "En",
    "Dans",
    "Pour",
    "Par",
    "Sur",
    "Selon",
    "Après",
    "Avant",
    "Depuis",
    "Pendant",
    "Lorsque",
    "Quand",
    "Si",
    "S'",
    "Aussi",
    "Cependant",
    "Toutefois",
    "Pourtant",
    "Enfin",
    "Au",
    "Aux",
    "Son",
    "Sa",
    "Ses",
    "Leur",
    "Leurs",
    "Mon",
    "Ma",
    "Mes",
    "Notre",
    "Nos",
    "Votre",
    "Vos",
    "Qui",
    "Que",
    "Qu'",
    "Quoi",
    "Comment",
    "Pourquoi",
    "Où",
    "Tout",
    "Tous",
    "Toute",
    "Toutes",
    "Chaque",
    "Aucun",
    "Aucune",
    "Rien",
    "Certains",
    "Plusieurs",
    "Ainsi",
    "Néanmoins",
    "À",
    "Y",
    "Voici",
    "Voilà",
    "Non",
    "Oui",
    "Peu",
    "Bien",
    "Sans",
    "Avec",
    "Contrairement",
    "Parmi",
    "Malgré",
    "Lors",
    "Dès",
    "Entre",
    "N'",
    "Ne",
    "Est-ce",
];

const EN_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Then",
    "But",
    "And",
    "So",
    "In",
    "On",
    "At",
    "As",
    "If",
    "When",
    "What",
    "Why",
    "How",
    "Who",
    "Where",
    "Which",
    "My",
    "His",
    "Her",
    "Its",
    "Our",
    "Their",
    "Your",
    "One",
    "Some",
    "Many",
    "Most",
    "All",
    "After",
    "Before",
    "However",
    "Meanwhile",
    "Also",
    "Yet",
    "Still",
    "Now",
    "Today",
    "Yesterday",
    "Tomorrow",
    "Let",
    "Let's",
    "Please",
    "Is",
    "Are",
    "Was",
    "Were",
    "Do",
    "Does",
    "Did",
    "Can",
    "Could",
    "Would",
    "Should",
    "Will",
    "No",
    "Not",
    "Yes",
    "Although",
    "While",
    "Since",
    "Because",
    "Thus",
    "Therefore",
    "Such",
    "Each",
    "Every",
    "Both",
    "Neither",
    "Either",
    "From",
    "With",
    "By",
    "For",
    "To",
    "Here",
    "Whether",
    "Even",
    "Only",
    "Other",
    "Another",
    "It's",
    "I'm",
    "He's",
    "She's",
    "That's",
    "There's",
    "What's",
    "Don't",
    "Nor",
    "Or",
];

/// Time abbreviations: a break when a capitalized word follows.
const TIMES: &[&str] = &["a.m", "p.m", "A.M", "P.M"];

const CLOSERS: &[char] = &['"', '\'', '’', '”', '»', ')', ']', '}', '›', '`'];

fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '‘' | '“' | '„' | '«' | '‹' | '(' | '[' | '{' | '¿' | '¡'
    )
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

impl Builtin {
    pub(crate) fn new(lang: &Lang) -> Builtin {
        let family = match lang.primary() {
            "fr" => Family::French,
            "en" => Family::English,
            _ => Family::Generic,
        };
        Builtin { family }
    }

    fn never(&self) -> &'static [&'static str] {
        match self.family {
            Family::French => FR_NEVER,
            Family::English => EN_NEVER,
            Family::Generic => &[],
        }
    }

    fn maybe(&self) -> &'static [&'static str] {
        match self.family {
            Family::French => FR_MAYBE,
            Family::English => EN_MAYBE,
            Family::Generic => &[],
        }
    }

    fn starters(&self) -> &'static [&'static str] {
        match self.family {
            Family::French => FR_STARTERS,
            Family::English => EN_STARTERS,
            Family::Generic => &[],
        }
    }

    /// Pushes the break positions inside `para`, in order. A break position
    /// is the end of a sentence: after its final punctuation and closing
    /// quotes, before the whitespace that follows.
    pub(crate) fn breaks(&self, para: &str, out: &mut Vec<usize>) {
        let bytes = para.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let next = match bytes[i] {
                b'.' | b'!' | b'?' => self.candidate(para, i, out),
                b'\n' => {
                    if self.line_break(para, i) {
                        out.push(i);
                    }
                    i + 1
                }
                // U+2026 HORIZONTAL ELLIPSIS is E2 80 A6.
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA6) => {
                    self.candidate(para, i, out)
                }
                // Ideographic and full-width stops (E3 80 82, EF BC 81/8E/9F)
                // end a sentence without any space after them.
                0xE3 | 0xEF => {
                    let c = para[i..].chars().next().unwrap_or(' ');
                    let len = c.len_utf8();
                    if matches!(c, '。' | '！' | '？' | '．') {
                        let mut k = i + len;
                        while let Some(c) = para[k..].chars().next().filter(|c| {
                            matches!(c, '」' | '』' | '）' | '”' | '。' | '！' | '？' | '．')
                        }) {
                            k += c.len_utf8();
                        }
                        if k < para.len() {
                            out.push(k);
                        }
                        k
                    } else {
                        i + len
                    }
                }
                _ => i + 1,
            };
            i = next.max(i + 1);
            while !para.is_char_boundary(i) {
                i += 1;
            }
        }
    }

    /// A single line break inside a paragraph breaks after a short line
    /// (headline, list item, address line), not inside wrapped prose.
    fn line_break(&self, para: &str, i: usize) -> bool {
        let line_start = para[..i].rfind('\n').map_or(0, |p| p + 1);
        let raw = &para[line_start..i];
        let line = raw.trim_end();
        let Some(next) = para[i + 1..].trim_start().chars().next() else {
            return false;
        };
        if line.is_empty() {
            return false;
        }
        let soft_wrap = raw.len() > line.len() || line.ends_with([',', '-', ';', ':']);
        let long = line.chars().count() >= 60;
        if next.is_lowercase() {
            return !soft_wrap && !long;
        }
        !(long && line.ends_with(|c: char| c.is_alphanumeric() || c == ','))
    }

    /// Decides the candidate that starts with the terminator at `i`; returns
    /// where scanning resumes.
    fn candidate(&self, para: &str, i: usize, out: &mut Vec<usize>) -> usize {
        // The run of terminators: "?!", "...", "…", spaced ". . .".
        let mut j = i;
        let (mut dots, mut question, mut ellipsis) = (0, false, false);
        loop {
            let s = &para[j..];
            if s.starts_with('.') {
                dots += 1;
                j += 1;
            } else if s.starts_with('!') || s.starts_with('?') {
                question = true;
                j += 1;
            } else if s.starts_with('…') {
                ellipsis = true;
                j += '…'.len_utf8();
            } else if dots > 0
                && s.starts_with(" .")
                && !s[2..].starts_with(|c: char| c.is_alphanumeric())
            {
                dots += 1;
                j += 2;
            } else {
                break;
            }
        }
        let ellipsis = ellipsis || dots >= 2;
        // Closing quotes and brackets belong to the sentence, including the
        // French « … » closed after a (no-break) space, reference marks
        // ("[1]") and quotes written as separate tokens ("'' .").
        let mut k = j;
        let mut closed = false;
        loop {
            let rest = &para[k..];
            let mut cs = rest.chars();
            let first = cs.next();
            if let Some(c) = first.filter(|c| CLOSERS.contains(c)) {
                k += c.len_utf8();
                closed = true;
                continue;
            }
            if let Some(c @ (' ' | '\u{a0}' | '\u{202f}')) = first {
                if cs.next() == Some('»') {
                    k += c.len_utf8() + '»'.len_utf8();
                    closed = true;
                    continue;
                }
            }
            let ws = rest.len() - rest.trim_start_matches(is_space).len();
            let after = &rest[ws..];
            if let Some(r) = reference_len(after) {
                k += ws + r;
                continue;
            }
            let tok_end = after.find(is_space).unwrap_or(after.len());
            if ws > 0
                && tok_end > 0
                && after[..tok_end]
                    .chars()
                    .all(|c| CLOSERS.contains(&c) && c != ')' && c != ']')
                && closes_quote(&para[..k + ws], &after[..tok_end])
            {
                k += ws + tok_end;
                closed = true;
                continue;
            }
            break;
        }
        let mut m = k;
        while let Some(c) = para[m..].chars().next().filter(|&c| is_space(c)) {
            m += c.len_utf8();
        }
        let Some(next) = para[m..].chars().next() else {
            // End of the paragraph: it breaks there anyway.
            return m;
        };
        let had_space = m > k;
        let brk = if !had_space {
            !closed && !ellipsis && self.glued_break(para, i, j, m, out)
        } else if next.is_lowercase()
            || matches!(
                next,
                ',' | ';' | ':' | ')' | ']' | '}' | '»' | '”' | '%' | '.' | '!' | '?' | '…'
            )
            || dash_then_lowercase(&para[m..])
        {
            false
        } else if ellipsis {
            // "I thought... I would go.": in English a hesitation.
            let hesitation = self.family == Family::English && para[m..].starts_with("I ");
            next.is_uppercase() && !hesitation && !para[..i].ends_with(['[', '('])
        } else if question || closed {
            true
        } else {
            self.period_break(para, i, m)
        };
        if brk {
            out.push(k);
        }
        // Resume at the whitespace so that a line break in it is seen.
        k
    }

    /// Start of the whitespace-delimited token that ends at `i`.
    fn token_start(para: &str, i: usize) -> usize {
        para[..i]
            .char_indices()
            .rev()
            .find(|&(_, c)| is_space(c))
            .map_or(0, |(p, c)| p + c.len_utf8())
    }

    /// A single full stop followed by whitespace and then something that is
    /// not lower case: a break unless the word before is an abbreviation.
    fn period_break(&self, para: &str, i: usize, m: usize) -> bool {
        let mut start = Self::token_start(para, i);
        if start == i && start > 0 {
            // A full stop written as its own token: "Mr . Robinson".
            let before = para[..i].trim_end();
            start = Self::token_start(before, before.len());
        }
        let end = para[..i].trim_end().len().max(start);
        let tok = para[start..end].trim_start_matches(is_opener);
        // Elided article or preposition: "l'art.", "d’env.".
        let tok = tok.rsplit(['\'', '’']).next().unwrap_or(tok);
        if tok.is_empty() {
            return true;
        }
        // After a glued break ("Tuesday.Mr."), the word is the last part.
        let tail = tok.rsplit('.').next().unwrap_or(tok);
        let glued = !is_dotted_abbreviation(tok) && tail.len() < tok.len();
        if self.never().contains(&tok) || (glued && self.never().contains(&tail)) {
            return false;
        }
        if TIMES.contains(&tok) {
            return para[m..].starts_with(char::is_uppercase);
        }
        let mut chars = tok.chars();
        let first = chars.next().unwrap_or(' ');
        let single = chars.next().is_none();
        if single && first.is_lowercase() && !after_number(para, start) {
            // "p. 55", "a. The": a lone lower-case letter is an abbreviation
            // or a list label; after a number it is a unit ("à 9 h.").
            return false;
        }
        let maybe = (single && first.is_uppercase())
            || self.maybe().contains(&tok)
            || is_dotted_abbreviation(tok);
        if maybe {
            return self.starts_sentence(para, m);
        }
        // A list label opening the paragraph: "1. Introduction".
        if start == 0 && tok.len() <= 2 && tok.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
        true
    }

    /// Whether the word at `m` is a typical sentence opener (or an opening
    /// quote, which starts quoted speech).
    fn starts_sentence(&self, para: &str, m: usize) -> bool {
        let rest = &para[m..];
        if rest.starts_with(is_opener) {
            // Quoted speech starts a sentence; a bracket usually qualifies
            // the abbreviation's phrase: "Inc. (the Company)".
            return !rest.starts_with(['(', '[', '{']);
        }
        let end = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let word = &rest[..end];
        let after = &rest[end..];
        if after.starts_with(['\'', '’']) {
            let mut w = String::with_capacity(word.len() + 1);
            w.push_str(word);
            w.push('\'');
            if self.starters().contains(&w.as_str()) {
                return true;
            }
            let tail: String = after[after.chars().next().map_or(0, char::len_utf8)..]
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect();
            w.push_str(&tail);
            return self.starters().contains(&w.as_str());
        }
        self.starters().contains(&word)
    }

    /// A terminator glued to the next word ("hier.Le", "Tuesday.Mr."): a
    /// break only between an ordinary word (or number) and a capitalized
    /// word, never inside URLs, e-mail addresses, file names or numbers. A
    /// footnote number glued after the stop ("cognition.10 This") stays with
    /// its sentence.
    fn glued_break(&self, para: &str, i: usize, j: usize, m: usize, out: &mut Vec<usize>) -> bool {
        if self.family == Family::Generic {
            return false;
        }
        let start = Self::token_start(para, i);
        let prev = &para[start..i];
        let rest = &para[m..];
        if j == i + 1 && prev.ends_with(|c: char| c.is_alphabetic() || c == ')') {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if (1..=3).contains(&digits) {
                let after = &rest[digits..];
                let trimmed = after.trim_start_matches(is_space);
                if trimmed.len() < after.len() && trimmed.starts_with(char::is_uppercase) {
                    out.push(m + digits);
                }
                return false;
            }
        }
        let letters = prev.chars().count() >= 2
            && prev.chars().all(char::is_alphabetic)
            && prev.chars().last().is_some_and(char::is_lowercase);
        let number = prev.chars().any(|c| c.is_ascii_digit())
            && prev.chars().all(|c| c.is_ascii_digit() || c == ',');
        if !(letters || number) {
            return false;
        }
        let mut cs = rest.chars();
        if !cs.next().is_some_and(char::is_uppercase) || !cs.next().is_some_and(char::is_lowercase)
        {
            return false;
        }
        let end = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let after = &rest[end..];
        let mut ac = after.chars();
        match ac.next() {
            Some('@' | '/' | '_' | '-') => false,
            Some('.') => !ac.next().is_some_and(char::is_alphanumeric),
            _ => true,
        }
    }
}

/// Length of the reference marks at the start of `s` ("[1]", "[7][8]").
fn reference_len(s: &str) -> Option<usize> {
    let mut n = 0;
    while s[n..].starts_with('[') {
        let digits = s[n + 1..].find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
        if digits == 0 || digits > 3 || !s[n + 1 + digits..].starts_with(']') {
            break;
        }
        n += digits + 2;
    }
    (n > 0).then_some(n)
}

/// Whether a quote written as its own token (`''`, `"`) closes a quotation:
/// the same token appears an odd number of times as a token before it.
fn closes_quote(before: &str, quote: &str) -> bool {
    before.split(is_space).filter(|t| *t == quote).count() % 2 == 1
}

/// "-- voila! -- you have cake": a dash after the stop, then lower case.
fn dash_then_lowercase(s: &str) -> bool {
    let t = s.trim_start_matches(['-', '–', '—']);
    t.len() < s.len()
        && t.trim_start_matches(is_space)
            .starts_with(char::is_lowercase)
}

/// Whether the token before the one starting at `start` is a number.
fn after_number(para: &str, start: usize) -> bool {
    let before = para[..start].trim_end();
    let from = Builtin::token_start(before, before.len());
    let prev = &before[from..];
    !prev.is_empty()
        && prev
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// `U.S`, `e.g`, `J.-C`, `Ph.D`: letters in groups of one or two separated
/// by full stops (a hyphen may lead a group).
fn is_dotted_abbreviation(tok: &str) -> bool {
    tok.contains('.')
        && tok.split('.').all(|part| {
            let part = part.trim_start_matches('-');
            let n = part.chars().count();
            (1..=2).contains(&n) && part.chars().all(char::is_alphabetic)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(lang: &str, text: &str) -> Vec<String> {
        let b = Builtin::new(&Lang::parse(lang).unwrap());
        let mut out = Vec::new();
        b.breaks(text, &mut out);
        let mut from = 0;
        let mut v = Vec::new();
        for e in out.into_iter().chain(std::iter::once(text.len())) {
            v.push(text[from..e].trim().to_string());
            from = e;
        }
        v.retain(|s| !s.is_empty());
        v
    }

    #[test]
    fn dotted_abbreviations() {
        assert!(is_dotted_abbreviation("U.S"));
        assert!(is_dotted_abbreviation("J.-C"));
        assert!(is_dotted_abbreviation("Ph.D"));
        assert!(!is_dotted_abbreviation("www.example.com"));
        assert!(!is_dotted_abbreviation("1.000"));
        assert!(!is_dotted_abbreviation("etc"));
    }

    #[test]
    fn french_titles_never_break() {
        assert_eq!(
            split("fr", "M. Le Pen et Mgr. Dupont sont là. Ils parlent."),
            ["M. Le Pen et Mgr. Dupont sont là.", "Ils parlent."]
        );
    }

    #[test]
    fn glued_full_stop_breaks_between_words_only() {
        assert_eq!(
            split("fr", "Il est parti hier.Le lendemain, rien."),
            ["Il est parti hier.", "Le lendemain, rien."]
        );
        assert_eq!(
            split("fr", "Voir www.Example.com et jean.Dupont@x.fr ici."),
            ["Voir www.Example.com et jean.Dupont@x.fr ici."]
        );
    }

    #[test]
    fn multibyte_text_never_splits_inside_a_char() {
        let text = "É… Ça?…» «?";
        assert!(!split("fr", text).is_empty());
    }
}
