//! Helpers for the `iotlabel serve` tests: a throwaway trust setup, labels issued under it, a
//! registry service on 127.0.0.1 port 0 with a pinned clock, and a tiny blocking HTTP/1.1
//! client (std only, so a test can also send a body slowly).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every test file uses all

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::ids::LabelId;
use iotlabel::issue::{IssueRequest, Issued, issue, profile_digest};
use iotlabel::keys::Signer;
use iotlabel::profile::Profile;
use iotlabel::registry::SqliteStore;
use iotlabel::scenario::Scenario;
use iotlabel::serve::{Core, CoreConfig, FixedClock, Limits, Running};
use iotlabel::status::{LabelStatus, RevocationStatement};
use jiff::Timestamp;

pub const SEED: &[u8] = b"serve tests";
pub const DAY: i64 = 86_400;

pub fn set() -> &'static CriteriaSet {
    static SET: OnceLock<CriteriaSet> = OnceLock::new();
    SET.get_or_init(|| criteria::load_bundled().expect("bundled criteria"))
}

pub fn t0() -> Timestamp {
    iotlabel::time::parse_at("2026-12-01T00:00:00Z").unwrap()
}

pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap()
}

/// The demo trust setup at t0, trust list valid for `trust_days`.
pub fn scenario(trust_days: i64) -> Scenario {
    Scenario::new(set(), SEED, t0(), trust_days).expect("scenario")
}

/// Issues a fixture profile under a scheme with `key` at `when`, status index `index`. `salt`
/// changes the profile digest, so the same profile gives distinct labels.
pub fn issue_label(
    sc: &Scenario,
    key: &dyn Signer,
    profile: &str,
    scheme: &str,
    when: Timestamp,
    index: u32,
    salt: u64,
) -> Issued {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(profile);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&salt.to_be_bytes());
    let prof = Profile::load(&path, set()).expect("profile");
    let trusted = sc.verified(t0()).unwrap();
    issue(&IssueRequest {
        scheme: set().scheme(scheme).expect("scheme"),
        vocab: &set().vocab,
        profile: &prof,
        profile_digest: profile_digest(&bytes),
        at: when,
        key,
        trust: &trusted,
        status_index: index,
    })
    .map_err(|(e, _)| e)
    .expect("issued")
}

/// The lab's Level 3 thermostat label under cls-like@2.
pub fn lab_label(sc: &Scenario, index: u32, salt: u64) -> Issued {
    issue_label(
        sc,
        &sc.lab,
        "thermostat-level3.toml",
        "cls-like@2",
        t0(),
        index,
        salt,
    )
}

/// A revocation statement for an issued label, as `key` would sign it, dated `t0`.
pub fn statement_for(
    key: &dyn Signer,
    label: &Issued,
    to: LabelStatus,
    sequence: u64,
    successor: Option<LabelId>,
) -> RevocationStatement {
    RevocationStatement {
        format: "iotlabel-revocation/1".into(),
        label: label.claims.label_id.into(),
        issuer_kid: key.kid().into(),
        index: label.claims.status_index,
        status: to,
        reason: "test".into(),
        at: t0().as_second(),
        sequence,
        successor,
    }
}

/// A signed revocation statement for an issued label, signed by `key`.
pub fn statement(
    key: &dyn Signer,
    label: &Issued,
    to: LabelStatus,
    sequence: u64,
    successor: Option<LabelId>,
) -> Vec<u8> {
    statement_for(key, label, to, sequence, successor)
        .sign(key)
        .unwrap()
}

/// A running registry with a pinned clock.
pub struct Server {
    pub running: Running,
    pub clock: Arc<FixedClock>,
    pub core: Arc<Core>,
    pub dir: tempfile::TempDir,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.running.addr
    }
}

/// Starts a registry for the scenario on 127.0.0.1:0 with the clock at `now`.
pub fn start(sc: &Scenario, now: Timestamp, limits: Limits) -> Server {
    start_in(sc, now, limits, tempfile::tempdir().unwrap())
}

