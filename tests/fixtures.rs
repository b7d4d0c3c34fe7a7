//! Every bundled profile against every bundled scheme, at a fixed time. Each profile states its
//! expected tiers in its first line (`# expected: cls-like@1 = Level 2, cls-like@2 = none --
//! why`), so the expectation lives next to the data it is about.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::evaluate::evaluate;
use iotlabel::profile::Profile;
use iotlabel::time::parse_at;

/// The evaluation time every fixture expectation is written for.
pub const AT: &str = "2026-12-01";

fn profiles(set: &CriteriaSet) -> Vec<(PathBuf, Profile)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/profiles")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let profile = Profile::load(&p, set).unwrap_or_else(|e| match e {
                iotlabel::profile::ProfileError::Invalid(d) => panic!("{}:\n{d}", p.display()),
                other => panic!("{other}"),
            });
            (p, profile)
        })
        .collect()
}

/// `cls-like@1 = Level 2, cls-like@2 = none -- why` -> {scheme: tier label or "none"}.
fn parse_expected(line: &str) -> BTreeMap<String, String> {
    let (pairs, _why) = line.split_once("--").unwrap_or((line, ""));
    pairs
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn every_profile_reaches_its_expected_tier_in_every_scheme() {
    let set = criteria::load_bundled().expect("criteria");
    let at = parse_at(AT).expect("time");
    let all = profiles(&set);
    assert!(all.len() >= 10, "at least 10 profiles, found {}", all.len());
    let mut failures = Vec::new();
    for (path, profile) in &all {
        let line = profile
            .expected
            .clone()
            .unwrap_or_else(|| panic!("{}: no `# expected:` line", path.display()));
        let expected = parse_expected(&line);
        for scheme in &set.schemes {
            let want = expected.get(&scheme.key()).unwrap_or_else(|| {
                panic!("{}: no expectation for {}", path.display(), scheme.key())
            });
            let ev = evaluate(scheme, profile, at);
            // The tier label, "none", or COMPLIANT / NOT COMPLIANT for a compliance statement.
            let got = iotlabel::report::Report::new(scheme, &set.vocab, profile, &ev).headline();
            if &got != want {
                failures.push(format!(
                    "{} / {}: expected {want}, got {got}",
                    path.display(),
                    scheme.key()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn fixtures_cover_every_tier_and_a_failure_of_every_scheme() {
    let set = criteria::load_bundled().expect("criteria");
    let at = parse_at(AT).expect("time");
    let all = profiles(&set);
    for scheme in &set.schemes {
        let reached: Vec<Option<usize>> = all
            .iter()
            .map(|(_, p)| evaluate(scheme, p, at).tier)
            .collect();
        assert!(
            reached.contains(&None),
            "{}: no fixture fails it",
            scheme.key()
        );
        for i in 0..scheme.tiers.len() {
            assert!(
                reached.contains(&Some(i)),
                "{}: no fixture reaches {}",
                scheme.key(),
                scheme.tiers[i].name
            );
        }
    }
}
