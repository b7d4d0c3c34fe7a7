//! The verify page in headless Chromium: open a QR URL with its fragment, let the page ask
//! the server, and read the verdict and device text from the resulting DOM, for a valid, a
//! tampered and a revoked label (and once in Japanese): green and red; and the two amber
//! states, a label expiring within 30 days and a status list past its next update.
//!
//! Chromium is expected at /usr/bin/chromium (`.ci/run` installs Debian's package). Without
//! it this test FAILS, unless IOTLABEL_SKIP_BROWSER=1 is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod common;
mod serve_util;

use std::path::Path;
use std::process::Command;

use iotlabel::serve::Limits;
use iotlabel::status::LabelStatus;
use serve_util::*;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The DOM after the page ran (virtual time lets the fetch finish).
fn dump_dom(url: &str, lang: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--lang={lang}"),
            &format!("--accept-lang={lang}"),
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            "--virtual-time-budget=5000",
            url,
        ])
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The text of the element with this id (first match; enough for the page's own markup).
fn element_text(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {dom}"));
    let open_end = start + dom[start..].find('>').unwrap() + 1;
    let close = open_end + dom[open_end..].find("</").unwrap();
    dom[open_end..close].to_string()
}

fn verdict_class(dom: &str) -> String {
    let start = dom.find("id=\"verdict\"").unwrap();
    let tag_start = dom[..start].rfind('<').unwrap();
    let tag = &dom[tag_start..start + dom[start..].find('>').unwrap()];
    let c = tag.find("class=\"").unwrap() + 7;
    tag[c..c + tag[c..].find('"').unwrap()].to_string()
}

/// Whether Chromium is there; without it the test fails unless IOTLABEL_SKIP_BROWSER=1.
fn have_chromium(what: &str) -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var("IOTLABEL_SKIP_BROWSER").as_deref() == Ok("1") {
        common::skipped(
            what,
            &format!("{CHROMIUM} is missing and IOTLABEL_SKIP_BROWSER=1"),
        );
        return false;
    }
    panic!(
        "{CHROMIUM} is missing: install it (apt-get install chromium; .ci/run does) or set IOTLABEL_SKIP_BROWSER=1 to skip this test"
    );
}

#[test]
fn verify_page_in_headless_chromium_valid_tampered_revoked() {
    if !have_chromium("verify page in headless Chromium") {
        return;
    }
    let sc = scenario(30);
    let valid = lab_label(&sc, 0, 1);
    let revoked = lab_label(&sc, 1, 2);
    let srv = start(&sc, ts(t0().as_second() + DAY), Limits::default());
    let a = srv.addr();
    assert_eq!(publish(a, &valid.cose).status, 201);
    assert_eq!(publish(a, &revoked.cose).status, 201);
    let st = statement(&sc.lab, &revoked, LabelStatus::Revoked, 1, None);
    assert_eq!(revoke(a, &st).status, 200);
    let maker = &valid.claims.label.manufacturer;
    let model = &valid.claims.label.model;

    // The QR text is HTTPS://LBL.EXAMPLE.ORG/V#...: the camera opens /V with the fragment.
    let url = |qr: &str| {
        let (_, fragment) = qr.split_once('#').unwrap();
        format!("http://{a}/V#{fragment}")
    };

    let dom = dump_dom(&url(&valid.qr_text), "en-US");
    assert_eq!(element_text(&dom, "headline"), "Valid label", "{dom}");
    assert_eq!(verdict_class(&dom), "verdict green");
    assert_eq!(element_text(&dom, "icon"), "\u{2714}");
    assert!(dom.contains(&format!("<dd>{maker} {model}</dd>")), "{dom}");
    assert!(dom.contains("<dt>Firmware</dt>"));
    assert!(dom.contains("Example Test Lab Ltd"), "issuer shown: {dom}");
    assert!(!dom.contains("<section id=\"details\" hidden"));
    // Every bundled scheme is illustrative: the page says so, from the server's view.
    assert_eq!(
        element_text(&dom, "illustrative"),
        "Illustrative scheme, not an official mark",
        "{dom}"
    );
    assert!(!dom.contains("<p id=\"illustrative\" class=\"illustrative\" hidden"));

    // One character of the payload changed: the signature no longer verifies.
    let mut t: Vec<char> = valid.qr_text.chars().collect();
    let pos = t.len() - 30;
    t[pos] = if t[pos] == 'A' { 'B' } else { 'A' };
    let tampered: String = t.into_iter().collect();
    let dom = dump_dom(&url(&tampered), "en-US");
    assert_eq!(verdict_class(&dom), "verdict red", "{dom}");
    assert_eq!(
        element_text(&dom, "headline"),
        "Invalid: the label has been altered",
        "{dom}"
    );
    assert!(
        dom.contains("BAD SIGNATURE"),
        "the finding is listed: {dom}"
    );
    assert!(!dom.contains("Valid label"));
    // No verified scheme, so no illustrative line either.
    assert!(
        dom.contains("<p id=\"illustrative\" class=\"illustrative\" hidden"),
        "{dom}"
    );

    let dom = dump_dom(&url(&revoked.qr_text), "en-US");
    assert_eq!(element_text(&dom, "headline"), "Revoked", "{dom}");
    assert_eq!(verdict_class(&dom), "verdict red");
    assert_eq!(element_text(&dom, "icon"), "\u{2716}");
    assert!(dom.contains(&format!("<dd>{maker} {model}</dd>")), "{dom}");

    // The same valid label for a Japanese phone.
    let dom = dump_dom(&url(&valid.qr_text), "ja");
    assert!(dom.contains("<html lang=\"ja\">"), "{dom}");
    assert_eq!(element_text(&dom, "headline"), "有効なラベル", "{dom}");
    assert!(dom.contains("<dt>機器</dt>"));
    assert_eq!(
        element_text(&dom, "illustrative"),
        "例示用の制度であり、公式のマークではありません",
        "{dom}"
    );
}

