//! Signed-label test vectors (`fixtures/vectors/*.toml`), run through the real CLI.
//!
//! Each vector holds everything an offline verifier needs (roots, signed trust lists, signed
//! status lists, the verification time) and the label as QR text or COSE bytes, with the
//! verdict and exit code `iotlabel verify` must give. Issued vectors also record the issuing
//! inputs (profile, scheme, signer role, scenario seed, time, status index) and the exact COSE
//! bytes, so any change to the encoding shows up as a failed re-issue here.
//!
//! The files are written by the generator below, from fixed seeds and times (same bytes every
//! run):
//!
//! ```text
//! IOTLABEL_WRITE_VECTORS=1 cargo test --test vectors
//! ```
//!
//! Every [`Verdict`] is covered by at least one vector.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::issue::{IssueRequest, Issued, issue, profile_digest};
use iotlabel::keys::{Signer, SoftwareKey, public_key_pem};
use iotlabel::profile::Profile;
use iotlabel::scenario::Scenario;
use iotlabel::time::parse_at;
use iotlabel::verify::Verdict;
use jiff::Timestamp;
use serde::Deserialize;

/// Where the vectors live, relative to the crate root.
const VECTOR_DIR: &str = "fixtures/vectors";
/// Where the profiles named by issued vectors live.
const PROFILE_DIR: &str = "fixtures/profiles";
/// Days the scenario's trust list is valid for (as in `iotlabel demo`).
const TRUST_DAYS: i64 = 30;

/// One vector file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    description: String,
    expected_verdict: String,
    expected_exit: u8,
    at: String,
    qr_text: Option<String>,
    cose_hex: Option<String>,
    roots: Vec<String>,
    trust_lists_hex: Vec<String>,
    status_lists_hex: Vec<String>,
    // Issued vectors: the inputs that reproduce `expected_cose_hex` byte for byte.
    profile: Option<String>,
    scheme: Option<String>,
    signer: Option<String>,
    key_seed_hex: Option<String>,
    issued_at: Option<String>,
    status_index: Option<u32>,
    expected_cose_hex: Option<String>,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn criteria_set() -> &'static CriteriaSet {
    static SET: OnceLock<CriteriaSet> = OnceLock::new();
    SET.get_or_init(|| criteria::load_bundled().expect("bundled criteria"))
}

fn ts(s: &str) -> Timestamp {
    parse_at(s).unwrap_or_else(|e| panic!("time {s}: {e}"))
}

/// The scenario key of a role name, as recorded in `signer`.
fn scenario_key<'a>(sc: &'a Scenario, role: &str) -> &'a SoftwareKey {
    match role {
        "lab" => &sc.lab,
        "manufacturer" => &sc.manufacturer,
        "issuing-body" => &sc.issuing_body,
        other => panic!("unknown signer role `{other}`"),
    }
}

/// Issues a label through the library exactly as the issuing inputs say.
fn issue_from_inputs(
    seed: &[u8],
    issued_at: Timestamp,
    profile: &str,
    scheme: &str,
    signer: &str,
    status_index: u32,
) -> (Scenario, Issued) {
    let set = criteria_set();
    let sc = Scenario::new(set, seed, issued_at, TRUST_DAYS).expect("scenario");
    let trusted = sc.verified(issued_at).expect("trust list");
    let path = crate_dir().join(PROFILE_DIR).join(profile);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let prof = Profile::load(&path, set).expect("profile");
    let scheme = set
        .scheme(scheme)
        .unwrap_or_else(|| panic!("scheme {scheme}"));
    let issued = issue(&IssueRequest {
        scheme,
        vocab: &set.vocab,
        profile: &prof,
        profile_digest: profile_digest(&bytes),
        at: issued_at,
        key: scenario_key(&sc, signer),
        trust: &trusted,
        status_index,
    })
    .map_err(|(e, _)| e)
    .unwrap_or_else(|e| panic!("issue {profile} / {}: {e}", scheme.key()));
    (sc, issued)
}

/// The serde (JSON) name of a verdict, e.g. `BAD_SIGNATURE`.
fn json_name(v: Verdict) -> String {
    serde_json::to_value(v)
        .expect("verdict serialises")
        .as_str()
        .expect("verdict is a string")
        .to_string()
}

fn verdict_from_words(words: &str) -> Verdict {
    Verdict::ALL
        .into_iter()
        .find(|v| v.words() == words)
        .unwrap_or_else(|| panic!("`{words}` is not the words of any verdict"))
}

fn vector_files() -> Vec<PathBuf> {
    write_vectors_if_asked();
    let dir = crate_dir().join(VECTOR_DIR);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vectors in {}", dir.display());
    files
}

