//! The signature cache of `TrustStore`: a cached label still turns REVOKED or EXPIRED when its
//! status or the time changes, a label with one bit changed (or a forgery reusing a genuine
//! label id) never comes from the cache and is BAD SIGNATURE, a changed trust list empties it,
//! and it stays within its bound. No timings here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::sync::Arc;

use iotlabel::issue::{IssueRequest, Issued, issue, profile_digest};
use iotlabel::keys::Signer;
use iotlabel::label::sign_label;
use iotlabel::profile::Profile;
use iotlabel::scenario::Scenario;
use iotlabel::status::{LabelStatus, StateEntry, StatusState};
use iotlabel::trust::compromise_key;
use iotlabel::verify::{SignatureCache, TrustStore, Verdict, VerifyReport};

const SEED: &[u8] = b"signature cache tests";
const DAY: i64 = 86_400;

mod common;
use common::{at, bundled as set, t0};

fn scenario() -> Scenario {
    Scenario::new(set(), SEED, t0(), 30).expect("scenario")
}

/// The lab's Level 3 thermostat label with status index `index`.
fn lab_label(sc: &Scenario, index: u32) -> Issued {
    let trusted = sc.verified(t0()).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles/thermostat-level3.toml");
    let bytes = std::fs::read(&path).unwrap();
    let prof = Profile::load(&path, set()).expect("profile");
    issue(&IssueRequest {
        scheme: set().scheme("cls-like@2").expect("scheme"),
        vocab: &set().vocab,
        profile: &prof,
        profile_digest: profile_digest(&bytes),
        at: t0(),
        key: &sc.lab,
        trust: &trusted,
        status_index: index,
    })
    .map_err(|(e, _)| e)
    .unwrap()
}

/// Status lists of every issuer key signed at `issued_at` for 7 days; the lab key's list has
/// `lab_status` at the given indices.
fn status_lists(sc: &Scenario, issued_at: i64, lab_status: &[(u32, LabelStatus)]) -> Vec<Vec<u8>> {
    sc.issuers()
        .into_iter()
        .map(|k| {
            let mut state = StatusState::new(&k.kid());
            if k.kid() == sc.lab.kid() {
                for (i, s) in lab_status {
                    state.entries.insert(
                        *i,
                        StateEntry {
                            label: iotlabel::ids::LabelId::default(),
                            status: *s,
                            sequence: 1,
                            by_owner: false,
                            reason: "test".into(),
                            successor: None,
                            at: issued_at,
                        },
                    );
                }
            }
            state
                .to_list(issued_at, issued_at + 7 * DAY)
                .unwrap()
                .sign(&sc.status)
                .unwrap()
        })
        .collect()
}

fn store(
    sc: &Scenario,
    trust: &[u8],
    status: &[Vec<u8>],
    cache: &Arc<SignatureCache>,
) -> TrustStore {
    let t = t0().as_second();
    TrustStore::new(&sc.roots(), &[trust.to_vec()], status, at(t + DAY)).with_cache(cache.clone())
}

fn check(s: &TrustStore, cose: &[u8], when: i64) -> VerifyReport {
    s.verify(None, Some(cose), at(when))
}

