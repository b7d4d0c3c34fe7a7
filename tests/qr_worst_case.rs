//! The QR size rule of issue 11: every label whose fields are at their caps fits QR version 14
//! at ECC M behind the longest verify URL of the bundled trust setup. Not met yet: see
//! [`the_worst_case_label_fits_version_14`].

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use iotlabel::keys::SoftwareKey;
use iotlabel::label::claims::{
    MAX_FIRMWARE, MAX_HARDWARE_VERSION, MAX_ISSUER, MAX_MANUFACTURER, MAX_MODEL, MAX_SCHEME_ID,
    MAX_VARIANTS,
};
use iotlabel::label::symbol::{Ecc, encode};
use iotlabel::label::{LabelBody, LabelClaims, pack_results, qr_text, sign_label};

/// `n` bytes of text in multi-byte characters that NFC leaves alone (3-byte CJK, then 2-byte
/// Latin, then ASCII for what is left).
fn fill(n: usize) -> String {
    let mut s = "語".repeat(n / 3);
    let rest = n - s.len();
    s.push_str(&"é".repeat(rest / 2));
    s.push_str(&"x".repeat(n - s.len()));
    assert_eq!(s.len(), n);
    s
}

/// The worst-case label with `variants` variants of `variant_bytes` bytes each: (COSE bytes,
/// QR version).
fn worst_case(variants: usize, variant_bytes: usize) -> (usize, u8) {
    let set = iotlabel::criteria::load_bundled().unwrap();
    let largest = set
        .schemes
        .iter()
        .map(|s| s.requirements.len())
        .max()
        .unwrap();
    let codes = vec![iotlabel::label::ResultCode::MetLab; largest];
    let claims = LabelClaims {
        issuer: fill(MAX_ISSUER),
        issued_at: 4_102_444_800,
        expires: 4_199_999_999,
        label_id: [0xff; 8],
        status_index: 131_071,
        label: LabelBody {
            scheme_id: fill(MAX_SCHEME_ID),
            scheme_version: u32::MAX,
            criteria_digest: [0xff; 16],
            manufacturer: fill(MAX_MANUFACTURER),
            model: fill(MAX_MODEL),
            hardware_version: fill(MAX_HARDWARE_VERSION),
            firmware: fill(MAX_FIRMWARE),
            firmware_is_minimum: true,
            tier: u32::MAX,
            assurance: 2,
            support_end: Some(4_199_999_999 / 86_400 * 86_400),
            results: pack_results(&codes),
            result_count: u32::try_from(largest).unwrap(),
            evidence_digest: [0xff; 16],
            variants: (0..variants)
                .map(|i| format!("{}{i}", fill(variant_bytes - 1)))
                .collect(),
        },
    };
    let cose = sign_label(&claims, &SoftwareKey::from_seed(&[7; 32])).unwrap();
    let text = qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &cose);
    (cose.len(), encode(&text, Ecc::M).unwrap().version())
}

/// The goal of issue 11: NOT MET with today's caps, so ignored (run with `--ignored`). The
/// measurement (`cargo test --test qr_worst_case -- --ignored --nocapture`): with every text
/// at its cap in multi-byte characters and no variants the label is already 394 bytes of
/// COSE (version 17); with 8 variants of 32 bytes, 668 bytes (version 22). Version 14
/// holds at most about 305 bytes behind the demo URL, so the text caps themselves, not only
/// the variant caps, must come down: a decision for the lead (caps are shared with the
/// profile loader and the verify work).
#[test]
#[ignore]
fn the_worst_case_label_fits_version_14() {
    for (n, bytes) in [(0, 0), (1, MAX_MODEL), (4, 16), (MAX_VARIANTS, MAX_MODEL)] {
        let (len, v) = worst_case(n, bytes.max(1));
        eprintln!("{n} variants of {bytes} bytes: {len} bytes of COSE, version {v}");
    }
    let (len, v) = worst_case(MAX_VARIANTS, MAX_MODEL);
    assert!(
        v <= 14,
        "worst-case label: {len} bytes of COSE, version {v}"
    );
}

/// Capacity behind the demo URL: how many bytes of COSE each version holds.
#[test]
#[ignore]
fn capacity_behind_the_demo_url() {
    for n in [300usize, 305, 310, 315, 320, 325, 330] {
        let cose = vec![0xa5u8; n];
        let text = qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &cose);
        eprintln!("{n} bytes -> v{}", encode(&text, Ecc::M).unwrap().version());
    }
}
