//! The QR size rule of issue 11: every label whose fields are at their caps fits QR version 14
//! at ECC M behind the longest verify URL of the bundled trust setup
//! ([`iotlabel::scenario::DEMO_VERIFY_URL`]), and the standard template prints it with modules
//! of 8 dots at 600 dpi (0.3387 mm, the "0.339 mm" of the README).
//!
//! The worst case: scheme id at its cap, the highest scheme version and tier, the largest
//! bundled label scheme's results, the largest status index, dates of the 5-byte CBOR range
//! (any time before 2106), firmware "or later", a support end, and the device texts
//! (manufacturer, model, hardware version, firmware, variants) at the device text budget in
//! multi-byte characters that NFC leaves alone, spread over the fields in every way listed in
//! [`spreads`]. The budget is measured here ([`the_budget_is_the_largest_that_fits`]), not
//! computed by hand. Figures: `cargo test --test qr_worst_case -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod common;

use std::process::Command;

use iotlabel::artwork::layout::Item;
use iotlabel::artwork::{self, Format, layout_label, template};
use iotlabel::criteria::SchemeKind;
use iotlabel::criteria::model::Assurance;
use iotlabel::keys::{Signer, SoftwareKey};
use iotlabel::label::claims::{
    ASSURANCE_LAB_TESTED, MAX_DEVICE_TEXT, MAX_FIRMWARE, MAX_HARDWARE_VERSION, MAX_MANUFACTURER,
    MAX_MODEL, MAX_SCHEME_ID, MAX_SCHEME_VERSION, MAX_TIER, MAX_VARIANT, MAX_VARIANTS,
};
use iotlabel::label::symbol::{Ecc, encode};
use iotlabel::label::{LabelBody, LabelClaims, ResultCode, label_id, pack_results, qr_text};
use iotlabel::scenario::{DEMO_VERIFY_URL, Scenario};
use iotlabel::status::STATUS_ENTRIES;
use iotlabel::trust::{Accepted, SchemeEntry};
use iotlabel::verify::{TrustStore, Verdict};

/// The version the rule allows.
const MAX_VERSION: u8 = 14;
/// The standard template's smallest module: 8 dots at 600 dpi.
const MIN_MODULE_MM: f32 = 8.0 * 25.4 / 600.0;

/// `n` bytes of text in multi-byte characters that NFC leaves alone (3-byte CJK, then 2-byte
/// Latin, then ASCII for what is left).
fn fill(n: usize) -> String {
    let mut s = "語".repeat(n / 3);
    let rest = n - s.len();
    s.push_str(&"é".repeat(rest / 2));
    s.push_str(&"x".repeat(n - s.len()));
    assert_eq!(s.len(), n);
    assert!(unicode_normalization::is_nfc(&s));
    s
}

/// Bytes per device text: manufacturer, model, hardware version, firmware, then up to
/// [`MAX_VARIANTS`] variants (0 = absent).
#[derive(Debug, Clone, PartialEq)]
struct Spread {
    name: &'static str,
    fixed: [usize; 4],
    variants: Vec<usize>,
}

impl Spread {
    fn total(&self) -> usize {
        self.fixed.iter().sum::<usize>() + self.variants.iter().sum::<usize>()
    }
}

/// Slots 0-3 are the fixed texts, 4.. the variants.
fn cap_of(slot: usize) -> usize {
    [
        MAX_MANUFACTURER,
        MAX_MODEL,
        MAX_HARDWARE_VERSION,
        MAX_FIRMWARE,
    ]
    .get(slot)
    .copied()
    .unwrap_or(MAX_VARIANT)
}

/// Spreads `budget` bytes: every fixed text 1 byte, then the rest given out `step` bytes at a
/// time to the slots in `order`, round after round, each up to `stop(slot)` (its cap, or less).
fn spread(
    name: &'static str,
    budget: usize,
    order: &[usize],
    step: usize,
    stop: impl Fn(usize) -> usize,
) -> Spread {
    let mut bytes = [1, 1, 1, 1, 0, 0, 0, 0];
    let mut left = budget - 4;
    loop {
        let before = left;
        for &slot in order {
            let room = stop(slot).min(cap_of(slot)).saturating_sub(bytes[slot]);
            let give = room.min(step).min(left);
            bytes[slot] += give;
            left -= give;
        }
        if left == 0 || left == before {
            break;
        }
    }
    let variants: Vec<usize> = bytes[4..].iter().copied().filter(|n| *n > 0).collect();
    let s = Spread {
        name,
        fixed: [bytes[0], bytes[1], bytes[2], bytes[3]],
        variants,
    };
    assert_eq!(s.total(), budget, "{name}: {s:?}");
    s
}

