//! The service's POST handlers, driven in-process through the axum router (no network) on a
//! fresh SQLite registry in /dev/shm with a pinned clock. The first byte picks the request:
//!
//! - 0 `/api/verify`: the rest is the JSON body.
//! - 1 `/api/labels`: [signer, bytes...]: the bytes re-signed by the signer's genuine key (or,
//!   when the signer byte's top bit is set, sent as they are); a label the registry takes is
//!   then revoked by a statement of its own key, and verified.
//! - 2 `/api/revocations`: [signer, bytes...]: a statement payload signed by the chosen key,
//!   sent after the setup's first labels were published.
//!
//! Oracles: never a 5xx; every error is JSON; `/api/verify` gives the library's verdict for the
//! same text; a revocation the service accepted (200) shows as REVOKED/SUSPENDED/... at once;
//! after every request the service starts again on the same database.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use iotlabel::keys::{Signer, SoftwareKey};
use iotlabel::label::{LabelClaims, cose};
use iotlabel::registry::{SqliteStore, Store};
use iotlabel::serve::{App, Core, CoreConfig, FixedClock, Limits, router};
use iotlabel::status::{LabelStatus, RevocationStatement};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    })
}

/// The scenario's status key (scenario.rs derives keys as SHA-256(seed || name)).
fn status_key() -> SoftwareKey {
    let mut h = Sha256::new();
    h.update(common::SEED);
    h.update(b"status");
    let k = SoftwareKey::from_seed(&h.finalize().into());
    assert_eq!(k.kid(), common::setup().scenario.status.kid());
    k
}

/// A registry database in /dev/shm, removed on drop.
struct Db(std::path::PathBuf);

impl Db {
    fn new() -> Db {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        Db(std::path::PathBuf::from(format!(
            "/dev/shm/iotlabel-fuzz-{}-{n}.sqlite",
            std::process::id()
        )))
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.0.display()));
        }
    }
}

struct Service {
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
    router: axum::Router,
}

fn config() -> CoreConfig {
    let s = common::setup();
    CoreConfig {
        roots: s.scenario.roots(),
        trust_lists: vec![s.scenario.trust_bytes.clone()],
        status_files: vec![],
        status_key: Some(status_key()),
        status_validity: 86_400,
    }
}

fn start(store: Arc<dyn Store>, clock: Arc<FixedClock>) -> Result<Service, String> {
    let core = Core::new(config(), store.clone(), clock.clone())?;
    let app = Arc::new(App::new(Arc::new(core), Limits::default()));
    Ok(Service {
        store,
        clock,
        router: router(app),
    })
}

struct Answer {
    status: StatusCode,
    json: serde_json::Value,
}

fn post(svc: &Service, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::HOST, "lbl.example.org")
        .body(Body::from(body))
        .expect("request");
    let (status, ct, bytes) = runtime().block_on(async {
        let resp = svc.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, ct, bytes)
    });
    assert!(
        !status.is_server_error(),
        "{path} answered {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(
        ct.starts_with("application/json"),
        "{path} answered {status} with Content-Type {ct:?}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{path}: not JSON ({e})"));
    Answer { status, json }
}

/// A service on a fresh database (every publish or revocation input starts from an empty
/// registry, so inputs do not depend on each other).
fn fresh(db: &Db) -> Service {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db.0).expect("store opens"));
    let clock = Arc::new(FixedClock::new(common::now()));
    start(store, clock).expect("service starts on a fresh database")
}

fn verify_text(svc: &Service, text: &str) -> Answer {
    let body = serde_json::to_vec(&serde_json::json!({ "text": text })).expect("json");
    post(svc, "/api/verify", "application/json", body)
}

/// The service must start again on the same database, whatever was stored.
fn restarts(svc: &Service) {
    if let Err(e) = Core::new(config(), svc.store.clone(), svc.clock.clone()) {
        panic!("the service no longer starts on its database: {e}");
    }
}

fn statement(claims: &LabelClaims, kid: [u8; 8], status: LabelStatus) -> RevocationStatement {
    RevocationStatement {
        format: "iotlabel-revocation/1".into(),
        label: claims.label_id.into(),
        issuer_kid: kid.into(),
        index: claims.status_index,
        status,
        reason: "fuzz".into(),
        at: common::NOW,
        sequence: 1,
        successor: None,
    }
}

fn words(a: &Answer) -> String {
    a.json["verdict"].as_str().unwrap_or("").to_string()
}

fn api_verify(svc: &Service, body: &[u8]) {
    let a = post(svc, "/api/verify", "application/json", body.to_vec());
    if a.status != StatusCode::OK {
        return;
    }
    // Same verdict as the library for the same text (the service's fresh status lists are
    // empty, as the setup's are).
    let Ok(req) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    if let (Some(text), None) = (req["text"].as_str(), req.get("path")) {
        let lib = common::setup()
            .store
            .verify(Some(text), None, common::now());
        let lib_json = serde_json::to_value(lib.verdict).expect("verdict");
        assert_eq!(
            a.json["verdict"], lib_json,
            "service and library disagree on {text:?}"
        );
    }
}