#[test]
fn a_cached_label_still_turns_revoked_suspended_and_expired() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc, 0);
    let cache = Arc::new(SignatureCache::new(100));
    let valid = store(&sc, &sc.trust_bytes, &status_lists(&sc, t, &[]), &cache);

    let r = check(&valid, &label.cose, t + DAY);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    assert_eq!((cache.hits(), cache.misses(), cache.len()), (0, 1, 1));
    let r2 = check(&valid, &label.cose, t + DAY);
    assert_eq!(cache.hits(), 1, "the second check comes from the cache");
    assert_eq!(r2, r, "a cached check reports exactly what a full one does");

    // The service rebuilds its store when a status list changes; the cache is kept, and the
    // new status is seen at once.
    for (status, verdict) in [
        (LabelStatus::Revoked, Verdict::Revoked),
        (LabelStatus::Superseded, Verdict::Revoked),
        (LabelStatus::Suspended, Verdict::Suspended),
    ] {
        let s = store(
            &sc,
            &sc.trust_bytes,
            &status_lists(&sc, t + 3600, &[(0, status)]),
            &cache,
        );
        let hits = cache.hits();
        let r = check(&s, &label.cose, t + DAY);
        assert_eq!(cache.hits(), hits + 1, "{status:?}: served from the cache");
        assert_eq!(r.verdict, verdict, "{status:?}: {:?}", r.findings);
        assert_eq!(r.status, Some(status));
    }

    // Time: a label of the lab's key that expires on day 2, cached on day 1, is EXPIRED on
    // day 3 (from the cache); on day 8 the status list is stale as well.
    let mut claims = label.claims.clone();
    claims.status_index = 2;
    claims.label_id = iotlabel::label::label_id(&sc.lab.kid(), 2);
    claims.expires = t + 2 * DAY;
    let short = sign_label(&claims, &sc.lab).unwrap();
    assert_eq!(check(&valid, &short, t + DAY).verdict, Verdict::Valid);
    let hits = cache.hits();
    let r = check(&valid, &short, t + 3 * DAY);
    assert_eq!(r.verdict, Verdict::Expired, "{:?}", r.findings);
    assert_eq!(cache.hits(), hits + 1, "served from the cache");
    let r = check(&valid, &short, t + 8 * DAY);
    assert_eq!(r.verdict, Verdict::Expired, "{:?}", r.findings);
    assert!(
        r.findings.iter().any(|f| f.verdict == Verdict::StatusStale),
        "{:?}",
        r.findings
    );
    assert_eq!(cache.hits(), hits + 2);

    // Past the trust list's next update, nothing vouches for the key: not from the cache.
    let next_update = sc.trust.next_update;
    let hits = cache.hits();
    let late = check(&valid, &label.cose, next_update);
    assert_eq!(
        late.verdict,
        Verdict::TrustListInvalidOrExpired,
        "{:?}",
        late.findings
    );
    assert_eq!(cache.hits(), hits);

    // A cached and an uncached store agree.
    let plain = TrustStore::new(
        &sc.roots(),
        std::slice::from_ref(&sc.trust_bytes),
        &status_lists(&sc, t, &[]),
        at(t + DAY),
    );
    assert_eq!(check(&plain, &short, t + 8 * DAY), r);
}

#[test]
fn a_changed_bit_or_a_forged_label_with_a_genuine_id_is_never_served_from_the_cache() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc, 0);
    let cache = Arc::new(SignatureCache::new(100));
    let s = store(&sc, &sc.trust_bytes, &status_lists(&sc, t, &[]), &cache);
    assert_eq!(check(&s, &label.cose, t + DAY).verdict, Verdict::Valid);
    assert_eq!(check(&s, &label.cose, t + DAY).verdict, Verdict::Valid);
    assert_eq!(cache.hits(), 1);

    // Every single-bit change of the signature and of the payload's last bytes.
    let n = label.cose.len();
    for i in (n - 64..n).chain(n - 140..n - 100) {
        for bit in [0x01u8, 0x80] {
            let mut bad = label.cose.clone();
            bad[i] ^= bit;
            let hits = cache.hits();
            let r = check(&s, &bad, t + DAY);
            assert_eq!(
                cache.hits(),
                hits,
                "byte {i} bit {bit:#x}: never a cache hit"
            );
            assert_ne!(r.verdict, Verdict::Valid, "byte {i} bit {bit:#x}");
            assert_eq!(
                r.verdict,
                Verdict::BadSignature,
                "byte {i} bit {bit:#x}: {:?}",
                r.findings
            );
        }
    }
    // In the signature: always BAD SIGNATURE.
    let mut bad = label.cose.clone();
    bad[n - 1] ^= 0x01;
    assert_eq!(check(&s, &bad, t + DAY).verdict, Verdict::BadSignature);
    assert_eq!(check(&s, &bad, t + DAY).verdict, Verdict::BadSignature);

    // A forgery: the genuine label's id, index and signature, over other claims (another
    // model).
    let mut claims = label.claims.clone();
    claims.label.model = format!("{} PRO", claims.label.model);
    let other = sign_label(&claims, &sc.lab).unwrap();
    let genuine_sig = &label.cose[n - 64..];
    let mut forged = other.clone();
    let m = forged.len();
    forged[m - 64..].copy_from_slice(genuine_sig);
    let hits = cache.hits();
    let r = check(&s, &forged, t + DAY);
    assert_eq!(cache.hits(), hits, "same label id, other bytes: a miss");
    assert_eq!(r.verdict, Verdict::BadSignature, "{:?}", r.findings);
    // The genuine label is still served, and still VALID.
    assert_eq!(check(&s, &label.cose, t + DAY).verdict, Verdict::Valid);
    assert_eq!(cache.hits(), hits + 1);
}

