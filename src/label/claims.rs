//! The CWT claims set (RFC 8392) a label signs, as Rust types, and its one CBOR encoding.
//!
//! ```text
//! {                                   claims map, keys in deterministic order
//!   1: issuer           tstr          iss: the issuer's short id from the trust list
//!   4: expires          int           exp: unix seconds
//!   6: issued_at        int           iat: unix seconds
//!   7: label_id         bstr .size 8  cti: the registry key and revocation handle
//!   -65537: {                         the label body (private-use claim)
//!     1: scheme_id  2: scheme_version  3: criteria_digest (16)  4: manufacturer  5: model
//!     6: hardware_version  7: firmware  8: firmware_is_minimum (only when true)  9: tier
//!     10: assurance  11: support_end in days since 1970-01-01 (when set)  12: results
//!     13: result_count  14: evidence_digest (16)  15: variants (when any)
//!     16: status_index: index into the status list of the key that signed the label
//!   }
//! }
//! ```
//!
//! Encoding is RFC 8949 §4.2.1 core deterministic: shortest-form integers, definite lengths,
//! map keys sorted by their encoded bytes (non-negative keys ascending, then negative keys
//! ascending in magnitude). Decoding is strict and fails closed: exact types, every required
//! key present, no unknown or duplicate key at either level, text NFC and within its cap, and
//! re-encoding the decoded claims must give back the input bytes exactly, so there is one
//! encoding of any claims set and no other is accepted.

use ciborium::Value;
use unicode_normalization::is_nfc;

use super::cbor::{self, ReadError, as_i128, int, key_text, type_name};

/// CWT `iss`.
pub const CLAIM_ISS: i64 = 1;
/// CWT `exp`.
pub const CLAIM_EXP: i64 = 4;
/// CWT `iat`.
pub const CLAIM_IAT: i64 = 6;
/// CWT `cti`.
pub const CLAIM_CTI: i64 = 7;
/// The label body: the first private-use CWT claim key.
pub const CLAIM_LABEL: i64 = -65537;
/// The status-list index: the second private-use CWT claim key.
pub const LABEL_STATUS_INDEX: i64 = 16;
/// Seconds in a day: the support-period end is carried in whole days.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// Byte cap on `iss`.
pub const MAX_ISSUER: usize = 32;
/// Byte cap on the scheme id.
pub const MAX_SCHEME_ID: usize = 32;
/// Byte cap on the manufacturer.
pub const MAX_MANUFACTURER: usize = 48;
/// Byte cap on the model and on each variant.
pub const MAX_MODEL: usize = 32;
/// Byte cap on the hardware version.
pub const MAX_HARDWARE_VERSION: usize = 16;
/// Byte cap on the firmware version.
pub const MAX_FIRMWARE: usize = 16;
/// At most this many variants.
pub const MAX_VARIANTS: usize = 8;

/// Assurance code: the manufacturer's own declaration.
pub const ASSURANCE_SELF_DECLARED: u8 = 0;
/// Assurance code: a lab reviewed the declaration.
pub const ASSURANCE_LAB_REVIEWED: u8 = 1;
/// Assurance code: a lab tested the device.
pub const ASSURANCE_LAB_TESTED: u8 = 2;

/// The signed claims of one label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelClaims {
    /// CWT `iss` (1): the issuer's short id from the trust list, NFC, 1 to 32 bytes.
    pub issuer: String,
    /// CWT `iat` (6), unix seconds.
    pub issued_at: i64,
    /// CWT `exp` (4), unix seconds.
    pub expires: i64,
    /// CWT `cti` (7): the 8-byte label id, the registry key and revocation handle.
    pub label_id: [u8; 8],
    /// Label map key 16: this label's index into the status list of the key that signed
    /// it. The list's URI is not carried: it is implied by the signing key's `kid` (the trust
    /// list names one status list per issuer key), which saves bytes in the QR code.
    pub status_index: u32,
    /// Private claim -65537: what the label says about the device.
    pub label: LabelBody,
}

