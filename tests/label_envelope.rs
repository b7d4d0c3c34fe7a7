//! The signed-label envelope end to end: claims -> COSE_Sign1 -> QR text -> parse -> verify,
//! every rejection, key files, and property tests over corrupted envelopes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use ciborium::Value;
use iotlabel::keys::{
    self, KeyError, Signer, SoftwareKey, kid_of, parse_private_key_pem, parse_public_key_pem,
    public_key_pem, read_private_key, read_public_key, write_private_key, write_public_key,
};
use iotlabel::label::claims::{
    ASSURANCE_LAB_TESTED, MAX_DEVICE_TEXT, MAX_MANUFACTURER, MAX_VARIANT, MAX_VARIANTS,
};
use iotlabel::label::cose::{self, ALG_ED25519, ALG_EDDSA, EnvelopeError, MAX_COSE};
use iotlabel::label::qr::{self, QrError};
use iotlabel::label::{
    CborError, ClaimsError, LabelBody, LabelClaims, LabelError, ResultCode, open_label,
    pack_results, parse_qr_text, qr_text, sign_label, unpack_results,
};
use proptest::prelude::*;

const SEED: [u8; 32] = [
    0x4b, 0x65, 0x73, 0x74, 0x72, 0x65, 0x6c, 0x20, 0x48, 0x6f, 0x6d, 0x65, 0x20, 0x4c, 0x74, 0x64,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
];
const VERIFY_URL: &str = "HTTPS://VERIFY.EXAMPLE.ORG/L";

fn key() -> SoftwareKey {
    SoftwareKey::from_seed(&SEED)
}

/// A realistic label: 41 requirements, support end set.
fn claims() -> LabelClaims {
    let results: Vec<ResultCode> = (0..41)
        .map(|i| match i % 7 {
            0 | 3 => ResultCode::MetLab,
            1 | 4 | 5 => ResultCode::MetDeclared,
            2 => ResultCode::NotApplicable,
            _ => ResultCode::NotMet,
        })
        .collect();
    let mut label = LabelBody {
        scheme_id: "cls-like".to_string(),
        scheme_version: 2,
        criteria_digest: [0xc1; 8],
        manufacturer: "Kestrel Home Ltd".to_string(),
        model: "SmartCam X200".to_string(),
        hardware_version: "rev C".to_string(),
        firmware: "4.2.17".to_string(),
        firmware_is_minimum: true,
        tier: 2,
        assurance: ASSURANCE_LAB_TESTED,
        support_end: Some(1_924_905_600), // 2031-01-01
        results: Vec::new(),
        result_count: 0,
        evidence_digest: [0xe7; 16],
        variants: Vec::new(),
    };
    label.set_results(&results).unwrap();
    LabelClaims {
        issued_at: 1_764_028_800, // 2025-11-25
        expires: 1_827_100_800,   // 2027-11-25
        // Derived from the signing key and the index, as issue() does (sign_label checks).
        label_id: iotlabel::label::label_id(&kid_of(&key().public_key()), 131_071),
        status_index: 131_071,
        label,
    }
}

fn signed() -> &'static [u8] {
    static COSE: OnceLock<Vec<u8>> = OnceLock::new();
    COSE.get_or_init(|| sign_label(&claims(), &key()).unwrap())
}

/// parse + verify + decode, as a verifier does once it has chosen the key.
fn open(cose_bytes: &[u8]) -> Result<LabelClaims, LabelError> {
    open_label(cose_bytes, &key().public_key())
}

fn envelope_err(cose_bytes: &[u8]) -> EnvelopeError {
    match cose::parse(cose_bytes) {
        Err(e) => e,
        Ok(p) => panic!("parsed: {p:?}"),
    }
}

/// The signed COSE as a CBOR value, changed by `f`, re-encoded (ciborium, shortest form).
fn rebuild(f: impl FnOnce(&mut Vec<Value>)) -> Vec<u8> {
    let v: Value = ciborium::from_reader(signed()).unwrap();
    let Value::Tag(18, inner) = v else { panic!() };
    let Value::Array(mut items) = *inner else {
        panic!()
    };
    f(&mut items);
    let mut out = Vec::new();
    ciborium::into_writer(&Value::Tag(18, Box::new(Value::Array(items))), &mut out).unwrap();
    out
}

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// A COSE_Sign1 with the given protected header map, correctly signed by `key()` over it.
fn with_protected(pairs: Vec<(Value, Value)>) -> Vec<u8> {
    let protected = cbor(&Value::Map(pairs));
    let payload = claims().encode().unwrap();
    let tbs = cbor(&Value::Array(vec![
        Value::Text("Signature1".into()),
        Value::Bytes(protected.clone()),
        Value::Bytes(vec![]),
        Value::Bytes(payload.clone()),
    ]));
    let sig = key().sign(&tbs).unwrap();
    cbor(&Value::Tag(
        18,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(vec![]),
            Value::Bytes(payload),
            Value::Bytes(sig.to_vec()),
        ])),
    ))
}

