//! Every date rule of evaluation and issuing, checked on both sides of its boundary: the last
//! instant one way and the first instant the other way. The semantics checked are the ones
//! `criteria/README.md` and `docs/profile-format.md` document:
//!
//! - lab evidence counts when it is no older than the scheme's evidence window (CTM-like: 24
//!   months): a date exactly at the cutoff counts, the day before does not;
//! - an arrangement grants nothing before its `effective_from` day (from 00:00 UTC on it);
//! - a held label grants nothing from its `valid_until` instant on (a day is its 00:00 UTC);
//! - a scheme version issues from its `issuable_from` day through the end of its
//!   `issuable_until` day (UTC), and not a second outside.
//!
//! Faults planted to check these tests (each made one fail): a held label counted at its
//! `valid_until` instant; lab evidence dated exactly at the cutoff treated as stale.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use iotlabel::criteria::{self, CriteriaSet, IssuingState, Scheme};
use iotlabel::evaluate::{Basis, evaluate};
use iotlabel::profile::{Method, Profile, TestResult, Verdict};
use iotlabel::report::Report;
use iotlabel::time::{DateValue, parse_at};
use jiff::{SignedDuration, Timestamp};

fn set() -> CriteriaSet {
    criteria::load_bundled().unwrap()
}

fn scheme<'a>(set: &'a CriteriaSet, key: &str) -> &'a Scheme {
    set.schemes.iter().find(|s| s.key() == key).unwrap()
}

fn fixture(set: &CriteriaSet, name: &str) -> Profile {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(name);
    Profile::load(&p, set).unwrap()
}

fn headline(set: &CriteriaSet, key: &str, p: &Profile, at: Timestamp) -> String {
    let s = scheme(set, key);
    Report::new(s, &set.vocab, p, &evaluate(s, p, at)).headline()
}

/// A functional lab result on `requirement` dated `date`.
fn functional(requirement: &str, verdict: Verdict, date: &str) -> TestResult {
    TestResult {
        requirement: requirement.to_string(),
        test_case: None,
        verdict,
        method: Method::Functional,
        lab: "lab-test".into(),
        date: DateValue::parse(date).unwrap(),
        evidence_digest: None,
        note: None,
    }
}

/// The instant one second before `t`.
fn just_before(t: Timestamp) -> Timestamp {
    t - SignedDuration::from_secs(1)
}

#[test]
fn lab_evidence_counts_from_the_cutoff_day_and_not_the_day_before() {
    let set = set();
    let at = parse_at("2026-12-01").unwrap();
    let s = scheme(&set, "ctm-like@1");
    let cutoff = iotlabel::evaluate::evidence_cutoff(s, at).expect("CTM-like has a window");
    assert_eq!(cutoff, parse_at("2024-12-01").unwrap(), "24 months before");
    // The fixture's lab results are stale (March 2024); move them to each side of the cutoff.
    let mut on = fixture(&set, "plug-ctm-stale-evidence.toml");
    let mut before = on.clone();
    for t in &mut on.tested {
        t.date = DateValue::parse("2024-12-01").unwrap();
    }
    for t in &mut before.tested {
        t.date = DateValue::parse("2024-11-30T23:59:59Z").unwrap();
    }
    assert_eq!(
        headline(&set, "ctm-like@1", &on, at),
        "Cyber Trust Mark-like"
    );
    assert_eq!(headline(&set, "ctm-like@1", &before, at), "none");
    // What the day before leaves: the declarations, at self-declared strength.
    let ev = evaluate(s, &before, at);
    assert!(ev.results.iter().all(|r| r.basis != Basis::Lab));
}

