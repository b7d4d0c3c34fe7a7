//! Revocation statements and the per-issuer-key status state they are folded into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::LabelStatus;
use super::list::StatusList;
use crate::ids::Kid;
use crate::keys::{Signer, kid_of};
use crate::label::cose;
use crate::trust::{KeyState, Role, VerifiedTrustList};

/// Format identifier of a revocation statement.
pub const STATEMENT_FORMAT: &str = "iotlabel-revocation/1";
const MAX_STATEMENT: usize = 4096;
/// Largest sequence number a statement may carry: room for a counter or a unix-seconds stamp,
/// far from the integer limits (a label gets a handful of statements in its life).
pub const MAX_SEQUENCE: u64 = u32::MAX as u64;
/// Earliest `at` a statement may carry: 2020-01-01T00:00:00Z, before any label of this format.
pub const EARLIEST_AT: i64 = 1_577_836_800;
/// `at` must be before 2100-01-01T00:00:00Z. The service also refuses a statement dated after
/// its clock (plus the clock-skew window) or before the label was issued.
pub const LATEST_AT: i64 = 4_102_444_800;
/// Longest `reason`, bytes.
pub const MAX_REASON: usize = 512;

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
        crate::text::check(&self.reason)
            .map_err(|e| ApplyError::Malformed(format!("field `reason`: {e}")))?;
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
    /// The signer's kid.
    pub signer: Kid,
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
        signer: Kid,
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
    /// The status index is beyond every status list (131,072 entries, indexes 0-131071).
    #[error("status index {index} is beyond the status list's 131072 entries (0-131071)")]
    IndexOutOfRange {
        /// The index as given.
        index: String,
    },
    /// The statement is for another issuer key or another label at that index.
    #[error("{0}")]
    Mismatch(String),
}

/// Decodes a statement's payload and checks every field, with errors in our own words naming
/// the field (never a decoder's text). Ids come back in canonical lower-case hex, so a statement
/// written with upper-case ids names the same label as one in lower case.
pub fn decode_statement(payload: &[u8]) -> Result<RevocationStatement, ApplyError> {
    let bad = |m: String| ApplyError::Malformed(m);
    let value: ciborium::Value = ciborium::de::from_reader(payload)
        .map_err(|_| bad("the payload is not well-formed CBOR".into()))?;
    let ciborium::Value::Map(entries) = value else {
        return Err(bad("the payload is not a CBOR map".into()));
    };
    let mut fields: BTreeMap<&str, &ciborium::Value> = BTreeMap::new();
    for (k, v) in &entries {
        let Some(name) = k.as_text() else {
            return Err(bad("a field name is not text".into()));
        };
        if !FIELDS.contains(&name) {
            return Err(bad(format!(
                "unknown field `{}` (known: {})",
                clip(name),
                FIELDS.join(", ")
            )));
        }
        if fields.insert(name, v).is_some() {
            return Err(bad(format!("field `{name}` appears twice")));
        }
    }
    let field = |name: &'static str| {
        fields
            .get(name)
            .copied()
            .ok_or_else(|| bad(format!("field `{name}` is missing")))
    };
    let text = |name: &'static str| {
        field(name)?
            .as_text()
            .map(str::to_string)
            .ok_or_else(|| bad(format!("field `{name}` must be text")))
    };
    let int = |name: &'static str| -> Result<i128, ApplyError> {
        field(name)?
            .as_integer()
            .map(i128::from)
            .ok_or_else(|| bad(format!("field `{name}` must be an integer")))
    };
    let format = text("format")?;
    if format != STATEMENT_FORMAT {
        return Err(bad(format!(
            "field `format` is `{}`; it must be `{STATEMENT_FORMAT}`",
            clip(&format)
        )));
    }
    let label = label_id("label", &text("label")?)?;
    let issuer_kid = label_id("issuer_kid", &text("issuer_kid")?)?;
    let index = u32::try_from(int("index")?)
        .ok()
        .filter(|i| (*i as usize) < super::STATUS_ENTRIES)
        .ok_or_else(|| ApplyError::IndexOutOfRange {
            index: int("index").unwrap_or_default().to_string(),
        })?;
    let status_name = text("status")?;
    let status = LabelStatus::parse(&status_name).ok_or_else(|| {
        bad(format!(
            "field `status` is `{}`; it must be valid, revoked, suspended or superseded",
            clip(&status_name)
        ))
    })?;
    let reason = text("reason")?;
    if reason.len() > MAX_REASON {
        return Err(bad(format!(
            "field `reason` is {} bytes; at most {MAX_REASON}",
            reason.len()
        )));
    }
    // The reason is shown on registry pages: the same Unicode-category rule as label text.
    crate::text::check(&reason).map_err(|e| bad(format!("field `reason`: {e}")))?;
    let at = int("at")?;
    if !(i128::from(EARLIEST_AT)..i128::from(LATEST_AT)).contains(&at) {
        return Err(bad(format!(
            "field `at` ({at}) is not between 2020-01-01 and 2100-01-01 (unix seconds {EARLIEST_AT}..{LATEST_AT})"
        )));
    }
    // 0 decodes, and is refused when applied (as a replay: no statement precedes it).
    let sequence = int("sequence")?;
    if !(0..=i128::from(MAX_SEQUENCE)).contains(&sequence) {
        return Err(bad(format!(
            "field `sequence` ({sequence}) must be from 1 to {MAX_SEQUENCE}"
        )));
    }
    // Absent and null both mean none (serde writes null; a hand-made statement may omit it).
    let successor = match fields
        .get("successor")
        .copied()
        .unwrap_or(&ciborium::Value::Null)
    {
        ciborium::Value::Null => None,
        ciborium::Value::Text(t) => Some(label_id("successor", t)?),
        _ => return Err(bad("field `successor` must be a label id or null".into())),
    };
    let statement = RevocationStatement {
        format,
        label,
        issuer_kid,
        index,
        status,
        reason,
        at: i64::try_from(at).unwrap_or(i64::MAX),
        sequence: u64::try_from(sequence).unwrap_or(u64::MAX),
        successor,
    };
    if statement.successor.as_deref() == Some(statement.label.as_str()) {
        return Err(bad("field `successor` names the label itself".into()));
    }
    Ok(statement)
}