/// What a label says about a device (private claim -65537).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelBody {
    /// 1: the scheme id, NFC, 1 to 32 bytes.
    pub scheme_id: String,
    /// 2: the scheme version.
    pub scheme_version: u32,
    /// 3: the first 16 bytes of the scheme's criteria digest.
    pub criteria_digest: [u8; 16],
    /// 4: manufacturer, NFC, 1 to 48 bytes.
    pub manufacturer: String,
    /// 5: model, NFC, 1 to 32 bytes.
    pub model: String,
    /// 6: hardware version, NFC, 1 to 16 bytes.
    pub hardware_version: String,
    /// 7: firmware version, NFC, 1 to 16 bytes.
    pub firmware: String,
    /// 8: true when `firmware` is a minimum ("or later"); the key is omitted when false.
    pub firmware_is_minimum: bool,
    /// 9: the tier reached, its rank 1..n.
    pub tier: u32,
    /// 10: the assurance of the tier: [`ASSURANCE_SELF_DECLARED`], [`ASSURANCE_LAB_REVIEWED`]
    /// or [`ASSURANCE_LAB_TESTED`].
    pub assurance: u8,
    /// 11: end of the security-update support period, unix seconds; omitted when unknown.
    pub support_end: Option<i64>,
    /// 12: the per-requirement results, packed by [`pack_results`] (2 bits each, in the
    /// scheme's requirement order).
    pub results: Vec<u8>,
    /// 13: how many requirements `results` holds, so the padding is unambiguous.
    pub result_count: u32,
    /// 14: the first 16 bytes of SHA-256 over the canonical JSON report.
    pub evidence_digest: [u8; 16],
    /// 15: model variants covered, each NFC 1 to 32 bytes, at most 8; omitted when empty.
    pub variants: Vec<String>,
}

/// One requirement's result in the packed bitmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ResultCode {
    /// 0: not met, not assessed, inconclusive or contradicted.
    NotMet = 0,
    /// 1: met on the manufacturer's declaration.
    MetDeclared = 1,
    /// 2: met with a lab's review or test, or by a recognised label.
    MetLab = 2,
    /// 3: not applicable to this device.
    NotApplicable = 3,
}

impl ResultCode {
    /// The 2-bit value.
    pub fn bits(self) -> u8 {
        self as u8
    }

    /// The code of a 2-bit value (only the low two bits are read).
    pub fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => ResultCode::NotMet,
            1 => ResultCode::MetDeclared,
            2 => ResultCode::MetLab,
            _ => ResultCode::NotApplicable,
        }
    }
}