/// The same, on the database `registry.sqlite` in `dir` (which may hold one already).
pub fn start_in(sc: &Scenario, now: Timestamp, limits: Limits, dir: tempfile::TempDir) -> Server {
    let store = Arc::new(SqliteStore::open(&dir.path().join("registry.sqlite")).unwrap());
    let clock = Arc::new(FixedClock::new(now));
    // Keys depend on the seed only: a second scenario hands over its status key by value.
    let status_key = scenario(1).status;
    let core = Arc::new(
        Core::new(
            CoreConfig {
                roots: sc.roots(),
                trust_lists: vec![sc.trust_bytes.clone()],
                status_files: vec![],
                status_key: Some(status_key),
                status_validity: DAY,
            },
            store,
            clock.clone(),
        )
        .unwrap(),
    );
    let running =
        iotlabel::serve::spawn(core.clone(), "127.0.0.1:0".parse().unwrap(), limits, 2).unwrap();
    Server {
        running,
        clock,
        core,
        dir,
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request on a fresh connection (`Connection: close`).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    read_response(&mut s)
}

/// `POST /api/labels` that reports a dead server as `None` instead of panicking.
pub fn try_publish(addr: SocketAddr, cose: &[u8]) -> Option<Resp> {
    try_post_cose(addr, "/api/labels", cose)
}

/// `POST /api/revocations` that reports a dead server as `None` instead of panicking.
pub fn try_revoke(addr: SocketAddr, statement: &[u8]) -> Option<Resp> {
    try_post_cose(addr, "/api/revocations", statement)
}

fn try_post_cose(addr: SocketAddr, path: &str, cose: &[u8]) -> Option<Resp> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/cose\r\nContent-Length: {}\r\n\r\n",
        cose.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(cose).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    raw.windows(4)
        .any(|w| w == b"\r\n\r\n")
        .then(|| parse_response(&raw))
}

pub fn read_response(s: &mut TcpStream) -> Resp {
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(nl) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..nl]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + size]);
        b = &b[nl + 2 + size + 2..];
    }
}

pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], b"")
}

pub fn publish(addr: SocketAddr, cose: &[u8]) -> Resp {
    request(
        addr,
        "POST",
        "/api/labels",
        &[("Content-Type", "application/cose")],
        cose,
    )
}

pub fn revoke(addr: SocketAddr, statement: &[u8]) -> Resp {
    request(
        addr,
        "POST",
        "/api/revocations",
        &[("Content-Type", "application/cose")],
        statement,
    )
}

/// `POST /api/verify` as the verify page sends it: the page's path and the fragment.
pub fn verify_fragment(addr: SocketAddr, path: &str, qr_text: &str, lang: &str) -> Resp {
    let fragment = qr_text.split_once('#').map_or(qr_text, |(_, f)| f);
    let body = serde_json::json!({ "path": path, "fragment": fragment }).to_string();
    request(
        addr,
        "POST",
        "/api/verify",
        &[
            ("Content-Type", "application/json"),
            ("Accept-Language", lang),
        ],
        body.as_bytes(),
    )
}

/// A TCP connection to `addr` from the source address `from` (any of 127.0.0.0/8 binds on
/// Linux), so a test can act as several clients for the per-address connection limit.
pub fn connect_from(from: std::net::Ipv4Addr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let rt = RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap()
    });
    let _guard = rt.enter();
    let s = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4()?;
        sock.bind(SocketAddr::new(from.into(), 0))?;
        sock.connect(addr).await
    })?;
    let s = s.into_std()?;
    s.set_nonblocking(false)?;
    Ok(s)
}

/// Sends one request on an open connection and reads one response (by Content-Length or
/// chunked framing), leaving the connection open.
pub fn exchange(s: &mut TcpStream, raw_request: &[u8]) -> std::io::Result<Resp> {
    s.write_all(raw_request)?;
    read_one_response(s)
}

/// Reads exactly one response from a keep-alive connection.
pub fn read_one_response(s: &mut TcpStream) -> std::io::Result<Resp> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            let done = match len {
                Some(n) => raw.len() >= split + 4 + n,
                None => raw.ends_with(b"0\r\n\r\n"),
            };
            if done {
                return Ok(parse_response(&raw));
            }
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("connection closed after {} bytes", raw.len()),
            ));
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

/// A keep-alive `GET` request.
pub fn get_keep_alive(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()
}

/// The files `iotlabel serve` needs for the scenario, written to `dir`.
pub fn write_serve_files(sc: &Scenario, dir: &std::path::Path) {
    std::fs::write(dir.join("trust.cose"), &sc.trust_bytes).unwrap();
    iotlabel::keys::write_public_key(&dir.join("root.pub"), &sc.root.public_key()).unwrap();
    iotlabel::keys::write_private_key(&dir.join("status.key"), &sc.status, None).unwrap();
}

/// Starts the real binary on 127.0.0.1:0 over the files of [`write_serve_files`] and reads the
/// bound address from its first line; the rest of its stdout is returned as a reader.
pub fn start_binary(
    dir: &std::path::Path,
    extra: &[&str],
) -> (
    std::process::Child,
    SocketAddr,
    std::io::BufReader<std::process::ChildStdout>,
) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(["serve", "--db"])
        .arg(dir.join("registry.sqlite"))
        .arg("--trust")
        .arg(dir.join("trust.cose"))
        .arg("--root")
        .arg(dir.join("root.pub"))
        .arg("--status-key")
        .arg(dir.join("status.key"))
        .args(["--listen", "127.0.0.1:0", "--at", "2026-12-02"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn iotlabel serve");
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, addr, out)
}
