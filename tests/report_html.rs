//! The assessment report as one self-contained HTML file (issue 5), rendered from the canonical
//! JSON whose digest a real signed label carries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use iotlabel::issue::Issued;
use iotlabel::profile::Profile;
use iotlabel::report::html::{Lang, report_digest, to_html};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod common;
use common::claims_json;

/// The lab's label for `profile` under `scheme` at 2026-12-01, after `edit` on the profile.
fn issued(profile: &str, scheme: &str, edit: impl FnOnce(&mut Profile)) -> Issued {
    common::lab_issued(b"report html tests", profile, scheme, edit)
}

fn thermostat() -> &'static Issued {
    static I: OnceLock<Issued> = OnceLock::new();
    I.get_or_init(|| issued("thermostat-level3.toml", "cls-like@2", |_| {}))
}

#[test]
fn the_page_shows_tier_gap_every_requirement_and_the_digest_the_label_carries() {
    let i = thermostat();
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    let html = to_html(&report, Some(&claims_json(i)), Lang::En).unwrap();

    let tier = i.report.tier.as_ref().unwrap();
    assert!(
        html.contains(&format!("<strong>{}</strong>", tier.label)),
        "tier"
    );
    let gap = i.report.next_tier.as_ref().expect("a next tier");
    assert!(!gap.blockers.is_empty());
    assert!(html.contains(&format!("Gap to the next tier: {}", gap.tier.label)));
    let gap_section =
        &html[html.find("class=\"gap\"").unwrap()..html.find("class=\"reqs\"").unwrap()];
    for b in &gap.blockers {
        assert!(
            gap_section.contains(&format!("<code>{}</code>", b.id)),
            "blocker {}",
            b.id
        );
    }
    let reqs = &html[html.find("class=\"reqs\"").unwrap()..];
    for r in &i.report.requirements {
        assert!(
            reqs.contains(&format!("<code>{}</code>", r.id)),
            "requirement {}",
            r.id
        );
    }
    assert_eq!(
        reqs.matches("<tr><td><code>").count(),
        i.report.requirements.len()
    );
    assert!(html.contains(&i.report.device.manufacturer) && html.contains(&i.report.device.model));
    assert!(html.contains("<time>2026-12-01T00:00:00Z</time>"));

    // The digest: SHA-256 of the very bytes `issue` writes, and the label's evidence digest is
    // its first 16 bytes.
    let sha = hex::encode(Sha256::digest(i.report_json.as_bytes()));
    assert_eq!(hex::encode(report_digest(&report)), sha);
    assert!(html.contains(&format!("<code class=\"digest\">{sha}</code>")));
    let carried = hex::encode(i.claims.label.evidence_digest);
    assert!(sha.starts_with(&carried));
    assert!(html.contains("matches this report"));
    assert!(html.contains(&format!("<dd>{}</dd>", i.issuer)));
    assert!(html.contains(&format!("<dd>{}</dd>", hex::encode(i.claims.label_id))));
}

#[test]
fn a_label_for_another_report_does_not_match() {
    let i = thermostat();
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    let mut other = claims_json(i);
    other["evidence_digest"] = json!("00".repeat(16));
    let html = to_html(&report, Some(&other), Lang::En).unwrap();
    assert!(html.contains("DOES NOT MATCH this report"));
    assert!(!html.contains("matches this report"));
}

#[test]
fn report_texts_are_escaped() {
    let i = issued("thermostat-level3.toml", "cls-like@2", |p| {
        p.device.manufacturer = "<script>alert('x')</script> & \"Sons\"".into();
        p.device.model = "<img src=x onerror=alert(1)>".into();
    });
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    let html = to_html(&report, Some(&claims_json(&i)), Lang::En).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Sons&quot;"),
        "escaped manufacturer"
    );
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script element");
    assert!(!lower.contains("<img"), "an img element");
}

#[test]
fn the_page_is_self_contained() {
    for lang in [Lang::En, Lang::Ja] {
        let i = thermostat();
        let report: Value = serde_json::from_str(&i.report_json).unwrap();
        let html = to_html(&report, None, lang).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang="));
        assert!(html.trim_end().ends_with("</html>"));
        let lower = html.to_ascii_lowercase();
        for bad in [
            "<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url(", "src=",
            "href=", "=\"http", "='http",
        ] {
            assert!(!lower.contains(bad), "{bad} in the page");
        }
        assert_eq!(lower.matches("<style>").count(), 1);
    }
}

#[test]
fn same_report_same_bytes_whatever_its_json_layout() {
    let i = thermostat();
    let canonical: Value = serde_json::from_str(&i.report_json).unwrap();
    let pretty: Value = serde_json::from_str(&i.report.to_json()).unwrap();
    let a = to_html(&canonical, None, Lang::En).unwrap();
    assert_eq!(a, to_html(&canonical, None, Lang::En).unwrap());
    assert_eq!(a, to_html(&pretty, None, Lang::En).unwrap());
    // A report that differs in one word gives another page and another digest.
    let mut changed = canonical.clone();
    changed["device"]["model"] = json!("Another model");
    assert_ne!(a, to_html(&changed, None, Lang::En).unwrap());
    assert_ne!(report_digest(&canonical), report_digest(&changed));
}

#[test]
fn japanese_headings() {
    let report: Value = serde_json::from_str(&thermostat().report_json).unwrap();
    let html = to_html(&report, None, Lang::Ja).unwrap();
    assert!(html.contains("<html lang=\"ja\">"));
    assert!(html.contains("サイバーセキュリティ評価報告書"));
    assert!(html.contains("要件一覧"));
}

