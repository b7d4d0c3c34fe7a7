//! The rule and feature fixes of issue 11, each checked where it changes a result.
//!
//! Most checks use a *probe* scheme: a one-tier scheme over one catalogue whose tier lists only
//! the requirements under test, so the tier is reached exactly when those requirements are MET
//! or NOT APPLICABLE. A fixture profile is edited to the case in question (a feature, a
//! declaration, a lab result) and the probe's tier is compared before and after the edit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use iotlabel::criteria::{self, CriteriaSet, Scheme};
use iotlabel::diag::SourceFile;
use iotlabel::evaluate::{Outcome, evaluate};
use iotlabel::profile::{Method, NaClaim, Profile, Verdict};
use iotlabel::report::{Report, render_text};
use iotlabel::time::{DateValue, parse_at};
use iotlabel::value::{PropertyType, Value};

const AT: &str = "2026-12-01";

/// The bundled criteria plus `probe@1`: one self-declared tier listing `reqs` of `catalogue`.
fn with_probe(catalogue: &str, reqs: &[&str]) -> CriteriaSet {
    load_probe(catalogue, reqs, Vec::new())
}

/// The bundled criteria plus catalogue `probe-<name>@1` made of `requirements` (TOML
/// `[[requirement]]` tables) and `probe@1`: one self-declared tier listing `reqs` of it.
fn with_probe_catalogue(name: &str, requirements: &str, reqs: &[&str]) -> CriteriaSet {
    let catalogue = SourceFile::new(
        format!("catalogues/probe-{name}.toml"),
        format!(
            "[catalogue]\nid = \"probe-{name}\"\nversion = \"1\"\ntitle = \"Probe\"\n\
             source = \"test\"\n{requirements}"
        ),
    );
    load_probe(&format!("probe-{name}@1"), reqs, vec![catalogue])
}

/// The bundled criteria, `extra` files and the `probe@1` scheme over `catalogue`.
fn load_probe(
    catalogue: &str,
    reqs: &[&str],
    mut extra: Vec<std::sync::Arc<SourceFile>>,
) -> CriteriaSet {
    let list: Vec<String> = reqs.iter().map(|r| format!("\"{r}\"")).collect();
    extra.push(SourceFile::new(
        "schemes/probe.toml",
        format!(
            "[scheme]\nid = \"probe\"\nversion = 1\nname = \"Probe\"\nissuing_body = \"test\"\n\
             tier_display = \"level\"\ncatalogues = [\"{catalogue}\"]\nself_declaration = true\n\
             [scheme.validity]\nmax_years = 1\n\
             [[tier]]\nrank = 1\nid = \"ok\"\nname = \"OK\"\nassurance = \"self-declared\"\n\
             requirements = [{}]\n",
            list.join(", ")
        ),
    ));
    let (set, diags) = criteria::load_overlay(criteria::bundled_files(), extra);
    assert!(!diags.has_errors(), "{diags}");
    set
}

/// `probe@1` evaluated for `p`, and which of its requirements are MET, in order.
fn probe_met(set: &CriteriaSet, p: &Profile) -> (iotlabel::evaluate::Evaluation, Vec<bool>) {
    let ev = evaluate(scheme(set, "probe@1"), p, at());
    let met = ev
        .results
        .iter()
        .map(|r| r.outcome == Outcome::Met)
        .collect();
    (ev, met)
}

fn v2(reqs: &[&str]) -> CriteriaSet {
    with_probe("etsi-en-303-645@2.1.1", reqs)
}

fn v3(reqs: &[&str]) -> CriteriaSet {
    with_probe("etsi-en-303-645@3.1.3", reqs)
}

fn fixture(set: &CriteriaSet, name: &str) -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(name);
    Profile::load(&path, set).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn at() -> jiff::Timestamp {
    parse_at(AT).unwrap()
}

fn feature(set: &CriteriaSet, p: &mut Profile, name: &str, v: bool) {
    let f = set
        .vocab
        .feature(name)
        .unwrap_or_else(|| panic!("no feature {name}"));
    p.features[usize::from(f)] = Some(v);
}

/// Declares `name` = `v`; an enum value is given by name, a number as decimal text.
fn declare(set: &CriteriaSet, p: &mut Profile, name: &str, v: &str) {
    let id = set
        .vocab
        .property(name)
        .unwrap_or_else(|| panic!("no property {name}"));
    let value = match &set.vocab.prop(id).ty {
        PropertyType::Bool => Value::Bool(v == "true"),
        PropertyType::Int { .. } => Value::Int(v.parse().unwrap()),
        PropertyType::Enum(values) => Value::Enum(
            u16::try_from(
                values
                    .iter()
                    .position(|x| x == v)
                    .unwrap_or_else(|| panic!("{name} has no value {v}")),
            )
            .unwrap(),
        ),
        PropertyType::Url => Value::Url(v.to_string()),
        PropertyType::Text => Value::Text(v.to_string()),
        PropertyType::Date => Value::Date(DateValue::parse(v).unwrap()),
        other => panic!("declare: {other:?} not supported here"),
    };
    p.declared[usize::from(id)] = Some(iotlabel::profile::Declared {
        value,
        evidence: None,
    });
}

fn undeclare(set: &CriteriaSet, p: &mut Profile, name: &str) {
    let id = set.vocab.property(name).unwrap();
    p.declared[usize::from(id)] = None;
}

fn scheme<'a>(set: &'a CriteriaSet, key: &str) -> &'a Scheme {
    set.scheme(key).unwrap_or_else(|| panic!("no scheme {key}"))
}

/// The headline (tier label, `none`, COMPLIANT / NOT COMPLIANT) of `p` under `key`.
fn headline(set: &CriteriaSet, key: &str, p: &Profile) -> String {
    let s = scheme(set, key);
    let ev = evaluate(s, p, at());
    Report::new(s, &set.vocab, p, &ev).headline()
}

/// The outcome of one requirement of a scheme.
fn outcome(set: &CriteriaSet, key: &str, p: &Profile, req: &str) -> Outcome {
    let s = scheme(set, key);
    let i = s
        .requirements
        .iter()
        .position(|r| r.id == req)
        .unwrap_or_else(|| panic!("{key} has no {req}"));
    evaluate(s, p, at()).results[i].outcome
}

// --- 5.2-1 (V2, V3) and PSTI-2: a policy, not a URL --------------------------------------------

