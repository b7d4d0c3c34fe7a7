//! Monotonicity through `evaluate`, from the bundled fixture profiles (which between them reach
//! every tier of every scheme and fail each): better evidence never lowers a tier.
//!
//! Steps, for every fixture, every scheme and every requirement of the scheme:
//! 1. build a chain of profiles, each with better evidence for that one requirement than the
//!    one before (lab FAIL < INCONCLUSIVE < conceptual PASS < functional PASS; a PASS older
//!    than any scheme's evidence window < the same PASS this year);
//! 2. for every recognition arrangement: no label < an expired label < a label valid for years;
//! 3. evaluate each profile of a chain with `evaluate` at the fixtures' time and check that
//!    the tier never goes down along it;
//! 4. count the steps where the tier actually goes up, by scheme and by the tier reached, and
//!    require a minimum of them for every tier the fixtures reach, so the property cannot pass
//!    by never meeting a case where a tier can change.
//!
//! `MONO_SHOW="lab: FAIL -> INCONCLUSIVE" cargo test --test monotonicity -- --nocapture` lists
//! the raising steps of one kind. Faults planted to check the test (each made it fail): a
//! functional PASS given less provenance than a conceptual one; the evidence window inverted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::collections::BTreeMap;

use iotlabel::criteria::{self, CriteriaSet, Scheme};
use iotlabel::evaluate::evaluate;
use iotlabel::profile::{Method, Profile, Recognised, TestResult, Verdict};
use iotlabel::time::{DateValue, parse_at};

mod common;

/// The evaluation time every fixture expectation is written for (as tests/fixtures.rs).
const AT: &str = "2026-12-01";
/// A lab date inside every scheme's evidence window at [`AT`].
const FRESH: &str = "2026-06-01";
/// A lab date outside the shortest evidence window (CTM-like: 24 months).
const STALE: &str = "2020-01-01";

fn fixtures(set: &CriteriaSet) -> Vec<Profile> {
    common::fixture_profiles(set)
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// `profile` with the lab results for `req` replaced by one result.
fn with_result(
    profile: &Profile,
    req: &str,
    verdict: Verdict,
    method: Method,
    date: &str,
) -> Profile {
    let mut p = profile.clone();
    p.tested.retain(|t| t.requirement != req);
    p.tested.push(TestResult {
        requirement: req.to_string(),
        test_case: None,
        verdict,
        method,
        lab: "monotonicity-lab".into(),
        date: DateValue::parse(date).unwrap(),
        evidence_digest: None,
        note: None,
    });
    p
}

/// Step 1: chains of better evidence for one requirement, weakest first.
fn lab_chains(profile: &Profile, req: &str) -> [Vec<Profile>; 2] {
    let r = |v, m, d| with_result(profile, req, v, m, d);
    [
        vec![
            r(Verdict::Fail, Method::Functional, FRESH),
            r(Verdict::Inconclusive, Method::Functional, FRESH),
            r(Verdict::Pass, Method::Conceptual, FRESH),
            r(Verdict::Pass, Method::Functional, FRESH),
        ],
        vec![
            r(Verdict::Pass, Method::Functional, STALE),
            r(Verdict::Pass, Method::Functional, FRESH),
        ],
    ]
}

/// Step 2: no label, an expired one, one valid for years, for one arrangement.
fn recognition_chain(profile: &Profile, from: &str) -> Vec<Profile> {
    let with = |until: &str| {
        let mut p = profile.clone();
        p.recognised.retain(|r| r.scheme != from);
        p.recognised.push(Recognised {
            scheme: from.to_string(),
            reference: "MONO-1".into(),
            valid_until: Some(DateValue::parse(until).unwrap()),
        });
        p
    };
    let mut none = profile.clone();
    none.recognised.retain(|r| r.scheme != from);
    vec![none, with("2026-01-01"), with("2031-12-31")]
}

/// Tier reached as a number: 0 = none, 1 = the first tier, ...
fn rank(scheme: &Scheme, p: &Profile) -> usize {
    let at = parse_at(AT).unwrap();
    evaluate(scheme, p, at).tier.map_or(0, |t| t + 1)
}

/// Tier names by number, as the counts are reported.
fn tier_name(scheme: &Scheme, n: usize) -> String {
    match n {
        0 => "none".into(),
        n => scheme.tiers[n - 1].name.clone(),
    }
}

/// Step 3 and 4 for one chain: every step up or level; counts the steps up by the tier reached.
fn walk(scheme: &Scheme, chain: &[Profile], what: &str, counts: &mut Counts) {
    let Counts { ups, kinds, downs } = counts;
    let ranks: Vec<usize> = chain.iter().map(|p| rank(scheme, p)).collect();
    for (i, pair) in ranks.windows(2).enumerate() {
        if pair[1] < pair[0] {
            downs.push(format!(
                "{} {}: {what}, step {i}: {} -> {}",
                scheme.key(),
                chain[0].path,
                tier_name(scheme, pair[0]),
                tier_name(scheme, pair[1])
            ));
        } else if pair[1] > pair[0] {
            *ups.entry((scheme.key(), pair[1])).or_default() += 1;
            *kinds.entry(kind_of(what, i)).or_default() += 1;
            if std::env::var("MONO_SHOW").is_ok_and(|k| k == kind_of(what, i)) {
                eprintln!(
                    "{} {}: {what}: {} -> {}",
                    scheme.key(),
                    chain[0].path,
                    pair[0],
                    pair[1]
                );
            }
        }
    }
}

/// What the walks found.
#[derive(Default)]
struct Counts {
    /// Steps up, by (scheme, tier reached).
    ups: BTreeMap<(String, usize), usize>,
    /// Steps up, by the kind of evidence that improved.
    kinds: BTreeMap<&'static str, usize>,
    /// Steps down, described.
    downs: Vec<String>,
}

/// The kind of improvement a step of a chain is (see [`lab_chains`], [`recognition_chain`]).
fn kind_of(what: &str, step: usize) -> &'static str {
    match (
        what.starts_with("recognised"),
        what.ends_with("(dates)"),
        step,
    ) {
        (true, _, 0) => "recognition: expired label added",
        (true, _, _) => "recognition: valid label",
        (false, true, _) => "lab: stale PASS made fresh",
        (false, false, 0) => "lab: FAIL -> INCONCLUSIVE",
        (false, false, 1) => "lab: INCONCLUSIVE -> conceptual PASS",
        (false, false, _) => "lab: conceptual -> functional PASS",
    }
}

