//! The trust model: who may sign what.
//!
//! A scheme owner keeps an offline **root** key (its public half is distributed as a PEM file)
//! and signs a **trust list**: the schemes it governs (with their verify URL, tier names and the
//! accepted `(version, criteria digest)` pairs) and every key allowed to sign labels or status
//! lists for them, with role, accreditation, validity windows and state. Verifiers take roots
//! and trust lists as inputs and fail closed: a list that does not verify under a given root,
//! or is past its next-update, vouches for nothing.
//!
//! Roles: `scheme-owner` (the root; signs trust lists only), `issuing-body` (labels for its
//! schemes, any tier), `lab` (labels for its schemes up to its highest tier), `manufacturer`
//! (self-declared tiers only), `status` (status lists for the issuers named in its entry).

mod draft;

use serde::{Deserialize, Serialize};

pub use draft::{NewKey, TrustDraftError, add_key, compromise_key, new_draft, retire_key};

use crate::ids::{Kid, LabelId};
use crate::keys::{Signer, kid_of};
use crate::label::cose::{self, EnvelopeError};
use crate::time::format_unix;

/// Format identifier inside every trust list.
pub const TRUST_FORMAT: &str = "iotlabel-trust/1";
/// Largest signed trust list accepted (it is not in a QR code, but input is still bounded).
pub const MAX_TRUST_LIST: usize = 256 * 1024;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The offline root of a scheme owner: signs trust lists only.
    SchemeOwner,
    /// Signs labels for the schemes it administers, any tier.
    IssuingBody,
    /// Signs labels for its schemes up to its highest tier.
    Lab,
    /// Signs self-declared tiers only.
    Manufacturer,
    /// Signs status lists for the issuers named in its entry.
    Status,
}

impl Role {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Role::SchemeOwner => "scheme-owner",
            Role::IssuingBody => "issuing-body",
            Role::Lab => "lab",
            Role::Manufacturer => "manufacturer",
            Role::Status => "status",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::SchemeOwner,
            Role::IssuingBody,
            Role::Lab,
            Role::Manufacturer,
            Role::Status,
        ]
        .into_iter()
        .find(|r| r.name() == s)
    }
}

/// How a key's life ended, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyState {
    /// In use within its windows.
    Active,
    /// Signs nothing after `sign_until`; its labels stay valid to their expiry.
    Retired,
    /// Every label it signed is invalid (a thief can backdate `iat`), except the allow-list.
    Compromised,
}

/// A `(version, criteria digest)` pair the owner accepts for a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// Scheme version.
    pub version: u32,
    /// First 16 bytes of the criteria digest, hex.
    pub digest: String,
    /// Tier names by rank (index 0 = rank 1), as verifiers show them.
    pub tiers: Vec<String>,
    /// The assurance each tier demands, by rank: a label must claim exactly this, and the
    /// signer's role is checked against it (never against the label's own claim).
    pub assurance: Vec<crate::criteria::model::Assurance>,
    /// Whether manufacturers may sign this version's self-declared tiers.
    pub self_declaration: bool,
}

impl Accepted {
    /// Whether a label's 8-byte criteria digest is the start of this entry's 16-byte digest.
    /// A forger must find criteria whose digest starts with these 8 fixed bytes: a second
    /// preimage (2^64 work), not a collision, which is why the label carries only 8.
    pub fn accepts_label_digest(&self, label_digest: &[u8; 8]) -> bool {
        self.digest.len() == 32 && self.digest.get(..16) == Some(hex::encode(label_digest).as_str())
    }
}

/// A scheme the owner governs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeEntry {
    /// Scheme id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The verify URL printed in the QR, upper case (e.g. `HTTPS://VERIFY.EXAMPLE.ORG/L`).
    pub verify_url: String,
    /// Accepted versions and digests.
    pub accepted: Vec<Accepted>,
}

/// A key the owner vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// Key id (first 8 bytes of SHA-256 of the public key), hex in the list; checked against
    /// the public key when the list is opened ([`TrustError::KidMismatch`]).
    pub kid: Kid,
    /// Raw Ed25519 public key, hex.
    pub public_key: String,
    /// Short issuer id, shown as the issuer of the labels this key signs (labels carry no
    /// issuer of their own: the kid names the key).
    pub issuer: String,
    /// Issuer name shown to people.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Scheme ids it may sign for.
    pub schemes: Vec<String>,
    /// Highest tier rank it may sign (labs).
    pub max_tier: Option<u32>,
    /// Issuer ids whose status lists it may sign (status role).
    pub status_for: Vec<String>,
    /// Not valid before (unix seconds).
    pub not_before: i64,
    /// Signs nothing at or after this time (unix seconds).
    pub sign_until: i64,
    /// Its signatures verify until this time (unix seconds).
    pub valid_until: i64,
    /// Active, retired or compromised.
    pub state: KeyState,
    /// For a compromised key: since when (unix seconds).
    pub compromised_since: Option<i64>,
    /// For a compromised key: label ids the owner still vouches for.
    pub allowed_labels: Vec<LabelId>,
}

