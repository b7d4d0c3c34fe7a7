//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit that
//! returned survives a crash or power loss; numbered migrations in `schema_migrations`.
//!
//! One connection writes (SQLite has one writer anyway); another reads, so registry pages do
//! not queue behind a commit's fsync.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Damaged, LabelRecord, LoadedStates, PutOutcome, StatementRecord, Store, StoreError};
use crate::ids::{Kid, LabelId};
use crate::status::StatusState;

// Ids are stored as their lower-case hex text (the columns are TEXT, as before the types).
macro_rules! id_column {
    ($t:ty) => {
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.to_string()))
            }
        }
        impl FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                v.as_str()?
                    .parse()
                    .map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}
id_column!(Kid);
id_column!(LabelId);

/// The migrations, in order; version = position + 1. Never edit one that has shipped: add the
/// next.
const MIGRATIONS: &[&str] = &[
    // 1: labels, applied statements, status states.
    "CREATE TABLE labels (
        label_id      TEXT PRIMARY KEY,
        issuer_kid    TEXT NOT NULL,
        status_index  INTEGER NOT NULL,
        issuer        TEXT NOT NULL,
        manufacturer  TEXT NOT NULL,
        model         TEXT NOT NULL,
        manufacturer_key TEXT NOT NULL,
        model_key     TEXT NOT NULL,
        scheme_id     TEXT NOT NULL,
        scheme_version INTEGER NOT NULL,
        tier          INTEGER NOT NULL,
        issued_at     INTEGER NOT NULL,
        expires       INTEGER NOT NULL,
        published_at  INTEGER NOT NULL,
        cose          BLOB NOT NULL
     );
     CREATE UNIQUE INDEX labels_slot ON labels (issuer_kid, status_index);
     CREATE INDEX labels_model ON labels (manufacturer_key, model_key, issued_at);
     CREATE TABLE statements (
        label_id      TEXT NOT NULL,
        sequence      INTEGER NOT NULL,
        issuer_kid    TEXT NOT NULL,
        applied_at    INTEGER NOT NULL,
        bytes         BLOB NOT NULL,
        PRIMARY KEY (label_id, sequence)
     );
     CREATE TABLE status_states (
        issuer_kid    TEXT PRIMARY KEY,
        state_json    TEXT NOT NULL
     );",
];

/// The SQLite store.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock cannot leave a half-written row: SQLite rolls back an
    // unfinished transaction. The connection is still usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Case-folded search key (ASCII and Unicode lower case, surrounding space trimmed).
fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

const LABEL_COLUMNS: &str = "label_id, issuer_kid, status_index, issuer, manufacturer, model, \
     scheme_id, scheme_version, tier, issued_at, expires, published_at, cose";

fn row_to_label(r: &rusqlite::Row<'_>) -> rusqlite::Result<LabelRecord> {
    Ok(LabelRecord {
        label_id: r.get(0)?,
        issuer_kid: r.get(1)?,
        status_index: r.get(2)?,
        issuer: r.get(3)?,
        manufacturer: r.get(4)?,
        model: r.get(5)?,
        scheme_id: r.get(6)?,
        scheme_version: r.get(7)?,
        tier: r.get(8)?,
        issued_at: r.get(9)?,
        expires: r.get(10)?,
        published_at: r.get(11)?,
        cose: r.get(12)?,
    })
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let writer = Connection::open(path).map_err(backend)?;
        configure(&writer)?;
        migrate(&writer)?;
        let reader = Connection::open(path).map_err(backend)?;
        configure(&reader)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    /// The durability settings in force on each of the store's connections (writer, then
    /// reader), as SQLite reports them: `journal_mode` (`"wal"`) and `synchronous` (2 is
    /// FULL). `synchronous` is per connection, so only the store's own connections can show
    /// it; a killed process cannot reveal a missing fsync, so tests read it here.
    pub fn settings(&self) -> Result<Vec<(String, i64)>, StoreError> {
        [&self.writer, &self.reader]
            .into_iter()
            .map(|m| {
                let c = lock(m);
                let mode: String = c
                    .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                    .map_err(backend)?;
                let sync: i64 = c
                    .query_row("PRAGMA synchronous", [], |r| r.get(0))
                    .map_err(backend)?;
                Ok((mode, sync))
            })
            .collect()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        current_version(&lock(&self.reader))
    }
}

