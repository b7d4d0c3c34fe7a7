//! The support-period end is one human date everywhere it is shown: the assessment report
//! (text and JSON), the label artwork (every language), the verifier's text and JSON, and the
//! command line. A month-only end (`2030-06`, the instant 2030-07-01T00:00:00Z) shows as the
//! month, not as the first day of the next month (`iotlabel::time::format_support_end`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod common;

use iotlabel::artwork::{self, Field};
use iotlabel::scenario::Scenario;
use iotlabel::time::{DateValue, format_support_end, parse_at};
use iotlabel::value::Value;

const SEED: &[u8] = b"support end display";

/// The lab's label for the month-support TV with its declared support end set to `end`.
fn issued_with_end(end: &str) -> iotlabel::issue::Issued {
    let set = common::bundled();
    let prop = set.vocab.property("support.period_end").unwrap();
    let end = DateValue::parse(end).unwrap();
    common::lab_issued(SEED, "tv-month-support.toml", "cls-like@2", |p| {
        let slot = p.declared[usize::from(prop)]
            .as_mut()
            .expect("declared end");
        slot.value = Value::Date(end);
    })
}

/// (as declared in the profile, as every place must show it)
const CASES: [(&str, &str); 5] = [
    ("2030-06", "2030-06"),
    // The same instant written as a day: the end of June.
    ("2030-07-01", "2030-06"),
    ("2030-12", "2030-12"),
    ("2030-06-30", "2030-06-30"),
    // Labels carry whole days: the time of day is not shown anywhere.
    ("2030-06-15T12:00:00Z", "2030-06-15"),
];

#[test]
fn the_report_shows_the_human_date_in_text_and_json() {
    for (declared, shown) in CASES {
        let i = issued_with_end(declared);
        assert_eq!(
            i.report.support_period_end.as_deref(),
            Some(shown),
            "{declared}"
        );
        let text = iotlabel::report::render_text(&i.report);
        assert!(
            text.contains(&format!("security updates until {shown}\n")),
            "{declared}: {text}"
        );
        let json: serde_json::Value = serde_json::from_str(&i.report_json).unwrap();
        assert_eq!(json["support_period_end"], shown, "{declared}");
    }
}

#[test]
fn the_label_artwork_shows_the_human_date_in_every_language() {
    let set = common::bundled();
    let t0 = common::t0();
    let sc = Scenario::new(set, SEED, t0, 30).unwrap();
    let store = sc.store(t0).unwrap();
    for (declared, shown) in CASES {
        let i = issued_with_end(declared);
        let facts = artwork::facts_for(&store, set, &i.cose, Some(&i.qr_text), t0).unwrap();
        for lang in ["en", "ja"] {
            let words = artwork::words(lang).unwrap();
            let line = facts.field(Field::SupportEnd, words);
            assert!(line.contains(shown), "{declared} ({lang}): `{line}`");
            // Not the instant's own day (2030-07-01 for June).
            let instant_day = iotlabel::time::format_date(i.claims.label.support_end.unwrap());
            if instant_day != shown {
                assert!(
                    !line.contains(&instant_day),
                    "{declared} ({lang}): `{line}`"
                );
            }
        }
    }
}

#[test]
fn verify_shows_the_human_date_in_text_and_json() {
    let set = common::bundled();
    let t0 = common::t0();
    let sc = Scenario::new(set, SEED, t0, 30).unwrap();
    let store = sc.store(t0).unwrap();
    for (declared, shown) in CASES {
        let i = issued_with_end(declared);
        let r = store.verify(Some(&i.qr_text), None, t0);
        assert_eq!(r.verdict, iotlabel::verify::Verdict::Valid, "{r:?}");
        assert!(
            r.to_text()
                .contains(&format!("Support:    security updates until {shown}\n")),
            "{declared}: {}",
            r.to_text()
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["support_end"], shown, "{declared}");
    }
}

#[test]
fn the_command_line_shows_the_month_in_evaluate_and_in_the_issued_claims() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let profile = "fixtures/profiles/tv-month-support.toml";
    let text = run(&[
        "evaluate",
        "--scheme",
        "cls-like@2",
        "--profile",
        profile,
        "--at",
        "2026-12-01",
    ]);
    assert!(text.contains("security updates until 2030-06\n"), "{text}");
    // The demo issues the TV's label: its readable claims and verify agree with the report.
    let out = dir.path().join("demo");
    let out_s = out.display().to_string();
    run(&[
        "demo",
        "--out",
        &out_s,
        "--at",
        "2026-12-01",
        "--seed",
        "00",
    ]);
    let mut seen = 0;
    for e in std::fs::read_dir(out.join("labels")).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.ends_with(".report.json") {
            continue;
        }
        let claims: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        if claims["model"] != "55UQ7" {
            continue;
        }
        seen += 1;
        assert_eq!(claims["support_end"], "2030-06", "{claims}");
        let qr = out.join("labels").join(name.replace(".json", ".txt"));
        let mut args = vec![
            "verify".to_string(),
            "--file".into(),
            qr.display().to_string(),
            "--trust".into(),
            out.join("trust/example-agency.cose").display().to_string(),
            "--root".into(),
            out.join("trust/scheme-owner.pub").display().to_string(),
            "--at".into(),
            "2026-12-02".into(),
        ];
        for s in std::fs::read_dir(out.join("status")).unwrap().flatten() {
            args.extend(["--status".into(), s.path().display().to_string()]);
        }
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(&args)
            .output()
            .unwrap();
        let t = String::from_utf8_lossy(&o.stdout);
        assert!(t.contains("security updates until 2030-06\n"), "{t}");
        args.extend(["--format".into(), "json".into()]);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(&args)
            .output()
            .unwrap();
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["support_end"], "2030-06", "{j}");
    }
    assert!(seen >= 1, "the demo issued no label for the TV");
}

#[test]
fn format_support_end_shows_month_ends_as_the_month_and_other_days_as_days() {
    let u = |s: &str| parse_at(s).unwrap().as_second();
    // Every month of a leap year and a common year round-trips from its month-only form.
    for year in [2028, 2030] {
        for month in 1..=12 {
            let m = format!("{year}-{month:02}");
            let at = DateValue::parse(&m).unwrap().at.as_second();
            assert_eq!(format_support_end(at), m);
        }
    }
    assert_eq!(format_support_end(u("2028-03-01")), "2028-02");
    assert_eq!(format_support_end(u("2031-01-01")), "2030-12");
    assert_eq!(format_support_end(u("2028-02-29")), "2028-02-29");
    assert_eq!(format_support_end(u("2030-06-02")), "2030-06-02");
    assert_eq!(format_support_end(u("2030-06-01T23:59:59Z")), "2030-05");
    assert_eq!(format_support_end(u("2030-06-02T00:00:01Z")), "2030-06-02");
}
