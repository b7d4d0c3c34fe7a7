//! Issue 10, the service's connections: slow clients never hold a processing slot (slow head,
//! slow body, stalled body, trickled chunks); idle floods do not keep new clients out
//! (per-address limit, eviction at the cap, shorter idle timeout near the cap); a half-closed
//! complete request is always answered; SIGTERM and Ctrl-C drain the real binary and exit 0.
//!
//! Bounds are generous (answers within 5 s while the attack holds 256 connections): these
//! tests check behaviour, not speed. Clients use several loopback source addresses
//! (127.0.x.y) to stand for distinct clients.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod serve_util;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use iotlabel::serve::Limits;
use serve_util::*;

fn now() -> jiff::Timestamp {
    ts(t0().as_second() + DAY)
}

/// One way of being slow.
#[derive(Clone, Copy, Debug)]
enum Slow {
    /// The request head, one byte a second.
    Head,
    /// A complete head with Content-Length, then the body one byte a second.
    Body,
    /// A complete head promising 100 bytes, 10 of them, then nothing.
    Stalled,
    /// Chunked encoding, one 1-byte chunk a second.
    Chunked,
}

/// Keeps one slow request going (reconnecting when the server drops it) until `stop`.
fn attacker(
    pattern: Slow,
    from: Ipv4Addr,
    a: SocketAddr,
    stop: Arc<AtomicBool>,
    started: Arc<AtomicUsize>,
) {
    let mut first = true;
    while !stop.load(Ordering::SeqCst) {
        let Ok(mut s) = connect_from(from, a) else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let head: &[u8] = match pattern {
            Slow::Head => b"POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
            Slow::Body | Slow::Stalled => {
                b"POST /api/labels HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: 100\r\n\r\n"
            }
            Slow::Chunked => {
                b"POST /api/labels HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nTransfer-Encoding: chunked\r\n\r\n"
            }
        };
        let ok = match pattern {
            Slow::Head => s.write_all(&head[..1]).is_ok(),
            Slow::Stalled => s.write_all(head).is_ok() && s.write_all(b"0123456789").is_ok(),
            _ => s.write_all(head).is_ok() && s.write_all(b"1\r\nx\r\n").is_ok(),
        };
        if first && ok {
            started.fetch_add(1, Ordering::SeqCst);
            first = false;
        }
        let mut i = 1;
        while ok && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1000));
            let sent = match pattern {
                Slow::Head => s.write_all(&head[i % head.len()..][..1]),
                Slow::Body => s.write_all(b"x"),
                Slow::Stalled => Ok(()),
                Slow::Chunked => s.write_all(b"1\r\nx\r\n"),
            };
            i += 1;
            if sent.is_err() {
                break;
            }
            // The server answered (408) or closed: start over.
            s.set_nonblocking(true).unwrap();
            let mut b = [0u8; 64];
            let closed =
                !matches!(s.read(&mut b), Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock);
            s.set_nonblocking(false).unwrap();
            if closed {
                break;
            }
        }
    }
}

/// A normal request from `from`, timed.
fn timed(from: Ipv4Addr, a: SocketAddr, raw_request: &[u8]) -> (Resp, Duration) {
    let t = Instant::now();
    let mut s = connect_from(from, a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let r = exchange(&mut s, raw_request).unwrap_or_else(|e| panic!("no answer: {e}"));
    (r, t.elapsed())
}

fn post(path: &str, ctype: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[test]
fn slow_clients_never_hold_a_processing_slot() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    // Default limits: 256 processing slots, 64 connections per address.
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let verify_body = serde_json::json!({ "text": label.qr_text }).to_string();
    for (phase, pattern) in [Slow::Head, Slow::Body, Slow::Stalled, Slow::Chunked]
        .into_iter()
        .enumerate()
    {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicUsize::new(0));
        // 256 attackers, 64 from each of four addresses of their own.
        let threads: Vec<_> = (0..256u16)
            .map(|i| {
                let from = Ipv4Addr::new(127, 10 + phase as u8, (i / 64) as u8, 1);
                let (stop, started) = (stop.clone(), started.clone());
                std::thread::spawn(move || attacker(pattern, from, a, stop, started))
            })
            .collect();
        let t = Instant::now();
        while started.load(Ordering::SeqCst) < 256 && t.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            started.load(Ordering::SeqCst),
            256,
            "{pattern:?}: attack not up"
        );
        std::thread::sleep(Duration::from_millis(500));
        // During the attack: health, verify and publish are answered, never 503.
        let me = Ipv4Addr::new(127, 0, 0, 1);
        let mut slowest = Duration::ZERO;
        for _ in 0..3 {
            let (r, took) = timed(me, a, &get_keep_alive("/api/health"));
            assert_eq!(r.status, 200, "{pattern:?} health: {}", r.text());
            assert!(took < Duration::from_secs(5), "{pattern:?}: {took:?}");
            let (r, took) = timed(
                me,
                a,
                &post("/api/verify", "application/json", verify_body.as_bytes()),
            );
            assert_eq!(r.status, 200, "{pattern:?} verify: {}", r.text());
            assert_eq!(r.json()["verdict"], "VALID");
            assert!(took < Duration::from_secs(5), "{pattern:?}: {took:?}");
            let (r, took) = timed(me, a, &post("/api/labels", "application/cose", &label.cose));
            assert!(
                r.status == 201 || r.status == 200,
                "{pattern:?} publish: {}",
                r.text()
            );
            assert!(took < Duration::from_secs(5), "{pattern:?}: {took:?}");
            slowest = slowest.max(took);
            std::thread::sleep(Duration::from_millis(700));
        }
        eprintln!("{pattern:?} x256: slowest of 9 normal requests answered in {slowest:?}");
        stop.store(true, Ordering::SeqCst);
        for t in threads {
            t.join().unwrap();
        }
    }
}