/// A registry whose status lists are the given signed files (no status key: never re-signed,
/// so they can be stale), clock at `now`.
fn start_with_status_files(
    sc: &iotlabel::scenario::Scenario,
    now: jiff::Timestamp,
    status_files: Vec<Vec<u8>>,
) -> (iotlabel::serve::Running, tempfile::TempDir) {
    use iotlabel::registry::SqliteStore;
    use iotlabel::serve::{Core, CoreConfig, FixedClock};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("registry.sqlite")).unwrap());
    let core = Arc::new(
        Core::new(
            CoreConfig {
                roots: sc.roots(),
                trust_lists: vec![sc.trust_bytes.clone()],
                status_files,
                status_key: None,
                status_validity: DAY,
            },
            store,
            Arc::new(FixedClock::new(now)),
        )
        .unwrap(),
    );
    let running =
        iotlabel::serve::spawn(core, "127.0.0.1:0".parse().unwrap(), Limits::default(), 2).unwrap();
    (running, dir)
}

#[test]
fn verify_page_in_headless_chromium_amber_expiring_soon_and_status_stale() {
    use iotlabel::keys::Signer as _;
    if !have_chromium("verify page amber states in headless Chromium") {
        return;
    }
    let sc = scenario(30);
    let now = t0().as_second() + DAY;
    let url = |a: std::net::SocketAddr, qr: &str| {
        let (_, fragment) = qr.split_once('#').unwrap();
        format!("http://{a}/V#{fragment}")
    };

    // A genuine lab label whose expiry is 20 days away (re-signed by the lab key with a
    // shorter exp), and one 31 days away (still green: the warning starts at 30 days).
    let soon = |index: u32, days: i64| {
        let l = lab_label(&sc, index, u64::from(index) + 10);
        let mut c = l.claims.clone();
        c.expires = now + days * DAY;
        let cose = iotlabel::label::sign_label(&c, &sc.lab).unwrap();
        let qr = iotlabel::label::qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &cose);
        (cose, qr, l.claims.label.manufacturer)
    };
    let (cose20, qr20, maker) = soon(3, 20);
    let (cose31, qr31, _) = soon(4, 31);
    let srv = start(&sc, ts(now), Limits::default());
    let a = srv.addr();
    assert_eq!(publish(a, &cose20).status, 201);
    assert_eq!(publish(a, &cose31).status, 201);
    let dom = dump_dom(&url(a, &qr20), "en-US");
    assert_eq!(verdict_class(&dom), "verdict amber", "{dom}");
    assert_eq!(
        element_text(&dom, "headline"),
        "Valid, but expiring soon",
        "{dom}"
    );
    assert_eq!(element_text(&dom, "icon"), "!");
    assert!(dom.contains(maker.as_str()), "device shown: {dom}");
    let dom = dump_dom(&url(a, &qr31), "en-US");
    assert_eq!(verdict_class(&dom), "verdict green", "{dom}");
    assert_eq!(element_text(&dom, "headline"), "Valid label", "{dom}");

    // The lab key's status list as a file whose next update was a day ago (no status key:
    // the service cannot re-sign it).
    let stale = iotlabel::status::StatusList::new(sc.lab.kid(), now - 9 * DAY, now - DAY)
        .sign(&sc.status)
        .unwrap();
    let (running, _dir) = start_with_status_files(&sc, ts(now), vec![stale]);
    let valid = lab_label(&sc, 0, 1);
    let dom = dump_dom(&url(running.addr, &valid.qr_text), "en-US");
    assert_eq!(verdict_class(&dom), "verdict amber", "{dom}");
    assert_eq!(
        element_text(&dom, "headline"),
        "Valid, but the status could not be confirmed as current",
        "{dom}"
    );
    assert_eq!(element_text(&dom, "icon"), "!");
    assert!(dom.contains("STATUS STALE"), "the finding is listed: {dom}");
    // In Japanese too.
    let dom = dump_dom(&url(running.addr, &valid.qr_text), "ja");
    assert_eq!(verdict_class(&dom), "verdict amber", "{dom}");
    assert!(dom.contains("<html lang=\"ja\">"), "{dom}");
}
