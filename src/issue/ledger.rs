//! The issuer's ledger (`--state DIR/ledger.json`): every label issued, its status index and the
//! digest of its inputs. `issue` allocates the next status index per key from it and skips
//! inputs already issued, so a re-run of a batch only signs what is new. The label id follows
//! from the key and that index ([`crate::label::id`]): an index is never handed out twice, so
//! neither is an id.
//!
//! Durability (issue 14's group commit): `ledger.json` is a snapshot, written atomically.
//! While a batch runs, its records are appended to `ledger.journal` (one JSON line each), a
//! group at a time with one fsync per group, *before* the group's label files are written; the
//! next [`Ledger::save`] folds the journal into the snapshot and removes it. [`Ledger::load`]
//! replays the journal: so a run killed at any moment leaves every label file on disk in the
//! ledger. A torn last line (killed mid-append) was never followed by files and is ignored.
//! Replayed entries are `pending` until a run with the same inputs has written their files.

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
    /// Recorded, but its files may not all be written yet (a run was killed before it ended):
    /// the next run with the same inputs writes them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

impl LedgerEntry {
    /// The entry of an issued label; everything but the signing key and the input digest is
    /// read from the label's own claims.
    pub fn of(issued: &super::Issued, kid: &[u8; 8], input: String) -> LedgerEntry {
        let c = &issued.claims;
        LedgerEntry {
            label: LabelId(c.label_id),
            kid: Kid(*kid),
            index: c.status_index,
            input,
            scheme: format!("{}@{}", c.label.scheme_id, c.label.scheme_version),
            model: c.label.model.clone(),
            issued_at: c.issued_at,
            expires: c.expires,
            pending: false,
        }
    }
}

/// The journal's file name in the state folder.
const JOURNAL: &str = "ledger.journal";

/// The ledger's journal, open for appending while a batch runs.
pub struct Journal {
    file: std::fs::File,
    path: PathBuf,
}

impl Journal {
    /// Opens (or creates) `DIR/ledger.journal` for appending.
    pub fn open(dir: &Path) -> Result<Journal, LedgerError> {
        let path = dir.join(JOURNAL);
        let io = |source| LedgerError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        // The new file's name must survive a crash as well as its lines.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Ok(Journal { file, path })
    }

