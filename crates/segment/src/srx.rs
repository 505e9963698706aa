//! SRX 2.0: reading the document, picking the rules for a language, and
//! applying them at every position of a paragraph.

use quick_xml::events::Event;
use quick_xml::Reader;
use tmkit_core::Lang;

use crate::error::{line_col, Error, Result, RuleWarning};
use crate::java::translate;

/// One `<rule>` as written in the file.
#[derive(Clone, Debug)]
struct RawRule {
    name: String,
    line: usize,
    brk: bool,
    before: String,
    after: String,
}

/// The parts of an SRX document tmkit uses.
#[derive(Clone, Debug, Default)]
pub(crate) struct SrxDocument {
    cascade: bool,
    /// `(languagerulename, rules)` in file order.
    rules: Vec<(String, Vec<RawRule>)>,
    /// `(languagepattern, languagerulename, line)` in file order.
    maps: Vec<(String, String, usize)>,
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn srx_err(xml: &str, offset: usize, message: String) -> Error {
    let (line, column) = line_col(xml, offset);
    Error::Srx {
        line,
        column,
        message,
    }
}

impl SrxDocument {
    /// Parses an SRX 2.0 document.
    pub(crate) fn parse(xml: &str) -> Result<SrxDocument> {
        let mut reader = Reader::from_str(xml);
        let mut doc = SrxDocument::default();
        let mut saw_srx = false;
        let mut current: Option<(String, Vec<RawRule>)> = None;
        let mut rule: Option<RawRule> = None;
        // Which of <beforebreak>/<afterbreak> is open.
        let mut part: Option<bool> = None;
        let mut last_comment: Option<String> = None;
        loop {
            let pos = reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|e| {
                let (line, column) = line_col(xml, reader.error_position() as usize);
                Error::Xml {
                    line,
                    column,
                    message: e.to_string(),
                }
            })?;
            match event {
                Event::Eof => break,
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let attr = |key: &[u8]| -> Result<Option<String>> {
                        for a in e.attributes() {
                            let a = a.map_err(|err| {
                                srx_err(xml, pos, format!("bad attribute: {err}"))
                            })?;
                            if local(a.key.as_ref()) == key {
                                let v = a.unescape_value().map_err(|err| {
                                    srx_err(xml, pos, format!("bad attribute value: {err}"))
                                })?;
                                return Ok(Some(v.into_owned()));
                            }
                        }
                        Ok(None)
                    };
                    match local(e.name().as_ref()) {
                        b"srx" => saw_srx = true,
                        b"header" => doc.cascade = attr(b"cascade")?.as_deref() == Some("yes"),
                        b"languagerule" => {
                            let name = attr(b"languagerulename")?.ok_or_else(|| {
                                srx_err(
                                    xml,
                                    pos,
                                    "<languagerule> has no languagerulename attribute".into(),
                                )
                            })?;
                            current = Some((name, Vec::new()));
                            if empty {
                                doc.rules.extend(current.take());
                            }
                        }
                        b"rule" => {
                            let Some((lr, rules)) = current.as_ref() else {
                                return Err(srx_err(
                                    xml,
                                    pos,
                                    "<rule> outside a <languagerule>".into(),
                                ));
                            };
                            let brk = match attr(b"break")?.as_deref() {
                                None | Some("yes") => true,
                                Some("no") => false,
                                Some(other) => {
                                    return Err(srx_err(
                                        xml,
                                        pos,
                                        format!("break={other:?}: expected \"yes\" or \"no\""),
                                    ))
                                }
                            };
                            let mut name = format!("{lr}#{}", rules.len() + 1);
                            if let Some(c) = last_comment.take() {
                                name.push_str(&format!(" ({c})"));
                            }
                            let r = RawRule {
                                name,
                                line: line_col(xml, pos).0,
                                brk,
                                before: String::new(),
                                after: String::new(),
                            };
                            if empty {
                                if let Some((_, rules)) = current.as_mut() {
                                    rules.push(r);
                                }
                            } else {
                                rule = Some(r);
                            }
                        }
                        b"beforebreak" if !empty => part = Some(true),
                        b"afterbreak" if !empty => part = Some(false),
                        b"languagemap" => {
                            let pattern = attr(b"languagepattern")?.ok_or_else(|| {
                                srx_err(
                                    xml,
                                    pos,
                                    "<languagemap> has no languagepattern attribute".into(),
                                )
                            })?;
                            let name = attr(b"languagerulename")?.ok_or_else(|| {
                                srx_err(
                                    xml,
                                    pos,
                                    "<languagemap> has no languagerulename attribute".into(),
                                )
                            })?;
                            doc.maps.push((pattern, name, pos));
                        }
                        _ => {}
                    }
                }
                Event::End(ref e) => match local(e.name().as_ref()) {
                    b"languagerule" => doc.rules.extend(current.take()),
                    b"rule" => {
                        if let (Some(r), Some((_, rules))) = (rule.take(), current.as_mut()) {
                            rules.push(r);
                        }
                    }
                    b"beforebreak" | b"afterbreak" => part = None,
                    _ => {}
                },
                Event::Text(t) => {
                    if let (Some(is_before), Some(r)) = (part, rule.as_mut()) {
                        let text = t
                            .unescape()
                            .map_err(|err| srx_err(xml, pos, format!("bad text: {err}")))?;
                        if is_before {
                            r.before.push_str(&text);
                        } else {
                            r.after.push_str(&text);
                        }
                    }
                }
                Event::CData(t) => {
                    if let (Some(is_before), Some(r)) = (part, rule.as_mut()) {
                        let text = String::from_utf8_lossy(&t);
                        if is_before {
                            r.before.push_str(&text);
                        } else {
                            r.after.push_str(&text);
                        }
                    }
                }
                Event::Comment(c) => {
                    let c = String::from_utf8_lossy(&c).trim().to_string();
                    if rule.is_none() && current.is_some() && !c.is_empty() {
                        last_comment = Some(c);
                    }
                }
                _ => {}
            }
        }
        if !saw_srx {
            return Err(srx_err(
                xml,
                0,
                "no <srx> root element: is this an SRX file?".into(),
            ));
        }
        for (_, name, pos) in &doc.maps {
            if !doc.rules.iter().any(|(n, _)| n == name) {
                return Err(srx_err(
                    xml,
                    *pos,
                    format!("<languagemap> names languagerulename {name:?}, but no <languagerule> has that name"),
                ));
            }
        }
        Ok(doc)
    }

    /// The rules that apply to `lang`, in order: with `cascade="yes"` those
    /// of every matching map, otherwise those of the first matching map.
    fn rules_for(&self, lang: &Lang) -> Result<Vec<&RawRule>> {
        let mut out = Vec::new();
        let mut matched = false;
        for (pattern, name, _) in &self.maps {
            let t = translate(pattern).map_err(|m| Error::Srx {
                line: 0,
                column: 0,
                message: format!("languagepattern {pattern:?} does not compile: {m}"),
            })?;
            let anchored = format!("^(?:{})$", t.pattern);
            let hit = if t.fancy {
                fancy_regex::Regex::new(&anchored)
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.is_match(lang.as_str()).map_err(|e| e.to_string()))
            } else {
                regex::Regex::new(&anchored)
                    .map(|r| r.is_match(lang.as_str()))
                    .map_err(|e| e.to_string())
            }
            .map_err(|m| Error::Srx {
                line: 0,
                column: 0,
                message: format!("languagepattern {pattern:?} does not compile: {m}"),
            })?;
            if !hit {
                continue;
            }
            matched = true;
            for (n, rules) in &self.rules {
                if n == name {
                    out.extend(rules.iter());
                }
            }
            if !self.cascade {
                break;
            }
        }
        if !matched {
            let patterns = self
                .maps
                .iter()
                .map(|(p, _, _)| p.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::NoRules {
                lang: lang.as_str().to_string(),
                patterns,
            });
        }
        Ok(out)
    }

    /// Compiles the rules for `lang`; rules that do not compile are left out
    /// and listed.
    pub(crate) fn compile(&self, lang: &Lang) -> Result<(SrxRules, Vec<RuleWarning>)> {
        let mut rules = Vec::new();
        let mut warnings = Vec::new();
        for raw in self.rules_for(lang)? {
            let before = Matcher::before(&raw.before);
            let after = Matcher::after(&raw.after);
            match (before, after) {
                (Ok(before), Ok(after)) => rules.push(Rule {
                    brk: raw.brk,
                    before,
                    after,
                    raw: raw.clone(),
                }),
                (b, a) => {
                    let (part, pattern, message) = match (b, a) {
                        (Err(m), _) => ("beforebreak", raw.before.clone(), m),
                        (_, Err(m)) => ("afterbreak", raw.after.clone(), m),
                        _ => continue,
                    };
                    warnings.push(RuleWarning {
                        rule: raw.name.clone(),
                        line: raw.line,
                        part,
                        pattern,
                        message,
                        text_position: None,
                    });
                }
            }
        }
        Ok((SrxRules { rules }, warnings))
    }
}

