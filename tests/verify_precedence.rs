//! Verdict precedence over pairs of faults (the order in `src/verify/mod.rs`'s module doc):
//!
//! MALFORMED > TRUST LIST INVALID OR EXPIRED > UNTRUSTED ISSUER > BAD SIGNATURE >
//! ROLE NOT ALLOWED > WRONG SCHEME > WRONG URL > KEY COMPROMISED > REVOKED > EXPIRED >
//! SUSPENDED > STATUS UNKNOWN > STATUS STALE > VALID
//!
//! Each fault is planted in a genuine lab label (or in the trust and status data around it);
//! each fault alone gives its own verdict, and each row of the table plants two and names the
//! verdict expected. Where the verifier reaches both checks, both findings must be reported.
//!
//! One limit of the order is by design: what the claims say (e.g. an issue time in the future)
//! is only read once the signature verifies under a trusted key, so a claims fault never
//! outranks a trust-list, unknown-key or signature fault (rows marked "claims unread").

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod common;

use iotlabel::keys::{Signer, SoftwareKey};
use iotlabel::label::{LabelClaims, label_id, qr_text, sign_label};
use iotlabel::scenario::{DEMO_VERIFY_URL, Scenario};
use iotlabel::status::{LabelStatus, STATUS_ENTRIES, StatusList};
use iotlabel::trust::{TrustList, compromise_key};
use iotlabel::verify::{Verdict, VerifyInput, VerifyReport, verify};

const SEED: &[u8] = b"verdict precedence";
const DAY: i64 = 86_400;

/// One planted fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// One byte after the COSE_Sign1 (MALFORMED, envelope).
    TrailingByte,
    /// Issued two days after the verification time, re-signed by the lab (MALFORMED, claims).
    FutureIssue,
    /// The verifier's root is another key (TRUST LIST INVALID OR EXPIRED).
    WrongRoot,
    /// Signed by a key no trust list names (UNTRUSTED ISSUER).
    UnknownKey,
    /// One bit of the signature flipped (BAD SIGNATURE).
    FlippedSignature,
    /// The trust list accredits the lab up to tier 2; the label is tier 3 (ROLE NOT ALLOWED).
    AboveAccreditation,
    /// The trust list accepts cls-like@2 only under another criteria digest (WRONG SCHEME).
    OtherDigest,
    /// The QR points at another host (WRONG URL).
    OtherHost,
    /// The lab key is compromised since half a day after issue (KEY COMPROMISED).
    Compromised,
    /// Revoked in the status list (REVOKED).
    RevokedEntry,
    /// Superseded in the status list (REVOKED).
    SupersededEntry,
    /// exp half a day after issue, re-signed (EXPIRED).
    LabelExpired,
    /// The lab key's validity ended half a day after issue (EXPIRED).
    KeyValidityEnded,
    /// Suspended in the status list (SUSPENDED).
    SuspendedEntry,
    /// No status list given (STATUS UNKNOWN).
    NoStatusList,
    /// A status index past the end of the list, re-signed with its label id (STATUS UNKNOWN).
    IndexOutsideList,
    /// The status list's next update was a day before verification (STATUS STALE).
    StaleStatus,
}

impl Fault {
    fn alone(self) -> Verdict {
        use Fault::*;
        match self {
            TrailingByte | FutureIssue => Verdict::Malformed,
            WrongRoot => Verdict::TrustListInvalidOrExpired,
            UnknownKey => Verdict::UntrustedIssuer,
            FlippedSignature => Verdict::BadSignature,
            AboveAccreditation => Verdict::RoleNotAllowed,
            OtherDigest => Verdict::WrongScheme,
            OtherHost => Verdict::WrongUrl,
            Compromised => Verdict::KeyCompromised,
            RevokedEntry | SupersededEntry => Verdict::Revoked,
            LabelExpired | KeyValidityEnded => Verdict::Expired,
            SuspendedEntry => Verdict::Suspended,
            NoStatusList | IndexOutsideList => Verdict::StatusUnknown,
            StaleStatus => Verdict::StatusStale,
        }
    }

    const ALL: [Fault; 17] = [
        Fault::TrailingByte,
        Fault::FutureIssue,
        Fault::WrongRoot,
        Fault::UnknownKey,
        Fault::FlippedSignature,
        Fault::AboveAccreditation,
        Fault::OtherDigest,
        Fault::OtherHost,
        Fault::Compromised,
        Fault::RevokedEntry,
        Fault::SupersededEntry,
        Fault::LabelExpired,
        Fault::KeyValidityEnded,
        Fault::SuspendedEntry,
        Fault::NoStatusList,
        Fault::IndexOutsideList,
        Fault::StaleStatus,
    ];
}