/// A requirement the declarations leave open (only a lab can decide it, or its properties are
/// not declared) and whose only lab verdict is too old says so (StaleLab), not that it has no
/// verdict; a fresh one decides it (a missed mutant dropped the stale case).
#[test]
fn an_open_requirement_with_only_stale_lab_verdicts_says_they_are_stale() {
    let set = set();
    let at = parse_at("2026-12-01").unwrap();
    let mut base = fixture(&set, "plug-ctm-stale-evidence.toml");
    base.tested.clear();
    // The first bundled scheme with requirements this profile leaves to a lab, given CTM-like's
    // evidence window.
    let open_in = |s: &Scheme| -> Vec<(usize, Basis)> {
        evaluate(s, &base, at)
            .results
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.basis, Basis::LabOnly | Basis::Missing))
            .map(|(i, r)| (i, r.basis))
            .collect()
    };
    let mut s = set
        .schemes
        .iter()
        .find(|s| open_in(s).iter().any(|(_, b)| *b == Basis::LabOnly))
        .expect("a scheme with a lab-only requirement")
        .clone();
    s.evidence_max_age = scheme(&set, "ctm-like@1").evidence_max_age;
    let s = &s;
    let open = open_in(s);
    for (i, was) in open {
        let req = &s.requirements[i];
        for (date, expected) in [
            ("2024-11-30T23:59:59Z", Basis::StaleLab),
            ("2024-12-01", Basis::Lab),
        ] {
            let mut p = base.clone();
            p.tested = vec![functional(&req.id, Verdict::Pass, date)];
            let got = evaluate(s, &p, at).results[i].basis;
            assert_eq!(got, expected, "{} ({was:?}) with a PASS of {date}", req.id);
        }
    }
}

#[test]
fn an_arrangement_grants_from_its_first_day_and_not_a_second_earlier() {
    let set = set();
    // The Singapore CLS(IoT) label counts for UK PSTI from 2026-01-01 (criteria/recognition.toml).
    let p = fixture(&set, "router-cls-label-psti.toml");
    let first = parse_at("2026-01-01").unwrap();
    assert_eq!(headline(&set, "uk-psti@1", &p, first), "COMPLIANT");
    assert_eq!(
        headline(&set, "uk-psti@1", &p, just_before(first)),
        "NOT COMPLIANT"
    );
}

#[test]
fn a_held_label_grants_until_its_valid_until_instant() {
    let set = set();
    // The BSI label is valid until 2028-03-31 (a day: 00:00 UTC on it); without it, cls-like@2
    // (which needs a lab review) is not reached on the own declarations.
    let p = fixture(&set, "hub-bsi-recognised.toml");
    let end = p.recognised[0].valid_until.unwrap().at;
    assert_eq!(end, parse_at("2028-03-31").unwrap());
    assert_eq!(
        headline(&set, "cls-like@2", &p, just_before(end)),
        "Level 2"
    );
    assert_eq!(headline(&set, "cls-like@2", &p, end), "none");
    // The same for a label whose end is written as a month: valid through that month.
    let mut by_month = p.clone();
    by_month.recognised[0].valid_until = Some(DateValue::parse("2028-03").unwrap());
    let month_end = parse_at("2028-04-01").unwrap();
    assert_eq!(
        headline(&set, "cls-like@2", &by_month, just_before(month_end)),
        "Level 2"
    );
    assert_eq!(headline(&set, "cls-like@2", &by_month, month_end), "none");
}

#[test]
fn a_scheme_version_issues_through_its_last_day_and_from_its_first() {
    let set = set();
    let v1 = scheme(&set, "cls-like@1");
    let v2 = scheme(&set, "cls-like@2");
    let closes = parse_at("2025-04-01").unwrap();
    // cls-like@1: issuable_until = 2025-03-31, so open through 23:59:59 UTC that day.
    assert_eq!(v1.lifecycle.state(just_before(closes)), IssuingState::Open);
    assert_eq!(v1.lifecycle.state(closes), IssuingState::Closed);
    // cls-like@2 takes over at the same instant: never a gap, never an overlap.
    assert_eq!(
        v2.lifecycle.state(just_before(closes)),
        IssuingState::NotYetOpen
    );
    assert_eq!(v2.lifecycle.state(closes), IssuingState::Open);
    // cls-like@1's first day.
    let opens = parse_at("2020-10-07").unwrap();
    assert_eq!(
        v1.lifecycle.state(just_before(opens)),
        IssuingState::NotYetOpen
    );
    assert_eq!(v1.lifecycle.state(opens), IssuingState::Open);
}

