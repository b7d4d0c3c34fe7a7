//! The assessment report as an A4 PDF (issue 5), rendered from the canonical JSON whose digest
//! a real signed label carries: deterministic bytes, and text a machine can extract.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use iotlabel::issue::Issued;
use iotlabel::report::html::{Lang, report_digest};
use iotlabel::report::pdf::to_pdf;
use serde_json::{Value, json};

mod common;
use common::claims_json;

/// The lab's label for `profile` under `scheme` at 2026-12-01.
fn issued(profile: &str, scheme: &str) -> Issued {
    common::lab_issued(b"report pdf tests", profile, scheme, |_| {})
}

fn thermostat() -> &'static Issued {
    static I: OnceLock<Issued> = OnceLock::new();
    I.get_or_init(|| issued("thermostat-level3.toml", "cls-like@2"))
}

fn lock_v3() -> &'static Issued {
    static I: OnceLock<Issued> = OnceLock::new();
    I.get_or_init(|| issued("lock-v3-full.toml", "etsi-v3-conformance@1"))
}

/// `pdftotext -layout` of the PDF, or `None` when IOTLABEL_SKIP_EXTERNAL=1 and it is missing.
/// Without it and without that variable the test fails: CI installs poppler-utils.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.pdf");
    std::fs::write(&file, pdf).unwrap();
    match Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(o) => {
            assert!(
                o.status.success(),
                "pdftotext failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(String::from_utf8(o.stdout).unwrap())
        }
        Err(e) => {
            assert!(
                std::env::var("IOTLABEL_SKIP_EXTERNAL").as_deref() == Ok("1"),
                "pdftotext is needed to check the report PDF's text ({e}): install poppler-utils, \
                 or set IOTLABEL_SKIP_EXTERNAL=1 to skip this check"
            );
            common::skipped(
                "report PDF text with pdftotext",
                "not installed and IOTLABEL_SKIP_EXTERNAL=1",
            );
            None
        }
    }
}

fn pages(text: &str) -> usize {
    text.matches('\u{c}').count().max(1)
}

#[test]
fn the_pdf_shows_tier_gap_every_requirement_and_the_digest() {
    let i = thermostat();
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    let digest = hex::encode(report_digest(&report));
    let carried = hex::encode(i.claims.label.evidence_digest);
    assert!(digest.starts_with(&carried));
    for (lang, headings) in [
        (
            Lang::En,
            &[
                "Cybersecurity assessment report",
                "Gap to the next tier",
                "Requirements (39)", // cls-like@2: 41 before 5.6-9 and 5.7-1 left level 3
            ][..],
        ),
        (
            Lang::Ja,
            &[
                "サイバーセキュリティ評価報告書",
                "次のレベルまでの差",
                "要件一覧 (39)",
            ][..],
        ),
    ] {
        let pdf = to_pdf(&report, Some(&claims_json(i)), lang).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let Some(text) = pdftotext(&pdf) else { return };
        for h in headings {
            assert!(text.contains(h), "{lang:?}: heading {h}\n{text}");
        }
        let tier = &i.report.tier.as_ref().unwrap().label;
        assert!(text.contains(tier.as_str()), "tier {tier}");
        assert!(text.contains(&digest), "report digest");
        assert!(text.contains(&carried), "evidence digest prefix");
        assert!(text.contains(&i.issuer), "issuer");
        assert!(text.contains("matches this report") || text.contains("本報告書と一致"));
        for b in &i.report.next_tier.as_ref().unwrap().blockers {
            assert!(text.contains(&b.id), "blocker {}", b.id);
        }
        for r in &i.report.requirements {
            assert!(text.contains(&r.id), "{lang:?}: requirement {}", r.id);
        }
        let n = pages(&text);
        let last = match lang {
            Lang::Ja => format!("{n} ページ中 {n} ページ"),
            _ => format!("page {n} of {n}"),
        };
        assert!(text.contains(&last), "{last}");
    }
}