#[test]
fn a_slow_body_is_cut_below_the_minimum_rate_and_a_whole_one_is_read() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    // Two bytes a second: 408 once the grace period is over, well before the total timeout.
    let head = format!(
        "POST /api/labels HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: {}\r\n\r\n",
        label.cose.len()
    );
    let mut s2 = TcpStream::connect(a).unwrap();
    s2.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s2.write_all(head.as_bytes()).unwrap();
    let t = Instant::now();
    let mut answered = None;
    for b in &label.cose {
        if s2.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
        s2.set_nonblocking(true).unwrap();
        let mut probe = [0u8; 1];
        let ready = !matches!(s2.read(&mut probe), Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock);
        s2.set_nonblocking(false).unwrap();
        if ready {
            answered = Some(t.elapsed());
            break;
        }
    }
    let took = answered.expect("the slow body was never cut off");
    assert!(took < Duration::from_secs(8), "{took:?}");
    // A body sent in pieces at a normal pace is read whole.
    let mut s3 = TcpStream::connect(a).unwrap();
    s3.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s3.write_all(head.as_bytes()).unwrap();
    for chunk in label.cose.chunks(100) {
        s3.write_all(chunk).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = read_one_response(&mut s3).unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
}

/// Opens `n` connections from `from` and leaves them idle: every other one after one complete
/// keep-alive request. Returns those the server admitted.
fn idle_flood(from: Ipv4Addr, a: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut open = Vec::new();
    for i in 0..n {
        let Ok(mut s) = connect_from(from, a) else {
            continue;
        };
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        if i % 2 == 0 {
            if exchange(&mut s, &get_keep_alive("/api/health")).is_ok() {
                open.push(s);
            }
        } else {
            open.push(s);
        }
    }
    open
}

