//! Issue 10, the service's records and answers: a label whose status index is beyond the
//! status list is refused at publication and cannot switch revocation off for anyone; the
//! service starts on a database with planted bad records and reports them; label ids cannot be
//! squatted in the registry; revocation statements are canonical and bounded; every 4xx is JSON
//! with the security headers and in our own words.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod serve_util;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use iotlabel::ids::{Kid, LabelId};
use iotlabel::issue::Issued;
use iotlabel::keys::Signer;
use iotlabel::registry::{LabelRecord, SqliteStore, StatementRecord, Store};
use iotlabel::serve::Limits;
use iotlabel::status::{LabelStatus, RevocationStatement, StateEntry, StatusState};
use serve_util::*;

fn now() -> jiff::Timestamp {
    ts(t0().as_second() + DAY)
}

/// A label of the issuing body (another issuer key than the lab's).
fn body_label(sc: &iotlabel::scenario::Scenario, index: u32, salt: u64) -> Issued {
    issue_label(
        sc,
        &sc.issuing_body,
        "lock-lab-tested.toml",
        "cls-like@2",
        t0(),
        index,
        salt,
    )
}

/// `label` re-signed by `key` with its claims changed by `edit` (what a holder of a genuine
/// trusted key can do).
/// Edits a label and re-signs it with `key`, its id derived from `key`'s kid and the edited
/// status index as an honest issuer's would be: only the policy under test stands between it
/// and VALID.
fn resigned(key: &dyn Signer, label: &Issued, edit: impl Fn(&mut Issued)) -> Issued {
    let mut l = label.clone();
    edit(&mut l);
    l.claims.label_id = iotlabel::label::label_id(&key.kid(), l.claims.status_index);
    l.cose = iotlabel::label::sign_label(&l.claims, key).unwrap();
    l.qr_text = iotlabel::label::qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &l.cose);
    l
}

/// Edits a label and signs the edited claims with `key` as they are, whatever id the edit
/// set: what an attacker's own code signs (`sign_label` refuses an id that is not the key's).
fn forged(key: &dyn Signer, label: &Issued, edit: impl Fn(&mut Issued)) -> Issued {
    let mut l = label.clone();
    edit(&mut l);
    l.cose = iotlabel::label::cose::sign(&l.claims.encode().unwrap(), key).unwrap();
    l.qr_text = iotlabel::label::qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &l.cose);
    l
}

/// `st` signed by `key` with fields replaced by the given CBOR values, as a hand-made
/// statement could be (ids in upper case, ids that are no ids).
fn raw_with(
    key: &dyn Signer,
    st: &RevocationStatement,
    edits: &[(&str, ciborium::Value)],
) -> Vec<u8> {
    let ciborium::Value::Map(mut m) = ciborium::Value::serialized(st).unwrap() else {
        unreachable!("a statement serialises to a map")
    };
    for (field, value) in edits {
        let slot = m.iter_mut().find(|(k, _)| k.as_text() == Some(field));
        slot.unwrap().1 = value.clone();
    }
    let mut payload = Vec::new();
    ciborium::ser::into_writer(&ciborium::Value::Map(m), &mut payload).unwrap();
    iotlabel::label::cose::sign_limited(&payload, key, 4096).unwrap()
}

fn upper(id: impl std::fmt::Display) -> ciborium::Value {
    ciborium::Value::Text(id.to_string().to_uppercase())
}

fn base_statement(key: &dyn Signer, label: &Issued, to: LabelStatus) -> RevocationStatement {
    let mut st = statement_for(key, label, to, 1, None);
    st.at += 3600;
    st
}