impl KeyEntry {
    /// The raw public key.
    pub fn public_key_bytes(&self) -> Option<[u8; 32]> {
        hex::decode(&self.public_key).ok()?.try_into().ok()
    }
}

/// A trust list (the signed payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustList {
    /// Always [`TRUST_FORMAT`].
    pub format: String,
    /// Owner id.
    pub owner: String,
    /// Owner name.
    pub owner_name: String,
    /// Increases with every signed edition.
    pub sequence: u64,
    /// When it was signed (unix seconds).
    pub issued_at: i64,
    /// Not trusted at or after this time (unix seconds): fetch a new edition.
    pub next_update: i64,
    /// Schemes governed.
    pub schemes: Vec<SchemeEntry>,
    /// Keys vouched for.
    pub keys: Vec<KeyEntry>,
}

impl TrustList {
    /// The scheme entry for an id.
    pub fn scheme(&self, id: &str) -> Option<&SchemeEntry> {
        self.schemes.iter().find(|s| s.id == id)
    }

    /// Key entries with this kid (kids are truncated: several may match).
    pub fn keys_with_kid(&self, kid: impl Into<Kid>) -> impl Iterator<Item = &KeyEntry> + '_ {
        let kid = kid.into();
        self.keys.iter().filter(move |k| k.kid == kid)
    }

    /// Each entry's kid is the kid of its public key, and that key is a usable Ed25519 key:
    /// a list that says otherwise is refused as a whole (its signer made a mistake, and a
    /// verifier must not guess which half of the entry was meant).
    pub fn check_kids(&self) -> Result<(), TrustError> {
        for (index, k) in self.keys.iter().enumerate() {
            let Some(pk) = k
                .public_key_bytes()
                .filter(|pk| crate::keys::public_key_from_bytes(pk).is_ok())
            else {
                return Err(TrustError::BadPublicKey { index, kid: k.kid });
            };
            let of_key = Kid(kid_of(&pk));
            if of_key != k.kid {
                return Err(TrustError::KidMismatch {
                    index,
                    kid: k.kid,
                    of_key,
                });
            }
        }
        Ok(())
    }

    /// Every text of the list with its place (`keys[1].name`), for [`TrustList::check_text`].
    fn texts(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = vec![
            ("format".into(), &self.format),
            ("owner".into(), &self.owner),
            ("owner_name".into(), &self.owner_name),
        ];
        for (i, sc) in self.schemes.iter().enumerate() {
            out.push((format!("schemes[{i}].id"), &sc.id));
            out.push((format!("schemes[{i}].name"), &sc.name));
            out.push((format!("schemes[{i}].verify_url"), &sc.verify_url));
            for (j, a) in sc.accepted.iter().enumerate() {
                out.push((format!("schemes[{i}].accepted[{j}].digest"), &a.digest));
                for (k, t) in a.tiers.iter().enumerate() {
                    out.push((format!("schemes[{i}].accepted[{j}].tiers[{k}]"), t));
                }
            }
        }
        for (i, k) in self.keys.iter().enumerate() {
            out.push((format!("keys[{i}].public_key"), &k.public_key));
            out.push((format!("keys[{i}].issuer"), &k.issuer));
            out.push((format!("keys[{i}].name"), &k.name));
            let lists = [("schemes", &k.schemes), ("status_for", &k.status_for)];
            for (what, list) in lists {
                for (j, t) in list.iter().enumerate() {
                    out.push((format!("keys[{i}].{what}[{j}]"), t));
                }
            }
        }
        out
    }

    /// Every text in the list (names shown to people, ids, URLs) holds allowed characters
    /// only ([`crate::text`]): checked when a list is signed and when one is read.
    pub fn check_text(&self) -> Result<(), TrustError> {
        for (field, t) in self.texts() {
            crate::text::check(t).map_err(|error| TrustError::Text { field, error })?;
        }
        Ok(())
    }

    /// Deterministic CBOR of the list; refuses a list with a forbidden character in a text.
    pub fn encode(&self) -> Result<Vec<u8>, TrustError> {
        self.check_text()?;
        let mut out = Vec::new();
        ciborium::ser::into_writer(self, &mut out).map_err(TrustError::Encode)?;
        Ok(out)
    }

    /// Signs the list with the owner's root key.
    pub fn sign(&self, root: &dyn Signer) -> Result<Vec<u8>, TrustError> {
        let payload = self.encode()?;
        Ok(cose::sign_limited(&payload, root, MAX_TRUST_LIST)?)
    }
}