#[test]
fn better_evidence_never_lowers_a_tier_and_often_raises_one() {
    let set = criteria::load_bundled().unwrap();
    let profiles = fixtures(&set);
    assert!(profiles.len() >= 20, "{} fixtures", profiles.len());
    let mut counts = Counts::default();
    let mut reached: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for scheme in &set.schemes {
        for p in &profiles {
            reached
                .entry(scheme.key())
                .or_default()
                .push(rank(scheme, p));
            for req in &scheme.requirements {
                let [verdicts, dates] = lab_chains(p, &req.id);
                walk(
                    scheme,
                    &verdicts,
                    &format!("lab results for {}", req.id),
                    &mut counts,
                );
                walk(
                    scheme,
                    &dates,
                    &format!("lab results for {} (dates)", req.id),
                    &mut counts,
                );
            }
            for rec in &scheme.recognitions {
                let chain = recognition_chain(p, &rec.from);
                walk(
                    scheme,
                    &chain,
                    &format!("recognised {}", rec.from),
                    &mut counts,
                );
            }
        }
    }
    let Counts { ups, kinds, downs } = counts;
    assert!(
        downs.is_empty(),
        "better evidence lowered a tier:\n{}",
        downs.join("\n")
    );

    // Every tier some fixture reaches must also be reached by raising evidence, several times.
    let mut report = Vec::new();
    let mut thin = Vec::new();
    for scheme in &set.schemes {
        let key = scheme.key();
        let mut tiers: Vec<usize> = reached[&key].iter().copied().filter(|&t| t > 0).collect();
        tiers.sort_unstable();
        tiers.dedup();
        for t in tiers {
            let n = ups.get(&(key.clone(), t)).copied().unwrap_or(0);
            report.push(format!("{key} {}: {n}", tier_name(scheme, t)));
            if n < MIN_RAISES {
                thin.push(format!("{key} {}: {n}", tier_name(scheme, t)));
            }
        }
    }
    eprintln!(
        "steps that raised the tier, by scheme and tier reached:\n{}",
        report.join("\n")
    );
    eprintln!("by kind of evidence: {kinds:#?}");
    // Every kind of improvement must raise some tier somewhere, or its chain tests nothing.
    for kind in [
        "recognition: valid label",
        "lab: stale PASS made fresh",
        "lab: FAIL -> INCONCLUSIVE",
        "lab: INCONCLUSIVE -> conceptual PASS",
        "lab: conceptual -> functional PASS",
    ] {
        let n = kinds.get(kind).copied().unwrap_or(0);
        assert!(n >= MIN_RAISES, "{kind}: only {n} raising steps");
    }
    assert!(
        thin.is_empty(),
        "fewer than {MIN_RAISES} raising steps reach these tiers: {thin:?}"
    );
}

/// The least number of steps that must raise each reached tier (measured counts are printed by
/// the test; the lowest was far above this when it was set).
const MIN_RAISES: usize = 10;