struct Setup {
    sc: Scenario,
    claims: LabelClaims,
    t0: i64,
}

fn setup() -> Setup {
    let i = common::lab_issued(SEED, "thermostat-level3.toml", "cls-like@2", |_| {});
    assert_eq!(i.claims.label.tier, 3, "the table needs a tier-3 lab label");
    let sc = Scenario::new(common::bundled(), SEED, common::t0(), 30).unwrap();
    Setup {
        sc,
        claims: i.claims,
        t0: common::t0().as_second(),
    }
}

/// Verifies the lab label with `faults` planted, one day after issue.
fn verify_with(s: &Setup, faults: &[Fault]) -> VerifyReport {
    let has = |f: Fault| faults.contains(&f);
    let at = s.t0 + DAY;
    let rogue = SoftwareKey::from_seed(&[0x77; 32]);
    let key: &SoftwareKey = if has(Fault::UnknownKey) {
        &rogue
    } else {
        &s.sc.lab
    };

    let mut c = s.claims.clone();
    if has(Fault::FutureIssue) {
        c.issued_at = at + 2 * DAY;
    }
    if has(Fault::LabelExpired) {
        c.expires = s.t0 + DAY / 2;
    }
    if has(Fault::IndexOutsideList) {
        c.status_index = u32::try_from(STATUS_ENTRIES).unwrap();
    }
    c.label_id = label_id(&key.kid(), c.status_index);
    let mut cose = sign_label(&c, key).unwrap();
    if has(Fault::FlippedSignature) {
        let last = cose.len() - 1;
        cose[last] ^= 0x01;
    }
    if has(Fault::TrailingByte) {
        cose.push(0x00);
    }
    let url = if has(Fault::OtherHost) {
        "HTTPS://LBL.EXAMPLE.COM/V"
    } else {
        DEMO_VERIFY_URL
    };
    let text = qr_text(url, &cose);

    let mut list: TrustList = s.sc.trust.clone();
    list.sequence = 2;
    let lab_kid = hex::encode(s.sc.lab.kid());
    let lab_entry = list.keys.iter_mut().find(|k| k.kid == lab_kid).unwrap();
    if has(Fault::AboveAccreditation) {
        lab_entry.max_tier = Some(2);
    }
    if has(Fault::KeyValidityEnded) {
        lab_entry.valid_until = s.t0 + DAY / 2;
        lab_entry.sign_until = lab_entry.sign_until.min(lab_entry.valid_until);
    }
    if has(Fault::OtherDigest) {
        let scheme = list
            .schemes
            .iter_mut()
            .find(|x| x.id == "cls-like")
            .unwrap();
        for a in scheme.accepted.iter_mut().filter(|a| a.version == 2) {
            a.digest = "00112233445566778899aabbccddeeff".into();
        }
    }
    if has(Fault::Compromised) {
        compromise_key(&mut list, &lab_kid, s.t0 + DAY / 2, vec![]).unwrap();
    }
    let trust = list.sign(&s.sc.root).unwrap();
    let roots = if has(Fault::WrongRoot) {
        vec![SoftwareKey::from_seed(&[0x52; 32]).public_key()]
    } else {
        s.sc.roots()
    };

    let issued = if has(Fault::StaleStatus) {
        s.t0 - 8 * DAY
    } else {
        s.t0
    };
    let mut status = StatusList::new(s.sc.lab.kid(), issued, issued + 7 * DAY);
    for (f, st) in [
        (Fault::RevokedEntry, LabelStatus::Revoked),
        (Fault::SupersededEntry, LabelStatus::Superseded),
        (Fault::SuspendedEntry, LabelStatus::Suspended),
    ] {
        if has(f) {
            assert!(status.set(s.claims.status_index, st));
        }
    }
    let status = if has(Fault::NoStatusList) {
        vec![]
    } else {
        vec![status.sign(&s.sc.status).unwrap()]
    };

    let r = verify(&VerifyInput {
        text: Some(&text),
        cose: None,
        roots: &roots,
        trust_lists: &[trust],
        status_lists: &status,
        at: common::at(at),
    });
    // Every trust and status input was used, unless ignoring it is the fault.
    if !has(Fault::WrongRoot) {
        assert!(
            !r.notes.iter().any(|n| n.contains("ignored")),
            "{faults:?}: {:?}",
            r.notes
        );
    }
    r
}