fn kid_value() -> Value {
    Value::Bytes(key().kid().to_vec())
}

/// The claims as a CBOR value changed by `f`, re-encoded without validation.
fn claims_with(f: impl FnOnce(&mut Vec<(Value, Value)>)) -> Vec<u8> {
    let v: Value = ciborium::from_reader(claims().encode().unwrap().as_slice()).unwrap();
    let Value::Map(mut pairs) = v else { panic!() };
    f(&mut pairs);
    cbor(&Value::Map(pairs))
}

fn label_map(pairs: &mut [(Value, Value)]) -> &mut Vec<(Value, Value)> {
    for (k, v) in pairs.iter_mut() {
        if *k == int(-65537)
            && let Value::Map(m) = v
        {
            return m;
        }
    }
    panic!("no label map")
}

fn set_label_text(pairs: &mut [(Value, Value)], key: i64, text: &str) {
    for (k, v) in label_map(pairs).iter_mut() {
        if *k == int(key) {
            *v = Value::Text(text.to_string());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip, determinism, size

#[test]
fn round_trip_claims_cose_qr_parse_verify() {
    let c = claims();
    let cose_bytes = sign_label(&c, &key()).unwrap();
    let text = qr_text("https://verify.example.org/l", &cose_bytes);
    assert!(text.starts_with("HTTPS://VERIFY.EXAMPLE.ORG/L#"));

    let input = parse_qr_text(&text).unwrap();
    assert_eq!(input.url.as_deref(), Some(VERIFY_URL));
    assert_eq!(input.cose, cose_bytes);

    let parsed = cose::parse(&input.cose).unwrap();
    assert_eq!(parsed.kid, kid_of(&key().public_key()));
    assert_eq!(parsed.alg, ALG_EDDSA);
    cose::verify_signature(&parsed, &key().public_key()).unwrap();
    let back = LabelClaims::decode(&parsed.payload).unwrap();
    assert_eq!(back, c);
    assert_eq!(back.label.result_codes().unwrap().len(), 41);

    // Bare base32 (the offline form) too.
    let (_, payload) = text.split_once('#').unwrap();
    let bare = parse_qr_text(payload).unwrap();
    assert_eq!(bare.url, None);
    assert_eq!(open(&bare.cose).unwrap(), c);
}

#[test]
fn same_inputs_same_bytes() {
    let a = sign_label(&claims(), &key()).unwrap();
    let b = sign_label(&claims(), &SoftwareKey::from_seed(&SEED)).unwrap();
    assert_eq!(a, b);
    assert_eq!(claims().encode().unwrap(), claims().encode().unwrap());
    assert_eq!(qr_text(VERIFY_URL, &a), qr_text(VERIFY_URL, &b));
}

#[test]
fn seeded_rng_keys_sign_and_verify() {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(27404);
    let k = SoftwareKey::generate(&mut rng);
    let mut c = claims();
    c.label_id = iotlabel::label::label_id(&k.kid(), c.status_index);
    let cose_bytes = sign_label(&c, &k).unwrap();
    assert_eq!(open_label(&cose_bytes, &k.public_key()).unwrap(), c);
}

/// Size of the realistic label: the COSE length, QR text length and the QR version that the
/// `qrcode` crate (optimal segmentation) needs at ECC M.
fn realistic_sizes() -> (usize, usize, usize, qrcode::Version) {
    let cose_bytes = signed();
    let payload = claims().encode().unwrap();
    let text = qr_text(VERIFY_URL, cose_bytes);
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
    eprintln!(
        "realistic label: claims {} B, COSE_Sign1 {} B, QR text {} chars, QR {:?} at ECC M",
        payload.len(),
        cose_bytes.len(),
        text.len(),
        code.version()
    );
    (payload.len(), cose_bytes.len(), text.len(), code.version())
}

/// Guards today's size against growth: 149 B claims, 234 B COSE, 404 chars, version 13-M by
/// `qrcode`'s automatic segmentation (12 with the label's explicit segments). The size rule
/// for every label (version 14-M at the caps) is `tests/qr_worst_case.rs`.
#[test]
fn realistic_label_size_does_not_grow() {
    let (claims_len, cose_len, text_len, version) = realistic_sizes();
    assert!(claims_len <= 149, "claims grew to {claims_len} B");
    assert!(cose_len <= 234, "COSE grew to {cose_len} B");
    assert!(text_len <= 404, "QR text grew to {text_len} chars");
    assert!(
        matches!(version, qrcode::Version::Normal(v) if v <= 13),
        "needs {version:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Envelope rejections

#[test]
fn rejects_tag_61_wrapper() {
    let mut wrapped = vec![0xd8, 0x3d];
    wrapped.extend_from_slice(signed());
    assert!(matches!(
        envelope_err(&wrapped),
        EnvelopeError::WrongTag { tag: 61 }
    ));
}

#[test]
fn rejects_other_tag() {
    let mut other = signed().to_vec();
    other[0] = 0xd1; // tag 17
    assert!(matches!(
        envelope_err(&other),
        EnvelopeError::WrongTag { tag: 17 }
    ));
}

#[test]
fn rejects_untagged() {
    assert!(matches!(
        envelope_err(&signed()[1..]),
        EnvelopeError::Untagged
    ));
}

#[test]
fn rejects_trailing_bytes() {
    let mut extra = signed().to_vec();
    extra.extend_from_slice(&[0x00, 0x01]);
    assert!(matches!(
        envelope_err(&extra),
        EnvelopeError::TrailingBytes { count: 2 }
    ));
}

#[test]
fn rejects_truncated() {
    let cose_bytes = signed();
    for cut in [1, 10, cose_bytes.len() / 2, cose_bytes.len() - 1] {
        assert!(
            matches!(envelope_err(&cose_bytes[..cut]), EnvelopeError::Truncated),
            "cut at {cut}"
        );
    }
    assert!(matches!(envelope_err(&[]), EnvelopeError::Truncated));
}

#[test]
fn rejects_oversized_before_decoding() {
    // Not even CBOR: the size check comes first.
    let big = vec![0xff; MAX_COSE + 1];
    assert!(matches!(
        envelope_err(&big),
        EnvelopeError::TooLarge {
            len: 1025,
            max: 1024
        }
    ));
}

#[test]
fn rejects_non_empty_unprotected_header() {
    let kid = kid_value();
    let bytes = rebuild(|items| items[1] = Value::Map(vec![(int(4), kid)]));
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::UnprotectedHeaderNotEmpty { count: 1 }
    ));
}

#[test]
fn rejects_unknown_algorithm() {
    // 8 and 19: the accepted values with the sign lost.
    for alg in [-7, -999, 0, 8, 19] {
        let bytes = with_protected(vec![(int(1), int(alg)), (int(4), kid_value())]);
        match envelope_err(&bytes) {
            EnvelopeError::UnknownAlgorithm { alg: found } => assert_eq!(found, alg),
            e => panic!("{e}"),
        }
    }
    // CBOR integers beyond i64 are named by the nearest end of its range, by their sign.
    for (alg, named) in [(-(1i128 << 64), i64::MIN), (i128::from(u64::MAX), i64::MAX)] {
        let alg = Value::Integer(ciborium::value::Integer::try_from(alg).unwrap());
        let bytes = with_protected(vec![(int(1), alg), (int(4), kid_value())]);
        match envelope_err(&bytes) {
            EnvelopeError::UnknownAlgorithm { alg: found } => assert_eq!(found, named),
            e => panic!("{e}"),
        }
    }
}

#[test]
fn accepts_alg_minus_19() {
    // The registered values (RFC 9053 EdDSA -8, RFC 9864 Ed25519 -19) written out, not the
    // crate's constants, so a wrong constant cannot pass.
    for (alg, constant) in [(-19, ALG_ED25519), (-8, ALG_EDDSA)] {
        let bytes = with_protected(vec![(int(1), int(alg)), (int(4), kid_value())]);
        let parsed = cose::parse(&bytes).unwrap();
        assert_eq!((parsed.alg, constant), (alg, alg));
        cose::verify_signature(&parsed, &key().public_key()).unwrap();
    }
}

#[test]
fn rejects_crit_header() {
    let bytes = with_protected(vec![
        (int(1), int(-8)),
        (int(2), Value::Array(vec![int(99)])),
        (int(4), kid_value()),
    ]);
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::CriticalHeader
    ));
}

#[test]
fn rejects_other_protected_labels_and_bad_kid() {
    let bytes = with_protected(vec![
        (int(1), int(-8)),
        (int(3), int(0)),
        (int(4), kid_value()),
    ]);
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::UnexpectedProtectedHeader { .. }
    ));
    let bytes = with_protected(vec![(int(1), int(-8))]);
    assert!(matches!(envelope_err(&bytes), EnvelopeError::MissingKid));
    let bytes = with_protected(vec![(int(4), kid_value())]);
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::MissingAlgorithm
    ));
    let bytes = with_protected(vec![(int(1), int(-8)), (int(4), Value::Bytes(vec![1; 9]))]);
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::KidLength { len: 9 }
    ));
    let bytes = with_protected(vec![
        (int(1), int(-8)),
        (int(1), int(-8)),
        (int(4), kid_value()),
    ]);
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::DuplicateHeader { .. }
    ));
    // Keys out of deterministic order: signed, but not our one encoding.
    let bytes = with_protected(vec![(int(4), kid_value()), (int(1), int(-8))]);
    assert!(matches!(envelope_err(&bytes), EnvelopeError::NotCanonical));
}