#[test]
fn cli_writes_the_page_and_refuses_what_is_not_a_report() {
    let i = thermostat();
    let dir = tempfile::tempdir().unwrap();
    let (report, label) = common::report_files(dir.path(), i);
    let page = dir.path().join("out/r.html");
    let run = |args: &[&Path]| {
        Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(["report", "html"])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        &report,
        Path::new("--label"),
        &label,
        Path::new("--out"),
        &page,
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
    let expected = to_html(&value, Some(&claims_json(i)), Lang::En).unwrap();
    assert_eq!(std::fs::read_to_string(&page).unwrap(), expected);

    // To stdout without --out.
    let o = run(&[&report]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        to_html(&value, None, Lang::En).unwrap()
    );

    // The claims file is not a report: exit 1, and why.
    let o = run(&[&label]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not an assessment report"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{ not json").unwrap();
    assert_eq!(run(&[&junk]).status.code(), Some(1));
    assert_eq!(
        run(&[&dir.path().join("missing.json")]).status.code(),
        Some(3)
    );
}

/// A hand-edited report or claims file cannot smuggle invisible or direction-changing
/// characters onto the page: every key and string is checked by Unicode category, and the
/// error names the JSON path. Japanese with the ideographic space is shown.
#[test]
fn reports_with_spoofing_text_are_refused_with_the_json_path() {
    let i = thermostat();
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    let claims = claims_json(i);
    for c in [
        '\u{202E}', '\u{2066}', '\u{200B}', '\u{2028}', '\u{0085}', '\u{E000}',
    ] {
        let mut r = report.clone();
        r["device"]["model"] = json!(format!("Cam{c}VALID"));
        let e = to_html(&r, Some(&claims), Lang::En)
            .unwrap_err()
            .to_string();
        assert!(e.contains("report device.model"), "{c:?}: {e}");
        let mut r = report.clone();
        r["requirements"][0]["id"] = json!(format!("5.1-1{c}"));
        let e = iotlabel::report::pdf::to_pdf(&r, None, Lang::Ja)
            .unwrap_err()
            .to_string();
        assert!(e.contains("report requirements[0].id"), "{c:?}: {e}");
        let mut l = claims.clone();
        l["issuer"] = json!(format!("LAB{c}"));
        let e = to_html(&report, Some(&l), Lang::En)
            .unwrap_err()
            .to_string();
        assert!(e.contains("label claims issuer"), "{c:?}: {e}");
    }
    let mut r = report.clone();
    r["device"]["model"] = json!("見守りカメラ\u{3000}二型");
    assert!(to_html(&r, Some(&claims), Lang::Ja).is_ok());
}

/// The report is read back as its type: a missing, renamed or unknown field anywhere is an
/// error naming it, not a dash on the page; so is a missing field of the label's claims. The
/// PDF reads through the same view.
#[test]
fn a_missing_renamed_or_unknown_field_is_an_error_not_a_dash() {
    let i = thermostat();
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    let claims = claims_json(i);
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit); 6] = [
        ("missing field `category`", |r| {
            r["device"].as_object_mut().unwrap().remove("category");
        }),
        (
            // Renamed: the new name is unknown (and the old one would be missing).
            "unknown field `result`",
            |r| {
                let q = r["requirements"][0].as_object_mut().unwrap();
                let v = q.remove("outcome").unwrap();
                q.insert("result".into(), v);
            },
        ),
        ("unknown field `remarks`", |r| {
            r["requirements"][0]["remarks"] = json!("MET");
        }),
        ("missing field `holds`", |r| {
            r["tiers"][0].as_object_mut().unwrap().remove("holds");
        }),
        ("unknown variant `SORT_OF`", |r| {
            r["requirements"][1]["outcome"] = json!("SORT_OF");
        }),
        ("missing field `evaluated_at`", |r| {
            r.as_object_mut().unwrap().remove("evaluated_at");
        }),
    ];
    for (want, edit) in cases {
        let mut r = report.clone();
        edit(&mut r);
        for e in [
            to_html(&r, Some(&claims), Lang::En)
                .map(|_| ())
                .unwrap_err()
                .to_string(),
            iotlabel::report::pdf::to_pdf(&r, None, Lang::Ja)
                .map(|_| ())
                .unwrap_err()
                .to_string(),
        ] {
            assert!(e.starts_with("report: ") && e.contains(want), "{want}: {e}");
        }
    }
    let mut l = claims.clone();
    l.as_object_mut().unwrap().remove("issuer");
    let e = to_html(&report, Some(&l), Lang::En)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("label claims: ") && e.contains("missing field `issuer`"),
        "{e}"
    );
    // Unchanged, it renders.
    assert!(to_html(&report, Some(&claims), Lang::En).is_ok());
}

#[test]
fn a_claims_file_with_a_field_missing_renamed_or_added_is_refused() {
    let i = thermostat();
    let report: Value = serde_json::from_str(&i.report_json).unwrap();
    let full = claims_json(i);
    assert!(to_html(&report, Some(&full), Lang::En).is_ok());
    for edit in ["remove", "rename", "add"] {
        let mut c = full.clone();
        let m = c.as_object_mut().unwrap();
        match edit {
            "remove" => drop(m.remove("status_index")),
            "rename" => {
                let v = m.remove("issuer").unwrap();
                m.insert("issuer_name".into(), v);
            }
            _ => drop(m.insert("colour".into(), json!("blue"))),
        }
        match to_html(&report, Some(&c), Lang::En) {
            Err(iotlabel::report::html::HtmlError::Shape { file, .. }) => {
                assert_eq!(file, "label claims", "{edit}")
            }
            other => panic!("{edit}: {other:?}"),
        }
    }
}
