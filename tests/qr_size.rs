//! How big the signed QR codes of the bundled fixtures are, at ECC M.
//!
//! The rule (issue 11): every label fits QR version 14 at ECC M (73 x 73 modules, 8 dots of
//! 600 dpi = 0.339 mm per module on the standard template) behind the longest bundled verify
//! URL; `tests/qr_worst_case.rs` proves it for the worst case the caps allow. With explicit
//! segments (alphanumeric URL, byte `#`, alphanumeric base32) version 12 holds 241 bytes of
//! COSE after the 25-character demo URL, version 14 holds 309. The fixture labels are 223 to
//! 271 bytes (versions 12-13) since labels carry no `iss` and an 8-byte criteria digest. This
//! test checks both capacity claims, checks the rule for every fixture label, pins the
//! measured versions so they cannot silently grow, and prints the figures:
//! `cargo test --test qr_size -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use iotlabel::criteria::{self, SchemeKind};
use iotlabel::label::symbol::{Ecc, encode};
use iotlabel::profile::Profile;
use iotlabel::scenario::{DEMO_VERIFY_URL, Scenario};
use iotlabel::time::parse_at;
use qrcode::{EcLevel, QrCode, Version};

fn version(text: &str) -> i16 {
    i16::from(encode(text, Ecc::M).unwrap().version())
}

/// The version the `qrcode` crate picks with its automatic segmentation, for comparison.
fn qrcode_auto_version(text: &str) -> i16 {
    match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .unwrap()
        .version()
    {
        Version::Normal(v) => v,
        Version::Micro(v) => -v,
    }
}

#[test]
fn fixture_labels_fit_the_measured_qr_versions() {
    let set = criteria::load_bundled().unwrap();
    let at = parse_at("2026-12-01").unwrap();
    let sc = Scenario::new(&set, b"qr size", at, 30).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles");
    let mut sizes = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    for p in paths {
        let profile = Profile::load(&p, &set).unwrap();
        for scheme in set.schemes.iter().filter(|s| {
            s.kind == SchemeKind::Label && iotlabel::issue::outside_window(s, at).is_none()
        }) {
            // The largest status index, so the label is as large as it gets.
            let Some(i) = sc.issue_file(&set, scheme, &p, at, 131_071).unwrap() else {
                continue;
            };
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            assert!(version(&i.qr_text) <= qrcode_auto_version(&i.qr_text));
            // The capacity claims of the module doc: up to 241 bytes of COSE is version 12,
            // up to 309 version 14 (the rule every label meets).
            assert_eq!(
                i.cose.len() <= 241,
                version(&i.qr_text) <= 12,
                "{}",
                i.qr_text
            );
            assert!(version(&i.qr_text) <= 14, "{}", i.qr_text);
            sizes.push((
                i.cose.len(),
                i.qr_text.len(),
                version(&i.qr_text),
                name,
                scheme.key(),
                profile.device.variants.len(),
            ));
        }
    }
    sizes.sort();
    for (cose, text, v, name, scheme, variants) in &sizes {
        eprintln!(
            "{cose:>4} B COSE  {text:>4} chars  v{v:<3} {name} / {scheme} ({variants} variants)"
        );
    }
    let without_variants: Vec<_> = sizes.iter().filter(|s| s.5 == 0).collect();
    let smallest = sizes.first().unwrap();
    let largest = sizes.last().unwrap();
    let largest_plain = without_variants.last().unwrap();
    eprintln!(
        "smallest v{}, largest without variants v{}, largest v{}",
        smallest.2, largest_plain.2, largest.2
    );
    // Pinned from the measurement (see the module doc): they may shrink, never grow.
    assert!(
        largest_plain.2 <= 13 && smallest.2 <= 12,
        "largest label without variants needs version {}",
        largest_plain.2
    );
    assert!(largest.2 <= 13, "largest label needs version {}", largest.2);
    assert!(largest.0 <= 271, "largest label is {} bytes", largest.0);
    assert!(
        sizes.iter().all(|s| s.0 <= 1024),
        "every label within the 1024-byte COSE limit"
    );
}

/// The capacities of the module doc, behind the demo URL: version 12 holds 241 bytes of COSE,
/// version 14 holds 309 (base32 makes every byte string of one length the same length).
#[test]
fn capacity_behind_the_demo_url() {
    let v = |n: usize| version(&iotlabel::label::qr_text(DEMO_VERIFY_URL, &vec![0xa5u8; n]));
    assert_eq!((v(241), v(242)), (12, 13));
    assert_eq!((v(309), v(310)), (14, 15));
}
