//! `cargo bench --bench evaluate`: one parsed profile evaluated against the ETSI EN 303 645
//! catalogue through the CLS-like schemes. Goal (issue 2): <= 20 µs per evaluation.
//! Also measured, for scale: building the report, and parsing the profile.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use iotlabel::criteria;
use iotlabel::evaluate::evaluate;
use iotlabel::profile::Profile;
use iotlabel::report::Report;
use iotlabel::time::parse_at;

fn bench(c: &mut Criterion) {
    let set = criteria::load_bundled().expect("criteria");
    let at = parse_at("2026-12-01").expect("time");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles");
    // The lab-tested lock declares and tests the most, so it is the heaviest evaluation.
    let path = dir.join("lock-lab-tested.toml");
    let profile = Profile::load(&path, &set).expect("profile");
    let text = std::fs::read_to_string(&path).expect("read");
    for key in ["cls-like@1", "cls-like@2"] {
        let scheme = set.scheme(key).expect("scheme");
        c.bench_function(&format!("evaluate/{key}/lock-lab-tested"), |b| {
            b.iter(|| {
                evaluate(
                    std::hint::black_box(scheme),
                    std::hint::black_box(&profile),
                    at,
                )
            })
        });
    }
    // The largest scheme: all 78 provisions of ETSI EN 303 645 V3.1.3, with the profile that
    // declares and tests against V3 ids.
    let v3_path = dir.join("lock-v3-full.toml");
    let v3_profile = Profile::load(&v3_path, &set).expect("profile");
    let v3 = set.scheme("etsi-v3-conformance@1").expect("scheme");
    c.bench_function("evaluate/etsi-v3-conformance@1/lock-v3-full", |b| {
        b.iter(|| {
            evaluate(
                std::hint::black_box(v3),
                std::hint::black_box(&v3_profile),
                at,
            )
        })
    });
    let scheme = set.scheme("cls-like@2").expect("scheme");
    let ev = evaluate(scheme, &profile, at);
    c.bench_function("report/cls-like@2/lock-lab-tested", |b| {
        b.iter(|| Report::new(scheme, &set.vocab, &profile, std::hint::black_box(&ev)))
    });
    c.bench_function("parse-profile/lock-lab-tested", |b| {
        b.iter(|| {
            Profile::parse(
                &iotlabel::diag::SourceFile::new("p.toml", text.clone()),
                &set,
            )
            .expect("parse")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
