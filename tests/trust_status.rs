//! Trust and status at library level: who may sign which label (issue() enforces role,
//! accreditation and sign window), retired versus compromised keys, and revocation statements
//! folded into the status state (replays, finality, successors, owner suspensions, authority),
//! down to the verdict a verifier sees.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use iotlabel::ids::{IdError, Kid, LabelId};
use iotlabel::issue::{
    IssueError, IssueRequest, Issued, SignRefusal, issue, may_sign, profile_digest,
};
use iotlabel::keys::{Signer, SoftwareKey};
use iotlabel::label::sign_label;
use iotlabel::profile::Profile;
use iotlabel::scenario::Scenario;
use iotlabel::status::{
    ApplyError, LabelStatus, OpenedStatement, RevocationStatement, StatusState, open_statement,
};
use iotlabel::trust::{
    KeyState, Role, TrustDraftError, TrustList, VerifiedTrustList, compromise_key, open_trust_list,
    retire_key,
};
use iotlabel::verify::{TrustStore, Verdict, VerifyInput, VerifyReport, verify};
use jiff::Timestamp;

const SEED: &[u8] = b"trust and status tests";
const DAY: i64 = 86_400;

mod common;
use common::{at, bundled as set, t0};

fn scenario() -> Scenario {
    Scenario::new(set(), SEED, t0(), 30).expect("scenario")
}

/// A time inside cls-like@1's issuing window (it closed after 2025-03-31): tests that need a
/// scheme letting manufacturers self-declare next to lab-tested tiers run there.
fn t_v1() -> jiff::Timestamp {
    iotlabel::time::parse_at("2025-03-01").unwrap()
}

fn scenario_v1() -> Scenario {
    Scenario::new(set(), SEED, t_v1(), 30).expect("scenario")
}

/// Signs an edited trust list with the scenario root and opens it at `when`.
fn edition(sc: &Scenario, list: &TrustList, when: i64) -> (Vec<u8>, VerifiedTrustList) {
    let bytes = list.sign(&sc.root).unwrap();
    let verified = open_trust_list(&bytes, &sc.roots(), when).unwrap();
    (bytes, verified)
}

fn kid_hex(k: &dyn Signer) -> String {
    hex::encode(k.kid())
}

/// Issues `profile` under `scheme` with `key` at `when`, against `trust`.
fn try_issue(
    trust: &VerifiedTrustList,
    key: &dyn Signer,
    profile: &str,
    scheme: &str,
    when: Timestamp,
    index: u32,
) -> Result<Issued, IssueError> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(profile);
    let bytes = std::fs::read(&path).unwrap();
    let prof = Profile::load(&path, set()).expect("profile");
    let scheme = set().scheme(scheme).expect("scheme");
    issue(&IssueRequest {
        scheme,
        vocab: &set().vocab,
        profile: &prof,
        profile_digest: profile_digest(&bytes),
        at: when,
        key,
        trust,
        status_index: index,
    })
    .map_err(|(e, _)| e)
}

fn role_refusal(r: Result<Issued, IssueError>) -> String {
    match r {
        Err(IssueError::RoleNotAllowed { why, .. }) => why.to_string(),
        Err(e) => panic!("expected RoleNotAllowed, got {e}"),
        Ok(i) => panic!(
            "expected RoleNotAllowed, but a label was issued (tier {})",
            i.claims.label.tier
        ),
    }
}

/// The lab's Level 3 label for the thermostat under cls-like@2, status index 0.
fn lab_label(sc: &Scenario) -> Issued {
    let trusted = sc.verified(t0()).unwrap();
    try_issue(
        &trusted,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        0,
    )
    .unwrap()
}

/// All-valid (or `states`) status lists for the scenario's issuer keys, signed at `issued_at`
/// for 7 days.
fn status_lists(sc: &Scenario, issued_at: i64, states: &[&StatusState]) -> Vec<Vec<u8>> {
    sc.issuers()
        .into_iter()
        .map(|k| {
            let state = states
                .iter()
                .find(|s| s.issuer_kid == kid_hex(k))
                .map_or_else(|| StatusState::new(&k.kid()), |s| (*s).clone());
            state
                .to_list(issued_at, issued_at + 7 * DAY)
                .unwrap()
                .sign(&sc.status)
                .unwrap()
        })
        .collect()
}

