//! `iotlabel serve` over HTTP on 127.0.0.1 (port 0, clock pinned): publish, verify, revoke,
//! a replayed revocation refused, the status change seen by verify and by an offline verifier
//! using the served lists; registry pages and search; status lists re-signed before their
//! next update; and clear JSON 4xx answers to bad requests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod serve_util;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use iotlabel::serve::Limits;
use iotlabel::status::{LabelStatus, open_status_list};
use iotlabel::trust::open_trust_list;
use iotlabel::verify::{Verdict, VerifyInput, verify};
use serve_util::*;

fn view_text(v: &serde_json::Value) -> String {
    v["view"].to_string()
}

#[test]
fn publish_verify_revoke_replay_and_the_status_change_seen_by_verify() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    let other = lab_label(&sc, 1, 2);
    let srv = start(&sc, ts(t0().as_second() + DAY), Limits::default());
    let a = srv.addr();
    let id = hex::encode(label.claims.label_id);

    // Publish: created, then idempotent.
    let r = publish(a, &label.cose);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["label_id"], id);
    assert_eq!(r.json()["outcome"], "created");
    let r = publish(a, &label.cose);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["outcome"], "already-present");
    assert_eq!(publish(a, &other.cose).status, 201);

    // Verify as the page does (any letter case of the path), and with the whole QR text.
    for path in ["/V", "/v"] {
        let r = verify_fragment(a, path, &label.qr_text, "en");
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["verdict"], "VALID");
        assert_eq!(j["colour"], "green");
        assert_eq!(j["view"]["rows"][0]["label"], "Device");
        let device = j["view"]["rows"][0]["value"].as_str().unwrap().to_string();
        assert!(
            device.contains(&label.claims.label.manufacturer)
                && device.contains(&label.claims.label.model),
            "{device}"
        );
        // Device and firmware first, then the issuer, then the scheme.
        let labels: Vec<String> = j["view"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap().to_string())
            .collect();
        let pos = |l: &str| labels.iter().position(|x| x == l).unwrap();
        assert_eq!(pos("Firmware"), 1);
        assert!(pos("Issued by") < pos("Scheme"), "{labels:?}");
        assert!(pos("Scheme") < pos("Tier") && pos("Tier") < pos("Assurance"));
        assert!(pos("Assurance") < pos("Label expires"));
    }
    let body = serde_json::json!({ "text": label.qr_text, "report": true }).to_string();
    let r = request(
        a,
        "POST",
        "/api/verify",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(r.json()["verdict"], "VALID");
    assert_eq!(r.json()["report"]["url_checked"], true);
    assert!(verify_fragment(a, "/V", &label.qr_text, "en").json()["report"].is_null());
    // A genuine label behind another site's URL is still WRONG URL.
    let swapped = label
        .qr_text
        .replacen("LBL.EXAMPLE.ORG", "LBL.EXAMPLE.COM", 1);
    let body = serde_json::json!({ "text": swapped }).to_string();
    let r = request(
        a,
        "POST",
        "/api/verify",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(r.json()["verdict"], "WRONG_URL");
    assert_eq!(r.json()["colour"], "red");

    // Revoke (signed by the lab that issued it); verify sees it at once, although the label's
    // signature check is in the service's signature cache by now.
    let cache = srv
        .core
        .signature_cache()
        .expect("the service caches signature checks");
    assert!(cache.hits() > 0 && !cache.is_empty());
    let st1 = statement(&sc.lab, &label, LabelStatus::Revoked, 1, None);
    let r = revoke(a, &st1);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "revoked");
    let hits = cache.hits();
    let j = verify_fragment(a, "/V", &label.qr_text, "en").json();
    assert_eq!(cache.hits(), hits + 1, "served from the signature cache");
    assert_eq!(j["verdict"], "REVOKED");
    assert_eq!(j["colour"], "red");
    assert_eq!(j["view"]["icon"], "\u{2716}");
    // The other label of the same key is untouched.
    assert_eq!(
        verify_fragment(a, "/V", &other.qr_text, "en").json()["verdict"],
        "VALID"
    );

    // Replays are refused: the same statement, and an older sequence number.
    let r = revoke(a, &st1);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("replayed"));
    let st_suspend = statement(&sc.lab, &label, LabelStatus::Suspended, 1, None);
    assert_eq!(revoke(a, &st_suspend).status, 409);
    assert_eq!(
        verify_fragment(a, "/V", &label.qr_text, "en").json()["verdict"],
        "REVOKED"
    );

    // The served trust list and status list give the same answer offline.
    let trust = get(a, "/api/trust/example-agency");
    assert_eq!(trust.status, 200);
    assert_eq!(trust.body, sc.trust_bytes);
    let kid = hex::encode(iotlabel::keys::Signer::kid(&sc.lab));
    let status = get(a, &format!("/api/status/{kid}"));
    assert_eq!(status.status, 200);
    assert_eq!(
        status.header("content-type"),
        Some("application/statuslist+cwt")
    );
    let now = t0().as_second() + DAY;
    let trusted = open_trust_list(&trust.body, &sc.roots(), now).unwrap();
    let list = open_status_list(&status.body, &[trusted]).unwrap();
    assert_eq!(
        list.get(label.claims.status_index),
        Some(LabelStatus::Revoked)
    );
    let offline = verify(&VerifyInput {
        text: Some(&label.qr_text),
        cose: None,
        roots: &sc.roots(),
        trust_lists: std::slice::from_ref(&trust.body),
        status_lists: std::slice::from_ref(&status.body),
        at: ts(now),
    });
    assert_eq!(offline.verdict, Verdict::Revoked);

    // Registry JSON and page: status and reason, no evidence or report contents.
    let r = get(a, &format!("/api/labels/{}", id.to_uppercase()));
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["status"], "revoked");
    assert_eq!(j["status_reason"], "test");
    assert_eq!(j["label"]["status_index"], 0);
    let text = r.text();
    assert!(
        !text.contains("evidence") && !text.contains("report"),
        "{text}"
    );
    assert!(!text.contains(&hex::encode(label.claims.label.evidence_digest)));
    let page = get(a, &format!("/L/{}", id.to_uppercase()));
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text();
    assert!(html.contains("Revoked"), "{html}");
    assert!(html.contains(&label.claims.label.model));
    let evidence = hex::encode(label.claims.label.evidence_digest);
    assert!(
        !html.contains(&evidence) && !html.contains("https://"),
        "{html}"
    );
    assert_eq!(get(a, "/l/0000000000000000").status, 404);

    // Search by manufacturer / model.
    let maker = label.claims.label.manufacturer.to_lowercase();
    let q = format!(
        "/api/labels?manufacturer={}&model={}",
        maker.split(' ').next().unwrap(),
        label.claims.label.model.split(' ').next().unwrap()
    );
    let r = get(a, &q);
    assert_eq!(r.status, 200, "{}", r.text());
    let hits = r.json()["labels"].as_array().unwrap().clone();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits.iter().any(|h| h["verdict"] == "REVOKED"));
    let r = get(a, "/search?manufacturer=nobody-at-all");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("No labels found"));

    // The state survives a restart of the service on the same database.
    let db = srv.dir.path().join("registry.sqlite");
    let dir = srv.dir;
    srv.running.stop();
    let store = std::sync::Arc::new(iotlabel::registry::SqliteStore::open(&db).unwrap());
    let core = iotlabel::serve::Core::new(
        iotlabel::serve::CoreConfig {
            roots: sc.roots(),
            trust_lists: vec![sc.trust_bytes.clone()],
            status_files: vec![],
            status_key: Some(scenario(1).status),
            status_validity: DAY,
        },
        store,
        std::sync::Arc::new(iotlabel::serve::FixedClock::new(ts(now))),
    )
    .unwrap();
    assert_eq!(core.verify_text(&label.qr_text).verdict, Verdict::Revoked);
    assert_eq!(core.verify_text(&other.qr_text).verdict, Verdict::Valid);
    drop(dir);
}