fn verdict(a: std::net::SocketAddr, l: &Issued) -> String {
    verify_fragment(a, "/V", &l.qr_text, "en").json()["verdict"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_status_index_beyond_the_list_is_refused_and_never_switches_revocation_off() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    // The attack: a genuine trusted key signs a label at index 200000 of 131072.
    let genuine = lab_label(&sc, 7, 1);
    for index in [131_072, 200_000, u32::MAX] {
        let evil = resigned(&sc.lab, &genuine, |l| l.claims.status_index = index);
        let r = publish(a, &evil.cose);
        assert_eq!(r.status, 422, "index {index}: {}", r.text());
        // Refused by the registry's index check (the id is the key's own for that index).
        let j = r.json();
        assert!(
            j["error"]
                .as_str()
                .unwrap()
                .contains("beyond the status list"),
            "{}",
            r.text()
        );
        let id = hex::encode(evil.claims.label_id);
        assert_eq!(get(a, &format!("/api/labels/{id}")).status, 404);
        // Its revocation is refused before anything is committed.
        let st = statement(&sc.lab, &evil, LabelStatus::Revoked, 1, None);
        let r = revoke(a, &st);
        assert_eq!(r.status, 422, "{}", r.text());
        assert!(
            srv.core
                .store()
                .statements(id.parse().unwrap())
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(get(a, "/api/health").json()["labels"], 0);
    // The last valid index is fine.
    let last = lab_label(&sc, 131_071, 2);
    assert_eq!(publish(a, &last.cose).status, 201);

    // Revocations of every key still work and are seen by verify.
    assert_eq!(publish(a, &genuine.cose).status, 201);
    let other = body_label(&sc, 3, 3);
    assert_eq!(publish(a, &other.cose).status, 201);
    for (key, l) in [
        (&sc.lab as &dyn Signer, &genuine),
        (&sc.lab, &last),
        (&sc.issuing_body, &other),
    ] {
        let r = revoke(a, &statement(key, l, LabelStatus::Revoked, 1, None));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(verdict(a, l), "REVOKED");
    }
}

/// The database an attacked service left behind: a label at index 200000 and its revocation
/// committed into the lab key's state; plus an undecodable state row of a third key.
fn plant_bad_records(sc: &iotlabel::scenario::Scenario, dir: &std::path::Path) -> (String, String) {
    let store = SqliteStore::open(&dir.join("registry.sqlite")).unwrap();
    let genuine = lab_label(sc, 7, 1);
    let evil = resigned(&sc.lab, &genuine, |l| l.claims.status_index = 200_000);
    let evil_id = hex::encode(evil.claims.label_id);
    let lab_kid = hex::encode(sc.lab.kid());
    store
        .put_label(&LabelRecord {
            label_id: evil_id.parse().unwrap(),
            issuer_kid: lab_kid.parse().unwrap(),
            status_index: 200_000,
            issuer: evil.issuer.clone(),
            manufacturer: evil.claims.label.manufacturer.clone(),
            model: evil.claims.label.model.clone(),
            scheme_id: evil.claims.label.scheme_id.clone(),
            scheme_version: evil.claims.label.scheme_version,
            tier: evil.claims.label.tier,
            issued_at: evil.claims.issued_at,
            expires: evil.claims.expires,
            published_at: t0().as_second(),
            cose: evil.cose.clone(),
        })
        .unwrap();
    let mut state = StatusState::new(&sc.lab.kid());
    state.entries.insert(
        200_000,
        StateEntry {
            label: evil_id.parse().unwrap(),
            status: LabelStatus::Revoked,
            sequence: 1,
            by_owner: false,
            reason: "planted".into(),
            successor: None,
            at: t0().as_second(),
        },
    );
    store
        .apply_statement(
            &StatementRecord {
                issuer_kid: lab_kid.parse().unwrap(),
                label_id: evil_id.parse().unwrap(),
                sequence: 1,
                applied_at: t0().as_second(),
                bytes: vec![],
            },
            &state,
        )
        .unwrap();
    drop(store);
    // A state row that does not decode, for the issuing body's key.
    let body_kid = hex::encode(sc.issuing_body.kid());
    let c = rusqlite::Connection::open(dir.join("registry.sqlite")).unwrap();
    c.execute(
        "INSERT INTO status_states (issuer_kid, state_json) VALUES (?1, '{not json')",
        [&body_kid],
    )
    .unwrap();
    // A label row edited by hand: its status index is not a number.
    c.execute(
        "INSERT INTO labels SELECT 'badbadbadbadbad0', issuer_kid, 'x', issuer, manufacturer,
            model, manufacturer_key, model_key, scheme_id, scheme_version, tier, issued_at,
            expires, published_at, cose FROM labels WHERE label_id = ?1",
        [&evil_id],
    )
    .unwrap();
    (evil_id, body_kid)
}

#[test]
fn the_service_starts_on_a_damaged_database_reports_it_and_other_keys_still_revoke() {
    let sc = scenario(30);
    let dir = tempfile::tempdir().unwrap();
    let (evil_id, body_kid) = plant_bad_records(&sc, dir.path());
    // Restart on the damaged database: it starts.
    let srv = start_in(&sc, now(), Limits::default(), dir);
    let a = srv.addr();
    let damaged = srv.core.damaged();
    let records: Vec<&str> = damaged.iter().map(|d| d.record.as_str()).collect();
    assert!(
        records.contains(&format!("labels/{evil_id}").as_str()),
        "{records:?}"
    );
    assert!(
        records.iter().any(|r| r.ends_with("/200000")),
        "{records:?}"
    );
    assert!(
        records.contains(&format!("status_states/{body_kid}").as_str()),
        "{records:?}"
    );
    assert!(records.contains(&"labels/badbadbadbadbad0"), "{records:?}");
    let h = get(a, "/api/health");
    assert_eq!(h.status, 200);
    let h = h.json();
    assert_eq!(h["ok"], false, "{h}");
    assert_eq!(h["damaged"].as_array().unwrap().len(), damaged.len(), "{h}");
    assert!(h.to_string().contains(&evil_id));

    // The lab key's other labels: published, revoked (2xx), seen REVOKED by verify.
    for i in 0..3u32 {
        let l = lab_label(&sc, i, u64::from(i) + 10);
        assert_eq!(publish(a, &l.cose).status, 201);
        assert_eq!(verdict(a, &l), "VALID");
        let r = revoke(a, &statement(&sc.lab, &l, LabelStatus::Revoked, 1, None));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(verdict(a, &l), "REVOKED");
    }
    // The planted label itself: no list can speak of it.
    let planted = srv
        .core
        .store()
        .get_label(evil_id.parse().unwrap())
        .unwrap()
        .unwrap();
    let v = srv.core.verify_cose(&planted.cose).verdict;
    assert!(
        matches!(
            v,
            iotlabel::verify::Verdict::StatusUnknown | iotlabel::verify::Verdict::Malformed
        ),
        "{v:?}"
    );
    // The key whose state row does not decode: no list is signed (never a fresh all-valid one),
    // its labels are STATUS UNKNOWN, and its revocations are refused without a commit.
    let b = body_label(&sc, 1, 20);
    assert_eq!(publish(a, &b.cose).status, 201);
    assert_eq!(verdict(a, &b), "STATUS_UNKNOWN");
    let r = revoke(
        a,
        &statement(&sc.issuing_body, &b, LabelStatus::Revoked, 1, None),
    );
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(
        srv.core
            .store()
            .statements(LabelId(b.claims.label_id))
            .unwrap()
            .is_empty()
    );
    assert_eq!(get(a, &format!("/api/status/{body_kid}")).status, 404);
    // The manufacturer key (a third key) is unaffected.
    let kid = hex::encode(sc.lab.kid());
    assert_eq!(get(a, &format!("/api/status/{kid}")).status, 200);
}

#[test]
fn the_real_binary_starts_on_a_damaged_database_and_says_so() {
    let sc = scenario(30);
    let dir = tempfile::tempdir().unwrap();
    write_serve_files(&sc, dir.path());
    let (evil_id, _) = plant_bad_records(&sc, dir.path());
    let (mut child, addr, _out) = start_binary(dir.path(), &[]);
    let h = get(addr, "/api/health").json();
    assert_eq!(h["ok"], false, "{h}");
    assert!(h.to_string().contains(&evil_id), "{h}");
    child.kill().unwrap();
    child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("damaged record") && err.contains(&evil_id),
        "{err}"
    );
}

#[test]
fn a_label_carrying_another_labels_id_is_refused_and_changes_nothing() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let genuine = lab_label(&sc, 0, 1);
    let id = hex::encode(genuine.claims.label_id);
    assert_eq!(publish(a, &genuine.cose).status, 201);
    // Other trusted keys sign labels under the genuine id (at their own or the same index).
    let own = body_label(&sc, 0, 2);
    for (n, squatter) in [
        forged(&sc.issuing_body, &own, |l| {
            l.claims.label_id = genuine.claims.label_id
        }),
        forged(&sc.issuing_body, &own, |l| {
            l.claims.label_id = genuine.claims.label_id;
            l.claims.status_index = 5;
        }),
        forged(&sc.lab, &genuine, |l| l.claims.status_index = 9),
    ]
    .iter()
    .enumerate()
    {
        let r = publish(a, &squatter.cose);
        assert_eq!(r.status, 422, "squatter {n}: {}", r.text());
        assert_eq!(
            r.json()["verdict"],
            "MALFORMED",
            "squatter {n}: {}",
            r.text()
        );
        let j = get(a, &format!("/api/labels/{id}")).json();
        assert_eq!(j["label"]["issuer_kid"], hex::encode(sc.lab.kid()));
        assert_eq!(j["label"]["status_index"], 0);
    }
    // The genuine issuer can still revoke its own label.
    let r = revoke(
        a,
        &statement(&sc.lab, &genuine, LabelStatus::Revoked, 1, None),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(verdict(a, &genuine), "REVOKED");
}

#[test]
fn a_squatter_published_first_is_refused_and_the_genuine_label_still_publishes() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let genuine = lab_label(&sc, 0, 1);
    let id = hex::encode(genuine.claims.label_id);
    let own = body_label(&sc, 0, 2);
    let squatter = forged(&sc.issuing_body, &own, |l| {
        l.claims.label_id = genuine.claims.label_id
    });
    let r = publish(a, &squatter.cose);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["verdict"], "MALFORMED", "{}", r.text());
    assert_eq!(get(a, &format!("/api/labels/{id}")).status, 404);
    assert_eq!(get(a, "/api/health").json()["labels"], 0);
    assert_eq!(publish(a, &genuine.cose).status, 201);
}

