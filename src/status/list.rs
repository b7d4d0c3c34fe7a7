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
    Malformed(#[from] ListProblem),
    /// The bits could not be compressed.
    #[error("cannot compress the status list: {0}")]
    Compress(#[source] std::io::Error),
    /// The claims could not be encoded.
    #[error("cannot encode the status list: {0}")]
    Encode(#[source] ciborium::ser::Error<std::io::Error>),
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

/// What is wrong with a status list's claims.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListProblem {
    /// Not CBOR.
    #[error("{0}")]
    Cbor(#[from] ciborium::de::Error<std::io::Error>),
    /// CBOR, but not a map.
    #[error("claims are not a map")]
    NotAMap,
    /// A claim is absent or of the wrong type (`sub`, `exp`, `iat`, `status_list`,
    /// `status_list.lst`).
    #[error("no {0}")]
    Missing(&'static str),
    /// `sub` is not `status:<kid>`.
    #[error("sub is not status:<kid>")]
    Subject,
    /// `sub` names no kid.
    #[error("bad kid in sub")]
    SubjectKid(#[source] crate::ids::IdError),
    /// `status_list.bits` is not 2.
    #[error("status_list.bits must be 2")]
    Bits,
    /// `status_list.lst` does not inflate.
    #[error("lst: {0}")]
    Inflate(#[source] std::io::Error),
    /// `status_list.lst` inflates to another size (at most one byte past the right one is read).
    #[error("status_list.lst does not hold 131,072 entries")]
    Size {
        /// Bytes inflated.
        bytes: usize,
    },
    /// Decodes, but is not the one deterministic encoding.
    #[error("not in canonical encoding")]
    NotCanonical,
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
        z.write_all(&self.bits).map_err(StatusListError::Compress)?;
        let lst = z.finish().map_err(StatusListError::Compress)?;
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
        ciborium::ser::into_writer(&claims, &mut out).map_err(StatusListError::Encode)?;
        Ok(out)
    }

    /// Signs the list with a status key.
    pub fn sign(&self, key: &dyn Signer) -> Result<Vec<u8>, StatusListError> {
        Ok(cose::sign_limited(&self.encode()?, key, MAX_STATUS_LIST)?)
    }

    fn decode(bytes: &[u8]) -> Result<StatusList, StatusListError> {
        use ListProblem as P;
        let v: Value = ciborium::de::from_reader(bytes).map_err(P::Cbor)?;
        let Value::Map(entries) = v else {
            return Err(P::NotAMap.into());
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
        let sub = get(SUB).and_then(Value::as_text).ok_or(P::Missing("sub"))?;
        let kid_hex = sub.strip_prefix("status:").ok_or(P::Subject)?;
        let issuer_kid: Kid = kid_hex.parse().map_err(P::SubjectKid)?;
        let expires = int_of(get(EXP)).ok_or(P::Missing("exp"))?;
        let issued_at = int_of(get(IAT)).ok_or(P::Missing("iat"))?;
        let Some(Value::Map(sl)) = get(STATUS_LIST) else {
            return Err(P::Missing("status_list").into());
        };
        let field = |name: &str| {
            sl.iter()
                .find(|(k, _)| k.as_text() == Some(name))
                .map(|(_, v)| v)
        };
        if int_of(field("bits")) != Some(2) {
            return Err(P::Bits.into());
        }
        let lst = field("lst")
            .and_then(Value::as_bytes)
            .ok_or(P::Missing("status_list.lst"))?;
        // Bounded inflate: a list is exactly STATUS_ENTRIES * 2 bits; refuse anything larger.
        let mut bits = Vec::new();
        flate2::read::ZlibDecoder::new(lst.as_slice())
            .take((STATUS_ENTRIES * 2 / 8 + 1) as u64)
            .read_to_end(&mut bits)
            .map_err(P::Inflate)?;
        if bits.len() != STATUS_ENTRIES * 2 / 8 {
            return Err(P::Size { bytes: bits.len() }.into());
        }
        let list = StatusList {
            issuer_kid,
            issued_at,
            expires,
            bits,
        };
        if list.encode()? != bytes {
            return Err(P::NotCanonical.into());
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A list's claims, edited, then decoded.
    fn decoded(edit: impl Fn(&mut Vec<(Value, Value)>)) -> Result<StatusList, StatusListError> {
        let bytes = StatusList::new(Kid([1; 8]), 10, 20).encode().unwrap();
        let Value::Map(mut m) = ciborium::de::from_reader(bytes.as_slice()).unwrap() else {
            unreachable!("claims are a map")
        };
        edit(&mut m);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&Value::Map(m), &mut out).unwrap();
        StatusList::decode(&out)
    }

    fn problem(r: Result<StatusList, StatusListError>) -> ListProblem {
        match r {
            Err(StatusListError::Malformed(p)) => p,
            other => panic!("expected a malformed list, got {other:?}"),
        }
    }

    fn claim(m: &mut [(Value, Value)], key: i64) -> &mut Value {
        let key = Value::Integer(key.into());
        &mut m.iter_mut().find(|(k, _)| *k == key).unwrap().1
    }

    fn in_status_list(m: &mut [(Value, Value)], name: &str, v: Value) {
        let Value::Map(sl) = claim(m, STATUS_LIST) else {
            unreachable!("status_list is a map")
        };
        sl.iter_mut()
            .find(|(k, _)| k.as_text() == Some(name))
            .unwrap()
            .1 = v;
    }

    #[test]
    fn each_malformed_list_names_its_problem() {
        assert_eq!(decoded(|_| {}).unwrap().issuer_kid, Kid([1; 8]));
        let sub = Value::Integer(SUB.into());
        assert!(matches!(
            problem(decoded(|m| m.retain(|(k, _)| *k != sub))),
            ListProblem::Missing("sub")
        ));
        assert!(matches!(
            problem(decoded(|m| *claim(m, SUB) = Value::Text("status:xyz".into()))),
            ListProblem::SubjectKid(crate::ids::IdError { text, .. }) if text == "xyz"
        ));
        assert!(matches!(
            problem(decoded(|m| *claim(m, SUB) = Value::Text("issuer:x".into()))),
            ListProblem::Subject
        ));
        assert!(matches!(
            problem(decoded(|m| *claim(m, EXP) = Value::Text("soon".into()))),
            ListProblem::Missing("exp")
        ));
        assert!(matches!(
            problem(decoded(|m| in_status_list(
                m,
                "bits",
                Value::Integer(1.into())
            ))),
            ListProblem::Bits
        ));
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&[0; 10]).unwrap();
        let short = z.finish().unwrap();
        assert!(matches!(
            problem(decoded(|m| in_status_list(
                m,
                "lst",
                Value::Bytes(short.clone())
            ))),
            ListProblem::Size { bytes: 10 }
        ));
        assert!(matches!(
            problem(decoded(|m| in_status_list(
                m,
                "lst",
                Value::Bytes(vec![1, 2, 3])
            ))),
            ListProblem::Inflate(_)
        ));
        // A ttl that is not exp - iat: decodes, but is not the one encoding.
        assert!(matches!(
            problem(decoded(|m| *claim(m, TTL) = Value::Integer(5.into()))),
            ListProblem::NotCanonical
        ));
        let e = StatusList::decode(b"\xff").unwrap_err();
        assert!(matches!(
            e,
            StatusListError::Malformed(ListProblem::Cbor(_))
        ));
        // The decoder's error is kept as the cause.
        let p = std::error::Error::source(&e).unwrap();
        assert!(std::error::Error::source(p).is_some(), "{p}");
    }
}