fn check(sc: &Scenario, cose: &[u8], trust: &[u8], status: &[Vec<u8>], when: i64) -> VerifyReport {
    verify(&VerifyInput {
        text: None,
        cose: Some(cose),
        roots: &sc.roots(),
        trust_lists: &[trust.to_vec()],
        status_lists: status,
        at: at(when),
    })
}

// ---------------------------------------------------------------------------------------------
// Role and accreditation enforcement in issue().
// ---------------------------------------------------------------------------------------------

#[test]
fn manufacturer_cannot_sign_a_lab_tested_tier() {
    let sc = scenario_v1();
    let trusted = sc.verified(t_v1()).unwrap();
    // cls-like@1 allows self-declaration, so the manufacturer is accredited for the scheme,
    // but Level 3 needs lab testing.
    let why = role_refusal(try_issue(
        &trusted,
        &sc.manufacturer,
        "thermostat-level3.toml",
        "cls-like@1",
        t_v1(),
        0,
    ));
    assert!(why.contains("self-declared tiers only"), "{why}");
    // The lab may sign the same label.
    let ok = try_issue(
        &trusted,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@1",
        t_v1(),
        0,
    )
    .unwrap();
    assert_eq!(ok.claims.label.tier, 3);
    assert_eq!(ok.issuer, "EXLAB");
}

#[test]
fn manufacturer_cannot_self_declare_where_the_scheme_forbids_it() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let why = role_refusal(try_issue(
        &trusted,
        &sc.manufacturer,
        "router-lab-reviewed-l1.toml",
        "cls-like@2",
        t0(),
        0,
    ));
    assert!(why.contains("self-declare"), "{why}");
}

#[test]
fn lab_cannot_sign_above_its_max_tier() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let why = role_refusal(try_issue(
        &trusted,
        &sc.lab,
        "lock-lab-tested.toml",
        "cls-like@2",
        t0(),
        0,
    ));
    assert!(why.contains("accredited up to tier 3, not tier 4"), "{why}");
    // The issuing body signs any tier.
    let ok = try_issue(
        &trusted,
        &sc.issuing_body,
        "lock-lab-tested.toml",
        "cls-like@2",
        t0(),
        0,
    )
    .unwrap();
    assert_eq!(ok.claims.label.tier, 4);
}

#[test]
fn status_key_cannot_sign_labels() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    role_refusal(try_issue(
        &trusted,
        &sc.status,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        0,
    ));
    // Even an entry that (wrongly) lists the scheme is refused for its role.
    let mut entry = sc.entry(&sc.status).unwrap().clone();
    assert_eq!(entry.role, Role::Status);
    entry.schemes = vec!["cls-like".into()];
    let why = may_sign(
        &entry,
        "cls-like",
        1,
        iotlabel::criteria::model::Assurance::SelfDeclared,
        true,
    )
    .unwrap_err();
    assert_eq!(why, SignRefusal::SignsNoLabels(Role::Status), "{why}");
}

#[test]
fn unknown_key_cannot_issue() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let rogue = SoftwareKey::from_seed(&[0x42; 32]);
    let r = try_issue(
        &trusted,
        &rogue,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        0,
    );
    assert!(matches!(r, Err(IssueError::UnknownKey { .. })), "{r:?}");
}