#[test]
fn a_disclosure_policy_url_alone_meets_neither_5_2_1_nor_psti_2() {
    for set in [v2(&["5.2-1"]), v3(&["5.2-1"])] {
        let mut p = fixture(&set, "camera-vdp-url-only.toml");
        assert_eq!(headline(&set, "probe@1", &p), "none", "URL alone");
        assert_eq!(outcome(&set, "probe@1", &p, "5.2-1"), Outcome::NotAssessed);
        declare(
            &set,
            &mut p,
            "vdp.contact",
            "security@quokka-vision.example",
        );
        declare(&set, &mut p, "vdp.ack_days", "7");
        assert_eq!(
            headline(&set, "probe@1", &p),
            "none",
            "no status-update time"
        );
        declare(&set, &mut p, "vdp.status_update_days", "30");
        assert_eq!(headline(&set, "probe@1", &p), "OK", "complete policy");
    }
    let set = criteria::load_bundled().unwrap();
    let mut p = fixture(&set, "camera-vdp-url-only.toml");
    assert_eq!(headline(&set, "uk-psti@1", &p), "NOT COMPLIANT");
    assert_eq!(headline(&set, "cls-like@1", &p), "none");
    declare(
        &set,
        &mut p,
        "vdp.contact",
        "security@quokka-vision.example",
    );
    declare(&set, &mut p, "vdp.ack_days", "7");
    declare(&set, &mut p, "vdp.status_update_days", "30");
    assert_eq!(headline(&set, "uk-psti@1", &p), "COMPLIANT");
    assert_eq!(headline(&set, "cls-like@1", &p), "Level 1");
}

// --- V3 feature (c): password-based mechanisms included -----------------------------------------

#[test]
fn password_logins_keep_v3_5_1_3_applicable() {
    let set = v3(&["5.1-3"]);
    let mut p = fixture(&set, "camera-level1-only.toml");
    feature(&set, &mut p, "passwords_used", true);
    feature(&set, &mut p, "crypto_authentication", false);
    declare(&set, &mut p, "auth.user_crypto", "weak");
    assert_eq!(outcome(&set, "probe@1", &p, "5.1-3"), Outcome::NotMet);
    assert_eq!(headline(&set, "probe@1", &p), "none");
    // Without passwords and without cryptographic authentication there is no mechanism.
    feature(&set, &mut p, "passwords_used", false);
    assert_eq!(
        outcome(&set, "probe@1", &p, "5.1-3"),
        Outcome::NotApplicable
    );
    assert_eq!(headline(&set, "probe@1", &p), "OK");
}

#[test]
fn v3_5_1_3_covers_machine_to_machine_authentication() {
    // No user login, but the device authenticates to its cloud with weak cryptography.
    let set = v3(&["5.1-3"]);
    let mut p = fixture(&set, "camera-level1-only.toml");
    feature(&set, &mut p, "user_authentication", false);
    feature(&set, &mut p, "crypto_authentication", true);
    declare(&set, &mut p, "auth.user_crypto", "weak");
    assert_eq!(outcome(&set, "probe@1", &p, "5.1-3"), Outcome::NotMet);
    assert_eq!(headline(&set, "probe@1", &p), "none");
    declare(&set, &mut p, "auth.user_crypto", "best_practice");
    assert_eq!(headline(&set, "probe@1", &p), "OK");
}

// --- V3 feature (f): not immutable for security reasons -----------------------------------------

#[test]
fn software_fixed_for_cost_reasons_still_faces_5_3_1() {
    let set = v3(&["5.3-1"]);
    let mut p = fixture(&set, "constrained-sensor.toml");
    feature(&set, &mut p, "software_updateable", false);
    declare(&set, &mut p, "update.all_components_updateable", "false");
    // Fixed in flash for cost and power: (f) holds, 5.3-1 applies and is not met.
    feature(&set, &mut p, "software_not_immutable_for_security", true);
    assert_eq!(outcome(&set, "probe@1", &p, "5.3-1"), Outcome::NotMet);
    assert_eq!(headline(&set, "probe@1", &p), "none");
    // Immutable on purpose, for security: (f) does not hold.
    feature(&set, &mut p, "software_not_immutable_for_security", false);
    assert_eq!(
        outcome(&set, "probe@1", &p, "5.3-1"),
        Outcome::NotApplicable
    );
    assert_eq!(headline(&set, "probe@1", &p), "OK");
}

// --- V3 conditions 14 and 15: two constraints -----------------------------------------------------

#[test]
fn v3_conditions_14_and_15_are_separate_constraints() {
    let set = v3(&["5.1-5", "5.3-2"]);
    let mut p = fixture(&set, "constrained-sensor.toml");
    feature(&set, &mut p, "network_authentication", true);
    declare(&set, &mut p, "auth.bruteforce_protection", "none");
    declare(&set, &mut p, "update.secure_install", "false");
    // Too small for an update mechanism, but able to limit guessing: 5.1-5 applies.
    feature(&set, &mut p, "constrained_for_updates", true);
    feature(&set, &mut p, "constrained_for_security_measures", false);
    assert_eq!(
        outcome(&set, "probe@1", &p, "5.3-2"),
        Outcome::NotApplicable
    );
    assert_eq!(outcome(&set, "probe@1", &p, "5.1-5"), Outcome::NotMet);
    assert_eq!(headline(&set, "probe@1", &p), "none");
    // The other way round: 5.3-2 applies.
    feature(&set, &mut p, "constrained_for_updates", false);
    feature(&set, &mut p, "constrained_for_security_measures", true);
    assert_eq!(
        outcome(&set, "probe@1", &p, "5.1-5"),
        Outcome::NotApplicable
    );
    assert_eq!(outcome(&set, "probe@1", &p, "5.3-2"), Outcome::NotMet);
    // Both constraints: both not applicable, the probe tier holds.
    feature(&set, &mut p, "constrained_for_updates", true);
    assert_eq!(headline(&set, "probe@1", &p), "OK");
}

// --- V3 feature (s): secure boot or another change-detection mechanism ---------------------------

#[test]
fn feature_s_includes_other_change_detection_mechanisms() {
    let set = criteria::load_bundled().unwrap();
    let f = set.vocab.feature("secure_boot").unwrap();
    let help = &set.vocab.features[usize::from(f)].help;
    assert!(
        help.contains("another mechanism that detects unauthorised changes"),
        "{help}"
    );
    let cat = set
        .catalogues
        .iter()
        .find(|c| c.key() == "etsi-en-303-645@3.1.3")
        .unwrap();
    let s = cat.conditions.iter().find(|c| c.id == "s").unwrap();
    assert!(s.text.contains("another"), "{}", s.text);
}