#[test]
fn issuing_follows_the_window_to_the_second() {
    let set = set();
    let s = scheme(&set, "cls-like@1");
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/camera-level1-only.toml");
    let closes = parse_at("2025-04-01").unwrap();
    let last = just_before(closes);
    let sc = iotlabel::scenario::Scenario::new(
        &set,
        b"boundaries",
        parse_at("2025-03-01").unwrap(),
        365,
    )
    .unwrap();
    let issued = sc.issue_file(&set, s, &path, last, 0).unwrap();
    assert!(issued.is_some(), "issued in the last second of the window");
    let refused = sc.issue_file(&set, s, &path, closes, 1).unwrap_err();
    assert!(refused.0.contains("does not issue labels"), "{refused}");
}

/// The evidence window counts back every part of its period: years, months and days (the
/// bundled schemes use months only, so a sign dropped on years or days went unseen by the
/// mutation run).
#[test]
fn the_evidence_window_counts_back_years_months_and_days() {
    use iotlabel::criteria::model::Period;
    use iotlabel::evaluate::evidence_cutoff;
    let set = set();
    let at = parse_at("2026-12-01T12:00:00Z").unwrap();
    for (years, months, days, cutoff) in [
        (1, 0, 0, "2025-12-01T12:00:00Z"),
        (0, 0, 3, "2026-11-28T12:00:00Z"),
        (1, 2, 3, "2025-09-28T12:00:00Z"),
    ] {
        let mut s = scheme(&set, "ctm-like@1").clone();
        s.evidence_max_age = Some(Period {
            years,
            months,
            days,
        });
        assert_eq!(
            evidence_cutoff(&s, at),
            Some(parse_at(cutoff).unwrap()),
            "{years} years, {months} months, {days} days"
        );
    }
}

/// A justified "not applicable" claim on a recommended requirement is lifted to the lab's
/// assurance only by a PASS on that same requirement inside the evidence window: not by a
/// PASS on another requirement, not by a FAIL, not by a stale PASS (two missed mutants in
/// `decide` dropped one of these conditions).
#[test]
fn a_justified_na_claim_is_lifted_only_by_a_fresh_pass_on_its_own_requirement() {
    use iotlabel::criteria::model::Modal;
    use iotlabel::evaluate::Provenance;
    use iotlabel::profile::NaClaim;
    let set = set();
    let at = parse_at("2026-12-01").unwrap();
    // CTM-like has the evidence window but no recommended requirement: give the window to
    // the first scheme that has two unconditional recommended ones.
    let unconditional_r =
        |r: &iotlabel::criteria::model::Requirement| r.modal == Modal::R && r.conditions.is_empty();
    let mut s = set
        .schemes
        .iter()
        .find(|s| s.requirements.iter().filter(|r| unconditional_r(r)).count() >= 2)
        .expect("a scheme with recommended requirements")
        .clone();
    s.evidence_max_age = scheme(&set, "ctm-like@1").evidence_max_age;
    let s = &s;
    let mut recommended = s
        .requirements
        .iter()
        .enumerate()
        .filter(|(_, r)| unconditional_r(r));
    let (i, req) = recommended.next().expect("a recommended requirement");
    let (_, other) = recommended.next().expect("another one");
    let mut base = fixture(&set, "plug-ctm-stale-evidence.toml");
    base.tested.clear();
    base.not_applicable.insert(
        req.id.clone(),
        NaClaim {
            justification: "the device has no such interface".into(),
        },
    );

    let fresh = "2026-06-01";
    let stale = "2024-11-30";
    for (tested, expected) in [
        (vec![], Provenance::Declared),
        (
            vec![functional(&other.id, Verdict::Pass, fresh)],
            Provenance::Declared,
        ),
        (
            vec![functional(&req.id, Verdict::Fail, fresh)],
            Provenance::Declared,
        ),
        (
            vec![functional(&req.id, Verdict::Pass, stale)],
            Provenance::Declared,
        ),
        (
            vec![functional(&req.id, Verdict::Pass, fresh)],
            Provenance::LabTested,
        ),
    ] {
        let mut p = base.clone();
        p.tested = tested.clone();
        let got = evaluate(s, &p, at).results[i].provenance;
        assert_eq!(got, Some(expected), "{} with {tested:?}", req.id);
    }
}
