//! Editing a trust list before it is signed. The draft is the same [`TrustList`] kept as JSON
//! next to the signed edition; `iotlabel trust add|retire|compromise` change it and
//! `iotlabel trust sign` signs it with the root.

use super::{Accepted, KeyEntry, KeyState, Role, SchemeEntry, TRUST_FORMAT, TrustList};
use crate::criteria::Scheme;
use crate::ids::{Kid, LabelId};
use crate::keys::kid_of;

/// Why a draft edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustDraftError {
    /// The key is already in the list.
    #[error("key {kid} is already in the trust list (issuer `{issuer}`)")]
    DuplicateKey {
        /// Its kid.
        kid: Kid,
        /// Its issuer.
        issuer: String,
    },
    /// No such key.
    #[error("no key {kid} in the trust list")]
    UnknownKey {
        /// The kid asked for.
        kid: Kid,
    },
    /// A key id or label id that is not 16 hex digits.
    #[error(transparent)]
    Id(#[from] crate::ids::IdError),
    /// A verify URL a QR code cannot carry as alphanumeric text.
    #[error(
        "verify URL `{url}` must be an https URL without `#`, in the QR alphanumeric set (upper case, digits, $%*+-./:)"
    )]
    VerifyUrl {
        /// The URL given.
        url: String,
    },
    /// A second verify URL for a governed scheme.
    #[error("scheme `{scheme}` already has verify URL {url}; one URL per scheme")]
    OtherVerifyUrl {
        /// The scheme id.
        scheme: String,
        /// The URL it has.
        url: String,
    },
    /// An issuer id outside 1-32 characters of `A-Za-z0-9-_`.
    #[error("issuer id `{issuer}` must be 1-32 characters of A-Z, a-z, 0-9, - and _")]
    IssuerId {
        /// The id given.
        issuer: String,
    },
    /// The validity window is out of order.
    #[error("need not-before < sign-until <= valid-until")]
    Window {
        /// Not before (unix seconds).
        not_before: i64,
        /// Signs until (unix seconds).
        sign_until: i64,
        /// Valid until (unix seconds).
        valid_until: i64,
    },
    /// A scheme-owner key, which is a root and never listed.
    #[error("a scheme-owner key is a root: pass its .pub with --root, do not list it")]
    RootListed,
    /// A status key naming no issuer.
    #[error("a status key needs --status-for ISSUER (the issuers whose lists it signs)")]
    NoStatusFor,
    /// A lab key without its highest tier.
    #[error("a lab key needs --max-tier N (the highest tier it is accredited for)")]
    NoMaxTier,
    /// A signing key naming no scheme.
    #[error("a signing key needs --scheme ID for every scheme it may sign")]
    NoScheme,
    /// A scheme the list does not govern.
    #[error(
        "scheme `{scheme}` is not governed by this trust list; add it with `trust init --scheme`"
    )]
    UngovernedScheme {
        /// The scheme id.
        scheme: String,
    },
    /// A compromised key, which stays compromised.
    #[error("key {kid} is compromised; it cannot be retired")]
    RetireCompromised {
        /// Its kid.
        kid: Kid,
    },
}

/// A new, empty draft for an owner.
pub fn new_draft(owner: &str, owner_name: &str, issued_at: i64, next_update: i64) -> TrustList {
    TrustList {
        format: TRUST_FORMAT.to_string(),
        owner: owner.to_string(),
        owner_name: owner_name.to_string(),
        sequence: 0,
        issued_at,
        next_update,
        schemes: Vec::new(),
        keys: Vec::new(),
    }
}

