//! Issue 11: a label of an illustrative scheme says "Illustrative scheme, not an official mark"
//! (and the Japanese equivalent) wherever people see it: the label artwork (PDF, SVG; every
//! bundled template), the verifier's text and JSON, the verify page, the registry pages and
//! every report. A scheme that is not illustrative, or one the verifier cannot establish from
//! trusted data, never gets the line.
//!
//! Every bundled scheme is illustrative, so the other side is a copy of `cls-like@2` with
//! `illustrative = false` (a new criteria digest), issued and trusted like the real one.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod serve_util;

use std::path::Path;
use std::process::Command;

use iotlabel::artwork::{self, Format, template};
use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::diag::SourceFile;
use iotlabel::issue::Issued;
use iotlabel::report::html::{Lang as HtmlLang, to_html};
use iotlabel::report::pdf::to_pdf;
use iotlabel::scenario::Scenario;
use iotlabel::serve::Limits;
use iotlabel::verify::{TrustStore, Verdict};
use serde_json::Value;
use serve_util::{SEED, get, publish, request, t0, verify_fragment};

const EN: &str = "Illustrative scheme, not an official mark";
const JA: &str = "例示用の制度であり、公式のマークではありません";
const PROFILE: &str = "thermostat-level3.toml";

/// The bundled criteria with `cls-like@2` given `illustrative = flag`; with `rename` its name
/// changes too, so the digest differs from the bundled one whatever the flag.
fn variant(flag: bool, rename: bool) -> CriteriaSet {
    let files = criteria::bundled_files();
    let f = files
        .iter()
        .find(|f| f.path.ends_with("cls-like-v2.toml"))
        .unwrap();
    let mut text = f.text.replace(
        "illustrative     = true",
        &format!("illustrative     = {flag}"),
    );
    if rename {
        text = text.replace(
            "name             = \"CLS-like",
            "name             = \"Renamed CLS-like",
        );
    }
    assert_ne!(
        text, f.text,
        "the variant must differ from the bundled file"
    );
    let (set, diags) =
        criteria::load_overlay(files.clone(), vec![SourceFile::new(f.path.clone(), text)]);
    assert!(!diags.has_errors(), "{diags:?}");
    set
}

/// A trust setup over `set` (same throwaway keys as the serve tests) and the thermostat's
/// Level 3 label under its `cls-like@2`.
fn setup(set: &CriteriaSet) -> (Scenario, Issued) {
    let sc = Scenario::new(set, SEED, t0(), 30).unwrap();
    let scheme = set.scheme("cls-like@2").unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(PROFILE);
    let issued = sc.issue_file(set, scheme, &path, t0(), 3).unwrap().unwrap();
    (sc, issued)
}

fn bundled() -> CriteriaSet {
    criteria::load_bundled().unwrap()
}

/// The verifier's JSON for `issued` against `store`.
fn report_json(store: &TrustStore, issued: &Issued) -> Value {
    serde_json::to_value(store.verify(Some(&issued.qr_text), None, t0())).unwrap()
}

#[test]
fn the_verifier_marks_an_illustrative_scheme_in_text_and_json() {
    let (sc, issued) = setup(&bundled());
    let store = sc.store(t0()).unwrap();
    let r = store.verify(Some(&issued.qr_text), None, t0());
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.to_text());
    assert!(
        r.to_text().contains(&format!("Note:       {EN}")),
        "{}",
        r.to_text()
    );
    assert_eq!(report_json(&store, &issued)["scheme"]["illustrative"], true);
}