/// Why claims could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The input ended inside the claims.
    #[error("claims CBOR is truncated")]
    Truncated,
    /// Not well-formed CBOR.
    #[error("claims are not well-formed CBOR: {detail}")]
    Malformed {
        /// What the decoder said.
        detail: String,
    },
    /// Bytes after the claims map.
    #[error("{count} byte(s) after the claims map")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The claims set or the label body is not a map.
    #[error("the {map} must be a CBOR map, found a {found}")]
    NotAMap {
        /// `claims` or `label`.
        map: &'static str,
        /// The CBOR type found.
        found: &'static str,
    },
    /// A key this version does not know: refused, never ignored.
    #[error("unknown key {key} in the {map} map")]
    UnknownKey {
        /// `claims` or `label`.
        map: &'static str,
        /// The key as read.
        key: String,
    },
    /// The same key twice.
    #[error("duplicate key {key} in the {map} map")]
    DuplicateKey {
        /// `claims` or `label`.
        map: &'static str,
        /// The key.
        key: String,
    },
    /// A required key is absent.
    #[error("the {map} map lacks key {key} ({field})")]
    MissingKey {
        /// `claims` or `label`.
        map: &'static str,
        /// The key.
        key: i64,
        /// Its field name.
        field: &'static str,
    },
    /// A value of the wrong CBOR type.
    #[error("{field} must be a {expected}, found a {found}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// The type it must have.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// An integer outside the field's range.
    #[error("{field} is {value}, outside {allowed}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The value.
        value: i128,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// A fixed-size byte string of the wrong size.
    #[error("{field} is {len} bytes, must be {expected}")]
    WrongLength {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The length required.
        expected: usize,
    },
    /// Text over its byte cap.
    #[error("{field} is {len} bytes, over the cap of {max} bytes (UTF-8, NFC)")]
    TextTooLong {
        /// The field.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// Empty text.
    #[error("{field} is empty")]
    EmptyText {
        /// The field.
        field: &'static str,
    },
    /// Text not in Unicode Normalization Form C.
    #[error("{field} is not in Unicode NFC")]
    NotNfc {
        /// The field.
        field: &'static str,
    },
    /// Text holding a control character.
    #[error("{field} holds a control character at character {position}")]
    ControlCharacter {
        /// The field.
        field: &'static str,
        /// The character index.
        position: usize,
    },
    /// Too many variants.
    #[error("{count} variants, at most {max}")]
    TooManyVariants {
        /// How many.
        count: usize,
        /// [`MAX_VARIANTS`].
        max: usize,
    },
    /// The packed results do not have `ceil(count / 4)` bytes.
    #[error("packed results are {len} bytes, {count} results need {expected}")]
    ResultsLength {
        /// Bytes given.
        len: usize,
        /// The result count.
        count: u32,
        /// Bytes needed.
        expected: usize,
    },
    /// Padding bits after the last result are not zero.
    #[error("non-zero padding bits after result {count} in the last byte of the packed results")]
    NonZeroPadding {
        /// The result count.
        count: u32,
    },
    /// The bytes decode, but are not the one deterministic encoding of what they hold.
    #[error("claims are not in deterministic CBOR encoding")]
    NotCanonical,
    /// Encoding failed.
    #[error("cannot encode the claims: {detail}")]
    Encode {
        /// What the encoder said.
        detail: String,
    },
}

/// Packs results 2 bits each: result `i` goes to bits `2*(i%4)` and `2*(i%4)+1` of byte
/// `i/4`, least significant first; unused bits of the last byte are zero.
pub fn pack_results(results: &[ResultCode]) -> Vec<u8> {
    let mut out = vec![0u8; results.len().div_ceil(4)];
    for (i, r) in results.iter().enumerate() {
        if let Some(byte) = out.get_mut(i / 4) {
            *byte |= r.bits() << (2 * (i % 4));
        }
    }
    out
}

/// Unpacks `count` results packed by [`pack_results`]; refuses a wrong length and non-zero
/// padding bits.
pub fn unpack_results(packed: &[u8], count: u32) -> Result<Vec<ResultCode>, ClaimsError> {
    let n = count as usize;
    let expected = n.div_ceil(4);
    if packed.len() != expected {
        return Err(ClaimsError::ResultsLength {
            len: packed.len(),
            count,
            expected,
        });
    }
    if !n.is_multiple_of(4)
        && let Some(last) = packed.last()
        && last >> (2 * (n % 4)) != 0
    {
        return Err(ClaimsError::NonZeroPadding { count });
    }
    Ok((0..n)
        .map(|i| {
            let byte = packed.get(i / 4).copied().unwrap_or(0);
            ResultCode::from_bits(byte >> (2 * (i % 4)))
        })
        .collect())
}

/// The assurance code of a criteria [`Assurance`](crate::criteria::model::Assurance).
pub fn assurance_code(a: crate::criteria::model::Assurance) -> u8 {
    use crate::criteria::model::Assurance;
    match a {
        Assurance::SelfDeclared => ASSURANCE_SELF_DECLARED,
        Assurance::LabReviewed => ASSURANCE_LAB_REVIEWED,
        Assurance::LabTested => ASSURANCE_LAB_TESTED,
    }
}