#[test]
fn a_changed_trust_list_empties_the_cache_and_key_compromise_is_seen() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc, 0);
    let cache = Arc::new(SignatureCache::new(100));
    let status = status_lists(&sc, t, &[]);
    let s = store(&sc, &sc.trust_bytes, &status, &cache);
    assert_eq!(check(&s, &label.cose, t + DAY).verdict, Verdict::Valid);
    assert_eq!(cache.len(), 1);

    let mut list = sc.trust.clone();
    list.sequence = 2;
    list.issued_at = t + DAY / 2;
    compromise_key(&mut list, &hex::encode(sc.lab.kid()), t + DAY / 4, vec![]).unwrap();
    let bytes = list.sign(&sc.root).unwrap();
    let s2 = store(&sc, &bytes, &status, &cache);
    let hits = cache.hits();
    let r = check(&s2, &label.cose, t + DAY);
    assert_eq!(r.verdict, Verdict::KeyCompromised, "{:?}", r.findings);
    assert_eq!(cache.hits(), hits, "other trust lists: not from the cache");
    assert_eq!(cache.len(), 1, "emptied, then filled under the new lists");
    // Key state is judged on each verification, also from the cache.
    assert_eq!(
        check(&s2, &label.cose, t + DAY).verdict,
        Verdict::KeyCompromised
    );
    assert_eq!(cache.hits(), hits + 1);
}

#[test]
fn the_cache_is_bounded() {
    let sc = scenario();
    let t = t0().as_second();
    let labels: Vec<Issued> = (0..12).map(|i| lab_label(&sc, i)).collect();
    let cache = Arc::new(SignatureCache::new(4));
    assert_eq!(cache.capacity(), 4);
    let s = store(&sc, &sc.trust_bytes, &status_lists(&sc, t, &[]), &cache);
    for round in 0..3 {
        for l in &labels {
            assert_eq!(check(&s, &l.cose, t + DAY).verdict, Verdict::Valid);
            assert!(cache.len() <= 4, "round {round}: {} entries", cache.len());
        }
    }
    // Round robin over more labels than the bound: every check is a full one.
    assert_eq!(cache.hits(), 0);
    assert_eq!(cache.misses(), 36);
    // The most recent label is held.
    assert_eq!(check(&s, &labels[11].cose, t + DAY).verdict, Verdict::Valid);
    assert_eq!(cache.hits(), 1);
    assert!(!cache.is_empty());
    cache.clear();
    assert!(cache.is_empty());
    // The bound is the capacity asked for, rounded down to even, at least 2 (a missed mutant
    // added where it should multiply: 2 + 2 = 2 * 2).
    for (asked, bound) in [(64, 64), (5, 4), (2, 2), (1, 2), (0, 2)] {
        assert_eq!(SignatureCache::new(asked).capacity(), bound, "{asked}");
    }
}

