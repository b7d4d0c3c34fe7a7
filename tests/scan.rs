//! Reading a label back from a picture (issue 5): a real signed label rendered as a QR picture
//! in the test, then degraded as a phone camera would (rotated 15 degrees, scaled to half,
//! Gaussian blur sigma 1 px, JPEG quality 70); each must read back to exactly the QR text and
//! verify VALID, through the library and through `iotlabel verify --image`. Bad pictures (no QR,
//! truncated, a header claiming gigapixels) give a clear error and a non-zero exit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::{self, FilterType};
use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};
use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::issue::{IssueRequest, Issued, issue, profile_digest};
use iotlabel::keys::Signer;
use iotlabel::profile::Profile;
use iotlabel::scan::{MAX_PIXELS, ScanError, read_qr_texts};
use iotlabel::scenario::Scenario;
use iotlabel::status::StatusState;
use iotlabel::verify::{Verdict, VerifyReport, verify};
use jiff::Timestamp;
use qrcode::{Color, EcLevel, QrCode};

const DAY: i64 = 86_400;
/// Pixels per QR module in the clean picture.
const PX: u32 = 6;
/// Verification time: an hour after issuing.
const AT: &str = "2026-12-01T01:00:00Z";

struct Setup {
    sc: Scenario,
    /// The lab's Level 3 thermostat label under cls-like@2 (status index 0).
    label: Issued,
    /// The same device under cls-like@2 again, a minute later (status index 1): another label.
    second: Issued,
    /// All-valid status lists for every issuer key.
    status: Vec<Vec<u8>>,
}

fn set() -> &'static CriteriaSet {
    static SET: OnceLock<CriteriaSet> = OnceLock::new();
    SET.get_or_init(|| criteria::load_bundled().expect("bundled criteria"))
}

fn t0() -> Timestamp {
    iotlabel::time::parse_at("2026-12-01").unwrap()
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let sc = Scenario::new(set(), b"scan tests", t0(), 30).unwrap();
        let trusted = sc.verified(t0()).unwrap();
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/thermostat-level3.toml");
        let bytes = std::fs::read(&path).unwrap();
        let profile = Profile::load(&path, set()).unwrap();
        let issue_under = |scheme: &str, index: u32, after: i64| {
            issue(&IssueRequest {
                scheme: set().scheme(scheme).unwrap(),
                vocab: &set().vocab,
                profile: &profile,
                profile_digest: profile_digest(&bytes),
                at: jiff::Timestamp::from_second(t0().as_second() + after).unwrap(),
                key: &sc.lab,
                trust: &trusted,
                status_index: index,
            })
            .map_err(|(e, _)| e)
            .unwrap()
        };
        let label = issue_under("cls-like@2", 0, 0);
        // cls-like@1 stopped issuing after 2025-03-31: the second label is a re-issue.
        let second = issue_under("cls-like@2", 1, 60);
        let t = t0().as_second();
        let status = sc
            .issuers()
            .into_iter()
            .map(|k| {
                StatusState::new(&k.kid())
                    .to_list(t, t + 7 * DAY)
                    .unwrap()
                    .sign(&sc.status)
                    .unwrap()
            })
            .collect();
        Setup {
            sc,
            label,
            second,
            status,
        }
    })
}

fn verify_text(text: &str) -> VerifyReport {
    let s = setup();
    verify(&iotlabel::verify::VerifyInput {
        text: Some(text),
        cose: None,
        roots: &s.sc.roots(),
        trust_lists: std::slice::from_ref(&s.sc.trust_bytes),
        status_lists: &s.status,
        at: iotlabel::time::parse_at(AT).unwrap(),
    })
}

// ---------------------------------------------------------------------------------------------
// Pictures.
// ---------------------------------------------------------------------------------------------

/// The QR code of `text` at ECC M, `px` pixels per module, with a 4-module white quiet zone.
fn qr_picture(text: &str, px: u32) -> GrayImage {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    let side = (n + 8) * px;
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / px).wrapping_sub(4), (y / px).wrapping_sub(4));
        let dark = mx < n && my < n && colors[(my * n + mx) as usize] == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

