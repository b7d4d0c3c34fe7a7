//! Revocation statements and the per-issuer-key status state they are folded into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::LabelStatus;
use super::list::StatusList;
use crate::keys::{Signer, kid_of};
use crate::label::cose;
use crate::trust::{KeyState, Role, VerifiedTrustList};

/// Format identifier of a revocation statement.
pub const STATEMENT_FORMAT: &str = "iotlabel-revocation/1";
const MAX_STATEMENT: usize = 4096;

/// A signed change of one label's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationStatement {
    /// Always [`STATEMENT_FORMAT`].
    pub format: String,
    /// The label id (cti), hex.
    pub label: String,
    /// The kid of the key that signed the label, hex (it names the status list).
    pub issuer_kid: String,
    /// The label's index in that list.
    pub index: u32,
    /// The new status.
    pub status: LabelStatus,
    /// Why, in words.
    pub reason: String,
    /// When (unix seconds).
    pub at: i64,
    /// Per-label sequence number; each statement must exceed the last applied one.
    pub sequence: u64,
    /// For `superseded`: the label id (hex) that replaces it.
    pub successor: Option<String>,
}

impl RevocationStatement {
    /// Signs the statement.
    pub fn sign(&self, key: &dyn Signer) -> Result<Vec<u8>, ApplyError> {
        let mut payload = Vec::new();
        ciborium::ser::into_writer(self, &mut payload)
            .map_err(|e| ApplyError::Malformed(e.to_string()))?;
        cose::sign_limited(&payload, key, MAX_STATEMENT)
            .map_err(|e| ApplyError::Malformed(e.to_string()))
    }
}

/// A verified statement and who signed it.
#[derive(Debug, Clone)]
pub struct OpenedStatement {
    /// The statement.
    pub statement: RevocationStatement,
    /// True if the scheme owner's root signed it.
    pub by_owner: bool,
    /// The signer's kid, hex.
    pub signer: String,
}

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// Not a well-formed signed statement.
    #[error("not a valid revocation statement: {0}")]
    Malformed(String),
    /// Signed by a key that may not change this label's status.
    #[error(
        "statement signed by {signer}, which is neither a key of the label's issuer nor the scheme owner's root"
    )]
    Unauthorised {
        /// Signer kid.
        signer: String,
    },
    /// Sequence number not above the last applied one (a replay, or out of order).
    #[error(
        "statement for label {label} has sequence {sequence}, not above the last applied {last}: replayed or out of order"
    )]
    Replayed {
        /// Label id.
        label: String,
        /// Its sequence.
        sequence: u64,
        /// The last applied.
        last: u64,
    },
    /// The label's status is final.
    #[error("label {label} is already {status}, which is final")]
    Final {
        /// Label id.
        label: String,
        /// Its status.
        status: &'static str,
    },
    /// Only the scheme owner lifts a suspension the owner set.
    #[error(
        "label {label} was suspended by the scheme owner; only the scheme owner can change that"
    )]
    OwnerSuspension {
        /// Label id.
        label: String,
    },
    /// Superseded without a successor.
    #[error("a superseded label must name its successor (--successor LABEL-ID)")]
    NoSuccessor,
    /// The statement is for another issuer key or another label at that index.
    #[error("{0}")]
    Mismatch(String),
}

/// Verifies a statement's signature against the trust lists and roots.
pub fn open_statement(
    bytes: &[u8],
    trust: &[VerifiedTrustList],
    roots: &[[u8; 32]],
) -> Result<OpenedStatement, ApplyError> {
    let parsed = cose::parse_limited(bytes, MAX_STATEMENT)
        .map_err(|e| ApplyError::Malformed(e.to_string()))?;
    let statement: RevocationStatement = ciborium::de::from_reader(parsed.payload.as_slice())
        .map_err(|e| ApplyError::Malformed(e.to_string()))?;
    if statement.format != STATEMENT_FORMAT {
        return Err(ApplyError::Malformed(format!(
            "format `{}`",
            statement.format
        )));
    }
    let signer = hex::encode(parsed.kid);
    let label_kid: [u8; 8] = hex::decode(&statement.issuer_kid)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ApplyError::Malformed("issuer_kid is not 8 bytes of hex".into()))?;
    for t in trust {
        // The scheme owner whose list names the label's key.
        if t.list.keys_with_kid(&label_kid).next().is_some()
            && t.root_kid == parsed.kid
            && let Some(root) = roots.iter().find(|r| kid_of(r) == parsed.kid)
            && cose::verify_signature(&parsed, root).is_ok()
        {
            return Ok(OpenedStatement {
                statement,
                by_owner: true,
                signer,
            });
        }
        // A key of the same issuer, not compromised.
        let issuers: Vec<&str> = t
            .list
            .keys_with_kid(&label_kid)
            .map(|k| k.issuer.as_str())
            .collect();
        for k in t.list.keys_with_kid(&parsed.kid) {
            if issuers.contains(&k.issuer.as_str())
                && k.state != KeyState::Compromised
                && matches!(k.role, Role::IssuingBody | Role::Lab | Role::Manufacturer)
                && let Some(pk) = k.public_key_bytes()
                && cose::verify_signature(&parsed, &pk).is_ok()
            {
                return Ok(OpenedStatement {
                    statement,
                    by_owner: false,
                    signer,
                });
            }
        }
    }
    Err(ApplyError::Unauthorised { signer })
}