fn api_labels(svc: &Service, who: u8, bytes: &[u8]) {
    let s = common::setup();
    let body = if who & 0x80 != 0 {
        bytes.to_vec()
    } else {
        let Some(c) = common::sign_payload(bytes, s.key(common::Who::from_byte(who)), 1024) else {
            return;
        };
        c
    };
    let a = post(svc, "/api/labels", "application/cose", body.clone());
    if !a.status.is_success() {
        return;
    }
    restarts(svc);
    // Taken: its own key revokes it, and the registry says so at once.
    let parsed = cose::parse(&body).expect("a published label parses");
    let claims = LabelClaims::decode(&parsed.payload).expect("a published label decodes");
    let Some(who) = s.who_signed(&parsed.kid) else {
        panic!("published a label of key {}", hex::encode(parsed.kid));
    };
    let st = statement(&claims, parsed.kid, LabelStatus::Revoked);
    let signed = st.sign(s.key(who)).expect("statement signs");
    let r = post(svc, "/api/revocations", "application/cose", signed);
    if r.status == StatusCode::OK {
        restarts(svc);
        let text = iotlabel::label::qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &body);
        let v = verify_text(svc, &text);
        assert_eq!(
            words(&v),
            "REVOKED",
            "revocation answered 200 but verify says {v:?}",
            v = v.json
        );
    }
}

fn api_revocations(svc: &Service, who: u8, bytes: &[u8]) {
    let s = common::setup();
    for l in s.labels.iter().take(3) {
        let a = post(svc, "/api/labels", "application/cose", l.cose.clone());
        assert!(a.status.is_success(), "genuine label refused: {}", a.json);
    }
    let Some(signed) = common::sign_payload(bytes, s.key(common::Who::from_byte(who)), 4096) else {
        return;
    };
    let r = post(svc, "/api/revocations", "application/cose", signed.clone());
    if r.status != StatusCode::OK {
        return;
    }
    restarts(svc);
    let Ok(st) = ciborium::de::from_reader::<RevocationStatement, _>(bytes) else {
        panic!("the service applied a statement that does not decode");
    };
    if let Some(l) = s
        .labels
        .iter()
        .take(3)
        .find(|l| st.label.0 == l.claims.label_id)
    {
        let v = verify_text(svc, &l.text);
        let expect = match st.status {
            LabelStatus::Valid => "VALID",
            LabelStatus::Revoked | LabelStatus::Superseded => "REVOKED",
            LabelStatus::Suspended => "SUSPENDED",
        };
        assert_eq!(
            words(&v),
            expect,
            "statement {st:?} applied, verify says {}",
            v.json
        );
    }
}

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for l in s.labels.iter().take(4) {
        let mut v = vec![0];
        v.extend(serde_json::to_vec(&serde_json::json!({ "text": l.text })).expect("json"));
        out.push(v);
        let frag = l.text.rsplit('#').next().unwrap_or("");
        let mut v = vec![0];
        v.extend(
            serde_json::to_vec(
                &serde_json::json!({ "path": "/V", "fragment": frag, "report": true }),
            )
            .expect("json"),
        );
        out.push(v);
        let mut v = vec![1, common::who_byte(l.signer)];
        v.extend(common::payload(&l.cose));
        out.push(v);
        let mut v = vec![1, 0x80];
        v.extend(&l.cose);
        out.push(v);
    }
    // Boundary seed: a genuine label's claims at the last index a status list holds, re-signed
    // by its key (the fuzzer's integer mutations step across it).
    let l = &s.labels[0];
    let mut c = l.claims.clone();
    c.status_index = iotlabel::status::STATUS_ENTRIES as u32 - 1;
    if let Ok(bytes) = c.encode() {
        out.push([vec![1, common::who_byte(l.signer)], bytes].concat());
    }
    for (j, l) in s.labels.iter().take(3).enumerate() {
        for st in [
            LabelStatus::Revoked,
            LabelStatus::Suspended,
            LabelStatus::Superseded,
        ] {
            let who = if j == 2 { common::Who::Root } else { l.signer };
            let mut v = vec![2, common::who_byte(who)];
            v.extend(common::statement_for(l, s, st, 1));
            out.push(v);
        }
    }
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let [op, rest @ ..] = data else {
        return;
    };
    if op % 3 == 0 {
        // Verifying changes nothing: one service (and database) for every verify input.
        static VERIFY: OnceLock<(Service, Db)> = OnceLock::new();
        let (svc, _) = VERIFY.get_or_init(|| {
            let db = Db::new();
            (fresh(&db), db)
        });
        return api_verify(svc, rest);
    }
    let db = Db::new();
    let svc = fresh(&db);
    match (op % 3, rest) {
        (1, [who, bytes @ ..]) => api_labels(&svc, *who, bytes),
        (2, [who, bytes @ ..]) => api_revocations(&svc, *who, bytes),
        _ => {}
    }
    drop(svc);
    drop(db);
});
