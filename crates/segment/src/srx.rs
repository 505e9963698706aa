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
                    });
                }
            }
        }
        Ok((SrxRules { rules }, warnings))
    }
}

/// A compiled regex of either engine.
#[derive(Clone, Debug)]
enum Re {
    Plain(regex::Regex),
    Fancy(fancy_regex::Regex),
}

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
        fancy_regex::Regex::new(pattern)
            .map(Re::Fancy)
            .map_err(|e| e.to_string())
    }

    fn is_match(&self, hay: &str) -> bool {
        match self {
            Re::Plain(r) => r.is_match(hay),
            // A backtracking limit hit counts as no match, like a rule that
            // does not apply.
            Re::Fancy(r) => r.is_match(hay).unwrap_or(false),
        }
    }
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

    /// Whether the pattern matches ending at `p` in `para` (`0 < p < len`).
    fn matches_before(&self, para: &str, p: usize) -> bool {
        match self {
            Matcher::Any => true,
            Matcher::Anchored(re) => para[p..]
                .chars()
                .next()
                .is_some_and(|c| re.is_match(&para[..p + c.len_utf8()])),
        }
    }

    /// Whether the pattern matches starting at `p` in `para` (`0 < p < len`).
    fn matches_after(&self, para: &str, p: usize) -> bool {
        match self {
            Matcher::Any => true,
            Matcher::Anchored(re) => para[..p]
                .chars()
                .next_back()
                .is_some_and(|c| re.is_match(&para[p - c.len_utf8()..])),
        }
    }
}

#[derive(Clone, Debug)]
struct Rule {
    brk: bool,
    before: Matcher,
    after: Matcher,
}

impl Rule {
    fn matches(&self, para: &str, p: usize) -> bool {
        self.before.matches_before(para, p) && self.after.matches_after(para, p)
    }
}

/// The compiled rules of one language, in cascade order.
#[derive(Clone, Debug)]
pub(crate) struct SrxRules {
    rules: Vec<Rule>,
}

impl SrxRules {
    /// Pushes the break positions inside `para` (relative to it), in order.
    ///
    /// Every character boundary is a candidate and the first rule that
    /// matches there decides. A position where no `break="yes"` rule matches
    /// cannot break, so the break rules are tried first and the whole list
    /// only where one of them matches.
    pub(crate) fn breaks(&self, para: &str, out: &mut Vec<usize>) {
        if !self.rules.iter().any(|r| r.brk) {
            return;
        }
        for (p, _) in para.char_indices().skip(1) {
            if !self.rules.iter().any(|r| r.brk && r.matches(para, p)) {
                continue;
            }
            if let Some(first) = self.rules.iter().find(|r| r.matches(para, p)) {
                if first.brk {
                    out.push(p);
                }
            }
        }
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
        rules.breaks(text, &mut out);
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