/// The criteria [`Assurance`](crate::criteria::model::Assurance) of an assurance code.
pub fn assurance_from_code(code: u8) -> Option<crate::criteria::model::Assurance> {
    use crate::criteria::model::Assurance;
    match code {
        ASSURANCE_SELF_DECLARED => Some(Assurance::SelfDeclared),
        ASSURANCE_LAB_REVIEWED => Some(Assurance::LabReviewed),
        ASSURANCE_LAB_TESTED => Some(Assurance::LabTested),
        _ => None,
    }
}

impl LabelBody {
    /// The unpacked results.
    pub fn result_codes(&self) -> Result<Vec<ResultCode>, ClaimsError> {
        unpack_results(&self.results, self.result_count)
    }

    /// Sets `results` and `result_count` from unpacked results.
    pub fn set_results(&mut self, results: &[ResultCode]) -> Result<(), ClaimsError> {
        let count = u32::try_from(results.len()).map_err(|_| ClaimsError::OutOfRange {
            field: "result_count",
            value: results.len() as i128,
            allowed: "0..=4294967295",
        })?;
        self.results = pack_results(results);
        self.result_count = count;
        Ok(())
    }

    fn validate(&self) -> Result<(), ClaimsError> {
        if let Some(end) = self.support_end
            && end.rem_euclid(SECONDS_PER_DAY) != 0
        {
            return Err(ClaimsError::OutOfRange {
                field: "support_end",
                value: i128::from(end),
                allowed: "whole days (00:00:00Z)",
            });
        }
        check_text("scheme_id", &self.scheme_id, MAX_SCHEME_ID)?;
        check_text("manufacturer", &self.manufacturer, MAX_MANUFACTURER)?;
        check_text("model", &self.model, MAX_MODEL)?;
        check_text(
            "hardware_version",
            &self.hardware_version,
            MAX_HARDWARE_VERSION,
        )?;
        check_text("firmware", &self.firmware, MAX_FIRMWARE)?;
        if self.tier == 0 {
            return Err(ClaimsError::OutOfRange {
                field: "tier",
                value: 0,
                allowed: "1..=4294967295 (a tier rank)",
            });
        }
        if self.assurance > ASSURANCE_LAB_TESTED {
            return Err(ClaimsError::OutOfRange {
                field: "assurance",
                value: i128::from(self.assurance),
                allowed: "0..=2",
            });
        }
        unpack_results(&self.results, self.result_count)?;
        if self.variants.len() > MAX_VARIANTS {
            return Err(ClaimsError::TooManyVariants {
                count: self.variants.len(),
                max: MAX_VARIANTS,
            });
        }
        for v in &self.variants {
            check_text("variant", v, MAX_MODEL)?;
        }
        Ok(())
    }

    fn to_value(&self) -> Value {
        // Keys 1..15 ascending: the deterministic order for small non-negative keys.
        let mut m: Vec<(Value, Value)> = vec![
            (int(1), Value::Text(self.scheme_id.clone())),
            (int(2), int(i64::from(self.scheme_version))),
            (int(3), Value::Bytes(self.criteria_digest.to_vec())),
            (int(4), Value::Text(self.manufacturer.clone())),
            (int(5), Value::Text(self.model.clone())),
            (int(6), Value::Text(self.hardware_version.clone())),
            (int(7), Value::Text(self.firmware.clone())),
        ];
        if self.firmware_is_minimum {
            m.push((int(8), Value::Bool(true)));
        }
        m.push((int(9), int(i64::from(self.tier))));
        m.push((int(10), int(i64::from(self.assurance))));
        if let Some(end) = self.support_end {
            // Whole days (validated): 3 bytes instead of 5 in the QR code.
            m.push((int(11), int(end.div_euclid(SECONDS_PER_DAY))));
        }
        m.push((int(12), Value::Bytes(self.results.clone())));
        m.push((int(13), int(i64::from(self.result_count))));
        m.push((int(14), Value::Bytes(self.evidence_digest.to_vec())));
        if !self.variants.is_empty() {
            m.push((
                int(15),
                Value::Array(self.variants.iter().cloned().map(Value::Text).collect()),
            ));
        }
        Value::Map(m)
    }