/// Why a trust list is not trusted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Not a well-formed signed trust list.
    #[error("not a valid signed trust list: {0}")]
    Envelope(#[from] EnvelopeError),
    /// Signed by a key that is none of the given roots.
    #[error("signed by key {kid}, which is none of the given roots")]
    UnknownRoot {
        /// The kid in the list's header.
        kid: Kid,
    },
    /// The signature does not verify under the root.
    #[error("its signature does not verify under root {kid}")]
    BadSignature {
        /// The root's kid.
        kid: Kid,
        /// Why.
        #[source]
        source: EnvelopeError,
    },
    /// The payload is not a trust list.
    #[error("the signed payload is not a trust list: {0}")]
    Payload(#[from] ciborium::de::Error<std::io::Error>),
    /// Another format than [`TRUST_FORMAT`].
    #[error("the signed payload is not a trust list: format `{0}`, expected `{TRUST_FORMAT}`")]
    Format(String),
    /// Not the canonical encoding of the list it decodes to.
    #[error("the signed payload is not a trust list: not in canonical encoding")]
    NotCanonical,
    /// A key entry's public key is not a usable Ed25519 key.
    #[error("key {kid} (keys[{index}]) has no valid Ed25519 public key")]
    BadPublicKey {
        /// Its place in `keys`.
        index: usize,
        /// The kid the entry states.
        kid: Kid,
    },
    /// A key entry's kid is not the kid of its public key.
    #[error(
        "key {kid} (keys[{index}]) has the public key of kid {of_key}: the kid must be the first 8 bytes of SHA-256 of the key"
    )]
    KidMismatch {
        /// Its place in `keys`.
        index: usize,
        /// The kid the entry states.
        kid: Kid,
        /// The kid of the entry's public key.
        of_key: Kid,
    },
    /// Past its next-update.
    #[error("trust list `{owner}` expired at {} (evaluated at {})", format_unix(*next_update), format_unix(*at))]
    Expired {
        /// Owner.
        owner: String,
        /// Its next-update (unix seconds).
        next_update: i64,
        /// The verification time (unix seconds).
        at: i64,
    },
    /// Issued in the future.
    #[error("trust list `{owner}` is issued at {}, after the verification time {}", format_unix(*issued_at), format_unix(*at))]
    NotYetValid {
        /// Owner.
        owner: String,
        /// Its issued-at (unix seconds).
        issued_at: i64,
        /// Verification time (unix seconds).
        at: i64,
    },
    /// Could not be encoded.
    #[error("cannot encode the trust list: {0}")]
    Encode(#[source] ciborium::ser::Error<std::io::Error>),
    /// A text holds a character people must not be shown (see [`crate::text`]).
    #[error(
        "trust list text `{field}` holds {error}: only letters, marks, numbers, punctuation, symbols and spaces U+0020/U+3000 are allowed"
    )]
    Text {
        /// Where (`keys[1].name`).
        field: String,
        /// Which character, its category and position.
        #[source]
        error: crate::text::TextError,
    },
}

/// A trust list that verified under one of the given roots.
#[derive(Debug, Clone)]
pub struct VerifiedTrustList {
    /// The list.
    pub list: TrustList,
    /// Which root signed it (kid).
    pub root_kid: [u8; 8],
}

/// Allowed clock skew on issued-at times (seconds).
pub const SKEW_SECONDS: i64 = 300;

