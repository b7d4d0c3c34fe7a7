//! The issuer's status state on disk (`DIR/status/<kid>.json`, one per issuer key), and the
//! revocation statement an issuer writes for one of its labels.

use std::path::{Path, PathBuf};

use super::{LabelStatus, RevocationStatement, STATEMENT_FORMAT, StatusState};
use crate::fsutil::FileError;
use crate::ids::{Kid, LabelId};
use crate::label::{LabelClaims, cose};

/// Why a status state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateFileError {
    /// Reading or writing failed (`read`, `create` or `write`).
    #[error(transparent)]
    Io(#[from] FileError),
    /// The file is not a status state.
    #[error("{} is not a status state: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// `DIR/status/<kid>.json`.
pub fn state_path(dir: &Path, kid: Kid) -> PathBuf {
    dir.join("status").join(format!("{kid}.json"))
}

/// Loads the status state of an issuer key (empty if there is none yet).
pub fn load_state(dir: &Path, kid: Kid) -> Result<StatusState, StateFileError> {
    let path = state_path(dir, kid);
    match std::fs::read_to_string(&path) {
        Ok(t) => {
            serde_json::from_str(&t).map_err(|source| StateFileError::Corrupt { path, source })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StatusState::new(kid.bytes())),
        Err(source) => Err(FileError::on("read", path)(source).into()),
    }
}

/// Saves a status state atomically (temp file, then rename), creating its directory.
pub fn save_state(dir: &Path, s: &StatusState) -> Result<(), StateFileError> {
    let path = state_path(dir, s.issuer_kid);
    let parent = dir.join("status");
    std::fs::create_dir_all(&parent).map_err(FileError::on("create", &parent))?;
    let text = serde_json::to_string_pretty(s).unwrap_or_default() + "\n";
    crate::fsutil::write_atomic(&path, text.as_bytes(), 0o644)
        .map_err(FileError::on("write", &path))?;
    Ok(())
}

/// The label a statement is about: its id, the key that signed it and its status index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementTarget {
    /// Label id.
    pub label: LabelId,
    /// The signing key's kid.
    pub kid: Kid,
    /// The label's status index.
    pub index: u32,
}

/// Why a label file does not name a statement target.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Not a label (envelope, claims, or an id that is not its key's id at its index).
    #[error("{0}")]
    NotALabel(String),
    /// A label, but another one.
    #[error("is label {found}, not {wanted}")]
    OtherLabel {
        /// The id in the file.
        found: LabelId,
        /// The id asked for.
        wanted: LabelId,
    },
}

impl StatementTarget {
    /// The target read from the label's own `.cose` bytes, which must be label `wanted`.
    pub fn from_label(cose_bytes: &[u8], wanted: LabelId) -> Result<StatementTarget, TargetError> {
        let bad = |e: &dyn std::fmt::Display| TargetError::NotALabel(e.to_string());
        let parsed = cose::parse(cose_bytes).map_err(|e| bad(&e))?;
        let claims = LabelClaims::decode(&parsed.payload).map_err(|e| bad(&e))?;
        // A file whose id is not its key's id at its index is not a label of that key.
        crate::label::check_label_id(&parsed.kid, &claims).map_err(|e| bad(&e))?;
        let found = LabelId(claims.label_id);
        if found != wanted {
            return Err(TargetError::OtherLabel { found, wanted });
        }
        Ok(StatementTarget {
            label: found,
            kid: Kid(parsed.kid),
            index: claims.status_index,
        })
    }

    /// The (unsigned) statement changing this label's status.
    pub fn statement(
        &self,
        status: LabelStatus,
        reason: &str,
        at: i64,
        sequence: u64,
        successor: Option<LabelId>,
    ) -> RevocationStatement {
        RevocationStatement {
            format: STATEMENT_FORMAT.into(),
            label: self.label,
            issuer_kid: self.kid,
            index: self.index,
            status,
            reason: reason.to_string(),
            at,
            sequence,
            successor,
        }
    }
}