#[test]
fn refused_labels_and_revocations() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    let srv = start(&sc, ts(t0().as_second() + DAY), Limits::default());
    let a = srv.addr();

    // A tampered label: the signature does not verify; the verdict says so.
    let mut tampered = label.cose.clone();
    let n = tampered.len();
    tampered[n - 70] ^= 1;
    let r = publish(a, &tampered);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["verdict"], "BAD_SIGNATURE");
    // Not a label at all.
    let r = publish(a, b"hello");
    assert_eq!(r.status, 422);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("not a signed label")
    );
    // A label signed by a key no trust list names.
    let stranger = iotlabel::scenario::Scenario::new(set(), b"someone else", t0(), 30).unwrap();
    let foreign = lab_label(&stranger, 0, 1);
    let r = publish(a, &foreign.cose);
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["verdict"], "UNTRUSTED_ISSUER");

    // A revocation for a label the registry does not hold.
    let st = statement(&sc.lab, &label, LabelStatus::Revoked, 1, None);
    let r = revoke(a, &st);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.json()["help"]
            .as_str()
            .unwrap()
            .contains("publish the label first")
    );
    assert_eq!(publish(a, &label.cose).status, 201);
    // Signed by a key of another issuer: not authorised.
    let st = statement(&sc.manufacturer, &label, LabelStatus::Revoked, 1, None);
    let r = revoke(a, &st);
    assert!(
        r.status == 403 || r.status == 422,
        "{} {}",
        r.status,
        r.text()
    );
    // Superseded without a successor.
    let st = statement(&sc.lab, &label, LabelStatus::Superseded, 1, None);
    assert_eq!(revoke(a, &st).status, 422);
    assert_eq!(
        verify_fragment(a, "/V", &label.qr_text, "en").json()["verdict"],
        "VALID"
    );
}