#[test]
fn key_outside_its_sign_window_is_refused() {
    let sc = scenario();
    let t = t0().as_second();
    let lab = kid_hex(&sc.lab);

    // Not yet valid: not_before is after the issue time.
    let mut list = sc.trust.clone();
    list.sequence = 2;
    list.keys
        .iter_mut()
        .find(|k| k.kid == lab)
        .unwrap()
        .not_before = t + DAY;
    let (_, trusted) = edition(&sc, &list, t);
    let why = role_refusal(try_issue(
        &trusted,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        0,
    ));
    assert!(why.contains("may sign from"), "{why}");

    // Retired the day before: it signs nothing any more.
    let mut list = sc.trust.clone();
    list.sequence = 2;
    retire_key(&mut list, &lab, t - DAY).unwrap();
    let (_, trusted) = edition(&sc, &list, t);
    let why = role_refusal(try_issue(
        &trusted,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        0,
    ));
    assert!(why.contains("may sign from"), "{why}");

    // The boundary: sign_until itself is outside the window.
    let mut list = sc.trust.clone();
    list.sequence = 2;
    retire_key(&mut list, &lab, t).unwrap();
    let (_, trusted) = edition(&sc, &list, t);
    role_refusal(try_issue(
        &trusted,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        0,
    ));
}

#[test]
fn compromised_key_cannot_issue() {
    let sc = scenario();
    let t = t0().as_second();
    let mut list = sc.trust.clone();
    list.sequence = 2;
    compromise_key(&mut list, &kid_hex(&sc.lab), t + DAY, vec![]).unwrap();
    let (_, trusted) = edition(&sc, &list, t);
    let why = role_refusal(try_issue(
        &trusted,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        0,
    ));
    assert!(why.contains("compromised"), "{why}");
}

// ---------------------------------------------------------------------------------------------
// Retired versus compromised keys.
// ---------------------------------------------------------------------------------------------

#[test]
fn label_signed_before_retirement_stays_valid() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc);
    let status = status_lists(&sc, t + DAY, &[]);

    let mut list = sc.trust.clone();
    list.sequence = 2;
    list.issued_at = t + DAY;
    retire_key(&mut list, &kid_hex(&sc.lab), t + DAY).unwrap();
    let entry = list
        .keys
        .iter()
        .find(|k| k.kid == kid_hex(&sc.lab))
        .unwrap();
    assert_eq!(entry.state, KeyState::Retired);
    assert_eq!(entry.sign_until, t + DAY);
    let (bytes, trusted) = edition(&sc, &list, t + 2 * DAY);

    let r = check(&sc, &label.cose, &bytes, &status, t + 2 * DAY);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);

    // But the retired key signs nothing new.
    role_refusal(try_issue(
        &trusted,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        at(t + 2 * DAY),
        1,
    ));
}

/// Every time boundary verify draws, on both sides: a key signs from its `not_before` on (a
/// label signed a second earlier is not the key's to sign), a trust list is current until its
/// `next_update` (not at it), and an issue time up to the 300 s clock skew after the
/// verification time is not "in the future". Missed mutants turned `<` into `<=` and `==` at
/// the window's start, `>` into `>=` at the skew, and `<` into `<=` where the key lookup
/// checked the list's end (now one definition with the trust-list step's).
#[test]
fn verify_holds_each_time_boundary_on_both_sides() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc);
    let iat = label.claims.issued_at;
    let lab = kid_hex(&sc.lab);
    let status = status_lists(&sc, t - DAY, &[]);
    let edited = |edit: &dyn Fn(&mut TrustList)| {
        let mut list = sc.trust.clone();
        list.sequence = 2;
        list.issued_at = t - DAY;
        edit(&mut list);
        edition(&sc, &list, t - DAY).0
    };
    let when = t + DAY;

    for (not_before, expected) in [
        (iat + 1, Verdict::RoleNotAllowed),
        (iat, Verdict::Valid),
        (iat - DAY, Verdict::Valid),
    ] {
        let trust = edited(&|l: &mut TrustList| {
            l.keys.iter_mut().find(|k| k.kid == lab).unwrap().not_before = not_before;
        });
        let r = check(&sc, &label.cose, &trust, &status, when);
        assert_eq!(
            r.verdict, expected,
            "not_before {not_before}: {:?}",
            r.findings
        );
    }

    // In a store opened while the list was current (as the service keeps one): `verify` with
    // lists given at the verification time refuses an expired one when opening it.
    for (next_update, expected) in [
        (when, Verdict::TrustListInvalidOrExpired),
        (when + 1, Verdict::Valid),
    ] {
        let trust = edited(&|l: &mut TrustList| l.next_update = next_update);
        let store = TrustStore::new(&sc.roots(), &[trust], &status, at(t));
        let r = store.verify(None, Some(&label.cose), at(when));
        assert_eq!(
            r.verdict, expected,
            "next_update {next_update}: {:?}",
            r.findings
        );
    }

    let trust = edited(&|_: &mut TrustList| {});
    for (when, expected) in [(iat - 300, Verdict::Valid), (iat - 301, Verdict::Malformed)] {
        let r = check(&sc, &label.cose, &trust, &status, when);
        assert_eq!(
            r.verdict,
            expected,
            "verified at iat - {}: {:?}",
            iat - when,
            r.findings
        );
    }
}