/// The ways of spreading `budget` bytes of device text checked against the rule: all in the
/// manufacturer (then the model ...), all in the variants, an even split, and the spread over
/// the most CBOR items with two-byte heads (texts of 24 bytes or more), which is the largest
/// encoding of a given budget.
fn spreads(budget: usize) -> Vec<Spread> {
    let all: Vec<usize> = (0..4 + MAX_VARIANTS).collect();
    let variants_first: Vec<usize> = (4..4 + MAX_VARIANTS).chain(0..4).collect();
    // Items that can reach 24 bytes (a two-byte CBOR head), variants first: each variant also
    // costs its own head.
    let long: Vec<usize> = (4..4 + MAX_VARIANTS).chain([0, 1]).collect();
    vec![
        spread("all in manufacturer", budget, &all, usize::MAX, |_| {
            usize::MAX
        }),
        spread(
            "all in variants",
            budget,
            &variants_first,
            usize::MAX,
            |_| usize::MAX,
        ),
        spread("even split", budget, &all, 1, |_| usize::MAX),
        spread("most long items", budget, &long, usize::MAX, |_| 24),
    ]
}

/// Claims at every cap, with the device texts of `s`, for the key `kid` (the label id is
/// derived from it) and the scheme id `scheme_id`.
fn worst_claims(s: &Spread, kid: &[u8; 8], results: usize, iat: i64) -> LabelClaims {
    let status_index = u32::try_from(STATUS_ENTRIES - 1).unwrap();
    let codes = vec![ResultCode::MetLab; results];
    LabelClaims {
        issued_at: iat,
        // The 5-byte CBOR range: any date before 2106.
        expires: i64::from(u32::MAX),
        label_id: label_id(kid, status_index),
        status_index,
        label: LabelBody {
            scheme_id: fill(MAX_SCHEME_ID),
            scheme_version: MAX_SCHEME_VERSION,
            criteria_digest: [0xff; 8],
            manufacturer: fill(s.fixed[0]),
            model: fill(s.fixed[1]),
            hardware_version: fill(s.fixed[2]),
            firmware: fill(s.fixed[3]),
            firmware_is_minimum: true,
            tier: MAX_TIER,
            assurance: ASSURANCE_LAB_TESTED,
            // The 3-byte range of days: any date before 2149.
            support_end: Some(65_535 * 86_400),
            results: pack_results(&codes),
            result_count: u32::try_from(results).unwrap(),
            evidence_digest: [0xff; 16],
            // Distinct names (a real profile would not repeat one).
            variants: s
                .variants
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{}{i}", fill(n - 1)))
                .collect(),
        },
    }
}

/// The most requirements of a bundled scheme that issues labels.
fn largest_label_scheme() -> usize {
    common::bundled()
        .schemes
        .iter()
        .filter(|s| s.kind == SchemeKind::Label)
        .map(|s| s.requirements.len())
        .max()
        .unwrap()
}

