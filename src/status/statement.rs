//! Revocation statements and the per-issuer-key status state they are folded into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::LabelStatus;
use super::list::StatusList;
use crate::ids::{Kid, LabelId};
use crate::keys::{Signer, kid_of};
use crate::label::cose::{self, EnvelopeError};
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
    /// The label id (cti).
    pub label: LabelId,
    /// The kid of the key that signed the label (it names the status list).
    pub issuer_kid: Kid,
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
    /// For `superseded`: the label that replaces it.
    pub successor: Option<LabelId>,
}

impl RevocationStatement {
    /// Signs the statement.
    pub fn sign(&self, key: &dyn Signer) -> Result<Vec<u8>, ApplyError> {
        crate::text::check(&self.reason).map_err(StatementError::Reason)?;
        let mut payload = Vec::new();
        ciborium::ser::into_writer(self, &mut payload).map_err(ApplyError::Encode)?;
        Ok(cose::sign_limited(&payload, key, MAX_STATEMENT)?)
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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The envelope is not a well-formed COSE_Sign1 (or could not be made).
    #[error("not a valid revocation statement: {0}")]
    Envelope(#[from] EnvelopeError),
    /// The payload is not a well-formed statement.
    #[error("not a valid revocation statement: {0}")]
    Malformed(#[from] StatementError),
    /// The statement could not be encoded for signing.
    #[error("cannot encode the revocation statement: {0}")]
    Encode(#[source] ciborium::ser::Error<std::io::Error>),
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
        label: LabelId,
        /// Its sequence.
        sequence: u64,
        /// The last applied.
        last: u64,
    },
    /// The label's status is final.
    #[error("label {label} is already {}, which is final", status.name())]
    Final {
        /// Label id.
        label: LabelId,
        /// Its status.
        status: LabelStatus,
    },
    /// Only the scheme owner lifts a suspension the owner set.
    #[error(
        "label {label} was suspended by the scheme owner; only the scheme owner can change that"
    )]
    OwnerSuspension {
        /// Label id.
        label: LabelId,
    },
    /// Superseded without a successor.
    #[error("a superseded label must name its successor (--successor LABEL-ID)")]
    NoSuccessor,
    /// The status index is beyond every status list (131,072 entries, indexes 0-131071).
    #[error("status index {index} is beyond the status list's 131072 entries (0-131071)")]
    IndexOutOfRange {
        /// The index as given (any CBOR integer).
        index: i128,
    },
    /// The statement is for another issuer key than the state it is applied to.
    #[error("statement is for key {statement}, this state is for key {state}")]
    OtherKey {
        /// The statement's issuer key.
        statement: Kid,
        /// The state's issuer key.
        state: Kid,
    },
    /// The index already belongs to another label of the key.
    #[error("index {index} belongs to label {holder}, not {label}")]
    IndexHeld {
        /// The status index.
        index: u32,
        /// The label the state holds there.
        holder: LabelId,
        /// The label the statement names.
        label: LabelId,
    },
}

/// What is wrong with a statement's payload (in our own words, never a decoder's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// Not CBOR.
    #[error("the payload is not well-formed CBOR")]
    NotCbor,
    /// CBOR, but not a map.
    #[error("the payload is not a CBOR map")]
    NotAMap,
    /// A map key that is not text.
    #[error("a field name is not text")]
    NameNotText,
    /// A field no statement has.
    #[error("unknown field `{}` (known: {})", clip(name), FIELDS.join(", "))]
    UnknownField {
        /// The field name as given.
        name: String,
    },
    /// A field given twice.
    #[error("field `{name}` appears twice")]
    DuplicateField {
        /// The field.
        name: &'static str,
    },
    /// A required field is absent.
    #[error("field `{name}` is missing")]
    MissingField {
        /// The field.
        name: &'static str,
    },
    /// A field of the wrong CBOR type.
    #[error("field `{field}` must be {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it must be ("text", "an integer").
        expected: &'static str,
    },
    /// Another format than [`STATEMENT_FORMAT`].
    #[error("field `format` is `{}`; it must be `{STATEMENT_FORMAT}`", clip(found))]
    Format {
        /// The format given.
        found: String,
    },
    /// A label id or kid that is not 16 hex digits.
    #[error("field `{field}` is `{}`, not 16 hex digits", clip(text))]
    NotAnId {
        /// The field.
        field: &'static str,
        /// The text given.
        text: String,
    },
    /// Not one of the four statuses.
    #[error(
        "field `status` is `{}`; it must be valid, revoked, suspended or superseded",
        clip(found)
    )]
    Status {
        /// The status given.
        found: String,
    },
    /// A reason longer than [`MAX_REASON`] bytes.
    #[error("field `reason` is {bytes} bytes; at most {MAX_REASON}")]
    ReasonTooLong {
        /// Its length.
        bytes: usize,
    },
    /// A reason with a character people must not be shown.
    #[error("field `reason`: {0}")]
    Reason(#[source] crate::text::TextError),
    /// `at` or `sequence` outside its bounds.
    #[error("field `{field}` ({value}) {}", bounds(field))]
    OutOfRange {
        /// `at` or `sequence`.
        field: &'static str,
        /// The value given.
        value: i128,
    },
    /// A superseded label named as its own successor.
    #[error("field `successor` names the label itself")]
    SuccessorIsSelf,
}