    /// The body and the status index (key 16) it carries.
    fn from_value(v: Value) -> Result<(Self, u32), ClaimsError> {
        let mut m = Fields::new(v, "label", 16)?;
        let status_index = uint32("status_index", &m.take(LABEL_STATUS_INDEX, "status_index")?)?;
        let firmware_is_minimum = match m.take_opt(8) {
            None => false,
            Some(Value::Bool(true)) => true,
            // `false` is written by omitting the key.
            Some(Value::Bool(false)) => return Err(ClaimsError::NotCanonical),
            Some(other) => return Err(wrong_type("firmware_is_minimum", "boolean", &other)),
        };
        let variants = match m.take_opt(15) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                // An empty list is written by omitting the key.
                if items.is_empty() {
                    return Err(ClaimsError::NotCanonical);
                }
                if items.len() > MAX_VARIANTS {
                    return Err(ClaimsError::TooManyVariants {
                        count: items.len(),
                        max: MAX_VARIANTS,
                    });
                }
                items
                    .into_iter()
                    .map(|item| text("variant", item, MAX_MODEL))
                    .collect::<Result<Vec<_>, _>>()?
            }
            Some(other) => return Err(wrong_type("variants", "array", &other)),
        };
        let body = LabelBody {
            scheme_id: text("scheme_id", m.take(1, "scheme_id")?, MAX_SCHEME_ID)?,
            scheme_version: uint32("scheme_version", &m.take(2, "scheme_version")?)?,
            criteria_digest: fixed_bytes("criteria_digest", m.take(3, "criteria_digest")?)?,
            manufacturer: text("manufacturer", m.take(4, "manufacturer")?, MAX_MANUFACTURER)?,
            model: text("model", m.take(5, "model")?, MAX_MODEL)?,
            hardware_version: text(
                "hardware_version",
                m.take(6, "hardware_version")?,
                MAX_HARDWARE_VERSION,
            )?,
            firmware: text("firmware", m.take(7, "firmware")?, MAX_FIRMWARE)?,
            firmware_is_minimum,
            tier: uint32("tier", &m.take(9, "tier")?)?,
            assurance: {
                let v = m.take(10, "assurance")?;
                let n = integer("assurance", &v)?;
                u8::try_from(n)
                    .ok()
                    .filter(|a| *a <= ASSURANCE_LAB_TESTED)
                    .ok_or(ClaimsError::OutOfRange {
                        field: "assurance",
                        value: n,
                        allowed: "0..=2",
                    })?
            },
            support_end: match m.take_opt(11) {
                None => None,
                Some(v) => Some(
                    int64("support_end", &v)?
                        .checked_mul(SECONDS_PER_DAY)
                        .ok_or(ClaimsError::NotCanonical)?,
                ),
            },
            results: bytes("results", m.take(12, "results")?)?,
            result_count: uint32("result_count", &m.take(13, "result_count")?)?,
            evidence_digest: fixed_bytes("evidence_digest", m.take(14, "evidence_digest")?)?,
            variants,
        };
        body.validate()?;
        Ok((body, status_index))
    }
}

impl LabelClaims {
    /// The deterministic CBOR encoding of the claims; refuses claims that break a rule (text
    /// caps, NFC, ranges, results length and padding).
    pub fn encode(&self) -> Result<Vec<u8>, ClaimsError> {
        self.validate()?;
        cbor::write(&self.to_value()).map_err(|detail| ClaimsError::Encode { detail })
    }

