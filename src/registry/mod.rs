//! The registry of issued labels: what `iotlabel serve` stores, behind a storage interface.
//!
//! The service records every published label (its COSE bytes and the few fields it is searched
//! by), every applied revocation statement, and each issuer key's [`StatusState`]. Nothing here
//! verifies anything: callers store only what the verifier accepted. [`Store`] is the
//! interface; [`SqliteStore`] is the embedded default (WAL, `synchronous=FULL`, numbered
//! migrations). The interface assumes plain SQL semantics (transactions, unique keys,
//! `ON CONFLICT DO NOTHING`) and nothing SQLite-only, so a PostgreSQL store is the path when one
//! node is not enough.
//!
//! Public pages are built from these records. A record holds no evidence links and no report
//! contents: those stay with the manufacturer and the lab.

mod sqlite;

use serde::Serialize;

pub use sqlite::SqliteStore;

use crate::ids::{Kid, LabelId};
use crate::status::StatusState;

/// One published label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelRecord {
    /// Label id (cti).
    pub label_id: LabelId,
    /// Kid of the key that signed it (names its status list).
    pub issuer_kid: Kid,
    /// Its index in that status list.
    pub status_index: u32,
    /// Issuer id: the trust-list entry of the signing key's kid (labels carry no `iss`).
    pub issuer: String,
    /// Manufacturer, as signed.
    pub manufacturer: String,
    /// Model, as signed.
    pub model: String,
    /// Scheme id.
    pub scheme_id: String,
    /// Scheme version.
    pub scheme_version: u32,
    /// Tier rank.
    pub tier: u32,
    /// Issued at (unix seconds).
    pub issued_at: i64,
    /// Expires (unix seconds).
    pub expires: i64,
    /// When the registry accepted it (unix seconds).
    pub published_at: i64,
    /// The signed label (COSE_Sign1).
    #[serde(skip)]
    pub cose: Vec<u8>,
}

/// What storing a label did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// Newly recorded.
    Inserted,
    /// The same bytes were already recorded (publishing is idempotent).
    AlreadyPresent,
}

/// An applied revocation statement, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRecord {
    /// Issuer key.
    pub issuer_kid: Kid,
    /// Label id.
    pub label_id: LabelId,
    /// Its sequence number.
    pub sequence: u64,
    /// When the registry applied it (unix seconds).
    pub applied_at: i64,
    /// The signed statement.
    pub bytes: Vec<u8>,
}

/// A stored record the service cannot use as it is. The service starts anyway, leaves the
/// record untouched for the operator, and reports it (a log line at start, `/api/health`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Damaged {
    /// Which record: e.g. `status_states/<kid>` or `labels/<label-id>`.
    pub record: String,
    /// The issuer key it concerns, as the damaged record has it (text: it may be no kid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_kid: Option<String>,
    /// What is wrong with it, and what the service does about it.
    pub problem: String,
}

/// Every issuer key's status state, as far as it could be read.
#[derive(Debug, Clone, Default)]
pub struct LoadedStates {
    /// The states that decoded.
    pub states: Vec<StatusState>,
    /// Rows that did not decode (their keys' lists are not signed until repaired).
    pub damaged: Vec<Damaged>,
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another label already holds this id, or this issuer key's status index.
    #[error("{0}")]
    Conflict(String),
    /// The database failed (I/O, corruption, full disk ...).
    #[error("storage error: {0}")]
    Backend(String),
    /// The database was written by a newer version of iotlabel.
    #[error("the database has schema version {found}; this build knows up to {known}")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest this build knows.
        known: i64,
    },
}

/// The registry's storage. Every write is durable when it returns `Ok`: the service answers
/// 2xx only after that.
pub trait Store: Send + Sync {
    /// Records a label; the same bytes again are [`PutOutcome::AlreadyPresent`]; other bytes
    /// under the same id, or a second label on the same (issuer key, status index), are
    /// [`StoreError::Conflict`].
    fn put_label(&self, rec: &LabelRecord) -> Result<PutOutcome, StoreError>;
    /// A label by id.
    fn get_label(&self, label_id: LabelId) -> Result<Option<LabelRecord>, StoreError>;
    /// Labels whose manufacturer and model contain the given texts (case-insensitive; an
    /// empty text matches all), newest first, at most `limit`.
    fn search(
        &self,
        manufacturer: &str,
        model: &str,
        limit: usize,
    ) -> Result<Vec<LabelRecord>, StoreError>;
    /// Labels for exactly this manufacturer and model (case-insensitive), newest first.
    fn same_model(&self, manufacturer: &str, model: &str) -> Result<Vec<LabelRecord>, StoreError>;
    /// Every issuer key's status state; a row that does not decode is reported in
    /// [`LoadedStates::damaged`], never an error for the whole load.
    fn status_states(&self) -> Result<LoadedStates, StoreError>;
    /// Label rows whose status index is not an integer below `entries` (such labels are refused
    /// at publication, but a database written before that, or edited by hand, may hold some).
    fn damaged_labels(&self, entries: u32) -> Result<Vec<Damaged>, StoreError>;
    /// Makes everything committed durable in the main file (a WAL checkpoint) before exit.
    fn flush(&self) -> Result<(), StoreError>;
    /// Records an applied statement and the issuer key's new state, in one transaction.
    fn apply_statement(
        &self,
        statement: &StatementRecord,
        state: &StatusState,
    ) -> Result<(), StoreError>;
    /// The statements applied to a label, in order.
    fn statements(&self, label_id: LabelId) -> Result<Vec<StatementRecord>, StoreError>;
    /// Number of labels recorded.
    fn label_count(&self) -> Result<u64, StoreError>;
}