fn configure(c: &Connection) -> Result<(), StoreError> {
    // WAL: readers do not block the writer. FULL: fsync the WAL on every commit, so a commit
    // that returned is on disk. busy_timeout: wait for the other connection rather than fail.
    c.pragma_update(None, "journal_mode", "WAL")
        .map_err(backend)?;
    c.pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    c.pragma_update(None, "foreign_keys", "ON")
        .map_err(backend)?;
    c.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(backend)?;
    Ok(())
}

fn current_version(c: &Connection) -> Result<i64, StoreError> {
    c.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
    .map_err(backend)
}

fn migrate(c: &Connection) -> Result<(), StoreError> {
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
         )",
    )
    .map_err(backend)?;
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let found = current_version(c)?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if version <= found {
            continue;
        }
        let tx = c.unchecked_transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [version],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn put_label(&self, rec: &LabelRecord) -> Result<PutOutcome, StoreError> {
        let c = lock(&self.writer);
        let tx = c.unchecked_transaction().map_err(backend)?;
        let existing: Option<Vec<u8>> = tx
            .query_row(
                "SELECT cose FROM labels WHERE label_id = ?1",
                [&rec.label_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        if let Some(bytes) = existing {
            return if bytes == rec.cose {
                Ok(PutOutcome::AlreadyPresent)
            } else {
                Err(StoreError::Conflict(format!(
                    "another label with id {} is already registered",
                    rec.label_id
                )))
            };
        }
        let slot: Option<LabelId> = tx
            .query_row(
                "SELECT label_id FROM labels WHERE issuer_kid = ?1 AND status_index = ?2",
                params![rec.issuer_kid, rec.status_index],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        if let Some(other) = slot {
            return Err(StoreError::Conflict(format!(
                "label {other} already holds status index {} of key {}: an index is never reused",
                rec.status_index, rec.issuer_kid
            )));
        }
        tx.execute(
            "INSERT INTO labels (label_id, issuer_kid, status_index, issuer, manufacturer, model,
                manufacturer_key, model_key, scheme_id, scheme_version, tier, issued_at, expires,
                published_at, cose)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                rec.label_id,
                rec.issuer_kid,
                rec.status_index,
                rec.issuer,
                rec.manufacturer,
                rec.model,
                fold(&rec.manufacturer),
                fold(&rec.model),
                rec.scheme_id,
                rec.scheme_version,
                rec.tier,
                rec.issued_at,
                rec.expires,
                rec.published_at,
                rec.cose,
            ],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(PutOutcome::Inserted)
    }

    fn get_label(&self, label_id: LabelId) -> Result<Option<LabelRecord>, StoreError> {
        let c = lock(&self.reader);
        c.query_row(
            &format!("SELECT {LABEL_COLUMNS} FROM labels WHERE label_id = ?1"),
            [label_id],
            row_to_label,
        )
        .optional()
        .map_err(backend)
    }

    fn search(
        &self,
        manufacturer: &str,
        model: &str,
        limit: usize,
    ) -> Result<Vec<LabelRecord>, StoreError> {
        // instr() rather than LIKE: no wildcard characters to escape in user input.
        let c = lock(&self.reader);
        let mut st = c
            .prepare(&format!(
                "SELECT {LABEL_COLUMNS} FROM labels
                 WHERE instr(manufacturer_key, ?1) > 0 AND instr(model_key, ?2) > 0
                 ORDER BY issued_at DESC, label_id LIMIT ?3"
            ))
            .map_err(backend)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = st
            .query_map(
                params![fold(manufacturer), fold(model), limit],
                row_to_label,
            )
            .map_err(backend)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(backend)
    }

    fn same_model(&self, manufacturer: &str, model: &str) -> Result<Vec<LabelRecord>, StoreError> {
        let c = lock(&self.reader);
        let mut st = c
            .prepare(&format!(
                "SELECT {LABEL_COLUMNS} FROM labels
                 WHERE manufacturer_key = ?1 AND model_key = ?2
                 ORDER BY issued_at DESC, label_id LIMIT 100"
            ))
            .map_err(backend)?;
        let rows = st
            .query_map(params![fold(manufacturer), fold(model)], row_to_label)
            .map_err(backend)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(backend)
    }

    fn status_states(&self) -> Result<LoadedStates, StoreError> {
        let c = lock(&self.reader);
        let mut st = c
            .prepare("SELECT issuer_kid, state_json FROM status_states ORDER BY issuer_kid")
            .map_err(backend)?;
        // Read as raw values: a row of the wrong type is a damaged record, not a failed load.
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, rusqlite::types::Value>(0)?,
                    r.get::<_, rusqlite::types::Value>(1)?,
                ))
            })
            .map_err(backend)?;
        let mut out = LoadedStates::default();
        for row in rows {
            let (kid, json) = row.map_err(backend)?;
            let kid = match kid {
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            };
            let state = match &json {
                rusqlite::types::Value::Text(j) => serde_json::from_str::<StatusState>(j).ok(),
                _ => None,
            };
            match state {
                Some(s) if s.issuer_kid == kid => out.states.push(s),
                Some(s) => out.damaged.push(Damaged {
                    record: format!("status_states/{kid}"),
                    issuer_kid: Some(kid.clone()),
                    problem: format!(
                        "the row of key {kid} holds the state of key {}; key {kid}'s status list is not signed and its revocations are refused until the row is repaired",
                        s.issuer_kid
                    ),
                }),
                None => out.damaged.push(Damaged {
                    record: format!("status_states/{kid}"),
                    issuer_kid: Some(kid.clone()),
                    problem: "the status state does not decode; this key's status list is not signed (its labels verify STATUS UNKNOWN) and its revocations are refused until the row is repaired".into(),
                }),
            }
        }
        Ok(out)
    }

    fn damaged_labels(&self, entries: u32) -> Result<Vec<Damaged>, StoreError> {
        let c = lock(&self.reader);
        let mut st = c
            .prepare(
                "SELECT label_id, issuer_kid, status_index FROM labels
                 WHERE typeof(status_index) != 'integer' OR status_index < 0 OR status_index >= ?1
                 ORDER BY label_id LIMIT 1000",
            )
            .map_err(backend)?;
        // Raw values: a row of the wrong type is itself what is reported.
        let text = |v: rusqlite::types::Value| match v {
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        };
        let rows = st
            .query_map([entries], |r| {
                Ok((
                    r.get::<_, rusqlite::types::Value>(0)?,
                    r.get::<_, rusqlite::types::Value>(1)?,
                    r.get::<_, rusqlite::types::Value>(2)?,
                ))
            })
            .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kid, index) = row.map_err(backend)?;
            let index = match index {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                other => format!("{other:?}"),
            };
            out.push(Damaged {
                record: format!("labels/{}", text(id)),
                issuer_kid: Some(text(kid)),
                problem: format!(
                    "status index {index} is not below the status list's {entries} entries: no status list can revoke this label (it verifies STATUS UNKNOWN); statements for it are refused"
                ),
            });
        }
        Ok(out)
    }

    fn flush(&self) -> Result<(), StoreError> {
        let c = lock(&self.writer);
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(backend)
    }

    fn apply_statement(
        &self,
        statement: &StatementRecord,
        state: &StatusState,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(state).map_err(backend)?;
        let c = lock(&self.writer);
        let tx = c.unchecked_transaction().map_err(backend)?;
        let sequence = i64::try_from(statement.sequence)
            .map_err(|_| StoreError::Conflict("sequence number too large".into()))?;
        let inserted = tx
            .execute(
                "INSERT INTO statements (label_id, sequence, issuer_kid, applied_at, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                params![
                    statement.label_id,
                    sequence,
                    statement.issuer_kid,
                    statement.applied_at,
                    statement.bytes
                ],
            )
            .map_err(backend)?;
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "statement {} of label {} is already recorded",
                statement.sequence, statement.label_id
            )));
        }
        tx.execute(
            "INSERT INTO status_states (issuer_kid, state_json) VALUES (?1, ?2)
             ON CONFLICT (issuer_kid) DO UPDATE SET state_json = excluded.state_json",
            params![state.issuer_kid, json],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn statements(&self, label_id: LabelId) -> Result<Vec<StatementRecord>, StoreError> {
        let c = lock(&self.reader);
        let mut st = c
            .prepare(
                "SELECT issuer_kid, label_id, sequence, applied_at, bytes FROM statements
                 WHERE label_id = ?1 ORDER BY sequence",
            )
            .map_err(backend)?;
        let rows = st
            .query_map([label_id], |r| {
                Ok(StatementRecord {
                    issuer_kid: r.get(0)?,
                    label_id: r.get(1)?,
                    sequence: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    applied_at: r.get(3)?,
                    bytes: r.get(4)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(backend)
    }

    fn label_count(&self) -> Result<u64, StoreError> {
        let c = lock(&self.reader);
        c.query_row("SELECT COUNT(*) FROM labels", [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn rec(id: &str, index: u32, model: &str, issued_at: i64) -> LabelRecord {
        LabelRecord {
            label_id: id.parse().unwrap(),
            issuer_kid: "00112233aabbccdd".parse().unwrap(),
            status_index: index,
            issuer: "EXLAB".into(),
            manufacturer: "Acme Devices".into(),
            model: model.into(),
            scheme_id: "cls-like".into(),
            scheme_version: 2,
            tier: 3,
            issued_at,
            expires: issued_at + 1000,
            published_at: issued_at,
            cose: id.as_bytes().to_vec(),
        }
    }

    #[test]
    fn migrations_labels_idempotence_conflicts_and_search() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite");
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), 1);
        let a = rec("aaaaaaaaaaaaaaaa", 0, "Cam 1", 10);
        assert_eq!(s.put_label(&a).unwrap(), PutOutcome::Inserted);
        assert_eq!(s.put_label(&a).unwrap(), PutOutcome::AlreadyPresent);
        let mut other = a.clone();
        other.cose = b"different".to_vec();
        assert!(matches!(s.put_label(&other), Err(StoreError::Conflict(_))));
        // Same status slot, another label.
        let slot = rec("bbbbbbbbbbbbbbbb", 0, "Cam 1", 11);
        assert!(matches!(s.put_label(&slot), Err(StoreError::Conflict(_))));
        s.put_label(&rec("cccccccccccccccc", 1, "Cam 1", 20))
            .unwrap();
        s.put_label(&rec("dddddddddddddddd", 2, "Doorbell", 30))
            .unwrap();
        let found = s.search("acme", "cam", 10).unwrap();
        let ids: Vec<String> = found.iter().map(|r| r.label_id.to_string()).collect();
        assert_eq!(ids, ["cccccccccccccccc", "aaaaaaaaaaaaaaaa"]);
        assert_eq!(s.same_model("ACME DEVICES", "cam 1").unwrap().len(), 2);
        assert_eq!(s.search("", "", 1).unwrap().len(), 1);
        drop(s);
        // Reopening runs no migration twice and keeps the data.
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), 1);
        assert_eq!(s.label_count().unwrap(), 3);
        assert_eq!(s.get_label(a.label_id).unwrap().unwrap().cose, a.cose);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute("INSERT INTO schema_migrations (version) VALUES (99)", [])
            .unwrap();
        drop(c);
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