#[test]
fn bad_requests_get_clear_json_4xx_and_the_server_stays_up() {
    let sc = scenario(30);
    let limits = Limits {
        body_bytes: 4096,
        request_timeout: Duration::from_millis(800),
        ..Limits::default()
    };
    let srv = start(&sc, ts(t0().as_second() + DAY), limits);
    let a = srv.addr();
    let json_error = |r: &Resp, code: u16| {
        assert_eq!(r.status, code, "{}", r.text());
        assert!(
            r.header("content-type")
                .unwrap_or("")
                .starts_with("application/json"),
            "{:?}",
            r.headers
        );
        let j = r.json();
        assert!(j["error"].as_str().is_some_and(|s| !s.is_empty()), "{j}");
        assert!(j["help"].as_str().is_some_and(|s| !s.is_empty()), "{j}");
    };
    json_error(&get(a, "/nowhere"), 404);
    json_error(&get(a, "/api/labels/xyz"), 400);
    json_error(&get(a, "/api/labels/0123456789abcdef"), 404);
    json_error(&get(a, "/api/status/0000000000000000"), 404);
    json_error(&request(a, "DELETE", "/api/labels", &[], b""), 405);
    json_error(&request(a, "POST", "/V", &[], b""), 405);
    json_error(
        &request(
            a,
            "POST",
            "/api/labels",
            &[("Content-Type", "text/plain")],
            b"x",
        ),
        415,
    );
    json_error(
        &request(
            a,
            "POST",
            "/api/verify",
            &[("Content-Type", "text/plain")],
            b"{}",
        ),
        415,
    );
    json_error(
        &request(
            a,
            "POST",
            "/api/verify",
            &[("Content-Type", "application/json")],
            b"{not json",
        ),
        400,
    );
    json_error(
        &request(
            a,
            "POST",
            "/api/verify",
            &[("Content-Type", "application/json")],
            br#"{"path": "/nope", "fragment": "AAAA"}"#,
        ),
        400,
    );
    json_error(&get(a, "/api/labels?limit=many"), 400);
    // Oversized: declared, and streamed without a length.
    let big = vec![b'A'; 10_000];
    json_error(
        &request(
            a,
            "POST",
            "/api/labels",
            &[("Content-Type", "application/cose")],
            &big,
        ),
        413,
    );
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(
        b"POST /api/labels HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/cose\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .unwrap();
    for _ in 0..5 {
        let _ = s.write_all(b"800\r\n");
        let _ = s.write_all(&[b'B'; 0x800]);
        let _ = s.write_all(b"\r\n");
    }
    let _ = s.write_all(b"0\r\n\r\n");
    json_error(&read_response(&mut s), 413);
    // A slow body: the head promises 100 bytes, 10 arrive, then nothing.
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(
        b"POST /api/labels HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/cose\r\nContent-Length: 100\r\n\r\n0123456789",
    )
    .unwrap();
    json_error(&read_response(&mut s), 408);
    // A verify request that is not a label at all still gets a verdict, not an error.
    let r = verify_fragment(a, "/v", "HTTPS://LBL.EXAMPLE.ORG/V#not-base32!", "en");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["verdict"], "MALFORMED");
    // Garbage on the socket is answered (or the connection closed), never a crash.
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(b"\x00\x01\x02 garbage\r\n\r\n");
    let mut sink = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut sink);
    let r = get(a, "/api/health");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ok"], true);
}