#[test]
fn idle_keep_alives_from_one_address_do_not_keep_new_clients_out() {
    let sc = scenario(30);
    // Default per-address limit (64).
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let flood = idle_flood(Ipv4Addr::new(127, 0, 0, 1), a, 1024);
    assert!(!flood.is_empty());
    for n in 2..6u8 {
        let (r, took) = timed(
            Ipv4Addr::new(127, 0, 0, n),
            a,
            &get_keep_alive("/api/health"),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
    drop(flood);
}

#[test]
fn at_the_connection_cap_the_longest_waiting_connection_makes_room() {
    let sc = scenario(30);
    // No per-address limit: one address can fill the whole cap; long idle timeouts, so only
    // eviction can make room.
    let limits = Limits {
        per_address: 0,
        idle_timeout: Duration::from_secs(120),
        busy_idle_timeout: Duration::from_secs(120),
        header_timeout: Duration::from_secs(120),
        ..Limits::default()
    };
    let srv = start(&sc, now(), limits);
    let a = srv.addr();
    let mut flood = idle_flood(Ipv4Addr::new(127, 0, 0, 1), a, 1024);
    assert_eq!(flood.len(), 1024);
    // New clients, from another address and from the same one, get in at once, each time.
    for from in [
        Ipv4Addr::new(127, 0, 0, 2),
        Ipv4Addr::new(127, 0, 0, 1),
        Ipv4Addr::new(127, 0, 0, 3),
    ] {
        for _ in 0..3 {
            let (r, took) = timed(from, a, &get_keep_alive("/api/health"));
            assert_eq!(r.status, 200, "{}", r.text());
            assert!(took < Duration::from_secs(5), "{took:?}");
            flood.extend(idle_flood(Ipv4Addr::new(127, 0, 0, 1), a, 1));
        }
    }
}

/// Whether the server closed `s` within `within`.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut b = [0u8; 256];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => return e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

#[test]
fn idle_connections_get_a_shorter_timeout_near_the_cap() {
    let sc = scenario(30);
    let limits = Limits {
        max_connections: 40,
        per_address: 0,
        ..Limits::default()
    };
    let srv = start(&sc, now(), limits);
    let a = srv.addr();
    // Below three quarters of the cap: idle connections stay (the normal timeout is 10 s).
    let mut few = idle_flood(Ipv4Addr::new(127, 0, 0, 1), a, 10);
    assert_eq!(few.len(), 10);
    assert!(!closed_within(&mut few[0], Duration::from_millis(2500)));
    assert!(!closed_within(&mut few[1], Duration::from_millis(100)));
    // Near the cap (35 of 40): connections waiting over a second are closed until fewer than
    // half the cap are open.
    let more = idle_flood(Ipv4Addr::new(127, 0, 0, 1), a, 25);
    assert_eq!(more.len(), 25);
    std::thread::sleep(Duration::from_secs(4));
    let closed = more
        .into_iter()
        .chain(few)
        .filter_map(|mut s| closed_within(&mut s, Duration::from_millis(50)).then_some(()))
        .count();
    assert!(closed >= 35 - 19, "only {closed} of 35 closed");
    // And the server serves normally afterwards.
    assert_eq!(get(a, "/api/health").status, 200);
}

#[test]
fn a_half_closed_complete_request_is_always_answered() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    let srv = start(&sc, now(), Limits::default());
    let a = srv.addr();
    let verify_body = serde_json::json!({ "text": label.qr_text }).to_string();
    let requests = [
        get_keep_alive("/api/health"),
        post("/api/verify", "application/json", verify_body.as_bytes()),
        post("/api/labels", "application/cose", &label.cose),
        get_keep_alive("/V"),
    ];
    for round in 0..50 {
        for req in &requests {
            let mut s = TcpStream::connect(a).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(req).unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let r = read_one_response(&mut s)
                .unwrap_or_else(|e| panic!("round {round}: no answer: {e}"));
            assert!(
                r.status == 200 || r.status == 201,
                "round {round}: {}",
                r.text()
            );
        }
    }
}

#[test]
fn sigterm_and_ctrl_c_drain_requests_in_flight_and_exit_0() {
    let sc = scenario(30);
    let label = lab_label(&sc, 0, 1);
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        write_serve_files(&sc, dir.path());
        let (mut child, addr, mut out) = start_binary(dir.path(), &[]);
        // A request in flight: head and half the body sent.
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let req = post("/api/labels", "application/cose", &label.cose);
        let half = req.len() - label.cose.len() / 2;
        slow.write_all(&req[..half]).unwrap();
        // An idle keep-alive connection.
        let mut idle = TcpStream::connect(addr).unwrap();
        idle.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        assert_eq!(
            exchange(&mut idle, &get_keep_alive("/api/health"))
                .unwrap()
                .status,
            200
        );
        std::thread::sleep(Duration::from_millis(200));
        let killed = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        // It stops accepting new connections.
        let t = Instant::now();
        while TcpStream::connect(addr).is_ok() {
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "{signal}: still accepting"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The idle connection is closed; the request in flight is answered.
        assert!(closed_within(&mut idle, Duration::from_secs(5)), "{signal}");
        slow.write_all(&req[half..]).unwrap();
        let r = read_one_response(&mut slow).unwrap_or_else(|e| panic!("{signal}: {e}"));
        assert_eq!(r.status, 201, "{signal}: {}", r.text());
        let t = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(t.elapsed() < Duration::from_secs(15), "{signal}: no exit");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(0), "{signal}");
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        assert!(rest.contains("stopped"), "{signal}: {rest}");
        // The acknowledged label is in the database, which was checkpointed.
        let wal = dir.path().join("registry.sqlite-wal");
        assert!(
            std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
            "{signal}: WAL not flushed"
        );
        let store =
            iotlabel::registry::SqliteStore::open(&dir.path().join("registry.sqlite")).unwrap();
        use iotlabel::registry::Store;
        assert!(
            store
                .get_label(iotlabel::ids::LabelId(label.claims.label_id))
                .unwrap()
                .is_some()
        );
    }
}
