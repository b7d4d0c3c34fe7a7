//! How big the signed QR codes of the bundled fixtures are, at ECC M.
//!
//! The design target is QR version 12 at ECC M (65 x 65 modules, about 0.34 mm per module on a
//! 25 mm label). With explicit segments (alphanumeric URL, byte `#`, alphanumeric base32)
//! version 12 holds 386 base32 characters after the 25-character demo URL: 241 bytes of COSE.
//! Not every fixture fits: a label carries a 16-byte criteria digest, a 16-byte evidence
//! digest, 2 bits per requirement, the issuer id and the full signed device identity
//! including model variants. This test checks the capacity claim, pins the measured versions
//! so they cannot silently grow, and prints the figures:
//! `cargo test --test qr_size -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use iotlabel::criteria::{self, SchemeKind};
use iotlabel::label::symbol::{Ecc, encode};
use iotlabel::profile::Profile;
use iotlabel::scenario::Scenario;
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
            // The capacity claim of the module doc: up to 241 bytes of COSE is version 12.
            assert_eq!(
                i.cose.len() <= 241,
                version(&i.qr_text) <= 12,
                "{}",
                i.qr_text
            );
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
    assert!(largest.2 <= 14, "largest label needs version {}", largest.2);
    assert!(
        sizes.iter().all(|s| s.0 <= 1024),
        "every label within the 1024-byte COSE limit"
    );
}