#[test]
fn a_scheme_the_verifier_cannot_vouch_for_as_illustrative_gets_no_line() {
    // Not illustrative, and unknown to the verifier (its digest is not the bundled one): the
    // label is VALID, the flag is unknown (null) and nothing says "illustrative".
    let (sc, issued) = setup(&variant(false, false));
    let store = sc.store(t0()).unwrap();
    let r = store.verify(Some(&issued.qr_text), None, t0());
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.to_text());
    assert!(!r.to_text().contains(EN), "{}", r.to_text());
    assert_eq!(
        report_json(&store, &issued)["scheme"]["illustrative"],
        Value::Null
    );

    // The same scheme id and version as a bundled illustrative scheme do not decide it: only
    // the digest the trust list accepts does (an illustrative copy under another digest is
    // unknown too).
    let (sc2, issued2) = setup(&variant(true, true));
    let r2 = report_json(&sc2.store(t0()).unwrap(), &issued2);
    assert_eq!(r2["verdict"], "VALID");
    assert_eq!(r2["scheme"]["illustrative"], Value::Null);

    // A genuine label under the bundled (illustrative) criteria, checked against a trust list
    // that does not accept that digest: WRONG SCHEME, and the flag stays unknown.
    let (_, bundled_label) = setup(&bundled());
    let r3 = report_json(&store, &bundled_label);
    assert_eq!(r3["verdict"], "WRONG_SCHEME", "{r3}");
    assert_eq!(r3["scheme"]["illustrative"], Value::Null, "{r3}");

    // Malformed input never gets a scheme, let alone the line, and never panics.
    for text in [
        "",
        "HTTPS://LBL.EXAMPLE.ORG/V#",
        "HTTPS://LBL.EXAMPLE.ORG/V#AAAA",
    ] {
        let r = store.verify(Some(text), None, t0());
        assert_eq!(r.verdict, Verdict::Malformed);
        assert!(r.scheme.is_none() && !r.to_text().contains(EN));
    }
}

#[test]
fn criteria_given_to_the_verifier_decide_only_for_their_own_digest() {
    let not_illustrative = variant(false, false);
    let (sc, issued) = setup(&not_illustrative);
    let store = sc.store(t0()).unwrap().with_criteria(&not_illustrative);
    assert_eq!(
        report_json(&store, &issued)["scheme"]["illustrative"],
        false
    );
    let renamed = variant(true, true);
    let (sc, issued) = setup(&renamed);
    let store = sc.store(t0()).unwrap().with_criteria(&renamed);
    assert_eq!(report_json(&store, &issued)["scheme"]["illustrative"], true);
    // Criteria for another digest of the same id@version say nothing about this label.
    let store = sc.store(t0()).unwrap().with_criteria(&not_illustrative);
    assert_eq!(
        report_json(&store, &issued)["scheme"]["illustrative"],
        Value::Null
    );
}

/// Whitespace removed: a wrapped line reads the same as an unwrapped one.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `pdftotext` of a PDF; `None` (with a SKIPPED line) when it is missing and
/// IOTLABEL_SKIP_EXTERNAL=1.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.pdf");
    std::fs::write(&p, pdf).unwrap();
    match Command::new("pdftotext").arg(&p).arg("-").output() {
        Ok(o) => {
            assert!(o.status.success(), "pdftotext failed");
            Some(String::from_utf8(o.stdout).unwrap())
        }
        Err(e) if std::env::var_os("IOTLABEL_SKIP_EXTERNAL").is_some() => {
            println!("SKIPPED: artwork PDF text with pdftotext ({e})");
            None
        }
        Err(e) => panic!(
            "pdftotext is needed ({e}): install poppler-utils, or set IOTLABEL_SKIP_EXTERNAL=1"
        ),
    }
}

/// The artwork texts of one label in every bundled template and language: (where, PDF text,
/// SVG) for label templates, (where, PDF text, "") for sheets.
fn artwork_texts(
    set: &CriteriaSet,
    sc: &Scenario,
    issued: &Issued,
) -> Vec<(String, String, String)> {
    let store = sc.store(t0()).unwrap();
    let facts = artwork::facts_for(&store, set, &issued.cose, Some(&issued.qr_text), t0()).unwrap();
    let mut out = Vec::new();
    for id in template::bundled_ids() {
        let t = template::load_bundled(id).unwrap();
        for lang in ["en", "ja"] {
            let (pdf, svg) = if t.sheet.is_some() {
                let pdf = artwork::render_sheet(&t, std::slice::from_ref(&facts), lang).unwrap();
                (pdf, String::new())
            } else {
                let mut r =
                    artwork::render_label(&t, &facts, lang, &[Format::Pdf, Format::Svg]).unwrap();
                let svg = String::from_utf8(r.pop().unwrap().1).unwrap();
                (r.pop().unwrap().1, svg)
            };
            let Some(text) = pdftotext(&pdf) else {
                return Vec::new();
            };
            out.push((format!("{id}/{lang}"), text, svg));
        }
    }
    out
}

