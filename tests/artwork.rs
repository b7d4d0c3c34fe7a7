//! Label artwork end to end: every fixture label that reaches a tier is drawn with every
//! bundled label template, rasterised, read back with a QR decoder (rqrr) and verified.
//! Golden checks compare texts and boxes of the layout, not bytes of one library version.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use iotlabel::artwork::layout::Item;
use iotlabel::artwork::{self, Format, LabelFacts, layout_label, template};
use iotlabel::criteria::{self, CriteriaSet, SchemeKind};
use iotlabel::issue::Issued;
use iotlabel::scenario::Scenario;
use iotlabel::time::parse_at;
use iotlabel::verify::{TrustStore, Verdict};

struct Fixture {
    name: String,
    issued: Issued,
}

fn issue_all(set: &CriteriaSet, sc: &Scenario, at: jiff::Timestamp) -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for (n, p) in paths.iter().enumerate() {
        for scheme in set.schemes.iter().filter(|s| {
            s.kind == SchemeKind::Label && iotlabel::issue::outside_window(s, at).is_none()
        }) {
            let index = u32::try_from(n).unwrap();
            if let Some(issued) = sc.issue_file(set, scheme, p, at, index).unwrap() {
                out.push(Fixture {
                    name: format!(
                        "{} / {}",
                        p.file_stem().unwrap().to_string_lossy(),
                        scheme.key()
                    ),
                    issued,
                });
            }
        }
    }
    out
}

fn store(sc: &Scenario, at: jiff::Timestamp) -> TrustStore {
    sc.store(at).unwrap()
}

