//! Property tests of signed labels end to end: issue -> QR text -> verify round trips for
//! arbitrary profiles that reach a tier, deterministic issuing, mutated labels never verifying
//! VALID, and labels staying VALID for their whole validity (and EXPIRED after it).
//!
//! Profiles are generated the way `tests/properties.rs` does it (features, declarations, N/A
//! claims and lab results over the vocabulary), but starting from a real fixture profile and
//! perturbing a few of its entries, so that a good share of them reach a tier and the
//! properties are not vacuous.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use iotlabel::criteria::model::SchemeKind;
use iotlabel::criteria::{self, CriteriaSet, Scheme};
use iotlabel::evaluate::evaluate;
use iotlabel::issue::{IssueError, IssueRequest, Issued, issue, profile_digest, support_end};
use iotlabel::keys::Signer;
use iotlabel::label::claims::{MAX_DEVICE_TEXT, device_text_len};
use iotlabel::label::qr_text;
use iotlabel::profile::{Declared, Firmware, Method, NaClaim, Profile, TestResult, Verdict};
use iotlabel::scenario::Scenario;
use iotlabel::status::StatusList;
use iotlabel::time::{DateValue, parse_at};
use iotlabel::verify::{self as v, TrustStore, VerifyReport};
use jiff::Timestamp;
use proptest::prelude::*;

mod common;
use common::value_for;
use proptest::test_runner::{Config, TestRunner};

const SEED: &[u8] = b"label property tests";
const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;
/// The trust list lives 6 years: longer than any label (at most 3 years from an issue time
/// within the keys' one-year signing window), so expiry can be observed under a current list.
const TRUST_DAYS: i64 = 6 * 365;
/// Status lists are signed at T and stay fresh as long as the trust list.
const STATUS_LIFE: i64 = TRUST_DAYS * DAY;

fn set() -> &'static CriteriaSet {
    static SET: OnceLock<CriteriaSet> = OnceLock::new();
    SET.get_or_init(|| criteria::load_bundled().expect("bundled criteria"))
}

/// The fixed issue time T.
fn t0() -> Timestamp {
    parse_at("2026-12-01T00:00:00Z").unwrap()
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap()
}

fn scenario() -> &'static Scenario {
    static SC: OnceLock<Scenario> = OnceLock::new();
    SC.get_or_init(|| Scenario::new(set(), SEED, t0(), TRUST_DAYS).expect("scenario"))
}

/// All-valid status lists for every issuer key of a scenario, signed by its status key at T.
fn status_lists_for(sc: &Scenario) -> Vec<Vec<u8>> {
    let t = t0().as_second();
    sc.issuers()
        .into_iter()
        .map(|k| {
            StatusList::new(k.kid(), t, t + STATUS_LIFE)
                .sign(&sc.status)
                .expect("status list")
        })
        .collect()
}

fn status_lists() -> &'static [Vec<u8>] {
    static LISTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    LISTS.get_or_init(|| status_lists_for(scenario()))
}

/// A trust store built at `when` from the scenario's trust list and status lists.
fn store_at(when: i64) -> TrustStore {
    let sc = scenario();
    TrustStore::new(
        &sc.roots(),
        std::slice::from_ref(&sc.trust_bytes),
        status_lists(),
        at(when),
    )
}

/// The store at T + 1 hour, built once.
fn store() -> &'static TrustStore {
    static STORE: OnceLock<TrustStore> = OnceLock::new();
    STORE.get_or_init(|| store_at(t0().as_second() + 3600))
}

fn label_schemes() -> impl Iterator<Item = &'static Scheme> {
    set().schemes.iter().filter(|s| s.kind == SchemeKind::Label)
}

/// Every fixture profile, loaded once.
fn fixtures() -> &'static [Profile] {
    static F: OnceLock<Vec<Profile>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let loaded: Vec<Profile> = paths
            .iter()
            .map(|p| Profile::load(p, set()).expect("fixture profile"))
            .collect();
        assert!(
            !loaded.is_empty(),
            "no fixture profiles in {}",
            dir.display()
        );
        loaded
    })
}