#[test]
fn statement_ids_are_canonical_lower_case_and_the_next_statement_still_applies() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    for (n, upper_label, upper_kid) in [(0u32, true, false), (1, false, true), (2, true, true)] {
        let l = lab_label(&sc, n, u64::from(n) + 1);
        assert_eq!(publish(a, &l.cose).status, 201);
        let st = base_statement(&sc.lab, &l, LabelStatus::Suspended);
        let mut edits = Vec::new();
        if upper_label {
            edits.push(("label", upper(st.label)));
        }
        if upper_kid {
            edits.push(("issuer_kid", upper(st.issuer_kid)));
        }
        let r = revoke(a, &raw_with(&sc.lab, &st, &edits));
        assert_eq!(r.status, 200, "{}", r.text());
        let id = hex::encode(l.claims.label_id);
        assert_eq!(r.json()["label_id"], id.as_str());
        let entry = srv.core.status_entry(Kid(sc.lab.kid()), n).unwrap();
        assert_eq!(entry.label, id);
        // The next statement, in the other case, applies to the same label.
        let mut st2 = base_statement(&sc.lab, &l, LabelStatus::Revoked);
        st2.sequence = 2;
        let edits: &[_] = if upper_label {
            &[]
        } else {
            &[("label", upper(st2.label))]
        };
        let r = revoke(a, &raw_with(&sc.lab, &st2, edits));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(verdict(a, &l), "REVOKED");
    }
}

