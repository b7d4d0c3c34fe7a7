//! Issue 10, verifier defects, as an attacker tries them: display spoofing in signed and loaded
//! text (by Unicode general category, several characters per category, at every place a text
//! enters), label ids taken from another key or re-used under a fresh status index, labels
//! whose expiry is not after their issue time, and QR text with anything around it. Most
//! hostile labels here are re-signed with a genuine trusted key, so only the parser and the
//! policy stand between them and VALID.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::process::Command;

use ciborium::Value;
use iotlabel::diag::SourceFile;
use iotlabel::issue::Issued;
use iotlabel::keys::{Signer, SoftwareKey};
use iotlabel::label::{LabelClaims, LabelError, cose, label_id, open_label, qr_text, sign_label};
use iotlabel::profile::Profile;
use iotlabel::scenario::{DEMO_VERIFY_URL, Scenario};
use iotlabel::trust::{TrustError, open_trust_list};
use iotlabel::verify::{Verdict, VerifyReport};

mod common;
use common::{at, bundled as set, t0};

const SEED: &[u8] = b"label text tests";
const DAY: i64 = 86_400;

/// Several characters of every refused category: bidi overrides and isolates, zero-width
/// and BOM (Cf), line and paragraph separators (Zl, Zp), controls (Cc), spaces other than
/// U+0020/U+3000 (Zs), private use (Co), non-characters and unassigned code points (Cn).
const SPOOFS: [(char, &str); 16] = [
    ('\u{202E}', "Cf"),
    ('\u{202D}', "Cf"),
    ('\u{2066}', "Cf"),
    ('\u{2069}', "Cf"),
    ('\u{200B}', "Cf"),
    ('\u{FEFF}', "Cf"),
    ('\u{2028}', "Zl"),
    ('\u{2029}', "Zp"),
    ('\u{0007}', "Cc"),
    ('\u{0085}', "Cc"),
    ('\u{00A0}', "Zs"),
    ('\u{2003}', "Zs"),
    ('\u{E000}', "Co"),
    ('\u{FFFF}', "Cn"),
    ('\u{FDD0}', "Cn"),
    ('\u{0378}', "Cn"),
];

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