/// The age the report gives for each trust and status list is the whole hours from its issue
/// time to the verification time. Mutation testing (issue 12) found it untested.
#[test]
fn data_ages_are_whole_hours_since_each_list_was_issued() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc, 0);
    let s = store(
        &sc,
        &sc.trust_bytes,
        &status_lists(&sc, t, &[]),
        &Arc::new(SignatureCache::new(10)),
    );
    for when in [t + DAY, t + DAY + 5_400] {
        let r = check(&s, &label.cose, when);
        assert!(
            r.data_age.len() >= 2,
            "a trust list and a status list: {:?}",
            r.data_age
        );
        for a in &r.data_age {
            let issued = iotlabel::time::parse_at(&a.issued_at).unwrap().as_second();
            assert_eq!(a.age_hours, (when - issued) / 3600, "{}", a.what);
        }
        let status = r
            .data_age
            .iter()
            .find(|a| a.what.starts_with("status list"))
            .unwrap();
        assert_eq!(status.age_hours, if when == t + DAY { 24 } else { 25 });
    }
}

/// A cached check is reused only for the very list entry the full check would pick now: when
/// the key sits at the same entry in two lists and the first of them goes out of date, the
/// label is vouched for by the second, not served from the cache as the first's (a missed
/// mutant accepted a hit whose list or entry matched, not both).
#[test]
fn a_cached_check_of_a_list_now_out_of_date_is_not_reused_for_another_list() {
    let sc = scenario();
    let t = t0().as_second();
    let label = lab_label(&sc, 0);
    let mut first = sc.trust.clone();
    first.sequence = 2;
    first.next_update = t + 2 * DAY;
    let mut second = sc.trust.clone();
    second.owner = "second-agency".into();
    second.owner_name = "Second agency (test)".into();
    second.sequence = 1;
    let lists = [
        first.sign(&sc.root).unwrap(),
        second.sign(&sc.root).unwrap(),
    ];
    let cache = Arc::new(SignatureCache::new(64));
    let status = status_lists(&sc, t + DAY, &[]);
    let store =
        TrustStore::new(&sc.roots(), &lists, &status, at(t + DAY)).with_cache(cache.clone());
    let vouched = |r: &VerifyReport| r.issuer.as_ref().map(|i| i.vouched_by.clone());

    let r = check(&store, &label.cose, t + DAY);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    let by_first = vouched(&r);
    let r = check(&store, &label.cose, t + 3 * DAY);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    assert_ne!(vouched(&r), by_first, "{:?}", r.issuer);
    assert_eq!(vouched(&r).as_deref(), Some("Second agency (test)"));
}

/// The cache holds at least half its capacity of the most recent checks (its young
/// generation): four labels checked again and again under a bound of eight are full checks
/// once and hits ever after (missed mutants rotated the generations on every insert, keeping
/// one). Its debug form names its figures.
#[test]
fn the_cache_holds_half_its_capacity_of_recent_checks() {
    let sc = scenario();
    let t = t0().as_second();
    let labels: Vec<Issued> = (0..4).map(|i| lab_label(&sc, i)).collect();
    let cache = Arc::new(SignatureCache::new(8));
    let s = store(&sc, &sc.trust_bytes, &status_lists(&sc, t, &[]), &cache);
    for round in 0..3 {
        for l in &labels {
            assert_eq!(check(&s, &l.cose, t + DAY).verdict, Verdict::Valid);
        }
        assert_eq!(
            (cache.misses(), cache.hits()),
            (4, 4 * round),
            "round {round}"
        );
        assert_eq!(cache.len(), 4);
    }
    let debug = format!("{cache:?}");
    assert!(
        debug.contains("capacity: 8") && debug.contains("hits: 8"),
        "{debug}"
    );
}
