//! Status lists: a signed, compressed 2-bit-per-label bitstring per issuer key.

use std::io::{Read, Write};

use ciborium::Value;

use super::LabelStatus;
use crate::ids::Kid;
use crate::keys::{Signer, kid_of};
use crate::label::cose::{self, EnvelopeError};
use crate::trust::{KeyState, Role, VerifiedTrustList};

/// Entries in every list (the W3C / IETF herd-privacy minimum).
pub const STATUS_ENTRIES: usize = 131_072;
/// Bits per entry.
const BITS: u64 = 2;
/// Largest signed status list accepted.
pub const MAX_STATUS_LIST: usize = 64 * 1024;

// CWT claim keys (RFC 8392 and the Token Status List draft).
const SUB: i64 = 2;
const EXP: i64 = 4;
const IAT: i64 = 6;
const STATUS_LIST: i64 = 65533;
const TTL: i64 = 65534;

/// A status list for one issuer key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    /// The issuer key whose labels it covers.
    pub issuer_kid: Kid,
    /// When it was signed (unix seconds).
    pub issued_at: i64,
    /// Stale at or after this time (unix seconds).
    pub expires: i64,
    /// 2 bits per entry, LSB first, `STATUS_ENTRIES` entries.
    pub bits: Vec<u8>,
}

/// Why a status list was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatusListError {
    /// Not a well-formed COSE_Sign1 (or too large).
    #[error("not a valid signed status list: {0}")]
    Envelope(#[from] EnvelopeError),
    /// Not a well-formed list.
    #[error("not a valid signed status list: {0}")]
    Malformed(String),
    /// Signed by a key no trust list vouches for as a status key of that issuer.
    #[error(
        "status list for key {issuer_kid} is signed by {signer_kid}, which is not a status key for that issuer in any trusted list"
    )]
    UntrustedSigner {
        /// The issuer key the list is for.
        issuer_kid: Kid,
        /// The key that signed it.
        signer_kid: Kid,
    },
    /// Signature does not verify.
    #[error("status list signature does not verify under key {kid}")]
    BadSignature {
        /// The signer's kid.
        kid: Kid,
    },
}

impl StatusList {
    /// An all-valid list.
    pub fn new(issuer_kid: impl Into<Kid>, issued_at: i64, expires: i64) -> StatusList {
        StatusList {
            issuer_kid: issuer_kid.into(),
            issued_at,
            expires,
            bits: vec![0; STATUS_ENTRIES * 2 / 8],
        }
    }

    /// The status at an index; `None` past the end.
    pub fn get(&self, idx: u32) -> Option<LabelStatus> {
        let bit = u64::from(idx) * BITS;
        let byte = self.bits.get(usize::try_from(bit / 8).ok()?)?;
        Some(LabelStatus::from_code(byte >> (bit % 8)))
    }

    /// Sets the status at an index; `false` past the end.
    pub fn set(&mut self, idx: u32, s: LabelStatus) -> bool {
        let bit = u64::from(idx) * BITS;
        let Some(byte) = usize::try_from(bit / 8)
            .ok()
            .and_then(|i| self.bits.get_mut(i))
        else {
            return false;
        };
        let shift = bit % 8;
        *byte = (*byte & !(0b11 << shift)) | (s.code() << shift);
        true
    }