#[test]
fn rejects_detached_payload_and_bad_shapes() {
    let bytes = rebuild(|items| items[2] = Value::Null);
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::DetachedPayload
    ));
    let bytes = rebuild(|items| items[3] = Value::Bytes(vec![0; 63]));
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::SignatureLength { len: 63 }
    ));
    let bytes = rebuild(|items| {
        items.pop();
    });
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::ElementCount { count: 3 }
    ));
    let bytes = rebuild(|items| items[2] = int(5));
    let e = envelope_err(&bytes);
    assert!(
        matches!(
            e,
            EnvelopeError::WrongType {
                part: "payload",
                expected: "a byte string",
                found: "integer"
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "malformed COSE_Sign1: payload must be a byte string, found a integer"
    );
    let bytes = rebuild(|items| items[1] = Value::Array(vec![]));
    assert!(matches!(
        envelope_err(&bytes),
        EnvelopeError::WrongType {
            part: "unprotected header",
            expected: "a map",
            ..
        }
    ));
}

#[test]
fn rejects_non_canonical_envelope_encoding() {
    // Payload length in a 2-byte head instead of 1: same value, other bytes.
    let cose_bytes = signed();
    let payload_len = claims().encode().unwrap().len();
    assert!(payload_len < 256);
    let at = 2 + 14 + 1; // tag+array, protected bstr (1 + 13), unprotected {}
    assert_eq!(cose_bytes[at], 0x58);
    let mut long = cose_bytes[..at].to_vec();
    long.extend_from_slice(&[0x59, 0x00, payload_len as u8]);
    long.extend_from_slice(&cose_bytes[at + 2..]);
    assert!(matches!(envelope_err(&long), EnvelopeError::NotCanonical));
}

#[test]
fn rejects_bad_signature() {
    let mut bad = signed().to_vec();
    let last = bad.len() - 1;
    bad[last - 40] ^= 0x01;
    let parsed = cose::parse(&bad).unwrap();
    assert!(matches!(
        cose::verify_signature(&parsed, &key().public_key()),
        Err(EnvelopeError::BadSignature { .. })
    ));
}

#[test]
fn rejects_wrong_key() {
    let other = SoftwareKey::from_seed(&[0x55; 32]);
    let parsed = cose::parse(signed()).unwrap();
    assert!(matches!(
        cose::verify_signature(&parsed, &other.public_key()),
        Err(EnvelopeError::BadSignature { .. })
    ));
}

#[test]
fn rejects_weak_key() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let parsed = cose::parse(signed()).unwrap();
    assert!(matches!(
        cose::verify_signature(&parsed, &identity),
        Err(EnvelopeError::WeakPublicKey { .. })
    ));
    // Read as a PEM public key.
    let mut der = hex_bytes("302a300506032b6570032100");
    der.extend_from_slice(&identity);
    let pem = pem("PUBLIC KEY", &der);
    assert!(matches!(
        parse_public_key_pem(&pem),
        Err(KeyError::WeakPublicKey { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weak.pub.pem");
    std::fs::write(&path, &pem).unwrap();
    assert!(matches!(
        read_public_key(&path),
        Err(KeyError::WeakPublicKey { .. })
    ));
    assert!(matches!(
        write_public_key(&dir.path().join("w2.pem"), &identity),
        Err(KeyError::WeakPublicKey { .. })
    ));
    assert!(matches!(
        keys::public_key_from_bytes(&[0u8; 32]),
        Err(KeyError::WeakPublicKey { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Claims rejections

#[test]
fn rejects_non_nfc_text() {
    let decomposed = "Cafe\u{301} Devices"; // e + combining acute: NFD
    let mut c = claims();
    c.label.manufacturer = decomposed.to_string();
    assert_eq!(
        c.encode(),
        Err(ClaimsError::NotNfc {
            field: "manufacturer"
        })
    );
    let bytes = claims_with(|p| set_label_text(p, 4, decomposed));
    assert_eq!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::NotNfc {
            field: "manufacturer"
        })
    );
    // The NFC form is fine.
    let mut c = claims();
    c.label.manufacturer = "Caf\u{e9} Devices".to_string();
    assert_eq!(LabelClaims::decode(&c.encode().unwrap()).unwrap(), c);
}

#[test]
fn rejects_over_cap_text() {
    let long = "M".repeat(MAX_MANUFACTURER + 1);
    let mut c = claims();
    c.label.manufacturer = long.clone();
    assert_eq!(
        c.encode(),
        Err(ClaimsError::TextTooLong {
            field: "manufacturer",
            len: 49,
            max: 48
        })
    );
    let bytes = claims_with(|p| set_label_text(p, 4, &long));
    assert_eq!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::TextTooLong {
            field: "manufacturer",
            len: 49,
            max: 48
        })
    );
    // Caps count bytes: 17 two-byte letters are 34 bytes, over the model cap of 32.
    let mut c = claims();
    c.label.model = "\u{e9}".repeat(17);
    assert!(matches!(
        c.encode(),
        Err(ClaimsError::TextTooLong {
            field: "model",
            len: 34,
            max: 32
        })
    ));
    let mut c = claims();
    c.label.variants = vec!["v".repeat(MAX_VARIANT + 1)];
    assert!(matches!(
        c.encode(),
        Err(ClaimsError::TextTooLong {
            field: "variant",
            len: 25,
            max: 24
        })
    ));
    let mut c = claims();
    c.label.variants = vec!["v".to_string(); MAX_VARIANTS + 1];
    assert!(matches!(
        c.encode(),
        Err(ClaimsError::TooManyVariants { count: 5, max: 4 })
    ));
}

#[test]
fn rejects_unknown_claim_keys() {
    // CWT `iss` is no longer a label claim: the kid names the signer.
    let bytes = claims_with(|p| p.insert(0, (int(1), Value::Text("exlab".into()))));
    assert_eq!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::UnknownKey {
            map: "claims",
            key: "1".into()
        })
    );
    let bytes = claims_with(|p| p.push((int(-65539), int(1))));
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::UnknownKey { map: "claims", .. })
    ));
    let bytes = claims_with(|p| p.insert(1, (int(2), Value::Text("sub".into()))));
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::UnknownKey { map: "claims", .. })
    ));
    let bytes = claims_with(|p| label_map(p).push((int(17), int(0))));
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::UnknownKey { map: "label", .. })
    ));
    let bytes = claims_with(|p| label_map(p).push((Value::Text("x".into()), int(0))));
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::UnknownKey { map: "label", .. })
    ));
}

