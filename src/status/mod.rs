//! Status and revocation.
//!
//! Every label carries an index into the **status list** of the key that signed it. A status
//! list is a CWT in the shape of the IETF Token Status List: 2 bits per label (0 valid,
//! 1 revoked, 2 suspended, 3 superseded), zlib-compressed, padded to 131,072 entries so a list
//! says nothing about how many labels an issuer has, with `exp` = the next update. A key with the
//! `status` role signs it; verifiers treat a list past its `exp` as stale, and no list at all as
//! STATUS UNKNOWN, never as valid.
//!
//! Changes come as signed **revocation statements** (label id, new status, reason, time and a
//! per-label sequence number). Applying them is a pure fold over the issuer's [`StatusState`]:
//! a replayed or older statement is refused, revoked and superseded are final, a superseded
//! label names its successor, and only the scheme owner lifts a suspension it set. The issuer's
//! state on disk and the statement for one of its labels are in `store.rs`.

mod list;
mod statement;
mod store;

pub use list::{ListProblem, STATUS_ENTRIES, StatusList, StatusListError, open_status_list};
pub use statement::{
    ApplyError, OpenedStatement, RevocationStatement, STATEMENT_FORMAT, StateEntry, StatementError,
    StatusState, open_statement,
};
pub use store::{StateFileError, StatementTarget, TargetError, load_state, save_state, state_path};

use serde::{Deserialize, Serialize};

/// A label's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum LabelStatus {
    /// Valid.
    Valid,
    /// Withdrawn for good.
    Revoked,
    /// Withdrawn until further notice.
    Suspended,
    /// Replaced by another label (e.g. for new firmware); final.
    Superseded,
}

impl LabelStatus {
    /// The 2-bit code.
    pub fn code(self) -> u8 {
        match self {
            LabelStatus::Valid => 0,
            LabelStatus::Revoked => 1,
            LabelStatus::Suspended => 2,
            LabelStatus::Superseded => 3,
        }
    }

    /// From the 2-bit code.
    pub fn from_code(c: u8) -> LabelStatus {
        match c & 3 {
            0 => LabelStatus::Valid,
            1 => LabelStatus::Revoked,
            2 => LabelStatus::Suspended,
            _ => LabelStatus::Superseded,
        }
    }

    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            LabelStatus::Valid => "valid",
            LabelStatus::Revoked => "revoked",
            LabelStatus::Suspended => "suspended",
            LabelStatus::Superseded => "superseded",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<LabelStatus> {
        [
            LabelStatus::Valid,
            LabelStatus::Revoked,
            LabelStatus::Suspended,
            LabelStatus::Superseded,
        ]
        .into_iter()
        .find(|x| x.name() == s)
    }

    /// Revoked and superseded are final.
    pub fn is_final(self) -> bool {
        matches!(self, LabelStatus::Revoked | LabelStatus::Superseded)
    }
}
