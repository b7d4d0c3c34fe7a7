//! The issuer's ledger (`--state DIR/ledger.json`): every label issued, its status index and the
//! digest of its inputs. `issue` allocates the next status index per key from it and skips
//! inputs already issued, so a re-run of a batch only signs what is new. The label id follows
//! from the key and that index ([`crate::label::id`]): an index is never handed out twice, so
//! neither is an id.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ids::{Kid, LabelId};

/// One issued label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerEntry {
    /// Label id.
    pub label: LabelId,
    /// Signing key.
    pub kid: Kid,
    /// Status index.
    pub index: u32,
    /// SHA-256 of (kid, scheme, criteria digest, profile digest), hex.
    pub input: String,
    /// Scheme `id@version`.
    pub scheme: String,
    /// Model.
    pub model: String,
    /// iat, unix seconds.
    pub issued_at: i64,
    /// exp, unix seconds.
    pub expires: i64,
}

/// The ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    /// Every label, in issue order.
    pub labels: Vec<LedgerEntry>,
    /// Next free status index per key.
    pub next_index: BTreeMap<Kid, u32>,
    /// The last revocation-statement sequence number handed out per label, so that two
    /// `revoke` runs never sign two statements with one number (absent until the first).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sequences: BTreeMap<LabelId, u64>,
}

/// Why the ledger could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// Read or write failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Not a ledger.
    #[error("{path} is not an issuer ledger: {detail}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The key's status list is full.
    #[error("the status list of key {kid} is full ({max} labels); issue with a new key")]
    Full {
        /// Kid.
        kid: Kid,
        /// Capacity.
        max: usize,
    },
}

impl Ledger {
    /// Reads `DIR/ledger.json`, or an empty ledger if there is none yet.
    pub fn load(dir: &Path) -> Result<Ledger, LedgerError> {
        let path = dir.join("ledger.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| LedgerError::Corrupt {
                path: path.display().to_string(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
            Err(source) => Err(LedgerError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Writes `DIR/ledger.json` atomically (temp file, then rename).
    pub fn save(&self, dir: &Path) -> Result<(), LedgerError> {
        std::fs::create_dir_all(dir).map_err(|source| LedgerError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let text = serde_json::to_string_pretty(self).map_err(|e| LedgerError::Corrupt {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
        crate::fsutil::write_atomic(&dir.join("ledger.json"), text.as_bytes(), 0o644).map_err(
            |source| LedgerError::Io {
                path: dir.join("ledger.json").display().to_string(),
                source,
            },
        )
    }

    /// The entry already issued for these inputs, if any.
    pub fn find_input(&self, input: &str) -> Option<&LedgerEntry> {
        self.labels.iter().find(|e| e.input == input)
    }

    /// The entry for a label id.
    pub fn find_label(&self, label: LabelId) -> Option<&LedgerEntry> {
        self.labels.iter().find(|e| e.label == label)
    }

    /// Records an issued label; everything but the signing key and the input digest is read from
    /// the label's own claims.
    pub fn record(&mut self, issued: &super::Issued, kid: &[u8; 8], input: String) {
        let c = &issued.claims;
        self.labels.push(LedgerEntry {
            label: LabelId(c.label_id),
            kid: Kid(*kid),
            index: c.status_index,
            input,
            scheme: format!("{}@{}", c.label.scheme_id, c.label.scheme_version),
            model: c.label.model.clone(),
            issued_at: c.issued_at,
            expires: c.expires,
        });
    }

    /// Takes the next revocation-statement sequence number for a label: one above both the
    /// last one applied (`applied_next` is the state's next) and the last one handed out.
    pub fn take_sequence(&mut self, label: LabelId, applied_next: u64) -> u64 {
        let handed = self.sequences.entry(label).or_insert(0);
        let next = applied_next.max(handed.saturating_add(1));
        *handed = next;
        next
    }

    /// Reserves the next status index for a key.
    pub fn allocate(&mut self, kid: impl Into<Kid>) -> Result<u32, LedgerError> {
        let kid = kid.into();
        let next = self.next_index.entry(kid).or_insert(0);
        if usize::try_from(*next).unwrap_or(usize::MAX) >= crate::status::STATUS_ENTRIES {
            return Err(LedgerError::Full {
                kid,
                max: crate::status::STATUS_ENTRIES,
            });
        }
        let idx = *next;
        *next += 1;
        Ok(idx)
    }
}