/// A label the lab key "signed" with a forged, earlier iat (what a thief would do).
fn backdated_forgery(sc: &Scenario, genuine: &Issued, iat: i64) -> Vec<u8> {
    let mut c = genuine.claims.clone();
    c.issued_at = iat;
    c.status_index = 7;
    c.label_id = iotlabel::label::label_id(&sc.lab.kid(), 7);
    sign_label(&c, &sc.lab).unwrap()
}

#[test]
fn compromised_key_invalidates_every_label_whatever_its_iat() {
    let sc = scenario();
    let t = t0().as_second();
    let genuine = lab_label(&sc);
    let forged_early = backdated_forgery(&sc, &genuine, t - 100 * DAY);
    let forged_late = backdated_forgery(&sc, &genuine, t + 12 * DAY);
    let status = status_lists(&sc, t + 14 * DAY, &[]);

    // Before the compromise is known, all three verify (the late one once it is issued).
    let r = check(&sc, &genuine.cose, &sc.trust_bytes, &status, t + 14 * DAY);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    let r = check(&sc, &forged_early, &sc.trust_bytes, &status, t + 14 * DAY);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);

    // Compromised since day 10: the genuine label (iat day 0) and the backdated forgery are
    // both KEY COMPROMISED; nothing distinguishes them.
    let mut list = sc.trust.clone();
    list.sequence = 2;
    list.issued_at = t + 13 * DAY;
    compromise_key(&mut list, &kid_hex(&sc.lab), t + 10 * DAY, vec![]).unwrap();
    let (bytes, _) = edition(&sc, &list, t + 14 * DAY);
    for (what, cose) in [("genuine", &genuine.cose), ("backdated", &forged_early)] {
        let r = check(&sc, cose, &bytes, &status, t + 14 * DAY);
        assert_eq!(
            r.verdict,
            Verdict::KeyCompromised,
            "{what}: {:?}",
            r.findings
        );
    }
    // Issued after the compromise: outside the (shortened) sign window as well.
    let r = check(&sc, &forged_late, &bytes, &status, t + 14 * DAY);
    assert!(
        r.findings
            .iter()
            .any(|f| f.verdict == Verdict::KeyCompromised),
        "{:?}",
        r.findings
    );
    assert_ne!(r.verdict, Verdict::Valid);
}

#[test]
fn compromised_key_allow_list_keeps_named_labels_valid() {
    let sc = scenario();
    let t = t0().as_second();
    let genuine = lab_label(&sc);
    let forged = backdated_forgery(&sc, &genuine, t - 100 * DAY);
    let status = status_lists(&sc, t + DAY, &[]);

    let mut list = sc.trust.clone();
    list.sequence = 2;
    // Upper-case hex is accepted and normalised.
    let id = hex::encode_upper(genuine.claims.label_id);
    compromise_key(&mut list, &kid_hex(&sc.lab), t + DAY / 2, vec![id]).unwrap();
    let entry = list
        .keys
        .iter()
        .find(|k| k.kid == kid_hex(&sc.lab))
        .unwrap();
    assert_eq!(
        entry.allowed_labels,
        vec![hex::encode(genuine.claims.label_id)]
    );
    let (bytes, _) = edition(&sc, &list, t + DAY);

    let r = check(&sc, &genuine.cose, &bytes, &status, t + DAY);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    let r = check(&sc, &forged, &bytes, &status, t + DAY);
    assert_eq!(r.verdict, Verdict::KeyCompromised, "{:?}", r.findings);
}

