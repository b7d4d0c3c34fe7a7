//! One place for words: every fixed text a person is shown, in every language, is data in
//! `words.toml`: the label artwork (`label`), the HTML and PDF assessment reports (`report`),
//! and the verify and registry pages (`verify`, `page`). Each part is a struct that refuses
//! unknown and missing keys, so every language has every key and every key is read.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const WORDS: &str = include_str!("../words.toml");

/// The words of one language.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Words {
    /// On the label artwork.
    pub(crate) label: crate::artwork::Strings,
    /// In the HTML and PDF reports.
    pub(crate) report: crate::report::view::Words,
    /// The verdict and facts of one label, on the verify and registry pages.
    pub(crate) verify: crate::serve::view::Words,
    /// The pages around them.
    pub(crate) page: crate::serve::page::PageWords,
}

fn all() -> &'static BTreeMap<String, Words> {
    static ALL: OnceLock<BTreeMap<String, Words>> = OnceLock::new();
    // The file is bundled and checked by a unit test, so an error here is a build defect;
    // fail to "no languages" rather than panic.
    ALL.get_or_init(|| toml::from_str(WORDS).unwrap_or_default())
}

/// The bundled languages (`en`, `ja`).
pub(crate) fn languages() -> Vec<&'static str> {
    all().keys().map(String::as_str).collect()
}

/// The words of `lang`, if bundled.
pub(crate) fn of(lang: &str) -> Option<&'static Words> {
    all().get(lang)
}

/// The words of a language every renderer offers (`en`, `ja`); empty texts only if the
/// bundled file were broken, which the unit test below rules out.
pub(crate) fn bundled(lang: &str) -> &'static Words {
    static EMPTY: OnceLock<Words> = OnceLock::new();
    of(lang).unwrap_or_else(|| EMPTY.get_or_init(Words::default))
}

/// `template` with every `{name}` of `args` replaced by its value, in one pass (a value is
/// never read as a template).
pub(crate) fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hit = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v, close))
        });
        match hit {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Every key path of a TOML value (`report.title`, `verify.verdicts.valid.headline`).
    fn keys(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
        if let toml::Value::Table(t) = v {
            for (k, x) in t {
                let path = format!("{prefix}{k}");
                keys(x, &format!("{path}."), out);
                out.push(path);
            }
        }
    }

    #[test]
    fn every_language_has_every_key_and_parses() {
        let raw: toml::Table = toml::from_str(WORDS).unwrap();
        let mut per_lang = Vec::new();
        for (lang, v) in &raw {
            let mut k = Vec::new();
            keys(v, "", &mut k);
            k.sort();
            per_lang.push((lang.clone(), k));
        }
        let (first, want) = &per_lang[0];
        for (lang, got) in &per_lang[1..] {
            let missing: Vec<_> = want.iter().filter(|k| !got.contains(k)).collect();
            let extra: Vec<_> = got.iter().filter(|k| !want.contains(k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang} lacks {missing:?} of {first}, and has {extra:?} that {first} has not"
            );
        }
        // The types take every key and refuse unknown ones, so nothing is missing or unread.
        let parsed: BTreeMap<String, Words> = toml::from_str(WORDS).unwrap();
        assert_eq!(parsed.keys().collect::<Vec<_>>(), ["en", "ja"]);
        assert_eq!(languages(), ["en", "ja"]);
    }

    #[test]
    fn fill_replaces_named_slots_once() {
        assert_eq!(
            fill("page {n} of {m}", &[("n", "2"), ("m", "{n}")]),
            "page 2 of {n}"
        );
        assert_eq!(fill("{x} {", &[("y", "1")]), "{x} {");
    }
}
