//! The COSE_Sign1 envelope (RFC 9052 §4.2) around the claims.
//!
//! We emit exactly one form, and accept only that form:
//!
//! ```text
//! 18([                     CBOR tag 18, COSE_Sign1
//!   h'A2 01 27 04 48 <kid>',  protected header {1: -8 (EdDSA), 4: kid (8 bytes)}
//!   {},                       unprotected header: empty
//!   h'<claims>',              payload, attached
//!   h'<signature>'            64-byte Ed25519 signature
//! ])
//! ```
//!
//! External AAD is empty. [`parse`] also accepts alg -19 (Ed25519, RFC 9864) in place of -8.
//! It refuses, before looking at any key: input over [`MAX_COSE`] bytes (checked before
//! decoding); untagged input and any tag but 18 (including the CWT tag 61 wrapper some DCC
//! issuers emitted: one form avoids the interop trouble DCC had); bytes after the item; any
//! protected header label but 1 and 4 (`crit` included); a kid outside the protected header;
//! a non-empty unprotected header; a detached payload; and any encoding but the deterministic
//! one above (re-encoding must reproduce the input).
//!
//! [`verify_signature`] uses `verify_strict` only (no small-order keys, canonical `S`, no
//! malleable signatures). Which key to try, the claims' meaning and time checks are the
//! caller's: this module only proves that the holder of a key signed these bytes.

use ciborium::Value;
use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};

use super::cbor::{self, CborError, as_i128, int, key_text, type_name};
use crate::ids::Kid;
use crate::keys::{KeyError, Signer, public_key_from_bytes};

/// The largest COSE_Sign1 accepted or produced, in bytes.
pub const MAX_COSE: usize = 1024;
/// The CBOR tag of COSE_Sign1.
pub const TAG_COSE_SIGN1: u64 = 18;
/// COSE alg EdDSA (what we emit).
pub const ALG_EDDSA: i64 = -8;
/// COSE alg Ed25519 (RFC 9864; accepted).
pub const ALG_ED25519: i64 = -19;
/// COSE header label `alg`.
const LABEL_ALG: i64 = 1;
/// COSE header label `crit`.
const LABEL_CRIT: i64 = 2;
/// COSE header label `kid`.
const LABEL_KID: i64 = 4;

/// A COSE_Sign1 that passed every structural check, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSign1 {
    /// The key id from the protected header.
    pub kid: [u8; 8],
    /// The algorithm: [`ALG_EDDSA`] or [`ALG_ED25519`].
    pub alg: i64,
    /// The payload (the claims bytes).
    pub payload: Vec<u8>,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
    /// The Sig_structure bytes (`["Signature1", protected, h'', payload]`) the signature
    /// covers.
    pub to_be_signed: Vec<u8>,
}