impl TrustList {
    /// Adds (or extends) a governed scheme with a validated scheme's version and digest.
    pub fn govern(&mut self, scheme: &Scheme, verify_url: &str) -> Result<(), TrustDraftError> {
        let url = verify_url.to_ascii_uppercase();
        if !url.starts_with("HTTPS://")
            || url.contains('#')
            || url
                .chars()
                .any(|c| !crate::label::qr::is_qr_alphanumeric(&c.to_string()))
        {
            return Err(TrustDraftError::VerifyUrl {
                url: verify_url.into(),
            });
        }
        let accepted = Accepted {
            version: scheme.version,
            digest: hex::encode(&scheme.digest[..16]),
            tiers: scheme.tiers.iter().map(|t| scheme.tier_label(t)).collect(),
            assurance: scheme.tiers.iter().map(|t| t.assurance).collect(),
            self_declaration: scheme.self_declaration,
        };
        match self.schemes.iter_mut().find(|s| s.id == scheme.id) {
            Some(entry) => {
                if entry.verify_url != url {
                    return Err(TrustDraftError::OtherVerifyUrl {
                        scheme: scheme.id.clone(),
                        url: entry.verify_url.clone(),
                    });
                }
                entry.accepted.retain(|a| a.version != scheme.version);
                entry.accepted.push(accepted);
                entry.accepted.sort_by_key(|a| a.version);
            }
            None => {
                self.schemes.push(SchemeEntry {
                    id: scheme.id.clone(),
                    name: scheme.name.clone(),
                    verify_url: url,
                    accepted: vec![accepted],
                });
                self.schemes.sort_by(|a, b| a.id.cmp(&b.id));
            }
        }
        Ok(())
    }
}

/// What to record about a new key.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Its public key.
    pub public_key: [u8; 32],
    /// Short issuer id (shown as the issuer of the labels the key signs; labels carry no `iss`).
    pub issuer: String,
    /// Issuer name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Schemes it may sign for.
    pub schemes: Vec<String>,
    /// Highest tier (labs).
    pub max_tier: Option<u32>,
    /// Issuers whose status lists it signs (status role).
    pub status_for: Vec<String>,
    /// Validity window (unix seconds).
    pub not_before: i64,
    /// Signs nothing from this time.
    pub sign_until: i64,
    /// Verifies until this time.
    pub valid_until: i64,
}

/// Adds a key to a draft.
pub fn add_key(list: &mut TrustList, k: NewKey) -> Result<(), TrustDraftError> {
    let kid = Kid(kid_of(&k.public_key));
    if let Some(e) = list.keys.iter().find(|e| e.kid == kid) {
        return Err(TrustDraftError::DuplicateKey {
            kid,
            issuer: e.issuer.clone(),
        });
    }
    if k.issuer.is_empty()
        || k.issuer.len() > 32
        || !k
            .issuer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(TrustDraftError::IssuerId { issuer: k.issuer });
    }
    if !(k.not_before < k.sign_until && k.sign_until <= k.valid_until) {
        return Err(TrustDraftError::Window {
            not_before: k.not_before,
            sign_until: k.sign_until,
            valid_until: k.valid_until,
        });
    }
    match k.role {
        Role::SchemeOwner => return Err(TrustDraftError::RootListed),
        Role::Status if k.status_for.is_empty() => return Err(TrustDraftError::NoStatusFor),
        Role::Lab if k.max_tier.is_none() => return Err(TrustDraftError::NoMaxTier),
        Role::IssuingBody | Role::Lab | Role::Manufacturer if k.schemes.is_empty() => {
            return Err(TrustDraftError::NoScheme);
        }
        _ => {}
    }
    if let Some(s) = k.schemes.iter().find(|s| list.scheme(s).is_none()) {
        return Err(TrustDraftError::UngovernedScheme { scheme: s.clone() });
    }
    list.keys.push(KeyEntry {
        kid,
        public_key: hex::encode(k.public_key),
        issuer: k.issuer,
        name: k.name,
        role: k.role,
        schemes: k.schemes,
        max_tier: k.max_tier,
        status_for: k.status_for,
        not_before: k.not_before,
        sign_until: k.sign_until,
        valid_until: k.valid_until,
        state: KeyState::Active,
        compromised_since: None,
        allowed_labels: Vec::new(),
    });
    // Kids order as their hex text does (bytes, big-endian), so the signed order is unchanged.
    list.keys
        .sort_by(|a, b| (a.issuer.as_str(), a.kid).cmp(&(b.issuer.as_str(), b.kid)));
    Ok(())
}