#[test]
fn verify_page_is_neutral_until_the_verdict_and_speaks_japanese() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    let srv = start(&sc, ts(t0().as_second() + DAY), Limits::default());
    let a = srv.addr();
    publish(a, &label.cose);
    let page = get(a, "/V");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("class=\"verdict checking\""));
    assert!(html.contains("Checking this label"));
    assert!(html.contains("lbl.example.org"));
    assert!(!html.contains("Valid label"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let ja = request(a, "GET", "/v", &[("Accept-Language", "ja,en;q=0.5")], b"");
    assert!(ja.text().contains("<html lang=\"ja\">"));
    assert!(ja.text().contains("ラベルを確認しています"));
    let j = verify_fragment(a, "/V", &label.qr_text, "ja-JP").json();
    assert_eq!(j["view"]["lang"], "ja");
    assert_eq!(j["view"]["headline"], "有効なラベル");
    assert_eq!(j["view"]["rows"][0]["label"], "機器");
    assert!(!view_text(&j).contains("secure"));
    assert_eq!(get(a, "/assets/verify.js").status, 200);
    assert_eq!(get(a, "/assets/style.css").status, 200);
}

#[test]
fn status_lists_are_re_signed_before_their_next_update() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    let start_at = t0().as_second() + DAY;
    let srv = start(&sc, ts(start_at), Limits::default());
    let a = srv.addr();
    publish(a, &label.cose);
    let kid = hex::encode(iotlabel::keys::Signer::kid(&sc.lab));
    let index = get(a, "/api/status").json();
    let first = index["status_lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["issuer_kid"] == kid.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        first["next_update"],
        iotlabel::time::format_unix(start_at + DAY)
    );
    // Past the first list's next update: a verifier would call it stale, the service re-signed.
    srv.clock.set(ts(start_at + DAY + 3600));
    let j = verify_fragment(a, "/V", &label.qr_text, "en").json();
    assert_eq!(j["verdict"], "VALID", "{j}");
    let bytes = get(a, &format!("/api/status/{kid}")).body;
    let trusted = open_trust_list(&sc.trust_bytes, &sc.roots(), start_at + DAY + 3600).unwrap();
    let list = open_status_list(&bytes, &[trusted]).unwrap();
    assert_eq!(list.issued_at, start_at + DAY + 3600);
    assert_eq!(list.expires, start_at + 2 * DAY + 3600);
    // The background tick re-signs without traffic too.
    srv.clock.set(ts(start_at + 3 * DAY));
    srv.core.tick();
    let snap = srv.core.snapshot();
    assert_eq!(
        snap.status[&kid.parse().unwrap()].issued_at,
        start_at + 3 * DAY
    );
}

#[test]
fn superseded_and_expired_labels_link_to_the_current_label_for_the_model() {
    let sc = scenario(60);
    // The old label expires 20 days after issue (claims re-signed by the same lab key).
    let mut old = lab_label(&sc, 0, 1);
    old.claims.expires = t0().as_second() + 20 * DAY;
    old.cose = iotlabel::label::sign_label(&old.claims, &sc.lab).unwrap();
    old.qr_text = iotlabel::label::qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &old.cose);
    let new = issue_label(
        &sc,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        ts(t0().as_second() + 10 * DAY),
        1,
        1,
    );
    assert!(new.claims.expires > old.claims.expires);
    let srv = start(&sc, ts(t0().as_second() + 11 * DAY), Limits::default());
    let a = srv.addr();
    assert_eq!(publish(a, &old.cose).status, 201);
    assert_eq!(publish(a, &new.cose).status, 201);
    let new_id = hex::encode(new.claims.label_id);
    // Nine days before its expiry the old label is valid but amber, and links nowhere.
    let j = verify_fragment(a, "/V", &old.qr_text, "en").json();
    assert_eq!(j["verdict"], "VALID", "{j}");
    assert_eq!(j["colour"], "amber");
    assert_eq!(j["view"]["headline"], "Valid, but expiring soon");
    assert!(j["view"]["current_label"].is_null());
    // Expired: just after the old label's expiry, the new one still valid (amber: expiring soon).
    srv.clock.set(ts(old.claims.expires + 3600));
    let j = verify_fragment(a, "/V", &old.qr_text, "en").json();
    assert_eq!(j["verdict"], "EXPIRED", "{j}");
    assert_eq!(j["view"]["current_label"]["href"], format!("/L/{new_id}"));
    let j = verify_fragment(a, "/V", &new.qr_text, "en").json();
    assert_eq!(j["verdict"], "VALID", "{j}");
    assert_eq!(j["colour"], "green");
    // Superseded, naming its successor.
    srv.clock.set(ts(t0().as_second() + 12 * DAY));
    let st = statement(
        &sc.lab,
        &old,
        LabelStatus::Superseded,
        1,
        Some(new.claims.label_id.into()),
    );
    assert_eq!(revoke(a, &st).status, 200);
    let j = verify_fragment(a, "/V", &old.qr_text, "en").json();
    assert_eq!(j["verdict"], "REVOKED");
    assert_eq!(j["view"]["current_label"]["href"], format!("/L/{new_id}"));
    let html = get(a, &format!("/L/{}", hex::encode(old.claims.label_id))).text();
    assert!(html.contains(&format!("href=\"/L/{new_id}\"")), "{html}");
}