/// Two pictures side by side on a white sheet.
fn side_by_side(a: &GrayImage, b: &GrayImage) -> GrayImage {
    let mut out = GrayImage::from_pixel(
        a.width() + b.width(),
        a.height().max(b.height()),
        Luma([255]),
    );
    imageops::replace(&mut out, a, 0, 0);
    imageops::replace(&mut out, b, i64::from(a.width()), 0);
    out
}

/// Rotated by `degrees` about the centre with bilinear sampling, on a canvas grown to hold the
/// whole picture, white outside it.
fn rotate(img: &GrayImage, degrees: f64) -> GrayImage {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (sin, cos) = degrees.to_radians().sin_cos();
    let nw = (w * cos.abs() + h * sin.abs()).ceil();
    let nh = (w * sin.abs() + h * cos.abs()).ceil();
    let sample = |x: f64, y: f64| -> f64 {
        if x < 0.0 || y < 0.0 || x > w - 1.0 || y > h - 1.0 {
            return 255.0;
        }
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let p = |xi: f64, yi: f64| {
            let xi = xi.min(w - 1.0) as u32;
            let yi = yi.min(h - 1.0) as u32;
            f64::from(img.get_pixel(xi, yi)[0])
        };
        let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1.0, y0) * fx;
        let bottom = p(x0, y0 + 1.0) * (1.0 - fx) + p(x0 + 1.0, y0 + 1.0) * fx;
        top * (1.0 - fy) + bottom * fy
    };
    GrayImage::from_fn(nw as u32, nh as u32, |x, y| {
        // Inverse mapping: where in the source this output pixel comes from.
        let (dx, dy) = (f64::from(x) + 0.5 - nw / 2.0, f64::from(y) + 0.5 - nh / 2.0);
        let sx = dx * cos + dy * sin + w / 2.0 - 0.5;
        let sy = -dx * sin + dy * cos + h / 2.0 - 0.5;
        Luma([sample(sx, sy).round() as u8])
    })
}

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::L8,
        )
        .unwrap();
    out
}

fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::L8,
        )
        .unwrap();
    out
}

/// Pixels that are neither black nor white.
fn greys(img: &GrayImage) -> usize {
    img.pixels().filter(|p| p[0] != 0 && p[0] != 255).count()
}

/// The clean picture and each degradation the issue names, encoded as a file would be.
fn degraded_pictures(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let clean = qr_picture(text, PX);
    let rotated = rotate(&clean, 15.0);
    let half = imageops::resize(
        &clean,
        clean.width() / 2,
        clean.height() / 2,
        FilterType::Triangle,
    );
    let blurred = imageops::blur(&clean, 1.0);
    // The degradations really happened (so the reads below prove something).
    assert_eq!(greys(&clean), 0);
    assert!(rotated.width() > clean.width() * 6 / 5 && greys(&rotated) > 1000);
    assert_eq!(half.width(), clean.width() / 2);
    assert!(greys(&blurred) > 1000);
    let jpg = jpeg(&clean, 70);
    let jpg_pixels = image::load_from_memory(&jpg).unwrap().into_luma8();
    assert!(greys(&jpg_pixels) > 1000, "JPEG artefacts expected");
    vec![
        ("clean", png(&clean)),
        ("rotated 15 degrees", png(&rotated)),
        ("scaled to half", png(&half)),
        ("Gaussian blur sigma 1 px", png(&blurred)),
        ("JPEG quality 70", jpg),
    ]
}

// ---------------------------------------------------------------------------------------------
// Library.
// ---------------------------------------------------------------------------------------------