// --- 5.4-1: stored securely, the accepted means as data ----------------------------------------

#[test]
fn storage_no_external_interface_can_read_meets_5_4_1() {
    for set in [v2(&["5.4-1"]), v3(&["5.4-1"])] {
        let mut p = fixture(&set, "camera-level1-only.toml");
        feature(&set, &mut p, "ssps_in_persistent_storage", true);
        declare(
            &set,
            &mut p,
            "storage.ssp_protection",
            "interface_isolated_storage",
        );
        assert_eq!(headline(&set, "probe@1", &p), "OK");
        declare(
            &set,
            &mut p,
            "storage.ssp_protection",
            "software_encryption",
        );
        assert_eq!(headline(&set, "probe@1", &p), "none");
    }
    // The CTM-like data-protection outcome accepts the same means.
    let set = criteria::load_bundled().unwrap();
    let mut p = fixture(&set, "doorbell-ctm-mark.toml");
    feature(&set, &mut p, "ssps_in_persistent_storage", true);
    declare(
        &set,
        &mut p,
        "storage.ssp_protection",
        "interface_isolated_storage",
    );
    p.tested.retain(|t| t.requirement != "CTM-P3");
    assert_eq!(outcome(&set, "ctm-like@1", &p, "CTM-P3"), Outcome::Met);
}

// --- Splits not from the standard's own text ------------------------------------------------------

#[test]
fn every_v3_split_is_unconfirmed() {
    let set = criteria::load_bundled().unwrap();
    let cat = set
        .catalogues
        .iter()
        .find(|c| c.key() == "etsi-en-303-645@3.1.3")
        .unwrap();
    let splits: Vec<_> = cat
        .requirements
        .iter()
        .filter(|r| r.id.ends_with('A') || r.id.ends_with('B'))
        .collect();
    assert!(splits.len() >= 13, "{}", splits.len());
    let confirmed: Vec<&str> = splits
        .iter()
        .filter(|r| r.confirmed)
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        confirmed.is_empty(),
        "splits marked confirmed: {confirmed:?}"
    );
}

// --- V2 5.3-15 -> V3 5.3-15A/B: conditions differ --------------------------------------------------

fn not_updateable(set: &CriteriaSet) -> Profile {
    let mut p = fixture(set, "camera-level1-only.toml");
    feature(set, &mut p, "software_updateable", false);
    p
}

#[test]
fn a_v2_not_applicable_claim_on_5_3_15_does_not_carry_to_its_v3_halves() {
    let set = v3(&["5.3-15A", "5.3-15B"]);
    let mut p = not_updateable(&set);
    p.not_applicable.insert(
        "5.3-15".into(),
        NaClaim {
            justification: "the device is not constrained (V2.1.1 condition 4 is false)".into(),
        },
    );
    assert_eq!(
        outcome(&set, "probe@1", &p, "5.3-15A"),
        Outcome::NotAssessed
    );
    assert_eq!(
        outcome(&set, "probe@1", &p, "5.3-15B"),
        Outcome::NotAssessed
    );
    assert_eq!(headline(&set, "probe@1", &p), "none");
    // The same holds for every split half: 5.3-6 -> 6A/6B.
    let set = v3(&["5.3-6A"]);
    let mut p = fixture(&set, "camera-level1-only.toml");
    feature(&set, &mut p, "automatic_updates", true);
    undeclare(&set, &mut p, "update.on_by_default");
    p.not_applicable.insert(
        "5.3-6".into(),
        NaClaim {
            justification: "no update notifications".into(),
        },
    );
    assert_eq!(outcome(&set, "probe@1", &p, "5.3-6A"), Outcome::NotAssessed);
}

#[test]
fn a_v2_fail_on_a_split_provision_says_it_was_about_the_whole() {
    for (parent, halves) in [
        ("5.3-15", ["5.3-15A", "5.3-15B"]),
        ("5.13-1", ["5.13-1A", "5.13-1B"]),
    ] {
        let set = v3(&halves);
        let mut p = not_updateable(&set);
        p.tested.push(iotlabel::profile::TestResult {
            requirement: parent.into(),
            test_case: None,
            verdict: Verdict::Fail,
            method: Method::Functional,
            lab: "lab-x".into(),
            date: DateValue::parse("2026-10-01").unwrap(),
            evidence_digest: None,
            note: None,
        });
        let s = scheme(&set, "probe@1");
        let ev = evaluate(s, &p, at());
        let r = Report::new(s, &set.vocab, &p, &ev);
        for h in halves {
            let line = r.requirements.iter().find(|q| q.id == h).unwrap();
            assert_eq!(line.outcome, Outcome::NotMet, "{h}");
            assert!(
                line.detail
                    .contains(&format!("recorded against {parent} as a whole"))
                    && line.detail.contains("does not say which part failed"),
                "{h}: {}",
                line.detail
            );
        }
    }
}

// --- Support end in the past ------------------------------------------------------------------------

#[test]
fn an_ended_support_period_is_still_published() {
    let set = criteria::load_bundled().unwrap();
    let p = fixture(&set, "router-support-ended.toml");
    for (key, req) in [
        ("cls-like@1", "5.3-13"),
        ("cls-like@2", "5.3-13"),
        ("etsi-v3-conformance@1", "5.3-13"),
        ("uk-psti@1", "PSTI-3"),
    ] {
        assert_eq!(outcome(&set, key, &p, req), Outcome::Met, "{key} {req}");
    }
    assert_eq!(headline(&set, "uk-psti@1", &p), "COMPLIANT");
    // Every report names the end in its first lines, label or compliance statement.
    for s in &set.schemes {
        let ev = evaluate(s, &p, at());
        let r = Report::new(s, &set.vocab, &p, &ev);
        assert_eq!(r.support_period_ended.as_deref(), Some("2025-06-30"));
        let text = render_text(&r);
        let first = text.lines().next().unwrap();
        assert!(
            first.contains("support period ended on 2025-06-30"),
            "{}: {first}",
            s.key()
        );
    }
    // A period that has not ended is not announced.
    let q = fixture(&set, "camera-level1-only.toml");
    let s = scheme(&set, "cls-like@1");
    let r = Report::new(s, &set.vocab, &q, &evaluate(s, &q, at()));
    assert_eq!(r.support_period_ended, None);
    assert!(!render_text(&r).contains("support period ended"));
}

// --- JC-STAR-like S1.1-16: only its title is confirmed ---------------------------------------------

