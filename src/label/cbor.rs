//! Small CBOR helpers shared by the claims and COSE layers: read exactly one item, write one
//! item, and name integer map keys in errors.

use ciborium::Value;

/// Why one CBOR item could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The input ended inside the item.
    Truncated,
    /// The bytes are not well-formed CBOR (or too deeply nested).
    Malformed(String),
    /// A whole item was read and `count` bytes were left over.
    Trailing(usize),
}

/// Nesting limit: our structures are at most 4 deep; anything deeper is not ours.
const RECURSION_LIMIT: usize = 16;

/// Reads exactly one CBOR item from `bytes`; bytes left after it are an error.
pub(crate) fn read_one(bytes: &[u8]) -> Result<Value, ReadError> {
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, RECURSION_LIMIT)
        .map_err(|e| match e {
        ciborium::de::Error::Io(_) => ReadError::Truncated,
        ciborium::de::Error::Syntax(at) => {
            ReadError::Malformed(format!("syntax error at byte {at}"))
        }
        ciborium::de::Error::Semantic(at, msg) => match at {
            Some(at) => ReadError::Malformed(format!("{msg} at byte {at}")),
            None => ReadError::Malformed(msg),
        },
        ciborium::de::Error::RecursionLimitExceeded => {
            ReadError::Malformed("nested too deeply".to_string())
        }
    })?;
    if !rest.is_empty() {
        return Err(ReadError::Trailing(rest.len()));
    }
    Ok(value)
}

/// Writes one CBOR item. ciborium always writes definite lengths and shortest-form heads, and
/// map entries in the order given.
pub(crate) fn write(value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A CBOR integer from an `i64`.
pub(crate) fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// The value of an integer item, if it is one.
pub(crate) fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Integer(i) => Some(i128::from(*i)),
        _ => None,
    }
}

/// A map key as people read it: `7`, `-65537`, `"iss"`, or the CBOR type.
pub(crate) fn key_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i128::from(*i).to_string(),
        Value::Text(t) => format!("{t:?}"),
        Value::Bytes(b) => format!("h'{}'", hex::encode(b)),
        other => type_name(other).to_string(),
    }
}

/// The CBOR major type of a value, for error messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) => "integer",
        Value::Bytes(_) => "byte string",
        Value::Float(_) => "float",
        Value::Text(_) => "text string",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Tag(..) => "tag",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        _ => "unknown item",
    }
}