/// The bounds of a ranged field, in words.
fn bounds(field: &str) -> String {
    if field == "at" {
        format!(
            "is not between 2020-01-01 and 2100-01-01 (unix seconds {EARLIEST_AT}..{LATEST_AT})"
        )
    } else {
        format!("must be from 1 to {MAX_SEQUENCE}")
    }
}

/// Decodes a statement's payload and checks every field, with errors naming the field. Ids are
/// read in either case, so a statement written with upper-case ids names the same label as one
/// in lower case.
pub fn decode_statement(payload: &[u8]) -> Result<RevocationStatement, ApplyError> {
    use StatementError as E;
    let value: ciborium::Value = ciborium::de::from_reader(payload).map_err(|_| E::NotCbor)?;
    let ciborium::Value::Map(entries) = value else {
        return Err(E::NotAMap.into());
    };
    let mut fields: BTreeMap<&'static str, &ciborium::Value> = BTreeMap::new();
    for (k, v) in &entries {
        let name = k.as_text().ok_or(E::NameNotText)?;
        let name = FIELDS
            .iter()
            .copied()
            .find(|f| *f == name)
            .ok_or_else(|| E::UnknownField { name: name.into() })?;
        if fields.insert(name, v).is_some() {
            return Err(E::DuplicateField { name }.into());
        }
    }
    let field = |name: &'static str| fields.get(name).copied().ok_or(E::MissingField { name });
    let wrong = |field, expected| E::WrongType { field, expected };
    let text = |name: &'static str| {
        field(name)?
            .as_text()
            .map(str::to_string)
            .ok_or(wrong(name, "text"))
    };
    let int = |name: &'static str| {
        field(name)?
            .as_integer()
            .map(i128::from)
            .ok_or(wrong(name, "an integer"))
    };
    let format = text("format")?;
    if format != STATEMENT_FORMAT {
        return Err(E::Format { found: format }.into());
    }
    let label: LabelId = id("label", &text("label")?)?;
    let issuer_kid: Kid = id("issuer_kid", &text("issuer_kid")?)?;
    let index = int("index")?;
    let index = u32::try_from(index)
        .ok()
        .filter(|i| (*i as usize) < super::STATUS_ENTRIES)
        .ok_or(ApplyError::IndexOutOfRange { index })?;
    let status_name = text("status")?;
    let status = LabelStatus::parse(&status_name).ok_or(E::Status { found: status_name })?;
    let reason = text("reason")?;
    if reason.len() > MAX_REASON {
        return Err(E::ReasonTooLong {
            bytes: reason.len(),
        }
        .into());
    }
    // The reason is shown on registry pages: the same Unicode-category rule as label text.
    crate::text::check(&reason).map_err(E::Reason)?;
    let in_range = |field, range: std::ops::Range<i128>| {
        let value = int(field)?;
        let ok = range.contains(&value);
        ok.then_some(value).ok_or(E::OutOfRange { field, value })
    };
    let at = in_range("at", i128::from(EARLIEST_AT)..i128::from(LATEST_AT))?;
    // 0 decodes, and is refused when applied (as a replay: no statement precedes it).
    let sequence = in_range("sequence", 0..i128::from(MAX_SEQUENCE) + 1)?;
    // Absent and null both mean none (serde writes null; a hand-made statement may omit it).
    let successor = match fields
        .get("successor")
        .copied()
        .unwrap_or(&ciborium::Value::Null)
    {
        ciborium::Value::Null => None,
        ciborium::Value::Text(t) => Some(id("successor", t)?),
        _ => return Err(wrong("successor", "a label id or null").into()),
    };
    if successor == Some(label) {
        return Err(E::SuccessorIsSelf.into());
    }
    Ok(RevocationStatement {
        format,
        label,
        issuer_kid,
        index,
        status,
        reason,
        at: i64::try_from(at).unwrap_or(i64::MAX),
        sequence: u64::try_from(sequence).unwrap_or(u64::MAX),
        successor,
    })
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