fn requirement_ids() -> &'static [String] {
    static IDS: OnceLock<Vec<String>> = OnceLock::new();
    IDS.get_or_init(|| {
        set()
            .requirement_ids()
            .into_iter()
            .map(str::to_string)
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Profile generator: a fixture, perturbed.
// ---------------------------------------------------------------------------------------------

/// One edit of a fixture profile.
#[derive(Debug, Clone)]
enum Edit {
    /// Feature `i` (mod count) set to unknown / false / true.
    Feature(u16, u8),
    /// Declaration `i` (mod count) removed.
    Undeclare(u16),
    /// Declaration `i` (mod count) set from a seed.
    Declare(u16, u64),
    /// A not-applicable claim, justified or not.
    NotApplicable(u16, bool),
    /// Lab result `i` (mod count) dropped.
    DropTest(u16),
    /// A lab result: requirement, verdict (0 fail, 1 inconclusive, 2+ pass), functional.
    Test(u16, u8, bool),
}

/// A generated profile: a fixture, edits, and the device identity.
#[derive(Debug, Clone)]
struct Gen {
    fixture: usize,
    edits: Vec<Edit>,
    manufacturer: String,
    model: String,
    hardware: String,
    firmware: String,
    firmware_minimum: bool,
    variants: Vec<String>,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<u16>(), 0u8..3).prop_map(|(i, f)| Edit::Feature(i, f)),
        any::<u16>().prop_map(Edit::Undeclare),
        (any::<u16>(), any::<u64>()).prop_map(|(i, s)| Edit::Declare(i, s)),
        (any::<u16>(), any::<bool>()).prop_map(|(i, j)| Edit::NotApplicable(i, j)),
        any::<u16>().prop_map(Edit::DropTest),
        // Mostly passes: lab results are how profiles climb tiers.
        (any::<u16>(), 0u8..6, any::<bool>()).prop_map(|(i, v, f)| Edit::Test(i, v, f)),
    ]
}

fn gen_strategy() -> impl Strategy<Value = Gen> {
    let n = fixtures().len();
    (
        0..n,
        // Few edits, so many profiles keep (or gain) a tier.
        prop::collection::vec(edit_strategy(), 0..8),
        // Device identity: NFC text within the caps (at most 2 bytes per character).
        "[A-Za-zÄÖÜé0-9][A-Za-zÄÖÜé0-9 .&-]{0,20}",
        "[A-Z0-9][A-Za-z0-9 -]{0,14}",
        "[A-Z0-9][A-Za-z0-9.]{0,7}",
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,2}",
        any::<bool>(),
        prop::collection::vec("[A-Z0-9][A-Za-z0-9-]{0,14}", 0..3),
    )
        .prop_map(
            |(
                fixture,
                edits,
                manufacturer,
                model,
                hardware,
                firmware,
                firmware_minimum,
                variants,
            )| Gen {
                fixture,
                edits,
                manufacturer,
                model,
                hardware,
                firmware,
                firmware_minimum,
                variants,
            },
        )
        // Each field's cap alone still allows identities over the label's device-text budget;
        // those are refused at issue by design (tests/issue_caps.rs), so keep within it here.
        .prop_filter("device identity within the label's budget", |g| {
            let firmware = if g.firmware_minimum {
                Firmware::Minimum(g.firmware.clone())
            } else {
                Firmware::Exact(g.firmware.clone())
            };
            device_text_len(
                [&g.manufacturer, &g.model, &g.hardware, &firmware.display()],
                &g.variants,
            ) <= MAX_DEVICE_TEXT
        })
}