    /// Decodes claims strictly (see the module doc): any deviation from the one deterministic
    /// encoding of valid claims is an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, ClaimsError> {
        let value = cbor::read_one(bytes).map_err(|e| match e {
            ReadError::Truncated => ClaimsError::Truncated,
            ReadError::Malformed(detail) => ClaimsError::Malformed { detail },
            ReadError::Trailing(count) => ClaimsError::TrailingBytes { count },
        })?;
        let claims = Self::from_value(value)?;
        let again =
            cbor::write(&claims.to_value()).map_err(|detail| ClaimsError::Encode { detail })?;
        if again != bytes {
            return Err(ClaimsError::NotCanonical);
        }
        Ok(claims)
    }

    fn validate(&self) -> Result<(), ClaimsError> {
        check_text("issuer", &self.issuer, MAX_ISSUER)?;
        self.label.validate()
    }

    fn to_value(&self) -> Value {
        // Non-negative keys ascending (1, 4, 6, 7), then the private claim -65537. The status
        // index sits inside the label map (key 16, last): one byte of key instead of five.
        let mut label = self.label.to_value();
        if let Value::Map(m) = &mut label {
            m.push((int(LABEL_STATUS_INDEX), int(i64::from(self.status_index))));
        }
        Value::Map(vec![
            (int(CLAIM_ISS), Value::Text(self.issuer.clone())),
            (int(CLAIM_EXP), int(self.expires)),
            (int(CLAIM_IAT), int(self.issued_at)),
            (int(CLAIM_CTI), Value::Bytes(self.label_id.to_vec())),
            (int(CLAIM_LABEL), label),
        ])
    }

    fn from_value(v: Value) -> Result<Self, ClaimsError> {
        let mut m = Fields::new(v, "claims", 0)?;
        let (label, status_index) = LabelBody::from_value(m.take(CLAIM_LABEL, "label")?)?;
        let claims = LabelClaims {
            issuer: text("issuer", m.take(CLAIM_ISS, "issuer")?, MAX_ISSUER)?,
            expires: int64("expires", &m.take(CLAIM_EXP, "expires")?)?,
            issued_at: int64("issued_at", &m.take(CLAIM_IAT, "issued_at")?)?,
            label_id: fixed_bytes("label_id", m.take(CLAIM_CTI, "label_id")?)?,
            label,
            status_index,
        };
        Ok(claims)
    }
}

/// The entries of one map, keyed by integer, with unknown and duplicate keys refused.
struct Fields {
    map: &'static str,
    entries: std::collections::BTreeMap<i64, Value>,
}

impl Fields {
    /// `known_max`: label maps accept keys 1..=known_max; the claims map (0) accepts the six
    /// claim keys.
    fn new(v: Value, map: &'static str, known_max: i64) -> Result<Self, ClaimsError> {
        let Value::Map(pairs) = v else {
            return Err(ClaimsError::NotAMap {
                map,
                found: type_name(&v),
            });
        };
        let known = |k: i64| {
            if known_max == 0 {
                [CLAIM_ISS, CLAIM_EXP, CLAIM_IAT, CLAIM_CTI, CLAIM_LABEL].contains(&k)
            } else {
                (1..=known_max).contains(&k)
            }
        };
        let mut entries = std::collections::BTreeMap::new();
        for (k, val) in pairs {
            let key = as_i128(&k)
                .and_then(|i| i64::try_from(i).ok())
                .filter(|i| known(*i))
                .ok_or_else(|| ClaimsError::UnknownKey {
                    map,
                    key: key_text(&k),
                })?;
            if entries.insert(key, val).is_some() {
                return Err(ClaimsError::DuplicateKey {
                    map,
                    key: key.to_string(),
                });
            }
        }
        Ok(Fields { map, entries })
    }

    fn take(&mut self, key: i64, field: &'static str) -> Result<Value, ClaimsError> {
        self.entries.remove(&key).ok_or(ClaimsError::MissingKey {
            map: self.map,
            key,
            field,
        })
    }

    fn take_opt(&mut self, key: i64) -> Option<Value> {
        self.entries.remove(&key)
    }
}

fn wrong_type(field: &'static str, expected: &'static str, found: &Value) -> ClaimsError {
    ClaimsError::WrongType {
        field,
        expected,
        found: type_name(found),
    }
}

fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), ClaimsError> {
    if s.is_empty() {
        return Err(ClaimsError::EmptyText { field });
    }
    if s.len() > max {
        return Err(ClaimsError::TextTooLong {
            field,
            len: s.len(),
            max,
        });
    }
    if !is_nfc(s) {
        return Err(ClaimsError::NotNfc { field });
    }
    if let Some(position) = s.chars().position(char::is_control) {
        return Err(ClaimsError::ControlCharacter { field, position });
    }
    Ok(())
}

fn text(field: &'static str, v: Value, max: usize) -> Result<String, ClaimsError> {
    match v {
        Value::Text(s) => {
            check_text(field, &s, max)?;
            Ok(s)
        }
        other => Err(wrong_type(field, "text string", &other)),
    }
}

fn bytes(field: &'static str, v: Value) -> Result<Vec<u8>, ClaimsError> {
    match v {
        Value::Bytes(b) => Ok(b),
        other => Err(wrong_type(field, "byte string", &other)),
    }
}

fn fixed_bytes<const N: usize>(field: &'static str, v: Value) -> Result<[u8; N], ClaimsError> {
    let b = bytes(field, v)?;
    let len = b.len();
    b.try_into().map_err(|_| ClaimsError::WrongLength {
        field,
        len,
        expected: N,
    })
}

fn integer(field: &'static str, v: &Value) -> Result<i128, ClaimsError> {
    as_i128(v).ok_or_else(|| wrong_type(field, "integer", v))
}

fn uint32(field: &'static str, v: &Value) -> Result<u32, ClaimsError> {
    let n = integer(field, v)?;
    u32::try_from(n).map_err(|_| ClaimsError::OutOfRange {
        field,
        value: n,
        allowed: "0..=4294967295",
    })
}