/// Backtracking steps one `fancy-regex` match may take before it gives up
/// (fancy-regex's default is 1,000,000). A rule with nested repetition, such
/// as `(\w+\s?)+(?<=x)\.`, reaches any limit at every position of a
/// paragraph: with the default, and no rule left out, such a rule took 24 s
/// on 60 KB of text (`examples/catastrophic.rs`, docs/BENCHMARKS.md). The
/// rules of the shipped LanguageTool, OmegaT and Okapi files need far fewer
/// steps within [`CONTEXT`]: none reaches this limit on the 908 texts of
/// golden_en and fr_news.
const BACKTRACK_LIMIT: usize = 100_000;

/// Bytes of the paragraph a pattern sees on its side of a candidate
/// position (rounded out to a character boundary). Without a bound, a
/// `beforebreak` is searched from the paragraph's start at every position,
/// which is quadratic in the paragraph's length; `^` still matches only at
/// the paragraph's start.
const CONTEXT: usize = 1024;

/// A compiled regex of either engine.
#[derive(Clone, Debug)]
enum Re {
    Plain(regex::Regex),
    Fancy(fancy_regex::Regex),
}

/// A match that gave up: the pattern backtracked past [`BACKTRACK_LIMIT`].
struct GaveUp;

impl Re {
    fn new(pattern: &str, fancy: bool) -> std::result::Result<Re, String> {
        if !fancy {
            if let Ok(r) = regex::RegexBuilder::new(pattern)
                .size_limit(1 << 24)
                .build()
            {
                return Ok(Re::Plain(r));
            }
        }
        fancy_regex::RegexBuilder::new(pattern)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map(Re::Fancy)
            .map_err(|e| e.to_string())
    }

