//! The signed-label envelope: claims -> COSE_Sign1 -> QR text, and back.
//!
//! ```text
//!  LabelClaims ──encode──► claims CBOR ──cose::sign──► COSE_Sign1 ──qr_text──► "HTTPS://…#BASE32"
//!  LabelClaims ◄─decode─── claims CBOR ◄─verify_signature── parse ◄─parse_qr_text──┘
//! ```
//!
//! - [`claims`]: the CWT claims set of a label and its one deterministic CBOR encoding.
//! - [`cose`]: the COSE_Sign1 envelope: one strict form, Ed25519 with `verify_strict`.
//! - [`id`]: the label id, derived from the signing key's kid and the status index.
//! - [`qr`]: the QR text form (verify URL, `#`, base32 of the COSE bytes).
//! - [`symbol`]: the QR symbol for a text (mixed segments, smallest version).
//!
//! This layer proves only that the holder of a key signed these exact claims. Which keys to
//! trust (the kid -> key -> issuer binding of the trust list), comparing the QR URL with the
//! trust list, time and status checks are the verification policy's job, built on these
//! pieces. Every decoder here fails closed: unknown keys, other tags, other algorithms,
//! non-canonical encodings and trailing data are refused rather than ignored.

mod cbor;
pub mod claims;
pub mod cose;
pub mod id;
pub mod qr;
pub mod symbol;

pub use cbor::CborError;
pub use claims::{ClaimsError, LabelBody, LabelClaims, ResultCode, pack_results, unpack_results};
pub use cose::{EnvelopeError, ParsedSign1};
pub use id::{LabelIdError, check_label_id, label_id};
pub use qr::{QrError, QrInput, parse_qr_text, qr_text};

use crate::keys::Signer;

/// Any failure of the label envelope.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    /// The claims.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// The COSE_Sign1 envelope or its signature.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The QR text.
    #[error(transparent)]
    Qr(#[from] QrError),
    /// The label id is not the one the signing key and status index give.
    #[error(transparent)]
    LabelId(#[from] LabelIdError),
}

/// Encodes `claims` and signs them: the tagged COSE_Sign1 bytes. Refuses claims whose label
/// id is not the one `signer`'s kid and the status index give ([`id`]): verifiers would call
/// such a label MALFORMED.
pub fn sign_label(claims: &LabelClaims, signer: &dyn Signer) -> Result<Vec<u8>, LabelError> {
    check_label_id(&signer.kid(), claims)?;
    let payload = claims.encode()?;
    Ok(cose::sign(&payload, signer)?)
}

/// Parses a COSE_Sign1, verifies it under `public_key` and decodes its claims. The caller
/// chose `public_key` (from the trust list, by [`ParsedSign1::kid`] via [`cose::parse`] when
/// it needs the kid first). The label id must be the one the kid and status index give.
pub fn open_label(cose_bytes: &[u8], public_key: &[u8; 32]) -> Result<LabelClaims, LabelError> {
    let parsed = cose::parse(cose_bytes)?;
    cose::verify_signature(&parsed, public_key)?;
    let claims = LabelClaims::decode(&parsed.payload)?;
    check_label_id(&parsed.kid, &claims)?;
    Ok(claims)
}
