//! `cargo bench --bench artwork`: drawing labels.
//!
//! - `qr-encode`: one label QR symbol with `qrcode` 0.14 (automatic segments), with
//!   `qrcodegen` on explicit segments and masks derived and scored by `label::symbol`, and with
//!   `qrcodegen` choosing the mask itself on the same segments;
//! - `label-pdf/mask` and `label-pdf/vector`: one standard label, layout + PDF with subset
//!   fonts, the QR as a 1-bit image mask or as vector rectangles (goal <= 0.25 ms, issue 14);
//!   `label-pdf/mask-cold-subsets`: the same with the font subset cache emptied first (a
//!   glyph set no earlier document of the process used);
//! - `label-svg`, `label-png`: the same label as SVG and as a 300 dpi PNG;
//! - `sheet-1000`: 1000 labels on A4 sheets, one PDF (its size is printed; goal <= 200 ms and
//!   <= 1.2 MB, issue 14);
//! - `report/report-pdf`, `report/report-html`: the assessment report of
//!   `fixtures/profiles/lock-lab-tested.toml` under cls-like@2, with its label's claims, as
//!   the A4 PDF and the HTML page `iotlabel issue` writes for every label (issue 14; goal
//!   <= 2 ms for the PDF); `report-pdf-cold-subsets` with the font subset cache emptied first.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use iotlabel::artwork::template::{QrDraw, load_bundled};
use iotlabel::artwork::{self, Format, LabelFacts, layout_label, pdf::write_pdf};
use iotlabel::criteria;
use iotlabel::label::symbol::{Ecc, encode};
use iotlabel::scenario::Scenario;
use iotlabel::time::parse_at;

fn facts() -> LabelFacts {
    let set = criteria::load_bundled().unwrap();
    let at = parse_at("2026-12-01").unwrap();
    let sc = Scenario::new(&set, b"bench", at, 30).unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/thermostat-level3.toml");
    let scheme = set.scheme("cls-like@2").unwrap();
    let issued = sc.issue_file(&set, scheme, &path, at, 7).unwrap().unwrap();
    let store = sc.store(at).unwrap();
    artwork::facts_for(&store, &set, &issued.cose, Some(&issued.qr_text), at).unwrap()
}

/// The lab's report JSON for lock-lab-tested under cls-like@2 and its label's claims (the
/// fields the report shows), as `iotlabel issue` hands them to the report writers.
fn report_inputs() -> (serde_json::Value, serde_json::Value) {
    let set = criteria::load_bundled().unwrap();
    let at = parse_at("2026-12-01").unwrap();
    let sc = Scenario::new(&set, b"bench", at, 30).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/lock-lab-tested.toml");
    let scheme = set.scheme("cls-like@2").unwrap();
    let i = sc.issue_file(&set, scheme, &path, at, 7).unwrap().unwrap();
    let report = serde_json::from_str(&i.report_json).unwrap();
    // The claims file `issue` writes beside the label, read as `issue` reads it back.
    let claims = serde_json::to_value(iotlabel::issue::ClaimsFile::new(&i, &set)).unwrap();
    (report, claims)
}