#[test]
fn statement_sequence_date_and_successor_have_bounds() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let l = lab_label(&sc, 0, 1);
    assert_eq!(publish(a, &l.cose).status, 201);
    let refused = |edit: &dyn Fn(&mut RevocationStatement), successor: Option<&str>, what: &str| {
        let mut st = base_statement(&sc.lab, &l, LabelStatus::Superseded);
        st.successor = Some("0123456789abcdef".parse().unwrap());
        edit(&mut st);
        let edits: Vec<_> = successor
            .map(|t| ("successor", ciborium::Value::Text(t.into())))
            .into_iter()
            .collect();
        let r = revoke(a, &raw_with(&sc.lab, &st, &edits));
        assert_eq!(r.status, 422, "{what}: {}", r.text());
        let e = r.json()["error"].as_str().unwrap().to_string();
        assert!(e.contains(what), "{what}: {e}");
        assert!(
            srv.core
                .store()
                .statements(LabelId(l.claims.label_id))
                .unwrap()
                .is_empty()
        );
    };
    for seq in [u64::MAX, i64::MAX as u64, u64::from(u32::MAX) + 1, 1 << 53] {
        refused(&|s| s.sequence = seq, None, "`sequence`");
    }
    let year_2100 = 4_102_444_800;
    for at in [
        year_2100,
        year_2100 + 1,
        i64::MAX,
        i64::MIN,
        -1,
        0,
        1_500_000_000,
    ] {
        refused(&|s| s.at = at, None, "`at`");
    }
    // Dated after the registry's clock, or before the label was issued (inside the format's
    // bounds): refused by the service.
    let clock = now().as_second();
    refused(
        &|s| s.at = clock + 3600,
        None,
        "after this registry's clock",
    );
    refused(
        &|s| s.at = t0().as_second() - DAY,
        None,
        "before its label was issued",
    );
    for succ in [
        "",
        "xyz",
        "0123456789abcde",
        "0123456789abcdef0",
        "0x0123456789abcd",
        "0123456789abcdeg",
        "０１２３４５６７８９ａｂｃｄｅｆ",
        " 0123456789abcdef",
    ] {
        refused(&|_| {}, Some(succ), "`successor`");
    }
    refused(
        &|s| s.successor = Some(LabelId(l.claims.label_id)),
        None,
        "`successor`",
    );
    // The largest sequence number and an upper-case successor are accepted; stored lower-case.
    let mut st = base_statement(&sc.lab, &l, LabelStatus::Superseded);
    st.sequence = u64::from(u32::MAX);
    st.successor = Some(LabelId::default());
    let r = revoke(
        a,
        &raw_with(&sc.lab, &st, &[("successor", upper("0123456789abcdef"))]),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let j = get(
        a,
        &format!("/api/labels/{}", hex::encode(l.claims.label_id)),
    )
    .json();
    assert_eq!(j["successor"], "0123456789abcdef");
}