/// Why an envelope could not be made, parsed or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Over [`MAX_COSE`] bytes.
    #[error("COSE_Sign1 is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// The length.
        len: usize,
        /// [`MAX_COSE`].
        max: usize,
    },
    /// The input ended inside the item.
    #[error("COSE_Sign1 is truncated")]
    Truncated,
    /// Not well-formed CBOR (in the item or in its protected header).
    #[error("malformed COSE_Sign1: {detail}")]
    Malformed {
        /// What the CBOR reader found wrong, in its words (its `CborError` belongs to the
        /// claims decoder, whose variants and texts are its own).
        detail: String,
    },
    /// A part of the COSE_Sign1 structure of the wrong CBOR type.
    #[error("malformed COSE_Sign1: {part} must be {expected}, found a {found}")]
    WrongType {
        /// Which part (`payload`, `kid`).
        part: &'static str,
        /// The type it must be.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// An array of other than 4 elements.
    #[error("malformed COSE_Sign1: COSE_Sign1 must have 4 elements, found {count}")]
    ElementCount {
        /// How many.
        count: usize,
    },
    /// Bytes after the COSE item.
    #[error("{count} byte(s) after the COSE_Sign1 item")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A tag other than 18 (61 is the CWT wrapper, refused).
    #[error("CBOR tag {tag} where COSE_Sign1 tag 18 is required")]
    WrongTag {
        /// The tag found.
        tag: u64,
    },
    /// No tag at all.
    #[error("COSE_Sign1 without its CBOR tag 18; only tagged input is accepted")]
    Untagged,
    /// An algorithm other than -8 and -19.
    #[error("COSE algorithm {alg} is not accepted (only -8 EdDSA and -19 Ed25519)")]
    UnknownAlgorithm {
        /// The alg value.
        alg: i64,
    },
    /// No alg in the protected header.
    #[error("the protected header has no alg (1)")]
    MissingAlgorithm,
    /// No kid in the protected header.
    #[error("the protected header has no kid (4)")]
    MissingKid,
    /// A kid that is not 8 bytes.
    #[error("kid is {len} bytes, must be 8")]
    KidLength {
        /// Its length.
        len: usize,
    },
    /// A `crit` header.
    #[error("the protected header has crit (2); no critical extensions are supported")]
    CriticalHeader,
    /// A protected header label other than alg and kid.
    #[error("unexpected protected header label {label}")]
    UnexpectedProtectedHeader {
        /// The label.
        label: String,
    },
    /// The same protected label twice.
    #[error("duplicate protected header label {label}")]
    DuplicateHeader {
        /// The label.
        label: String,
    },
    /// Something in the unprotected header.
    #[error("the unprotected header must be empty, it has {count} entr(y/ies)")]
    UnprotectedHeaderNotEmpty {
        /// How many entries.
        count: usize,
    },
    /// Payload `nil` (detached).
    #[error("detached payload; the claims must be attached")]
    DetachedPayload,
    /// A signature that is not 64 bytes.
    #[error("signature is {len} bytes, must be 64")]
    SignatureLength {
        /// Its length.
        len: usize,
    },
    /// Decodes, but is not the one deterministic encoding.
    #[error("COSE_Sign1 is not in deterministic CBOR encoding")]
    NotCanonical,
    /// The public key is not a valid Ed25519 point.
    #[error("public key {public_key} is not a valid Ed25519 point")]
    InvalidPublicKey {
        /// The key, hex.
        public_key: String,
    },
    /// The public key is of small order.
    #[error("public key {public_key} is a weak (small-order) Ed25519 point; refused")]
    WeakPublicKey {
        /// The key, hex.
        public_key: String,
    },
    /// The signature does not verify under the key.
    #[error("the signature does not verify under public key {public_key}")]
    BadSignature {
        /// The key tried, hex.
        public_key: String,
    },
    /// The signer failed.
    #[error("signer (kid {kid}): {source}")]
    Signer {
        /// The signer's kid.
        kid: Kid,
        /// Why.
        #[source]
        source: KeyError,
    },
    /// The signer produced a signature that its own public key rejects (a faulty hardware or
    /// remote signer).
    #[error("signer (kid {kid}): its signature fails its own public key: {source}")]
    SelfCheck {
        /// The signer's kid.
        kid: Kid,
        /// Why the signature failed.
        #[source]
        source: Box<EnvelopeError>,
    },
    /// Encoding failed.
    #[error("cannot encode COSE_Sign1: {detail}")]
    Encode {
        /// What the encoder said: text, because the two encoders (coset, and `cbor::write`,
        /// which returns its error as text) share no error type.
        detail: String,
    },
}

/// Signs `claims_bytes` into a tagged COSE_Sign1 with `signer`. The signature is checked
/// against the signer's own public key (catching a faulty hardware or remote signer), and the
/// output is run through [`parse`], so what this emits always parses.
pub fn sign(claims_bytes: &[u8], signer: &dyn Signer) -> Result<Vec<u8>, EnvelopeError> {
    sign_limited(claims_bytes, signer, MAX_COSE)
}