#[test]
fn key_state_edits_are_checked() {
    let sc = scenario();
    let t = t0().as_second();
    let lab = kid_hex(&sc.lab);
    let mut list = sc.trust.clone();
    assert!(matches!(
        compromise_key(&mut list, &lab, t, vec!["xyz".into()]),
        Err(TrustDraftError::Id(IdError { what: "a label id", text })) if text == "xyz"
    ));
    assert!(matches!(
        retire_key(&mut list, "0000000000000000", t),
        Err(TrustDraftError::UnknownKey { .. })
    ));
    compromise_key(&mut list, &lab, t, vec![]).unwrap();
    // A compromised key cannot be "downgraded" to retired.
    assert!(matches!(
        retire_key(&mut list, &lab, t),
        Err(TrustDraftError::RetireCompromised { kid }) if kid == lab
    ));
}

// ---------------------------------------------------------------------------------------------
// Revocation statements.
// ---------------------------------------------------------------------------------------------

struct Stmt<'a> {
    label: &'a Issued,
    status: LabelStatus,
    sequence: u64,
    successor: Option<LabelId>,
}

fn statement(s: &Stmt<'_>, kid: &[u8; 8]) -> RevocationStatement {
    RevocationStatement {
        format: "iotlabel-revocation/1".into(),
        label: LabelId(s.label.claims.label_id),
        issuer_kid: Kid(*kid),
        index: s.label.claims.status_index,
        status: s.status,
        reason: format!("test: {}", s.status.name()),
        at: t0().as_second() + 3600,
        sequence: s.sequence,
        successor: s.successor,
    }
}

fn open_signed(
    sc: &Scenario,
    trust: &VerifiedTrustList,
    s: &Stmt<'_>,
    by: &dyn Signer,
) -> Result<OpenedStatement, ApplyError> {
    let bytes = statement(s, &sc.lab.kid()).sign(by).unwrap();
    open_statement(&bytes, std::slice::from_ref(trust), &sc.roots())
}

fn stmt(label: &Issued, status: LabelStatus, sequence: u64) -> Stmt<'_> {
    Stmt {
        label,
        status,
        sequence,
        successor: None,
    }
}

#[test]
fn replayed_and_older_statements_are_rejected() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let label = lab_label(&sc);
    let mut st = StatusState::new(&sc.lab.kid());

    let s1 = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Suspended, 1),
        &sc.lab,
    )
    .unwrap();
    assert!(!s1.by_owner);
    st.apply(&s1).unwrap();
    // The very same statement again.
    let before = st.clone();
    assert!(matches!(
        st.apply(&s1),
        Err(ApplyError::Replayed {
            sequence: 1,
            last: 1,
            ..
        })
    ));
    assert_eq!(st, before, "a refused statement changes nothing");

    let s3 = open_signed(&sc, &trusted, &stmt(&label, LabelStatus::Valid, 3), &sc.lab).unwrap();
    st.apply(&s3).unwrap();
    // Older than the last applied (2 < 3), though never seen.
    let s2 = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Suspended, 2),
        &sc.lab,
    )
    .unwrap();
    assert!(matches!(
        st.apply(&s2),
        Err(ApplyError::Replayed {
            sequence: 2,
            last: 3,
            ..
        })
    ));
    assert_eq!(st.next_sequence(label.claims.status_index), 4);
    assert_eq!(
        st.entries[&label.claims.status_index].status,
        LabelStatus::Valid
    );

    // Sequence 0 is never valid, even for a label with no history.
    let mut fresh = StatusState::new(&sc.lab.kid());
    let s0 = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Revoked, 0),
        &sc.lab,
    )
    .unwrap();
    assert!(matches!(
        fresh.apply(&s0),
        Err(ApplyError::Replayed { sequence: 0, .. })
    ));
    assert!(fresh.entries.is_empty());
}