/// Phrases of serde, serde_json, ciborium and axum's rejections that must never reach a client.
const DECODER_TEXT: &[&str] = &[
    "invalid type",
    "expected",
    "unknown variant",
    "Semantic",
    "at line",
    "column",
    "Failed to deserialize",
    "Invalid URL",
    "missing field `",
    "Cannot parse",
];

fn assert_own_words(r: &Resp) {
    let t = r.text();
    for p in DECODER_TEXT {
        assert!(!t.contains(p), "decoder text `{p}` in {t}");
    }
}

fn assert_json_error(r: &Resp, code: u16, what: &str) {
    assert_eq!(r.status, code, "{what}: {}", r.text());
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("application/json"),
        "{what}: {:?}",
        r.headers
    );
    let j = r.json();
    assert!(j["error"].as_str().is_some_and(|s| !s.is_empty()), "{what}");
    assert!(j["help"].as_str().is_some_and(|s| !s.is_empty()), "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert!(
        r.header("content-security-policy")
            .is_some_and(|c| c.contains("default-src 'none'")),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_own_words(r);
}

/// A raw request (bytes as given) and the whole answer.
fn raw(a: std::net::SocketAddr, bytes: &[u8]) -> Resp {
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(bytes).unwrap();
    let _ = s.shutdown(std::net::Shutdown::Write);
    read_response(&mut s)
}

