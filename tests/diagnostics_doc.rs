//! `docs/diagnostics.md` lists exactly the diagnostic codes of `iotlabel::diag::Code`, each once,
//! and every code is a distinct letter-and-three-digits id.

use std::collections::BTreeSet;

use iotlabel::diag::Code;

/// The codes of the table rows (`| `C012` | meaning | what to do |`) of the page.
fn documented() -> Vec<String> {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md"))
        .unwrap_or_default();
    page.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(code, _)| code.to_string()))
        .collect()
}

#[test]
fn every_code_is_documented_once_and_nothing_else() {
    let listed = documented();
    let unique: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a code is listed twice: {listed:?}"
    );
    let codes: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes.len(), Code::ALL.len(), "two variants share a code");
    let missing: Vec<_> = codes.difference(&unique).collect();
    let unknown: Vec<_> = unique.difference(&codes).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "not in docs/diagnostics.md: {missing:?}; documented but not a Code: {unknown:?}"
    );
}

#[test]
fn codes_are_a_letter_and_three_digits_and_show_in_the_one_line_form() {
    for c in Code::ALL {
        let s = c.as_str();
        assert!(
            s.len() == 4 && "FVCPT".contains(&s[..1]) && s[1..].bytes().all(|b| b.is_ascii_digit()),
            "{s}"
        );
        assert!(!c.summary().is_empty(), "{s}");
    }
    let file = iotlabel::diag::SourceFile::new("x.toml", "a = 1\n");
    let d = iotlabel::diag::Diagnostic::error(Code::UnknownKey, &file, 0..1, "unknown key `a`");
    assert_eq!(d.to_string(), "x.toml:1:1: error[F004]: unknown key `a`");
    let code = miette::Diagnostic::code(&d).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("F004"));
}
