//! Durability: the real `iotlabel serve` binary is killed with SIGKILL in the middle of a
//! burst of publishes from several threads; after a restart on the same database every
//! publish that got a 2xx answer is there.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod serve_util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serve_util::*;

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
    while count.load(Ordering::SeqCst) < KILL_AFTER {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in workers {
        w.join().expect("a publish got a non-2xx answer");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= KILL_AFTER);
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