/// One label's entry in the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateEntry {
    /// Label id, hex.
    pub label: String,
    /// Current status.
    pub status: LabelStatus,
    /// Last applied sequence number.
    pub sequence: u64,
    /// The last change was made by the scheme owner.
    pub by_owner: bool,
    /// Reason of the last change.
    pub reason: String,
    /// Successor label id, for superseded.
    pub successor: Option<String>,
    /// When the last change took effect (unix seconds).
    pub at: i64,
}

/// The status of every changed label of one issuer key (unchanged labels are valid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StatusState {
    /// The issuer key, hex.
    pub issuer_kid: String,
    /// By status index.
    pub entries: BTreeMap<u32, StateEntry>,
}

impl StatusState {
    /// An empty state for an issuer key.
    pub fn new(issuer_kid: &[u8; 8]) -> StatusState {
        StatusState {
            issuer_kid: hex::encode(issuer_kid),
            entries: BTreeMap::new(),
        }
    }

    /// Applies one verified statement, or refuses it with the reason; the state is unchanged on
    /// refusal.
    pub fn apply(&mut self, opened: &OpenedStatement) -> Result<(), ApplyError> {
        let s = &opened.statement;
        if s.issuer_kid != self.issuer_kid {
            return Err(ApplyError::Mismatch(format!(
                "statement is for key {}, this state is for key {}",
                s.issuer_kid, self.issuer_kid
            )));
        }
        if s.status == LabelStatus::Superseded && s.successor.is_none() {
            return Err(ApplyError::NoSuccessor);
        }
        if let Some(cur) = self.entries.get(&s.index) {
            if cur.label != s.label {
                return Err(ApplyError::Mismatch(format!(
                    "index {} belongs to label {}, not {}",
                    s.index, cur.label, s.label
                )));
            }
            if s.sequence <= cur.sequence {
                return Err(ApplyError::Replayed {
                    label: s.label.clone(),
                    sequence: s.sequence,
                    last: cur.sequence,
                });
            }
            if cur.status.is_final() {
                return Err(ApplyError::Final {
                    label: s.label.clone(),
                    status: cur.status.name(),
                });
            }
            if cur.status == LabelStatus::Suspended && cur.by_owner && !opened.by_owner {
                return Err(ApplyError::OwnerSuspension {
                    label: s.label.clone(),
                });
            }
        } else if s.sequence == 0 {
            return Err(ApplyError::Replayed {
                label: s.label.clone(),
                sequence: 0,
                last: 0,
            });
        }
        self.entries.insert(
            s.index,
            StateEntry {
                label: s.label.clone(),
                status: s.status,
                sequence: s.sequence,
                by_owner: opened.by_owner,
                reason: s.reason.clone(),
                successor: s.successor.clone(),
                at: s.at,
            },
        );
        Ok(())
    }

    /// The next sequence number for a label.
    pub fn next_sequence(&self, index: u32) -> u64 {
        self.entries.get(&index).map_or(1, |e| e.sequence + 1)
    }

    /// The status list this state gives.
    pub fn to_list(&self, issued_at: i64, expires: i64) -> Result<StatusList, ApplyError> {
        let kid: [u8; 8] = hex::decode(&self.issuer_kid)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ApplyError::Malformed("issuer kid".into()))?;
        let mut list = StatusList::new(kid, issued_at, expires);
        for (idx, e) in &self.entries {
            if !list.set(*idx, e.status) {
                return Err(ApplyError::Mismatch(format!(
                    "index {idx} is beyond the list's {} entries",
                    super::STATUS_ENTRIES
                )));
            }
        }
        Ok(list)
    }
}