/// Verifies a signed trust list against the given roots, at time `at` (unix seconds).
/// Expiry is checked here too: a stale list vouches for nothing.
pub fn open_trust_list(
    bytes: &[u8],
    roots: &[[u8; 32]],
    at: i64,
) -> Result<VerifiedTrustList, TrustError> {
    let parsed = cose::parse_limited(bytes, MAX_TRUST_LIST)?;
    let kid = Kid(parsed.kid);
    let Some(root) = roots.iter().find(|r| kid_of(r) == parsed.kid) else {
        return Err(TrustError::UnknownRoot { kid });
    };
    cose::verify_signature(&parsed, root)
        .map_err(|source| TrustError::BadSignature { kid, source })?;
    let list: TrustList = ciborium::de::from_reader(parsed.payload.as_slice())?;
    list.check_text()?;
    if list.format != TRUST_FORMAT {
        return Err(TrustError::Format(list.format));
    }
    // Deterministic encoding only: re-encoding must give the signed bytes.
    if list.encode()? != parsed.payload {
        return Err(TrustError::NotCanonical);
    }
    list.check_kids()?;
    if at >= list.next_update {
        return Err(TrustError::Expired {
            owner: list.owner.clone(),
            next_update: list.next_update,
            at,
        });
    }
    if list.issued_at > at + SKEW_SECONDS {
        return Err(TrustError::NotYetValid {
            owner: list.owner.clone(),
            issued_at: list.issued_at,
            at,
        });
    }
    Ok(VerifiedTrustList {
        list,
        root_kid: parsed.kid,
    })
}

/// Reads a signed trust list's payload without verifying it (for `trust show` on a list whose
/// root is not at hand). Never use the result to decide anything.
pub fn peek_trust_list(bytes: &[u8]) -> Result<(TrustList, [u8; 8]), TrustError> {
    let parsed = cose::parse_limited(bytes, MAX_TRUST_LIST)?;
    let list: TrustList = ciborium::de::from_reader(parsed.payload.as_slice())?;
    // Shown to people (`trust show`), so held to the same characters.
    list.check_text()?;
    Ok((list, parsed.kid))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::keys::SoftwareKey;

    const AT: i64 = 1_800_000_000;

    fn entry(public_key: &[u8], kid: Kid) -> KeyEntry {
        KeyEntry {
            kid,
            public_key: hex::encode(public_key),
            issuer: "EXLAB".into(),
            name: "Example Lab".into(),
            role: Role::Lab,
            schemes: vec![],
            max_tier: Some(1),
            status_for: vec![],
            not_before: AT - 1,
            sign_until: AT + 1,
            valid_until: AT + 2,
            state: KeyState::Active,
            compromised_since: None,
            allowed_labels: vec![],
        }
    }

    /// Signs a list holding `keys` with a root and opens it again.
    fn open_with(keys: Vec<KeyEntry>) -> Result<VerifiedTrustList, TrustError> {
        let root = SoftwareKey::from_seed(&[1; 32]);
        let mut list = new_draft("EXOWNER", "Example Owner", AT, AT + 86_400);
        list.keys = keys;
        let bytes = list.sign(&root).unwrap();
        open_trust_list(&bytes, &[root.public_key()], AT)
    }

    /// A key entry whose kid is not its public key's is an error when the list is opened,
    /// never a key quietly left out (the verifier then names the list, not an unknown key).
    #[test]
    fn a_kid_that_is_not_its_keys_kid_refuses_the_list() {
        let a = SoftwareKey::from_seed(&[2; 32]).public_key();
        let b = SoftwareKey::from_seed(&[3; 32]).public_key();
        let (kid_a, kid_b) = (Kid(kid_of(&a)), Kid(kid_of(&b)));
        assert!(open_with(vec![entry(&a, kid_a), entry(&b, kid_b)]).is_ok());

        let mut one_bit = kid_a;
        one_bit.0[7] ^= 1;
        for (keys, index, stated) in [
            (vec![entry(&a, kid_b)], 0, kid_b),
            (vec![entry(&a, kid_a), entry(&b, kid_a)], 1, kid_a),
            (vec![entry(&a, one_bit)], 0, one_bit),
        ] {
            match open_with(keys) {
                Err(TrustError::KidMismatch {
                    index: i,
                    kid,
                    of_key,
                }) => {
                    assert_eq!((i, kid), (index, stated));
                    assert_ne!(of_key, stated);
                }
                other => panic!("expected KidMismatch, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_key_that_is_no_usable_ed25519_key_refuses_the_list() {
        // 31 bytes; the identity point (a weak, small-order key) under its own kid.
        let short = [7u8; 31];
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let ok = SoftwareKey::from_seed(&[2; 32]).public_key();
        for (pk, kid) in [
            (&short[..], Kid([7; 8])),
            (&identity[..], Kid(kid_of(&identity))),
        ] {
            let keys = vec![entry(&ok, Kid(kid_of(&ok))), entry(pk, kid)];
            assert!(
                matches!(open_with(keys), Err(TrustError::BadPublicKey { index: 1, kid: k }) if k == kid),
                "{pk:?}"
            );
        }
    }
}