#[test]
fn rejects_duplicate_missing_and_mistyped_claims() {
    let bytes = claims_with(|p| {
        let first = p[0].clone();
        p.insert(1, first);
    });
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::DuplicateKey { map: "claims", .. })
    ));
    // The claims map is [exp (4), iat (6), cti (7), label (-65537)].
    let bytes = claims_with(|p| {
        p.remove(0);
    });
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::MissingKey { key: 4, .. })
    ));
    let bytes = claims_with(|p| p[0].1 = Value::Text("2027".into()));
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::WrongType {
            field: "expires",
            ..
        })
    ));
    let bytes = claims_with(|p| p[2].1 = Value::Bytes(vec![1; 7]));
    assert!(matches!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::WrongLength {
            field: "label_id",
            len: 7,
            expected: 8
        })
    ));
    // Out of canonical key order.
    let bytes = claims_with(|p| p.swap(1, 2));
    assert_eq!(LabelClaims::decode(&bytes), Err(ClaimsError::NotCanonical));
    // Trailing bytes after the claims.
    let mut bytes = claims().encode().unwrap();
    bytes.push(0);
    assert_eq!(
        LabelClaims::decode(&bytes),
        Err(ClaimsError::Cbor(CborError::Trailing { count: 1 }))
    );
}

#[test]
fn results_pack_and_unpack() {
    let codes = claims().label.result_codes().unwrap();
    assert_eq!(codes.len(), 41);
    let packed = pack_results(&codes);
    assert_eq!(packed.len(), 11);
    assert_eq!(unpack_results(&packed, 41).unwrap(), codes);
    let mut dirty = packed.clone();
    *dirty.last_mut().unwrap() |= 0b0000_0100; // result 41 would be bits 2..3 of byte 10
    assert_eq!(
        unpack_results(&dirty, 41),
        Err(ClaimsError::NonZeroPadding { count: 41 })
    );
    assert!(matches!(
        unpack_results(&packed, 45),
        Err(ClaimsError::ResultsLength {
            len: 11,
            expected: 12,
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// QR text rejections

#[test]
fn rejects_lower_case_base32() {
    let text = qr_text(VERIFY_URL, signed());
    let lower = format!(
        "{VERIFY_URL}#{}",
        text.split_once('#').unwrap().1.to_lowercase()
    );
    let err = parse_qr_text(&lower).unwrap_err();
    // The first letter of the payload (digits 2-7 have no case).
    let first_letter = VERIFY_URL.len()
        + 1
        + lower
            .split_once('#')
            .unwrap()
            .1
            .find(|c: char| c.is_ascii_lowercase())
            .unwrap();
    assert!(
        matches!(err, QrError::LowerCase { position, character }
            if position == first_letter && character.is_ascii_lowercase()),
        "{err:?}"
    );
    assert!(err.to_string().contains("upper case"));
}

#[test]
fn rejects_non_zero_trailing_bits() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    for data in [signed().to_vec(), b"foo".to_vec(), vec![0xff; 7]] {
        let text = qr_text(VERIFY_URL, &data);
        let unused = text.split_once('#').unwrap().1.len() * 5 - data.len() * 8;
        if unused == 0 {
            continue;
        }
        let last = *text.as_bytes().last().unwrap();
        let v = ALPHABET.iter().position(|c| *c == last).unwrap();
        assert_eq!(
            v & ((1 << unused) - 1),
            0,
            "canonical encoding has zero padding"
        );
        let mut bad = text.clone();
        bad.pop();
        bad.push(ALPHABET[v | 1] as char);
        assert!(
            matches!(
                parse_qr_text(&bad),
                Err(QrError::NonZeroTrailingBits { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn rejects_invalid_characters_with_position() {
    let text = qr_text(VERIFY_URL, signed());
    let mut bad = text.clone().into_bytes();
    bad[40] = b'1';
    let bad = String::from_utf8(bad).unwrap();
    assert!(matches!(
        parse_qr_text(&bad),
        Err(QrError::InvalidCharacter {
            position: 40,
            character: '1'
        })
    ));
    let with_pad = format!("{text}=");
    assert!(matches!(
        parse_qr_text(&with_pad),
        Err(QrError::InvalidCharacter { character: '=', .. })
    ));
}

#[test]
fn rejects_oversized_qr_text_and_payload() {
    let long = format!("{VERIFY_URL}#{}", "A".repeat(qr::MAX_QR_TEXT));
    assert!(matches!(
        parse_qr_text(&long),
        Err(QrError::TooLong { max: 2048, .. })
    ));
    let big = qr_text(VERIFY_URL, &[0u8; MAX_COSE + 1]);
    assert!(matches!(
        parse_qr_text(&big),
        Err(QrError::TooLarge {
            len: 1025,
            max: 1024
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Key files

fn hex_bytes(s: &str) -> Vec<u8> {
    data_encoding::HEXLOWER.decode(s.as_bytes()).unwrap()
}

fn pem(label: &str, der: &[u8]) -> String {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        data_encoding::BASE64.encode(der)
    )
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn private_key_file_round_trip_and_no_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issuer.key.pem");
    write_private_key(&path, &key(), None).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        read_private_key(&path, None).unwrap().public_key(),
        key().public_key()
    );

    let err = write_private_key(&path, &SoftwareKey::from_seed(&[1; 32]), None).unwrap_err();
    assert!(matches!(err, KeyError::AlreadyExists { .. }));
    assert!(err.to_string().contains(&path.display().to_string()));
    // Unchanged, and no temporary files left behind.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    let pub_path = dir.path().join("issuer.pub.pem");
    write_public_key(&pub_path, &key().public_key()).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&pub_path) & 0o600, 0o600);
    assert!(
        std::fs::read_to_string(&pub_path)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert_eq!(read_public_key(&pub_path).unwrap(), key().public_key());
    assert!(matches!(
        write_public_key(&pub_path, &key().public_key()),
        Err(KeyError::AlreadyExists { .. })
    ));
}

#[cfg(unix)]
#[test]
fn refuses_group_or_world_accessible_private_key() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loose.key.pem");
    write_private_key(&path, &key(), None).unwrap();
    for bad in [0o644, 0o640, 0o604, 0o620] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bad)).unwrap();
        let err = read_private_key(&path, None).unwrap_err();
        assert!(matches!(err, KeyError::InsecurePermissions { mode, .. } if mode == bad));
        let msg = err.to_string();
        assert!(msg.contains(&format!("{bad:04o}")), "{msg}");
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    read_private_key(&path, None).unwrap();
}

#[test]
fn encrypted_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enc.key.pem");
    write_private_key(&path, &key(), Some("correct horse")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_eq!(
        read_private_key(&path, Some("correct horse"))
            .unwrap()
            .public_key(),
        key().public_key()
    );
    assert!(matches!(
        read_private_key(&path, Some("wrong")),
        Err(KeyError::WrongPassphrase { .. })
    ));
    assert!(matches!(
        read_private_key(&path, None),
        Err(KeyError::PassphraseRequired { .. })
    ));
}

#[test]
fn refuses_bad_pem_and_other_algorithms() {
    assert!(matches!(
        parse_private_key_pem("not a key", None),
        Err(KeyError::BadPem { .. })
    ));
    let broken = "-----BEGIN PRIVATE KEY-----\nMC4C!!!!\n-----END PRIVATE KEY-----\n";
    assert!(matches!(
        parse_private_key_pem(broken, None),
        Err(KeyError::BadPem { .. })
    ));
    // An X25519 key (OID 1.3.101.110) is not an Ed25519 key.
    let mut x25519 = hex_bytes("302e020100300506032b656e04220420");
    x25519.extend_from_slice(&[7; 32]);
    match parse_private_key_pem(&pem("PRIVATE KEY", &x25519), None) {
        Err(KeyError::NotEd25519 { oid, .. }) => assert_eq!(oid, "1.3.101.110"),
        other => panic!("{other:?}"),
    }
    let mut x25519_pub = hex_bytes("302a300506032b656e032100");
    x25519_pub.extend_from_slice(&[9; 32]);
    assert!(matches!(
        parse_public_key_pem(&pem("PUBLIC KEY", &x25519_pub)),
        Err(KeyError::NotEd25519 { .. })
    ));
    let cert = pem("CERTIFICATE", &[0x30, 0x00]);
    assert!(matches!(
        parse_public_key_pem(&cert),
        Err(KeyError::WrongPemLabel { .. })
    ));
    assert_eq!(
        parse_public_key_pem(&public_key_pem(&key().public_key()).unwrap()).unwrap(),
        key().public_key()
    );
}

// ---------------------------------------------------------------------------------------------
// Properties: no corruption of a signed label ever passes

fn must_fail(bytes: &[u8]) -> Result<(), TestCaseError> {
    match open(bytes) {
        Ok(got) => Err(TestCaseError::fail(format!(
            "corrupted envelope verified (claims equal: {})",
            got == claims()
        ))),
        Err(_) => Ok(()),
    }
}

fn text_must_fail(text: &str) -> Result<(), TestCaseError> {
    match parse_qr_text(text) {
        Err(_) => Ok(()),
        Ok(input) => must_fail(&input.cose),
    }
}

#[test]
fn every_single_bit_flip_and_truncation_fails() {
    let bytes = signed();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.to_vec();
            b[i] ^= 1 << bit;
            assert!(open(&b).is_err(), "bit {bit} of byte {i}");
        }
        assert!(open(&bytes[..i]).is_err(), "truncated to {i}");
    }
}

#[test]
fn every_single_byte_change_fails() {
    let bytes = signed();
    for i in 0..bytes.len() {
        for value in 0..=255u8 {
            if value == bytes[i] {
                continue;
            }
            let mut b = bytes.to_vec();
            b[i] = value;
            assert!(open(&b).is_err(), "byte {i} set to {value:#04x}");
        }
    }
}

#[test]
fn every_single_base32_character_change_fails() {
    let text = qr_text(VERIFY_URL, signed());
    let start = VERIFY_URL.len() + 1;
    for i in start..text.len() {
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".chars() {
            if text.as_bytes()[i] as char == c {
                continue;
            }
            let mut changed = text.clone();
            changed.replace_range(i..=i, &c.to_string());
            let verified = parse_qr_text(&changed).is_ok_and(|input| open(&input.cose).is_ok());
            assert!(!verified, "character {i} set to {c}");
        }
    }
}

const TEXT_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcz01890=#/:. %-";

proptest! {
    #[test]
    fn bit_flip_never_verifies(index in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = signed().to_vec();
        let i = index.index(bytes.len());
        bytes[i] ^= 1 << bit;
        must_fail(&bytes)?;
    }

    #[test]
    fn byte_change_never_verifies(index in any::<prop::sample::Index>(), value in any::<u8>()) {
        let mut bytes = signed().to_vec();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != value);
        bytes[i] = value;
        must_fail(&bytes)?;
    }

    #[test]
    fn truncation_never_verifies(index in any::<prop::sample::Index>()) {
        let bytes = signed();
        let len = index.index(bytes.len());
        must_fail(&bytes[..len])?;
    }

    #[test]
    fn extension_never_verifies(
        tail in prop::collection::vec(any::<u8>(), 1..32),
        at in any::<prop::sample::Index>(),
        insert in any::<bool>(),
    ) {
        let mut bytes = signed().to_vec();
        if insert {
            let i = at.index(bytes.len() + 1);
            bytes.splice(i..i, tail);
        } else {
            bytes.extend_from_slice(&tail);
        }
        must_fail(&bytes)?;
    }

    #[test]
    fn base32_char_change_never_verifies(
        index in any::<prop::sample::Index>(),
        replacement in prop::sample::select(TEXT_CHARS.chars().collect::<Vec<_>>()),
    ) {
        let text = qr_text(VERIFY_URL, signed());
        let start = VERIFY_URL.len() + 1;
        let i = start + index.index(text.len() - start);
        let old = text.as_bytes()[i] as char;
        prop_assume!(old != replacement);
        let mut changed = text.clone();
        changed.replace_range(i..=i, &replacement.to_string());
        text_must_fail(&changed)?;
        // The bare form too.
        text_must_fail(&changed[start..])?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = cose::parse(&bytes);
        let _ = LabelClaims::decode(&bytes);
        let _ = open(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_qr_text(&text);
    }

    #[test]
    fn valid_claims_round_trip(
        manufacturer in "[A-Za-z0-9 .,&\u{e9}\u{fc}-]{1,16}",
        firmware in "[0-9.]{1,16}",
        minimum in any::<bool>(),
        tier in 1u32..6,
        assurance in 0u8..3,
        support_end in proptest::option::of(-100_000_000i64..100_000_000),
        iat in any::<i64>(),
        validity in 1u64..=u64::MAX,
        status_index in any::<u32>(),
        results in prop::collection::vec(0u8..4, 0..80),
        variants in prop::collection::vec("[A-Z0-9-]{1,24}", 0..=MAX_VARIANTS),
    ) {
        let mut c = claims();
        c.label.manufacturer = manufacturer;
        c.label.firmware = firmware;
        c.label.firmware_is_minimum = minimum;
        c.label.tier = tier;
        c.label.assurance = assurance;
        c.label.support_end = support_end.map(|d| d * 86_400);
        // exp after iat (by up to the whole i64 range, saturating).
        c.issued_at = iat.min(i64::MAX - 1);
        c.expires = c.issued_at.saturating_add_unsigned(validity);
        c.status_index = status_index;
        c.label_id = iotlabel::label::label_id(&kid_of(&key().public_key()), status_index);
        c.label.variants = variants;
        prop_assume!(c.label.device_text_len() <= MAX_DEVICE_TEXT);
        let codes: Vec<ResultCode> = results.iter().map(|b| ResultCode::from_bits(*b)).collect();
        c.label.set_results(&codes).unwrap();
        let bytes = c.encode().unwrap();
        prop_assert_eq!(&LabelClaims::decode(&bytes).unwrap(), &c);
        let cose_bytes = sign_label(&c, &key()).unwrap();
        prop_assert_eq!(open(&cose_bytes).unwrap(), c);
    }
}
