//! Snapshot tests of the reports, as text and JSON (reviewed once, then any change shows up in
//! review as a diff), and of the multi-scheme summary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use iotlabel::criteria;
use iotlabel::evaluate::evaluate;
use iotlabel::profile::Profile;
use iotlabel::report::{Report, render_summary, render_text};
use iotlabel::time::parse_at;

fn report(profile: &str, scheme: &str) -> Report {
    let set = criteria::load_bundled().expect("criteria");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(profile);
    let p = Profile::load(&path, &set).expect("profile");
    let s = set.scheme(scheme).expect("scheme");
    Report::new(
        s,
        &set.vocab,
        &p,
        &evaluate(s, &p, parse_at("2026-12-01").expect("time")),
    )
}

#[test]
fn contradicted_baby_monitor_text_and_json() {
    let r = report("baby-monitor-contradicted.toml", "cls-like@1");
    insta::assert_snapshot!("baby_monitor_v1_text", render_text(&r));
    insta::assert_snapshot!("baby_monitor_v1_json", r.to_json());
}

#[test]
fn unjustified_na_hub_text_and_json() {
    let r = report("hub-na-unjustified.toml", "cls-like@2");
    insta::assert_snapshot!("hub_v2_text", render_text(&r));
    insta::assert_snapshot!("hub_v2_json", r.to_json());
}

#[test]
fn constrained_sensor_text() {
    let r = report("constrained-sensor.toml", "cls-like@2");
    insta::assert_snapshot!("constrained_sensor_v2_text", render_text(&r));
}

#[test]
fn summary_of_every_scheme() {
    // The side-by-side view `evaluate --scheme all` prints: one assessment, every scheme.
    let set = criteria::load_bundled().expect("criteria");
    let rows: Vec<(String, Report)> = [
        "lock-lab-tested.toml",
        "hub-bsi-recognised.toml",
        "camera-jc-star.toml",
        "camera-universal-password.toml",
    ]
    .iter()
    .flat_map(|p| {
        set.schemes
            .iter()
            .map(|s| (p.trim_end_matches(".toml").to_string(), report(p, &s.key())))
            .collect::<Vec<_>>()
    })
    .collect();
    let refs: Vec<(String, &Report)> = rows.iter().map(|(n, r)| (n.clone(), r)).collect();
    insta::assert_snapshot!("summary_all_schemes", render_summary(&refs));
    let json: Vec<_> = rows
        .iter()
        .map(|(n, r)| serde_json::json!({ "profile": n, "summary": r.summary_row() }))
        .collect();
    insta::assert_snapshot!(
        "summary_all_schemes_json",
        serde_json::to_string_pretty(&json).expect("json")
    );
}
