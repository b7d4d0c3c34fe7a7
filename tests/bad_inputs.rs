//! Bad-input vectors: one file per mistake under `fixtures/bad/{criteria,profiles,templates}/`,
//! each stating the errors it must produce in `# expect: LINE:COL: CODE message` header lines.
//! Every expected error must be reported with that code at that position, and no other error in
//! that file. Codes and positions are matched, not message texts (the message after the code is
//! for the reader; `docs/diagnostics.md` lists the codes).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod common;

use std::sync::Arc;

use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::diag::{Diagnostics, Severity, SourceFile};
use iotlabel::profile::Profile;

/// `LINE:COL: CODE` of each `# expect:` line (the message after the code is not compared).
fn expectations(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|s| s.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

fn actual(diags: &Diagnostics, path: &str) -> Vec<String> {
    diags
        .0
        .iter()
        .filter(|d| d.severity == Severity::Error && d.file.path == path)
        .map(|d| {
            let (line, col) = d.line_col().unwrap_or((0, 0));
            format!("{line}:{col}: {}", d.code)
        })
        .collect()
}

fn files(dir: &str) -> Vec<Arc<SourceFile>> {
    common::toml_files(dir)
        .iter()
        .map(|p| {
            let rel = format!(
                "{dir}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            SourceFile::new(rel, std::fs::read_to_string(p).unwrap_or_default())
        })
        .collect()
}

fn check(file: &SourceFile, diags: &Diagnostics) -> Option<String> {
    let want = expectations(&file.text);
    let got = actual(diags, &file.path);
    if want.is_empty() {
        return Some(format!("{}: no `# expect:` lines", file.path));
    }
    if want != got {
        return Some(format!(
            "{}:\n  expected:\n    {}\n  got:\n    {}",
            file.path,
            want.join("\n    "),
            got.join("\n    ")
        ));
    }
    None
}

#[test]
fn bad_criteria_files_report_every_planted_mistake() {
    let mut failures = Vec::new();
    let cases = files("fixtures/bad/criteria");
    assert!(cases.len() >= 6, "too few criteria vectors");
    for f in cases {
        let (_, diags) = criteria::load_overlay(criteria::bundled_files(), vec![Arc::clone(&f)]);
        // The bundled criteria must stay clean whatever file is checked on top.
        let others: Vec<String> = diags
            .0
            .iter()
            .filter(|d| d.file.path != f.path)
            .map(|d| d.to_string())
            .collect();
        assert!(
            others.is_empty(),
            "bundled criteria reported problems: {others:?}"
        );
        failures.extend(check(&f, &diags));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn bad_profiles_report_every_planted_mistake() {
    let set: CriteriaSet = criteria::load_bundled().expect("bundled criteria load");
    let mut failures = Vec::new();
    let cases = files("fixtures/bad/profiles");
    assert!(cases.len() >= 5, "too few profile vectors");
    for f in cases {
        match Profile::parse(&f, &set) {
            Ok(_) => failures.push(format!("{}: loaded without error", f.path)),
            Err(diags) => failures.extend(check(&f, &diags)),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn bad_templates_report_every_planted_mistake() {
    use iotlabel::artwork::{self, template};
    let mut failures = Vec::new();
    let cases = files("fixtures/bad/templates");
    assert!(cases.len() >= 3, "too few template vectors");
    for f in cases {
        match template::parse(Arc::clone(&f), &template::load_bundled) {
            Err(diags) => failures.extend(check(&f, &diags)),
            Ok(t) => {
                // Layout problems name the element as `path:line:col: message`: compare
                // `line:col: CODE`.
                let want = expectations(&f.text);
                let got: Vec<String> = artwork::check_template(&t, 260)
                    .iter()
                    .map(|e| {
                        let s = e.to_string();
                        let at = s.strip_prefix(&format!("{}:", f.path)).unwrap_or(&s);
                        let pos = at.split(' ').next().unwrap_or_default();
                        format!("{pos} {}", e.code())
                    })
                    .collect();
                if want != got {
                    failures.push(format!(
                        "{}:\n  expected:\n    {}\n  got:\n    {}",
                        f.path,
                        want.join("\n    "),
                        got.join("\n    ")
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A scheme with more requirements than a label carries results for (255) is refused at its
/// `[scheme]` table; with 255 it loads. Generated, as 256 requirements make a long file.
#[test]
fn a_scheme_with_more_requirements_than_a_label_carries_is_refused() {
    fn scheme(n: usize) -> Arc<SourceFile> {
        let mut t = String::from(
            "[scheme]\nid = \"many\"\nversion = 1\nname = \"Many\"\nissuing_body = \"Test\"\ntier_display = \"level\"\n\n[scheme.validity]\nmax_years = 2\n\n",
        );
        for i in 0..n {
            t.push_str(&format!(
                "[[requirement]]\nid = \"R-{i}\"\ntitle = \"R {i}\"\nstatus = \"M\"\nremediation = \"Do it.\"\nrule = {{ property = \"auth.can_change\", eq = true }}\n\n"
            ));
        }
        let ids: Vec<String> = (0..n).map(|i| format!("\"R-{i}\"")).collect();
        t.push_str(&format!(
            "[[tier]]\nrank = 1\nid = \"l1\"\nname = \"L1\"\nassurance = \"self-declared\"\nrequirements = [{}]\n",
            ids.join(", ")
        ));
        SourceFile::new(format!("fixtures/bad/criteria/many-{n}.toml"), t)
    }
    let over = scheme(256);
    let (_, diags) = criteria::load_overlay(criteria::bundled_files(), vec![Arc::clone(&over)]);
    assert_eq!(actual(&diags, &over.path), ["1:1: C040"]);
    let at_cap = scheme(255);
    let (set, diags) = criteria::load_overlay(criteria::bundled_files(), vec![Arc::clone(&at_cap)]);
    assert!(actual(&diags, &at_cap.path).is_empty(), "{diags:?}");
    assert!(set.scheme("many@1").is_some());
}