/// [`sign`] for documents with another size limit (see [`parse_limited`]).
pub fn sign_limited(
    claims_bytes: &[u8],
    signer: &dyn Signer,
    max: usize,
) -> Result<Vec<u8>, EnvelopeError> {
    let kid = signer.kid();
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(kid.to_vec())
        .build();
    let mut sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(claims_bytes.to_vec())
        .build();
    let tbs = sign1.tbs_data(&[]);
    let signature = signer.sign(&tbs).map_err(|source| EnvelopeError::Signer {
        kid: Kid(kid),
        source,
    })?;
    sign1.signature = signature.to_vec();
    let bytes = sign1.to_tagged_vec().map_err(|e| EnvelopeError::Encode {
        detail: e.to_string(),
    })?;
    let parsed = parse_limited(&bytes, max)?;
    verify_signature(&parsed, &signer.public_key()).map_err(|e| EnvelopeError::SelfCheck {
        kid: Kid(kid),
        source: Box::new(e),
    })?;
    Ok(bytes)
}

/// The canonical protected header bytes for `alg` and `kid`: `{1: alg, 4: kid}`.
fn protected_bytes(alg: i64, kid: &[u8; 8]) -> Result<Vec<u8>, EnvelopeError> {
    cbor::write(&Value::Map(vec![
        (int(LABEL_ALG), int(alg)),
        (int(LABEL_KID), Value::Bytes(kid.to_vec())),
    ]))
    .map_err(|detail| EnvelopeError::Encode { detail })
}

/// The Sig_structure for `alg`, `kid` and `payload` (external AAD empty).
fn sig_structure(alg: i64, kid: &[u8; 8], payload: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    cbor::write(&Value::Array(vec![
        Value::Text("Signature1".to_string()),
        Value::Bytes(protected_bytes(alg, kid)?),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]))
    .map_err(|detail| EnvelopeError::Encode { detail })
}

fn malformed(detail: impl Into<String>) -> EnvelopeError {
    EnvelopeError::Malformed {
        detail: detail.into(),
    }
}

fn wrong_type(part: &'static str, expected: &'static str, found: &Value) -> EnvelopeError {
    EnvelopeError::WrongType {
        part,
        expected,
        found: type_name(found),
    }
}

fn read_err(e: CborError) -> EnvelopeError {
    match e {
        CborError::Truncated => EnvelopeError::Truncated,
        CborError::Trailing { count } => EnvelopeError::TrailingBytes { count },
        other => malformed(other.to_string()),
    }
}

/// Parses a COSE_Sign1 and checks its structure (see the module doc); does not verify.
pub fn parse(bytes: &[u8]) -> Result<ParsedSign1, EnvelopeError> {
    parse_limited(bytes, MAX_COSE)
}