fn entry<'a>(list: &'a mut TrustList, kid: &str) -> Result<&'a mut KeyEntry, TrustDraftError> {
    let kid: Kid = kid.parse()?;
    list.keys
        .iter_mut()
        .find(|k| k.kid == kid)
        .ok_or(TrustDraftError::UnknownKey { kid })
}

/// Retires a key: it signs nothing from `at`; what it signed stays valid to its expiry.
pub fn retire_key(list: &mut TrustList, kid: &str, at: i64) -> Result<(), TrustDraftError> {
    let e = entry(list, kid)?;
    if e.state == KeyState::Compromised {
        return Err(TrustDraftError::RetireCompromised { kid: e.kid });
    }
    e.state = KeyState::Retired;
    e.sign_until = e.sign_until.min(at);
    Ok(())
}

/// Marks a key compromised since `since`; `allowed` lists label ids (hex) still vouched for.
pub fn compromise_key(
    list: &mut TrustList,
    kid: &str,
    since: i64,
    allowed: Vec<String>,
) -> Result<(), TrustDraftError> {
    let e = entry(list, kid)?;
    let mut allowed = allowed
        .iter()
        .map(|a| a.parse::<LabelId>())
        .collect::<Result<Vec<_>, _>>()?;
    allowed.sort();
    e.state = KeyState::Compromised;
    e.compromised_since = Some(since);
    e.sign_until = e.sign_until.min(since);
    e.allowed_labels = allowed;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::keys::{Signer, SoftwareKey};

    /// A status key for issuer EXLAB: needs no governed scheme.
    fn status_key() -> NewKey {
        NewKey {
            public_key: SoftwareKey::from_seed(&[1; 32]).public_key(),
            issuer: "EXSTATUS".into(),
            name: "Status".into(),
            role: Role::Status,
            schemes: vec![],
            max_tier: None,
            status_for: vec!["EXLAB".into()],
            not_before: 10,
            sign_until: 200,
            valid_until: 300,
        }
    }

    #[test]
    fn each_refused_edit_names_its_reason_with_its_values() {
        use TrustDraftError as E;
        let mut list = new_draft("OWNER", "Owner", 0, 100);
        type Case = (fn(&mut NewKey), TrustDraftError);
        let cases: [Case; 7] = [
            (
                |k| k.issuer = "EX LAB".into(),
                E::IssuerId {
                    issuer: "EX LAB".into(),
                },
            ),
            (
                |k| k.sign_until = 400,
                E::Window {
                    not_before: 10,
                    sign_until: 400,
                    valid_until: 300,
                },
            ),
            (|k| k.role = Role::SchemeOwner, E::RootListed),
            (|k| k.status_for.clear(), E::NoStatusFor),
            (|k| k.role = Role::Lab, E::NoMaxTier),
            (|k| k.role = Role::Manufacturer, E::NoScheme),
            (
                |k| k.schemes = vec!["cls-like".into()],
                E::UngovernedScheme {
                    scheme: "cls-like".into(),
                },
            ),
        ];
        for (edit, want) in cases {
            let mut k = status_key();
            edit(&mut k);
            assert_eq!(add_key(&mut list, k), Err(want));
        }
        assert!(list.keys.is_empty());
        add_key(&mut list, status_key()).unwrap();
        let kid = list.keys[0].kid;
        assert_eq!(
            add_key(&mut list, status_key()),
            Err(E::DuplicateKey {
                kid,
                issuer: "EXSTATUS".into()
            })
        );
        let hex = kid.to_string();
        compromise_key(&mut list, &hex, 50, vec![]).unwrap();
        assert_eq!(
            retire_key(&mut list, &hex, 60),
            Err(E::RetireCompromised { kid })
        );
    }
}
