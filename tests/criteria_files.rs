//! The bundled criteria themselves: every file loads clean, ids are unique, the ETSI catalogue
//! has all 68 V2.1.1 provisions with the statuses of its Annex B table, the repository copy
//! matches the embedded copy, and the criteria digest depends on meaning, not formatting.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use iotlabel::criteria::{self, Modal};
use iotlabel::diag::SourceFile;

#[test]
fn every_bundled_file_loads_clean() {
    let (set, diags) = criteria::load_files(&criteria::bundled_files());
    assert!(diags.0.is_empty(), "{diags}");
    assert!(!set.schemes.is_empty());
}

#[test]
fn repository_tree_matches_the_embedded_copy() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("criteria");
    let on_disk = criteria::read_dir_files(&dir).expect("criteria dir");
    let embedded = criteria::bundled_files();
    assert_eq!(on_disk.len(), embedded.len());
    for (a, b) in on_disk.iter().zip(&embedded) {
        assert!(a.path.ends_with(&b.path), "{} vs {}", a.path, b.path);
        assert_eq!(a.text, b.text, "{} differs from the embedded copy", a.path);
    }
}

#[test]
fn requirement_and_tier_ids_are_unique() {
    let set = criteria::load_bundled().expect("load");
    for c in &set.catalogues {
        let ids: BTreeSet<&str> = c.requirements.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), c.requirements.len(), "{}", c.key());
    }
    for s in &set.schemes {
        let ids: BTreeSet<&str> = s.requirements.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), s.requirements.len(), "{}", s.key());
        let tiers: BTreeSet<&str> = s.tiers.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(tiers.len(), s.tiers.len(), "{}", s.key());
        for (i, t) in s.tiers.iter().enumerate() {
            assert_eq!(t.rank as usize, i + 1, "{} ranks run 1..n", s.key());
        }
    }
}

#[test]
fn etsi_v2_has_all_68_provisions_with_annex_b_statuses() {
    let set = criteria::load_bundled().expect("load");
    let cat = set
        .catalogues
        .iter()
        .find(|c| c.key() == "etsi-en-303-645@2.1.1")
        .expect("catalogue");
    assert_eq!(cat.requirements.len(), 68);
    let per_clause = [
        ("4", 1),
        ("5.1", 5),
        ("5.2", 3),
        ("5.3", 16),
        ("5.4", 4),
        ("5.5", 8),
        ("5.6", 9),
        ("5.7", 2),
        ("5.8", 3),
        ("5.9", 3),
        ("5.10", 1),
        ("5.11", 4),
        ("5.12", 3),
        ("5.13", 1),
        ("6", 5),
    ];
    for (clause, n) in per_clause {
        let count = cat
            .requirements
            .iter()
            .filter(|r| r.id.split('-').next() == Some(clause))
            .count();
        assert_eq!(count, n, "clause {clause}");
    }
    let status = |id: &str| {
        cat.requirements
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.status())
            .unwrap_or("?")
    };
    let mc = [
        "5.1-1", "5.1-2", "5.1-4", "5.1-5", "5.3-2", "5.3-3", "5.3-7", "5.3-8", "5.3-10", "5.4-2",
        "5.6-4", "6-2", "6-5",
    ];
    let rc = [
        "5.3-4", "5.3-5", "5.3-6", "5.3-9", "5.3-11", "5.3-12", "5.3-14", "5.3-15", "5.10-1", "6-4",
    ];
    let m = [
        "4-1", "5.1-3", "5.2-1", "5.3-13", "5.3-16", "5.4-1", "5.4-3", "5.4-4", "5.5-1", "5.5-5",
        "5.5-7", "5.5-8", "5.6-1", "5.6-2", "5.8-2", "5.8-3", "5.11-1", "5.13-1", "6-1", "6-3",
    ];
    for id in mc {
        assert_eq!(status(id), "MC", "{id}");
    }
    for id in rc {
        assert_eq!(status(id), "RC", "{id}");
    }
    for id in m {
        assert_eq!(status(id), "M", "{id}");
    }
    let r_count = cat
        .requirements
        .iter()
        .filter(|r| r.status() == "R")
        .count();
    assert_eq!(r_count, 25);
    assert_eq!(
        cat.requirements
            .iter()
            .filter(|r| r.modal == Modal::M)
            .count(),
        33
    );
    // Conditions named by number as in V2.1.1, e.g. 5.3-10 needs 11 and 12.
    let conds = |id: &str| -> Vec<String> {
        cat.requirements
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.conditions.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(conds("5.3-10"), ["11", "12"]);
    assert_eq!(conds("5.3-6"), ["9", "12"]);
    assert_eq!(conds("5.3-14"), ["3", "4"]);
    assert_eq!(conds("5.1-5"), ["5"]);
}