/// [`parse`] with another size limit: trust lists, status lists and revocation statements use
/// the same strict envelope but are not printed in a QR code, so they may be larger.
pub fn parse_limited(bytes: &[u8], max: usize) -> Result<ParsedSign1, EnvelopeError> {
    if bytes.len() > max {
        return Err(EnvelopeError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    let inner = match cbor::read_one(bytes).map_err(read_err)? {
        Value::Tag(TAG_COSE_SIGN1, inner) => *inner,
        Value::Tag(tag, _) => return Err(EnvelopeError::WrongTag { tag }),
        _ => return Err(EnvelopeError::Untagged),
    };
    let Value::Array(items) = &inner else {
        return Err(wrong_type("COSE_Sign1", "an array", &inner));
    };
    let [protected, unprotected, payload, signature] = items.as_slice() else {
        return Err(EnvelopeError::ElementCount { count: items.len() });
    };

    let Value::Bytes(protected) = protected else {
        return Err(wrong_type("protected header", "a byte string", protected));
    };
    let (alg, kid) = parse_protected(protected)?;

    match unprotected {
        Value::Map(m) if m.is_empty() => {}
        Value::Map(m) => return Err(EnvelopeError::UnprotectedHeaderNotEmpty { count: m.len() }),
        other => {
            return Err(wrong_type("unprotected header", "a map", other));
        }
    }
    let payload = match payload {
        Value::Bytes(p) => p.clone(),
        Value::Null => return Err(EnvelopeError::DetachedPayload),
        other => {
            return Err(wrong_type("payload", "a byte string", other));
        }
    };
    let signature: [u8; 64] = match signature {
        Value::Bytes(s) => s
            .as_slice()
            .try_into()
            .map_err(|_| EnvelopeError::SignatureLength { len: s.len() })?,
        other => {
            return Err(wrong_type("signature", "a byte string", other));
        }
    };

    // One encoding only: the protected header and the whole item must re-encode to the input.
    if *protected != protected_bytes(alg, &kid)? {
        return Err(EnvelopeError::NotCanonical);
    }
    // Re-encode the decoded item with the same deterministic writer: any other encoding of the
    // same structure (long-form heads, indefinite lengths) is refused.
    let to_be_signed = sig_structure(alg, &kid, &payload)?;
    let again = cbor::write(&Value::Tag(TAG_COSE_SIGN1, Box::new(inner)))
        .map_err(|detail| EnvelopeError::Encode { detail })?;
    if again != bytes {
        return Err(EnvelopeError::NotCanonical);
    }
    Ok(ParsedSign1 {
        kid,
        alg,
        payload,
        signature,
        to_be_signed,
    })
}

fn parse_protected(protected: &[u8]) -> Result<(i64, [u8; 8]), EnvelopeError> {
    let value = cbor::read_one(protected).map_err(|e| match e {
        CborError::Truncated => malformed("protected header is truncated"),
        CborError::Trailing { count } => {
            malformed(format!("{count} byte(s) after the protected header"))
        }
        other => malformed(format!("protected header: {other}")),
    })?;
    let Value::Map(pairs) = value else {
        return Err(wrong_type("protected header", "a map", &value));
    };
    let mut alg: Option<&Value> = None;
    let mut kid: Option<&Value> = None;
    for (label, v) in &pairs {
        let slot = match as_i128(label) {
            Some(l) if l == i128::from(LABEL_ALG) => &mut alg,
            Some(l) if l == i128::from(LABEL_KID) => &mut kid,
            Some(l) if l == i128::from(LABEL_CRIT) => return Err(EnvelopeError::CriticalHeader),
            _ => {
                return Err(EnvelopeError::UnexpectedProtectedHeader {
                    label: key_text(label),
                });
            }
        };
        if slot.replace(v).is_some() {
            return Err(EnvelopeError::DuplicateHeader {
                label: key_text(label),
            });
        }
    }
    let alg = match alg {
        None => return Err(EnvelopeError::MissingAlgorithm),
        Some(v) => match as_i128(v) {
            Some(a) if a == i128::from(ALG_EDDSA) => ALG_EDDSA,
            Some(a) if a == i128::from(ALG_ED25519) => ALG_ED25519,
            Some(a) => {
                return Err(EnvelopeError::UnknownAlgorithm {
                    alg: i64::try_from(a).unwrap_or(if a < 0 { i64::MIN } else { i64::MAX }),
                });
            }
            None => {
                return Err(wrong_type("alg", "an integer", v));
            }
        },
    };
    let kid = match kid {
        None => return Err(EnvelopeError::MissingKid),
        Some(Value::Bytes(k)) => k
            .as_slice()
            .try_into()
            .map_err(|_| EnvelopeError::KidLength { len: k.len() })?,
        Some(other) => {
            return Err(wrong_type("kid", "a byte string", other));
        }
    };
    Ok((alg, kid))
}

/// Verifies the signature of `parsed` under `public_key` with `verify_strict`. The signed
/// bytes are rebuilt from `parsed.alg`, `parsed.kid` and `parsed.payload`, so a success
/// vouches for exactly those fields.
pub fn verify_signature(parsed: &ParsedSign1, public_key: &[u8; 32]) -> Result<(), EnvelopeError> {
    let key = public_key_from_bytes(public_key).map_err(|e| match e {
        KeyError::WeakPublicKey { public_key } => EnvelopeError::WeakPublicKey { public_key },
        _ => EnvelopeError::InvalidPublicKey {
            public_key: hex::encode(public_key),
        },
    })?;
    if parsed.alg != ALG_EDDSA && parsed.alg != ALG_ED25519 {
        return Err(EnvelopeError::UnknownAlgorithm { alg: parsed.alg });
    }
    let tbs = sig_structure(parsed.alg, &parsed.kid, &parsed.payload)?;
    let signature = ed25519_dalek::Signature::from_bytes(&parsed.signature);
    key.verify_strict(&tbs, &signature)
        .map_err(|_| EnvelopeError::BadSignature {
            public_key: hex::encode(public_key),
        })
}

/// [`verify_signature`] with a key already decoded and checked (not weak) by the caller, as a
/// verifier that caches its trust list does: decoding the point is a large share of the cost.
pub fn verify_signature_with(
    parsed: &ParsedSign1,
    key: &ed25519_dalek::VerifyingKey,
) -> Result<(), EnvelopeError> {
    if parsed.alg != ALG_EDDSA && parsed.alg != ALG_ED25519 {
        return Err(EnvelopeError::UnknownAlgorithm { alg: parsed.alg });
    }
    // `to_be_signed` was built by `parse` from the decoded alg, kid and payload, not sliced
    // from the input.
    let signature = ed25519_dalek::Signature::from_bytes(&parsed.signature);
    key.verify_strict(&parsed.to_be_signed, &signature)
        .map_err(|_| EnvelopeError::BadSignature {
            public_key: hex::encode(key.as_bytes()),
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::keys::SoftwareKey;

    #[test]
    fn layout_is_exact() {
        let key = SoftwareKey::from_seed(&[9u8; 32]);
        let cose = sign(b"\xa0", &key).unwrap();
        let kid = key.kid();
        let mut expected = vec![0xd2, 0x84, 0x4d, 0xa2, 0x01, 0x27, 0x04, 0x48];
        expected.extend_from_slice(&kid);
        expected.extend_from_slice(&[0xa0, 0x41, 0xa0, 0x58, 0x40]);
        assert_eq!(&cose[..expected.len()], expected.as_slice());
        assert_eq!(cose.len(), expected.len() + 64);
        let parsed = parse(&cose).unwrap();
        assert_eq!(parsed.kid, kid);
        assert_eq!(parsed.alg, ALG_EDDSA);
        assert_eq!(
            parsed.to_be_signed,
            sig_structure(ALG_EDDSA, &kid, b"\xa0").unwrap()
        );
        verify_signature(&parsed, &key.public_key()).unwrap();
    }

    #[test]
    fn a_cached_key_verifies_either_ed25519_alg_and_refuses_others() {
        let key = SoftwareKey::from_seed(&[9u8; 32]);
        let cose = sign(b"\xa0", &key).unwrap();
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&key.public_key()).unwrap();
        let mut parsed = parse(&cose).unwrap();
        verify_signature_with(&parsed, &vk).unwrap();
        // The alg is checked as a value; the signed bytes still say EdDSA.
        parsed.alg = ALG_ED25519;
        verify_signature_with(&parsed, &vk).unwrap();
        parsed.alg = 8;
        assert!(matches!(
            verify_signature_with(&parsed, &vk),
            Err(EnvelopeError::UnknownAlgorithm { alg: 8 })
        ));
        let other = SoftwareKey::from_seed(&[8u8; 32]);
        let other = ed25519_dalek::VerifyingKey::from_bytes(&other.public_key()).unwrap();
        assert!(matches!(
            verify_signature_with(&parse(&cose).unwrap(), &other),
            Err(EnvelopeError::BadSignature { .. })
        ));
    }

    #[test]
    fn the_size_limit_is_inclusive() {
        let key = SoftwareKey::from_seed(&[9u8; 32]);
        let cose = sign(b"\xa0", &key).unwrap();
        assert!(parse_limited(&cose, cose.len()).is_ok());
        assert!(matches!(
            parse_limited(&cose, cose.len() - 1),
            Err(EnvelopeError::TooLarge { len, max }) if len == cose.len() && max == len - 1
        ));
    }

    #[test]
    fn tampered_parsed_fields_fail() {
        let key = SoftwareKey::from_seed(&[9u8; 32]);
        let cose = sign(b"\xa0", &key).unwrap();
        let mut parsed = parse(&cose).unwrap();
        parsed.payload = b"\xa1\x01\x02".to_vec();
        assert!(matches!(
            verify_signature(&parsed, &key.public_key()),
            Err(EnvelopeError::BadSignature { .. })
        ));
    }
}
