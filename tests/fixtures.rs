//! Every bundled profile against every bundled scheme, at a fixed time. Each profile states its
//! expected tiers in its first line (`# expected: cls-like@1 = Level 2, cls-like@2 = none --
//! why`), so the expectation lives next to the data it is about. The lines after it state the
//! why as facts the test checks, so a fixture cannot reach its tier for another reason:
//!
//! - `# blocked: SCHEME TIER by REQ REASON; REQ REASON`: the tier does not hold and each
//!   requirement blocks it for that reason (`blocked exactly:` when they are its only blockers);
//! - `# result: SCHEME REQ OUTCOME via BASIS`: the requirement's outcome and what decided it
//!   (`lab`, `rule`, `recognised`, `condition`, `missing`, `unjustified`, ...).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::collections::BTreeMap;
use std::path::PathBuf;

use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::evaluate::{Basis, Evaluation, evaluate};
use iotlabel::profile::Profile;
use iotlabel::time::parse_at;

mod common;

/// The evaluation time every fixture expectation is written for.
pub const AT: &str = "2026-12-01";

fn profiles(set: &CriteriaSet) -> Vec<(PathBuf, Profile)> {
    common::fixture_profiles(set)
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

/// What decided a result, as a fixture line names it.
fn basis_word(b: Basis) -> &'static str {
    match b {
        Basis::Condition(_) => "condition",
        Basis::Justified => "justified",
        Basis::Unjustified => "unjustified",
        Basis::NaOnMandatory => "na-on-mandatory",
        Basis::Lab => "lab",
        Basis::Rule => "rule",
        Basis::Missing => "missing",
        Basis::LabOnly => "lab-only",
        Basis::StaleLab => "stale-lab",
        Basis::Recognised(..) => "recognised",
    }
}

/// Checks one `# blocked...:` line; returns what is wrong, if anything.
fn check_blocked(
    set: &CriteriaSet,
    line: &str,
    at: jiff::Timestamp,
    profile: &Profile,
) -> Result<(), String> {
    let bad = || format!("cannot read `# blocked{line}`");
    let (exactly, rest) = match line.strip_prefix(" exactly:") {
        Some(r) => (true, r),
        None => (false, line.strip_prefix(':').ok_or_else(bad)?),
    };
    let (head, list) = rest.split_once(" by ").ok_or_else(bad)?;
    let (key, tier) = head.trim().split_once(' ').ok_or_else(bad)?;
    let scheme = set
        .schemes
        .iter()
        .find(|s| s.key() == key)
        .ok_or_else(bad)?;
    let ti = scheme
        .tiers
        .iter()
        .position(|t| t.name == tier.trim())
        .ok_or_else(bad)?;
    let ev: Evaluation = evaluate(scheme, profile, at);
    let t = &ev.tiers[ti];
    if t.holds {
        return Err(format!("{key} {tier} holds"));
    }
    let got: Vec<String> = t
        .blockers
        .iter()
        .map(|b| format!("{} {}", scheme.requirements[b.req].id, b.reason.words()))
        .collect();
    let want: Vec<String> = list.split(';').map(|x| x.trim().to_string()).collect();
    let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).collect();
    if !missing.is_empty() || (exactly && got.len() != want.len()) {
        return Err(format!(
            "{key} {tier}: blockers are {got:?}, the line says {want:?}"
        ));
    }
    Ok(())
}

/// Checks one `# result:` line; returns what is wrong, if anything.
fn check_result(
    set: &CriteriaSet,
    line: &str,
    at: jiff::Timestamp,
    profile: &Profile,
) -> Result<(), String> {
    let bad = || format!("cannot read `# result: {line}`");
    let (head, basis) = line.split_once(" via ").ok_or_else(bad)?;
    let mut words = head.split_whitespace();
    let (key, req) = (words.next().ok_or_else(bad)?, words.next().ok_or_else(bad)?);
    let outcome = words.collect::<Vec<_>>().join(" ");
    let scheme = set
        .schemes
        .iter()
        .find(|s| s.key() == key)
        .ok_or_else(bad)?;
    let i = scheme
        .requirements
        .iter()
        .position(|r| r.id == req)
        .ok_or_else(bad)?;
    let r = evaluate(scheme, profile, at).results[i];
    let got = format!("{} via {}", r.outcome.words(), basis_word(r.basis));
    let want = format!("{outcome} via {}", basis.trim());
    if got == want {
        Ok(())
    } else {
        Err(format!("{key} {req}: {got}, the line says {want}"))
    }
}

#[test]
fn every_fixture_fails_or_passes_for_the_reason_its_comment_gives() {
    let set = criteria::load_bundled().expect("criteria");
    let at = parse_at(AT).expect("time");
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, profile) in profiles(&set) {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = 0;
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            let problem = if let Some(rest) = line.strip_prefix("# blocked") {
                Some(check_blocked(&set, rest, at, &profile))
            } else {
                line.strip_prefix("# result:")
                    .map(|rest| check_result(&set, rest.trim(), at, &profile))
            };
            match problem {
                None => continue,
                Some(Ok(())) => {}
                Some(Err(p)) => problems.push(format!("{}: {p}", path.display())),
            }
            lines += 1;
        }
        assert!(
            lines > 0,
            "{}: no `# blocked:` or `# result:` line",
            path.display()
        );
        checked += lines;
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    assert!(checked >= 40, "{checked} reason lines");
}
