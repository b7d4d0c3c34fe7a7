//! `cargo bench --bench label`: signing and verifying one label.
//!
//! - sign + encode: claims -> CBOR -> COSE_Sign1 (Ed25519) -> QR text;
//! - verify: QR text -> base32 -> COSE -> key lookup by kid in the (pre-verified) trust list ->
//!   `verify_strict` -> claims -> role, scheme, URL, status and time checks;
//! - raw `verify_strict` on the same message, for the ratio (goal: verify >= 85 % of raw);
//! - steps of verify: parse the QR text and the COSE, decode the claims (one-pass reader, and
//!   the ciborium-based decoder it falls back to), format a time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a panic is a failed bench

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signature, VerifyingKey};
use iotlabel::criteria;
use iotlabel::issue::{IssueRequest, issue, profile_digest};
use iotlabel::keys::Signer;
use iotlabel::label::{cose, qr_text, sign_label};
use iotlabel::profile::Profile;
use iotlabel::scenario::Scenario;
use iotlabel::time::parse_at;
use iotlabel::verify::TrustStore;

fn bench(c: &mut Criterion) {
    let set = criteria::load_bundled().unwrap();
    let at = parse_at("2026-12-01").unwrap();
    let sc = Scenario::new(&set, b"bench", at, 30).unwrap();
    let trusted = sc.verified(at).unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/thermostat-level3.toml");
    let bytes = std::fs::read(&path).unwrap();
    let profile = Profile::load(&path, &set).unwrap();
    let scheme = set.scheme("cls-like@2").unwrap();
    let issued = issue(&IssueRequest {
        scheme,
        vocab: &set.vocab,
        profile: &profile,
        profile_digest: profile_digest(&bytes),
        at,
        key: &sc.lab,
        trust: &trusted,
        status_index: 7,
    })
    .map_err(|(e, _)| e)
    .unwrap();
    let status = iotlabel::status::StatusList::new(
        sc.lab.kid(),
        at.as_second(),
        at.as_second() + 7 * 86_400,
    )
    .sign(&sc.status)
    .unwrap();
    let store = TrustStore::new(
        &sc.roots(),
        std::slice::from_ref(&sc.trust_bytes),
        &[status],
        at,
    );
    let when = at.checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
    assert_eq!(
        store.verify(Some(&issued.qr_text), None, when).verdict,
        iotlabel::verify::Verdict::Valid
    );

    c.bench_function("label/sign+encode", |b| {
        b.iter(|| {
            let cose = sign_label(std::hint::black_box(&issued.claims), &sc.lab).unwrap();
            qr_text(iotlabel::scenario::DEMO_VERIFY_URL, &cose)
        })
    });
    c.bench_function("label/verify-qr-text", |b| {
        b.iter(|| store.verify(Some(std::hint::black_box(&issued.qr_text)), None, when))
    });
    let parsed = cose::parse(&issued.cose).unwrap();
    let vk = VerifyingKey::from_bytes(&sc.lab.public_key()).unwrap();
    let sig = Signature::from_bytes(&parsed.signature);
    c.bench_function("label/step-parse-qr", |b| {
        b.iter(|| iotlabel::label::parse_qr_text(std::hint::black_box(&issued.qr_text)).unwrap())
    });
    c.bench_function("label/step-parse-cose", |b| {
        b.iter(|| cose::parse(std::hint::black_box(&issued.cose)).unwrap())
    });
    c.bench_function("label/step-decode-claims", |b| {
        b.iter(|| {
            iotlabel::label::LabelClaims::decode(std::hint::black_box(&parsed.payload)).unwrap()
        })
    });
    // The same claims with the last head (status index 7) widened to two bytes: the one-pass
    // reader declines at the last byte, so `decode` runs the ciborium-based decoder in full
    // (a `Value` tree, the fields, re-encoding and comparing): its cost without the reader.
    let mut widened = parsed.payload.clone();
    assert_eq!(widened.split_off(widened.len() - 2), [0x10, 0x07]);
    widened.extend([0x10, 0x18, 0x07]);
    c.bench_function("label/step-decode-claims-ciborium", |b| {
        b.iter(|| iotlabel::label::LabelClaims::decode(std::hint::black_box(&widened)).unwrap_err())
    });
    c.bench_function("label/step-encode-claims", |b| {
        b.iter(|| std::hint::black_box(&issued.claims).encode().unwrap())
    });
    c.bench_function("label/step-ciborium-value", |b| {
        b.iter(|| {
            ciborium::de::from_reader::<ciborium::Value, _>(std::hint::black_box(
                parsed.payload.as_slice(),
            ))
            .unwrap()
        })
    });
    c.bench_function("label/step-format-time", |b| {
        b.iter(|| iotlabel::time::format_unix(std::hint::black_box(1_800_000_000)))
    });
    // The same text from jiff's strftime: what `time::format_ts`'s hand-written digits replace.
    c.bench_function("label/step-format-time-strftime", |b| {
        b.iter(|| {
            jiff::Timestamp::from_second(std::hint::black_box(1_800_000_000))
                .unwrap()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
    });
    c.bench_function("label/raw-verify_strict", |b| {
        b.iter(|| {
            vk.verify_strict(std::hint::black_box(&parsed.to_be_signed), &sig)
                .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