    /// Appends records with one write and one fsync (the group commit). Returns once they are
    /// durable: only then may their label files be written.
    pub fn append(&mut self, entries: &[LedgerEntry]) -> Result<(), LedgerError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::with_capacity(entries.len() * 256);
        for e in entries {
            serde_json::to_writer(&mut buf, e).map_err(|e| LedgerError::Corrupt {
                path: self.path.display().to_string(),
                detail: e.to_string(),
            })?;
            buf.push(b'\n');
        }
        self.file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
            .map_err(|source| LedgerError::Io {
                path: self.path.display().to_string(),
                source,
            })
    }
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
    /// Reads `DIR/ledger.json` (or an empty ledger if there is none yet) and replays
    /// `DIR/ledger.journal` on top of it.
    pub fn load(dir: &Path) -> Result<Ledger, LedgerError> {
        let path = dir.join("ledger.json");
        let mut ledger = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| LedgerError::Corrupt {
                path: path.display().to_string(),
                detail: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ledger::default(),
            Err(source) => {
                return Err(LedgerError::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        ledger.replay(&dir.join(JOURNAL))?;
        Ok(ledger)
    }

    /// Adds the journal's complete records the snapshot does not hold yet.
    fn replay(&mut self, path: &Path) -> Result<(), LedgerError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(LedgerError::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        // Only lines that end in a newline were committed; a torn tail was never followed by
        // label files (they are written after the fsync), so it is dropped.
        let complete = bytes
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(&[][..], |end| &bytes[..=end]);
        let mut known: HashSet<LabelId> = self.labels.iter().map(|e| e.label).collect();
        for (n, line) in complete.split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let mut entry: LedgerEntry =
                serde_json::from_slice(line).map_err(|e| LedgerError::Corrupt {
                    path: path.display().to_string(),
                    detail: format!("line {}: {e}", n + 1),
                })?;
            // Journalled and never folded in by a finished run: its files may be missing.
            entry.pending = true;
            let next = self.next_index.entry(entry.kid).or_insert(0);
            *next = (*next).max(entry.index.saturating_add(1));
            // Already in the snapshot when a run was killed between saving it and removing
            // the journal.
            if known.insert(entry.label) {
                self.labels.push(entry);
            }
        }
        Ok(())
    }

    /// Writes `DIR/ledger.json` atomically (temp file, fsync, rename), then removes the
    /// journal it now holds.
    pub fn save(&self, dir: &Path) -> Result<(), LedgerError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| LedgerError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let text = serde_json::to_string_pretty(self).map_err(|e| LedgerError::Corrupt {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
        let snapshot = dir.join("ledger.json");
        crate::fsutil::write_atomic(&snapshot, text.as_bytes(), 0o644).map_err(io(&snapshot))?;
        let journal = dir.join(JOURNAL);
        match std::fs::remove_file(&journal) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&journal)(e)),
            _ => Ok(()),
        }
    }

    /// The entry for a label id.
    pub fn find_label(&self, label: LabelId) -> Option<&LedgerEntry> {
        self.labels.iter().find(|e| e.label == label)
    }

    /// Records an issued label (in memory; [`Journal::append`] makes it durable).
    pub fn record(&mut self, issued: &super::Issued, kid: &[u8; 8], input: String) {
        self.labels.push(LedgerEntry::of(issued, kid, input));
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn entry(n: u8) -> LedgerEntry {
        LedgerEntry {
            label: LabelId([n; 8]),
            kid: Kid([7; 8]),
            index: u32::from(n),
            input: format!("input-{n}"),
            scheme: "cls-like@2".into(),
            model: "M".into(),
            issued_at: 1_800_000_000,
            expires: 1_900_000_000,
            pending: false,
        }
    }

    #[test]
    fn the_journal_replays_complete_lines_as_pending_and_drops_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut snapshot = Ledger::default();
        snapshot.labels.push(entry(0));
        snapshot.next_index.insert(Kid([7; 8]), 1);
        snapshot.save(dir.path()).unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        // Entry 0 again (a kill between saving the snapshot and removing the journal), then 1
        // and 2; then a torn third line.
        j.append(&[entry(0), entry(1), entry(2)]).unwrap();
        let torn = serde_json::to_string(&entry(3)).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL))
            .unwrap();
        f.write_all(&torn.as_bytes()[..torn.len() / 2]).unwrap();
        let l = Ledger::load(dir.path()).unwrap();
        let labels: Vec<(u8, bool)> = l.labels.iter().map(|e| (e.label.0[0], e.pending)).collect();
        assert_eq!(labels, [(0, false), (1, true), (2, true)]);
        assert_eq!(
            l.next_index[&Kid([7; 8])],
            3,
            "indices of journalled labels stay taken"
        );
        // Saving folds the journal in: nothing to replay any more.
        l.save(dir.path()).unwrap();
        assert!(!dir.path().join(JOURNAL).exists());
        assert_eq!(Ledger::load(dir.path()).unwrap(), l);
    }

    #[test]
    fn a_damaged_complete_journal_line_is_an_error_naming_the_line() {
        for bad in ["{}\n", "not json\n", "{\"label\":\"zz\"}\n"] {
            let dir = tempfile::tempdir().unwrap();
            let good = serde_json::to_string(&entry(1)).unwrap();
            std::fs::write(dir.path().join(JOURNAL), format!("{good}\n{bad}")).unwrap();
            match Ledger::load(dir.path()) {
                Err(LedgerError::Corrupt { path, detail }) => {
                    assert!(path.ends_with(JOURNAL), "{path}");
                    assert!(detail.starts_with("line 2:"), "{bad:?}: {detail}");
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