#[test]
fn revoked_is_final() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let label = lab_label(&sc);
    let mut st = StatusState::new(&sc.lab.kid());
    st.apply(
        &open_signed(
            &sc,
            &trusted,
            &stmt(&label, LabelStatus::Revoked, 1),
            &sc.lab,
        )
        .unwrap(),
    )
    .unwrap();
    for (status, by) in [
        (LabelStatus::Valid, &sc.lab),
        (LabelStatus::Suspended, &sc.lab),
        // Not even the scheme owner un-revokes.
        (LabelStatus::Valid, &sc.root),
    ] {
        let o = open_signed(&sc, &trusted, &stmt(&label, status, 2), by).unwrap();
        assert!(
            matches!(
                st.apply(&o),
                Err(ApplyError::Final {
                    status: LabelStatus::Revoked,
                    ..
                })
            ),
            "{status:?}"
        );
    }
}

#[test]
fn superseded_needs_a_successor_and_is_final() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let label = lab_label(&sc);
    let mut st = StatusState::new(&sc.lab.kid());
    let o = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Superseded, 1),
        &sc.lab,
    )
    .unwrap();
    assert!(matches!(st.apply(&o), Err(ApplyError::NoSuccessor)));
    assert!(st.entries.is_empty());

    let successor: LabelId = "0123456789ABCDEF".parse().unwrap();
    let o = open_signed(
        &sc,
        &trusted,
        &Stmt {
            label: &label,
            status: LabelStatus::Superseded,
            sequence: 1,
            successor: Some(successor),
        },
        &sc.lab,
    )
    .unwrap();
    st.apply(&o).unwrap();
    let e = &st.entries[&label.claims.status_index];
    assert_eq!(e.status, LabelStatus::Superseded);
    assert_eq!(e.successor, Some(successor));

    let o = open_signed(&sc, &trusted, &stmt(&label, LabelStatus::Valid, 2), &sc.lab).unwrap();
    assert!(matches!(
        st.apply(&o),
        Err(ApplyError::Final {
            status: LabelStatus::Superseded,
            ..
        })
    ));
}

#[test]
fn owner_suspension_is_lifted_by_the_owner_only() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let label = lab_label(&sc);
    let mut st = StatusState::new(&sc.lab.kid());

    let by_root = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Suspended, 1),
        &sc.root,
    )
    .unwrap();
    assert!(
        by_root.by_owner,
        "a statement signed by the root is the owner's"
    );
    assert_eq!(by_root.signer, kid_hex(&sc.root));
    st.apply(&by_root).unwrap();
    assert!(st.entries[&label.claims.status_index].by_owner);

    // The issuer cannot lift it, nor turn it into anything else.
    for status in [LabelStatus::Valid, LabelStatus::Revoked] {
        let o = open_signed(&sc, &trusted, &stmt(&label, status, 2), &sc.lab).unwrap();
        assert!(!o.by_owner);
        assert!(
            matches!(st.apply(&o), Err(ApplyError::OwnerSuspension { .. })),
            "{status:?}"
        );
    }
    // The owner can.
    let o = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Valid, 2),
        &sc.root,
    )
    .unwrap();
    st.apply(&o).unwrap();
    assert_eq!(
        st.entries[&label.claims.status_index].status,
        LabelStatus::Valid
    );

    // A suspension the issuer set, the issuer lifts.
    let o = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Suspended, 3),
        &sc.lab,
    )
    .unwrap();
    st.apply(&o).unwrap();
    let o = open_signed(&sc, &trusted, &stmt(&label, LabelStatus::Valid, 4), &sc.lab).unwrap();
    st.apply(&o).unwrap();
}