    /// Whether the pattern matches `hay` starting at or after byte `from`
    /// (look-behind and `^` still see the bytes before it).
    fn is_match_from(&self, hay: &str, from: usize) -> std::result::Result<bool, GaveUp> {
        match self {
            Re::Plain(r) => Ok(r.is_match_at(hay, from)),
            // Any runtime error of the backtracking engine (the step limit,
            // or its stack) means it could not decide.
            Re::Fancy(r) => r
                .find_from_pos(hay, from)
                .map(|m| m.is_some())
                .map_err(|_| GaveUp),
        }
    }
}

/// The largest character boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest character boundary of `s` at or above `i` (at most its length).
fn ceil_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// A `beforebreak` or `afterbreak` pattern compiled so that it is tested
/// anchored at a position, with one character of context on the far side so
/// that `\b` at the break sees its neighbour.
///
/// Candidates are strictly inside a paragraph, so that neighbour always
/// exists; compiling only this form halves the compile time of large files
/// (the LanguageTool file's French and English rules).
#[derive(Clone, Debug)]
enum Matcher {
    /// An empty pattern matches everywhere.
    Any,
    /// The pattern with the neighbouring character consumed.
    Anchored(Re),
}

impl Matcher {
    fn before(java: &str) -> std::result::Result<Matcher, String> {
        if java.is_empty() {
            return Ok(Matcher::Any);
        }
        let t = translate(java)?;
        Ok(Matcher::Anchored(Re::new(
            &format!(r"(?:{})(?s:.)\z", t.pattern),
            t.fancy,
        )?))
    }

