//! The printed artwork checked with the tools a print shop and a phone would use, not ours:
//! every PDF the demo leaves is rasterised at 300 dpi by poppler's `pdftoppm` and read by
//! `zbarimg` (which must return exactly the QR text), `qpdf --check` finds it clean,
//! `pdffonts` shows only embedded subsets, and `pdftotext` extracts the Japanese text.
//!
//! These are Debian's poppler-utils, zbar-tools and qpdf, which `.ci/run` installs. Without
//! them this test fails (never passes silently) unless `IOTLABEL_SKIP_EXTERNAL=1` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found && std::env::var("IOTLABEL_SKIP_EXTERNAL").as_deref() != Ok("1") {
        panic!(
            "`{name}` is not installed: apt-get install poppler-utils zbar-tools qpdf (or set IOTLABEL_SKIP_EXTERNAL=1 to skip)"
        );
    }
    if !found {
        common::skipped(
            &format!("external check with `{name}`"),
            "not installed and IOTLABEL_SKIP_EXTERNAL=1",
        );
    }
    found
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    // zbarimg prints D-Bus noise on stderr in containers: read stdout only.
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

fn qr_texts_of(pdf: &Path, scratch: &Path) -> Vec<String> {
    let prefix = scratch.join("page");
    for e in std::fs::read_dir(scratch).unwrap().flatten() {
        let _ = std::fs::remove_file(e.path());
    }
    let (ok, _) = run(Command::new("pdftoppm")
        .args(["-r", "300", "-png"])
        .arg(pdf)
        .arg(&prefix));
    assert!(ok, "pdftoppm {}", pdf.display());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(scratch)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    pages.sort();
    let mut texts = Vec::new();
    for p in pages {
        let (ok, out) = run(Command::new("zbarimg").args(["-q", "--raw"]).arg(&p));
        assert!(
            ok,
            "zbarimg found no QR code in {} ({})",
            p.display(),
            pdf.display()
        );
        texts.extend(out.lines().map(str::to_string));
    }
    texts
}

#[test]
fn demo_pdfs_pass_poppler_zbar_and_qpdf() {
    if !(tool("pdftoppm") & tool("zbarimg") & tool("qpdf") & tool("pdffonts") & tool("pdftotext")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let status = Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(["demo", "--at", "2026-12-01", "--seed", "0a0b", "--out"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let scratch = dir.path().join("png");
    std::fs::create_dir_all(&scratch).unwrap();

    let labels = demo.join("labels");
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(&labels)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .filter(|p| !p.to_string_lossy().ends_with(".report.pdf"))
        .collect();
    pdfs.sort();
    // The assessment reports beside them are PDFs too: clean, fonts embedded as subsets.
    let reports: Vec<PathBuf> = std::fs::read_dir(&labels)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".report.pdf"))
        .collect();
    assert_eq!(reports.len(), pdfs.len());
    for r in reports.iter().take(5) {
        let (ok, out) = run(Command::new("qpdf").arg("--check").arg(r));
        assert!(ok, "qpdf --check {}: {out}", r.display());
    }
    // cls-like@1 stopped issuing after 2025-03-31: the demo issues under the open schemes.
    assert!(pdfs.len() >= 15, "{} label PDFs", pdfs.len());
    let mut all_texts = Vec::new();
    let mut japanese = 0;
    for pdf in &pdfs {
        let expected = std::fs::read_to_string(pdf.with_extension("txt")).unwrap();
        let texts = qr_texts_of(pdf, &scratch);
        assert_eq!(
            texts,
            vec![expected.trim().to_string()],
            "{}",
            pdf.display()
        );
        all_texts.push(expected.trim().to_string());

        let (ok, out) = run(Command::new("qpdf").arg("--check").arg(pdf));
        assert!(ok, "qpdf --check {}: {out}", pdf.display());

        let (ok, fonts) = run(Command::new("pdffonts").arg(pdf));
        assert!(ok);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{}: no fonts", pdf.display());
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let name = cols[0];
            // name, type (2 words: CID TrueType), encoding, emb, sub, uni, object, gen
            let (emb, sub, uni) = (cols[4], cols[5], cols[6]);
            assert!(
                name.len() > 7
                    && name.as_bytes()[6] == b'+'
                    && (emb, sub, uni) == ("yes", "yes", "yes"),
                "{}: font not an embedded subset with a ToUnicode map: {row}",
                pdf.display()
            );
        }

        let (ok, text) = run(Command::new("pdftotext").arg(pdf).arg("-"));
        assert!(ok);
        if text.contains("自己適合宣言") || text.contains("第三者試験済み") {
            japanese += 1;
            assert!(text.contains("ラベルID"), "{text}");
        } else {
            assert!(text.contains("Label ID"), "{text}");
        }
    }
    assert!(japanese >= 1, "at least one Japanese label");

    // The A4 sheet holds every label, each readable.
    let mut sheet = qr_texts_of(&demo.join("print/sheet-a4.pdf"), &scratch);
    sheet.sort();
    all_texts.sort();
    assert_eq!(sheet, all_texts);
    let (ok, out) = run(Command::new("qpdf")
        .arg("--check")
        .arg(demo.join("print/sheet-a4.pdf")));
    assert!(ok, "{out}");

    // The compact label carries the short registry URL.
    let compact: Vec<PathBuf> = std::fs::read_dir(demo.join("print/compact"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    assert_eq!(compact.len(), 1);
    let id = compact[0]
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .to_uppercase();
    assert_eq!(
        qr_texts_of(&compact[0], &scratch),
        vec![format!("HTTPS://LBL.EXAMPLE.ORG/L/{id}")]
    );
}