fn scheme_digest_after(edit: impl Fn(&str) -> String) -> String {
    let files: Vec<Arc<SourceFile>> = criteria::bundled_files()
        .into_iter()
        .map(|f| {
            if f.path.ends_with("cls-like-v2.toml") {
                SourceFile::new(f.path.clone(), edit(&f.text))
            } else {
                f
            }
        })
        .collect();
    let (set, diags) = criteria::load_files(&files);
    assert!(!diags.has_errors(), "{diags}");
    set.scheme("cls-like@2").expect("scheme").digest_hex()
}

#[test]
fn digest_ignores_formatting_and_prose_but_not_meaning() {
    let original = scheme_digest_after(|t| t.to_string());
    // CRLF line endings, extra comments and blank lines, and a changed remediation text.
    assert_eq!(original, scheme_digest_after(|t| t.replace('\n', "\r\n")));
    assert_eq!(
        original,
        scheme_digest_after(|t| format!(
            "# a new comment\n\n{}",
            t.replace("[[tier]]", "\n# tier\n[[tier]]")
        ))
    );
    assert_eq!(
        original,
        scheme_digest_after(|t| t.replace("Carry out and document", "Perform and write down"))
    );
    // A more lenient scheme (level 1 self-declared instead of lab-reviewed) is another scheme.
    let lenient = scheme_digest_after(|t| {
        t.replacen(
            "assurance    = \"lab-reviewed\"",
            "assurance    = \"self-declared\"",
            1,
        )
    });
    assert_ne!(original, lenient);
    // So is a changed validity or a changed rule.
    assert_ne!(
        original,
        scheme_digest_after(|t| t.replace("max_years          = 3", "max_years          = 4"))
    );
    assert_ne!(
        original,
        scheme_digest_after(|t| t.replace(
            "in = [\"spdx\", \"cyclonedx\"]",
            "in = [\"spdx\", \"cyclonedx\", \"other\"]"
        ))
    );
}

#[test]
fn a_catalogue_rule_change_changes_every_scheme_digest_built_on_it() {
    let before = criteria::load_bundled().expect("load");
    let files: Vec<Arc<SourceFile>> = criteria::bundled_files()
        .into_iter()
        .map(|f| {
            if f.path.contains("etsi-en-303-645-v2.1.1") {
                // Loosen one enum comparison: accept a shared default password.
                let t = f.text.replacen(
                    "\"unique_per_device\"",
                    "\"shared_default\", \"unique_per_device\"",
                    1,
                );
                assert_ne!(t, f.text, "the edit must apply");
                SourceFile::new(f.path.clone(), t)
            } else {
                f
            }
        })
        .collect();
    let (after, diags) = criteria::load_files(&files);
    assert!(!diags.has_errors(), "{diags}");
    let built_on: Vec<_> = before
        .schemes
        .iter()
        .filter(|s| s.catalogues.iter().any(|c| c == "etsi-en-303-645@2.1.1"))
        .collect();
    assert!(built_on.len() >= 2);
    for s in built_on {
        let a = after.scheme(&s.key()).expect("scheme");
        assert_ne!(s.digest, a.digest, "{}", s.key());
    }
}