#[test]
fn every_bundled_template_prints_the_line_for_an_illustrative_scheme_only() {
    let set = bundled();
    let (sc, issued) = setup(&set);
    let texts = artwork_texts(&set, &sc, &issued);
    for (at, pdf, svg) in &texts {
        let want = if at.ends_with("/ja") { JA } else { EN };
        assert!(squash(pdf).contains(&squash(want)), "{at}: PDF text\n{pdf}");
        if !at.starts_with("sheet") {
            // SVG text is outlines; each text group carries its words (lines joined by a
            // space) as aria-label.
            assert!(squash(svg).contains(&squash(want)), "{at}: SVG");
        }
    }

    // Not illustrative: neither language's line, in any template, whichever criteria the
    // renderer is given (its own, which say "not illustrative", or the bundled ones, which do
    // not know this digest).
    let other = variant(false, false);
    let (sc, issued) = setup(&other);
    for given in [&other, &set] {
        for (at, pdf, svg) in artwork_texts(given, &sc, &issued) {
            for line in [EN, JA] {
                assert!(!squash(&pdf).contains(&squash(line)), "{at}: {pdf}");
                assert!(!squash(&svg).contains(&squash(line)), "{at}");
            }
            assert!(pdf.contains("Halcyon"), "{at}: the label was drawn: {pdf}");
        }
    }
}

/// The standard template without its `illustrative` element.
fn standard_without_the_line() -> template::Template {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("label-templates/standard.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("field    = \"illustrative\"").unwrap();
    let start = text[..start].rfind("[[element]]").unwrap();
    let end = start + text[start..][1..].find("[[element]]").unwrap() + 1;
    let cut = format!("{}{}", &text[..start], &text[end..]);
    assert!(!cut.contains("\"illustrative\""));
    template::parse(
        SourceFile::new("my-standard.toml", cut),
        &template::load_bundled,
    )
    .unwrap()
}

#[test]
fn a_template_without_the_line_fails_the_check_and_draws_no_illustrative_label() {
    let t = standard_without_the_line();
    let problems: Vec<String> = artwork::check_template(&t, 260)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "my-standard.toml:1:1: template `standard` has no text element for the `illustrative` field"
        ),
        "{problems:#?}"
    );

    let set = bundled();
    let (sc, issued) = setup(&set);
    let store = sc.store(t0()).unwrap();
    let facts =
        artwork::facts_for(&store, &set, &issued.cose, Some(&issued.qr_text), t0()).unwrap();
    for lang in ["en", "ja"] {
        let e = artwork::render_label(&t, &facts, lang, &[Format::Pdf]).unwrap_err();
        assert!(e.to_string().contains("`illustrative` field"), "{e}");
    }
    // A label of a scheme that is not illustrative needs no such line.
    let other = variant(false, false);
    let (sc, issued) = setup(&other);
    let store = sc.store(t0()).unwrap();
    let facts =
        artwork::facts_for(&store, &other, &issued.cose, Some(&issued.qr_text), t0()).unwrap();
    assert!(artwork::render_label(&t, &facts, "en", &[Format::Pdf]).is_ok());
}