fn bench_report(c: &mut Criterion) {
    use iotlabel::report::html::{Lang, to_html};
    use iotlabel::report::pdf::to_pdf;
    let (report, claims) = report_inputs();
    let pdf = to_pdf(&report, Some(&claims), Lang::En).unwrap();
    eprintln!(
        "report PDF (lock-lab-tested, cls-like@2): {} bytes",
        pdf.len()
    );
    let mut g = c.benchmark_group("report");
    g.bench_function("report-pdf", |b| {
        b.iter(|| to_pdf(&report, Some(&claims), Lang::En).unwrap())
    });
    g.bench_function("report-pdf-cold-subsets", |b| {
        b.iter(|| {
            iotlabel::artwork::pdf::clear_subset_cache();
            to_pdf(&report, Some(&claims), Lang::En).unwrap()
        })
    });
    g.bench_function("report-html", |b| {
        b.iter(|| to_html(&report, Some(&claims), Lang::En).unwrap())
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let facts = facts();
    let words = artwork::words("en").unwrap();
    let standard = load_bundled("standard").unwrap();
    let text = facts.qr_text.clone();
    eprintln!(
        "label QR text: {} characters, version {} (qrcodegen, explicit segments)",
        text.len(),
        encode(&text, Ecc::M).unwrap().version()
    );

    let mut g = c.benchmark_group("qr-encode");
    g.bench_function("qrcode-auto", |b| {
        b.iter(|| {
            qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
                .unwrap()
        })
    });
    g.bench_function("qrcodegen-segments", |b| {
        b.iter(|| encode(&text, Ecc::M).unwrap())
    });
    // The same segments with `qrcodegen` choosing the mask itself (eight encodings, its own
    // penalty scoring): what `label::symbol`'s derived masks replace.
    let (url, payload) = text.split_once('#').unwrap();
    let segs = [
        qrcodegen::QrSegment::make_alphanumeric(url),
        qrcodegen::QrSegment::make_bytes(b"#"),
        qrcodegen::QrSegment::make_alphanumeric(payload),
    ];
    g.bench_function("qrcodegen-own-mask", |b| {
        b.iter(|| {
            qrcodegen::QrCode::encode_segments_advanced(
                &segs,
                qrcodegen::QrCodeEcc::Medium,
                qrcodegen::Version::MIN,
                qrcodegen::Version::MAX,
                None,
                false,
            )
            .unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("label-pdf");
    for (name, draw) in [("mask", QrDraw::Mask), ("vector", QrDraw::Vector)] {
        let pdf = write_pdf(
            &[layout_label(&standard, &facts, words).unwrap()],
            "x",
            draw,
        )
        .unwrap();
        eprintln!("label PDF with QR as {name}: {} bytes", pdf.len());
        g.bench_function(name, |b| {
            b.iter(|| {
                let page = layout_label(&standard, &facts, words).unwrap();
                write_pdf(&[page], "bench", draw).unwrap()
            })
        });
    }
    // The same with the subset cache emptied first: a document whose glyph sets no earlier
    // document of the process used (subsetting and deflating its fonts again).
    g.bench_function("mask-cold-subsets", |b| {
        b.iter(|| {
            artwork::pdf::clear_subset_cache();
            let page = layout_label(&standard, &facts, words).unwrap();
            write_pdf(&[page], "bench", QrDraw::Mask).unwrap()
        })
    });
    g.bench_function("layout-only", |b| {
        b.iter(|| layout_label(&standard, &facts, words).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("label-other");
    g.bench_function("svg", |b| {
        b.iter(|| artwork::render_label(&standard, &facts, "en", &[Format::Svg]).unwrap())
    });
    g.bench_function("png-300dpi", |b| {
        b.iter(|| artwork::render_label(&standard, &facts, "en", &[Format::Png]).unwrap())
    });
    g.finish();

    // 1000 distinct labels (distinct ids, so distinct QR symbols).
    let sheet = load_bundled("sheet-a4").unwrap();
    let many: Vec<LabelFacts> = (0..1000u32)
        .map(|i| {
            let mut f = facts.clone();
            f.label_id[..4].copy_from_slice(&i.to_be_bytes());
            let mut cose = vec![0u8; 250];
            cose[..4].copy_from_slice(&i.to_be_bytes());
            f.qr_text = iotlabel::label::qr_text("HTTPS://LBL.EXAMPLE.ORG/V", &cose);
            f
        })
        .collect();
    let pdf = artwork::render_sheet(&sheet, &many, "en").unwrap();
    eprintln!(
        "1000-label sheet PDF: {} bytes ({:.2} MB), {:.0} bytes per label",
        pdf.len(),
        pdf.len() as f64 / 1e6,
        pdf.len() as f64 / 1000.0
    );
    let mut g = c.benchmark_group("sheet");
    g.sample_size(10);
    g.bench_function("sheet-1000", |b| {
        b.iter(|| artwork::render_sheet(&sheet, &many, "en").unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench, bench_report);
criterion_main!(benches);