fn int64(field: &'static str, v: &Value) -> Result<i64, ClaimsError> {
    let n = integer(field, v)?;
    i64::try_from(n).map_err(|_| ClaimsError::OutOfRange {
        field,
        value: n,
        allowed: "the 64-bit signed range",
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn sample() -> LabelClaims {
        let mut label = LabelBody {
            scheme_id: "cls-like".to_string(),
            scheme_version: 1,
            criteria_digest: [0x11; 16],
            manufacturer: "Kestrel Home Ltd".to_string(),
            model: "SmartCam X200".to_string(),
            hardware_version: "rev C".to_string(),
            firmware: "4.2.17".to_string(),
            firmware_is_minimum: true,
            tier: 2,
            assurance: ASSURANCE_LAB_REVIEWED,
            support_end: Some(1_900_022_400), // a whole day
            results: Vec::new(),
            result_count: 0,
            evidence_digest: [0x22; 16],
            variants: vec!["SmartCam X200W".to_string()],
        };
        label
            .set_results(&[
                ResultCode::MetLab,
                ResultCode::MetDeclared,
                ResultCode::NotApplicable,
                ResultCode::NotMet,
                ResultCode::MetLab,
            ])
            .unwrap();
        LabelClaims {
            issuer: "EXL".to_string(),
            issued_at: 1_760_000_000,
            expires: 1_823_000_000,
            label_id: [1, 2, 3, 4, 5, 6, 7, 8],
            status_index: 4242,
            label,
        }
    }

    #[test]
    fn round_trip() {
        let c = sample();
        let bytes = c.encode().unwrap();
        assert_eq!(LabelClaims::decode(&bytes).unwrap(), c);
    }

    #[test]
    fn caps_match_profile() {
        assert_eq!(MAX_MANUFACTURER, crate::profile::MAX_MANUFACTURER);
        assert_eq!(MAX_MODEL, crate::profile::MAX_MODEL);
        assert_eq!(MAX_HARDWARE_VERSION, crate::profile::MAX_VERSION);
        assert_eq!(MAX_FIRMWARE, crate::profile::MAX_VERSION);
    }

    #[test]
    fn map_keys_are_in_deterministic_order() {
        fn check(v: &Value) {
            if let Value::Map(pairs) = v {
                let keys: Vec<Vec<u8>> =
                    pairs.iter().map(|(k, _)| cbor::write(k).unwrap()).collect();
                let mut sorted = keys.clone();
                sorted.sort();
                assert_eq!(keys, sorted);
                for (_, v) in pairs {
                    check(v);
                }
            }
        }
        check(&sample().to_value());
    }

    #[test]
    fn encoded_prefix_is_as_specified() {
        let bytes = sample().encode().unwrap();
        // map(5), 1: "EXL" (the status index lives inside the label map)
        assert_eq!(&bytes[..6], &[0xa5, 0x01, 0x63, b'E', b'X', b'L']);
    }

    #[test]
    fn pack_layout_is_lsb_first() {
        let packed = pack_results(&[
            ResultCode::MetDeclared,
            ResultCode::MetLab,
            ResultCode::NotApplicable,
            ResultCode::NotMet,
            ResultCode::NotApplicable,
        ]);
        assert_eq!(packed, vec![0b00_11_10_01, 0b0000_0011]);
        assert_eq!(unpack_results(&packed, 5).unwrap().len(), 5);
    }

    #[test]
    fn unpack_refuses_padding_and_length() {
        assert_eq!(
            unpack_results(&[0b0000_0111], 1),
            Err(ClaimsError::NonZeroPadding { count: 1 })
        );
        assert!(matches!(
            unpack_results(&[0, 0], 4),
            Err(ClaimsError::ResultsLength {
                len: 2,
                count: 4,
                expected: 1
            })
        ));
        assert!(matches!(
            unpack_results(&[], 1),
            Err(ClaimsError::ResultsLength { .. })
        ));
        assert_eq!(unpack_results(&[], 0).unwrap(), vec![]);
        assert_eq!(unpack_results(&[0xff], 4).unwrap().len(), 4);
    }

    #[test]
    fn range_checks() {
        let mut c = sample();
        c.label.tier = 0;
        assert!(matches!(
            c.encode(),
            Err(ClaimsError::OutOfRange { field: "tier", .. })
        ));
        let mut c = sample();
        c.label.assurance = 3;
        assert!(matches!(
            c.encode(),
            Err(ClaimsError::OutOfRange {
                field: "assurance",
                ..
            })
        ));
        let mut c = sample();
        c.label.variants = vec!["v".to_string(); 9];
        assert!(matches!(
            c.encode(),
            Err(ClaimsError::TooManyVariants { count: 9, max: 8 })
        ));
        let mut c = sample();
        c.label.model = "a\nb".to_string();
        assert!(matches!(
            c.encode(),
            Err(ClaimsError::ControlCharacter {
                field: "model",
                position: 1
            })
        ));
        let mut c = sample();
        c.issuer = String::new();
        assert!(matches!(
            c.encode(),
            Err(ClaimsError::EmptyText { field: "issuer" })
        ));
    }

    #[test]
    fn explicit_false_and_empty_variants_are_not_canonical() {
        let c = sample();
        let mut v = c.to_value();
        if let Value::Map(pairs) = &mut v
            && let Some((_, Value::Map(label))) =
                pairs.iter_mut().find(|(k, _)| *k == int(CLAIM_LABEL))
        {
            for (k, val) in label.iter_mut() {
                if *k == int(8) {
                    *val = Value::Bool(false);
                }
            }
        }
        let bytes = cbor::write(&v).unwrap();
        assert_eq!(LabelClaims::decode(&bytes), Err(ClaimsError::NotCanonical));
    }

    #[test]
    fn assurance_codes_round_trip() {
        use crate::criteria::model::Assurance;
        for a in [
            Assurance::SelfDeclared,
            Assurance::LabReviewed,
            Assurance::LabTested,
        ] {
            assert_eq!(assurance_from_code(assurance_code(a)), Some(a));
        }
        assert_eq!(assurance_from_code(3), None);
    }
}