fn load(path: &Path) -> VectorFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn name_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_vector_gives_its_verdict_through_the_cli() {
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for path in vector_files() {
        let name = name_of(&path);
        let v = load(&path);
        let expected = verdict_from_words(&v.expected_verdict);
        assert_eq!(
            expected.exit_code(),
            v.expected_exit,
            "{name}: expected_exit does not match the exit code of {}",
            v.expected_verdict
        );
        assert!(!v.description.is_empty(), "{name}: no description");
        ts(&v.at);

        let dir = tempfile::tempdir().expect("tempdir");
        let mut args: Vec<String> = vec![
            "verify".into(),
            "--format".into(),
            "json".into(),
            "--at".into(),
            v.at.clone(),
        ];
        for (i, pem) in v.roots.iter().enumerate() {
            let p = dir.path().join(format!("root-{i}.pub"));
            std::fs::write(&p, pem).unwrap();
            args.extend(["--root".into(), p.display().to_string()]);
        }
        for (i, h) in v.trust_lists_hex.iter().enumerate() {
            let p = dir.path().join(format!("trust-{i}.cose"));
            std::fs::write(&p, hex::decode(h).expect("trust list hex")).unwrap();
            args.extend(["--trust".into(), p.display().to_string()]);
        }
        for (i, h) in v.status_lists_hex.iter().enumerate() {
            let p = dir.path().join(format!("status-{i}.cose"));
            std::fs::write(&p, hex::decode(h).expect("status list hex")).unwrap();
            args.extend(["--status".into(), p.display().to_string()]);
        }
        match (&v.qr_text, &v.cose_hex) {
            (Some(text), None) => args.push(text.clone()),
            (None, Some(h)) => {
                let p = dir.path().join("label.cose");
                std::fs::write(&p, hex::decode(h).expect("cose hex")).unwrap();
                args.extend(["--file".into(), p.display().to_string()]);
            }
            _ => panic!("{name}: give exactly one of qr_text and cose_hex"),
        }
        let out = Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(&args)
            .output()
            .expect("run iotlabel");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report: serde_json::Value = match serde_json::from_str(&stdout) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!(
                    "{name}: stdout is not JSON ({e}); stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
        };
        let got = report["verdict"].as_str().unwrap_or("<none>").to_string();
        if got != json_name(expected) || out.status.code() != Some(i32::from(v.expected_exit)) {
            failures.push(format!(
                "{name}: expected {} (exit {}), got {got} (exit {:?}); findings: {}",
                json_name(expected),
                v.expected_exit,
                out.status.code(),
                report["findings"]
            ));
            continue;
        }
        covered.insert(expected);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let missing: Vec<&str> = Verdict::ALL
        .into_iter()
        .filter(|v| !covered.contains(v))
        .map(Verdict::words)
        .collect();
    assert!(missing.is_empty(), "verdicts without a vector: {missing:?}");
}

#[test]
fn issued_vectors_reissue_byte_for_byte() {
    let mut reissued = 0;
    for path in vector_files() {
        let name = name_of(&path);
        let v = load(&path);
        let Some(expected_hex) = &v.expected_cose_hex else {
            assert!(
                v.profile.is_none() && v.issued_at.is_none(),
                "{name}: issuing inputs without expected_cose_hex"
            );
            continue;
        };
        let field = |f: &Option<String>, what: &str| {
            f.clone()
                .unwrap_or_else(|| panic!("{name}: expected_cose_hex without {what}"))
        };
        let seed = hex::decode(field(&v.key_seed_hex, "key_seed_hex")).expect("seed hex");
        let (_, issued) = issue_from_inputs(
            &seed,
            ts(&field(&v.issued_at, "issued_at")),
            &field(&v.profile, "profile"),
            &field(&v.scheme, "scheme"),
            &field(&v.signer, "signer"),
            v.status_index
                .unwrap_or_else(|| panic!("{name}: no status_index")),
        );
        assert_eq!(
            hex::encode(&issued.cose),
            *expected_hex,
            "{name}: re-issuing from the recorded inputs gave other bytes"
        );
        // The input is that label (or, for a QR text, that label behind some URL).
        let input = match (&v.qr_text, &v.cose_hex) {
            (Some(t), _) => iotlabel::label::parse_qr_text(t).expect("qr text").cose,
            (None, Some(h)) => hex::decode(h).unwrap(),
            (None, None) => panic!("{name}: no input"),
        };
        assert_eq!(
            hex::encode(input),
            *expected_hex,
            "{name}: the input is not the issued label"
        );
        reissued += 1;
    }
    assert!(reissued >= 2, "only {reissued} issued vectors");
}

// ---------------------------------------------------------------------------------------------
// The generator (IOTLABEL_WRITE_VECTORS=1).
// ---------------------------------------------------------------------------------------------

fn write_vectors_if_asked() {
    static DONE: Mutex<bool> = Mutex::new(false);
    if std::env::var("IOTLABEL_WRITE_VECTORS").as_deref() != Ok("1") {
        return;
    }
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let first = gen_vectors::generate();
    let again = gen_vectors::generate();
    assert!(first == again, "the generator is not deterministic");
    let dir = crate_dir().join(VECTOR_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in &first {
        std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    }
    eprintln!("wrote {} vectors to {}", first.len(), dir.display());
    *done = true;
}

mod gen_vectors {
    use super::*;

    use ciborium::Value;
    use data_encoding::BASE32_NOPAD;
    use iotlabel::ids::LabelId;
    use iotlabel::label::claims::LabelClaims;
    use iotlabel::label::{cose, qr_text, sign_label};
    use iotlabel::scenario::{DEMO_VERIFY_URL, ISSUING_BODY};
    use iotlabel::status::{
        LabelStatus, RevocationStatement, StatusState, open_statement, open_status_list,
    };
    use iotlabel::trust::{TrustList, compromise_key, open_trust_list};
    use iotlabel::verify::{VerifyInput, verify};

    /// The scenario seed of every vector: the ASCII text `iotlabel test vectors`.
    const SEED: &[u8] = b"iotlabel test vectors";
    /// Issue time of every label.
    const T0: &str = "2026-12-01T00:00:00Z";
    /// Status lists are valid this long after they are signed.
    const STATUS_DAYS: i64 = 7;
    const DAY: i64 = 86_400;

    enum Input {
        Qr(String),
        Cose(Vec<u8>),
    }

    struct IssueInfo {
        profile: &'static str,
        scheme: &'static str,
        signer: &'static str,
        index: u32,
        cose: Vec<u8>,
    }

    struct Vector {
        name: &'static str,
        description: String,
        expected: Verdict,
        at: i64,
        input: Input,
        roots: Vec<[u8; 32]>,
        trust: Vec<Vec<u8>>,
        status: Vec<Vec<u8>>,
        issued: Option<IssueInfo>,
    }

    /// One issued label and what it came from.
    struct Label {
        issued: Issued,
        profile: &'static str,
        scheme: &'static str,
        signer: &'static str,
        index: u32,
    }

    impl Label {
        fn info(&self) -> IssueInfo {
            IssueInfo {
                profile: self.profile,
                scheme: self.scheme,
                signer: self.signer,
                index: self.index,
                cose: self.issued.cose.clone(),
            }
        }
        fn claims(&self) -> LabelClaims {
            self.issued.claims.clone()
        }
    }

    struct Ctx {
        sc: Scenario,
        t0: i64,
    }

    impl Ctx {
        fn label(
            &self,
            profile: &'static str,
            scheme: &'static str,
            signer: &'static str,
            index: u32,
        ) -> Label {
            let (_, issued) = issue_from_inputs(SEED, ts(T0), profile, scheme, signer, index);
            Label {
                issued,
                profile,
                scheme,
                signer,
                index,
            }
        }

        /// A status list for every issuer key of the scenario, signed by the status key at
        /// `issued_at`; `states` replaces the (all-valid) state of some keys.
        fn status_lists(&self, issued_at: i64, states: &[StatusState]) -> Vec<Vec<u8>> {
            self.sc
                .issuers()
                .into_iter()
                .map(|k| {
                    let kid = hex::encode(k.kid());
                    let state = states
                        .iter()
                        .find(|s| s.issuer_kid == kid)
                        .cloned()
                        .unwrap_or_else(|| StatusState::new(&k.kid()));
                    state
                        .to_list(issued_at, issued_at + STATUS_DAYS * DAY)
                        .unwrap()
                        .sign(&self.sc.status)
                        .unwrap()
                })
                .collect()
        }

        fn normal_status(&self) -> Vec<Vec<u8>> {
            self.status_lists(self.t0, &[])
        }

        /// The state of `label`'s key after one signed statement, opened and applied as the
        /// issuer's tooling does.
        fn state_after(
            &self,
            label: &Label,
            by: &dyn Signer,
            status: LabelStatus,
            successor: Option<LabelId>,
        ) -> StatusState {
            let kid = cose::parse(&label.issued.cose).unwrap().kid;
            let stmt = RevocationStatement {
                format: "iotlabel-revocation/1".into(),
                label: label.issued.claims.label_id.into(),
                issuer_kid: kid.into(),
                index: label.index,
                status,
                reason: format!("test vector: {}", status.name()),
                at: self.t0 + 3600,
                sequence: 1,
                successor,
            };
            let bytes = stmt.sign(by).unwrap();
            let trusted = open_trust_list(&self.sc.trust_bytes, &self.sc.roots(), self.t0).unwrap();
            let opened =
                open_statement(&bytes, std::slice::from_ref(&trusted), &self.sc.roots()).unwrap();
            let mut st = StatusState::new(&kid);
            st.apply(&opened).unwrap();
            st
        }

        fn resign(&self, list: &TrustList) -> Vec<u8> {
            list.sign(&self.sc.root).unwrap()
        }

        fn base(
            &self,
            name: &'static str,
            description: &str,
            expected: Verdict,
            input: Input,
        ) -> Vector {
            Vector {
                name,
                description: description.to_string(),
                expected,
                at: self.t0 + DAY,
                input,
                roots: self.sc.roots(),
                trust: vec![self.sc.trust_bytes.clone()],
                status: self.normal_status(),
                issued: None,
            }
        }
    }

    fn qr(cose_bytes: &[u8]) -> String {
        qr_text(DEMO_VERIFY_URL, cose_bytes)
    }

    /// The COSE_Sign1 as a CBOR value: `18([protected, unprotected, payload, signature])`.
    fn cose_value(bytes: &[u8]) -> Value {
        ciborium::de::from_reader(bytes).unwrap()
    }

    fn cose_items(v: &mut Value) -> &mut Vec<Value> {
        match v {
            Value::Tag(18, inner) => match inner.as_mut() {
                Value::Array(items) => items,
                _ => panic!("not an array"),
            },
            _ => panic!("not tag 18"),
        }
    }

    fn to_bytes(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(v, &mut out).unwrap();
        out
    }

    /// Sets the lowest (always padding) bit of the last base32 character.
    fn set_trailing_bit(text: &str, cose_len: usize) -> String {
        assert!(
            !cose_len.is_multiple_of(5),
            "{cose_len} bytes: base32 has no trailing bits"
        );
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut bytes = text.as_bytes().to_vec();
        let last = bytes.len() - 1;
        let v = ALPHABET.iter().position(|c| *c == bytes[last]).unwrap();
        bytes[last] = ALPHABET[v | 1];
        String::from_utf8(bytes).unwrap()
    }

    fn all(ctx: &Ctx) -> Vec<Vector> {
        let sc = &ctx.sc;
        let t0 = ctx.t0;
        let mut out = Vec::new();

        // Issued labels (straight from issue()).
        let lab = ctx.label("thermostat-level3.toml", "cls-like@2", "lab", 0);
        // cls-like@1 stopped issuing after 2025-03-31: manufacturer labels are JC-STAR-like ★1.
        let maker = ctx.label("camera-jc-star.toml", "jc-star-like@1", "manufacturer", 0);
        let body = ctx.label("lock-lab-tested.toml", "cls-like@2", "issuing-body", 0);
        let to_revoke = ctx.label("router-lab-reviewed-l1.toml", "cls-like@2", "lab", 1);
        let to_supersede = ctx.label("sensor-inconclusive.toml", "cls-like@2", "lab", 2);
        let to_suspend = ctx.label(
            "speaker-psti-jcstar.toml",
            "jc-star-like@1",
            "manufacturer",
            1,
        );

        let issued =
            |ctx: &Ctx, name: &'static str, description: &str, expected: Verdict, l: &Label| {
                let mut v = ctx.base(
                    name,
                    description,
                    expected,
                    Input::Qr(l.issued.qr_text.clone()),
                );
                v.issued = Some(l.info());
                v
            };

        // --- Valid.
        out.push(issued(
            ctx,
            "valid-lab",
            "A lab-signed label (cls-like@2, Level 3, lab-tested; the lab is accredited up to tier 3), verified the day after issue with the scheme owner's root, trust list and status lists.",
            Verdict::Valid,
            &lab,
        ));
        out.push(issued(
            ctx,
            "valid-manufacturer",
            "A manufacturer-signed, self-declared label (jc-star-like@1, ★1); its expiry is capped at 2 years.",
            Verdict::Valid,
            &maker,
        ));
        out.push(issued(
            ctx,
            "valid-issuing-body",
            "An issuing-body label for a tier above the lab's accreditation (cls-like@2, Level 4).",
            Verdict::Valid,
            &body,
        ));
        let mut v = issued(
            ctx,
            "valid-cose-file",
            "The valid lab label given as raw COSE_Sign1 bytes (`verify --file label.cose`): valid, but the verify URL is not checked.",
            Verdict::Valid,
            &lab,
        );
        v.input = Input::Cose(lab.issued.cose.clone());
        out.push(v);

        // --- Trust list problems.
        let mut v = issued(
            ctx,
            "trust-list-expired",
            "The valid lab label, verified 31 days after issue: the only trust list (valid 30 days) is past its next-update and vouches for nothing.",
            Verdict::TrustListInvalidOrExpired,
            &lab,
        );
        v.at = t0 + 31 * DAY;
        v.status = ctx.status_lists(t0 + 30 * DAY, &[]);
        out.push(v);

        let mut v = issued(
            ctx,
            "trust-list-wrong-root",
            "The valid lab label with its trust list, but the verifier's root is another key: the trust list does not verify and vouches for nothing.",
            Verdict::TrustListInvalidOrExpired,
            &lab,
        );
        v.roots = vec![SoftwareKey::from_seed(&[0x52; 32]).public_key()];
        out.push(v);

        // --- Keys and issuers.
        let rogue = SoftwareKey::from_seed(&[0x66; 32]);
        let mut c = lab.claims();
        c.label_id = relabel(&rogue, c.status_index);
        let cose_bytes = sign_label(&c, &rogue).unwrap();
        out.push(ctx.base(
            "unknown-kid",
            "The lab label's claims signed by a key that no trust list names (unknown kid).",
            Verdict::UntrustedIssuer,
            Input::Qr(qr(&cose_bytes)),
        ));

        // A label still carrying CWT `iss` (key 1), in deterministic CBOR, signed by the lab's
        // key: labels carry no issuer (the kid names the signer), so the claim is unknown.
        let plain = lab.claims().encode().unwrap();
        assert_eq!(plain[0], 0xa4, "the claims map has 4 entries");
        let mut with_iss = vec![0xa5, 0x01, 0x68];
        with_iss.extend_from_slice(ISSUING_BODY.as_bytes());
        assert_eq!(ISSUING_BODY.len(), 8);
        with_iss.extend_from_slice(&plain[1..]);
        let cose_bytes = cose::sign(&with_iss, &sc.lab).unwrap();
        out.push(ctx.base(
            "iss-claim-present",
            "The lab's label claims plus a CWT iss claim (key 1, EXAGENCY), signed by the lab's key: labels carry no issuer claim (the kid names the signer, the trust list names its issuer), so an iss claim is an unknown claim: MALFORMED.",
            Verdict::Malformed,
            Input::Qr(qr(&cose_bytes)),
        ));

        // Role: manufacturer signing a lab-tested tier.
        let lab_tested = ctx.label("thermostat-level3.toml", "cls-like@2", "lab", 3);
        let mut c = lab_tested.claims();
        c.label_id = relabel(&sc.manufacturer, c.status_index);
        let cose_bytes = sign_label(&c, &sc.manufacturer).unwrap();
        out.push(ctx.base(
            "role-manufacturer-lab-tested",
            "A cls-like@2 Level 3 (lab-tested) label signed by the manufacturer's key, built with the envelope API (issue() refuses it): a manufacturer signs self-declared tiers only.",
            Verdict::RoleNotAllowed,
            Input::Qr(qr(&cose_bytes)),
        ));

        // Role: lab above its max tier.
        let mut c = body.claims();
        c.status_index = 4;
        c.label_id = relabel(&sc.lab, 4);
        let cose_bytes = sign_label(&c, &sc.lab).unwrap();
        out.push(ctx.base(
            "role-lab-above-max-tier",
            "A cls-like@2 Level 4 label signed by the lab's key, built with the envelope API (issue() refuses it): the lab is accredited up to tier 3.",
            Verdict::RoleNotAllowed,
            Input::Qr(qr(&cose_bytes)),
        ));

        // Compromised key.
        let mut list = sc.trust.clone();
        list.sequence = 2;
        compromise_key(&mut list, &hex::encode(sc.lab.kid()), t0 + DAY / 2, vec![]).unwrap();
        let mut v = issued(
            ctx,
            "key-compromised",
            "The valid lab label (iat 2026-12-01) with a trust list edition that marks the lab key compromised since 2026-12-01T12:00Z: every label of that key is invalid whatever its iat.",
            Verdict::KeyCompromised,
            &lab,
        );
        v.trust = vec![ctx.resign(&list)];
        out.push(v);

        let mut list = sc.trust.clone();
        list.sequence = 2;
        compromise_key(
            &mut list,
            &hex::encode(sc.lab.kid()),
            t0 + DAY / 2,
            vec![hex::encode(lab.issued.claims.label_id)],
        )
        .unwrap();
        let mut v = issued(
            ctx,
            "key-compromised-allow-listed",
            "The lab key is compromised, but the trust list's allow-list names this label's id: the owner still vouches for it.",
            Verdict::Valid,
            &lab,
        );
        v.trust = vec![ctx.resign(&list)];
        out.push(v);

        // --- Signature.
        let mut bytes = lab.issued.cose.clone();
        let sig_start = bytes.len() - 64;
        bytes[sig_start] ^= 0x01;
        out.push(ctx.base(
            "bad-signature",
            "The valid lab label with one bit of the signature (first byte of R) flipped.",
            Verdict::BadSignature,
            Input::Qr(qr(&bytes)),
        ));

        let mut c = lab.claims();
        c.label.tier = 2;
        let mut v = cose_value(&lab.issued.cose);
        cose_items(&mut v)[2] = Value::Bytes(c.encode().unwrap());
        out.push(ctx.base(
            "tampered-tier",
            "The valid lab label with the tier in the claims changed from 3 to 2 and the claims re-encoded, keeping the original signature.",
            Verdict::BadSignature,
            Input::Qr(qr(&to_bytes(&v))),
        ));

        // --- Scheme and URL.
        let mut list = sc.trust.clone();
        list.sequence = 2;
        let scheme_entry = list
            .schemes
            .iter_mut()
            .find(|s| s.id == "cls-like")
            .unwrap();
        for a in scheme_entry.accepted.iter_mut().filter(|a| a.version == 2) {
            a.digest = "00112233445566778899aabbccddeeff".to_string();
        }
        let mut v = issued(
            ctx,
            "wrong-scheme",
            "The valid lab label with a trust list edition that accepts cls-like@2 only with another criteria digest.",
            Verdict::WrongScheme,
            &lab,
        );
        v.trust = vec![ctx.resign(&list)];
        out.push(v);

        let mut v = issued(
            ctx,
            "wrong-url",
            "The genuine manufacturer label behind another host (HTTPS://LBL.EXAMPLE.COM/V instead of the scheme's verify URL).",
            Verdict::WrongUrl,
            &maker,
        );
        v.input = Input::Qr(qr_text("HTTPS://LBL.EXAMPLE.COM/V", &maker.issued.cose));
        out.push(v);

        // --- Time.
        let mut list = sc.trust.clone();
        list.sequence = 2;
        let exp = maker.issued.claims.expires;
        list.issued_at = exp - 5 * DAY;
        list.next_update = exp + 25 * DAY;
        // The new edition extends the status key's window: a status key signs no list outside
        // it, and this vector is about the label's expiry only.
        for k in list
            .keys
            .iter_mut()
            .filter(|k| k.role == iotlabel::trust::Role::Status)
        {
            k.sign_until = exp + 30 * DAY;
            k.valid_until = k.valid_until.max(exp + 60 * DAY);
        }
        let mut v = issued(
            ctx,
            "expired",
            "The manufacturer label the day after its expiry (2 years after issue, the scheme's validity), with a current trust list edition and a fresh status list.",
            Verdict::Expired,
            &maker,
        );
        v.at = exp + DAY;
        v.trust = vec![ctx.resign(&list)];
        v.status = ctx.status_lists(exp, &[]);
        out.push(v);

        // --- Status.
        let st = ctx.state_after(&to_revoke, &sc.lab, LabelStatus::Revoked, None);
        let mut v = issued(
            ctx,
            "revoked",
            "A lab label (status index 1) revoked by a statement signed by the lab's key; the status list was re-signed after applying it.",
            Verdict::Revoked,
            &to_revoke,
        );
        v.status = ctx.status_lists(t0, &[st]);
        out.push(v);

        let st = ctx.state_after(
            &to_supersede,
            &sc.lab,
            LabelStatus::Superseded,
            Some(lab.issued.claims.label_id.into()),
        );
        let mut v = issued(
            ctx,
            "superseded",
            "A lab label (status index 2) superseded by another label: superseded is final and verifies as REVOKED (the JSON status says superseded).",
            Verdict::Revoked,
            &to_supersede,
        );
        v.status = ctx.status_lists(t0, &[st]);
        out.push(v);

        let st = ctx.state_after(&to_suspend, &sc.root, LabelStatus::Suspended, None);
        let mut v = issued(
            ctx,
            "suspended",
            "A manufacturer label (status index 1) suspended by the scheme owner (statement signed by the root).",
            Verdict::Suspended,
            &to_suspend,
        );
        v.status = ctx.status_lists(t0, &[st]);
        out.push(v);

        let mut v = issued(
            ctx,
            "status-unknown",
            "The valid lab label with no status list at all: never VALID.",
            Verdict::StatusUnknown,
            &lab,
        );
        v.status = vec![];
        out.push(v);

        let mut v = issued(
            ctx,
            "status-stale",
            "The valid lab label 10 days after issue: the trust list is current but the status lists (valid 7 days) are past their next update.",
            Verdict::StatusStale,
            &lab,
        );
        v.at = t0 + 10 * DAY;
        out.push(v);

        // --- Label ids: derived from the signing key and the status index.
        let mut c = maker.claims();
        c.label_id = lab.issued.claims.label_id;
        let cose_bytes = cose::sign(&c.encode().unwrap(), &sc.manufacturer).unwrap();
        out.push(ctx.base(
            "label-id-of-another-key",
            "The manufacturer's genuine self-declared label re-signed by the manufacturer's (trusted) key, but carrying the label id of the lab's label: a label id is derived from the signing key's kid and the status index, so no key can use another key's ids (this label would otherwise take the lab label's place in a registry).",
            Verdict::Malformed,
            Input::Qr(qr(&cose_bytes)),
        ));

        let mut c = to_revoke.claims();
        c.status_index = 5;
        let cose_bytes = cose::sign(&c.encode().unwrap(), &sc.lab).unwrap();
        let st = ctx.state_after(&to_revoke, &sc.lab, LabelStatus::Revoked, None);
        let mut v = ctx.base(
            "label-id-reused-fresh-index",
            "The revoked lab label (status index 1, revoked in the status list given) re-signed by the lab's key under a fresh status index 5, keeping its label id: the id of index 5 is another, so the label is not a label (it would otherwise dodge its revocation).",
            Verdict::Malformed,
            Input::Qr(qr(&cose_bytes)),
        );
        v.status = ctx.status_lists(t0, &[st]);
        out.push(v);

        // --- Display spoofing: signed text people are shown.
        let payload = raw_claims(&maker.claims(), |pairs| {
            set_key(
                label_map(pairs),
                5,
                Value::Text("QV Cam\u{202E}DILAV".into()),
            );
        });
        let cose_bytes = cose::sign(&payload, &sc.manufacturer).unwrap();
        out.push(ctx.base(
            "model-bidi-override",
            "The manufacturer's label re-signed by its own trusted key with the model `QV Cam` + U+202E (right-to-left override) + `DILAV`, which renders as `QV CamVALID`: signed text may hold letters, marks, numbers, punctuation, symbols and the spaces U+0020/U+3000 only.",
            Verdict::Malformed,
            Input::Qr(qr(&cose_bytes)),
        ));

        let payload = raw_claims(&maker.claims(), |pairs| {
            let m = label_map(pairs);
            let at = m
                .iter()
                .position(|(k, _)| *k == Value::Integer(16.into()))
                .unwrap();
            m.insert(
                at,
                (
                    Value::Integer(15.into()),
                    Value::Array(vec![Value::Text("QV Cam\u{2028}VALID".into())]),
                ),
            );
        });
        let cose_bytes = cose::sign(&payload, &sc.manufacturer).unwrap();
        out.push(ctx.base(
            "variant-line-separator",
            "The manufacturer's label re-signed by its own trusted key with one variant `QV Cam` + U+2028 (line separator) + `VALID`, which shows as a line of its own: line and paragraph separators are never signed text.",
            Verdict::Malformed,
            Input::Qr(qr(&cose_bytes)),
        ));

        // --- Time sanity: exp after iat, whatever the clock skew allows.
        let iat = t0 + DAY + 100;
        let payload = raw_claims(&maker.claims(), |pairs| {
            set_key(pairs, 4, Value::Integer(iat.into()));
            set_key(pairs, 6, Value::Integer(iat.into()));
        });
        let cose_bytes = cose::sign(&payload, &sc.manufacturer).unwrap();
        out.push(ctx.base(
            "expiry-not-after-issue",
            "The manufacturer's label re-signed by its own trusted key with exp equal to iat, both 100 s after the verification time (inside the 300 s clock-skew window, so it is neither expired nor issued in the future): a label whose expiry is not after its issue time is malformed.",
            Verdict::Malformed,
            Input::Qr(qr(&cose_bytes)),
        ));

        // --- The QR text is taken as given: nothing around it is ignored.
        for (name, description, text) in [
            (
                "qr-text-leading-nbsp",
                "The valid lab label's QR text preceded by U+00A0 (no-break space): a scanner hands over exact text, so anything around the canonical text is malformed.",
                format!("\u{a0}{}", lab.issued.qr_text),
            ),
            (
                "qr-text-trailing-newline",
                "The valid lab label's QR text followed by a newline (given as the text argument, which is never trimmed; only `verify --file` drops one trailing newline).",
                format!("{}\n", lab.issued.qr_text),
            ),
            (
                "qr-text-trailing-ideographic-space",
                "The valid lab label's QR text followed by U+3000 (ideographic space).",
                format!("{}\u{3000}", lab.issued.qr_text),
            ),
        ] {
            out.push(ctx.base(name, description, Verdict::Malformed, Input::Qr(text)));
        }

        // --- Malformed envelopes and QR texts.
        let mut tagged = vec![0xd8, 0x3d];
        tagged.extend_from_slice(&lab.issued.cose);
        out.push(ctx.base(
            "tag61-wrapper",
            "The valid lab label wrapped in CBOR tag 61 (CWT): only the bare tag-18 COSE_Sign1 is accepted.",
            Verdict::Malformed,
            Input::Qr(qr(&tagged)),
        ));

        let mut v = cose_value(&lab.issued.cose);
        cose_items(&mut v)[1] = Value::Map(vec![(
            Value::Integer(4.into()),
            Value::Bytes(sc.lab.kid().to_vec()),
        )]);
        out.push(ctx.base(
            "unprotected-header",
            "The valid lab label with its kid repeated in the unprotected header ({4: kid}): the unprotected header must be empty.",
            Verdict::Malformed,
            Input::Qr(qr(&to_bytes(&v))),
        ));

        let mut bytes = lab.issued.cose.clone();
        bytes.push(0x00);
        out.push(ctx.base(
            "trailing-bytes",
            "The valid lab label followed by one more byte (0x00).",
            Verdict::Malformed,
            Input::Qr(qr(&bytes)),
        ));

        let bytes = &lab.issued.cose[..lab.issued.cose.len() - 10];
        out.push(ctx.base(
            "truncated",
            "The valid lab label without its last 10 bytes.",
            Verdict::Malformed,
            Input::Qr(qr(bytes)),
        ));

        let mut claims_value: Value =
            ciborium::de::from_reader(lab.claims().encode().unwrap().as_slice()).unwrap();
        if let Value::Map(m) = &mut claims_value {
            m.push((
                Value::Integer((-65539).into()),
                Value::Bytes(vec![0x55; 900]),
            ));
        }
        let big = cose::sign_limited(&to_bytes(&claims_value), &sc.lab, 4096).unwrap();
        assert!(big.len() > cose::MAX_COSE);
        out.push(ctx.base(
            "oversized",
            &format!(
                "A COSE_Sign1 of {} bytes, properly signed by the lab key, given as a .cose file: input above 1024 bytes is rejected before decoding.",
                big.len()
            ),
            Verdict::Malformed,
            Input::Cose(big.clone()),
        ));
        out.push(ctx.base(
            "oversized-qr",
            &format!(
                "The same {}-byte COSE_Sign1 as QR text: the base32 payload decodes to more than 1024 bytes.",
                big.len()
            ),
            Verdict::Malformed,
            Input::Qr(qr(&big)),
        ));

        let text = &lab.issued.qr_text;
        let (url, payload) = text.split_once('#').unwrap();
        out.push(ctx.base(
            "lowercase-base32",
            "The valid lab label's QR text with the base32 payload in lower case.",
            Verdict::Malformed,
            Input::Qr(format!("{url}#{}", payload.to_ascii_lowercase())),
        ));

        // A label whose length leaves padding bits in the last base32 character (a multiple
        // of 5 bytes leaves none): the first such of the issued labels.
        let padded = [&lab, &body, &to_revoke, &to_supersede, &maker]
            .into_iter()
            .find(|l| !l.issued.cose.len().is_multiple_of(5))
            .expect("a label with base32 padding bits");
        out.push(ctx.base(
            "nonzero-trailing-bits",
            "A valid label's QR text with a padding bit of the last base32 character set (decodes to the same bytes, but is not the canonical encoding).",
            Verdict::Malformed,
            Input::Qr(set_trailing_bit(&padded.issued.qr_text, padded.issued.cose.len())),
        ));
        // Sanity: the altered text really is a non-canonical spelling of the same bytes.
        let relaxed = data_encoding::Specification {
            check_trailing_bits: false,
            ..BASE32_NOPAD.specification()
        }
        .encoding()
        .unwrap();
        let altered = set_trailing_bit(&padded.issued.qr_text, padded.issued.cose.len());
        assert_eq!(
            relaxed
                .decode(altered.split_once('#').unwrap().1.as_bytes())
                .unwrap(),
            padded.issued.cose
        );

        out.extend(key_state_vectors(ctx, &lab));
        out
    }

    /// Key states and times at verify time (issue 12): a retired key signing after its
    /// retirement, a key past its validity, an issue time in the future, a status index
    /// outside the list; and the retired key's earlier label, still valid.
    fn key_state_vectors(ctx: &Ctx, lab: &Label) -> Vec<Vector> {
        let sc = &ctx.sc;
        let t0 = ctx.t0;
        let lab_kid = hex::encode(sc.lab.kid());
        let mut out = Vec::new();

        // The lab key retired half a day after the label was issued.
        let mut retired = sc.trust.clone();
        retired.sequence = 2;
        iotlabel::trust::retire_key(&mut retired, &lab_kid, t0 + DAY / 2).unwrap();
        let mut v = ctx.base(
            "retired-key-label-before-retirement",
            "The lab label (iat 2026-12-01T00:00Z) with a trust list edition that retires the lab key at 2026-12-01T12:00Z: a retired key signs nothing new, but what it signed before stays valid to its expiry.",
            Verdict::Valid,
            Input::Qr(lab.issued.qr_text.clone()),
        );
        v.issued = Some(lab.info());
        v.trust = vec![ctx.resign(&retired)];
        out.push(v);

        let mut c = lab.claims();
        c.issued_at = t0 + DAY - 3600;
        let cose_bytes = sign_label(&c, &sc.lab).unwrap();
        let mut v = ctx.base(
            "retired-key-signs-after-retirement",
            "The lab label re-signed by the lab key with iat 2026-12-01T23:00Z, after the trust list retired that key at 2026-12-01T12:00Z (its sign_until): a retired key may not sign, so the label's role is not allowed.",
            Verdict::RoleNotAllowed,
            Input::Qr(qr(&cose_bytes)),
        );
        v.trust = vec![ctx.resign(&retired)];
        out.push(v);

        // The lab key's validity ended before the verification time.
        let mut ended = sc.trust.clone();
        ended.sequence = 2;
        let entry = ended.keys.iter_mut().find(|k| k.kid == lab_kid).unwrap();
        entry.valid_until = t0 + DAY / 2;
        entry.sign_until = entry.sign_until.min(entry.valid_until);
        let mut v = ctx.base(
            "key-past-validity",
            "The lab label (its own exp years away) verified the day after issue with a trust list edition in which the lab key's validity (valid_until) ended at 2026-12-01T12:00Z: its signatures no longer count, the label is expired.",
            Verdict::Expired,
            Input::Qr(lab.issued.qr_text.clone()),
        );
        v.issued = Some(lab.info());
        v.trust = vec![ctx.resign(&ended)];
        out.push(v);

        // Issued in the future: beyond the 300 s clock-skew allowance.
        let mut c = lab.claims();
        c.issued_at = t0 + 2 * DAY;
        let cose_bytes = sign_label(&c, &sc.lab).unwrap();
        out.push(ctx.base(
            "issued-in-future",
            "The lab label re-signed by the lab key with iat 2026-12-03T00:00Z, verified at 2026-12-02T00:00Z: an issue time after the verification time (beyond the 300 s clock skew) is malformed.",
            Verdict::Malformed,
            Input::Qr(qr(&cose_bytes)),
        ));

        // A status index past the end of the key's status list, with the label id of that
        // index (so the id check passes and the status list is what decides).
        let mut c = lab.claims();
        c.status_index = u32::try_from(iotlabel::status::STATUS_ENTRIES).unwrap();
        c.label_id = relabel(&sc.lab, c.status_index);
        let cose_bytes = sign_label(&c, &sc.lab).unwrap();
        out.push(ctx.base(
            "status-index-outside-list",
            "The lab label re-signed by the lab key with status index 131072, one past the end of its status list (131072 entries), and the label id of that index: the status list has no entry for it, so its status is unknown (never VALID).",
            Verdict::StatusUnknown,
            Input::Qr(qr(&cose_bytes)),
        ));
        out
    }

    /// The label id of `key` at `index` (as `issue()` derives it).
    fn relabel(key: &SoftwareKey, index: u32) -> [u8; 8] {
        iotlabel::label::label_id(&key.kid(), index)
    }

    /// `claims` encoded without the encoder's checks (text, exp after iat), as a forger would:
    /// the valid claims are encoded, then `edit` changes the CBOR value.
    fn raw_claims(claims: &LabelClaims, edit: impl FnOnce(&mut Vec<(Value, Value)>)) -> Vec<u8> {
        let mut v: Value = ciborium::de::from_reader(claims.encode().unwrap().as_slice()).unwrap();
        let Value::Map(pairs) = &mut v else {
            panic!("claims are a map")
        };
        edit(pairs);
        to_bytes(&v)
    }

    /// The label map (-65537) of raw claims.
    fn label_map(pairs: &mut [(Value, Value)]) -> &mut Vec<(Value, Value)> {
        match pairs
            .iter_mut()
            .find(|(k, _)| *k == Value::Integer((-65537).into()))
        {
            Some((_, Value::Map(m))) => m,
            _ => panic!("no label map"),
        }
    }

    /// Sets the value of integer key `key` in a map.
    fn set_key(map: &mut [(Value, Value)], key: i64, value: Value) {
        let slot = map
            .iter_mut()
            .find(|(k, _)| *k == Value::Integer(key.into()))
            .unwrap_or_else(|| panic!("no key {key}"));
        slot.1 = value;
    }

    fn toml_str(s: &str) -> String {
        // A JSON string is a valid TOML basic string.
        serde_json::to_string(s).unwrap()
    }

    fn toml_array(items: &[String]) -> String {
        if items.is_empty() {
            return "[]".to_string();
        }
        let mut s = "[\n".to_string();
        for i in items {
            s.push_str("    ");
            s.push_str(&toml_str(i));
            s.push_str(",\n");
        }
        s.push(']');
        s
    }

    fn render(v: &Vector) -> String {
        let mut s = String::new();
        let mut line = |k: &str, val: String| {
            s.push_str(k);
            s.push_str(" = ");
            s.push_str(&val);
            s.push('\n');
        };
        line("description", toml_str(&v.description));
        line("expected_verdict", toml_str(v.expected.words()));
        line("expected_exit", v.expected.exit_code().to_string());
        line("at", toml_str(&iotlabel::time::format_unix(v.at)));
        match &v.input {
            Input::Qr(t) => line("qr_text", toml_str(t)),
            Input::Cose(b) => line("cose_hex", toml_str(&hex::encode(b))),
        }
        let roots: Vec<String> = v.roots.iter().map(|r| public_key_pem(r).unwrap()).collect();
        line("roots", toml_array(&roots));
        let hexes = |l: &[Vec<u8>]| l.iter().map(hex::encode).collect::<Vec<_>>();
        line("trust_lists_hex", toml_array(&hexes(&v.trust)));
        line("status_lists_hex", toml_array(&hexes(&v.status)));
        if let Some(i) = &v.issued {
            s.push_str("\n# Issuing inputs: Scenario::new(bundled criteria, key_seed_hex, issued_at, 30 days), then\n# issue() with the scenario key of `signer`; the result must be expected_cose_hex.\n");
            let mut line = |k: &str, val: String| {
                s.push_str(k);
                s.push_str(" = ");
                s.push_str(&val);
                s.push('\n');
            };
            line("profile", toml_str(i.profile));
            line("scheme", toml_str(i.scheme));
            line("signer", toml_str(i.signer));
            line("key_seed_hex", toml_str(&hex::encode(SEED)));
            line("issued_at", toml_str(T0));
            line("status_index", i.index.to_string());
            line("expected_cose_hex", toml_str(&hex::encode(&i.cose)));
        }
        s
    }

    /// Checks a vector with the library before it is written: a wrong expectation fails here.
    fn check(v: &Vector) {
        let (text, cose_bytes) = match &v.input {
            Input::Qr(t) => (Some(t.as_str()), None),
            Input::Cose(b) => (None, Some(b.as_slice())),
        };
        let r = verify(&VerifyInput {
            text,
            cose: cose_bytes,
            roots: &v.roots,
            trust_lists: &v.trust,
            status_lists: &v.status,
            at: Timestamp::from_second(v.at).unwrap(),
        });
        assert_eq!(
            r.verdict, v.expected,
            "vector {}: library verdict differs; findings {:?}, notes {:?}",
            v.name, r.findings, r.notes
        );
        // Status lists given are all usable (none silently ignored), unless the trust list is
        // the point.
        if v.expected != Verdict::TrustListInvalidOrExpired && r.verdict != Verdict::Malformed {
            assert!(
                !r.notes.iter().any(|n| n.contains("ignored")),
                "vector {}: {:?}",
                v.name,
                r.notes
            );
        }
    }

    /// Every vector, as (file stem, TOML text), sorted by name.
    pub(super) fn generate() -> Vec<(String, String)> {
        let t0 = ts(T0);
        let sc = Scenario::new(criteria_set(), SEED, t0, TRUST_DAYS).expect("scenario");
        let ctx = Ctx {
            sc,
            t0: t0.as_second(),
        };
        // The status key's lists open under the scenario's trust list.
        let trusted = open_trust_list(&ctx.sc.trust_bytes, &ctx.sc.roots(), ctx.t0).unwrap();
        for l in ctx.normal_status() {
            open_status_list(&l, std::slice::from_ref(&trusted)).unwrap();
        }
        let vectors = all(&ctx);
        let mut names = BTreeSet::new();
        let mut out = Vec::new();
        for v in &vectors {
            assert!(names.insert(v.name), "duplicate vector {}", v.name);
            check(v);
            out.push((v.name.to_string(), render(v)));
        }
        out.sort();
        out
    }
}