#[test]
fn each_degraded_picture_reads_back_exactly_and_verifies_valid() {
    let text = &setup().label.qr_text;
    assert_eq!(
        verify_text(text).verdict,
        Verdict::Valid,
        "the label itself"
    );
    for (what, bytes) in degraded_pictures(text) {
        let texts = read_qr_texts(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(&texts, std::slice::from_ref(text), "{what}");
        let report = verify_text(&texts[0]);
        assert_eq!(
            report.verdict,
            Verdict::Valid,
            "{what}: {:?}",
            report.findings
        );
    }
}

#[test]
fn every_qr_code_in_a_picture_is_returned() {
    let s = setup();
    let both = side_by_side(
        &qr_picture(&s.label.qr_text, PX),
        &qr_picture(&s.second.qr_text, PX),
    );
    let mut texts = read_qr_texts(&png(&both)).unwrap();
    texts.sort();
    let mut expected = vec![s.label.qr_text.clone(), s.second.qr_text.clone()];
    expected.sort();
    assert_eq!(texts, expected);
}

#[test]
fn a_picture_without_a_qr_code_is_a_clear_error() {
    // A white sheet with black bars: edges, but no finder patterns.
    let img = GrayImage::from_fn(300, 200, |x, y| {
        Luma([if (x / 10) % 3 == 0 && y > 50 { 0 } else { 255 }])
    });
    let e = read_qr_texts(&png(&img)).unwrap_err();
    assert_eq!(
        e,
        ScanError::NoQr {
            width: 300,
            height: 200
        }
    );
    assert!(e.to_string().contains("no QR code found"), "{e}");
}

#[test]
fn a_truncated_png_is_a_clear_error() {
    let bytes = png(&qr_picture(&setup().label.qr_text, PX));
    let e = read_qr_texts(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(
        matches!(e, ScanError::Decode { format: "PNG", .. }),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with("cannot decode the PNG picture"),
        "{e}"
    );
}

#[test]
fn a_corrupt_qr_code_is_reported_as_damaged() {
    // Paint over a band across the middle of the code: the finder patterns stay, the data
    // modules under the band are lost beyond what ECC M corrects.
    let mut img = qr_picture(&setup().label.qr_text, PX);
    let (w, h) = img.dimensions();
    for y in h * 3 / 10..h * 7 / 10 {
        for x in w / 8..w * 7 / 8 {
            img.put_pixel(
                x,
                y,
                Luma([if (x / PX + y / PX).is_multiple_of(2) {
                    0
                } else {
                    255
                }]),
            );
        }
    }
    let e = read_qr_texts(&png(&img)).unwrap_err();
    assert!(matches!(e, ScanError::Damaged { found: 1, .. }), "{e:?}");
}

/// A real PNG whose header is patched to claim `width` x `height` (CRC fixed), with its
/// original tiny data after it.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(&GrayImage::from_pixel(8, 8, Luma([255])));
    // Signature (8), IHDR length (4), "IHDR" (4), then width and height; CRC over type + data.
    assert_eq!(&bytes[12..16], b"IHDR");
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    bytes
}

#[test]
fn a_huge_picture_is_refused_from_its_header() {
    let e = read_qr_texts(&png_claiming(100_000, 100_000)).unwrap_err();
    assert_eq!(
        e,
        ScanError::TooLarge {
            width: 100_000,
            height: 100_000,
            max_pixels: MAX_PIXELS
        }
    );
    assert!(e.to_string().contains("refused before decoding"), "{e}");
    // Just under the limit, the same header is not refused for its size: the decoder then
    // finds the data too short (the patched file holds 8 x 8 pixels).
    let e = read_qr_texts(&png_claiming(8_000, 5_000)).unwrap_err();
    assert!(matches!(e, ScanError::Decode { .. }), "{e:?}");
}

// ---------------------------------------------------------------------------------------------
// Command line.
// ---------------------------------------------------------------------------------------------

/// A folder with the trust list, the root and the status lists, as the demo leaves them.
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        let s = setup();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("trust.cose"), &s.sc.trust_bytes).unwrap();
        iotlabel::keys::write_public_key(&dir.path().join("root.pub"), &s.sc.root.public_key())
            .unwrap();
        for (i, l) in s.status.iter().enumerate() {
            std::fs::write(dir.path().join(format!("status-{i}.cose")), l).unwrap();
        }
        Folder { dir }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// `iotlabel verify --image PICTURE` with the folder's trust data, plus `extra`.
    fn verify_image(&self, picture: &Path, extra: &[&str]) -> Output {
        let d = self.dir.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_iotlabel"));
        cmd.arg("verify")
            .arg("--image")
            .arg(picture)
            .arg("--trust")
            .arg(d.join("trust.cose"))
            .arg("--root")
            .arg(d.join("root.pub"))
            .args(["--at", AT]);
        for i in 0..setup().status.len() {
            cmd.arg("--status").arg(d.join(format!("status-{i}.cose")));
        }
        cmd.args(extra).output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn cli_verifies_a_png_and_a_jpeg_photo() {
    let s = setup();
    let f = Folder::new();
    let clean = qr_picture(&s.label.qr_text, PX);
    let model = &s.label.claims.label.model;

    let o = f.verify_image(&f.write("label.png", &png(&rotate(&clean, 15.0))), &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("VERDICT: VALID\n"), "{}", stdout(&o));
    assert!(stdout(&o).contains(model.as_str()), "{}", stdout(&o));

    let o = f.verify_image(
        &f.write("label.jpg", &jpeg(&clean, 70)),
        &["--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "VALID");
    assert_eq!(v["label_id"], hex::encode(s.label.claims.label_id));
}

#[test]
fn cli_verifies_every_label_in_a_picture_and_skips_other_codes() {
    let s = setup();
    let f = Folder::new();
    let two = side_by_side(
        &qr_picture(&s.label.qr_text, PX),
        &qr_picture(&s.second.qr_text, PX),
    );
    let o = f.verify_image(&f.write("two.png", &png(&two)), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let verdicts: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["VALID", "VALID"]);

    // A label next to a shop's URL QR code: only the label is verified, and stderr says so.
    let mixed = side_by_side(
        &qr_picture(&s.label.qr_text, PX),
        &qr_picture("https://shop.example.com/thermostat", PX),
    );
    let o = f.verify_image(&f.write("mixed.png", &png(&mixed)), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches("VERDICT:").count(), 1, "{}", stdout(&o));
    assert!(
        stderr(&o).contains("1 other QR code(s) in the picture are not label QR texts"),
        "{}",
        stderr(&o)
    );

    // Only a non-label code: verified anyway, MALFORMED with the reason.
    let other = qr_picture("https://shop.example.com/thermostat", PX);
    let o = f.verify_image(&f.write("other.png", &png(&other)), &[]);
    assert_eq!(
        o.status.code(),
        Some(i32::from(Verdict::Malformed.exit_code()))
    );
    assert!(stdout(&o).contains("VERDICT: MALFORMED"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("none holds a label QR text"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cli_bad_pictures_are_clear_errors_with_a_non_zero_exit() {
    let f = Folder::new();
    let blank = f.write(
        "blank.png",
        &png(&GrayImage::from_pixel(200, 100, Luma([255]))),
    );
    let o = f.verify_image(&blank, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("blank.png: no QR code found"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());

    let full = png(&qr_picture(&setup().label.qr_text, PX));
    let cut = f.write("cut.png", &full[..full.len() / 2]);
    let o = f.verify_image(&cut, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cut.png: cannot decode the PNG picture"),
        "{}",
        stderr(&o)
    );

    let huge = f.write("huge.png", &png_claiming(100_000, 100_000));
    let o = f.verify_image(&huge, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("refused before decoding"),
        "{}",
        stderr(&o)
    );

    let text = f.write("notes.png", b"just some text, named .png");
    let o = f.verify_image(&text, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not a PNG or JPEG picture"),
        "{}",
        stderr(&o)
    );

    let o = f.verify_image(&f.dir.path().join("missing.png"), &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));

    // --image excludes the QR text argument and --file.
    let o = f.verify_image(&blank, &["--file", "x.txt"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = f.verify_image(&blank, &["HTTPS://X#AAAA"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