#[test]
fn statements_from_keys_without_authority_are_unauthorised() {
    let sc = scenario();
    let t = t0().as_second();
    let trusted = sc.verified(t0()).unwrap();
    let label = lab_label(&sc);
    let s = stmt(&label, LabelStatus::Revoked, 1);
    let rogue = SoftwareKey::from_seed(&[0x99; 32]);
    for (what, key) in [
        ("an unrelated key", &rogue),
        ("another issuer's key", &sc.manufacturer),
        ("the issuing body's key", &sc.issuing_body),
        ("the status key", &sc.status),
    ] {
        let r = open_signed(&sc, &trusted, &s, key);
        assert!(
            matches!(r, Err(ApplyError::Unauthorised { .. })),
            "{what}: {r:?}"
        );
    }
    // The label's own key, once compromised, cannot change its labels' status either.
    let mut list = sc.trust.clone();
    list.sequence = 2;
    compromise_key(&mut list, &kid_hex(&sc.lab), t, vec![]).unwrap();
    let (_, compromised) = edition(&sc, &list, t);
    let r = open_signed(&sc, &compromised, &s, &sc.lab);
    assert!(matches!(r, Err(ApplyError::Unauthorised { .. })), "{r:?}");
    // The owner still can.
    assert!(
        open_signed(&sc, &compromised, &s, &sc.root)
            .unwrap()
            .by_owner
    );
}

#[test]
fn statements_for_another_key_or_label_do_not_apply() {
    let sc = scenario();
    let trusted = sc.verified(t0()).unwrap();
    let label = lab_label(&sc);
    let o = open_signed(
        &sc,
        &trusted,
        &stmt(&label, LabelStatus::Revoked, 1),
        &sc.lab,
    )
    .unwrap();
    // The state of another key.
    let mut other = StatusState::new(&sc.manufacturer.kid());
    assert!(matches!(
        other.apply(&o),
        Err(ApplyError::OtherKey { statement, state })
            if statement == Kid(sc.lab.kid()) && state == Kid(sc.manufacturer.kid())
    ));

    // Another label id at an index already taken.
    let mut st = StatusState::new(&sc.lab.kid());
    st.apply(&o).unwrap();
    let mut imposter = label.clone();
    imposter.claims.label_id = [9; 8];
    let o = open_signed(
        &sc,
        &trusted,
        &stmt(&imposter, LabelStatus::Valid, 2),
        &sc.lab,
    )
    .unwrap();
    assert!(matches!(
        st.apply(&o),
        Err(ApplyError::IndexHeld { index, holder, label: l })
            if index == label.claims.status_index
                && holder == LabelId(label.claims.label_id)
                && l == LabelId([9; 8])
    ));
}

#[test]
fn verify_sees_the_status_after_apply_and_resign() {
    let sc = scenario();
    let t = t0().as_second();
    let trusted = sc.verified(t0()).unwrap();
    let label = lab_label(&sc);
    let when = t + DAY;
    let mut st = StatusState::new(&sc.lab.kid());

    let seen = |st: &StatusState| {
        let r = check(
            &sc,
            &label.cose,
            &sc.trust_bytes,
            &status_lists(&sc, t, &[st]),
            when,
        );
        (r.verdict, r.status)
    };
    assert_eq!(seen(&st), (Verdict::Valid, Some(LabelStatus::Valid)));

    let steps = [
        (
            LabelStatus::Suspended,
            &sc.root,
            Verdict::Suspended,
            LabelStatus::Suspended,
        ),
        (
            LabelStatus::Valid,
            &sc.root,
            Verdict::Valid,
            LabelStatus::Valid,
        ),
        (
            LabelStatus::Revoked,
            &sc.lab,
            Verdict::Revoked,
            LabelStatus::Revoked,
        ),
    ];
    for (seq, (status, by, verdict, shown)) in (1..).zip(steps) {
        let o = open_signed(&sc, &trusted, &stmt(&label, status, seq), by).unwrap();
        st.apply(&o).unwrap();
        assert_eq!(seen(&st), (verdict, Some(shown)), "after {status:?}");
    }
    // The old (all-valid) list is still signed and fresh, but a verifier given both takes the
    // newer one.
    let old = status_lists(&sc, t, &[]);
    let new = status_lists(&sc, t + 3600, &[&st]);
    let r = check(
        &sc,
        &label.cose,
        &sc.trust_bytes,
        &[old, new].concat(),
        when,
    );
    assert_eq!(r.verdict, Verdict::Revoked, "{:?}", r.findings);

    // Superseded shows as REVOKED, with the status named.
    let other = try_issue(
        &trusted,
        &sc.lab,
        "sensor-inconclusive.toml",
        "cls-like@2",
        t0(),
        1,
    )
    .unwrap();
    let mut st2 = st.clone();
    let o = open_signed(
        &sc,
        &trusted,
        &Stmt {
            label: &other,
            status: LabelStatus::Superseded,
            sequence: 1,
            successor: Some(LabelId(label.claims.label_id)),
        },
        &sc.lab,
    )
    .unwrap();
    st2.apply(&o).unwrap();
    let r = check(
        &sc,
        &other.cose,
        &sc.trust_bytes,
        &status_lists(&sc, t, &[&st2]),
        when,
    );
    assert_eq!(
        (r.verdict, r.status),
        (Verdict::Revoked, Some(LabelStatus::Superseded))
    );
}