    fn after(java: &str) -> std::result::Result<Matcher, String> {
        if java.is_empty() {
            return Ok(Matcher::Any);
        }
        let t = translate(java)?;
        Ok(Matcher::Anchored(Re::new(
            &format!(r"\A(?s:.)(?:{})", t.pattern),
            t.fancy,
        )?))
    }

    /// Whether the pattern matches ending at `p` in `para` (`0 < p < len`),
    /// starting at most [`CONTEXT`] bytes before it.
    fn matches_before(&self, para: &str, p: usize) -> std::result::Result<bool, GaveUp> {
        match self {
            Matcher::Any => Ok(true),
            Matcher::Anchored(re) => match para[p..].chars().next() {
                Some(c) => re.is_match_from(
                    &para[..p + c.len_utf8()],
                    floor_boundary(para, p.saturating_sub(CONTEXT)),
                ),
                None => Ok(false),
            },
        }
    }

    /// Whether the pattern matches starting at `p` in `para` (`0 < p < len`),
    /// within [`CONTEXT`] bytes after it.
    fn matches_after(&self, para: &str, p: usize) -> std::result::Result<bool, GaveUp> {
        match self {
            Matcher::Any => Ok(true),
            Matcher::Anchored(re) => match para[..p].chars().next_back() {
                Some(c) => {
                    let end = ceil_boundary(para, p + CONTEXT);
                    re.is_match_from(&para[p - c.len_utf8()..end], 0)
                }
                None => Ok(false),
            },
        }
    }
}

#[derive(Clone, Debug)]
struct Rule {
    brk: bool,
    before: Matcher,
    after: Matcher,
    /// The rule as written, to name it when it gives up.
    raw: RawRule,
}

impl Rule {
    /// Whether the rule matches at `p`; `Err` names the part that gave up.
    fn matches(&self, para: &str, p: usize) -> std::result::Result<bool, &'static str> {
        if !self
            .before
            .matches_before(para, p)
            .map_err(|_| "beforebreak")?
        {
            return Ok(false);
        }
        self.after.matches_after(para, p).map_err(|_| "afterbreak")
    }
}

/// The compiled rules of one language, in cascade order.
#[derive(Clone, Debug)]
pub(crate) struct SrxRules {
    rules: Vec<Rule>,
}

/// What one segmentation run learned about its rules: those that gave up
/// are left out for the rest of the text, so each costs at most one
/// [`BACKTRACK_LIMIT`] per text, and reported.
pub(crate) struct Run {
    off: Vec<bool>,
    /// `(rule index, part, byte offset in the text)` of each rule that gave up.
    gave_up: Vec<(usize, &'static str, usize)>,
}

impl SrxRules {
    /// A fresh run over these rules.
    pub(crate) fn run(&self) -> Run {
        Run {
            off: vec![false; self.rules.len()],
            gave_up: Vec::new(),
        }
    }

    /// Whether rule `k` matches at `p` of `para`; a rule that gives up is
    /// switched off for the rest of `run` and counts as not matching.
    fn test(&self, k: usize, para: &str, p: usize, base: usize, run: &mut Run) -> bool {
        if run.off[k] {
            return false;
        }
        match self.rules[k].matches(para, p) {
            Ok(hit) => hit,
            Err(part) => {
                run.off[k] = true;
                run.gave_up.push((k, part, base + p));
                false
            }
        }
    }

    /// Pushes the break positions inside `para` (relative to it), in order;
    /// `base` is the paragraph's offset in the text, for reports.
    ///
    /// Every character boundary is a candidate and the first rule that
    /// matches there decides. A position where no `break="yes"` rule matches
    /// cannot break, so the break rules are tried first and the whole list
    /// only where one of them matches.
    pub(crate) fn breaks(&self, para: &str, base: usize, out: &mut Vec<usize>, run: &mut Run) {
        if !self.rules.iter().any(|r| r.brk) {
            return;
        }
        let n = self.rules.len();
        for (p, _) in para.char_indices().skip(1) {
            if !(0..n).any(|k| self.rules[k].brk && self.test(k, para, p, base, run)) {
                continue;
            }
            if let Some(k) = (0..n).find(|&k| self.test(k, para, p, base, run)) {
                if self.rules[k].brk {
                    out.push(p);
                }
            }
        }
    }