/// The fields of a statement, in the order they are signed.
const FIELDS: &[&str] = &[
    "format",
    "label",
    "issuer_kid",
    "index",
    "status",
    "reason",
    "at",
    "sequence",
    "successor",
];

/// A label id or kid: 16 hex digits in either case, returned in lower case.
fn label_id(field: &str, s: &str) -> Result<String, ApplyError> {
    if s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(ApplyError::Malformed(format!(
            "field `{field}` is `{}`, not 16 hex digits",
            clip(s)
        )))
    }
}

/// At most 40 characters of an untrusted text, for messages.
fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if s.chars().count() > 40 {
        out.push('\u{2026}');
    }
    out
}

/// Verifies a statement's signature against the trust lists and roots.
pub fn open_statement(
    bytes: &[u8],
    trust: &[VerifiedTrustList],
    roots: &[[u8; 32]],
) -> Result<OpenedStatement, ApplyError> {
    let parsed = cose::parse_limited(bytes, MAX_STATEMENT)
        .map_err(|e| ApplyError::Malformed(e.to_string()))?;
    let statement = decode_statement(&parsed.payload)?;
    let signer = Kid(parsed.kid);
    let label_kid: Kid = statement
        .issuer_kid
        .parse()
        .map_err(|e| ApplyError::Malformed(format!("field `issuer_kid`: {e}")))?;
    for t in trust {
        // The scheme owner whose list names the label's key.
        if t.list.keys_with_kid(label_kid).next().is_some()
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
            .keys_with_kid(label_kid)
            .map(|k| k.issuer.as_str())
            .collect();
        for k in t.list.keys_with_kid(signer) {
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
    /// The issuer key.
    pub issuer_kid: Kid,
    /// By status index.
    pub entries: BTreeMap<u32, StateEntry>,
}

impl StatusState {
    /// An empty state for an issuer key.
    pub fn new(issuer_kid: &[u8; 8]) -> StatusState {
        StatusState {
            issuer_kid: Kid(*issuer_kid),
            entries: BTreeMap::new(),
        }
    }

    /// Applies one verified statement, or refuses it with the reason; the state is unchanged on
    /// refusal.
    pub fn apply(&mut self, opened: &OpenedStatement) -> Result<(), ApplyError> {
        let s = &opened.statement;
        if self.issuer_kid != s.issuer_kid {
            return Err(ApplyError::Mismatch(format!(
                "statement is for key {}, this state is for key {}",
                s.issuer_kid, self.issuer_kid
            )));
        }
        if s.status == LabelStatus::Superseded && s.successor.is_none() {
            return Err(ApplyError::NoSuccessor);
        }
        // Checked at decoding too; again here because a state must never hold an entry no
        // status list can represent (it would stop the list from being signed).
        if s.index as usize >= super::STATUS_ENTRIES {
            return Err(ApplyError::IndexOutOfRange {
                index: s.index.to_string(),
            });
        }
        if let Some(cur) = self.entries.get(&s.index) {
            // Ids compared in one case: entries stored before ids were canonical may be upper.
            if !cur.label.eq_ignore_ascii_case(&s.label) {
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
                label: s.label.to_ascii_lowercase(),
                status: s.status,
                sequence: s.sequence,
                by_owner: opened.by_owner,
                reason: s.reason.clone(),
                successor: s.successor.as_deref().map(str::to_ascii_lowercase),
                at: s.at,
            },
        );
        Ok(())
    }

    /// The next sequence number for a label.
    pub fn next_sequence(&self, index: u32) -> u64 {
        self.entries
            .get(&index)
            .map_or(1, |e| e.sequence.saturating_add(1))
    }

    /// Indexes of entries no status list can represent (beyond its 131,072 entries). Only a
    /// damaged or hand-edited state has any: [`apply`](Self::apply) refuses them.
    pub fn out_of_range(&self) -> Vec<u32> {
        self.entries
            .keys()
            .copied()
            .filter(|i| *i as usize >= super::STATUS_ENTRIES)
            .collect()
    }

    /// The status list this state gives, leaving out entries beyond the list (see
    /// [`out_of_range`](Self::out_of_range)): the labels at those indexes are STATUS UNKNOWN to
    /// every verifier anyway, and every other label's entry is still signed.
    pub fn to_list_in_range(&self, issued_at: i64, expires: i64) -> Result<StatusList, ApplyError> {
        let mut in_range = self.clone();
        in_range
            .entries
            .retain(|i, _| (*i as usize) < super::STATUS_ENTRIES);
        in_range.to_list(issued_at, expires)
    }

    /// The status list this state gives.
    pub fn to_list(&self, issued_at: i64, expires: i64) -> Result<StatusList, ApplyError> {
        let mut list = StatusList::new(self.issuer_kid, issued_at, expires);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn statement() -> RevocationStatement {
        RevocationStatement {
            format: STATEMENT_FORMAT.into(),
            label: "0123456789ABCDEF".into(),
            issuer_kid: "00112233AABBCCDD".into(),
            index: 7,
            status: LabelStatus::Superseded,
            reason: "new firmware".into(),
            at: 1_800_000_000,
            sequence: 1,
            successor: Some("FEDCBA9876543210".into()),
        }
    }

    fn decoded(edit: impl Fn(&mut RevocationStatement)) -> Result<RevocationStatement, ApplyError> {
        let mut s = statement();
        edit(&mut s);
        let mut payload = Vec::new();
        ciborium::ser::into_writer(&s, &mut payload).unwrap();
        decode_statement(&payload)
    }

    #[test]
    fn ids_come_back_canonical_and_bounds_hold() {
        let s = decoded(|_| {}).unwrap();
        assert_eq!(s.label, "0123456789abcdef");
        assert_eq!(s.issuer_kid, "00112233aabbccdd");
        assert_eq!(s.successor.as_deref(), Some("fedcba9876543210"));
        for index in [131_072, 200_000, u32::MAX] {
            assert!(matches!(
                decoded(|s| s.index = index),
                Err(ApplyError::IndexOutOfRange { .. })
            ));
        }
        assert!(decoded(|s| s.index = 131_071).is_ok());
        for seq in [MAX_SEQUENCE + 1, 1 << 53, i64::MAX as u64, u64::MAX] {
            let e = decoded(|s| s.sequence = seq).unwrap_err().to_string();
            assert!(e.contains("`sequence`"), "{e}");
        }
        assert!(decoded(|s| s.sequence = MAX_SEQUENCE).is_ok());
        for at in [i64::MIN, -1, 0, EARLIEST_AT - 1, LATEST_AT, i64::MAX] {
            let e = decoded(|s| s.at = at).unwrap_err().to_string();
            assert!(e.contains("`at`"), "{e}");
        }
        assert!(decoded(|s| s.at = EARLIEST_AT).is_ok());
        assert!(decoded(|s| s.at = LATEST_AT - 1).is_ok());
        for bad in [
            "",
            "0123",
            "0123456789abcdefa",
            "g123456789abcdef",
            "+123456789abcdef",
        ] {
            for field in ["label", "issuer_kid", "successor"] {
                let e = decoded(|s| match field {
                    "label" => s.label = bad.into(),
                    "issuer_kid" => s.issuer_kid = bad.into(),
                    _ => s.successor = Some(bad.into()),
                })
                .unwrap_err()
                .to_string();
                assert!(e.contains(&format!("`{field}`")), "{e}");
            }
        }
        let e = decoded(|s| s.reason = "x".repeat(MAX_REASON + 1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`reason`"), "{e}");
    }

    /// The reason is shown on registry pages: refused by Unicode category when decoded and
    /// when signed, like label text; Japanese with the ideographic space is fine.
    #[test]
    fn reasons_with_spoofing_characters_are_refused_when_decoded_and_when_signed() {
        let key = crate::keys::SoftwareKey::from_seed(&[4; 32]);
        for c in [
            '\u{202E}', '\u{2066}', '\u{200B}', '\u{2028}', '\u{0007}', '\u{00A0}', '\u{E000}',
        ] {
            let reason = format!("default password{c} VALID");
            let e = decoded(|s| s.reason = reason.clone())
                .unwrap_err()
                .to_string();
            assert!(e.contains("`reason`"), "{c:?}: {e}");
            let mut st = statement();
            st.reason = reason;
            assert!(st.sign(&key).is_err(), "{c:?}");
        }
        let ja = "既定パスワード\u{3000}発見";
        assert_eq!(decoded(|s| s.reason = ja.into()).unwrap().reason, ja);
        let mut st = statement();
        st.reason = ja.into();
        assert!(st.sign(&key).is_ok());
    }

    #[test]
    fn an_upper_case_stored_label_matches_the_next_statement() {
        let mut state = StatusState::new(&[0x00, 0x11, 0x22, 0x33, 0xaa, 0xbb, 0xcc, 0xdd]);
        // An entry written before ids were canonical.
        state.entries.insert(
            7,
            StateEntry {
                label: "0123456789ABCDEF".into(),
                status: LabelStatus::Suspended,
                sequence: 1,
                by_owner: false,
                reason: "old".into(),
                successor: None,
                at: 1_800_000_000,
            },
        );
        let mut s = decoded(|s| {
            s.status = LabelStatus::Revoked;
            s.successor = None;
            s.sequence = 2;
        })
        .unwrap();
        s.issuer_kid = state.issuer_kid.to_string();
        let opened = OpenedStatement {
            statement: s,
            by_owner: false,
            signer: Kid::default(),
        };
        state.apply(&opened).unwrap();
        assert_eq!(state.entries[&7].label, "0123456789abcdef");
        assert_eq!(state.entries[&7].status, LabelStatus::Revoked);
        // A state holding an entry beyond the list (a damaged record) still gives a list.
        state.entries.insert(
            200_000,
            StateEntry {
                label: "aaaaaaaaaaaaaaaa".into(),
                status: LabelStatus::Revoked,
                sequence: 1,
                by_owner: false,
                reason: String::new(),
                successor: None,
                at: 1_800_000_000,
            },
        );
        assert_eq!(state.out_of_range(), vec![200_000]);
        assert!(state.to_list(0, 1).is_err());
        let list = state.to_list_in_range(0, 1).unwrap();
        assert_eq!(list.get(7), Some(LabelStatus::Revoked));
        assert_eq!(state.next_sequence(7), 3);
        state.entries.get_mut(&7).unwrap().sequence = u64::MAX;
        assert_eq!(state.next_sequence(7), u64::MAX);
    }
}