    /// The CWT claims, deterministic CBOR.
    pub fn encode(&self) -> Result<Vec<u8>, StatusListError> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&self.bits)
            .map_err(|e| StatusListError::Malformed(e.to_string()))?;
        let lst = z
            .finish()
            .map_err(|e| StatusListError::Malformed(e.to_string()))?;
        let int = |i: i64| Value::Integer(i.into());
        // Keys in deterministic order: 2, 4, 6, 65533, 65534.
        let claims = Value::Map(vec![
            (int(SUB), Value::Text(format!("status:{}", self.issuer_kid))),
            (int(EXP), int(self.expires)),
            (int(IAT), int(self.issued_at)),
            (
                int(STATUS_LIST),
                Value::Map(vec![
                    (Value::Text("lst".into()), Value::Bytes(lst)),
                    (Value::Text("bits".into()), int(2)),
                ]),
            ),
            (int(TTL), int(self.expires.saturating_sub(self.issued_at))),
        ]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&claims, &mut out)
            .map_err(|e| StatusListError::Malformed(e.to_string()))?;
        Ok(out)
    }

    /// Signs the list with a status key.
    pub fn sign(&self, key: &dyn Signer) -> Result<Vec<u8>, StatusListError> {
        Ok(cose::sign_limited(&self.encode()?, key, MAX_STATUS_LIST)?)
    }

    fn decode(bytes: &[u8]) -> Result<StatusList, StatusListError> {
        let bad = |m: &str| StatusListError::Malformed(m.to_string());
        let v: Value = ciborium::de::from_reader(bytes)
            .map_err(|e| StatusListError::Malformed(e.to_string()))?;
        let Value::Map(entries) = v else {
            return Err(bad("claims are not a map"));
        };
        let get = |k: i64| {
            entries
                .iter()
                .find(|(key, _)| key.as_integer().and_then(|i| i64::try_from(i).ok()) == Some(k))
                .map(|(_, v)| v)
        };
        let int_of = |v: Option<&Value>| {
            v.and_then(Value::as_integer)
                .and_then(|i| i64::try_from(i).ok())
        };
        let sub = get(SUB)
            .and_then(Value::as_text)
            .ok_or_else(|| bad("no sub"))?;
        let kid_hex = sub
            .strip_prefix("status:")
            .ok_or_else(|| bad("sub is not status:<kid>"))?;
        let issuer_kid: Kid = kid_hex.parse().map_err(|_| bad("bad kid in sub"))?;
        let expires = int_of(get(EXP)).ok_or_else(|| bad("no exp"))?;
        let issued_at = int_of(get(IAT)).ok_or_else(|| bad("no iat"))?;
        let Some(Value::Map(sl)) = get(STATUS_LIST) else {
            return Err(bad("no status_list"));
        };
        let field = |name: &str| {
            sl.iter()
                .find(|(k, _)| k.as_text() == Some(name))
                .map(|(_, v)| v)
        };
        if int_of(field("bits")) != Some(2) {
            return Err(bad("status_list.bits must be 2"));
        }
        let lst = field("lst")
            .and_then(Value::as_bytes)
            .ok_or_else(|| bad("no status_list.lst"))?;
        // Bounded inflate: a list is exactly STATUS_ENTRIES * 2 bits; refuse anything larger.
        let mut bits = Vec::new();
        flate2::read::ZlibDecoder::new(lst.as_slice())
            .take((STATUS_ENTRIES * 2 / 8 + 1) as u64)
            .read_to_end(&mut bits)
            .map_err(|e| StatusListError::Malformed(format!("lst: {e}")))?;
        if bits.len() != STATUS_ENTRIES * 2 / 8 {
            return Err(bad("status_list.lst does not hold 131,072 entries"));
        }
        let list = StatusList {
            issuer_kid,
            issued_at,
            expires,
            bits,
        };
        if list.encode()? != bytes {
            return Err(bad("not in canonical encoding"));
        }
        Ok(list)
    }
}

/// Opens a signed status list: the signer must be a `status` key, in a verified trust list,
/// whose entry names the issuer of the list's key; the signature must verify. Freshness
/// (`expires`) is the verifier's to judge: a stale list is still reported, as STATUS STALE.
pub fn open_status_list(
    bytes: &[u8],
    trust: &[VerifiedTrustList],
) -> Result<StatusList, StatusListError> {
    let parsed = cose::parse_limited(bytes, MAX_STATUS_LIST)?;
    let list = StatusList::decode(&parsed.payload)?;
    let signer_kid = Kid(parsed.kid);
    // Issuers (by id) of the covered key, across the trusted lists.
    let issuers: Vec<&str> = trust
        .iter()
        .flat_map(|t| {
            t.list
                .keys_with_kid(list.issuer_kid)
                .map(|k| k.issuer.as_str())
        })
        .collect();
    let signer_entries = trust
        .iter()
        .flat_map(|t| t.list.keys_with_kid(signer_kid))
        .filter(|k| {
            k.role == Role::Status
                && k.state != KeyState::Compromised
                && k.status_for.iter().any(|i| issuers.contains(&i.as_str()))
                // A status key signs within its window like any other key: a retired one
                // signs no new lists (a list dated later is not vouched for).
                && k.not_before <= list.issued_at
                && list.issued_at < k.sign_until
        });
    let mut any = false;
    for k in signer_entries {
        any = true;
        if let Some(pk) = k.public_key_bytes()
            && kid_of(&pk) == parsed.kid
            && cose::verify_signature(&parsed, &pk).is_ok()
        {
            return Ok(list);
        }
    }
    if any {
        Err(StatusListError::BadSignature { kid: signer_kid })
    } else {
        Err(StatusListError::UntrustedSigner {
            issuer_kid: list.issuer_kid,
            signer_kid,
        })
    }
}