#[test]
fn template_check_command_proves_the_line_fits_or_says_where_it_does_not() {
    let bin = env!("CARGO_BIN_EXE_iotlabel");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new(bin)
        .args(["template", "check"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for id in template::bundled_ids() {
        assert!(
            String::from_utf8_lossy(&o.stdout).contains(&format!("{id}: ok")),
            "{id}"
        );
    }
    let bad = "fixtures/bad/templates/illustrative-line-does-not-fit.toml";
    let o = Command::new(bin)
        .current_dir(root)
        .args(["template", "check", bad])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    for line in [EN, JA] {
        assert!(
            err.contains(&format!(
                "{bad}:19:1: the illustrative text \"{line}\" does not fit"
            )),
            "{err}"
        );
    }
}

#[test]
fn every_report_format_marks_the_illustrative_scheme_and_only_it() {
    use iotlabel::evaluate::evaluate;
    use iotlabel::profile::Profile;
    use iotlabel::report::{Report, render_text};
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(PROFILE);
    for (set, illustrative) in [(bundled(), true), (variant(false, false), false)] {
        let s = set.scheme("cls-like@2").unwrap();
        let p = Profile::load(&path, &set).unwrap();
        let r = Report::new(s, &set.vocab, &p, &evaluate(s, &p, t0()));
        assert_eq!(render_text(&r).contains(EN), illustrative);
        let json: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["scheme"]["illustrative"], illustrative);
        for (lang, line) in [
            (HtmlLang::En, EN),
            (HtmlLang::Ja, "公式のマークではありません"),
        ] {
            let html = to_html(&json, None, lang).unwrap();
            assert_eq!(html.contains(line), illustrative, "HTML {lang:?}");
            let Some(text) = pdftotext(&to_pdf(&json, None, lang).unwrap()) else {
                continue;
            };
            assert_eq!(
                squash(&text).contains(&squash(line)),
                illustrative,
                "PDF {lang:?}:\n{text}"
            );
        }
    }
}

#[test]
fn the_verify_page_and_the_registry_say_it_in_both_languages() {
    let set = bundled();
    let (sc, issued) = setup(&set);
    let server = serve_util::start(&sc, t0(), Limits::default());
    let a = server.addr();
    assert_eq!(publish(a, &issued.cose).status, 201);
    let id = hex::encode(issued.claims.label_id);

    // The verify page has the place the script fills from the server's view.
    let page = get(a, "/V").text();
    assert!(page.contains("id=\"illustrative\""), "{page}");
    let js = get(a, "/assets/verify.js").text();
    assert!(js.contains("v.illustrative"), "{js}");
    for (lang, line) in [("en", EN), ("ja", JA)] {
        let v = verify_fragment(a, "/V", &issued.qr_text, lang).json();
        assert_eq!(v["verdict"], "VALID", "{v}");
        assert_eq!(v["view"]["illustrative"], line, "{v}");
        let hdr = [("Accept-Language", lang)];
        let html = request(a, "GET", &format!("/L/{id}"), &hdr, b"").text();
        assert!(html.contains(line), "{html}");
        let html = request(a, "GET", "/search?manufacturer=halcyon", &hdr, b"").text();
        assert!(html.contains(&id) && html.contains(line), "{html}");
        let j = request(a, "GET", &format!("/api/labels/{id}"), &hdr, b"").json();
        assert_eq!(j["view"]["illustrative"], line, "{j}");
    }
    let hits = get(a, "/api/labels?manufacturer=halcyon").json();
    assert_eq!(hits["labels"][0]["illustrative"], true, "{hits}");
    drop(server);

    // A scheme that is not illustrative: no line anywhere.
    let other = variant(false, false);
    let (sc, issued) = setup(&other);
    let server = serve_util::start(&sc, t0(), Limits::default());
    let a = server.addr();
    assert_eq!(publish(a, &issued.cose).status, 201);
    let id = hex::encode(issued.claims.label_id);
    for lang in ["en", "ja"] {
        let v = verify_fragment(a, "/V", &issued.qr_text, lang).json();
        assert_eq!(v["verdict"], "VALID", "{v}");
        assert!(v["view"].get("illustrative").is_none(), "{v}");
        let hdr = [("Accept-Language", lang)];
        for path in [format!("/L/{id}"), "/search?manufacturer=halcyon".into()] {
            let html = request(a, "GET", &path, &hdr, b"").text();
            assert!(html.contains(&id), "{path}: {html}");
            assert!(!html.contains(EN) && !html.contains(JA), "{path}: {html}");
        }
    }
    let hits = get(a, "/api/labels?manufacturer=halcyon").json();
    assert_eq!(hits["labels"][0]["illustrative"], false, "{hits}");
}