#[test]
fn every_4xx_is_json_with_the_security_headers_and_in_our_own_words() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    // Paths the router cannot decode, and paths hyper itself refuses.
    for path in [
        "/api/labels/%FF",
        "/api/labels/%E0%80",
        "/api/status/%FF%FE",
        "/api/trust/%C0",
    ] {
        assert_json_error(&get(a, path), 400, path);
    }
    for (bytes, code) in [
        (b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        (b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        (b"GET / HTTP/1.1\r\nHost x\r\n\r\n".to_vec(), 400),
        (b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        (b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
    ] {
        assert_json_error(&raw(a, &bytes), code, &String::from_utf8_lossy(&bytes));
    }
    // 414 from our limit, and hyper's own 431 for a head over its buffer.
    for len in [8 * 1024 + 1, 20_000, 60_000] {
        let path = format!("/api/labels?model={}", "m".repeat(len));
        assert_json_error(&get(a, &path), 414, "long path");
    }
    let big_header = format!(
        "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "h".repeat(200_000)
    );
    assert_json_error(&raw(a, big_header.as_bytes()), 431, "big header");
    let many_headers = format!(
        "GET /api/health HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..120)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    assert_json_error(&raw(a, many_headers.as_bytes()), 431, "many headers");
    // Query and body errors name the field in our words.
    for (q, field) in [
        ("/api/labels?limit=many", "`limit`"),
        ("/api/labels?limit=0", "`limit`"),
        ("/api/labels?limit=101", "`limit`"),
        ("/api/labels?colour=red", "`colour`"),
        ("/api/labels?model=a&model=b", "`model`"),
        ("/search?limit=-1", "`limit`"),
        ("/search?x=1", "`x`"),
    ] {
        let r = get(a, q);
        assert_json_error(&r, 400, q);
        assert!(r.json()["error"].as_str().unwrap().contains(field), "{q}");
    }
    for (body, field) in [
        (r#"{"text": 5}"#, "`text`"),
        (r#"{"path": "/V", "fragment": ["A"]}"#, "`fragment`"),
        (r#"{"text": "x", "report": "yes"}"#, "`report`"),
        (r#"{"txt": "x"}"#, "`txt`"),
        (r#"["text"]"#, "not a JSON object"),
        (r#"{"text": "x""#, "not JSON"),
        ("\u{feff}{}", "not JSON"),
    ] {
        let r = request(
            a,
            "POST",
            "/api/verify",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_json_error(&r, 400, body);
        assert!(
            r.json()["error"].as_str().unwrap().contains(field),
            "{body}"
        );
    }
}

#[test]
fn statement_decoding_errors_name_the_field_in_our_words() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let l = lab_label(&sc, 0, 1);
    assert_eq!(publish(a, &l.cose).status, 201);
    let good = base_statement(&sc.lab, &l, LabelStatus::Revoked);
    let mut fields: Vec<(ciborium::Value, ciborium::Value)> = Vec::new();
    let v = ciborium::Value::serialized(&good).unwrap();
    if let ciborium::Value::Map(m) = v {
        fields = m;
    }
    let sign = |m: Vec<(ciborium::Value, ciborium::Value)>| {
        let mut payload = Vec::new();
        ciborium::ser::into_writer(&ciborium::Value::Map(m), &mut payload).unwrap();
        iotlabel::label::cose::sign_limited(&payload, &sc.lab, 4096).unwrap()
    };
    let text = |s: &str| ciborium::Value::Text(s.into());
    let cases: Vec<(Vec<(ciborium::Value, ciborium::Value)>, &str)> = vec![
        (
            fields
                .iter()
                .filter(|(k, _)| k.as_text() != Some("sequence"))
                .cloned()
                .collect(),
            "`sequence`",
        ),
        (
            fields
                .iter()
                .map(|(k, v)| {
                    if k.as_text() == Some("index") {
                        (k.clone(), text("zero"))
                    } else {
                        (k.clone(), v.clone())
                    }
                })
                .collect(),
            "`index`",
        ),
        (
            fields
                .iter()
                .map(|(k, v)| {
                    if k.as_text() == Some("status") {
                        (k.clone(), text("gone"))
                    } else {
                        (k.clone(), v.clone())
                    }
                })
                .collect(),
            "`status`",
        ),
        (
            fields
                .iter()
                .cloned()
                .chain([(text("extra"), text("x"))])
                .collect(),
            "`extra`",
        ),
        (
            fields
                .iter()
                .map(|(k, v)| {
                    if k.as_text() == Some("reason") {
                        (k.clone(), ciborium::Value::Integer(5.into()))
                    } else {
                        (k.clone(), v.clone())
                    }
                })
                .collect(),
            "`reason`",
        ),
    ];
    for (m, field) in cases {
        let r = revoke(a, &sign(m));
        assert_eq!(r.status, 422, "{field}: {}", r.text());
        assert!(
            r.json()["error"].as_str().unwrap().contains(field),
            "{field}: {}",
            r.text()
        );
        assert_own_words(&r);
    }
    // Not CBOR at all, inside a valid signature.
    let junk = iotlabel::label::cose::sign_limited(b"\xff\xff", &sc.lab, 4096).unwrap();
    let r = revoke(a, &junk);
    assert_eq!(r.status, 422);
    assert_own_words(&r);
}

#[test]
fn accept_language_q_zero_never_picks_japanese() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let l = lab_label(&sc, 0, 1);
    for h in [
        "ja;q=0",
        "ja;q=0.000, de",
        "ja-JP;q=0",
        "ja;q=2",
        "ja;q=nan",
    ] {
        let page = request(a, "GET", "/V", &[("Accept-Language", h)], b"");
        assert!(page.text().contains("<html lang=\"en\">"), "{h}");
        let j = verify_fragment(a, "/V", &l.qr_text, h).json();
        assert_eq!(j["view"]["lang"], "en", "{h}");
    }
    let j = verify_fragment(a, "/V", &l.qr_text, "en;q=0.5, ja;q=0.8").json();
    assert_eq!(j["view"]["lang"], "ja");
}

/// The page's fragment is taken as given, like QR text: one or more '#' before it, or spaces
/// around it, make it MALFORMED, never a trimmed VALID.
#[test]
fn verify_fragments_are_taken_as_given() {
    let sc = scenario(30);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let l = lab_label(&sc, 0, 1);
    assert_eq!(publish(a, &l.cose).status, 201);
    let (_, fragment) = l.qr_text.split_once('#').unwrap();
    let ask = |f: &str| {
        let body = serde_json::json!({ "path": "/V", "fragment": f }).to_string();
        let r = request(
            a,
            "POST",
            "/api/verify",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["verdict"].as_str().unwrap().to_string()
    };
    assert_eq!(ask(fragment), "VALID");
    for f in [
        format!("#{fragment}"),
        format!("##{fragment}"),
        format!(" {fragment}"),
        format!("{fragment}\n"),
        format!("{fragment}\u{3000}"),
    ] {
        assert_eq!(ask(&f), "MALFORMED", "{f:?}");
    }
}