    /// The rules that gave up during `run`, each with where in `text`.
    pub(crate) fn gave_up(&self, run: &Run, text: &str) -> Vec<RuleWarning> {
        run.gave_up
            .iter()
            .map(|&(k, part, offset)| {
                let raw = &self.rules[k].raw;
                RuleWarning {
                    rule: raw.name.clone(),
                    line: raw.line,
                    part,
                    pattern: if part == "beforebreak" {
                        raw.before.clone()
                    } else {
                        raw.after.clone()
                    },
                    message: format!(
                        "matching took more than {BACKTRACK_LIMIT} backtracking steps at one \
                         position; nested repetition such as (\\w+\\s?)+ backtracks \
                         exponentially: rewrite the pattern without it"
                    ),
                    text_position: Some(line_col(text, offset)),
                }
            })
            .collect()
    }

    /// Number of compiled rules.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rules: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
<header segmentsubflows="yes" cascade="yes"/>
<body><languagerules>
<languagerule languagerulename="X">{rules}</languagerule>
<languagerule languagerulename="Y"><rule break="yes"><beforebreak>;</beforebreak></rule></languagerule>
</languagerules>
<maprules>
<languagemap languagepattern="fr.*" languagerulename="X"/>
<languagemap languagepattern=".*" languagerulename="Y"/>
</maprules></body></srx>"#
        )
    }

    fn breaks(xml: &str, lang: &str, text: &str) -> Vec<usize> {
        let d = SrxDocument::parse(xml).unwrap();
        let (rules, warnings) = d.compile(&Lang::parse(lang).unwrap()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let mut out = Vec::new();
        rules.breaks(text, 0, &mut out, &mut rules.run());
        out
    }

    #[test]
    fn first_matching_rule_decides_and_cascade_appends() {
        let xml = doc(
            r#"<rule break="no"><beforebreak>\bM\.\s</beforebreak><afterbreak></afterbreak></rule>
               <rule break="yes"><beforebreak>\.\s</beforebreak><afterbreak>\p{Lu}</afterbreak></rule>"#,
        );
        assert_eq!(
            breaks(&xml, "fr-FR", "Vu M. Dupont. Il part; bon"),
            vec![14, 22]
        );
        // English maps only to Y.
        assert_eq!(breaks(&xml, "en", "Vu M. Dupont. Il part; bon"), vec![22]);
    }

    #[test]
    fn overlapping_positions_are_all_tested() {
        // `[.]+ ` would match "... " once, non-overlapping; every dot end is a
        // candidate for `\.` followed by a dot-free afterbreak.
        let xml = doc(
            r#"<rule break="yes"><beforebreak>\.</beforebreak><afterbreak>\.</afterbreak></rule>"#,
        );
        assert_eq!(breaks(&xml, "fr", "a...b"), vec![2, 3]);
    }

    #[test]
    fn unknown_map_target_is_an_error_with_position() {
        let xml = r#"<srx version="2.0"><header cascade="no"/><body><languagerules/>
<maprules><languagemap languagepattern=".*" languagerulename="Nope"/></maprules></body></srx>"#;
        let err = SrxDocument::parse(xml).unwrap_err();
        match err {
            Error::Srx { line, message, .. } => {
                assert_eq!(line, 2);
                assert!(message.contains("Nope"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn bad_rule_is_reported_by_name() {
        let xml = doc(
            r#"<!-- broken --><rule break="no"><beforebreak>(abc</beforebreak></rule>
               <rule break="yes"><beforebreak>\.</beforebreak></rule>"#,
        );
        let d = SrxDocument::parse(&xml).unwrap();
        let (rules, warnings) = d.compile(&Lang::parse("fr").unwrap()).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].rule, "X#1 (broken)");
        assert_eq!(warnings[0].part, "beforebreak");
    }
}