/// Issuing draws the report from the report it has just made, without reading its JSON back
/// (`ReadReport::of_issued`): the same HTML and PDF bytes as reading that JSON and the claims
/// file, in either language, for labels with recognised labels, a month-only support end and
/// Japanese text.
#[test]
fn issuing_draws_the_same_report_as_reading_its_json_back() {
    use iotlabel::issue::ClaimsFile;
    use iotlabel::report::ReadReport;
    for (profile, scheme) in [
        ("thermostat-level3.toml", "cls-like@2"),
        ("lock-v3-full.toml", "etsi-v3-conformance@1"),
        ("hub-bsi-recognised.toml", "cls-like@2"),
        ("speaker-psti-jcstar.toml", "jc-star-like@1"),
        ("tv-month-support.toml", "cls-like@2"),
        ("camera-jc-star.toml", "jc-star-like@1"),
    ] {
        let i = issued(profile, scheme);
        let claims = ClaimsFile::new(&i, common::bundled());
        let json: Value = serde_json::from_str(&i.report_json).unwrap();
        let label = serde_json::to_value(&claims).unwrap();
        for lang in [Lang::En, Lang::Ja] {
            let direct = ReadReport::of_issued(&i.report, &i.report_digest, &claims, lang);
            let read = ReadReport::new(&json, Some(&label), lang).unwrap();
            assert_eq!(direct.html(), read.html(), "{profile} {lang:?}");
            assert_eq!(
                direct.pdf().unwrap(),
                read.pdf().unwrap(),
                "{profile} {lang:?}"
            );
        }
    }
}

#[test]
fn same_report_same_bytes() {
    let i = thermostat();
    let canonical: Value = serde_json::from_str(&i.report_json).unwrap();
    let pretty: Value = serde_json::from_str(&i.report.to_json()).unwrap();
    let label = claims_json(i);
    let a = to_pdf(&canonical, Some(&label), Lang::En).unwrap();
    assert_eq!(a, to_pdf(&canonical, Some(&label), Lang::En).unwrap());
    assert_eq!(a, to_pdf(&pretty, Some(&label), Lang::En).unwrap());
    assert_eq!(
        to_pdf(&canonical, None, Lang::Ja).unwrap(),
        to_pdf(&canonical, None, Lang::Ja).unwrap()
    );
    let mut changed = canonical.clone();
    changed["device"]["model"] = json!("Another model");
    assert_ne!(a, to_pdf(&changed, Some(&label), Lang::En).unwrap());
}

#[test]
fn seventy_eight_requirements_run_over_pages_with_the_header_repeated() {
    let i = lock_v3();
    assert_eq!(i.report.requirements.len(), 78);
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    for lang in [Lang::En, Lang::Ja] {
        let pdf = to_pdf(&report, None, lang).unwrap();
        let Some(text) = pdftotext(&pdf) else { return };
        let n = pages(&text);
        assert!(n >= 4, "{lang:?}: {n} pages");
        let (continued, header) = match lang {
            Lang::Ja => ("要件一覧 (78) (続き)", "判定"),
            _ => ("Requirements (78) (continued)", "Provenance"),
        };
        // Every page after the first carries the table's title and header row again.
        let later: Vec<&str> = text
            .split('\u{c}')
            .skip(1)
            .filter(|p| !p.trim().is_empty())
            .collect();
        let with_table = later.iter().filter(|p| p.contains(continued)).count();
        assert!(
            with_table >= n - 2,
            "{lang:?}: {with_table} of {n} pages continue the table"
        );
        for p in later.iter().filter(|p| p.contains(continued)) {
            assert!(
                p.contains(header),
                "{lang:?}: a continued page without the header row"
            );
        }
        for r in &i.report.requirements {
            assert!(text.contains(&r.id), "{lang:?}: requirement {}", r.id);
        }
        assert!(
            text.contains(&format!("1 of {n}")) || text.contains(&format!("{n} ページ中 1 ページ"))
        );
    }
}

#[test]
fn cli_writes_the_pdf_and_refuses_what_is_not_a_report() {
    let i = thermostat();
    let dir = tempfile::tempdir().unwrap();
    let (report, label) = common::report_files(dir.path(), i);
    let out = dir.path().join("out/r.pdf");
    let run = |args: &[&Path]| {
        Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(["report", "pdf"])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        &report,
        Path::new("--label"),
        &label,
        Path::new("--lang"),
        Path::new("ja"),
        Path::new("--out"),
        &out,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let value: Value = serde_json::from_str(&i.report_json).unwrap();
    let expected = to_pdf(&value, Some(&claims_json(i)), Lang::Ja).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), expected);

    // To stdout without --out.
    let o = run(&[&report]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(o.stdout, to_pdf(&value, None, Lang::En).unwrap());

    // The claims file is not a report: exit 1, and why.
    let o = run(&[&label]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an assessment report"));
    assert_eq!(
        run(&[&dir.path().join("missing.json")]).status.code(),
        Some(3)
    );
}