fn scenario() -> Scenario {
    Scenario::new(set(), SEED, t0(), 30).expect("scenario")
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// The manufacturer's self-declared label (camera, jc-star-like@1, status index `index`;
/// cls-like@1 no longer issues at the tests' date).
fn maker_label(sc: &Scenario, index: u32) -> Issued {
    sc.issue_file(
        set(),
        set().scheme("jc-star-like@1").unwrap(),
        &fixture("fixtures/profiles/camera-jc-star.toml"),
        t0(),
        index,
    )
    .unwrap()
    .unwrap()
}

/// The lab's Level 3 label (thermostat, cls-like@2, status index `index`).
fn lab_label(sc: &Scenario, index: u32) -> Issued {
    sc.issue_file(
        set(),
        set().scheme("cls-like@2").unwrap(),
        &fixture("fixtures/profiles/thermostat-level3.toml"),
        t0(),
        index,
    )
    .unwrap()
    .unwrap()
}

/// Verifies COSE bytes (as QR text behind the demo URL) a day after issue, with fresh status
/// lists, or `status` when given.
fn verify_at(
    sc: &Scenario,
    cose_bytes: &[u8],
    when: i64,
    status: Option<&[Vec<u8>]>,
) -> VerifyReport {
    let fresh = sc.status_lists(t0(), 7).unwrap();
    let store = iotlabel::verify::TrustStore::new(
        &sc.roots(),
        std::slice::from_ref(&sc.trust_bytes),
        status.unwrap_or(&fresh),
        at(when),
    );
    store.verify(Some(&qr_text(DEMO_VERIFY_URL, cose_bytes)), None, at(when))
}

fn verify(sc: &Scenario, cose_bytes: &[u8]) -> VerifyReport {
    verify_at(sc, cose_bytes, t0().as_second() + DAY, None)
}

fn malformed_because(r: &VerifyReport, words: &str) {
    assert_eq!(r.verdict, Verdict::Malformed, "{:?}", r.findings);
    assert!(
        r.findings[0].detail.contains(words),
        "`{words}` not in {:?}",
        r.findings
    );
    // Nothing from the claims is shown for a label that is not one.
    assert!(r.device.is_none() && r.label_id.is_none(), "{r:?}");
}

/// Valid claims re-encoded after `edit` on their CBOR value (past the encoder's checks), and
/// signed by `key`, as a forger holding a trusted key would.
fn forge(
    claims: &LabelClaims,
    key: &dyn Signer,
    edit: impl FnOnce(&mut Vec<(Value, Value)>),
) -> Vec<u8> {
    let mut v: Value = ciborium::from_reader(claims.encode().unwrap().as_slice()).unwrap();
    let Value::Map(pairs) = &mut v else { panic!() };
    edit(pairs);
    let mut payload = Vec::new();
    ciborium::into_writer(&v, &mut payload).unwrap();
    cose::sign(&payload, key).unwrap()
}

fn label_map(pairs: &mut [(Value, Value)]) -> &mut Vec<(Value, Value)> {
    match pairs
        .iter_mut()
        .find(|(k, _)| *k == Value::Integer((-65537).into()))
    {
        Some((_, Value::Map(m))) => m,
        _ => panic!("no label map"),
    }
}

fn set_key(map: &mut Vec<(Value, Value)>, key: i64, value: Value) {
    let k = Value::Integer(key.into());
    match map.iter_mut().find(|(x, _)| *x == k) {
        Some(slot) => slot.1 = value,
        None => {
            // Keep keys in deterministic order (small non-negative keys ascending).
            let at = map
                .iter()
                .position(
                    |(x, _)| matches!(x, Value::Integer(i) if i128::from(*i) > i128::from(key)),
                )
                .unwrap_or(map.len());
            map.insert(at, (k, value));
        }
    }
}

// --- Display spoofing ---------------------------------------------------------------------

#[test]
fn resigned_labels_with_spoofing_text_are_malformed_in_every_device_field() {
    let sc = scenario();
    let maker = maker_label(&sc, 0);
    // The genuine label is valid: what follows changes only the text.
    assert_eq!(verify(&sc, &maker.cose).verdict, Verdict::Valid);
    for (key, field) in [
        (4, "manufacturer"),
        (5, "model"),
        (6, "hardware_version"),
        (7, "firmware"),
        (15, "variant"),
    ] {
        for (c, category) in SPOOFS {
            let text = format!("QV{c}VALID");
            let value = if key == 15 {
                Value::Array(vec![Value::Text("QV Cam".into()), Value::Text(text)])
            } else {
                Value::Text(text)
            };
            let bytes = forge(&maker.claims, &sc.manufacturer, |p| {
                set_key(label_map(p), key, value)
            });
            let r = verify(&sc, &bytes);
            malformed_because(&r, &format!("{field} holds {} ({category}", code_point(c)));
            assert!(
                r.findings[0].detail.contains("at character 3"),
                "{:?}",
                r.findings
            );
        }
    }
}

#[test]
fn japanese_names_with_the_ideographic_space_still_verify() {
    let sc = scenario();
    let maker = maker_label(&sc, 0);
    let bytes = forge(&maker.claims, &sc.manufacturer, |p| {
        let m = label_map(p);
        set_key(m, 4, Value::Text("株式会社\u{3000}クオッカ".into()));
        // Within the device text budget (78 bytes): 27 + 21 + 15 + 11 (the versions).
        set_key(m, 5, Value::Text("見守り\u{3000}ライト".into()));
        set_key(
            m,
            15,
            Value::Array(vec![Value::Text("白\u{3000}モデル".into())]),
        );
    });
    let r = verify(&sc, &bytes);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    let d = r.device.unwrap();
    assert_eq!(d.model, "見守り\u{3000}ライト");
    assert_eq!(d.variants, ["白\u{3000}モデル"]);
}

/// Where `needle` is in `text`: 1-based line and column in characters.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let i = text.find(needle).unwrap();
    let before = &text[..i];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |n| n + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// The camera profile with `key`'s value replaced by `value` (TOML source text).
fn profile_with(key: &str, value: &str) -> String {
    let text =
        std::fs::read_to_string(fixture("fixtures/profiles/camera-level1-only.toml")).unwrap();
    let mut out = String::new();
    let mut replaced = false;
    for line in text.lines() {
        if !replaced && line.split('=').next().is_some_and(|k| k.trim() == key) {
            out.push_str(&format!("{key} = {value}\n"));
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !replaced {
        out = out.replacen("[device]\n", &format!("[device]\n{key} = {value}\n"), 1);
    }
    out
}

fn profile_errors(text: &str) -> String {
    let file = SourceFile::new("p.toml", text.to_string());
    match Profile::parse(&file, set()) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn profiles_refuse_spoofing_text_at_file_line_col() {
    for key in [
        "manufacturer",
        "model",
        "hardware_version",
        "firmware_version",
    ] {
        for (c, category) in SPOOFS {
            // Written literally where TOML allows it, else as an escape.
            let literal = !c.is_control();
            let written = if literal {
                format!("\"QV{c}Cam\"")
            } else {
                format!("\"QV\\u{:04X}Cam\"", u32::from(c))
            };
            let text = profile_with(key, &written);
            let (line, col) = line_col(&text, &written);
            // Literal: the character itself (column of the quote + 3); escape: the `\u`.
            let want = format!(
                "p.toml:{line}:{}: error[F007]: `{key}` holds {} ({category}",
                col + 3,
                code_point(c)
            );
            let errors = profile_errors(&text);
            assert!(
                errors.contains(&want),
                "{key} {c:?}: want `{want}` in\n{errors}"
            );
        }
    }
    // Variants too.
    let text = profile_with("variants", "[\"QV Cam\", \"QV\u{2028}VALID\"]");
    let (line, col) = line_col(&text, "\u{2028}");
    let errors = profile_errors(&text);
    assert!(
        errors.contains(&format!(
            "p.toml:{line}:{col}: error[F007]: `variants` holds U+2028 (Zl"
        )),
        "{errors}"
    );
    // And any other string of the file, signed or not.
    let text = profile_with("category", "\"came\u{200B}ra\"");
    assert!(profile_errors(&text).contains("`category` holds U+200B (Cf"));
}

#[test]
fn profiles_with_japanese_names_and_the_ideographic_space_load() {
    let text = profile_with("manufacturer", "\"株式会社\u{3000}クオッカ\"");
    let text = text.replace(
        "model            = \"QV Cam Lite 1080\"",
        "model = \"見守りカメラ\u{3000}ライト\"",
    );
    let file = SourceFile::new("p.toml", text);
    let p = Profile::parse(&file, set()).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(p.device.manufacturer, "株式会社\u{3000}クオッカ");
    assert_eq!(p.device.model, "見守りカメラ\u{3000}ライト");
}

#[test]
fn criteria_files_refuse_spoofing_text_at_file_line_col() {
    let files = iotlabel::criteria::bundled_files();
    let target = files
        .iter()
        .position(|f| f.path.ends_with("cls-like-v1.toml"))
        .unwrap();
    for (c, category) in [
        ('\u{202E}', "Cf"),
        ('\u{2028}', "Zl"),
        ('\u{00A0}', "Zs"),
        ('\u{E000}', "Co"),
    ] {
        let old = "name             = \"CLS-like cybersecurity label (2020 rules)\"";
        let new = format!("name             = \"CLS-like{c} label (2020 rules)\"");
        let mut edited = files.clone();
        let text = edited[target].text.replacen(old, &new, 1);
        assert_ne!(text, edited[target].text);
        let (line, col) = line_col(&text, &c.to_string());
        edited[target] = SourceFile::new(edited[target].path.clone(), text);
        let (_, diags) = iotlabel::criteria::load_files(&edited);
        let all = diags.to_string();
        let want = format!(
            "{}:{line}:{col}: error[F007]: `name` holds {} ({category}",
            edited[target].path,
            code_point(c)
        );
        assert!(all.contains(&want), "want `{want}` in\n{all}");
    }
}

#[test]
fn templates_refuse_spoofing_text_at_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(fixture("label-templates/standard.toml")).unwrap();
    for (c, category) in [
        ('\u{2066}', "Cf"),
        ('\u{2029}', "Zp"),
        ('\u{2003}', "Zs"),
        ('\u{FFFF}', "Cn"),
    ] {
        let old = "description = \"Standard label";
        let text = src.replacen(old, &format!("description = \"Stan{c}dard label"), 1);
        let (line, col) = line_col(&text, &c.to_string());
        let path = dir.path().join("t.toml");
        std::fs::write(&path, &text).unwrap();
        let errors = match iotlabel::artwork::template::load_file(&path) {
            Ok(_) => String::new(),
            Err(d) => d.to_string(),
        };
        let want = format!(
            "{}:{line}:{col}: error[F007]: `description` holds {} ({category}",
            path.display(),
            code_point(c)
        );
        assert!(errors.contains(&want), "want `{want}` in\n{errors}");
    }
}

#[test]
fn bundled_template_words_hold_allowed_characters_only() {
    let text = std::fs::read_to_string(fixture("words.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    fn walk(v: &toml::Value, n: &mut usize) {
        match v {
            toml::Value::String(s) => {
                *n += 1;
                assert_eq!(iotlabel::text::check(s), Ok(()), "{s:?}");
            }
            toml::Value::Array(a) => a.iter().for_each(|x| walk(x, n)),
            toml::Value::Table(t) => t.values().for_each(|x| walk(x, n)),
            _ => {}
        }
    }
    let mut n = 0;
    walk(&v, &mut n);
    assert!(n > 10, "only {n} strings");
}

#[test]
fn trust_lists_with_spoofing_text_are_neither_signed_nor_trusted() {
    let sc = scenario();
    for (c, category) in [
        ('\u{202E}', "Cf"),
        ('\u{2028}', "Zl"),
        ('\u{0000}', "Cc"),
        ('\u{3000}', ""),
    ] {
        let mut list = sc.trust.clone();
        list.sequence = 2;
        list.keys[1].name = format!("Example{c}Lab");
        let signed = list.sign(&sc.root);
        if category.is_empty() {
            // U+3000 is allowed.
            assert!(signed.is_ok());
            continue;
        }
        match signed {
            Err(TrustError::Text { field, error }) => {
                assert_eq!(field, "keys[1].name");
                assert_eq!((error.character, error.position), (c, 7));
            }
            other => panic!("{c:?}: {other:?}"),
        }
        // A forger with the root's signature over such a payload still gets nothing trusted.
        let mut payload = Vec::new();
        ciborium::into_writer(&list, &mut payload).unwrap();
        let bytes =
            cose::sign_limited(&payload, &sc.root, iotlabel::trust::MAX_TRUST_LIST).unwrap();
        let e = open_trust_list(&bytes, &sc.roots(), t0().as_second()).unwrap_err();
        assert!(
            e.to_string().contains(&format!(
                "`keys[1].name` holds {} ({category}",
                code_point(c)
            )),
            "{e}"
        );
        assert!(iotlabel::trust::peek_trust_list(&bytes).is_err());
    }
}

// --- Label ids ----------------------------------------------------------------------------

#[test]
fn issued_label_ids_are_derived_from_the_key_and_the_status_index() {
    let sc = scenario();
    for index in [0, 1, 7, 131_071] {
        let l = maker_label(&sc, index);
        assert_eq!(l.claims.label_id, label_id(&sc.manufacturer.kid(), index));
    }
    let l = lab_label(&sc, 3);
    assert_eq!(l.claims.label_id, label_id(&sc.lab.kid(), 3));
}

#[test]
fn a_label_carrying_another_keys_id_is_malformed() {
    let sc = scenario();
    let maker = maker_label(&sc, 0);
    let lab = lab_label(&sc, 0);
    // The lab's id on the manufacturer's label, the manufacturer's id on the lab's, the
    // issuing body's id at the same index on either: each re-signed by a genuine trusted key.
    let cases: [(&Issued, &SoftwareKey, [u8; 8]); 4] = [
        (&maker, &sc.manufacturer, lab.claims.label_id),
        (&lab, &sc.lab, maker.claims.label_id),
        (
            &maker,
            &sc.manufacturer,
            label_id(&sc.issuing_body.kid(), 0),
        ),
        (&lab, &sc.lab, label_id(&sc.issuing_body.kid(), 0)),
    ];
    for (label, key, id) in cases {
        let mut c = label.claims.clone();
        c.label_id = id;
        let bytes = cose::sign(&c.encode().unwrap(), key).unwrap();
        let r = verify(&sc, &bytes);
        malformed_because(&r, &format!("label id {}", hex::encode(id)));
        assert!(
            r.findings[0]
                .detail
                .contains(&hex::encode(label.claims.label_id))
        );
        // The envelope API refuses to sign it, and refuses it when opened.
        assert!(matches!(sign_label(&c, key), Err(LabelError::LabelId(_))));
        assert!(matches!(
            open_label(&bytes, &key.public_key()),
            Err(LabelError::LabelId(_))
        ));
        // The genuine one is fine.
        assert_eq!(verify(&sc, &label.cose).verdict, Verdict::Valid);
    }
}

#[test]
fn a_revoked_labels_id_under_a_fresh_index_is_malformed() {
    use iotlabel::status::{LabelStatus, RevocationStatement, StatusState, open_statement};
    let sc = scenario();
    let revoked = lab_label(&sc, 1);
    let t = t0().as_second();
    let stmt = RevocationStatement {
        format: "iotlabel-revocation/1".into(),
        label: revoked.claims.label_id.into(),
        issuer_kid: sc.lab.kid().into(),
        index: 1,
        status: LabelStatus::Revoked,
        reason: "test".into(),
        at: t + 3600,
        sequence: 1,
        successor: None,
    };
    let trusted = open_trust_list(&sc.trust_bytes, &sc.roots(), t).unwrap();
    let opened = open_statement(
        &stmt.sign(&sc.lab).unwrap(),
        std::slice::from_ref(&trusted),
        &sc.roots(),
    )
    .unwrap();
    let mut st = StatusState::new(&sc.lab.kid());
    st.apply(&opened).unwrap();
    let status: Vec<Vec<u8>> = sc
        .issuers()
        .iter()
        .map(|k| {
            let s = if k.kid() == sc.lab.kid() {
                st.clone()
            } else {
                StatusState::new(&k.kid())
            };
            s.to_list(t, t + 7 * DAY).unwrap().sign(&sc.status).unwrap()
        })
        .collect();
    let when = t + DAY;
    assert_eq!(
        verify_at(&sc, &revoked.cose, when, Some(&status)).verdict,
        Verdict::Revoked
    );
    for fresh in [2, 5, 1000, 131_071] {
        let mut c = revoked.claims.clone();
        c.status_index = fresh;
        let bytes = cose::sign(&c.encode().unwrap(), &sc.lab).unwrap();
        let r = verify_at(&sc, &bytes, when, Some(&status));
        malformed_because(&r, &format!("at status index {fresh}"));
    }
}

// --- Time sanity --------------------------------------------------------------------------

#[test]
fn expiry_not_after_issue_is_malformed_whatever_the_skew() {
    let sc = scenario();
    let maker = maker_label(&sc, 0);
    let when = t0().as_second() + DAY;
    // All inside the 300 s skew window around the verification time.
    for (iat, exp) in [
        (when + 100, when + 100),
        (when + 200, when + 100),
        (when - 100, when - 100),
        (when + 299, when + 1),
    ] {
        let bytes = forge(&maker.claims, &sc.manufacturer, |p| {
            set_key(p, 4, Value::Integer(exp.into()));
            set_key(p, 6, Value::Integer(iat.into()));
        });
        let r = verify_at(&sc, &bytes, when, None);
        malformed_because(&r, "is not after issued_at");
    }
    // One second of validity is a label.
    let bytes = forge(&maker.claims, &sc.manufacturer, |p| {
        set_key(p, 4, Value::Integer((when + 101).into()));
        set_key(p, 6, Value::Integer((when + 100).into()));
    });
    assert_eq!(verify_at(&sc, &bytes, when, None).verdict, Verdict::Valid);
}

// --- Input taken as given -----------------------------------------------------------------

/// Text around the canonical QR text, before and after.
const AROUND: [&str; 9] = [
    " ", "  ", "\u{00A0}", "\u{3000}", "\u{0085}", "\t", "\n", "\r\n", "\u{FEFF}",
];

#[test]
fn anything_around_the_qr_text_is_malformed() {
    let sc = scenario();
    let maker = maker_label(&sc, 0);
    let store = sc.store(t0()).unwrap();
    let when = at(t0().as_second() + DAY);
    assert_eq!(
        store.verify(Some(&maker.qr_text), None, when).verdict,
        Verdict::Valid
    );
    let bare = maker.qr_text.split_once('#').unwrap().1;
    for extra in AROUND {
        for text in [
            format!("{extra}{}", maker.qr_text),
            format!("{}{extra}", maker.qr_text),
            format!("{extra}{bare}"),
            format!("{bare}{extra}"),
        ] {
            let r = store.verify(Some(&text), None, when);
            assert_eq!(r.verdict, Verdict::Malformed, "{text:?}: {:?}", r.findings);
        }
    }
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(args)
        .output()
        .expect("run iotlabel")
}

#[test]
fn verify_file_drops_one_trailing_newline_and_nothing_else() {
    let sc = scenario();
    let maker = maker_label(&sc, 0);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.pub");
    std::fs::write(
        &root,
        iotlabel::keys::public_key_pem(&sc.root.public_key()).unwrap(),
    )
    .unwrap();
    let trust = dir.path().join("trust.cose");
    std::fs::write(&trust, &sc.trust_bytes).unwrap();
    let mut status_args = Vec::new();
    for (i, s) in sc.status_lists(t0(), 7).unwrap().iter().enumerate() {
        let p = dir.path().join(format!("s{i}.cose"));
        std::fs::write(&p, s).unwrap();
        status_args.push(p);
    }
    let file = dir.path().join("label.txt");
    let run = |content: &str| {
        std::fs::write(&file, content).unwrap();
        let mut args = vec![
            "verify".to_string(),
            "--file".into(),
            file.display().to_string(),
            "--trust".into(),
            trust.display().to_string(),
            "--root".into(),
            root.display().to_string(),
            "--at".into(),
            "2026-12-02T00:00:00Z".into(),
        ];
        for p in &status_args {
            args.extend(["--status".into(), p.display().to_string()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&refs).status.code()
    };
    let t = &maker.qr_text;
    assert_eq!(run(t), Some(0));
    assert_eq!(run(&format!("{t}\n")), Some(0));
    assert_eq!(run(&format!("{t}\r\n")), Some(0));
    for bad in [
        format!("{t}\n\n"),
        format!("{t} \n"),
        format!("{t}\n "),
        format!(" {t}\n"),
        format!("\n{t}"),
        format!("{t}\t"),
        format!("{t}\r"),
        format!("{t}\u{00A0}\n"),
        format!("\u{3000}{t}"),
        format!("{t}\u{0085}"),
    ] {
        assert_eq!(run(&bad), Some(10), "{bad:?}");
    }
    // (The positional text is never trimmed: the qr-text-* vectors run it through the CLI.)
    // --help says what --file drops.
    let help = String::from_utf8(cli(&["verify", "--help"]).stdout).unwrap();
    assert!(help.contains("exactly one trailing newline"), "{help}");
}

#[test]
fn trust_drafts_with_spoofing_names_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for (i, bad) in ["Agency\u{202E}", "Agency\u{2028}VALID", "Agency\u{00A0}"]
        .iter()
        .enumerate()
    {
        let out = dir.path().join(format!("d{i}.json"));
        let o = cli(&[
            "trust",
            "init",
            "--owner",
            "ex",
            "--name",
            bad,
            "--out",
            &out.display().to_string(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{bad:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("`owner_name` holds U+"), "{err}");
        assert!(!out.exists(), "{bad:?}: a draft was written");
    }
    // The same with a Japanese name and U+3000 is written.
    let out = dir.path().join("ok.json");
    let o = cli(&[
        "trust",
        "init",
        "--owner",
        "ex",
        "--name",
        "情報処理推進機構\u{3000}（例）",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A draft edited by hand to hold one is refused when read.
    let text = std::fs::read_to_string(&out)
        .unwrap()
        .replace("（例）", "\u{2066}x");
    std::fs::write(&out, text).unwrap();
    let o = cli(&["trust", "show", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("U+2066 (Cf"));
}

#[test]
fn revoke_refuses_a_label_file_whose_id_is_not_its_keys() {
    let sc = scenario();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("lab.key");
    iotlabel::keys::write_private_key(&key, &sc.lab, None).unwrap();
    let maker = maker_label(&sc, 0);
    let genuine = lab_label(&sc, 0);
    // The lab's label carrying the manufacturer's id, re-signed by the lab.
    let mut c = genuine.claims.clone();
    c.label_id = maker.claims.label_id;
    let forged = dir.path().join("forged.cose");
    std::fs::write(&forged, cose::sign(&c.encode().unwrap(), &sc.lab).unwrap()).unwrap();
    let out = dir.path().join("stmt.cose");
    let run = |file: &std::path::Path, id: [u8; 8]| {
        cli(&[
            "revoke",
            "--label",
            &hex::encode(id),
            "--to",
            "revoked",
            "--reason",
            "test",
            "--key",
            &key.display().to_string(),
            "--out",
            &out.display().to_string(),
            "--label-file",
            &file.display().to_string(),
            "--at",
            "2026-12-01T01:00:00Z",
        ])
    };
    let o = run(&forged, maker.claims.label_id);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is not the id of key"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists());
    // The genuine file works.
    let file = dir.path().join("genuine.cose");
    std::fs::write(&file, &genuine.cose).unwrap();
    let o = run(&file, genuine.claims.label_id);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.exists());
}

/// The signature cache remembers that the bytes are signed, never that the label is one: a
/// label with another key's id is MALFORMED on every verification, from the cache too.
#[test]
fn the_signature_cache_does_not_skip_the_label_id_check() {
    let sc = scenario();
    let maker = maker_label(&sc, 0);
    let lab = lab_label(&sc, 0);
    let mut c = maker.claims.clone();
    c.label_id = lab.claims.label_id;
    let bytes = cose::sign(&c.encode().unwrap(), &sc.manufacturer).unwrap();
    let cache = std::sync::Arc::new(iotlabel::verify::SignatureCache::new(16));
    let store = sc.store(t0()).unwrap().with_cache(cache.clone());
    let when = at(t0().as_second() + DAY);
    let text = qr_text(DEMO_VERIFY_URL, &bytes);
    for round in 0..3 {
        let r = store.verify(Some(&text), None, when);
        malformed_because(&r, "is not the id of key");
        assert!(cache.hits() >= round, "round {round}");
    }
    assert!(
        cache.hits() >= 1,
        "the later rounds were served from the cache"
    );
}

/// What verify's text report shows only sometimes, shown exactly then: the variants a label
/// also covers, the note that no verify URL was checked (COSE bytes given, not the printed
/// text), and the findings section (missed mutants deleted each condition's `!`).
#[test]
fn the_text_report_shows_variants_url_note_and_findings_only_when_they_apply() {
    let seed = b"variants in the text report";
    let t0 = common::t0();
    let sc = Scenario::new(common::bundled(), seed, t0, 30).unwrap();
    let store = sc.store(t0).unwrap();
    let with = common::lab_issued(seed, "lock-v3-full.toml", "etsi-v3-conformance@1", |_| {});
    let without = common::lab_issued(seed, "thermostat-level3.toml", "cls-like@2", |_| {});
    assert_eq!(with.claims.label.variants, ["LockPro Nordic"]);
    assert!(without.claims.label.variants.is_empty());
    let text = |qr: Option<&str>, cose: Option<&[u8]>, verdict: Verdict| {
        let r = store.verify(qr, cose, t0);
        assert_eq!(r.verdict, verdict, "{:?}", r.findings);
        r.to_text()
    };
    let note = "the verify URL was not checked";

    let t = text(None, Some(&with.cose), Verdict::Valid);
    assert!(t.contains("also covers: LockPro Nordic\n"), "{t}");
    assert!(t.contains(note) && !t.contains("Findings:"), "{t}");
    let t = text(Some(&without.qr_text), None, Verdict::Valid);
    assert!(!t.contains("also covers") && !t.contains(note), "{t}");
    assert!(!t.contains("Findings:"), "{t}");

    let mut forged = without.cose.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let t = text(None, Some(&forged), Verdict::BadSignature);
    assert!(t.contains("\nFindings:\n  BAD SIGNATURE"), "{t}");
}
