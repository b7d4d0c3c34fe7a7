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

use crate::keys::{Signer, kid_of};
use crate::label::cose;

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
    /// Key id, hex (first 8 bytes of SHA-256 of the public key).
    pub kid: String,
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
    /// For a compromised key: label ids (hex) the owner still vouches for.
    pub allowed_labels: Vec<String>,
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
    pub fn keys_with_kid<'a>(
        &'a self,
        kid: &'a [u8; 8],
    ) -> impl Iterator<Item = &'a KeyEntry> + 'a {
        let hexkid = hex::encode(kid);
        self.keys.iter().filter(move |k| k.kid == hexkid)
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
            out.push((format!("keys[{i}].kid"), &k.kid));
            out.push((format!("keys[{i}].public_key"), &k.public_key));
            out.push((format!("keys[{i}].issuer"), &k.issuer));
            out.push((format!("keys[{i}].name"), &k.name));
            let lists = [
                ("schemes", &k.schemes),
                ("status_for", &k.status_for),
                ("allowed_labels", &k.allowed_labels),
            ];
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
        ciborium::ser::into_writer(self, &mut out)
            .map_err(|e| TrustError::Encode(e.to_string()))?;
        Ok(out)
    }

    /// Signs the list with the owner's root key.
    pub fn sign(&self, root: &dyn Signer) -> Result<Vec<u8>, TrustError> {
        let payload = self.encode()?;
        cose::sign_limited(&payload, root, MAX_TRUST_LIST)
            .map_err(|e| TrustError::Envelope(e.to_string()))
    }
}

/// Why a trust list is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Not a well-formed signed trust list.
    #[error("not a valid signed trust list: {0}")]
    Envelope(String),
    /// Signed by a key that is none of the given roots.
    #[error("signed by key {kid}, which is none of the given roots")]
    UnknownRoot {
        /// The kid in the list's header.
        kid: String,
    },
    /// The signature does not verify under the root.
    #[error("its signature does not verify under root {kid}")]
    BadSignature {
        /// The root's kid.
        kid: String,
    },
    /// The payload is not a trust list.
    #[error("the signed payload is not a trust list: {0}")]
    Payload(String),
    /// Past its next-update.
    #[error("trust list `{owner}` expired at {next_update} (evaluated at {at})")]
    Expired {
        /// Owner.
        owner: String,
        /// Its next-update (RFC 3339).
        next_update: String,
        /// The verification time (RFC 3339).
        at: String,
    },
    /// Issued in the future.
    #[error("trust list `{owner}` is issued at {issued_at}, after the verification time {at}")]
    NotYetValid {
        /// Owner.
        owner: String,
        /// Its issued-at.
        issued_at: String,
        /// Verification time.
        at: String,
    },
    /// Could not be encoded.
    #[error("cannot encode the trust list: {0}")]
    Encode(String),
    /// A text holds a character people must not be shown (see [`crate::text`]).
    #[error(
        "trust list text `{field}` holds {error}: only letters, marks, numbers, punctuation, symbols and spaces U+0020/U+3000 are allowed"
    )]
    Text {
        /// Where (`keys[1].name`).
        field: String,
        /// Which character, its category and position.
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
    let parsed = cose::parse_limited(bytes, MAX_TRUST_LIST)
        .map_err(|e| TrustError::Envelope(e.to_string()))?;
    let Some(root) = roots.iter().find(|r| kid_of(r) == parsed.kid) else {
        return Err(TrustError::UnknownRoot {
            kid: hex::encode(parsed.kid),
        });
    };
    cose::verify_signature(&parsed, root).map_err(|_| TrustError::BadSignature {
        kid: hex::encode(parsed.kid),
    })?;
    let list: TrustList = ciborium::de::from_reader(parsed.payload.as_slice())
        .map_err(|e| TrustError::Payload(e.to_string()))?;
    list.check_text()?;
    if list.format != TRUST_FORMAT {
        return Err(TrustError::Payload(format!(
            "format `{}`, expected `{TRUST_FORMAT}`",
            list.format
        )));
    }
    // Deterministic encoding only: re-encoding must give the signed bytes.
    if list.encode()? != parsed.payload {
        return Err(TrustError::Payload("not in canonical encoding".into()));
    }
    let ts = |t: i64| crate::time::format_unix(t);
    if at >= list.next_update {
        return Err(TrustError::Expired {
            owner: list.owner.clone(),
            next_update: ts(list.next_update),
            at: ts(at),
        });
    }
    if list.issued_at > at + SKEW_SECONDS {
        return Err(TrustError::NotYetValid {
            owner: list.owner.clone(),
            issued_at: ts(list.issued_at),
            at: ts(at),
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
    let parsed = cose::parse_limited(bytes, MAX_TRUST_LIST)
        .map_err(|e| TrustError::Envelope(e.to_string()))?;
    let list: TrustList = ciborium::de::from_reader(parsed.payload.as_slice())
        .map_err(|e| TrustError::Payload(e.to_string()))?;
    // Shown to people (`trust show`), so held to the same characters.
    list.check_text()?;
    Ok((list, parsed.kid))
}
