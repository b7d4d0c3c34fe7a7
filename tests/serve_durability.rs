//! Durability: the real `iotlabel serve` binary is killed with SIGKILL in the middle of a
//! burst of publishes (then of revocations) from several threads; after a restart on the same
//! database every publish and every revocation that got a 2xx answer is there. A kill cannot
//! show a missing fsync (the page cache survives it), so the store's settings are read back:
//! WAL and `synchronous=FULL` on every connection.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod serve_util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use iotlabel::status::LabelStatus;
use serve_util::*;

/// `PRAGMA journal_mode` of a database file, read with a connection of the test's own.
fn file_journal_mode(path: &std::path::Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

/// Waits until `kill_after` requests were acknowledged, kills the server with SIGKILL, joins
/// the workers (each panics on a non-2xx answer: `what` names the request) and returns what
/// was acknowledged, at least `kill_after` items.
fn kill_mid_burst<T: Clone>(
    child: &mut std::process::Child,
    count: &AtomicUsize,
    kill_after: usize,
    workers: Vec<std::thread::JoinHandle<()>>,
    acked: &Mutex<Vec<T>>,
    what: &str,
) -> Vec<T> {
    while count.load(Ordering::SeqCst) < kill_after {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in workers {
        w.join()
            .unwrap_or_else(|_| panic!("{what} got a non-2xx answer"));
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= kill_after);
    acked
}

#[test]
fn every_acknowledged_publish_survives_kill_9() {
    let sc = scenario(30);
    let dir = tempfile::tempdir().unwrap();
    write_serve_files(&sc, dir.path());

    const LABELS: u32 = 600;
    const THREADS: usize = 6;
    const KILL_AFTER: usize = 120;
    let labels: Vec<(String, Vec<u8>)> = (0..LABELS)
        .map(|i| {
            let l = lab_label(&sc, i, u64::from(i));
            (hex::encode(l.claims.label_id), l.cose)
        })
        .collect();
    let labels = Arc::new(labels);

    let (mut child, addr, _stdout) = start_binary(dir.path(), &[]);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (labels, acked, count, next) =
                (labels.clone(), acked.clone(), count.clone(), next.clone());
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((id, cose)) = labels.get(i) else {
                        return;
                    };
                    // Once the server is gone, connecting or reading fails: stop.
                    let Some(r) = try_publish(addr, cose) else {
                        return;
                    };
                    assert!(
                        (200..300).contains(&r.status),
                        "publish {id}: {} {}",
                        r.status,
                        r.text()
                    );
                    acked.lock().unwrap().push(id.clone());
                    count.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    // Kill mid-burst.
    let acked = kill_mid_burst(&mut child, &count, KILL_AFTER, workers, &acked, "a publish");
    assert!(
        acked.len() < LABELS as usize,
        "the kill came after the whole burst ({} acknowledged); nothing was tested",
        acked.len()
    );

    let (mut child, addr, _stdout) = start_binary(dir.path(), &[]);
    for id in &acked {
        let r = get(addr, &format!("/api/labels/{id}"));
        assert_eq!(r.status, 200, "acknowledged label {id} lost: {}", r.text());
    }
    let health = get(addr, "/api/health").json();
    let stored = health["labels"].as_u64().unwrap() as usize;
    assert!(stored >= acked.len(), "{stored} < {}", acked.len());
    eprintln!(
        "{} publishes acknowledged before SIGKILL, {stored} labels stored after restart",
        acked.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn the_store_runs_in_wal_mode_with_synchronous_full_on_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.sqlite");
    let store = iotlabel::registry::SqliteStore::open(&path).unwrap();
    let settings = store.settings().unwrap();
    assert_eq!(settings.len(), 2, "writer and reader: {settings:?}");
    for (mode, synchronous) in &settings {
        assert_eq!(mode, "wal", "{settings:?}");
        assert_eq!(
            *synchronous, 2,
            "synchronous must be FULL (2): {settings:?}"
        );
    }
    // WAL is a property of the file: any connection sees it.
    assert_eq!(file_journal_mode(&path), "wal");
    drop(store);
    // Reopened (migrations done), the same.
    let store = iotlabel::registry::SqliteStore::open(&path).unwrap();
    assert!(
        store
            .settings()
            .unwrap()
            .iter()
            .all(|(m, s)| m == "wal" && *s == 2)
    );
}

#[test]
fn every_acknowledged_revocation_survives_kill_9() {
    let sc = scenario(30);
    let dir = tempfile::tempdir().unwrap();
    write_serve_files(&sc, dir.path());

    const LABELS: u32 = 240;
    const THREADS: usize = 6;
    const KILL_AFTER: usize = 40;
    let labels: Vec<_> = (0..LABELS)
        .map(|i| lab_label(&sc, i, u64::from(i)))
        .collect();

    // Every label published (and acknowledged) first.
    let (mut child, addr, _stdout) = start_binary(dir.path(), &[]);
    for l in &labels {
        let r = publish(addr, &l.cose);
        assert!((200..300).contains(&r.status), "{} {}", r.status, r.text());
    }
    let statements: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        labels
            .iter()
            .map(|l| {
                (
                    hex::encode(l.claims.label_id),
                    statement(&sc.lab, l, LabelStatus::Revoked, 1, None),
                )
            })
            .collect(),
    );
    let acked = Arc::new(Mutex::new(Vec::<usize>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (statements, acked, count, next) = (
                statements.clone(),
                acked.clone(),
                count.clone(),
                next.clone(),
            );
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((id, st)) = statements.get(i) else {
                        return;
                    };
                    // Once the server is gone, connecting or reading fails: stop.
                    let Some(r) = try_revoke(addr, st) else {
                        return;
                    };
                    assert!(
                        (200..300).contains(&r.status),
                        "revoke {id}: {} {}",
                        r.status,
                        r.text()
                    );
                    acked.lock().unwrap().push(i);
                    count.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let acked = kill_mid_burst(
        &mut child,
        &count,
        KILL_AFTER,
        workers,
        &acked,
        "a revocation",
    );
    assert!(
        acked.len() < LABELS as usize,
        "the kill came after the whole burst ({} acknowledged); nothing was tested",
        acked.len()
    );

    let (mut child, addr, _stdout) = start_binary(dir.path(), &[]);
    for &i in &acked {
        let (id, st) = &statements[i];
        // The verifier sees it revoked ...
        let j = verify_fragment(addr, "/V", &labels[i].qr_text, "en").json();
        assert_eq!(
            j["verdict"], "REVOKED",
            "acknowledged revocation of {id} lost: {j}"
        );
        // ... and the statement is on record: sending it again is a replay.
        let r = revoke(addr, st);
        assert_eq!(r.status, 409, "{id}: {} {}", r.status, r.text());
    }
    // The file the binary wrote is in WAL mode.
    assert_eq!(
        file_journal_mode(&dir.path().join("registry.sqlite")),
        "wal"
    );
    eprintln!(
        "{} revocations acknowledged before SIGKILL, each REVOKED after restart",
        acked.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