#[test]
fn s1_1_16_is_decided_by_a_recorded_verdict_only() {
    let set = criteria::load_bundled().unwrap();
    let mut p = fixture(&set, "camera-jc-star.toml");
    assert_eq!(headline(&set, "jc-star-like@1", &p), "★1");
    p.tested.retain(|t| t.requirement != "S1.1-16");
    assert_eq!(
        outcome(&set, "jc-star-like@1", &p, "S1.1-16"),
        Outcome::NotAssessed
    );
    assert_eq!(headline(&set, "jc-star-like@1", &p), "none");
    let s = scheme(&set, "jc-star-like@1");
    let r = s.requirements.iter().find(|r| r.id == "S1.1-16").unwrap();
    assert!(!r.confirmed);
}

// --- CLS-like level 3: only what the public rules add -----------------------------------------------

#[test]
fn cls_like_level_3_lists_no_provision_the_public_rules_do_not() {
    let set = criteria::load_bundled().unwrap();
    for key in ["cls-like@1", "cls-like@2"] {
        let s = scheme(&set, key);
        let l3 = s.tiers.iter().find(|t| t.id == "level-3").unwrap();
        let ids: Vec<&str> = l3
            .entries
            .iter()
            .map(|e| s.requirements[e.req].id.as_str())
            .collect();
        assert!(
            !ids.contains(&"5.6-9") && !ids.contains(&"5.7-1"),
            "{key}: {ids:?}"
        );
    }
}

// --- Scheme lifecycle -----------------------------------------------------------------------------

#[test]
fn every_bundled_scheme_states_when_it_issues() {
    let set = criteria::load_bundled().unwrap();
    for s in &set.schemes {
        assert!(
            s.lifecycle.issuable_from.is_some(),
            "{}: no issuable_from",
            s.key()
        );
    }
    let v1 = scheme(&set, "cls-like@1");
    assert_eq!(
        v1.lifecycle.issuable_until.map(|d| d.display()).as_deref(),
        Some("2025-03-31")
    );
    assert_eq!(v1.lifecycle.successor.as_deref(), Some("cls-like@2"));
    use iotlabel::criteria::IssuingState;
    let t = |s: &str| parse_at(s).unwrap();
    assert_eq!(
        v1.lifecycle.state(t("2025-03-31T23:59:59Z")),
        IssuingState::Open
    );
    assert_eq!(
        v1.lifecycle.state(t("2025-04-01T00:00:00Z")),
        IssuingState::Closed
    );
    assert_eq!(
        v1.lifecycle.state(t("2020-01-01T00:00:00Z")),
        IssuingState::NotYetOpen
    );
    let v2 = scheme(&set, "cls-like@2");
    assert_eq!(
        v2.lifecycle.state(t("2025-03-31T23:59:59Z")),
        IssuingState::NotYetOpen
    );
    assert_eq!(
        v2.lifecycle.state(t("2025-04-01T00:00:00Z")),
        IssuingState::Open
    );
}

#[test]
fn cls_like_v1_models_the_2020_rules_without_an_sbom() {
    let set = criteria::load_bundled().unwrap();
    let has = |key: &str, id: &str| scheme(&set, key).requirements.iter().any(|r| r.id == id);
    assert!(!has("cls-like@1", "CLS-SBOM-1"));
    assert!(has("cls-like@2", "CLS-SBOM-1"));
}