/// The precedence as `src/verify/mod.rs`'s module doc states it (read from the source, so the
/// doc and the verifier cannot drift apart unseen): each verdict's rank, earlier wins.
fn documented_rank(v: Verdict) -> usize {
    static ORDER: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let order = ORDER.get_or_init(|| {
        let src = include_str!("../src/verify/mod.rs");
        let line: String = src
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| l.trim_start_matches("//!").trim())
            .skip_while(|l| !l.starts_with("MALFORMED >"))
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        line.split('>').map(|w| w.trim().to_string()).collect()
    });
    assert_eq!(
        order.len(),
        Verdict::ALL.len(),
        "documented order: {order:?}"
    );
    order
        .iter()
        .position(|w| w == v.words())
        .unwrap_or_else(|| panic!("{} is not in the documented order {order:?}", v.words()))
}

fn verdicts(r: &VerifyReport) -> Vec<Verdict> {
    r.findings.iter().map(|f| f.verdict).collect()
}

#[test]
fn the_genuine_label_is_valid_and_each_fault_alone_gives_its_verdict() {
    let s = setup();
    let r = verify_with(&s, &[]);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    for f in Fault::ALL {
        let r = verify_with(&s, &[f]);
        assert_eq!(r.verdict, f.alone(), "{f:?}: {:?}", r.findings);
        assert_eq!(
            verdicts(&r),
            vec![f.alone()],
            "{f:?} alone must give exactly one finding: {:?}",
            r.findings
        );
    }
}