fn decode_png_page(page: &artwork::Page) -> Vec<String> {
    let pixmap = artwork::png::rasterise(page, artwork::PNG_DPI).unwrap();
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let data = pixmap.data();
    let grey: Vec<u8> = data.chunks(4).map(|p| p[1]).collect();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey[y * w + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

#[test]
fn every_fixture_and_template_reads_back_and_verifies() {
    let set = criteria::load_bundled().unwrap();
    let at = parse_at("2026-12-01").unwrap();
    let sc = Scenario::new(&set, b"artwork", at, 30).unwrap();
    let store = store(&sc, at);
    let fixtures = issue_all(&set, &sc, at);
    // cls-like@1 stopped issuing after 2025-03-31, so its labels are no longer among them.
    assert!(fixtures.len() >= 15, "{} fixture labels", fixtures.len());
    for lang in ["en", "ja"] {
        let words = artwork::words(lang).unwrap();
        for tid in ["standard", "compact"] {
            let t = template::load_bundled(tid).unwrap();
            for f in &fixtures {
                let facts =
                    artwork::facts_for(&store, &set, &f.issued.cose, Some(&f.issued.qr_text), at)
                        .unwrap();
                let page = layout_label(&t, &facts, words)
                    .unwrap_or_else(|e| panic!("{} / {tid} / {lang}: {e}", f.name));
                let texts = decode_png_page(&page);
                assert_eq!(texts.len(), 1, "{} / {tid}: one QR", f.name);
                match tid {
                    "standard" => {
                        assert_eq!(texts[0], f.issued.qr_text, "{}", f.name);
                        let report = store.verify(Some(&texts[0]), None, at);
                        assert_eq!(report.verdict, Verdict::Valid, "{}", f.name);
                    }
                    _ => assert_eq!(
                        texts[0],
                        format!(
                            "HTTPS://LBL.EXAMPLE.ORG/L/{}",
                            hex::encode_upper(f.issued.claims.label_id)
                        )
                    ),
                }
                if lang == "en" && tid == "standard" {
                    break_golden(&facts, &page);
                }
            }
        }
    }
}

/// What the standard English label must show, checked on the layout items of each label.
fn break_golden(facts: &LabelFacts, page: &artwork::Page) {
    let text: Vec<String> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) => Some(
                t.lines
                    .iter()
                    .map(|l| l.text.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        })
        .collect();
    let all = text.join("\n");
    assert!(all.contains(&facts.model), "{all}");
    assert!(all.contains(&facts.label_id_words()), "{all}");
    assert!(all.contains("valid until"), "{all}");
    // Every item lies on the page.
    for i in &page.items {
        let b = match i {
            Item::Rect { area, .. } => *area,
            Item::Text(t) => t.area,
            Item::Qr(q) => q.quiet,
        };
        assert!(b.x >= -0.001 && b.y >= -0.001, "{b:?}");
        assert!(
            b.x + b.w <= page.width + 0.001 && b.y + b.h <= page.height + 0.001,
            "{b:?}"
        );
    }
}

#[test]
fn same_label_same_bytes_in_every_format_also_in_parallel() {
    let set = criteria::load_bundled().unwrap();
    let at = parse_at("2026-12-01").unwrap();
    let sc = Scenario::new(&set, b"artwork", at, 30).unwrap();
    let store = store(&sc, at);
    let fixtures = issue_all(&set, &sc, at);
    let t = template::load_bundled("standard").unwrap();
    let formats = [Format::Pdf, Format::Svg, Format::Png];
    let render = |f: &Fixture| {
        let facts =
            artwork::facts_for(&store, &set, &f.issued.cose, Some(&f.issued.qr_text), at).unwrap();
        artwork::render_label(&t, &facts, "en", &formats).unwrap()
    };
    let first: Vec<_> = fixtures.iter().take(6).map(render).collect();
    let again: Vec<_> = fixtures.iter().take(6).map(render).collect();
    assert_eq!(first, again);
    let parallel: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = fixtures
            .iter()
            .take(6)
            .map(|f| s.spawn(move || render(f)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(first, parallel);
    // Different labels give different PDFs (the id covers the content).
    assert_ne!(first[0][0].1, first[1][0].1);
}

#[test]
fn bundled_templates_hold_the_longest_texts() {
    for id in template::bundled_ids() {
        let t = template::load_bundled(id).unwrap();
        // 260 bytes of COSE: larger than all but the largest fixture label.
        let problems = artwork::check_template(&t, 260);
        assert!(problems.is_empty(), "{id}: {problems:#?}");
    }
}

/// The layout of a label as text: every item's kind, box (0.1 mm) and text. Snapshotted, so a
/// library upgrade that moves or changes anything on the printed label shows up here, while
/// byte-level changes of the PDF writer do not.
fn layout_golden(page: &artwork::Page) -> String {
    let mut out = format!("page {:.1} x {:.1} mm\n", page.width, page.height);
    for i in &page.items {
        let line = match i {
            Item::Rect { area, colour } => format!(
                "rect  [{:5.1} {:5.1} {:5.1} {:5.1}] {}",
                area.x,
                area.y,
                area.w,
                area.h,
                colour.hex()
            ),
            Item::Text(t) => format!(
                "text  [{:5.1} {:5.1} {:5.1} {:5.1}] {:?} {:.2}pt {}",
                t.area.x,
                t.area.y,
                t.area.w,
                t.area.h,
                t.field,
                t.size,
                t.lines
                    .iter()
                    .map(|l| l.text.clone())
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
            Item::Qr(q) => format!(
                "qr    [{:5.1} {:5.1} {:5.1} {:5.1}] v{} module {:.4} mm, {} chars",
                q.quiet.x,
                q.quiet.y,
                q.quiet.w,
                q.quiet.h,
                q.symbol.version(),
                q.module,
                q.text.len()
            ),
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn golden_layouts() {
    let set = criteria::load_bundled().unwrap();
    let at = parse_at("2026-12-01").unwrap();
    let sc = Scenario::new(&set, b"golden", at, 30).unwrap();
    let store = store(&sc, at);
    let fixtures = issue_all(&set, &sc, at);
    for (name, tid, lang) in [
        ("lock-lab-tested / cls-like@2", "standard", "en"),
        ("camera-jc-star / jc-star-like@1", "standard", "ja"),
        ("thermostat-level3 / cls-like@2", "compact", "en"),
    ] {
        let f = fixtures.iter().find(|f| f.name == name).unwrap();
        let facts =
            artwork::facts_for(&store, &set, &f.issued.cose, Some(&f.issued.qr_text), at).unwrap();
        let t = template::load_bundled(tid).unwrap();
        let page = layout_label(&t, &facts, artwork::words(lang).unwrap()).unwrap();
        // The label id and dates depend on the throwaway keys; the layout must not.
        let golden = layout_golden(&page).replace(&facts.label_id_words(), "<LABEL ID>");
        insta::assert_snapshot!(
            format!("{tid}-{lang}-{}", name.split(' ').next().unwrap()),
            golden
        );
    }
}

#[test]
fn cli_render_and_template_check() {
    use std::process::Command;
    let bin = env!("CARGO_BIN_EXE_iotlabel");
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let o = Command::new(bin)
        .args(["demo", "--at", "2026-12-01", "--seed", "01", "--out"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut labels: Vec<_> = std::fs::read_dir(demo.join("labels"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cose"))
        .collect();
    labels.sort();
    let render = |label: &Path, out: &Path, extra: &[&str]| {
        Command::new(bin)
            .arg("render")
            .arg(label)
            .arg("--trust")
            .arg(demo.join("trust/example-agency.cose"))
            .arg("--root")
            .arg(demo.join("trust/scheme-owner.pub"))
            .args(["--at", "2026-12-02", "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    // Re-rendering gives the bytes the demo wrote (no re-signing, same inputs).
    let out = dir.path().join("again");
    let o = render(&labels[0], &out, &["--formats", "pdf,svg,png"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stem = labels[0].file_stem().unwrap().to_string_lossy().to_string();
    for ext in ["pdf", "svg", "png"] {
        assert!(out.join(format!("{stem}.{ext}")).is_file(), "{ext}");
    }
    let json = std::fs::read_to_string(labels[0].with_extension("json")).unwrap();
    if !json.contains("\"jc-star-like\"") {
        assert_eq!(
            std::fs::read(out.join(format!("{stem}.pdf"))).unwrap(),
            std::fs::read(labels[0].with_extension("pdf")).unwrap()
        );
    }
    // The PNG artwork verifies from the picture (the demo revoked one label).
    let mut verify = Command::new(bin);
    verify
        .args(["verify", "--at", "2026-12-02", "--image"])
        .arg(out.join(format!("{stem}.png")))
        .arg("--trust")
        .arg(demo.join("trust/example-agency.cose"))
        .arg("--root")
        .arg(demo.join("trust/scheme-owner.pub"));
    for e in std::fs::read_dir(demo.join("status")).unwrap().flatten() {
        verify.arg("--status").arg(e.path());
    }
    let o = verify.output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("VALID") || text.contains("REVOKED"),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!text.contains("MALFORMED"), "{text}");

    // A label whose signature does not verify is not printed, and nothing is written.
    let mut bad = std::fs::read(&labels[0]).unwrap();
    let n = bad.len();
    bad[n - 3] ^= 1;
    let bad_path = dir.path().join("bad.cose");
    std::fs::write(&bad_path, bad).unwrap();
    let bad_out = dir.path().join("bad-out");
    let o = render(&bad_path, &bad_out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("BAD SIGNATURE"));
    assert!(!bad_out.exists());
    // Unknown language: usage error.
    assert_eq!(
        render(&labels[0], &out, &["--lang", "fr"]).status.code(),
        Some(2)
    );

    let check = |args: &[&str]| {
        Command::new(bin)
            .args(["template", "check"])
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(check(&[]).status.code(), Some(0));
    let bad_t = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad/templates/off-page.toml");
    let o = check(&[bad_t.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("off-page.toml:20:9"));
}