#[test]
fn a_closed_scheme_version_is_evaluated_but_refuses_to_issue_naming_its_successor() {
    use iotlabel::issue::{IssueError, IssueRequest, issue, profile_digest};
    let set = criteria::load_bundled().unwrap();
    let s = scheme(&set, "cls-like@1");
    let p = fixture(&set, "camera-level1-only.toml");
    // evaluate still works and says the version no longer issues.
    let ev = evaluate(s, &p, at());
    let r = Report::new(s, &set.vocab, &p, &ev);
    assert_eq!(r.headline(), "Level 1");
    let n = r.not_issuing.as_ref().expect("not issuing");
    assert_eq!(
        (n.state, n.date.as_str(), n.successor.as_deref()),
        (
            iotlabel::criteria::IssuingState::Closed,
            "2025-03-31",
            Some("cls-like@2")
        )
    );
    let text = render_text(&r);
    let notice = text
        .lines()
        .take(3)
        .find(|l| l.contains("no longer issues labels"));
    assert!(notice.is_some_and(|l| l.contains("cls-like@2")), "{text}");
    // issue refuses, naming the successor.
    let sc = iotlabel::scenario::Scenario::new(&set, b"lifecycle", at(), 30).unwrap();
    let trusted = sc.verified(at()).unwrap();
    let err = issue(&IssueRequest {
        scheme: s,
        vocab: &set.vocab,
        profile: &p,
        profile_digest: profile_digest(b"p"),
        at: at(),
        key: &sc.manufacturer,
        trust: &trusted,
        status_index: 0,
    })
    .map(|_| ())
    .unwrap_err()
    .0;
    assert!(matches!(err, IssueError::NotIssuable { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("2025-03-31") && msg.contains("successor cls-like@2"),
        "{msg}"
    );
    // Its successor is open at the same time: no notice.
    let s2 = scheme(&set, "cls-like@2");
    let r2 = Report::new(s2, &set.vocab, &p, &evaluate(s2, &p, at()));
    assert!(r2.not_issuing.is_none());
}

#[test]
fn a_label_issued_inside_the_window_stays_valid_after_it_closes() {
    let set = criteria::load_bundled().unwrap();
    let s = scheme(&set, "cls-like@1");
    let t1 = parse_at("2025-03-15").unwrap();
    // Verified after the window closed, while the demo keys can still sign status lists.
    let t2 = parse_at("2025-09-01").unwrap();
    assert_eq!(
        s.lifecycle.state(t2),
        iotlabel::criteria::IssuingState::Closed
    );
    let sc = iotlabel::scenario::Scenario::new(&set, b"lifecycle", t1, 365).unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/camera-level1-only.toml");
    let issued = sc
        .issue_file(&set, s, &path, t1, 0)
        .unwrap()
        .expect("Level 1 is reached");
    assert!(issued.claims.expires > t2.as_second());
    let store = sc.store(t2).unwrap();
    let v = store.verify(Some(&issued.qr_text), None, t2);
    assert_eq!(v.verdict, iotlabel::verify::Verdict::Valid, "{v:?}");
    // Issuing the same profile now is refused, for the window.
    let e = sc.issue_file(&set, s, &path, t2, 1).unwrap_err();
    assert!(e.0.contains("does not issue labels"), "{e}");
}

#[test]
fn an_unjustified_claim_still_blocks_where_the_provision_is_asked() {
    // The hub's 5.7-1 claim without a reason: CLS-like level 3 no longer asks 5.7-1, but a
    // scheme that does (here a probe over V3.1.3) still refuses the claim.
    let set = v3(&["5.7-1"]);
    let p = fixture(&set, "hub-na-unjustified.toml");
    assert_eq!(outcome(&set, "probe@1", &p, "5.7-1"), Outcome::NotMet);
    let s = scheme(&set, "probe@1");
    let r = Report::new(s, &set.vocab, &p, &evaluate(s, &p, at()));
    let gap = r.next_tier.unwrap();
    assert_eq!(gap.blockers[0].reason_text, "missing justification");
}

// --- The basis of every rule ------------------------------------------------------------------------

fn scheme_with_rule(extra: &str) -> std::sync::Arc<SourceFile> {
    let text = format!(
        "[scheme]\nid = \"mine\"\nversion = 1\nname = \"Mine\"\nissuing_body = \"test\"\n\
         tier_display = \"level\"\nself_declaration = true\n[scheme.validity]\nmax_years = 1\n\
         [[requirement]]\nid = \"MINE-1\"\ntitle = \"Quick answers\"\nstatus = \"M\"\n\
         remediation = \"Answer quickly.\"\nrule = {{ property = \"vuln.response_days\", le = 30 }}\n{extra}\
         [[tier]]\nrank = 1\nid = \"ok\"\nname = \"OK\"\nassurance = \"self-declared\"\n\
         requirements = [\"MINE-1\"]\n"
    );
    SourceFile::new("my-scheme.toml", text)
}

#[test]
fn criteria_check_reports_a_threshold_without_a_basis() {
    let (_, diags) = criteria::load_overlay(criteria::bundled_files(), vec![scheme_with_rule("")]);
    let text = diags.to_string();
    assert!(diags.has_errors(), "{text}");
    assert!(
        diags.0.iter().any(|d| d.file.path == "my-scheme.toml"
            && d.line_col().is_some_and(|(line, _)| line == 15)
            && d.code == iotlabel::diag::Code::ThresholdWithoutBasis),
        "{text}"
    );
    let (set, diags) = criteria::load_overlay(
        criteria::bundled_files(),
        vec![scheme_with_rule(
            "threshold = { basis = \"policy\", source = \"our choice\" }\n",
        )],
    );
    assert!(!diags.has_errors(), "{diags}");
    let r = &scheme(&set, "mine@1").requirements[0];
    assert_eq!(
        r.threshold.as_ref().map(|t| t.kind),
        Some(iotlabel::criteria::BasisKind::Policy)
    );
    // Every bundled rule with a threshold states its basis (else the bundle would not load),
    // and the project's own numbers are policy.
    let set = criteria::load_bundled().unwrap();
    for key in ["cls-like@2", "etsi-v3-conformance@1"] {
        for id in ["5.2-2", "5.3-8", "5.5-1"] {
            let Some(r) = scheme(&set, key).requirements.iter().find(|r| r.id == id) else {
                continue;
            };
            assert_eq!(
                r.threshold.as_ref().map(|t| t.kind),
                Some(iotlabel::criteria::BasisKind::Policy),
                "{key} {id}"
            );
        }
    }
}

#[test]
fn reports_show_non_standard_bases_next_to_the_requirement() {
    use iotlabel::report::html::{Lang, to_html};
    let set = criteria::load_bundled().unwrap();
    let p = fixture(&set, "lock-lab-tested.toml");
    let s = scheme(&set, "cls-like@2");
    let r = Report::new(s, &set.vocab, &p, &evaluate(s, &p, at()));
    let text = render_text(&r);
    let lines: Vec<&str> = text.lines().collect();
    let at_58 = lines
        .iter()
        .position(|l| l.trim_start().starts_with("5.3-8 "))
        .unwrap();
    assert!(
        lines[at_58 + 1].contains("[threshold: project policy]"),
        "{}",
        lines[at_58 + 1]
    );
    // A standard provision without a threshold gets no note.
    let at_521 = lines
        .iter()
        .position(|l| l.trim_start().starts_with("5.2-1 "))
        .unwrap();
    assert!(
        !lines[at_521 + 1].contains("basis"),
        "{}",
        lines[at_521 + 1]
    );
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let q = json["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "5.3-8")
        .unwrap();
    assert_eq!(q["threshold"]["kind"], "policy");
    let en = to_html(&json, None, Lang::En).unwrap();
    assert!(en.contains("threshold: project policy"));
    let ja = to_html(&json, None, Lang::Ja).unwrap();
    assert!(ja.contains("閾値: 本プロジェクトの方針"));
    // Inferred rules (JC-STAR-like items) say so too.
    let s = scheme(&set, "jc-star-like@1");
    let r = Report::new(s, &set.vocab, &p, &evaluate(s, &p, at()));
    assert!(render_text(&r).contains("[basis: this project's reading of secondary sources]"));
}

#[test]
fn criteria_show_prints_a_requirement_with_its_rule_basis_and_source() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(["criteria", "show", "cls-like@2", "5.2-1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "5.2-1  Public vulnerability disclosure policy",
        "clause:      5.2",
        "status:      M (mandatory)",
        "rule:        all of (vdp.url is declared; vdp.contact is declared; vdp.ack_days is declared; vdp.status_update_days is declared)",
        "basis:       standard (the standard's own text)",
        "source:      https://www.etsi.org/",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(["criteria", "show", "cls-like@2", "5.3-8"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("threshold:   policy (project policy)"),
        "{text}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(["criteria", "show", "cls-like@2", "5.2-9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no requirement `5.2-9`"));
}

#[test]
fn readme_lists_confirmed_inferred_and_policy_per_scheme() {
    let set = criteria::load_bundled().unwrap();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Bundled criteria")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    for s in &set.schemes {
        let b = s.basis_counts();
        let row = format!(
            "| `{}` | {} | {} | {} |",
            s.key(),
            b.confirmed,
            b.inferred,
            b.policy
        );
        assert!(section.contains(&row), "README lacks the row {row}");
    }
}

// --- Recognition scope ------------------------------------------------------------------------------

#[test]
fn a_bsi_label_on_an_excluded_product_category_grants_nothing_and_says_why() {
    let set = criteria::load_bundled().unwrap();
    let hub = fixture(&set, "hub-bsi-recognised.toml");
    assert_eq!(headline(&set, "cls-like@2", &hub), "Level 2");
    for (category, want) in [
        ("lock", "none"),
        ("smoke_detector", "none"),
        ("gas_detector", "none"),
        ("water_detector", "none"),
        ("computer", "none"),
        ("camera", "Level 2"),
    ] {
        let mut p = hub.clone();
        p.device.category = category.into();
        assert_eq!(headline(&set, "cls-like@2", &p), want, "{category}");
        let s = scheme(&set, "cls-like@2");
        let r = Report::new(s, &set.vocab, &p, &evaluate(s, &p, at()));
        let effect = &r.recognised[0].effect;
        if want == "none" {
            assert!(
                effect.contains("grants nothing")
                    && effect.contains(&format!("product category `{category}`"))
                    && effect.contains("csa.gov.sg"),
                "{effect}"
            );
        } else {
            assert!(effect.starts_with("recognised"), "{effect}");
        }
    }
    // Before the arrangement was signed it granted nothing either.
    let s = scheme(&set, "cls-like@1");
    let r = s
        .recognitions
        .iter()
        .find(|r| r.from == "bsi-it-security-label")
        .unwrap();
    assert!(r.source.starts_with("https://www.csa.gov.sg/"));
    assert!(r.refusal("hub", parse_at("2022-10-19").unwrap()).is_some());
    assert!(r.refusal("hub", parse_at("2022-10-20").unwrap()).is_none());
}

// --- Illustrative schemes are marked in every report -------------------------------------------------

#[test]
fn every_report_of_an_illustrative_scheme_says_it_is_not_an_official_mark() {
    use iotlabel::report::html::{Lang, to_html};
    let set = criteria::load_bundled().unwrap();
    let p = fixture(&set, "lock-lab-tested.toml");
    for s in set.schemes.iter().filter(|s| s.illustrative) {
        let r = Report::new(s, &set.vocab, &p, &evaluate(s, &p, at()));
        assert!(
            render_text(&r).contains("Illustrative scheme, not an official mark"),
            "{}",
            s.key()
        );
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["scheme"]["illustrative"], true);
        let en = to_html(&json, None, Lang::En).unwrap();
        assert!(en.contains("Illustrative scheme, not an official mark"));
        let ja = to_html(&json, None, Lang::Ja).unwrap();
        assert!(ja.contains("公式のマークではありません"));
    }
}

/// A lab FAIL that contradicts a declaration carries the provenance of how it was found: a
/// functional test makes it lab-tested, a conceptual (design) review lab-reviewed. Mutation testing
/// (issue 12) found the functional case untested (deleting the arm that notes a functional
/// non-PASS went unseen).
#[test]
fn a_contradiction_is_lab_tested_when_a_functional_test_found_it_and_reviewed_otherwise() {
    use iotlabel::evaluate::Provenance;
    let set = criteria::load_bundled().unwrap();
    let s = scheme(&set, "cls-like@2");
    let p = fixture(&set, "camera-fi-label-lab-fail.toml");
    let i = s.requirements.iter().position(|r| r.id == "5.5-1").unwrap();
    let fail = p
        .tested
        .iter()
        .position(|t| t.requirement == "5.5-1" && t.verdict == Verdict::Fail)
        .unwrap();
    assert_eq!(
        p.tested[fail].method,
        Method::Functional,
        "the fixture's FAIL"
    );
    let r = &evaluate(s, &p, at()).results[i];
    assert_eq!(r.outcome, Outcome::Contradicted);
    assert_eq!(r.provenance, Some(Provenance::LabTested));
    let mut reviewed = p.clone();
    for t in &mut reviewed.tested {
        if t.requirement == "5.5-1" {
            t.method = Method::Conceptual;
        }
    }
    let r = &evaluate(s, &reviewed, at()).results[i];
    assert_eq!(r.outcome, Outcome::Contradicted);
    assert_eq!(r.provenance, Some(Provenance::LabReviewed));
}

/// A lab PASS cannot lift a rule that compares a declared date with the evaluation time (the
/// support period has not ended) when the declarations fail it now: the lab tested the device
/// then, and the date has passed since. No bundled rule compares with the evaluation time any
/// more (issue 11), so a probe catalogue holds one. Mutation testing (issue 12) found this
/// guard untested.
#[test]
fn a_lab_pass_does_not_lift_a_date_rule_the_declarations_fail_now() {
    use iotlabel::evaluate::{Basis, Provenance};
    use iotlabel::profile::TestResult;
    let set = with_probe_catalogue(
        "time",
        "[[requirement]]\nid = \"T-1\"\nclause = \"1\"\ntitle = \"Supported past today\"\n\
         status = \"M\"\nremediation = \"Extend the support period.\"\n\
         rule = { property = \"support.period_end\", after_evaluation = true }\n\
         [[requirement]]\nid = \"T-2\"\nclause = \"1\"\ntitle = \"No end date\"\n\
         status = \"M\"\nremediation = \"None.\"\n\
         rule = { not = { property = \"support.period_end\", present = true } }\n",
        &["T-1", "T-2"],
    );
    let s = scheme(&set, "probe@1");
    // The fixture's support period ended on 2025-06-30.
    let mut p = fixture(&set, "router-support-ended.toml");
    assert_eq!(evaluate(s, &p, at()).results[0].outcome, Outcome::NotMet);
    p.tested.push(TestResult {
        requirement: "T-1".into(),
        test_case: None,
        verdict: Verdict::Pass,
        method: Method::Functional,
        lab: "lab-sg-01".into(),
        date: DateValue::parse("2025-01-15").unwrap(),
        evidence_digest: None,
        note: None,
    });
    // T-2 compares no date with the evaluation time: there a lab PASS outweighs the failing
    // declaration.
    p.tested.push(TestResult {
        requirement: "T-2".into(),
        ..p.tested.last().unwrap().clone()
    });
    let ev = evaluate(s, &p, at());
    let r = &ev.results[0];
    assert_eq!(r.outcome, Outcome::NotMet);
    assert_eq!(r.provenance, Some(Provenance::Declared));
    assert_eq!(r.basis, Basis::Rule);
    assert_eq!(ev.results[1].outcome, Outcome::Met, "T-2");
    assert_eq!(ev.results[1].basis, Basis::Lab, "T-2");
    // Before the period ended, the lab's PASS counts.
    let then = parse_at("2025-02-01").unwrap();
    assert_eq!(evaluate(s, &p, then).results[0].outcome, Outcome::Met);
}

/// `block_reason` row by row, each row naming the reason it expects: a justified N/A claim needs
/// the tier's assurance like any verdict (three missed mutants of that comparison), an N/A
/// claim on a mandatory requirement is a refused claim, not a plain NOT MET (a missed mutant
/// deleted that arm).
#[test]
fn each_result_blocks_a_tier_for_the_reason_the_table_gives() {
    use iotlabel::criteria::Assurance::{LabReviewed, LabTested, SelfDeclared};
    use iotlabel::evaluate::{Basis, BlockReason as B, Provenance as P, ReqResult, block_reason};
    let r = |outcome, provenance, basis| ReqResult {
        outcome,
        provenance,
        basis,
    };
    let na = |p| r(Outcome::NotApplicable, p, Basis::Justified);
    let rows = [
        (na(Some(P::Declared)), SelfDeclared, None),
        (
            na(Some(P::Declared)),
            LabReviewed,
            Some(B::NotApplicableUnverified),
        ),
        (
            na(Some(P::Declared)),
            LabTested,
            Some(B::NotApplicableUnverified),
        ),
        (na(Some(P::LabReviewed)), SelfDeclared, None),
        (na(Some(P::LabReviewed)), LabReviewed, None),
        (
            na(Some(P::LabReviewed)),
            LabTested,
            Some(B::NotApplicableUnverified),
        ),
        (na(Some(P::LabTested)), LabTested, None),
        (na(Some(P::LabTested)), SelfDeclared, None),
        (na(None), SelfDeclared, None),
        (na(None), LabTested, Some(B::NotApplicableUnverified)),
        // Not applicable by the catalogue's conditions: never blocks.
        (
            r(Outcome::NotApplicable, None, Basis::Rule),
            LabTested,
            None,
        ),
        (
            r(Outcome::Met, Some(P::Declared), Basis::Rule),
            SelfDeclared,
            None,
        ),
        (
            r(Outcome::Met, Some(P::Declared), Basis::Rule),
            LabTested,
            Some(B::OnlyDeclared),
        ),
        (
            r(Outcome::Met, Some(P::LabReviewed), Basis::Lab),
            LabTested,
            Some(B::OnlyReviewed),
        ),
        (
            r(Outcome::Met, Some(P::LabTested), Basis::Lab),
            LabTested,
            None,
        ),
        (
            r(Outcome::NotMet, None, Basis::NaOnMandatory),
            SelfDeclared,
            Some(B::NotApplicableRefused),
        ),
        (
            r(Outcome::NotMet, None, Basis::Unjustified),
            SelfDeclared,
            Some(B::MissingJustification),
        ),
        (
            r(Outcome::NotMet, Some(P::Declared), Basis::Rule),
            SelfDeclared,
            Some(B::NotMet),
        ),
        (
            r(Outcome::NotAssessed, None, Basis::LabOnly),
            SelfDeclared,
            Some(B::NotAssessed),
        ),
        (
            r(Outcome::Inconclusive, Some(P::LabTested), Basis::Lab),
            SelfDeclared,
            Some(B::Inconclusive),
        ),
        (
            r(Outcome::Contradicted, Some(P::LabTested), Basis::Lab),
            SelfDeclared,
            Some(B::Contradicted),
        ),
    ];
    for (result, needs, expected) in rows {
        assert_eq!(
            block_reason(&result, needs),
            expected,
            "{result:?} for {needs:?}"
        );
    }
}

/// The comparisons order dates by the instant they stand for, not by how they were written (a
/// day and the timestamp of its first second are one instant), and `ne` is `eq`'s opposite in
/// every case. Mutation testing found `ne` untested (its negation and its `||` could both go
/// unnoticed) and `lt` only reached through slow property tests.
#[test]
fn comparisons_order_dates_by_instant() {
    let ops = ["eq", "ne", "lt", "le", "gt", "ge"];
    let mut requirements = String::new();
    for op in ops {
        requirements += &format!(
            "[[requirement]]\nid = \"C-{op}\"\nclause = \"1\"\ntitle = \"Ends {op} then\"\n\
             status = \"M\"\nremediation = \"None.\"\n\
             rule = {{ property = \"support.period_end\", {op} = \"2030-06-30\" }}\n\
             threshold = {{ basis = \"policy\", source = \"test\" }}\n"
        );
    }
    let ids: Vec<String> = ops.iter().map(|op| format!("C-{op}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let set = with_probe_catalogue("cmp", &requirements, &ids);
    let mut p = fixture(&set, "router-support-ended.toml");
    use std::cmp::Ordering::{Equal, Greater, Less};
    for (declared, order) in [
        ("2030-06-30", Equal),
        ("2030-06-30T00:00:00Z", Equal),
        ("2030-06-30T02:00:00+02:00", Equal),
        ("2030-06-29", Less),
        ("2030-06-29T23:59:59Z", Less),
        ("2030-06-30T00:00:01Z", Greater),
        ("2031-01-01", Greater),
    ] {
        declare(&set, &mut p, "support.period_end", declared);
        let (ev, met) = probe_met(&set, &p);
        let expected = [
            order == Equal,
            order != Equal,
            order == Less,
            order != Greater,
            order == Greater,
            order != Less,
        ];
        assert_eq!(met, expected, "declared {declared} ({ops:?})");
        // The tier counts the met ones as satisfied and the rest as blocking (a missed mutant
        // counted the satisfied ones as listed + blocking).
        let t = &ev.tiers[0];
        let n = expected.iter().filter(|m| **m).count();
        assert_eq!((t.satisfied, t.required, t.blockers.len()), (n, 6, 6 - n));
    }
}

/// `in` and `not_in` over an enum: each the other's opposite for every value (a timed-out
/// mutant deleted `not_in`'s negation; only slow property tests reached it).
#[test]
fn in_and_not_in_are_opposites_for_every_enum_value() {
    let set_of = "[\"none\", \"unique_per_device\"]";
    let requirements = format!(
        "[[requirement]]\nid = \"I-1\"\nclause = \"1\"\ntitle = \"In\"\n\
         status = \"M\"\nremediation = \"None.\"\n\
         rule = {{ property = \"password.default_kind\", in = {set_of} }}\n\
         [[requirement]]\nid = \"I-2\"\nclause = \"1\"\ntitle = \"Not in\"\n\
         status = \"M\"\nremediation = \"None.\"\n\
         rule = {{ property = \"password.default_kind\", not_in = {set_of} }}\n"
    );
    let set = with_probe_catalogue("in", &requirements, &["I-1", "I-2"]);
    let mut p = fixture(&set, "router-support-ended.toml");
    for (value, inside) in [
        ("none", true),
        ("unique_per_device", true),
        ("user_set_at_setup", false),
        ("shared_default", false),
    ] {
        declare(&set, &mut p, "password.default_kind", value);
        assert_eq!(probe_met(&set, &p).1, [inside, !inside], "{value}");
    }
}

/// A probe catalogue of three rules on `property`: `contains = item` (TOML), `empty = true`
/// and `empty = false`.
fn contains_and_empty_probe(name: &str, property: &str, item: &str) -> CriteriaSet {
    let mut requirements = String::new();
    for (id, rule) in [
        ("C", format!("contains = {item}")),
        ("E", "empty = true".to_string()),
        ("N", "empty = false".to_string()),
    ] {
        requirements += &format!(
            "[[requirement]]\nid = \"{id}\"\nclause = \"1\"\ntitle = \"Probe {id}\"\n\
             status = \"M\"\nremediation = \"None.\"\n\
             rule = {{ property = \"{property}\", {rule} }}\n"
        );
    }
    with_probe_catalogue(name, &requirements, &["C", "E", "N"])
}

/// `contains` and `empty` over a declared set of ints, each row with its expected outcome
/// (missed mutants deleted their arms and negated `empty`'s comparison).
#[test]
fn contains_and_empty_read_a_declared_set() {
    let set = contains_and_empty_probe("set", "network.open_ports", "23");
    let id = set.vocab.property("network.open_ports").unwrap();
    let mut p = fixture(&set, "router-support-ended.toml");
    for (ports, expected) in [
        (vec![], [false, true, false]),
        (vec![22, 23, 443], [true, false, true]),
        (vec![80], [false, false, true]),
    ] {
        p.declared[usize::from(id)] = Some(iotlabel::profile::Declared {
            value: Value::IntSet(ports.clone()),
            evidence: None,
        });
        assert_eq!(probe_met(&set, &p).1, expected, "{ports:?}");
    }
}

/// `subset_of` and `subset_of_property` hold only when every item is allowed (a missed
/// mutant made `subset` always true), the empty set included; an undeclared other property
/// leaves the rule open.
#[test]
fn subset_rules_hold_only_when_every_item_is_allowed() {
    let set = with_probe_catalogue(
        "subset",
        "[[requirement]]\nid = \"U-1\"\nclause = \"1\"\ntitle = \"Known ports\"\n\
         status = \"M\"\nremediation = \"None.\"\n\
         rule = { property = \"network.open_ports\", subset_of = [22, 443] }\n\
         [[requirement]]\nid = \"U-2\"\nclause = \"1\"\ntitle = \"Documented ports\"\n\
         status = \"M\"\nremediation = \"None.\"\n\
         rule = { property = \"network.open_ports\", subset_of_property = \"network.documented_ports\" }\n",
        &["U-1", "U-2"],
    );
    let open = set.vocab.property("network.open_ports").unwrap();
    let documented = set.vocab.property("network.documented_ports").unwrap();
    let mut p = fixture(&set, "router-support-ended.toml");
    let ints = |v: &[i64]| {
        Some(iotlabel::profile::Declared {
            value: Value::IntSet(v.to_vec()),
            evidence: None,
        })
    };
    for (ports, docs, expected) in [
        (vec![], Some(vec![]), [true, true]),
        (vec![22], Some(vec![22, 80]), [true, true]),
        (vec![22, 443], Some(vec![22]), [true, false]),
        (vec![22, 23], Some(vec![22, 23, 80]), [false, true]),
        (vec![8080], Some(vec![80]), [false, false]),
        (vec![22], None, [true, false]),
    ] {
        p.declared[usize::from(open)] = ints(&ports);
        p.declared[usize::from(documented)] = docs.as_deref().and_then(ints);
        assert_eq!(probe_met(&set, &p).1, expected, "{ports:?} within {docs:?}");
    }
}

/// The text-set arms of `contains` and `empty` (a missed mutant deleted each one; the int-set
/// test above did not reach them).
#[test]
fn contains_and_empty_read_a_declared_text_set() {
    let set = contains_and_empty_probe("strset", "services.enabled", "\"ssh\"");
    let id = set.vocab.property("services.enabled").unwrap();
    let mut p = fixture(&set, "router-support-ended.toml");
    for (services, expected) in [
        (vec![], [false, true, false]),
        (vec!["mdns", "ssh"], [true, false, true]),
        (vec!["mqtt-client"], [false, false, true]),
        // Close to the item but not it: membership is exact.
        (vec!["ssh-agent", "sshd"], [false, false, true]),
    ] {
        p.declared[usize::from(id)] = Some(iotlabel::profile::Declared {
            value: Value::StrSet(services.iter().map(|s| s.to_string()).collect()),
            evidence: None,
        });
        assert_eq!(probe_met(&set, &p).1, expected, "{services:?}");
    }
}

/// `at_least_after_evaluation` counts its period from the evaluation time, and the boundary
/// itself is far enough (missed mutants deleted its arm, and turned `>=` into `<`).
#[test]
fn at_least_after_evaluation_counts_from_the_evaluation_time() {
    let periods = [("Y", "years = 2"), ("M", "months = 6"), ("D", "days = 30")];
    let mut requirements = String::new();
    for (id, period) in periods {
        requirements += &format!(
            "[[requirement]]\nid = \"A-{id}\"\nclause = \"1\"\ntitle = \"Supported long enough\"\n\
             status = \"M\"\nremediation = \"None.\"\n\
             rule = {{ property = \"support.period_end\", at_least_after_evaluation = {{ {period} }} }}\n\
             threshold = {{ basis = \"policy\", source = \"test\" }}\n"
        );
    }
    let set = with_probe_catalogue("after", &requirements, &["A-Y", "A-M", "A-D"]);
    let mut p = fixture(&set, "router-support-ended.toml");
    // Evaluated at 2026-12-01T00:00:00Z: two years on is 2028-12-01, six months 2027-06-01,
    // thirty days 2026-12-31.
    for (declared, expected) in [
        ("2028-12-01", [true, true, true]),
        ("2028-11-30T23:59:59Z", [false, true, true]),
        ("2027-06-01", [false, true, true]),
        ("2027-05-31", [false, false, true]),
        ("2026-12-31", [false, false, true]),
        ("2026-12-30", [false, false, false]),
        ("2020-01-01", [false, false, false]),
    ] {
        declare(&set, &mut p, "support.period_end", declared);
        assert_eq!(probe_met(&set, &p).1, expected, "declared {declared}");
    }
}