#[test]
fn pairs_of_faults_give_the_documented_verdict() {
    use Fault::*;
    use Verdict as V;
    // (first fault, second fault, verdict expected, whether the verifier reaches both checks)
    let table: &[(Fault, Fault, Verdict, bool)] = &[
        // MALFORMED first: the envelope is read before anything else.
        (TrailingByte, WrongRoot, V::Malformed, false),
        (TrailingByte, UnknownKey, V::Malformed, false),
        (TrailingByte, RevokedEntry, V::Malformed, false),
        (FutureIssue, RevokedEntry, V::Malformed, true),
        (FutureIssue, Compromised, V::Malformed, true),
        (FutureIssue, AboveAccreditation, V::Malformed, true),
        (FutureIssue, StaleStatus, V::Malformed, true),
        // Claims unread: a claims fault cannot outrank a fault found before the signature.
        (FutureIssue, WrongRoot, V::TrustListInvalidOrExpired, false),
        (FutureIssue, UnknownKey, V::UntrustedIssuer, false),
        (FutureIssue, FlippedSignature, V::BadSignature, false),
        // TRUST LIST, UNTRUSTED ISSUER, BAD SIGNATURE stop the check.
        (WrongRoot, UnknownKey, V::TrustListInvalidOrExpired, false),
        (
            WrongRoot,
            FlippedSignature,
            V::TrustListInvalidOrExpired,
            false,
        ),
        (WrongRoot, LabelExpired, V::TrustListInvalidOrExpired, false),
        (UnknownKey, FlippedSignature, V::UntrustedIssuer, false),
        (UnknownKey, RevokedEntry, V::UntrustedIssuer, false),
        (FlippedSignature, OtherDigest, V::BadSignature, false),
        (FlippedSignature, OtherHost, V::BadSignature, false),
        (FlippedSignature, LabelExpired, V::BadSignature, false),
        (FlippedSignature, RevokedEntry, V::BadSignature, false),
        // From here on every check runs and every finding is reported.
        (AboveAccreditation, OtherDigest, V::RoleNotAllowed, true),
        (AboveAccreditation, OtherHost, V::RoleNotAllowed, true),
        (AboveAccreditation, Compromised, V::RoleNotAllowed, true),
        (AboveAccreditation, LabelExpired, V::RoleNotAllowed, true),
        (OtherDigest, OtherHost, V::WrongScheme, true),
        (OtherDigest, Compromised, V::WrongScheme, true),
        (OtherDigest, RevokedEntry, V::WrongScheme, true),
        (OtherHost, Compromised, V::WrongUrl, true),
        (OtherHost, LabelExpired, V::WrongUrl, true),
        (OtherHost, SuspendedEntry, V::WrongUrl, true),
        (Compromised, RevokedEntry, V::KeyCompromised, true),
        (Compromised, LabelExpired, V::KeyCompromised, true),
        (Compromised, NoStatusList, V::KeyCompromised, true),
        (RevokedEntry, LabelExpired, V::Revoked, true),
        (RevokedEntry, KeyValidityEnded, V::Revoked, true),
        (SupersededEntry, LabelExpired, V::Revoked, true),
        (RevokedEntry, StaleStatus, V::Revoked, true),
        (LabelExpired, SuspendedEntry, V::Expired, true),
        (KeyValidityEnded, SuspendedEntry, V::Expired, true),
        (LabelExpired, NoStatusList, V::Expired, true),
        (LabelExpired, StaleStatus, V::Expired, true),
        (SuspendedEntry, StaleStatus, V::Suspended, true),
        (IndexOutsideList, StaleStatus, V::StatusUnknown, true),
    ];
    let s = setup();
    let mut failures = Vec::new();
    for &(a, b, expected, both) in table {
        let (va, vb) = (a.alone(), b.alone());
        assert_ne!(va, vb, "{a:?} + {b:?}: a row pairs two different verdicts");
        // The row agrees with the documented order: the earlier verdict wins (where the
        // verifier reaches both checks; otherwise the one it reaches first, also earlier
        // except for claims faults, whose rows say so).
        let earlier = if documented_rank(va) < documented_rank(vb) {
            va
        } else {
            vb
        };
        let claims_unread = a == FutureIssue && !both;
        assert!(
            expected == earlier || claims_unread,
            "{a:?} + {b:?}: the row expects {}, the documented order says {}",
            expected.words(),
            earlier.words()
        );
        for faults in [[a, b], [b, a]] {
            let r = verify_with(&s, &faults);
            let got = verdicts(&r);
            if r.verdict != expected {
                failures.push(format!(
                    "{a:?} ({}) + {b:?} ({}): expected {}, got {}; findings {got:?}",
                    va.words(),
                    vb.words(),
                    expected.words(),
                    r.verdict.words()
                ));
            } else if both && !(got.contains(&va) && got.contains(&vb)) {
                failures.push(format!(
                    "{a:?} + {b:?}: both findings expected, got {got:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // Every verdict but VALID wins at least one row or loses at least one.
    for v in Verdict::ALL.into_iter().filter(|v| *v != Verdict::Valid) {
        assert!(
            table
                .iter()
                .any(|(a, b, _, _)| a.alone() == v || b.alone() == v),
            "no row covers {}",
            v.words()
        );
    }
}

/// Where both checks run, the verdict is the earliest finding in the documented order, for
/// every pair of faults that can be planted together (not only the table's rows).
#[test]
fn every_compatible_pair_after_the_signature_takes_the_earlier_verdict() {
    use Fault::*;
    let s = setup();
    // Faults found after the signature verifies (claims read, every check run).
    let late = [
        FutureIssue,
        AboveAccreditation,
        OtherDigest,
        OtherHost,
        Compromised,
        RevokedEntry,
        LabelExpired,
        KeyValidityEnded,
        SuspendedEntry,
        NoStatusList,
        IndexOutsideList,
        StaleStatus,
    ];
    // Pairs that cannot both be planted: one status entry, or no list to be stale or to hold
    // an entry.
    let exclusive = |a: Fault, b: Fault| {
        let status = [RevokedEntry, SuspendedEntry, NoStatusList, IndexOutsideList];
        (status.contains(&a) && status.contains(&b))
            || ([a, b].contains(&NoStatusList) && [a, b].contains(&StaleStatus))
            // exp before iat cannot be encoded.
            || ([a, b].contains(&FutureIssue) && [a, b].contains(&LabelExpired))
    };
    let mut n = 0;
    for (i, &a) in late.iter().enumerate() {
        for &b in &late[i + 1..] {
            if exclusive(a, b) || a.alone() == b.alone() {
                continue;
            }
            let r = verify_with(&s, &[a, b]);
            let want = if documented_rank(a.alone()) < documented_rank(b.alone()) {
                a.alone()
            } else {
                b.alone()
            };
            assert_eq!(r.verdict, want, "{a:?} + {b:?}: {:?}", r.findings);
            n += 1;
        }
    }
    assert!(n >= 50, "only {n} pairs");
}