fn build(g: &Gen) -> Profile {
    let s = set();
    let mut p = fixtures()[g.fixture].clone();
    p.device.manufacturer = g.manufacturer.clone();
    p.device.model = g.model.clone();
    p.device.hardware_version = g.hardware.clone();
    p.device.firmware = if g.firmware_minimum {
        Firmware::Minimum(g.firmware.clone())
    } else {
        Firmware::Exact(g.firmware.clone())
    };
    p.device.variants = g.variants.clone();
    let ids = requirement_ids();
    for e in &g.edits {
        match *e {
            Edit::Feature(i, f) => {
                let n = p.features.len();
                p.features[usize::from(i) % n] = match f {
                    0 => None,
                    1 => Some(false),
                    _ => Some(true),
                };
            }
            Edit::Undeclare(i) => {
                let n = p.declared.len();
                p.declared[usize::from(i) % n] = None;
            }
            Edit::Declare(i, seed) => {
                let n = p.declared.len();
                let i = usize::from(i) % n;
                p.declared[i] = Some(Declared {
                    value: value_for(&s.vocab.properties[i].ty, seed),
                    evidence: None,
                });
            }
            Edit::NotApplicable(i, justified) => {
                let id = ids[usize::from(i) % ids.len()].clone();
                p.not_applicable.insert(
                    id,
                    NaClaim {
                        justification: if justified {
                            "not applicable to this device".into()
                        } else {
                            String::new()
                        },
                    },
                );
            }
            Edit::DropTest(i) => {
                if !p.tested.is_empty() {
                    let n = p.tested.len();
                    p.tested.remove(usize::from(i) % n);
                }
            }
            Edit::Test(i, verdict, functional) => p.tested.push(TestResult {
                requirement: ids[usize::from(i) % ids.len()].clone(),
                test_case: None,
                verdict: match verdict {
                    0 => Verdict::Fail,
                    1 => Verdict::Inconclusive,
                    _ => Verdict::Pass,
                },
                method: if functional {
                    Method::Functional
                } else {
                    Method::Conceptual
                },
                lab: "lab-prop-01".into(),
                date: DateValue::parse("2026-06-01").expect("date"),
                evidence_digest: None,
                note: None,
            }),
        }
    }
    p
}

/// How often a tier was reached with an ended support period (see [`issue_for`]).
static SUPPORT_ENDED: AtomicUsize = AtomicUsize::new(0);

fn digest_of(g: &Gen) -> [u8; 32] {
    profile_digest(format!("{g:?}").as_bytes())
}