/// A label id or kid: 16 hex digits in either case.
fn id<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<T, StatementError> {
    text.parse().map_err(|_| StatementError::NotAnId {
        field,
        text: text.into(),
    })
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
    let parsed = cose::parse_limited(bytes, MAX_STATEMENT)?;
    let statement = decode_statement(&parsed.payload)?;
    let signer = Kid(parsed.kid);
    let label_kid = statement.issuer_kid;
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
    /// Label id.
    pub label: LabelId,
    /// Current status.
    pub status: LabelStatus,
    /// Last applied sequence number.
    pub sequence: u64,
    /// The last change was made by the scheme owner.
    pub by_owner: bool,
    /// Reason of the last change.
    pub reason: String,
    /// Successor label id, for superseded.
    pub successor: Option<LabelId>,
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
            return Err(ApplyError::OtherKey {
                statement: s.issuer_kid,
                state: self.issuer_kid,
            });
        }
        if s.status == LabelStatus::Superseded && s.successor.is_none() {
            return Err(ApplyError::NoSuccessor);
        }
        // Checked at decoding too; again here because a state must never hold an entry no
        // status list can represent (it would stop the list from being signed).
        if s.index as usize >= super::STATUS_ENTRIES {
            return Err(ApplyError::IndexOutOfRange {
                index: s.index.into(),
            });
        }
        if let Some(cur) = self.entries.get(&s.index) {
            if cur.label != s.label {
                return Err(ApplyError::IndexHeld {
                    index: s.index,
                    holder: cur.label,
                    label: s.label,
                });
            }
            if s.sequence <= cur.sequence {
                return Err(ApplyError::Replayed {
                    label: s.label,
                    sequence: s.sequence,
                    last: cur.sequence,
                });
            }
            if cur.status.is_final() {
                return Err(ApplyError::Final {
                    label: s.label,
                    status: cur.status,
                });
            }
            if cur.status == LabelStatus::Suspended && cur.by_owner && !opened.by_owner {
                return Err(ApplyError::OwnerSuspension { label: s.label });
            }
        } else if s.sequence == 0 {
            return Err(ApplyError::Replayed {
                label: s.label,
                sequence: 0,
                last: 0,
            });
        }
        self.entries.insert(
            s.index,
            StateEntry {
                label: s.label,
                status: s.status,
                sequence: s.sequence,
                by_owner: opened.by_owner,
                reason: s.reason.clone(),
                successor: s.successor,
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
                return Err(ApplyError::IndexOutOfRange {
                    index: (*idx).into(),
                });
            }
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use ciborium::Value;

    const KID_A: Kid = Kid([0x00, 0x11, 0x22, 0x33, 0xaa, 0xbb, 0xcc, 0xdd]);
    const LABEL: LabelId = LabelId([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);

    fn statement() -> RevocationStatement {
        RevocationStatement {
            format: STATEMENT_FORMAT.into(),
            label: LABEL,
            issuer_kid: KID_A,
            index: 7,
            status: LabelStatus::Superseded,
            reason: "new firmware".into(),
            at: 1_800_000_000,
            sequence: 1,
            successor: Some("FEDCBA9876543210".parse().unwrap()),
        }
    }

    fn decoded(edit: impl Fn(&mut RevocationStatement)) -> Result<RevocationStatement, ApplyError> {
        let mut s = statement();
        edit(&mut s);
        let mut payload = Vec::new();
        ciborium::ser::into_writer(&s, &mut payload).unwrap();
        decode_statement(&payload)
    }

    /// The statement's payload with one field set to `value` (added if absent).
    fn decoded_with(field: &str, value: Value) -> Result<RevocationStatement, ApplyError> {
        let Value::Map(mut m) = Value::serialized(&statement()).unwrap() else {
            unreachable!()
        };
        match m.iter_mut().find(|(k, _)| k.as_text() == Some(field)) {
            Some((_, v)) => *v = value,
            None => m.push((Value::Text(field.into()), value)),
        }
        let mut payload = Vec::new();
        ciborium::ser::into_writer(&Value::Map(m), &mut payload).unwrap();
        decode_statement(&payload)
    }

    fn problem(r: Result<RevocationStatement, ApplyError>) -> StatementError {
        match r {
            Err(ApplyError::Malformed(p)) => p,
            other => panic!("expected a malformed statement, got {other:?}"),
        }
    }

    #[test]
    fn ids_are_written_in_lower_case_and_read_in_either_case() {
        let mut payload = Vec::new();
        ciborium::ser::into_writer(&statement(), &mut payload).unwrap();
        let text = String::from_utf8_lossy(&payload);
        assert!(text.contains("0123456789abcdef") && text.contains("fedcba9876543210"));
        let s = decoded_with("label", Value::Text("0123456789ABCDEF".into())).unwrap();
        assert_eq!(s.label, LABEL);
        let s = decoded_with("issuer_kid", Value::Text("00112233AABBCCDD".into())).unwrap();
        assert_eq!(s.issuer_kid, KID_A);
    }

    #[test]
    fn each_bad_field_is_named_with_its_value() {
        for index in [131_072, 200_000, u32::MAX] {
            assert!(matches!(
                decoded(|s| s.index = index),
                Err(ApplyError::IndexOutOfRange { index: i }) if i == i128::from(index)
            ));
        }
        assert!(matches!(
            decoded_with("index", Value::Integer((-1).into())),
            Err(ApplyError::IndexOutOfRange { index: -1 })
        ));
        assert!(decoded(|s| s.index = 131_071).is_ok());
        for seq in [MAX_SEQUENCE + 1, 1 << 53, i64::MAX as u64, u64::MAX] {
            assert_eq!(
                problem(decoded(|s| s.sequence = seq)),
                StatementError::OutOfRange {
                    field: "sequence",
                    value: seq.into()
                }
            );
        }
        assert!(decoded(|s| s.sequence = MAX_SEQUENCE).is_ok());
        for at in [i64::MIN, -1, 0, EARLIEST_AT - 1, LATEST_AT, i64::MAX] {
            let p = problem(decoded(|s| s.at = at));
            assert_eq!(
                p,
                StatementError::OutOfRange {
                    field: "at",
                    value: at.into()
                }
            );
            assert!(
                p.to_string().contains("between 2020-01-01 and 2100-01-01"),
                "{p}"
            );
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
                let p = problem(decoded_with(field, Value::Text(bad.into())));
                assert_eq!(
                    p,
                    StatementError::NotAnId {
                        field: FIELDS.iter().find(|f| **f == field).unwrap(),
                        text: bad.into()
                    }
                );
                assert!(p.to_string().contains(&format!("`{field}`")), "{p}");
            }
        }
        assert_eq!(
            problem(decoded(|s| s.reason = "x".repeat(MAX_REASON + 1))),
            StatementError::ReasonTooLong {
                bytes: MAX_REASON + 1
            }
        );
        let p = problem(decoded_with("colour", Value::Text("red".into())));
        assert_eq!(
            p,
            StatementError::UnknownField {
                name: "colour".into()
            }
        );
        assert!(
            p.to_string()
                .contains("unknown field `colour` (known: format, label"),
            "{p}"
        );
        assert_eq!(
            problem(decoded_with("index", Value::Text("7".into()))),
            StatementError::WrongType {
                field: "index",
                expected: "an integer"
            }
        );
        assert_eq!(
            problem(decoded_with("reason", Value::Integer(1.into()))),
            StatementError::WrongType {
                field: "reason",
                expected: "text"
            }
        );
        assert_eq!(
            problem(decoded_with("successor", Value::Integer(1.into()))),
            StatementError::WrongType {
                field: "successor",
                expected: "a label id or null"
            }
        );
        assert_eq!(
            problem(decoded_with("status", Value::Text("gone".into()))),
            StatementError::Status {
                found: "gone".into()
            }
        );
        assert_eq!(
            problem(decoded_with("format", Value::Text("x/1".into()))),
            StatementError::Format {
                found: "x/1".into()
            }
        );
        assert_eq!(
            problem(decoded(|s| s.successor = Some(s.label))),
            StatementError::SuccessorIsSelf
        );
        // A payload without `at`: the missing field is named.
        let Value::Map(mut m) = Value::serialized(&statement()).unwrap() else {
            unreachable!()
        };
        m.retain(|(k, _)| k.as_text() != Some("at"));
        let mut payload = Vec::new();
        ciborium::ser::into_writer(&Value::Map(m), &mut payload).unwrap();
        assert_eq!(
            problem(decode_statement(&payload)),
            StatementError::MissingField { name: "at" }
        );
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
            let p = problem(decoded(|s| s.reason = reason.clone()));
            assert!(matches!(p, StatementError::Reason(_)), "{c:?}: {p}");
            assert!(p.to_string().contains("`reason`"), "{c:?}: {p}");
            let mut st = statement();
            st.reason = reason;
            assert!(
                matches!(
                    st.sign(&key),
                    Err(ApplyError::Malformed(StatementError::Reason(_)))
                ),
                "{c:?}"
            );
        }
        let ja = "既定パスワード\u{3000}発見";
        assert_eq!(decoded(|s| s.reason = ja.into()).unwrap().reason, ja);
        let mut st = statement();
        st.reason = ja.into();
        assert!(st.sign(&key).is_ok());
    }

    fn opened(edit: impl Fn(&mut RevocationStatement)) -> OpenedStatement {
        let mut s = statement();
        s.status = LabelStatus::Revoked;
        s.successor = None;
        edit(&mut s);
        OpenedStatement {
            statement: s,
            by_owner: false,
            signer: Kid::default(),
        }
    }

    #[test]
    fn a_state_refuses_another_keys_statement_and_another_label_at_its_index() {
        let kid_b = Kid([9; 8]);
        let mut state = StatusState::new(KID_A.bytes());
        let e = state.apply(&opened(|s| s.issuer_kid = kid_b)).unwrap_err();
        assert!(
            matches!(e, ApplyError::OtherKey { statement, state } if statement == kid_b && state == KID_A),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!("statement is for key {kid_b}, this state is for key {KID_A}")
        );
        state.apply(&opened(|_| {})).unwrap();
        let other = LabelId([7; 8]);
        let e = state
            .apply(&opened(|s| {
                s.label = other;
                s.sequence = 2;
            }))
            .unwrap_err();
        assert!(
            matches!(e, ApplyError::IndexHeld { index: 7, holder, label } if holder == LABEL && label == other),
            "{e:?}"
        );
        let e = state.apply(&opened(|s| s.sequence = 2)).unwrap_err();
        assert!(
            matches!(e, ApplyError::Final { label, status: LabelStatus::Revoked } if label == LABEL),
            "{e:?}"
        );
    }

    #[test]
    fn an_upper_case_stored_label_matches_the_next_statement() {
        // A state written before ids were canonical: upper-case hex reads as the same ids.
        let mut state: StatusState = serde_json::from_str(
            r#"{"issuer_kid": "00112233AABBCCDD", "entries": {"7": {"label": "0123456789ABCDEF",
            "status": "suspended", "sequence": 1, "by_owner": false, "reason": "old",
            "successor": null, "at": 1800000000}}}"#,
        )
        .unwrap();
        assert_eq!(state.issuer_kid, KID_A);
        state.apply(&opened(|s| s.sequence = 2)).unwrap();
        assert_eq!(state.entries[&7].label, LABEL);
        assert_eq!(state.entries[&7].status, LabelStatus::Revoked);
        let json = serde_json::to_string(&state).unwrap();
        assert!(json.contains(r#""label":"0123456789abcdef""#), "{json}");
        // A state holding an entry beyond the list (a damaged record) still gives a list.
        state.entries.insert(
            200_000,
            StateEntry {
                label: LabelId([0xaa; 8]),
                status: LabelStatus::Revoked,
                sequence: 1,
                by_owner: false,
                reason: String::new(),
                successor: None,
                at: 1_800_000_000,
            },
        );
        assert_eq!(state.out_of_range(), vec![200_000]);
        assert!(matches!(
            state.to_list(0, 1),
            Err(ApplyError::IndexOutOfRange { index: 200_000 })
        ));
        let list = state.to_list_in_range(0, 1).unwrap();
        assert_eq!(list.get(7), Some(LabelStatus::Revoked));
        assert_eq!(state.next_sequence(7), 3);
        state.entries.get_mut(&7).unwrap().sequence = u64::MAX;
        assert_eq!(state.next_sequence(7), u64::MAX);
    }
}