/// KNOWN BUG (reported, not fixed here): verify() checks the signer's role against the
/// assurance code the label itself claims, and the trust list does not say which assurance each
/// tier needs. A manufacturer key can therefore sign cls-like@1 Level 4 (a lab-tested tier) by
/// writing assurance 0 (self-declared) into the claims, and the label verifies as VALID
/// ("Level 4 (self-declared, not lab-tested)"). issue() refuses it, since it uses the scheme's
/// own tier assurance. Run with `cargo test --test trust_status -- --ignored`.
#[test]
fn manufacturer_cannot_mint_a_lab_tested_tier_by_claiming_self_declared() {
    let sc = scenario_v1();
    let t = t_v1().as_second();
    let trusted = sc.verified(t_v1()).unwrap();
    let genuine = try_issue(
        &trusted,
        &sc.issuing_body,
        "lock-lab-tested.toml",
        "cls-like@1",
        t_v1(),
        0,
    )
    .unwrap();
    assert_eq!(genuine.claims.label.tier, 4);
    let mut c = genuine.claims.clone();
    c.label.assurance = iotlabel::label::claims::ASSURANCE_SELF_DECLARED;
    c.label_id = iotlabel::label::label_id(&sc.manufacturer.kid(), c.status_index);
    let cose = sign_label(&c, &sc.manufacturer).unwrap();
    let r = check(
        &sc,
        &cose,
        &sc.trust_bytes,
        &status_lists(&sc, t, &[]),
        t + DAY,
    );
    assert_eq!(r.verdict, Verdict::RoleNotAllowed, "{}", r.to_text());
}

/// KNOWN GAP (reported, not fixed here): open_status_list() ignores the status key's windows.
/// A status key retired at day 0 (sign_until = day 0) whose validity ended a second later still
/// signs status lists that verifiers accept on day 6, though a retired key "signs nothing after
/// sign_until". Only a compromised status key is refused. Expected: the list is ignored, so the
/// label is STATUS UNKNOWN. Run with `cargo test --test trust_status -- --ignored`.
#[test]
fn retired_status_key_signs_no_new_status_lists() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc);
    let mut list = sc.trust.clone();
    list.sequence = 2;
    retire_key(&mut list, &kid_hex(&sc.status), t).unwrap();
    for k in list
        .keys
        .iter_mut()
        .filter(|k| k.kid == kid_hex(&sc.status))
    {
        k.valid_until = t + 1;
    }
    let (bytes, _) = edition(&sc, &list, t + 5 * DAY);
    let r = check(
        &sc,
        &label.cose,
        &bytes,
        &status_lists(&sc, t + 5 * DAY, &[]),
        t + 6 * DAY,
    );
    assert_eq!(r.verdict, Verdict::StatusUnknown, "{}", r.to_text());
}