/// The deterministic CBOR of `claims` even past the budget (the encoder refuses that, and the
/// search below must measure one byte over): the claims are encoded with one-byte texts, and
/// the texts are put back in the CBOR tree (same keys, same order, so still deterministic).
fn encode_unchecked(claims: &LabelClaims) -> Vec<u8> {
    use ciborium::Value;
    let mut small = claims.clone();
    let b = &mut small.label;
    for t in [
        &mut b.manufacturer,
        &mut b.model,
        &mut b.hardware_version,
        &mut b.firmware,
    ] {
        *t = "a".into();
    }
    b.variants = vec!["v".into(); b.variants.len()];
    let bytes = small.encode().unwrap();
    let mut v: Value = ciborium::from_reader(bytes.as_slice()).unwrap();
    let b = &claims.label;
    let Value::Map(top) = &mut v else { panic!() };
    let (_, Value::Map(label)) = top.last_mut().unwrap() else {
        panic!()
    };
    for (k, val) in label.iter_mut() {
        let key = i64::try_from(k.as_integer().unwrap()).unwrap();
        let text = |t: &String| Value::Text(t.clone());
        match key {
            4 => *val = text(&b.manufacturer),
            5 => *val = text(&b.model),
            6 => *val = text(&b.hardware_version),
            7 => *val = text(&b.firmware),
            15 => *val = Value::Array(b.variants.iter().map(text).collect()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    ciborium::into_writer(&v, &mut out).unwrap();
    // Within the budget, exactly what the encoder writes.
    if b.device_text_len() <= MAX_DEVICE_TEXT {
        assert_eq!(out, claims.encode().unwrap());
    }
    out
}

/// (COSE bytes, QR version at ECC M behind the demo URL) of the worst case spread as `s`.
fn measure(s: &Spread) -> (usize, u8) {
    let key = SoftwareKey::from_seed(&[7; 32]);
    let claims = worst_claims(s, &key.kid(), largest_label_scheme(), 4_000_000_000);
    let cose = iotlabel::label::cose::sign(&encode_unchecked(&claims), &key).unwrap();
    let text = qr_text(DEMO_VERIFY_URL, &cose);
    (cose.len(), encode(&text, Ecc::M).unwrap().version())
}

/// The demo URL is the longest verify URL of the bundled trust setup.
#[test]
fn the_demo_url_is_the_longest_bundled_verify_url() {
    let set = common::bundled();
    let at = common::t0();
    let sc = Scenario::new(set, b"qr worst case", at, 30).unwrap();
    let longest = sc.trust.schemes.iter().map(|s| s.verify_url.len()).max();
    assert_eq!(longest, Some(DEMO_VERIFY_URL.len()));
}

/// The rule itself: at the budget, every spread fits version 14-M; the figures are printed.
#[test]
fn every_spread_of_the_budget_fits_version_14() {
    eprintln!(
        "budget {MAX_DEVICE_TEXT} bytes, {} results, URL {DEMO_VERIFY_URL}",
        largest_label_scheme()
    );
    for s in spreads(MAX_DEVICE_TEXT) {
        let (len, v) = measure(&s);
        eprintln!(
            "{:<20} {:?} + variants {:?}: {len} bytes of COSE, version {v}",
            s.name, s.fixed, s.variants
        );
        assert!(v <= MAX_VERSION, "{}: {len} bytes, version {v}", s.name);
    }
}

/// The budget is the largest for which every spread still fits version 14: one byte more
/// and some spread needs version 15. The caps in `label::claims` must say what this measures.
#[test]
fn the_budget_is_the_largest_that_fits() {
    let fits = |b: usize| spreads(b).iter().all(|s| measure(s).1 <= MAX_VERSION);
    let mut b = 4;
    while fits(b + 1) {
        b += 1;
    }
    let worst = spreads(b + 1)
        .into_iter()
        .map(|s| (measure(&s), s.name))
        .max()
        .unwrap();
    eprintln!(
        "largest budget that fits: {b} bytes; at {} the {} spread is {} bytes, version {}",
        b + 1,
        worst.1,
        worst.0.0,
        worst.0.1
    );
    assert_eq!(
        MAX_DEVICE_TEXT, b,
        "set MAX_DEVICE_TEXT to the measured budget"
    );
}

/// A trust list that governs the worst-case scheme (id at its cap, version 65535, 23 tiers of
/// lab-tested assurance) at the demo URL, and lets the issuing body sign it.
fn worst_case_trust(sc: &Scenario, digest: [u8; 8]) -> Vec<u8> {
    let mut list = sc.trust.clone();
    let id = fill(MAX_SCHEME_ID);
    let tiers = usize::try_from(MAX_TIER).unwrap();
    list.schemes.push(SchemeEntry {
        id: id.clone(),
        name: "Worst case".into(),
        verify_url: DEMO_VERIFY_URL.into(),
        accepted: vec![Accepted {
            version: MAX_SCHEME_VERSION,
            digest: format!("{}{}", hex::encode(digest), "00".repeat(8)),
            tiers: (1..=tiers).map(|t| format!("T{t}")).collect(),
            assurance: vec![Assurance::LabTested; tiers],
            self_declaration: false,
        }],
    });
    let kid = hex::encode(sc.issuing_body.kid());
    let entry = list.keys.iter_mut().find(|k| k.kid == kid).unwrap();
    entry.schemes.push(id);
    list.sequence += 1;
    list.sign(&sc.root).unwrap()
}

fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("IOTLABEL_SKIP_EXTERNAL").as_deref() != Ok("1") {
        panic!(
            "`{name}` is not installed: apt-get install poppler-utils zbar-tools (or set IOTLABEL_SKIP_EXTERNAL=1 to skip)"
        );
    }
    if !found {
        common::skipped(
            &format!("worst-case label read by `{name}`"),
            "not installed and IOTLABEL_SKIP_EXTERNAL=1",
        );
    }
    found
}

/// The worst case, signed by a trusted key, drawn with the standard template to PDF,
/// rasterised by poppler at 300 dpi and read back (by zbarimg and by the library's reader) to
/// exactly its text, which verifies VALID. Its QR is version 14 at most with 8-dot modules.
#[test]
fn the_worst_case_label_prints_scans_and_verifies() {
    let set = common::bundled();
    let at = common::t0();
    let sc = Scenario::new(set, b"qr worst case", at, 30).unwrap();
    let trust = worst_case_trust(&sc, [0xff; 8]);
    let store = TrustStore::new(
        &sc.roots(),
        std::slice::from_ref(&trust),
        &sc.status_lists(at, 7).unwrap(),
        at,
    );
    let template = template::load_bundled("standard").unwrap();
    let dir = tempfile::tempdir().unwrap();
    for s in spreads(MAX_DEVICE_TEXT) {
        let mut claims = worst_claims(
            &s,
            &sc.issuing_body.kid(),
            largest_label_scheme(),
            at.as_second(),
        );
        // Expiry within the key's validity, still a 5-byte CBOR integer.
        claims.expires = at.as_second() + 3 * 365 * 86_400;
        let cose = iotlabel::label::sign_label(&claims, &sc.issuing_body).unwrap();
        assert_eq!(
            cose.len(),
            measure(&s).0,
            "{}: the worst case's size",
            s.name
        );
        let text = qr_text(DEMO_VERIFY_URL, &cose);
        let report = store.verify(Some(&text), None, at);
        assert_eq!(report.verdict, Verdict::Valid, "{}", report.to_text());

        let facts = artwork::facts_for(&store, set, &cose, Some(&text), at).unwrap();
        let page = layout_label(&template, &facts, artwork::words("en").unwrap()).unwrap();
        let qr = page
            .items
            .iter()
            .find_map(|i| match i {
                Item::Qr(q) => Some(q),
                _ => None,
            })
            .unwrap();
        assert!(qr.symbol.version() <= MAX_VERSION, "{}", s.name);
        assert!(
            qr.module >= MIN_MODULE_MM - 1e-4,
            "{}: module {} mm",
            s.name,
            qr.module
        );
        eprintln!(
            "{:<20} v{} module {:.4} mm",
            s.name,
            qr.symbol.version(),
            qr.module
        );

        let pdf = artwork::render_label(&template, &facts, "en", &[Format::Pdf])
            .unwrap()
            .remove(0)
            .1;
        let pdf_path = dir.path().join("label.pdf");
        std::fs::write(&pdf_path, pdf).unwrap();
        if !tool("pdftoppm") {
            continue;
        }
        let prefix = dir.path().join("page");
        let ok = Command::new("pdftoppm")
            .args(["-r", "300", "-png", "-singlefile"])
            .arg(&pdf_path)
            .arg(&prefix)
            .status()
            .unwrap()
            .success();
        assert!(ok, "pdftoppm");
        let png = dir.path().join("page.png");
        let read = iotlabel::scan::read_qr_texts(&std::fs::read(&png).unwrap()).unwrap();
        assert_eq!(read, vec![text.clone()], "{}: read by rqrr", s.name);
        if tool("zbarimg") {
            let out = Command::new("zbarimg")
                .args(["-q", "--raw"])
                .arg(&png)
                .output()
                .unwrap();
            // zbarimg prints D-Bus noise on stderr in containers: read stdout only.
            let scanned = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
            assert_eq!(scanned, text, "{}: read by zbarimg", s.name);
        }
        let report = store.verify(Some(&read[0]), None, at);
        assert_eq!(report.verdict, Verdict::Valid, "{}", report.to_text());
    }
}