/// Issues `p` under `scheme` with the key `sc.signer_for` picks for the tier it reaches at
/// `when`; `None` when no tier is reached.
fn issue_for(
    sc: &Scenario,
    scheme: &Scheme,
    p: &Profile,
    digest: [u8; 32],
    when: Timestamp,
    index: u32,
) -> Option<Issued> {
    // A scheme version outside its issuing window (cls-like@1 after 2025-03-31) issues
    // nothing; issue() refuses it (tests/criteria_rules.rs).
    if iotlabel::issue::outside_window(scheme, when).is_some() {
        return None;
    }
    let ev = evaluate(scheme, p, when);
    let ti = ev.tier?;
    let tier = &scheme.tiers[ti];
    let key = sc.signer_for(scheme, tier.rank, tier.assurance);
    let trusted = sc.verified(when).expect("trust list");
    let issued = match issue(&IssueRequest {
        scheme,
        vocab: &set().vocab,
        profile: p,
        profile_digest: digest,
        at: when,
        key,
        trust: &trusted,
        status_index: index,
    }) {
        Ok(issued) => issued,
        // An ended support period does not stop a tier (5.3-13 asks only that the period is
        // published), but no label can start after it: issue() refuses. Only that refusal is
        // tolerated.
        Err((IssueError::SupportEnded { .. }, _))
            if support_end(&set().vocab, p).is_some_and(|end| end <= when.as_second()) =>
        {
            SUPPORT_ENDED.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Err((e, _)) => panic!(
            "{} reaches {} at {when} but issue() refused it: {e}",
            scheme.key(),
            tier.name
        ),
    };
    assert_eq!(issued.claims.label.tier, tier.rank);
    Some(issued)
}

fn verdict_words(r: &VerifyReport) -> String {
    let mut s = r.verdict.words().to_string();
    for f in &r.findings {
        s.push_str(&format!("\n  {}: {}", f.verdict.words(), f.detail));
    }
    for n in &r.notes {
        s.push_str(&format!("\n  note: {n}"));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// 1. issue -> verify round trip.
// ---------------------------------------------------------------------------------------------

#[test]
fn issued_labels_verify_valid_and_show_the_device() {
    const CASES: u32 = 256;
    let cases = AtomicUsize::new(0);
    let with_label = AtomicUsize::new(0);
    let labels = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let sc = scenario();
    let t = t0().as_second();
    let result = runner.run(&(gen_strategy(), 0u32..131_072), |(g, index)| {
        let p = build(&g);
        cases.fetch_add(1, Ordering::Relaxed);
        let mut issued_any = false;
        for scheme in label_schemes() {
            let Some(issued) = issue_for(sc, scheme, &p, digest_of(&g), t0(), index) else {
                continue;
            };
            issued_any = true;
            labels.fetch_add(1, Ordering::Relaxed);
            let ev = evaluate(scheme, &p, t0());
            let tier = &scheme.tiers[ev.tier.unwrap()];
            let r = store().verify(Some(&issued.qr_text), None, at(t + 3600));
            prop_assert_eq!(
                r.verdict,
                v::Verdict::Valid,
                "{}: {}",
                scheme.key(),
                verdict_words(&r)
            );
            let d = r.device.as_ref().expect("device shown");
            prop_assert_eq!(&d.manufacturer, &p.device.manufacturer);
            prop_assert_eq!(&d.model, &p.device.model);
            prop_assert_eq!(&d.hardware_version, &p.device.hardware_version);
            prop_assert_eq!(&d.firmware, &p.device.firmware.display());
            prop_assert_eq!(&d.variants, &p.device.variants);
            let s = r.scheme.as_ref().expect("scheme shown");
            prop_assert_eq!(&s.id, &scheme.id);
            prop_assert_eq!(s.version, scheme.version);
            prop_assert_eq!(s.tier_rank, tier.rank);
            prop_assert_eq!(&s.assurance, tier.assurance.words());
            let i = r.issuer.as_ref().expect("issuer shown");
            let key = sc.signer_for(scheme, tier.rank, tier.assurance);
            prop_assert_eq!(&i.kid, &hex::encode(key.kid()));
            prop_assert_eq!(&i.id, &issued.issuer);
            prop_assert_eq!(r.status, Some(iotlabel::status::LabelStatus::Valid));
            prop_assert!(r.url_checked);
            prop_assert_eq!(
                r.label_id,
                Some(iotlabel::ids::LabelId(issued.claims.label_id))
            );
        }
        if issued_any {
            with_label.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}\n{runner}");
    }
    let (n, k) = (
        cases.load(Ordering::Relaxed),
        with_label.load(Ordering::Relaxed),
    );
    // Not vacuous: most perturbed fixtures still reach some tier.
    assert!(
        n > 0 && k * 100 >= n * 40,
        "only {k} of {n} generated profiles issued a label ({} labels; {} tiers reached with an ended support period)",
        labels.load(Ordering::Relaxed),
        SUPPORT_ENDED.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Determinism.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn issuing_is_deterministic(
        g in gen_strategy(),
        seed in prop::collection::vec(any::<u8>(), 0..16),
        index in 0u32..131_072,
        offset in 0i64..YEAR,
    ) {
        let p = build(&g);
        let when = at(t0().as_second() + offset);
        // Two independent scenarios from the same seed: the same keys and trust list.
        let a = Scenario::new(set(), &seed, t0(), TRUST_DAYS).unwrap();
        let b = Scenario::new(set(), &seed, t0(), TRUST_DAYS).unwrap();
        prop_assert_eq!(&a.trust_bytes, &b.trust_bytes);
        for scheme in label_schemes() {
            let x = issue_for(&a, scheme, &p, digest_of(&g), when, index);
            let y = issue_for(&b, scheme, &p, digest_of(&g), when, index);
            match (x, y) {
                (None, None) => {}
                (Some(x), Some(y)) => {
                    prop_assert_eq!(&x.cose, &y.cose, "{}", scheme.key());
                    prop_assert_eq!(&x.qr_text, &y.qr_text);
                    prop_assert_eq!(&x.report_json, &y.report_json);
                    prop_assert_eq!(x.claims.status_index, index);
                }
                _ => prop_assert!(false, "{}: issued once but not twice", scheme.key()),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Mutations never verify VALID.
// ---------------------------------------------------------------------------------------------

/// Labels issued for every fixture that reaches a tier, by every signer role that occurs.
fn sample_labels() -> &'static [Issued] {
    static L: OnceLock<Vec<Issued>> = OnceLock::new();
    L.get_or_init(|| {
        let sc = scenario();
        let mut out = Vec::new();
        for (i, p) in fixtures().iter().enumerate() {
            for scheme in label_schemes() {
                let digest = profile_digest(format!("fixture {i}").as_bytes());
                if let Some(l) = issue_for(sc, scheme, p, digest, t0(), i as u32) {
                    out.push(l);
                }
            }
        }
        // Every role that signs labels is represented.
        for k in sc.issuers() {
            let kid = hex::encode(k.kid());
            assert!(
                out.iter()
                    .any(|l| sc.entry(k).is_some_and(|e| e.issuer == l.issuer)),
                "no fixture label signed by {kid}"
            );
        }
        // Unmutated, each verifies VALID (the mutation property means something).
        for l in &out {
            let r = store().verify(Some(&l.qr_text), None, at(t0().as_second() + 3600));
            assert_eq!(r.verdict, v::Verdict::Valid, "{}", verdict_words(&r));
        }
        out
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the payload character at this position (mod length) with one from [`REPLACE`].
    Char(usize, usize),
    /// Replace the URL character at this position (mod length) with one from [`REPLACE`].
    Url(usize, usize),
    /// Flip this bit (mod length) of the COSE bytes.
    Bit(usize),
    /// Keep only this many (mod length) COSE bytes.
    Truncate(usize),
    /// Append these bytes.
    Append(Vec<u8>),
}

/// Replacement characters: the base32 alphabet, lower case, and characters outside it.
const REPLACE: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz01890=# :/-.$%*+é\u{0}\u{7f}";

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    let n = REPLACE.chars().count();
    prop_oneof![
        3 => (any::<usize>(), 0..n).prop_map(|(p, c)| Mutation::Char(p, c)),
        1 => (any::<usize>(), 0..n).prop_map(|(p, c)| Mutation::Url(p, c)),
        3 => any::<usize>().prop_map(Mutation::Bit),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => prop::collection::vec(any::<u8>(), 1..=8).prop_map(Mutation::Append),
    ]
}

/// `text` with the character at `pos` replaced by `REPLACE[c]` (never by itself).
fn replace_char(text: &str, pos: usize, c: usize) -> String {
    let replace: Vec<char> = REPLACE.chars().collect();
    let pos = pos % text.len();
    let old = text.as_bytes()[pos] as char;
    let mut new = replace[c];
    if new == old {
        new = replace[(c + 1) % replace.len()];
    }
    format!("{}{new}{}", &text[..pos], &text[pos + 1..])
}

/// The mutated QR text.
fn mutate(l: &Issued, m: &Mutation) -> String {
    let (url, payload) = l.qr_text.split_once('#').unwrap();
    match m {
        Mutation::Char(pos, c) => format!("{url}#{}", replace_char(payload, *pos, *c)),
        Mutation::Url(pos, c) => format!("{}#{payload}", replace_char(url, *pos, *c)),
        Mutation::Bit(bit) => {
            let mut b = l.cose.clone();
            let bit = bit % (b.len() * 8);
            b[bit / 8] ^= 1 << (bit % 8);
            qr_text(url, &b)
        }
        Mutation::Truncate(len) => qr_text(url, &l.cose[..len % l.cose.len()]),
        Mutation::Append(extra) => {
            let mut b = l.cose.clone();
            b.extend_from_slice(extra);
            qr_text(url, &b)
        }
    }
}

/// Where the genuine label's bytes lie: the kid in the protected header, the payload and the
/// signature; every other byte is structure (tag, lengths, header map, algorithm).
struct Layout {
    kid: std::ops::Range<usize>,
    payload: std::ops::Range<usize>,
    signature: std::ops::Range<usize>,
}

fn layout(cose: &[u8]) -> Layout {
    let parsed = iotlabel::label::cose::parse(cose).unwrap();
    let find = |needle: &[u8], from: usize| {
        let at = cose[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
            + from;
        at..at + needle.len()
    };
    let kid = find(&parsed.kid, 0);
    let payload = find(&parsed.payload, kid.end);
    let signature = cose.len() - 64..cose.len();
    assert_eq!(
        payload.end + 2,
        signature.start,
        "bstr(64) header before the signature"
    );
    Layout {
        kid,
        payload,
        signature,
    }
}

/// The verdict a changed COSE_Sign1 must get, from the bytes it changes alone (an oracle that
/// does not ask the verifier): another length or any structure byte is MALFORMED; a changed
/// kid names no trusted key (UNTRUSTED ISSUER); a changed payload or signature fails the
/// signature check (BAD SIGNATURE).
fn expected_for_bytes(genuine: &[u8], mutated: &[u8]) -> v::Verdict {
    if genuine.len() != mutated.len() {
        return v::Verdict::Malformed;
    }
    let l = layout(genuine);
    let changed: Vec<usize> = (0..genuine.len())
        .filter(|i| genuine[*i] != mutated[*i])
        .collect();
    let touches = |r: &std::ops::Range<usize>| changed.iter().any(|i| r.contains(i));
    let structure = changed
        .iter()
        .any(|i| !(l.kid.contains(i) || l.payload.contains(i) || l.signature.contains(i)));
    if structure {
        v::Verdict::Malformed
    } else if touches(&l.kid) {
        v::Verdict::UntrustedIssuer
    } else {
        // Only payload and signature bytes changed, and at least one.
        assert!(!changed.is_empty());
        v::Verdict::BadSignature
    }
}

/// The verdict a mutated QR text must get: text that is not canonical (a character outside
/// the upper-case base32 alphabet or the URL's printable ASCII, a second `#`, non-zero padding
/// bits) is MALFORMED; another URL before an intact payload is WRONG URL; changed bytes as
/// [`expected_for_bytes`] says.
fn expected_for_text(l: &Issued, text: &str) -> v::Verdict {
    let (url, payload) = l.qr_text.split_once('#').unwrap();
    let Some((new_url, new_payload)) = text.split_once('#') else {
        return v::Verdict::Malformed;
    };
    if !new_url.chars().all(|c| c.is_ascii_graphic())
        || new_payload.is_empty()
        || !new_payload
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
    {
        return v::Verdict::Malformed;
    }
    if new_payload == payload {
        assert_ne!(new_url, url);
        return v::Verdict::WrongUrl;
    }
    // Canonical base32 only: a decoder that ignores padding bits must agree with the strict
    // one.
    let relaxed = data_encoding::Specification {
        check_trailing_bits: false,
        ..data_encoding::BASE32_NOPAD.specification()
    }
    .encoding()
    .unwrap();
    match (
        relaxed.decode(new_payload.as_bytes()),
        data_encoding::BASE32_NOPAD.decode(new_payload.as_bytes()),
    ) {
        (Ok(bytes), Ok(_)) => expected_for_bytes(&l.cose, &bytes),
        _ => v::Verdict::Malformed,
    }
}

/// Mutations run, and how many reached the signature check (the verdict is BAD SIGNATURE or
/// later in the precedence: the envelope parsed and the key was found).
static MUTATIONS: AtomicUsize = AtomicUsize::new(0);
static REACHED_SIGNATURE: AtomicUsize = AtomicUsize::new(0);

#[test]
fn mutated_labels_get_the_verdict_their_mutation_calls_for() {
    let mut runner = TestRunner::new(Config {
        cases: 4096,
        failure_persistence: None,
        ..Config::default()
    });
    let when = at(t0().as_second() + 3600);
    let result = runner.run(&(any::<usize>(), mutation_strategy()), |(pick, m)| {
        let labels = sample_labels();
        let l = &labels[pick % labels.len()];
        let text = mutate(l, &m);
        prop_assert_ne!(&text, &l.qr_text);
        let r = store().verify(Some(&text), None, when);
        let want = expected_for_text(l, &text);
        prop_assert_eq!(
            r.verdict,
            want,
            "{:?} of {}: {}",
            m,
            l.qr_text,
            verdict_words(&r)
        );
        MUTATIONS.fetch_add(1, Ordering::Relaxed);
        if r.verdict >= v::Verdict::BadSignature {
            REACHED_SIGNATURE.fetch_add(1, Ordering::Relaxed);
        }
        // The raw bytes path as well, for the byte mutations (no URL there).
        if matches!(
            m,
            Mutation::Bit(_) | Mutation::Truncate(_) | Mutation::Append(_)
        ) {
            let (_, payload) = text.split_once('#').unwrap();
            let bytes = data_encoding::BASE32_NOPAD
                .decode(payload.as_bytes())
                .unwrap();
            let r = store().verify(None, Some(&bytes), when);
            prop_assert_eq!(
                r.verdict,
                expected_for_bytes(&l.cose, &bytes),
                "{:?}: {}",
                m,
                verdict_words(&r)
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}\n{runner}");
    }
    // Not vacuous: a good share of mutations get past the envelope and the key lookup and are
    // stopped by the signature itself (or, for the URL, after it).
    let (n, k) = (
        MUTATIONS.load(Ordering::Relaxed),
        REACHED_SIGNATURE.load(Ordering::Relaxed),
    );
    eprintln!("mutations: {n}, reached the signature check: {k}");
    assert!(
        n >= 4096 && k * 100 >= n * 30,
        "only {k} of {n} mutations reached the signature check"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Valid for the whole validity, EXPIRED after it.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn labels_are_valid_until_they_expire(
        g in gen_strategy(),
        offset in 0i64..YEAR,
        pick in any::<usize>(),
        // 0: the first instant, 1: the last one, else anywhere in between.
        inside in (0u8..4, any::<u64>()),
        // 0: exactly at exp, else anywhere after it.
        after in (0u8..3, any::<u64>()),
    ) {
        let sc = scenario();
        let p = build(&g);
        let when = at(t0().as_second() + offset);
        let issued: Vec<Issued> = label_schemes()
            .filter_map(|s| issue_for(sc, s, &p, digest_of(&g), when, 7))
            .collect();
        prop_assume!(!issued.is_empty());
        let l = &issued[pick % issued.len()];
        let (iat, exp) = (l.claims.issued_at, l.claims.expires);
        prop_assert!(exp > iat);
        // Inside the validity: [iat, exp - 1 day] (or [iat, exp) for a label shorter than a day).
        let last = if exp - DAY >= iat { exp - DAY } else { exp - 1 };
        let span = u64::try_from(last - iat).unwrap() + 1;
        let t_in = match inside {
            (0, _) => iat,
            (1, _) => last,
            (_, r) => iat + i64::try_from(r % span).unwrap(),
        };
        let r = store_at(t_in).verify(Some(&l.qr_text), None, at(t_in));
        prop_assert_eq!(r.verdict, v::Verdict::Valid, "at {} (iat {}, exp {}): {}", at(t_in), at(iat), at(exp), verdict_words(&r));
        // At or after exp (while the trust list is still current): EXPIRED.
        let next_update = sc.trust.next_update;
        prop_assert!(exp < next_update);
        let span = u64::try_from(next_update - exp).unwrap();
        let t_out = match after {
            (0, _) => exp,
            (_, r) => exp + i64::try_from(r % span).unwrap(),
        };
        let r = store_at(t_out).verify(Some(&l.qr_text), None, at(t_out));
        prop_assert_eq!(r.verdict, v::Verdict::Expired, "at {} (exp {}): {}", at(t_out), at(exp), verdict_words(&r));
    }
}
